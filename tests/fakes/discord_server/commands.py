"""Registered application commands, and the `data` of an interaction that invokes one.

Discord only sends an interaction for a command that was registered, with the option types
of the registration, and only to a user allowed to see it; building the interaction from
what the bot synced makes the fake refuse what the Discord client would never send.
Shapes: https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-application-command-data-structure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakes.discord_server.state import (
    ADMINISTRATOR,
    JSON,
    FakeChannel,
    FakeGuild,
    FakeRole,
    FakeUser,
)
from tests.fakes.discord_server.world import World

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10


@dataclass(frozen=True)
class CommandSync:
    """One bulk overwrite the bot made: its scope (None for global) and the body it sent."""

    guild_id: int | None
    body: list[JSON]


class CommandRegistry:
    """The commands the bot registered, globally and per guild, as Discord stores them."""

    def __init__(self, new_id: Callable[[], int], application_id: int) -> None:
        self._new_id = new_id
        self._application_id = application_id
        self._scopes: dict[int | None, dict[tuple[str, int], JSON]] = {}
        self.syncs: list[CommandSync] = []

    def overwrite(self, guild_id: int | None, body: list[JSON]) -> list[JSON]:
        """Replace a scope's commands; a command keeps its id when its name and type stay."""
        self.syncs.append(CommandSync(guild_id, body))
        old = self._scopes.get(guild_id, {})
        new: dict[tuple[str, int], JSON] = {}
        for command in body:
            key = (command["name"], command.get("type", 1))
            previous = old.get(key)
            stored = {
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                "contexts": None,
                "integration_types": [0],
                **command,
                "id": previous["id"] if previous else str(self._new_id()),
                "application_id": str(self._application_id),
                "version": str(self._new_id()),
                "type": key[1],
            }
            if guild_id is not None:
                stored["guild_id"] = str(guild_id)
            new[key] = stored
        self._scopes[guild_id] = new
        return list(new.values())

    def commands(self, guild_id: int | None = None) -> list[JSON]:
        """Return the commands registered in one scope."""
        return list(self._scopes.get(guild_id, {}).values())

    def find(self, name: str, guild_id: int | None, kind: int = 1) -> JSON:
        """Return the command a user would pick: the guild's first, then the global one.

        `kind` is the command type: 1 a slash command, 3 a message command.
        """
        for scope in (guild_id, None) if guild_id is not None else (None,):
            command = self._scopes.get(scope, {}).get((name, kind))
            if command is not None:
                return command
        raise LookupError(f"{name!r} is not registered for guild {guild_id} nor globally")


def check_visible(command: JSON, user: FakeUser, guild: FakeGuild | None) -> None:
    """Raise PermissionError when Discord would not let this user run the command here.

    Outside a server only the older `dm_permission` is checked here; `contexts`, which
    replaces it, is checked with the installs (tests/fakes/discord_server/installs.py).
    """
    if guild is None:
        if command.get("contexts") is None and command.get("dm_permission") is False:
            raise PermissionError(f"/{command['name']} cannot be used in DMs")
        return
    required = command.get("default_member_permissions")
    if required is None:
        return
    granted = guild.permissions_of(user)
    if granted & ADMINISTRATOR:
        return
    if int(required) == 0 or granted & int(required) != int(required):
        raise PermissionError(f"{user.username} lacks the permissions /{command['name']} needs")


class OptionBuilder:
    """Turn Python values into the options and `resolved` data of one invocation."""

    def __init__(self, world: World, user: FakeUser, guild: FakeGuild | None) -> None:
        self._world = world
        self._user = user
        self._guild = guild
        self.resolved: dict[str, dict[str, JSON]] = {}

    def build(
        self,
        command: JSON,
        path: list[str],
        values: Mapping[str, Any],
        *,
        focused: str | None = None,
    ) -> list[JSON]:
        """Return the nested options for `/command path... name:value ...`."""
        if not path:
            return self._leaf(command, values, focused)
        name, rest = path[0], path[1:]
        for option in command.get("options") or []:
            if option["name"] == name and option["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP):
                inner = self.build(option, rest, values, focused=focused)
                return [{"name": name, "type": option["type"], "options": inner}]
        raise LookupError(f"/{command['name']} has no subcommand {name!r}")

    def _leaf(self, command: JSON, values: Mapping[str, Any], focused: str | None) -> list[JSON]:
        definitions = {option["name"]: option for option in command.get("options") or []}
        unknown = set(values) - set(definitions)
        if unknown:
            raise LookupError(f"/{command['name']} has no option(s) {sorted(unknown)}")
        if any(d["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for d in definitions.values()):
            raise LookupError(f"/{command['name']} needs a subcommand")
        if focused is None:
            missing = [n for n, d in definitions.items() if d.get("required") and n not in values]
            if missing:
                raise ValueError(f"/{command['name']} is missing required option(s) {missing}")
        options = []
        for name, value in values.items():
            definition = definitions[name]
            if name == focused:
                # The user is still typing: Discord sends the partial text as a string.
                options.append(
                    {"name": name, "type": definition["type"], "value": str(value), "focused": True}
                )
                continue
            wire = self._convert(definition, value)
            options.append({"name": name, "type": definition["type"], "value": wire})
        return options

    def _convert(self, definition: JSON, value: Any) -> Any:
        """Return the wire value, checked as the Discord client checks what users enter."""
        kind = definition["type"]
        if kind in (USER, CHANNEL, ROLE, MENTIONABLE):
            return self._resolve(kind, value, definition.get("channel_types"))
        choices = definition.get("choices")
        if choices and value not in [choice["value"] for choice in choices]:
            raise ValueError(f"{value!r} is not a choice of option {definition['name']!r}")
        if kind == STRING:
            text = str(value)
            shortest, longest = definition.get("min_length", 0), definition.get("max_length", 6000)
            if not shortest <= len(text) <= longest:
                raise ValueError(f"{text!r} has a length option {definition['name']!r} refuses")
            return text
        if kind in (INTEGER, NUMBER):
            number = int(value) if kind == INTEGER else float(value)
            low, high = definition.get("min_value"), definition.get("max_value")
            if (low is not None and number < low) or (high is not None and number > high):
                raise ValueError(f"{number} is out of range for option {definition['name']!r}")
            return number
        if kind == BOOLEAN:
            return bool(value)
        raise ValueError(f"option type {kind} is not supported by the fake")

    def _resolve(self, kind: int, value: Any, channel_types: list[int] | None = None) -> str:
        """Add a user, channel or role to `resolved` and return its id as Discord sends it."""
        if isinstance(value, FakeRole):
            if kind not in (ROLE, MENTIONABLE):
                raise ValueError(f"a role is not a value for an option of type {kind}")
            self.resolved.setdefault("roles", {})[str(value.id)] = value.payload()
            return str(value.id)
        if isinstance(value, FakeChannel):
            if channel_types is not None and value.type not in channel_types:
                raise ValueError(f"the channel picker offers no channel of type {value.type}")
            permissions = self._permissions()
            self.resolved.setdefault("channels", {})[str(value.id)] = value.payload(permissions)
            return str(value.id)
        if isinstance(value, FakeUser):
            self.resolved.setdefault("users", {})[str(value.id)] = value.payload()
            if self._guild is not None and value.id in self._guild.members:
                member = self._guild.members[value.id].payload(self._guild.permissions_of(value))
                del member["user"]  # Resolved members omit the user (it is under "users").
                self.resolved.setdefault("members", {})[str(value.id)] = member
            return str(value.id)
        if isinstance(value, int) and value in self._world.channels:
            return self._resolve(kind, self._world.channels[value], channel_types)
        if isinstance(value, int) and value in self._world.users:
            return self._resolve(kind, self._world.users[value])
        raise ValueError(f"cannot resolve {value!r} for an option of type {kind}")

    def _permissions(self) -> int:
        return 0 if self._guild is None else self._guild.permissions_of(self._user)
