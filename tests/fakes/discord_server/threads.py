"""Threads and forum posts: opening them, posting into them, listing them.

Routes (https://discord.com/developers/docs/resources/channel): Start Thread from Message
(`POST /channels/{id}/messages/{id}/threads`: the thread's id is the message's, and a message
holds one thread: a second answers 400, code 160004), Start Thread in Forum or Media Channel
(`POST /channels/{id}/threads` with a `message`: the first message's id is the post's; at
most 5 `applied_tags`, each one of the forum's, and one is needed when the forum has the
REQUIRE_TAG flag: 400, code 40067), Start Thread without Message (the same route on a text
channel), List Active Guild Threads and List Public Archived Threads. A thread's name is 1 to
100 characters. Opening a public thread needs Create Public Threads; posting in a thread
needs Send Messages in Threads, and a forum takes no message of its own (400, code 50008).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from tests.fakes.discord_server.limits import ErrorReply, FormErrors, api_error
from tests.fakes.discord_server.messages import (
    MISSING_PERMISSIONS,
    UNKNOWN_MESSAGE,
    Composer,
    channel_refusal,
)
from tests.fakes.discord_server.replies import BODY, reply_error, reply_json
from tests.fakes.discord_server.state import (
    ANNOUNCEMENT_THREAD,
    CREATE_PUBLIC_THREADS,
    GUILD_ANNOUNCEMENT,
    GUILD_FORUM,
    GUILD_TEXT,
    JSON,
    PUBLIC_THREAD,
    REQUIRE_TAG,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    ChannelAccess,
    FakeChannel,
    FakeGuild,
)
from tests.fakes.discord_server.waiting import Notifier
from tests.fakes.discord_server.world import World

THREAD_NAME_MAX = 100
APPLIED_TAGS_MAX = 5
THREAD_ALREADY_CREATED = api_error(
    400, 160004, "A thread has already been created for this message"
)
TAG_REQUIRED = api_error(400, 40067, "A tag is required to create a forum post in this channel")
NOT_TEXT_CHANNEL = api_error(400, 50008, "Cannot send messages in a non-text channel")
WRONG_CHANNEL_TYPE = api_error(400, 50024, "Cannot execute action on this channel type")
UNKNOWN_GUILD = api_error(404, 10004, "Unknown Guild")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ThreadApi:
    """Serve the thread routes for the world's bot."""

    def __init__(self, world: World, composer: Composer, notifier: Notifier) -> None:
        self._world = world
        self._composer = composer
        self._notifier = notifier

    def routes(self) -> list[tuple[str, str, Handler]]:
        """Return (method, path below /api/v10, handler) for RestApi to install."""
        return [
            ("POST", "/channels/{channel_id}/threads", self.start_thread),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self.from_message),
            ("GET", "/guilds/{guild_id}/threads/active", self.active),
            ("GET", "/channels/{channel_id}/threads/archived/public", self.archived),
        ]

    def refuse_post(self, channel: FakeChannel) -> ErrorReply | None:
        """Return why the bot may not post a message in this channel (threads and forums)."""
        if channel.type == GUILD_FORUM:
            return NOT_TEXT_CHANNEL
        if channel.is_thread:
            parent = self._world.channels.get(channel.parent_id or 0)
            refused = channel_refusal(parent, writing=True)
            if refused is not None:
                return refused
            if not self._bot_may(channel, SEND_MESSAGES_IN_THREADS):
                return MISSING_PERMISSIONS
            channel.archived = False  # a message in an archived thread reopens it
        return None

    async def start_thread(self, request: web.Request) -> web.Response:
        """Handle `POST /channels/{id}/threads`: a forum post, or a thread without a message."""
        channel = self._world.channels.get(int(request.match_info["channel_id"]))
        refused = channel_refusal(channel, writing=True)
        if refused is not None or channel is None:
            return reply_error(refused or UNKNOWN_MESSAGE)
        body: JSON = request[BODY]
        if channel.type == GUILD_FORUM:
            return await self._forum_post(channel, body)
        if channel.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            return reply_error(WRONG_CHANNEL_TYPE)
        if not self._bot_may(channel, CREATE_PUBLIC_THREADS):
            return reply_error(MISSING_PERMISSIONS)
        invalid = _check_name(body)
        if invalid is not None:
            return reply_error(invalid)
        thread = self._open(channel, str(body["name"]), self._world.new_id())
        await self._notifier.notify()
        return reply_json(thread.payload())

    async def from_message(self, request: web.Request) -> web.Response:
        """Handle `POST /channels/{id}/messages/{id}/threads`."""
        channel = self._world.channels.get(int(request.match_info["channel_id"]))
        refused = channel_refusal(channel, writing=True)
        if refused is not None or channel is None:
            return reply_error(refused or UNKNOWN_MESSAGE)
        if channel.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            return reply_error(WRONG_CHANNEL_TYPE)
        if not self._bot_may(channel, CREATE_PUBLIC_THREADS):
            return reply_error(MISSING_PERMISSIONS)
        wanted = int(request.match_info["message_id"])
        if not any(message.id == wanted for message in channel.visible_messages()):
            return reply_error(UNKNOWN_MESSAGE)
        existing = self._world.channels.get(wanted)
        if existing is not None and existing.access is not ChannelAccess.GONE:
            return reply_error(THREAD_ALREADY_CREATED)
        invalid = _check_name(request[BODY])
        if invalid is not None:
            return reply_error(invalid)
        thread = self._open(channel, str(request[BODY]["name"]), wanted)
        await self._notifier.notify()
        return reply_json(thread.payload())

    async def active(self, request: web.Request) -> web.Response:
        """Handle `GET /guilds/{id}/threads/active`: every open thread of the guild."""
        guild = self._world.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            return reply_error(UNKNOWN_GUILD)
        threads = [t.payload() for t in guild.threads if _readable(t) and not t.archived]
        return reply_json({"threads": threads, "members": []})

    async def archived(self, request: web.Request) -> web.Response:
        """Handle `GET /channels/{id}/threads/archived/public` (newest first, `limit`)."""
        channel = self._world.channels.get(int(request.match_info["channel_id"]))
        refused = channel_refusal(channel, writing=False)
        if refused is not None or channel is None:
            return reply_error(refused or UNKNOWN_MESSAGE)
        guild = self._world.guild_of(channel)
        threads = [
            thread
            for thread in (guild.threads if guild else [])
            if thread.parent_id == channel.id and thread.archived and _readable(thread)
        ]
        limit = int(request.query.get("limit", "50"))
        newest = list(reversed(threads))
        return reply_json(
            {
                "threads": [thread.payload() for thread in newest[:limit]],
                "members": [],
                "has_more": len(newest) > limit,
            }
        )

    async def _forum_post(self, forum: FakeChannel, body: JSON) -> web.Response:
        """Create a forum post and its first message, with Discord's checks."""
        if not self._bot_may(forum, SEND_MESSAGES):
            return reply_error(MISSING_PERMISSIONS)
        errors = FormErrors()
        _name_errors(errors, body)
        tags = [int(tag) for tag in body.get("applied_tags") or []]
        errors.too_long(("applied_tags",), tags, APPLIED_TAGS_MAX)
        known = {int(tag["id"]) for tag in forum.available_tags}
        for index, tag in enumerate(tags):
            if tag not in known:
                errors.add(("applied_tags", index), "UNKNOWN_TAG", "Unknown tag.")
        message = body.get("message")
        if not isinstance(message, dict):
            errors.add(("message",), "BASE_TYPE_REQUIRED", "This field is required")
        invalid = errors.reply()
        if invalid is None and isinstance(message, dict):
            invalid = self._composer.check_body(message, prefix=("message",))
        if invalid is not None:
            return reply_error(invalid)
        if forum.flags & REQUIRE_TAG and not tags:
            return reply_error(TAG_REQUIRED)
        assert isinstance(message, dict)
        thread = self._open(forum, str(body["name"]), self._world.new_id(), tags)
        starter = self._composer.make(thread, self._world.bot, message, message_id=thread.id)
        await self._notifier.notify()
        return reply_json({**thread.payload(), "message": starter.wire()})

    def _open(
        self, parent: FakeChannel, name: str, thread_id: int, tags: list[int] | None = None
    ) -> FakeChannel:
        """Add a public thread (an announcement thread in an announcement channel)."""
        kind = ANNOUNCEMENT_THREAD if parent.type == GUILD_ANNOUNCEMENT else PUBLIC_THREAD
        thread = FakeChannel(
            id=thread_id,
            name=name,
            type=kind,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=self._world.bot.id,
            applied_tags=list(tags or []),
        )
        self._world.channels[thread.id] = thread
        guild = self._world.guild_of(parent)
        if guild is not None:
            guild.threads.append(thread)
        return thread

    def _bot_may(self, channel: FakeChannel, permission: int) -> bool:
        """Return whether the bot holds `permission` in the channel's guild."""
        guild: FakeGuild | None = self._world.guild_of(channel)
        return guild is None or bool(guild.permissions_of(self._world.bot) & permission)


def _readable(thread: FakeChannel) -> bool:
    """Return whether the bot can still see a thread (not deleted, not forbidden)."""
    return thread.access is ChannelAccess.OPEN


def _name_errors(errors: FormErrors, body: JSON) -> None:
    """Record Discord's error for a missing or over-long thread name."""
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= THREAD_NAME_MAX:
        errors.add(
            ("name",), "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {THREAD_NAME_MAX} in length."
        )


def _check_name(body: JSON) -> ErrorReply | None:
    """Return the 400 for a thread name Discord refuses, or None."""
    errors = FormErrors()
    _name_errors(errors, body)
    return errors.reply()
