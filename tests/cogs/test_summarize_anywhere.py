"""`/summarize` and "Summarize arXiv paper" wherever a member is: user installs, private
channels, any message with an arXiv link; and `/help`.

A user install is a member who added the app to their own account: Discord then offers its
commands in servers the bot was never invited to and in DMs between users (private
channels), and the fake refuses a command that does not declare those installs and contexts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.render import limits
from tests.cogs.conftest import WAIT, Harness
from tests.fakes.discord_server import FakeChannel, FakeUser

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

README = Path(__file__).resolve().parents[2] / "README.md"
MENU = "Summarize arXiv paper"
ABS = "https://arxiv.org/abs/1605.08386"


def member(harness: Harness) -> FakeUser:
    """Return a new member of the main server."""
    return harness.discord.add_member(harness.guild, "reader")


# --- user installs -------------------------------------------------------------------------


async def test_summarize_works_in_a_server_without_the_bot_for_a_user_who_installed_it(
    harness: Harness,
) -> None:
    elsewhere = harness.discord.add_guild("no bot here", with_bot=False)
    user = harness.discord.add_member(elsewhere, "traveller")
    channel = elsewhere.channel("papers")

    handle = await harness.discord.run_slash(
        "summarize", {"paper": "1605.08386"}, user=user, channel=channel, user_install=True
    )
    reply = await handle.wait_reply(WAIT)

    assert not reply.ephemeral
    assert [embed["url"] for embed in reply.embeds] == [ABS]
    assert reply.channel_id == channel.id


async def test_summarize_works_in_a_private_channel_between_two_users(harness: Harness) -> None:
    alice = harness.discord.world.add_user("alice")
    bob = harness.discord.world.add_user("bob")
    private = harness.discord.world.private_channel(alice, bob)

    handle = await harness.discord.run_slash(
        "summarize", {"paper": "1605.08386"}, user=alice, channel=private, user_install=True
    )
    reply = await handle.wait_reply(WAIT)

    assert [embed["url"] for embed in reply.embeds] == [ABS]


async def test_admin_commands_cannot_be_installed_by_users(harness: Harness) -> None:
    elsewhere = harness.discord.add_guild("no bot here", with_bot=False)

    with pytest.raises(PermissionError, match="cannot be installed by users"):
        await harness.discord.run_slash(
            "digest show", user=elsewhere.owner, guild=elsewhere, user_install=True
        )


async def test_summarize_in_a_server_uses_its_default_language(harness: Harness) -> None:
    await harness.reply("digest defaults", {"language": "ja"})

    await harness.reply("summarize", {"paper": "1605.08386"}, channel=harness.papers)

    assert harness.anthropic.requests[-1].language == "ja"


# --- the message command ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        f"Have you read {ABS}v1 ? and also https://arxiv.org/abs/2104.12255",
        "the transformer paper, arXiv:1605.08386",
        "PDF at <https://arxiv.org/pdf/1605.08386v1.pdf>, thoughts?",
        "version 2.1 of our code reproduces 1605.08386",
    ],
    ids=["abs link, first of two", "arXiv: prefix", "pdf link in brackets", "bare id"],
)
async def test_summarize_arxiv_paper_on_a_message_summarizes_its_first_paper(
    harness: Harness, content: str
) -> None:
    reader = member(harness)
    message = harness.discord.post_as(reader, harness.papers, content)

    handle = await harness.discord.run_message_command(MENU, message, user=reader)
    reply = await handle.wait_reply(WAIT)

    assert not reply.ephemeral
    assert [embed["url"] for embed in reply.embeds] == [ABS]


async def test_summarize_arxiv_paper_finds_a_link_in_the_messages_embeds(harness: Harness) -> None:
    reader = member(harness)
    preview = {"type": "link", "url": f"{ABS}v1", "title": "[1605.08386] Some paper"}
    message = harness.discord.post_as(reader, harness.papers, "this one", embeds=[preview])

    handle = await harness.discord.run_message_command(MENU, message, user=reader)

    assert [embed["url"] for embed in (await handle.wait_reply(WAIT)).embeds] == [ABS]


async def test_a_message_without_an_arxiv_paper_gets_a_private_answer(harness: Harness) -> None:
    reader = member(harness)
    message = harness.discord.post_as(reader, harness.papers, "see 2023.12345 and github.com/x")

    handle = await harness.discord.run_message_command(MENU, message, user=reader)
    reply = await handle.wait_reply(WAIT)

    assert reply.ephemeral
    assert "I found no arXiv paper in that message" in reply.content
    assert [m.id for m in harness.discord.messages(harness.papers)] == [message.id]
    assert harness.arxiv.requests_to("/api") == []


async def test_summarize_arxiv_paper_works_from_a_user_install_in_a_private_channel(
    harness: Harness,
) -> None:
    alice = harness.discord.world.add_user("alice")
    bob = harness.discord.world.add_user("bob")
    private: FakeChannel = harness.discord.world.private_channel(alice, bob)
    message = harness.discord.post_as(bob, private, f"look: {ABS}")

    handle = await harness.discord.run_message_command(MENU, message, user=alice, user_install=True)

    assert [embed["url"] for embed in (await handle.wait_reply(WAIT)).embeds] == [ABS]


# --- /help -------------------------------------------------------------------------------------


async def test_help_shows_commands_keywords_and_links_only_to_the_caller(harness: Harness) -> None:
    reply = await harness.reply("help", user=member(harness), channel=harness.papers)

    assert reply.ephemeral
    (embed,) = reply.embeds
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert "/summarize" in fields["For everyone"]
    assert "/digest defaults" in fields["For server admins (Manage Server)"]
    assert '`rag` finds "RAG", not "average"' in fields["Keywords"]
    assert '`au:Muller` finds "Müller"' in fields["Keywords"]
    assert f"client_id={harness.discord.world.application_id}" in fields["Links"]
    (asked,) = set(re.findall(r"permissions=(\d+)", README.read_text(encoding="utf-8")))
    assert f"permissions={asked})" in fields["Links"]  # the invite README explains
    assert all(len(value) <= limits.FIELD_VALUE_MAX for value in fields.values())


async def test_help_works_in_a_dm_with_the_bot(harness: Harness) -> None:
    reader = member(harness)

    handle = await harness.discord.run_slash("help", user=reader)

    assert (await handle.wait_reply(WAIT)).embeds
