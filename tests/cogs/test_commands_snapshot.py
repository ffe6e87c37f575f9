"""The command definitions the bot syncs to Discord, kept under review as a snapshot.

A change to a command's name, option, description or permission changes what every server
sees, so it should show up in a diff. After an intended change, regenerate the snapshot:

    UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/cogs/test_commands_snapshot.py

and review `tests/cogs/snapshots/commands.json` before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.cogs.conftest import Harness
from tests.fakes.discord_server import MANAGE_GUILD

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

SNAPSHOT = Path(__file__).parent / "snapshots" / "commands.json"


def synced_commands(harness: Harness) -> list[dict[str, Any]]:
    """Return the body of the bot's last command sync, sorted by command name."""
    body = harness.discord.command_syncs[-1].body
    return sorted(body, key=lambda command: str(command["name"]))


async def test_synced_commands_match_the_snapshot(harness: Harness) -> None:
    synced = json.dumps(synced_commands(harness), indent=2, sort_keys=True, ensure_ascii=False)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(synced + "\n", encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == synced + "\n", (
        "the synced commands changed; if intended, regenerate with UPDATE_SNAPSHOTS=1"
    )


async def test_every_command_and_subcommand_is_synced(harness: Harness) -> None:
    commands = {command["name"]: command for command in synced_commands(harness)}
    digest_subcommands = [option["name"] for option in commands["digest"]["options"]]

    saved_subcommands = [option["name"] for option in commands["saved"]["options"]]

    assert sorted(commands) == [
        "Summarize arXiv paper", "digest", "help", "saved", "status", "subscribe", "subscriptions",
        "summarize", "unsubscribe",
    ]  # fmt: skip
    assert digest_subcommands == [
        "set", "show", "preview", "post", "pause", "resume", "remove", "defaults"
    ]  # fmt: skip
    assert saved_subcommands == ["list", "remove", "export"]
    assert commands["Summarize arXiv paper"]["type"] == 3  # a message command


@pytest.mark.parametrize("name", ["summarize", "Summarize arXiv paper", "help"])
async def test_users_can_install_summarize_and_help_and_use_them_anywhere(
    harness: Harness, name: str
) -> None:
    (command,) = [c for c in synced_commands(harness) if c["name"] == name]

    assert sorted(command["integration_types"]) == [0, 1]  # server and user installs
    assert sorted(command["contexts"]) == [0, 1, 2]  # servers, the bot's DMs, private channels


async def test_digest_set_offers_text_announcement_and_forum_channels(harness: Harness) -> None:
    (digest,) = [c for c in synced_commands(harness) if c["name"] == "digest"]
    (set_command,) = [o for o in digest["options"] if o["name"] == "set"]
    options = {option["name"]: option for option in set_command["options"]}

    assert sorted(options["channel"]["channel_types"]) == [0, 5, 15]
    assert options["thread"]["type"] == 5  # boolean
    assert options["mention_role"]["type"] == 8  # role


@pytest.mark.parametrize("name", ["digest", "status"])
async def test_admin_commands_need_manage_server_and_a_server(harness: Harness, name: str) -> None:
    (command,) = [c for c in synced_commands(harness) if c["name"] == name]

    assert int(command["default_member_permissions"]) == MANAGE_GUILD
    assert command["contexts"] == [0]  # guild only
    assert command["dm_permission"] is False  # the older, deprecated way to say so


async def test_every_option_is_described(harness: Harness) -> None:
    def options(command: dict[str, Any]) -> list[dict[str, Any]]:
        found = []
        for option in command.get("options", []):
            found.append(option)
            found.extend(options(option))
        return found

    undescribed = [
        option["name"]
        for command in synced_commands(harness)
        for option in options(command)
        if not option.get("description") or option["description"] == "…"
    ]
    assert undescribed == []
