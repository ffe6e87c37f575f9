"""The `Sender` of bot/delivery over discord.py: send with a nonce, open threads and forum posts.

Translates discord.py's errors into delivery's `SendProblem`: 403 code 50007 is a user with
closed DMs; other 403s mean the bot may not post in the channel, 404s that it is gone (or,
inside a thread, that the thread is); a 5xx or a lost connection is no answer (the message
may have arrived); any other refusal is worth a retry later. The deadline of each call is the
courier's (bot.delivery.courier).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import aiohttp
import discord

from bot.delivery.sender import SendError
from bot.outcomes import SendProblem
from bot.render.places import FORUM_TAGS_MAX
from bot.store.deliveries import OutboxMessage
from bot.targets.model import TargetKey, TargetKind

log = logging.getLogger(__name__)

#: Discord's JSON error code for "Cannot send messages to this user".
#: Source: https://discord.com/developers/docs/topics/opcodes-and-status-codes
CANNOT_DM_USER = 50007
#: "A thread has already been created for this message" (same page): the thread exists, and
#: its id is the message's (https://discord.com/developers/docs/resources/channel#start-thread-from-message).
THREAD_ALREADY_CREATED = 160004

#: How far back reconciliation reads a target's history.
HISTORY_LIMIT = 100
#: Archived forum posts looked through for one created before a crash (newest first).
ARCHIVED_POSTS_LIMIT = 50


class StoredComponents(discord.ui.View):
    """A message's buttons and menus kept as Discord's JSON (in the outbox), sent as they are.

    discord.py sends whatever `to_components()` returns. Clicks are handled by the dynamic
    items registered at start-up (cogs/papers.py), which match custom ids on any message,
    also after a restart; so discord.py must never keep this view for dispatch or start a
    timeout for it: it reports itself finished and not dispatchable.
    """

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        super().__init__(timeout=None)
        self._rows = [dict(row) for row in rows]

    def to_components(self) -> list[dict[str, Any]]:
        """Return the rows as stored."""
        return self._rows

    def is_dispatchable(self) -> bool:
        """Say no: clicks go to the dynamic items, never to this view."""
        return False

    def is_finished(self) -> bool:
        """Say yes: discord.py has nothing to wait for or time out on this view."""
        return True


def view_of(payload: Mapping[str, Any]) -> discord.ui.View:
    """Return the view that sends a stored payload's components (none: an empty view)."""
    return StoredComponents(payload.get("components") or [])


class DiscordSender:
    """Send outbox payloads through a connected discord.py client."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def send(
        self,
        target: TargetKey,
        payload: Mapping[str, Any],
        nonce: str,
        *,
        thread_id: int | None = None,
    ) -> int:
        """Send one payload; discord.py adds `enforce_nonce` whenever a nonce is given.

        A payload with a `message_reference` (a version reply) is sent as a reply to it.
        """
        embeds = [discord.Embed.from_dict(embed) for embed in payload.get("embeds", [])]
        where = target if thread_id is None else f"thread {thread_id} of {target}"
        try:
            channel = await self._channel(target) if thread_id is None else self._thread(thread_id)
            reference = _reference(payload, channel)
            if reference is None:
                message = await channel.send(
                    content=payload.get("content"),
                    embeds=embeds,
                    allowed_mentions=allowed_mentions(payload),
                    nonce=nonce,
                    view=view_of(payload),
                )
            else:
                message = await channel.send(
                    content=payload.get("content"),
                    embeds=embeds,
                    allowed_mentions=allowed_mentions(payload),
                    nonce=nonce,
                    view=view_of(payload),
                    reference=reference,
                    mention_author=False,
                )
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise _send_error(exc, where, in_thread=thread_id is not None) from exc
        return message.id

    async def find_sent(
        self,
        target: TargetKey,
        messages: Sequence[OutboxMessage],
        *,
        thread_id: int | None = None,
    ) -> dict[int, int]:
        """Match pending outbox messages with the bot's recent messages in the target.

        A message matches by nonce when Discord returns it, else by identical content and
        embed links (each digest message has a unique header or set of paper links).
        """
        me = self._client.user
        where = target if thread_id is None else f"thread {thread_id} of {target}"
        try:
            channel = await self._channel(target) if thread_id is None else self._thread(thread_id)
            recent = [m async for m in channel.history(limit=HISTORY_LIMIT)]
        except discord.Forbidden as exc:
            raise SendError(SendProblem.NO_PERMISSION, f"cannot read {where}") from exc
        except discord.NotFound as exc:
            problem = SendProblem.THREAD_GONE if thread_id else SendProblem.CHANNEL_GONE
            raise SendError(problem, f"{where} no longer exists") from exc
        except discord.DiscordServerError as exc:
            raise SendError(SendProblem.NO_ANSWER, f"cannot read {where}: {exc.status}") from exc
        except discord.HTTPException as exc:
            raise SendError(
                SendProblem.DISCORD_ERROR, f"cannot read {where}: {exc.status}"
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise SendError(SendProblem.NO_ANSWER, f"cannot read {where}: {exc!r}") from exc
        mine = [m for m in recent if me is not None and m.author.id == me.id]
        found: dict[int, int] = {}
        for pending in messages:
            payload = _loads(pending.payload)
            for message in mine:
                if message.id in found.values():
                    continue
                if (message.nonce is not None and str(message.nonce) == pending.nonce) or (
                    _fingerprint_of_message(message) == _fingerprint_of_payload(payload)
                ):
                    found[pending.id] = message.id
                    break
        return found

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> int:
        """Open a public thread under a message; a message that has one already gives its id."""
        target = TargetKey.channel(channel_id)
        try:
            channel = await self._channel(target)
            if not isinstance(channel, discord.TextChannel):
                raise SendError(SendProblem.CHANNEL_GONE, f"{target} cannot hold threads")
            thread = await channel.get_partial_message(message_id).create_thread(name=name)
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            if isinstance(exc, discord.HTTPException) and exc.code == THREAD_ALREADY_CREATED:
                return message_id
            raise _send_error(exc, target, in_thread=False) from exc
        return thread.id

    async def open_forum_post(
        self, channel_id: int, name: str, payload: Mapping[str, Any], labels: Sequence[str]
    ) -> int:
        """Create a forum post with `payload` as its first message and the matching tags."""
        target = TargetKey.channel(channel_id)
        embeds = [discord.Embed.from_dict(embed) for embed in payload.get("embeds", [])]
        try:
            forum = await self._forum(target)
            created = await forum.create_thread(
                name=name,
                content=payload.get("content"),
                embeds=embeds,
                allowed_mentions=allowed_mentions(payload),
                applied_tags=forum_tags(forum.available_tags, labels),
            )
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise _send_error(exc, target, in_thread=False) from exc
        return created.thread.id

    async def find_forum_post(self, channel_id: int, name: str) -> int | None:
        """Look for the bot's post named `name` among the forum's active, then archived, posts."""
        target = TargetKey.channel(channel_id)
        me = self._client.user
        if me is None:
            return None

        def ours(thread: discord.Thread) -> bool:
            return (thread.parent_id, thread.owner_id, thread.name) == (channel_id, me.id, name)

        try:
            forum = await self._forum(target)
            for thread in await forum.guild.active_threads():
                if ours(thread):
                    return thread.id
            async for thread in forum.archived_threads(limit=ARCHIVED_POSTS_LIMIT):
                if ours(thread):
                    return thread.id
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise _send_error(exc, target, in_thread=False) from exc
        return None

    async def notify_guild(self, guild_id: int, text: str) -> bool:
        """Post `text` in the server's system channel, if it has one we may post in."""
        guild = self._client.get_guild(guild_id)
        channel = guild.system_channel if guild is not None else None
        if channel is None:
            return False
        try:
            await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            log.info("could not tell guild %s: %s", guild_id, exc)
            return False
        return True

    async def _channel(self, target: TargetKey) -> discord.abc.Messageable:
        """Return the channel (or the user's DM channel) for a target."""
        if target.kind is TargetKind.USER:
            user = self._client.get_user(target.id) or await self._client.fetch_user(target.id)
            return user.dm_channel or await user.create_dm()
        channel = self._client.get_channel(target.id)
        if channel is None:
            channel = await self._client.fetch_channel(target.id)
        if not isinstance(channel, discord.abc.Messageable):
            raise SendError(SendProblem.CHANNEL_GONE, f"{target} cannot hold messages")
        return channel

    async def _forum(self, target: TargetKey) -> discord.ForumChannel:
        """Return a digest's forum channel (with its tags)."""
        channel = self._client.get_channel(target.id)
        if channel is None:
            channel = await self._client.fetch_channel(target.id)
        if not isinstance(channel, discord.ForumChannel):
            raise SendError(SendProblem.CHANNEL_GONE, f"{target} is not a forum channel")
        return channel

    def _thread(self, thread_id: int) -> discord.PartialMessageable:
        """Return a thread to send into or read, without fetching it first."""
        return self._client.get_partial_messageable(
            thread_id, type=discord.ChannelType.public_thread
        )


def allowed_mentions(payload: Mapping[str, Any]) -> discord.AllowedMentions:
    """Return the payload's mention policy: only the roles it lists, never @everyone or @here."""
    stated = payload.get("allowed_mentions") or {}
    roles = [discord.Object(int(role)) for role in stated.get("roles") or []]
    if not roles:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(everyone=False, users=False, roles=roles, replied_user=False)


def forum_tags(
    available: Sequence[discord.ForumTag], labels: Sequence[str]
) -> list[discord.ForumTag]:
    """Return a forum's tags named like `labels` (any case), in their order, at most 5.

    Tags only moderators may apply are left out: the bot is not given Manage Threads.
    """
    by_name = {tag.name.casefold(): tag for tag in available if not tag.moderated}
    chosen: dict[str, discord.ForumTag] = {}
    for label in labels:
        tag = by_name.get(label.casefold())
        if tag is not None:
            chosen.setdefault(tag.name.casefold(), tag)
    return list(chosen.values())[:FORUM_TAGS_MAX]


def _send_error(exc: Exception, where: object, *, in_thread: bool) -> SendError:
    """Translate discord.py's (or the connection's) error for a send into a SendError."""
    if isinstance(exc, discord.Forbidden):
        if exc.code == CANNOT_DM_USER:
            return SendError(SendProblem.DMS_CLOSED, f"{where} does not accept DMs")
        return SendError(SendProblem.NO_PERMISSION, f"no permission to post in {where}")
    if isinstance(exc, discord.NotFound):
        problem = SendProblem.THREAD_GONE if in_thread else SendProblem.CHANNEL_GONE
        return SendError(problem, f"{where} no longer exists")
    if isinstance(exc, discord.DiscordServerError):
        return SendError(SendProblem.NO_ANSWER, f"Discord failed: {exc.status} {_short(exc.text)}")
    if isinstance(exc, discord.HTTPException):
        detail = f"Discord refused the message: {exc.status} {_short(exc.text)}"
        return SendError(SendProblem.DISCORD_ERROR, detail)
    return SendError(SendProblem.NO_ANSWER, f"connection to Discord lost: {exc!r}")


def _short(text: str, limit: int = 200) -> str:
    """Cut an error body from Discord to a length a log line and /status can hold."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reference(
    payload: Mapping[str, Any], channel: discord.abc.Messageable
) -> discord.MessageReference | None:
    """Return the message a payload replies to, if it names one."""
    reference = payload.get("message_reference")
    if not isinstance(reference, Mapping) or "message_id" not in reference:
        return None
    return discord.MessageReference(
        message_id=int(reference["message_id"]),
        channel_id=int(getattr(channel, "id", 0)),
        fail_if_not_exists=bool(reference.get("fail_if_not_exists", False)),
    )


def _loads(payload: str) -> dict[str, Any]:
    """Parse a stored payload."""
    data = json.loads(payload)
    return data if isinstance(data, dict) else {}


def _fingerprint_of_payload(payload: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """Return (content, embed urls) of a payload: what identifies a digest message."""
    urls = tuple(str(embed.get("url", "")) for embed in payload.get("embeds", []))
    return (payload.get("content") or "", urls)


def _fingerprint_of_message(message: discord.Message) -> tuple[str, tuple[str, ...]]:
    """Return (content, embed urls) of a message Discord holds."""
    return (message.content or "", tuple(str(embed.url or "") for embed in message.embeds))
