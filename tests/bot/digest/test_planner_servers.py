"""The pass and the servers its digests belong to: budget shares, default languages, threads.

Real services against the fake arXiv and the fake Anthropic (tests/bot/digest/conftest.py).
A fake summary costs about $0.0009; with DAILY_BUDGET_USD=1 and GUILD_DAILY_BUDGET_SHARE=0.0005
one call spends a server's share. One call at a time (SUMMARY_CONCURRENCY=1), so that each call
sees the last one's cost, as calls made one after another do.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.app import Services
from bot.models import FallbackReason
from bot.store import deliveries, guild_settings
from bot.targets.model import PostPlace, TargetKey
from tests.bot.digest.planning import add_digest, announce, problems
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv, make_papers

BIG, SMALL = 1, 2


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Give every server a share of one fake call, and make the calls one at a time."""
    return {
        "summary_concurrency": 1,
        "daily_budget_usd": 1.0,
        "guild_daily_budget_share": 0.0005,
    }


async def footers(services: Services, channel_id: int) -> list[str]:
    """Return the footer of every paper embed the pass planned for a channel."""
    messages = await deliveries.pending_messages(services.db, TargetKey.channel(channel_id))
    return [
        embed["footer"]["text"]
        for message in messages
        for embed in json.loads(message.payload)["embeds"]
    ]


async def test_a_server_that_spent_its_share_gets_abstracts_and_the_other_server_summaries(
    services: Services, fake_arxiv: FakeArxiv
) -> None:
    await announce(services, fake_arxiv, make_papers(4))
    await add_digest(services, 100, problems(range(1, 4)), guild_id=BIG)  # three papers
    await add_digest(services, 200, problems(range(4, 5)), guild_id=SMALL)  # one paper

    await services.planner.plan_pending()

    big = await footers(services, 100)
    assert sum("summary by" in footer for footer in big) == 1
    assert sum(f"abstract only ({FallbackReason.SERVER_BUDGET})" in f for f in big) == 2
    assert ["summary by" in footer for footer in await footers(services, 200)] == [True]
    usage = await services.summarizer.server_usage(BIG)
    assert usage.share_reached


async def test_a_paper_both_servers_want_is_summarized_once_and_shared(
    services: Services, fake_arxiv: FakeArxiv, fake_anthropic: FakeAnthropic
) -> None:
    await announce(services, fake_arxiv, make_papers(1))
    await add_digest(services, 100, problems(range(1, 2)), guild_id=BIG)
    await add_digest(services, 200, problems(range(1, 2)), guild_id=SMALL)

    await services.planner.plan_pending()

    assert len(fake_anthropic.requests) == 1
    big = await services.summarizer.server_usage(BIG)
    small = await services.summarizer.server_usage(SMALL)
    assert big.spent_today_usd == pytest.approx(small.spent_today_usd) != 0


async def test_digests_without_a_language_use_their_servers_default(
    services: Services, fake_arxiv: FakeArxiv, fake_anthropic: FakeAnthropic
) -> None:
    await announce(services, fake_arxiv, make_papers(2))
    await guild_settings.set_language(services.db, BIG, "de")
    await add_digest(services, 100, problems(range(1, 2)), guild_id=BIG)
    # Its own language wins over its server's.
    await add_digest(services, 300, problems(range(2, 3)), guild_id=3, language="fr")
    await guild_settings.set_language(services.db, 3, "ja")
    await add_digest(services, 200, problems(range(2, 3)), guild_id=SMALL)

    await services.planner.plan_pending()

    asked = sorted((r.paper_field("arXiv id"), r.language) for r in fake_anthropic.requests)
    assert asked == [("2508.00001v1", "de"), ("2508.00002v1", "en"), ("2508.00002v1", "fr")]


@pytest.mark.parametrize("place", [PostPlace.THREAD, PostPlace.FORUM])
async def test_a_threaded_post_is_its_header_alone_then_the_papers(
    services: Services, fake_arxiv: FakeArxiv, place: PostPlace
) -> None:
    await announce(services, fake_arxiv, make_papers(3))
    await add_digest(
        services, 100, problems(range(1, 4)), guild_id=SMALL, place=place, mention_role=77
    )

    await services.planner.plan_pending()

    header, *papers = await deliveries.pending_messages(services.db, TargetKey.channel(100))
    body = json.loads(header.payload)
    assert body["embeds"] == [] and header.base_ids == ()
    assert body["content"].startswith("<@&77> arXiv cs.AI for ")
    assert body["allowed_mentions"] == {"parse": [], "roles": [77]}
    assert header.thread is not None and header.thread.place is place
    assert header.thread.name == "cs.AI · 2025-08-20 · 3 papers"
    assert [b for m in papers for b in m.base_ids] == [f"2508.0000{n}" for n in (1, 2, 3)]
    assert all(json.loads(m.payload)["allowed_mentions"] == {"parse": []} for m in papers)
