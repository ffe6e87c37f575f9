"""`/subscribe`, `/unsubscribe`, `/subscriptions`: a member's own keyword DMs, all private."""

from __future__ import annotations

import pytest

from bot.clock import JobKey
from bot.models import DigestStyle
from bot.store import targets
from bot.targets.model import TargetKey
from bot.words import DMS_CLOSED_NOTICE
from tests.cogs.conftest import WAIT, Harness, announce
from tests.fakes.arxiv_server import make_papers
from tests.fakes.discord_server import FakeUser

pytestmark = pytest.mark.usefixtures("no_leaked_resources")


def member(harness: Harness, name: str = "reader") -> FakeUser:
    """Add a member without any special permission to the main server."""
    return harness.discord.add_member(harness.guild, name)


async def test_subscribe_then_subscriptions_shows_the_keywords_privately(
    harness: Harness,
) -> None:
    reader = member(harness)
    await harness.reply("subscribe", {"keywords": "LLM, kv cache"}, user=reader)

    reply = await harness.reply("subscriptions", user=reader)

    assert reply.ephemeral
    assert "Keywords: LLM, kv cache" in reply.content
    assert "Categories: cs.AI, cs.CL, cs.LG (default)" in reply.content


async def test_subscribe_confirms_privately_with_every_keyword(harness: Harness) -> None:
    reader = member(harness)
    await harness.reply("subscribe", {"keywords": "llm"}, user=reader)

    reply = await harness.reply("subscribe", {"keywords": "rag, llm"}, user=reader)

    assert reply.ephemeral
    assert "Keywords: llm, rag" in reply.content


async def test_subscribe_with_bad_keywords_answers_privately_and_stores_nothing(
    harness: Harness,
) -> None:
    reader = member(harness)

    reply = await harness.reply("subscribe", {"keywords": "llm, -llm"}, user=reader)

    assert reply.ephemeral
    assert "both include and exclude" in reply.content
    assert await targets.get_subscription(harness.db, reader.id) is None


async def test_subscribe_works_in_a_direct_message(harness: Harness) -> None:
    reader = member(harness)

    handle = await harness.discord.run_slash("subscribe", {"keywords": "llm"}, user=reader)
    reply = await handle.wait_reply(WAIT)

    assert "Keywords: llm" in reply.content


async def test_a_new_subscriber_gets_the_latest_matches_by_dm_at_once(harness: Harness) -> None:
    papers = make_papers(3, categories=("cs.AI",))
    harness.arxiv.add_feed_papers(papers)
    harness.arxiv.add_api_papers(papers)
    reader = member(harness)

    await harness.reply("subscribe", {"keywords": "synthetic"}, user=reader)
    dm = harness.discord.dm_channel(reader)
    (digest,) = await harness.discord.wait_for_messages(dm, 1, timeout=WAIT)

    assert len(digest.embeds) == 3


async def test_unsubscribe_removes_one_keyword(harness: Harness) -> None:
    reader = member(harness)
    await harness.reply("subscribe", {"keywords": "llm, kv cache"}, user=reader)

    reply = await harness.reply("unsubscribe", {"keyword": "LLM"}, user=reader)

    assert reply.ephemeral
    assert reply.content == "Removed. Your keywords: kv cache"


async def test_unsubscribe_all_stops_the_dms(harness: Harness) -> None:
    reader = member(harness)
    await harness.reply("subscribe", {"keywords": "llm, kv cache"}, user=reader)

    reply = await harness.reply("unsubscribe", {"keyword": "all"}, user=reader)

    assert "will not DM you papers any more" in reply.content
    assert await targets.get_subscription(harness.db, reader.id) is None


async def test_unsubscribe_from_a_keyword_not_held_answers_privately(harness: Harness) -> None:
    reader = member(harness)
    await harness.reply("subscribe", {"keywords": "llm"}, user=reader)

    reply = await harness.reply("unsubscribe", {"keyword": "quantum"}, user=reader)

    assert reply.ephemeral
    assert "you are not subscribed to 'quantum'" in reply.content


async def test_unsubscribe_autocomplete_lists_only_the_callers_keywords_and_all(
    harness: Harness,
) -> None:
    reader, other = member(harness, "reader"), member(harness, "other")
    await harness.reply("subscribe", {"keywords": "llm, kv cache"}, user=reader)
    await harness.reply("subscribe", {"keywords": "quantum"}, user=other)

    choices = await harness.choices("unsubscribe", {"keyword": ""}, "keyword", user=reader)

    assert [choice["value"] for choice in choices] == ["llm", "kv cache", "all"]


async def test_unsubscribe_autocomplete_filters_by_what_was_typed(harness: Harness) -> None:
    reader = member(harness)
    await harness.reply("subscribe", {"keywords": "llm, kv cache, cache eviction"}, user=reader)

    choices = await harness.choices("unsubscribe", {"keyword": "CACHE"}, "keyword", user=reader)

    assert [choice["value"] for choice in choices] == ["kv cache", "cache eviction"]


async def test_subscriptions_changes_time_and_timezone_and_schedules_the_dm(
    harness: Harness,
) -> None:
    reader = member(harness)
    await harness.reply("subscribe", {"keywords": "llm"}, user=reader)

    reply = await harness.reply(
        "subscriptions", {"time": "07:00", "timezone": "europe/berlin"}, user=reader
    )

    assert "Time: 07:00 Europe/Berlin" in reply.content
    assert harness.bot.clock.next_run(JobKey.post(TargetKey.user(reader.id))) is not None


async def test_subscriptions_time_now_clears_the_time_and_unschedules_the_dm(
    harness: Harness,
) -> None:
    reader = member(harness)
    await harness.reply("subscribe", {"keywords": "llm"}, user=reader)
    await harness.reply("subscriptions", {"time": "07:00"}, user=reader)

    reply = await harness.reply("subscriptions", {"time": "now"}, user=reader)

    assert "Time: as soon as announced" in reply.content
    assert harness.bot.clock.next_run(JobKey.post(TargetKey.user(reader.id))) is None


async def test_subscriptions_with_a_bad_category_answers_privately_and_changes_nothing(
    harness: Harness,
) -> None:
    reader = member(harness)
    await harness.reply("subscribe", {"keywords": "llm"}, user=reader)
    before = await targets.get_subscription(harness.db, reader.id)

    reply = await harness.reply("subscriptions", {"categories": "cs.CL, nope"}, user=reader)

    assert reply.ephemeral
    assert "unknown arXiv category 'nope'" in reply.content
    assert await targets.get_subscription(harness.db, reader.id) == before


async def test_a_member_whose_dms_were_closed_is_told_on_their_next_command(
    harness: Harness,
) -> None:
    reader = member(harness)
    await harness.reply("subscribe", {"keywords": "llm"}, user=reader)
    await targets.set_dm_blocked(harness.db, reader.id)

    handle = await harness.slash("subscriptions", user=reader)
    (notice,) = await handle.wait_followups(1, timeout=WAIT)

    assert notice.ephemeral
    assert notice.content == DMS_CLOSED_NOTICE


async def test_a_member_whose_dms_were_closed_gets_dms_tried_again(harness: Harness) -> None:
    reader = member(harness)
    await harness.reply("subscribe", {"keywords": "llm"}, user=reader)
    await targets.set_dm_blocked(harness.db, reader.id)

    handle = await harness.slash("summarize", {"paper": "not-an-id"}, user=reader)
    await handle.wait_followups(1, timeout=WAIT)

    sub = await targets.get_subscription(harness.db, reader.id)
    assert sub is not None and not sub.dm_blocked


async def test_subscribe_says_how_many_papers_matched_and_when_the_next_announcement_comes(
    harness: Harness,
) -> None:
    await announce(harness, 2)
    reader = member(harness)

    reply = await harness.reply("subscribe", {"keywords": "graphene"}, user=reader)

    assert "None of the latest announcement's 2 papers matches these keywords." in reply.content
    assert "Next arXiv announcement: <t:" in reply.content


async def test_subscriptions_says_what_the_latest_announcement_held_for_the_member(
    harness: Harness,
) -> None:
    await announce(harness, 2)
    reader = member(harness)
    await harness.reply("subscribe", {"keywords": "synthetic, graphene"}, user=reader)
    await harness.discord.wait_for_messages(harness.discord.dm_channel(reader), 1, timeout=WAIT)

    reply = await harness.reply("subscriptions", user=reader)

    assert "2 of the latest announcement's 2 papers match" in reply.content
    assert "No paper matched `graphene`." in reply.content
    assert "last announcement: Wed 20 Aug 2025 · 2 papers seen · 2 matched" in reply.content


async def test_subscriptions_take_a_style_compact_by_default(harness: Harness) -> None:
    await harness.reply("subscribe", {"keywords": "llm"})
    before = await harness.reply("subscriptions")

    after = await harness.reply("subscriptions", {"style": "full"})

    assert "style: compact" in before.content
    assert "style: full" in after.content
    sub = await targets.get_subscription(harness.db, harness.guild.owner.id)
    assert sub is not None and sub.style is DigestStyle.FULL
