"""Where a command may run: guild and user installs, interaction contexts, message commands.

An app's commands are installed to a server (GUILD_INSTALL, 0) or to a user's account
(USER_INSTALL, 1); a command lists the installs it supports in `integration_types` and the
places it may run in `contexts`: a server (0), the bot's DM (1), or a private channel, a DM
or group DM between users, which only a user install reaches (2)
(https://discord.com/developers/docs/interactions/application-commands#contexts). A message
command (type 3) is run from a message's Apps menu; its interaction names the message in
`target_id` and carries it in `resolved.messages`, content included, even without the
message content intent
(https://discord.com/developers/docs/interactions/application-commands#message-commands).
"""

from __future__ import annotations

from tests.fakes.discord_server.state import JSON, FakeChannel, FakeGuild, FakeUser, StoredMessage

GUILD_INSTALL, USER_INSTALL = 0, 1
GUILD_CONTEXT, BOT_DM_CONTEXT, PRIVATE_CHANNEL_CONTEXT = 0, 1, 2
CHAT_INPUT, MESSAGE_COMMAND = 1, 3
_PLACES = {
    GUILD_CONTEXT: "servers",
    BOT_DM_CONTEXT: "DMs",
    PRIVATE_CHANNEL_CONTEXT: "private channels",
}


def check_installed(command: JSON, *, context: int, user_install: bool) -> None:
    """Raise PermissionError when Discord would not offer the command there to that install."""
    name = command["name"]
    install = USER_INSTALL if user_install else GUILD_INSTALL
    if install not in (command.get("integration_types") or [GUILD_INSTALL]):
        kind = "users" if user_install else "servers"
        raise PermissionError(f"{name!r} cannot be installed by {kind}")
    contexts = command.get("contexts")
    if contexts is not None and context not in contexts:
        raise PermissionError(f"/{name} cannot be used in {_PLACES[context]}")
    if context == PRIVATE_CHANNEL_CONTEXT and not user_install:
        raise PermissionError("only a user install reaches a private channel")


def context_of(channel: FakeChannel, guild: FakeGuild | None, bot_dm: bool) -> int:
    """Return the interaction context of a command run in `channel`."""
    if guild is not None:
        return GUILD_CONTEXT
    return BOT_DM_CONTEXT if bot_dm else PRIVATE_CHANNEL_CONTEXT


def owners(user: FakeUser, guild: FakeGuild | None, *, user_install: bool) -> JSON:
    """Return `authorizing_integration_owners`: the installing user, or the server ("0": DM)."""
    if user_install:
        return {str(USER_INSTALL): str(user.id)}
    return {str(GUILD_INSTALL): str(guild.id) if guild is not None else "0"}


def message_command_data(command: JSON, message: StoredMessage) -> JSON:
    """Return the `data` of a message command run on `message`."""
    data: JSON = {
        "id": command["id"],
        "name": command["name"],
        "type": MESSAGE_COMMAND,
        "target_id": str(message.id),
        "resolved": {"messages": {str(message.id): message.wire()}},
    }
    if "guild_id" in command:
        data["guild_id"] = command["guild_id"]
    return data
