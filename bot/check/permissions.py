"""What the bot may do in a channel, computed from Discord's REST objects as Discord does.

The algorithm of https://discord.com/developers/docs/topics/permissions ("Permission
Overwrites", "Implicit Permissions", "Inherited Permissions (Threads)", "Permissions for
Timed Out Members"):

1. base: the @everyone role's permissions OR every role of the member's; the server's owner,
   and anyone whose base has Administrator, has every permission and no overwrite applies;
2. the channel's overwrite for @everyone (its id is the server's): deny, then allow;
3. the overwrites of all the member's roles together: every deny, then every allow;
4. the overwrite for the member: deny, then allow;
5. implicitly, without View Channel nothing else counts, and without the right to send
   (Send Messages; in a thread, Send Messages in Threads) neither do Embed Links, Attach
   Files, Mention Everyone and Send TTS Messages;
6. a timed-out member keeps only View Channel and Read Message History.

A thread has no overwrites of its own: its parent channel's apply. Objects are the JSON
Discord answers (Guild with `roles` and `owner_id`, Guild Member, Channel with
`permission_overwrites`), so this module needs no Discord library.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

JSON = Mapping[str, Any]

# Bits (https://discord.com/developers/docs/topics/permissions#permissions-bitwise-permission-flags).
ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL = (1 << 53) - 1
#: What sending gates (step 5).
NEEDS_SENDING = EMBED_LINKS | ATTACH_FILES | MENTION_EVERYONE | SEND_TTS_MESSAGES

# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types).
THREAD_TYPES = frozenset({10, 11, 12})
FORUM_TYPES = frozenset({15, 16})

#: The names Discord's settings show, for the bits a digest needs.
NAMES = {
    VIEW_CHANNEL: "View Channel",
    SEND_MESSAGES: "Send Messages",
    CREATE_PUBLIC_THREADS: "Create Public Threads",
    SEND_MESSAGES_IN_THREADS: "Send Messages in Threads",
    EMBED_LINKS: "Embed Links",
    READ_MESSAGE_HISTORY: "Read Message History",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Access:
    """The bot's permissions in one channel, and what a digest there needs.

    `base` is what its roles grant server-wide (step 1), `set_here` what the channel's
    overwrites leave of it (steps 2 to 4), `permissions` what finally counts (5 and 6).
    """

    permissions: int
    needed: int
    base: int
    set_here: int
    timed_out: bool = False

    @property
    def missing(self) -> int:
        """Return the needed bits the bot does not have here, for whatever reason."""
        return self.needed & ~self.permissions

    @property
    def missing_in_roles(self) -> list[str]:
        """Return the needed permissions no role of the bot's grants."""
        return names(self.needed & ~self.base)

    @property
    def missing_by_overwrite(self) -> list[str]:
        """Return the needed permissions its roles grant but this channel's overwrites deny.

        What is lost only implicitly (Embed Links without Send Messages) is not listed: the
        permission it depends on is.
        """
        return names(self.needed & self.base & ~self.set_here)


def names(bits: int) -> list[str]:
    """Return the names of the digest's permissions in `bits`, in the order Discord lists them."""
    return [name for bit, name in sorted(NAMES.items()) if bits & bit]


def needed_in(channel_type: int, *, threaded: bool = False) -> int:
    """Return what a digest needs in a channel of this type: see, post, embed, read back.

    In a forum a digest creates a post (Send Messages) and writes in it (Send Messages in
    Threads); in a thread it only writes (Send Messages in Threads). A `threaded` digest
    (`thread:true`) also opens a thread under each header and writes in it.
    """
    common = VIEW_CHANNEL | EMBED_LINKS | READ_MESSAGE_HISTORY
    if channel_type in THREAD_TYPES:
        return common | SEND_MESSAGES_IN_THREADS
    if channel_type in FORUM_TYPES:
        return common | SEND_MESSAGES | SEND_MESSAGES_IN_THREADS
    if threaded:
        return common | SEND_MESSAGES | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS
    return common | SEND_MESSAGES


def deep_dive_needs(channel_type: int, *, threaded: bool = False) -> int:
    """Return what "Deep dive" needs in a digest's channel beyond the digest: open a thread.

    A deep dive is posted in a public thread under the digest message that carries the paper
    (README, "Acting on papers"): Create Public Threads, and Send Messages in Threads to post
    in it. A `threaded` digest needs both already; in a thread or a forum the paper's message
    is itself in a thread, where no thread can be opened, so the deep dive is shown to the
    member who clicked whatever the permissions.
    """
    if threaded or channel_type in THREAD_TYPES or channel_type in FORUM_TYPES:
        return 0
    return CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS


def base_permissions(guild: JSON, member: JSON, user_id: int) -> int:
    """Return the member's server-wide permissions (step 1)."""
    if int(guild["owner_id"]) == user_id:
        return ALL
    roles = {int(role["id"]): int(role["permissions"]) for role in guild.get("roles", [])}
    permissions = roles.get(int(guild["id"]), 0)  # @everyone has the server's id
    for role_id in member.get("roles", []):
        permissions |= roles.get(int(role_id), 0)
    return ALL if permissions & ADMINISTRATOR else permissions


def apply_overwrites(
    base: int, guild_id: int, member: JSON, user_id: int, overwrites: Iterable[JSON]
) -> int:
    """Return `base` after a channel's overwrites (steps 2 to 4)."""
    if base & ADMINISTRATOR:
        return ALL
    by_id = {int(o["id"]): (int(o.get("allow", 0)), int(o.get("deny", 0))) for o in overwrites}
    permissions = base
    allow, deny = by_id.get(guild_id, (0, 0))
    permissions = (permissions & ~deny) | allow
    role_allow = role_deny = 0
    for role_id in member.get("roles", []):
        allow, deny = by_id.get(int(role_id), (0, 0))
        role_allow |= allow
        role_deny |= deny
    permissions = (permissions & ~role_deny) | role_allow
    allow, deny = by_id.get(user_id, (0, 0))
    return (permissions & ~deny) | allow


def channel_access(
    guild: JSON,
    member: JSON,
    user_id: int,
    channel: JSON,
    *,
    parent: JSON | None = None,
    threaded: bool = False,
    now: dt.datetime,
) -> Access:
    """Return what `user_id` (the bot) may do in `channel`, and what a digest there needs.

    A thread's permissions are its `parent`'s (required for a thread); `threaded`: the
    digest posts its papers in threads under its headers.
    """
    kind = int(channel.get("type", 0))
    holder = channel
    if kind in THREAD_TYPES:
        if parent is None:
            raise ValueError("a thread's permissions come from its parent channel")
        holder = parent
    base = base_permissions(guild, member, user_id)
    overwrites = holder.get("permission_overwrites") or []
    set_here = apply_overwrites(base, int(guild["id"]), member, user_id, overwrites)
    permissions = _implicit(set_here, thread=kind in THREAD_TYPES)
    timed_out = base != ALL and _timed_out(member, now)
    if timed_out:
        permissions &= VIEW_CHANNEL | READ_MESSAGE_HISTORY
    return Access(permissions, needed_in(kind, threaded=threaded), base, set_here, timed_out)


def _implicit(permissions: int, *, thread: bool) -> int:
    """Drop what cannot be used without seeing the channel or sending in it (step 5)."""
    if not permissions & VIEW_CHANNEL:
        return 0
    sending = SEND_MESSAGES_IN_THREADS if thread else SEND_MESSAGES
    if not permissions & sending:
        permissions &= ~NEEDS_SENDING
    return permissions


def _timed_out(member: JSON, now: dt.datetime) -> bool:
    """Return whether the member is timed out now (step 6)."""
    until = member.get("communication_disabled_until")
    if not until:
        return False
    return dt.datetime.fromisoformat(str(until).replace("Z", "+00:00")) > now
