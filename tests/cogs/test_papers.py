"""Acting on delivered papers, as members of a research server do: buttons, menu, Show all.

A digest is posted in #papers by the real bot; a member clicks what the message shows (the
fake Discord refuses anything else) and reads what only they see (ephemeral answers), what
the channel sees, and what the bot stored.
"""

from __future__ import annotations

import pytest

from bot.feedback import Verdict
from bot.store import feedback as feedback_store
from bot.store import saved as saved_store
from tests.cogs.conftest import WAIT, Harness, announce, set_timed_digest
from tests.fakes.discord_server import FakeUser, StoredMessage

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

ACTIONS = ["Details", "Deep dive", "Save", "Not interested", "More like this"]


async def post_digest(harness: Harness, count: int, **options: object) -> list[StoredMessage]:
    """Set a digest of cs.AI in #papers, announce `count` papers, post them now."""
    await set_timed_digest(harness, **options)
    await announce(harness, count)
    reply = await harness.reply("digest post", {"channel": harness.papers})
    assert reply.content.startswith("Posted"), reply.content
    return harness.discord.messages(harness.papers)


def menu_of(message: StoredMessage) -> dict[str, object]:
    [menu] = [item for row in message.components for item in row["components"] if item["type"] == 3]
    return menu


def buttons_of(message: StoredMessage) -> dict[str, str]:
    """Return {label: custom id} of a message's buttons."""
    return {
        item["label"]: item["custom_id"]
        for row in message.components
        for item in row["components"]
        if item["type"] == 2
    }


async def choose(
    harness: Harness, message: StoredMessage, value: str, user: FakeUser
) -> StoredMessage:
    """Pick a paper in a message's menu; return the answer the member sees."""
    click = await harness.discord.click(message, "paper:choose", user=user, values=[value])
    return await click.wait_followup_where(lambda m: bool(m.embeds), WAIT)


async def click(
    harness: Harness, message: StoredMessage, label: str, user: FakeUser
) -> StoredMessage:
    """Click a button by its label; return the first answer the member sees."""
    handle = await harness.discord.click(message, buttons_of(message)[label], user=user)
    return await handle.wait_followup_where(lambda m: True, WAIT)


@pytest.fixture
def reader(harness: Harness) -> FakeUser:
    return harness.discord.add_member(harness.guild, "reader")


# --- what a post carries -----------------------------------------------------------------


async def test_a_message_of_several_papers_has_a_menu_to_choose_one(harness: Harness) -> None:
    [post] = await post_digest(harness, 3)

    menu = menu_of(post)

    assert menu["placeholder"].startswith("Choose a paper")  # type: ignore[union-attr]
    options = menu["options"]
    assert [o["value"] for o in options] == ["2508.00001v1", "2508.00002v1", "2508.00003v1"]  # type: ignore[union-attr]
    assert options[0]["label"] == "1. Synthetic paper 1 on cs.AI"  # type: ignore[index]


async def test_a_message_of_one_paper_has_a_button_per_action(harness: Harness) -> None:
    [post] = await post_digest(harness, 1)

    assert list(buttons_of(post)) == ACTIONS
    assert buttons_of(post)["Save"] == "paper:save:2508.00001v1"


# --- details -----------------------------------------------------------------------------


async def test_choosing_a_paper_shows_its_full_summary_to_the_chooser_alone_from_the_cache(
    harness: Harness, reader: FakeUser
) -> None:
    [post] = await post_digest(harness, 3)
    calls = len(harness.anthropic.requests)

    shown = await choose(harness, post, "2508.00002v1", reader)

    assert shown.ephemeral and shown.shown_to is reader
    [embed] = shown.embeds
    assert embed["url"] == "https://arxiv.org/abs/2508.00002"
    fields = {field["name"] for field in embed["fields"]}
    assert {"Method", "Results", "Links"} <= fields
    assert "**Motivation:**" in embed["description"]
    assert list(buttons_of(shown)) == ACTIONS[1:]  # details are what it shows
    assert len(harness.anthropic.requests) == calls  # no new Claude call
    assert len(harness.discord.messages(harness.papers)) == 1  # the channel sees nothing new


async def test_details_and_saves_are_tallied_for_admins_in_digest_show(
    harness: Harness, reader: FakeUser
) -> None:
    [post] = await post_digest(harness, 3)
    await choose(harness, post, "2508.00001v1", reader)
    await choose(harness, post, "2508.00001v1", reader)  # the same member again: once
    shown = await choose(harness, post, "2508.00002v1", harness.guild.owner)
    await click(harness, shown, "Save", harness.guild.owner)
    own = await choose(harness, post, "2508.00003v1", reader)
    await click(harness, own, "More like this", reader)

    listing = await harness.reply("digest show")

    assert "Details 3 · Deep dive 0 · Save 1 · More like this 1 · Not interested 0" in (
        listing.content
    )


# --- save and marks ----------------------------------------------------------------------


async def test_save_confirms_privately_and_keeps_the_version(
    harness: Harness, reader: FakeUser
) -> None:
    [post] = await post_digest(harness, 1)

    answer = await click(harness, post, "Save", reader)
    again = await click(harness, post, "Save", reader)

    assert answer.ephemeral and answer.shown_to is reader
    assert answer.content.startswith("Saved **Synthetic paper 1 on cs.AI** (arXiv:2508.00001v1)")
    assert "already in your saved papers" in again.content
    [kept] = await saved_store.saved_papers(harness.db, reader.id)
    assert kept.paper.versioned_id == "2508.00001v1"


async def test_more_like_this_is_recorded_changed_by_the_other_button_and_undone(
    harness: Harness, reader: FakeUser
) -> None:
    [post] = await post_digest(harness, 1)

    first = await click(harness, post, "More like this", reader)
    marks_after_first = await feedback_store.marked_papers(harness.db, reader.id, limit=10)
    await click(harness, post, "Not interested", reader)
    marks_after_second = await feedback_store.marked_papers(harness.db, reader.id, limit=10)
    undone = await click(harness, post, "Not interested", reader)

    assert first.content.startswith("Noted: more like this.")
    assert "rank higher in your personal digest" in first.content
    assert [m.verdict for m in marks_after_first] == [Verdict.MORE]
    assert [m.verdict for m in marks_after_second] == [Verdict.LESS]
    assert undone.content.startswith("Removed your mark")
    assert await feedback_store.marked_papers(harness.db, reader.id, limit=10) == []


async def test_a_button_that_is_not_one_of_ours_changes_nothing(
    harness: Harness, reader: FakeUser
) -> None:
    forged = {"type": 2, "style": 2, "label": "Save", "custom_id": "paper:save:2508.00001"}
    message = harness.discord.composer.make(
        harness.papers,
        harness.discord.bot,
        {"content": "x", "components": [{"type": 1, "components": [forged]}]},
    )

    handle = await harness.discord.click(message, "paper:save:2508.00001", user=reader)
    answer = await handle.wait_followup_where(lambda m: True, WAIT)

    assert answer.ephemeral
    assert "do not recognise this button" in answer.content
    assert await saved_store.saved_papers(harness.db, reader.id) == []


# --- show all ----------------------------------------------------------------------------


async def test_show_all_lists_the_papers_the_post_left_out(
    harness: Harness, reader: FakeUser
) -> None:
    [post] = await post_digest(harness, 5, max_papers=2)
    assert "5 of 5 new papers matched; showing the top 2" in post.content
    assert "Show all 5" in buttons_of(post)

    handle = await harness.discord.click(post, buttons_of(post)["Show all 5"], user=reader)
    listing = await handle.wait_followup_where(lambda m: bool(m.embeds), WAIT)

    assert listing.ephemeral and listing.shown_to is reader
    [embed] = listing.embeds
    assert "5 matched; 2 were posted, these are the other 3." in embed["description"]
    for number in (3, 4, 5):
        assert (
            f"[Synthetic paper {number} on cs.AI](https://arxiv.org/abs/2508.0000{number})"
            in (embed["description"])
        )
    assert "Synthetic paper 1 on" not in embed["description"]
    # The same actions: the menu of the listed papers.
    shown = await choose(harness, listing, "2508.00004v1", reader)
    assert shown.embeds[0]["url"] == "https://arxiv.org/abs/2508.00004"


async def test_show_all_turns_its_pages_in_place(harness: Harness, reader: FakeUser) -> None:
    [post] = await post_digest(harness, 23, max_papers=1)
    handle = await harness.discord.click(post, buttons_of(post)["Show all 23"], user=reader)
    listing = await handle.wait_followup_where(lambda m: bool(m.embeds), WAIT)
    assert "Page 1 of 3" in listing.embeds[0]["description"]

    turn = await harness.discord.click(listing, buttons_of(listing)["Next"], user=reader)
    await turn.wait_callback(WAIT)
    await harness.discord.notifier.wait_for(
        lambda: "Page 2 of 3" in listing.embeds[0]["description"], timeout=WAIT, what="page 2"
    )

    assert turn.callback is not None and turn.callback.type == 6  # acknowledged, no new message
    assert "**11.** [Synthetic paper 12 on cs.AI]" in listing.embeds[0]["description"]
    assert turn.followups == []


# --- a digest posted in a thread -----------------------------------------------------------


async def test_in_a_thread_digest_the_header_shows_all_and_clicks_count_for_the_channel(
    harness: Harness, reader: FakeUser
) -> None:
    await post_digest(harness, 5, max_papers=2, thread=True)
    [header] = harness.discord.messages(harness.papers)
    [thread] = harness.discord.threads(harness.papers)
    [papers] = harness.discord.messages(thread)

    # The header, in the channel, has the post's "Show all"; the papers carry their menu.
    assert list(buttons_of(header)) == ["Show all 5"]
    assert "Show all 5" not in buttons_of(papers)
    handle = await harness.discord.click(header, buttons_of(header)["Show all 5"], user=reader)
    listing = await handle.wait_followup_where(lambda m: bool(m.embeds), WAIT)
    assert "these are the other 3." in listing.embeds[0]["description"]
    # A paper chosen inside the thread is the channel's digest's: shown, and tallied for it.
    shown = await choose(harness, papers, "2508.00002v1", reader)
    assert shown.embeds[0]["url"] == "https://arxiv.org/abs/2508.00002"
    listing_for_admins = await harness.reply("digest show")
    assert "Details 1 · Deep dive 0" in listing_for_admins.content
