"""What the fake Discord knows: users, guilds, channels, messages, and their wire payloads.

Payload shapes follow Discord's API reference (User, Guild, Channel, Guild Member, Message
objects: https://discord.com/developers/docs/resources/) and were checked against what
discord.py 2.7.1 reads when it builds its models (`Guild._from_data`, `Member.__init__`,
`Message.__init__`, `AppCommandChannel.__init__`).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.discord_server.snowflake import iso, snowflake_time

JSON = dict[str, Any]

# Permission bits (https://discord.com/developers/docs/topics/permissions#permissions-bitwise-permission-flags).
ADD_REACTIONS = 1 << 6
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1
MEMBER_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | ADD_REACTIONS
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
BOT_PERMISSIONS = MEMBER_PERMISSIONS

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types).
GUILD_TEXT = 0
DM = 1
GROUP_DM = 3
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
GUILD_FORUM = 15
THREAD_TYPES = (ANNOUNCEMENT_THREAD, PUBLIC_THREAD)
# Channel flags: a forum that requires a tag on every post.
REQUIRE_TAG = 1 << 4

# Message flags (https://discord.com/developers/docs/resources/message#message-object-message-flags).
EPHEMERAL = 1 << 6
LOADING = 1 << 7


@dataclass
class Timing:
    """Discord's time limits, shrinkable by tests (seconds on the fake's clock).

    `ack_deadline`: an interaction must be acknowledged within 3 s; `token_lifetime`: its
    token then works for 15 minutes
    (https://discord.com/developers/docs/interactions/receiving-and-responding#responding-to-an-interaction);
    `nonce_window`: how long `enforce_nonce` remembers a nonce ("the past few minutes").
    """

    ack_deadline: float = 3.0
    token_lifetime: float = 15 * 60.0
    nonce_window: float = 5 * 60.0


class ChannelAccess(enum.Enum):
    """What the bot may do in a channel: post, nothing (403), or it is gone (404)."""

    OPEN = "open"
    FORBIDDEN = "forbidden"
    GONE = "gone"


@dataclass(eq=False)
class FakeUser:
    """A Discord user; `dms_closed` makes DMs to them fail with 403 (50007)."""

    id: int
    username: str
    bot: bool = False
    dms_closed: bool = False

    def payload(self) -> JSON:
        """Return the User object."""
        return {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.username,
            "avatar": None,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "bot": self.bot,
            "public_flags": 0,
        }


@dataclass(eq=False)
class FakeRole:
    """A guild role; the @everyone role shares the guild's id."""

    id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    mentionable: bool = False

    def payload(self) -> JSON:
        """Return the Role object."""
        return {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }


@dataclass(eq=False)
class FakeMember:
    """A user's membership of one guild (`timed_out_until`: a moderator's timeout)."""

    user: FakeUser
    role_ids: list[int]
    joined_at: dt.datetime
    timed_out_until: dt.datetime | None = None

    def payload(self, permissions: int | None = None) -> JSON:
        """Return the Guild Member object (with `permissions` inside interactions)."""
        data: JSON = {
            "user": self.user.payload(),
            "roles": [str(role_id) for role_id in self.role_ids],
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "nick": None,
            "avatar": None,
            "banner": None,
            "flags": 0,
            "communication_disabled_until": None
            if self.timed_out_until is None
            else iso(self.timed_out_until),
            "unusual_dm_activity_until": None,
        }
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class StoredMessage:
    """One message as the fake holds it: the body the bot sent (after edits) and metadata."""

    id: int
    channel_id: int
    author: FakeUser
    payload: JSON
    created_clock: float
    type: int = 0
    flags: int = 0
    webhook_id: int | None = None
    interaction_metadata: JSON | None = None
    guild_id: int | None = None
    edited_at: dt.datetime | None = None
    edits: list[JSON] = field(default_factory=list)
    deleted: bool = False
    #: Who sees an ephemeral message: the user of the interaction that made it.
    shown_to: FakeUser | None = None

    @property
    def content(self) -> str:
        """Return the text content ("" when the message is embeds only)."""
        return str(self.payload.get("content") or "")

    @property
    def embeds(self) -> list[JSON]:
        """Return the embeds as sent."""
        return list(self.payload.get("embeds") or [])

    @property
    def components(self) -> list[JSON]:
        """Return the action rows as sent (empty when the message has none)."""
        return list(self.payload.get("components") or [])

    def component(self, custom_id: str) -> JSON | None:
        """Return the button or select menu with this custom id, if the message has it."""
        for row in self.components:
            for item in row.get("components") or []:
                if item.get("custom_id") == custom_id:
                    return dict(item)
        return None

    @property
    def allowed_mentions(self) -> JSON | None:
        """Return `allowed_mentions` as sent (None when the bot sent none)."""
        value = self.payload.get("allowed_mentions")
        return dict(value) if isinstance(value, dict) else None

    @property
    def nonce(self) -> str | None:
        """Return the nonce as sent, as a string."""
        value = self.payload.get("nonce")
        return None if value is None else str(value)

    @property
    def ephemeral(self) -> bool:
        """Return whether only the invoking user sees the message."""
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """Return whether this is a deferred response's "is thinking..." placeholder."""
        return bool(self.flags & LOADING)

    def wire(self, *, with_nonce: bool = False) -> JSON:
        """Return the Message object as Discord's REST API answers it.

        Discord does not store nonces: only the answer to the create request (and the
        gateway's MESSAGE_CREATE) carries one; fetched messages never do
        (Rapptz/discord.py#2451). `nonce` above still keeps it for tests to inspect.
        """
        data: JSON = {
            "id": str(self.id),
            "channel_id": str(self.channel_id),
            "author": self.author.payload(),
            "content": self.content,
            "timestamp": iso(snowflake_time(self.id)),
            "edited_timestamp": None if self.edited_at is None else iso(self.edited_at),
            "tts": bool(self.payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                _attachment(self.id + index + 1, item)
                for index, item in enumerate(self.payload.get("attachments") or [])
                if "filename" in item
            ],
            "embeds": [_as_received(embed) for embed in self.embeds],
            "reactions": [],
            "pinned": False,
            "type": self.type,
            "flags": self.flags,
            "components": list(self.payload.get("components") or []),
        }
        if with_nonce and self.nonce is not None:
            data["nonce"] = self.nonce
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
            data["application_id"] = str(self.webhook_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        return data


def _attachment(attachment_id: int, item: JSON) -> JSON:
    """Return an Attachment object for an uploaded file (the URL is never fetched)."""
    url = f"https://cdn.discordapp.com/attachments/{attachment_id}/{item['filename']}"
    return {
        "id": str(attachment_id),
        "filename": item["filename"],
        "size": int(item.get("size", 0)),
        "url": url,
        "proxy_url": url,
    }


def _as_received(embed: JSON) -> JSON:
    """Return an embed as Discord echoes it: type "rich" added, the rest as sent."""
    return {"type": "rich", **embed}


@dataclass(eq=False)
class FakeChannel:
    """A guild channel (text, announcement, forum), a thread or a DM, with its messages.

    Messages are kept oldest first. A thread (or forum post) has the channel it belongs to as
    `parent_id` and the user who opened it as `owner_id`; a forum has `available_tags`
    (Forum Tag objects) and a thread in a forum the ids of its `applied_tags`.
    """

    id: int
    name: str
    type: int
    guild_id: int | None = None
    position: int = 0
    recipient: FakeUser | None = None
    access: ChannelAccess = ChannelAccess.OPEN
    messages: list[StoredMessage] = field(default_factory=list)
    #: Permission overwrites, as the Channel object carries them:
    #: `{"id", "type" (0 role, 1 member), "allow", "deny"}` with the bit sets as strings.
    overwrites: list[JSON] = field(default_factory=list)
    #: A text channel's category; a thread's channel, and who started the thread.
    parent_id: int | None = None
    owner_id: int | None = None
    flags: int = 0
    available_tags: list[JSON] = field(default_factory=list)
    applied_tags: list[int] = field(default_factory=list)
    archived: bool = False
    created_at: dt.datetime | None = None

    @property
    def is_thread(self) -> bool:
        """Return whether this is a thread (a forum post is one too)."""
        return self.type in THREAD_TYPES

    def payload(self, permissions: int | None = None) -> JSON:
        """Return the Channel object (with `permissions` when resolved in an interaction)."""
        last = self.messages[-1].id if self.messages else None
        if self.type in (DM, GROUP_DM):
            assert self.recipient is not None
            return {
                "id": str(self.id),
                "type": self.type,
                "last_message_id": None if last is None else str(last),
                "flags": 0,
                "recipients": [self.recipient.payload()],
            }
        data: JSON = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [dict(overwrite) for overwrite in self.overwrites],
            "parent_id": None if self.parent_id is None else str(self.parent_id),
            "topic": None,
            "nsfw": False,
            "last_message_id": None if last is None else str(last),
            "rate_limit_per_user": 0,
            "flags": self.flags,
        }
        if self.type == GUILD_FORUM:
            data.update(
                {
                    "available_tags": self.available_tags,
                    "default_auto_archive_duration": 1440,
                    "default_reaction_emoji": None,
                    "default_sort_order": None,
                    "default_forum_layout": 0,
                    "default_thread_rate_limit_per_user": 0,
                }
            )
        if self.is_thread:
            data.update(self._thread_fields())
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data

    def _thread_fields(self) -> JSON:
        """Return what a Channel object of a thread adds (discord.py's `Thread._from_data`)."""
        created = iso(self.created_at or snowflake_time(self.id))
        return {
            "owner_id": str(self.owner_id),
            "message_count": len(self.visible_messages()),
            "member_count": 1,
            "total_message_sent": len(self.messages),
            "applied_tags": [str(tag) for tag in self.applied_tags],
            "thread_metadata": {
                "archived": self.archived,
                "auto_archive_duration": 1440,
                "archive_timestamp": created,
                "locked": False,
                "create_timestamp": created,
            },
        }

    def visible_messages(self) -> list[StoredMessage]:
        """Return what a user reading the channel sees: not deleted, not ephemeral."""
        return [m for m in self.messages if not m.deleted and not m.ephemeral]


@dataclass(eq=False)
class FakeGuild:
    """A guild with its roles, members and channels; the bot is a member."""

    id: int
    name: str
    owner: FakeUser
    roles: list[FakeRole]
    members: dict[int, FakeMember]
    channels: dict[str, FakeChannel]
    system_channel_id: int | None
    created_at: dt.datetime
    #: Threads and forum posts, oldest first (not in `channels`: names repeat).
    threads: list[FakeChannel] = field(default_factory=list)

    def channel(self, name: str) -> FakeChannel:
        """Return the channel with this name."""
        return self.channels[name]

    @property
    def system_channel(self) -> FakeChannel | None:
        """Return the channel where Discord posts system messages, if any."""
        for channel in self.channels.values():
            if channel.id == self.system_channel_id:
                return channel
        return None

    def permissions_of(self, user: FakeUser) -> int:
        """Return the user's guild permissions: the owner and administrators have all."""
        if user.id == self.owner.id:
            return ALL_PERMISSIONS
        member = self.members[user.id]
        value = 0
        for role in self.roles:
            if role.id == self.id or role.id in member.role_ids:
                value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def rest_payload(self) -> JSON:
        """Return the Guild object of `GET /guilds/{id}` (no members, channels or threads)."""
        gateway_only = {"joined_at", "large", "unavailable", "member_count", "voice_states"}
        gateway_only |= {"members", "channels", "threads", "presences", "stage_instances"}
        gateway_only |= {"guild_scheduled_events", "soundboard_sounds"}
        data = {k: v for k, v in self.create_payload().items() if k not in gateway_only}
        return {**data, "approximate_member_count": len(self.members)}

    def partial_payload(self, user: FakeUser) -> JSON:
        """Return the partial guild of `GET /users/@me/guilds`, as `user` sees it."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "banner": None,
            "owner": user.id == self.owner.id,
            "permissions": str(self.permissions_of(user)),
            "features": [],
        }

    def create_payload(self) -> JSON:
        """Return the GUILD_CREATE event data."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner.id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [role.payload() for role in self.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_id": None
            if self.system_channel_id is None
            else str(self.system_channel_id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": iso(self.created_at),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": [member.payload() for member in self.members.values()],
            "channels": [channel.payload() for channel in self.channels.values()],
            "threads": [thread.payload() for thread in self.threads if not thread.archived],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
