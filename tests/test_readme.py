"""README's invite instructions: the permission integer is what the listed permissions add up to."""

from __future__ import annotations

import re
from pathlib import Path

import discord

README = Path(__file__).resolve().parents[1] / "README.md"

# Discord's names for the permissions (as the server settings show them) and discord.py's.
LISTED = {
    "View Channels": "view_channel",
    "Send Messages": "send_messages",
    "Embed Links": "embed_links",
    "Read Message History": "read_message_history",
    "Attach Files": "attach_files",
    "Create Public Threads": "create_public_threads",
    "Send Messages in Threads": "send_messages_in_threads",
}
# What the commands of today use; /digest set refuses a channel that denies one of these.
TODAY = ("view_channel", "send_messages", "embed_links", "read_message_history")


def invite_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("### Inviting the bot", 1)[1].split("\n## ", 1)[0]


def test_each_listed_permission_has_its_discord_value() -> None:
    rows = re.findall(r"^\| ([A-Za-z ]+) \| (\d+) \|", invite_section(), re.MULTILINE)
    assert [name for name, _ in rows] == list(LISTED)
    for name, value in rows:
        assert discord.Permissions(**{LISTED[name]: True}).value == int(value), name


def test_invite_url_asks_for_exactly_the_listed_permissions_and_scopes() -> None:
    urls = re.findall(r"https://discord\.com/oauth2/authorize\?\S+", invite_section())
    [url] = [u for u in urls if "scope=bot+applications.commands" in u]
    [value] = re.findall(r"permissions=(\d+)", url)
    assert int(value) == discord.Permissions(**dict.fromkeys(LISTED.values(), True)).value
    assert not discord.Permissions(int(value)).mention_everyone


def test_the_minimum_named_is_what_todays_commands_use() -> None:
    minimum = discord.Permissions(**dict.fromkeys(TODAY, True)).value
    assert f"`{minimum}`" in invite_section()


def test_check_invites_with_the_same_permissions_as_the_readme() -> None:
    from bot.check.words import INVITE_PERMISSIONS, invite_url

    urls = re.findall(r"https://discord\.com/oauth2/authorize\?\S+", invite_section())
    [url] = [u for u in urls if "scope=bot+applications.commands" in u]
    assert invite_url(1234) == url.replace("APPLICATION_ID", "1234")
    assert f"permissions={INVITE_PERMISSIONS}" in url


def test_the_user_install_url_asks_for_commands_only() -> None:
    urls = re.findall(r"https://discord\.com/oauth2/authorize\?\S+", invite_section())
    [url] = [u for u in urls if "integration_type=1" in u]  # a user's own install
    assert "scope=applications.commands" in url
    assert "bot" not in url.split("scope=", 1)[1] and "permissions=" not in url
