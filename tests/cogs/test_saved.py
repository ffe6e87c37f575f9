"""`/saved list|remove|export`: a member's saved papers, seen by them alone."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.store import saved as saved_store
from tests.cogs.conftest import WAIT, Harness
from tests.cogs.test_papers import buttons_of, choose, click, post_digest
from tests.fakes.discord_server import FakeUser

pytestmark = pytest.mark.usefixtures("no_leaked_resources")


@pytest.fixture
def reader(harness: Harness) -> FakeUser:
    return harness.discord.add_member(harness.guild, "reader")


async def save_papers(harness: Harness, reader: FakeUser, count: int) -> None:
    """Post `count` papers and have `reader` save each from its details."""
    posts = await post_digest(harness, count, max_papers=count)
    for number in range(1, count + 1):
        value = f"2508.{number:05d}v1"
        [post] = [p for p in posts if value in str(p.components)]
        details = await choose(harness, post, value, reader)
        await click(harness, details, "Save", reader)


async def test_an_empty_list_says_how_to_save(harness: Harness, reader: FakeUser) -> None:
    reply = await harness.reply("saved list", user=reader)

    assert reply.ephemeral
    assert "no saved papers yet" in reply.content


async def test_the_list_shows_the_newest_first_with_a_menu_to_act_on_each(
    harness: Harness, reader: FakeUser
) -> None:
    await save_papers(harness, reader, 10)
    reply = await harness.reply("saved list", user=reader)

    [embed] = reply.embeds
    assert reply.ephemeral
    assert "10 saved papers, newest first." in embed["description"]
    assert "**1.** [Synthetic paper 10 on cs.AI]" in embed["description"]
    assert list(buttons_of(reply)) == []  # one page: no page buttons
    assert reply.components[0]["components"][0]["custom_id"] == "paper:choose"


async def test_page_buttons_turn_the_page(harness: Harness, reader: FakeUser) -> None:
    await save_papers(harness, reader, 12)
    reply = await harness.reply("saved list", user=reader)
    assert "Page 1 of 2" in reply.embeds[0]["description"]

    turn = await harness.discord.click(reply, buttons_of(reply)["Next"], user=reader)
    await harness.discord.notifier.wait_for(
        lambda: "Page 2 of 2" in reply.embeds[0]["description"], timeout=WAIT, what="page 2"
    )

    assert "**11.** [Synthetic paper 2 on cs.AI]" in reply.embeds[0]["description"]
    assert turn.followups == []


async def test_remove_takes_any_form_of_the_id(harness: Harness, reader: FakeUser) -> None:
    await save_papers(harness, reader, 2)

    removed = await harness.reply(
        "saved remove", {"paper": "https://arxiv.org/abs/2508.00001v1"}, user=reader
    )
    again = await harness.reply("saved remove", {"paper": "2508.00001"}, user=reader)
    bad = await harness.reply("saved remove", {"paper": "not an id"}, user=reader)

    assert removed.content == "Removed arXiv:2508.00001 from your saved papers."
    assert again.content == "arXiv:2508.00001 is not in your saved papers."
    assert bad.ephemeral and "arXiv id" in bad.content
    [left] = await saved_store.saved_papers(harness.db, reader.id)
    assert left.paper.base_id == "2508.00002"


async def test_remove_offers_the_members_own_papers(harness: Harness, reader: FakeUser) -> None:
    await save_papers(harness, reader, 2)

    choices = await harness.choices("saved remove", {"paper": "paper 2"}, "paper", user=reader)

    assert choices == [{"name": "2508.00002v1 · Synthetic paper 2 on cs.AI", "value": "2508.00002"}]


@pytest.mark.parametrize(("fmt", "extension"), [("bibtex", "bib"), ("ris", "ris"), ("csv", "csv")])
async def test_export_attaches_a_file(
    harness: Harness, reader: FakeUser, fmt: str, extension: str
) -> None:
    await save_papers(harness, reader, 2)

    reply = await harness.reply("saved export", {"format": fmt}, user=reader)

    assert reply.ephemeral
    assert reply.content.startswith("Your 2 saved papers as")
    [attachment] = reply.payload["attachments"]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert attachment["filename"] == f"saved-papers-{today}.{extension}"
    assert attachment["size"] > 100


async def test_export_of_nothing_says_so(harness: Harness, reader: FakeUser) -> None:
    reply = await harness.reply("saved export", {"format": "csv"}, user=reader)

    assert "no saved papers to export" in reply.content
