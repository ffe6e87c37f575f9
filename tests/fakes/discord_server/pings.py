"""Whom a message notifies, as Discord decides it from its content and `allowed_mentions`.

Allowed Mentions (https://discord.com/developers/docs/resources/message#allowed-mentions-object):
without the field every mention in the content pings; with it, a role pings only when
`parse` holds "roles" or `roles` lists its id, and @everyone / @here only when `parse` holds
"everyone". A role pings only when it is mentionable or the author may mention every role
("Mention @everyone, @here, and All Roles").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.fakes.discord_server.state import MENTION_EVERYONE, StoredMessage
from tests.fakes.discord_server.world import World

_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EVERYONE = re.compile(r"@(everyone|here)\b")


@dataclass(frozen=True)
class Pings:
    """The roles a message notified, and whether it notified @everyone or @here."""

    roles: tuple[int, ...]
    everyone: bool


def pings_of(message: StoredMessage, world: World) -> Pings:
    """Return whom `message` notified."""
    allowed = message.allowed_mentions
    parse = None if allowed is None else set(allowed.get("parse") or [])
    listed = set() if allowed is None else {int(role) for role in allowed.get("roles") or []}
    guild = world.guilds.get(message.guild_id or 0)
    may_mention_all = guild is not None and bool(
        guild.permissions_of(message.author) & MENTION_EVERYONE
    )
    roles = []
    for found in _ROLE_MENTION.finditer(message.content):
        role_id = int(found.group(1))
        role = next((r for r in guild.roles if r.id == role_id), None) if guild else None
        allowed_here = parse is None or "roles" in parse or role_id in listed
        if role is not None and allowed_here and (role.mentionable or may_mention_all):
            roles.append(role_id)
    everyone = bool(_EVERYONE.search(message.content)) and (parse is None or "everyone" in parse)
    return Pings(tuple(dict.fromkeys(roles)), everyone and may_mention_all)
