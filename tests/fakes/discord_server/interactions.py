"""Interactions the fake dispatched, what the bot answered, and the INTERACTION_CREATE payload.

Payload: https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object.
discord.py 2.7.1 (`Interaction._from_data`) requires `attachment_size_limit`, `version` and
`token`, builds the member from `member` (which must carry `flags`) and derives the expiry
from the id's timestamp.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.discord_server.state import (
    JSON,
    FakeChannel,
    FakeGuild,
    FakeUser,
    StoredMessage,
)
from tests.fakes.discord_server.waiting import Notifier

APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024  # The 10 MiB limit of a server without boosts.
# Interaction context types (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-interaction-context-types).
GUILD_CONTEXT, BOT_DM_CONTEXT = 0, 1


@dataclass(frozen=True)
class Callback:
    """One accepted interaction response: its type (4 message, 5 defer, 8 choices, ...)."""

    type: int
    data: JSON


@dataclass(eq=False)
class FakeInteraction:
    """An interaction the fake sent, and everything the bot answered to it.

    `original` is the message the response created (a deferral's placeholder until it is
    edited, or until the first followup resolves it, as Discord does); `followups` are the
    later messages. A component interaction also has `source`, the message clicked: a
    deferred update (6) or an update (7) answers on it instead of creating a message.
    """

    id: int
    token: str
    type: int
    payload: JSON
    user: FakeUser
    channel: FakeChannel
    dispatched_at: float
    notifier: Notifier
    callback: Callback | None = None
    original: StoredMessage | None = None
    followups: list[StoredMessage] = field(default_factory=list)
    source: StoredMessage | None = None

    @property
    def choices(self) -> list[JSON]:
        """Return the autocomplete choices the bot answered (empty before it answered)."""
        if self.callback is None or self.callback.type != 8:
            return []
        return list(self.callback.data.get("choices") or [])

    @property
    def messages(self) -> list[StoredMessage]:
        """Return every message of this interaction, the original response first."""
        first = [self.original] if self.original is not None else []
        return first + self.followups

    async def wait_callback(self, timeout: float = 5.0) -> Callback:  # noqa: ASYNC109
        """Wait until the bot acknowledged the interaction and return its response."""
        return await self.notifier.wait_for(
            lambda: self.callback, timeout=timeout, what=f"a callback to interaction {self.id}"
        )

    async def wait_reply(self, timeout: float = 5.0) -> StoredMessage:  # noqa: ASYNC109
        """Wait for the response the user sees (a deferral resolved) and return it."""

        def resolved() -> StoredMessage | None:
            original = self.original
            return original if original is not None and not original.loading else None

        return await self.notifier.wait_for(
            resolved, timeout=timeout, what=f"the reply to interaction {self.id}"
        )

    async def wait_followups(self, count: int, timeout: float = 5.0) -> list[StoredMessage]:  # noqa: ASYNC109
        """Wait until the bot sent at least `count` followups and return them all."""
        return await self.notifier.wait_for(
            lambda: list(self.followups) if len(self.followups) >= count else None,
            timeout=timeout,
            what=f"{count} followup(s) to interaction {self.id}",
        )

    async def wait_followup_where(
        self,
        predicate: Callable[[StoredMessage], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> StoredMessage:
        """Wait for a message of this interaction (original or followup) that `predicate` likes."""

        def found() -> StoredMessage | None:
            shown = [m for m in self.messages if not m.loading and not m.deleted]
            return next((m for m in shown if predicate(m)), None)

        return await self.notifier.wait_for(
            found, timeout=timeout, what=f"a matching message of interaction {self.id}"
        )

    async def wait_choices(self, timeout: float = 5.0) -> list[JSON]:  # noqa: ASYNC109
        """Wait for the bot's autocomplete answer and return its choices."""
        await self.wait_callback(timeout)
        return self.choices


def interaction_payload(
    *,
    interaction_id: int,
    token: str,
    kind: int,
    application_id: int,
    data: JSON,
    user: FakeUser,
    guild: FakeGuild | None,
    channel: FakeChannel,
    bot: FakeUser,
    context: int | None = None,
    owners: JSON | None = None,
    message: StoredMessage | None = None,
) -> JSON:
    """Return the INTERACTION_CREATE data for a command invoked by `user` in `channel`.

    `context` and `owners` (`authorizing_integration_owners`) default to a guild install:
    the guild, or the bot's DM outside one. A component interaction also carries the
    `message` whose button or menu was used.
    """
    payload: JSON = {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": kind,
        "data": data,
        "token": token,
        "version": 1,
        "locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if message is not None:
        payload["message"] = message.wire()
    if guild is None:
        payload.update(
            {
                "user": user.payload(),
                "channel_id": str(channel.id),
                "channel": channel.payload(),
                "app_permissions": str(_dm_app_permissions()),
                # The key 0 is GUILD_INSTALL; "0" as its value means the bot's DM.
                "authorizing_integration_owners": owners or {"0": "0"},
                "context": BOT_DM_CONTEXT if context is None else context,
            }
        )
        return payload
    user_permissions = guild.permissions_of(user)
    payload.update(
        {
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "member": guild.members[user.id].payload(user_permissions),
            "channel_id": str(channel.id),
            "channel": channel.payload(user_permissions),
            "app_permissions": str(_app_permissions(guild, bot)),
            "authorizing_integration_owners": owners or {"0": str(guild.id)},
            "context": GUILD_CONTEXT if context is None else context,
        }
    )
    return payload


def _app_permissions(guild: FakeGuild, bot: FakeUser) -> int:
    """Return the bot's permissions in a guild; a guild it is not in gives what a user
    install gets there: what @everyone may do."""
    if bot.id in guild.members:
        return guild.permissions_of(bot)
    return next(role.permissions for role in guild.roles if role.id == guild.id)


def _dm_app_permissions() -> int:
    """Return what a bot may do in a DM: view, send, embed, attach, read history."""
    return (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16)


def component_data(component: JSON, values: list[str] | None) -> JSON:
    """Return the interaction's `data` for a click on a button or a choice in a menu."""
    data: JSON = {"custom_id": component["custom_id"], "component_type": component["type"]}
    if values is not None:
        data["values"] = list(values)
    return data


def command_data(command: JSON, options: list[JSON], resolved: dict[str, Any]) -> JSON:
    """Return the interaction's `data` for a registered command."""
    data: JSON = {
        "id": command["id"],
        "name": command["name"],
        "type": command.get("type", 1),
        "options": options,
    }
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    if resolved:
        data["resolved"] = resolved
    return data
