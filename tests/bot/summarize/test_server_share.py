"""GUILD_DAILY_BUDGET_SHARE: one server cannot spend the whole daily budget.

A fake Anthropic call costs about $0.0009 here (its usage counts a token per 4 characters);
with DAILY_BUDGET_USD=1 and a share of 0.0005 a server's share is $0.0005: one call spends it.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import Settings
from bot.models import FallbackReason
from bot.summarize.spending import Payers
from tests.bot.summarize.conftest import Clock, SummarizerFactory, make_paper
from tests.fakes.anthropic_server import FakeAnthropic

A, B = 111, 222
SHARE = {"daily_budget_usd": 1.0, "guild_daily_budget_share": 0.0005}


async def test_a_server_past_its_share_gets_abstracts_while_another_still_gets_summaries(
    build: SummarizerFactory, fake_anthropic: FakeAnthropic
) -> None:
    summarizer = await build(**SHARE)
    first = await summarizer.summarize(make_paper(1), "en", payers=Payers.server(A))
    assert first.summary is not None

    held = await summarizer.summarize(make_paper(2), "en", payers=Payers.server(A))
    other = await summarizer.summarize(make_paper(3), "en", payers=Payers.server(B))

    assert held.fallback is FallbackReason.SERVER_BUDGET
    assert other.summary is not None
    assert len(fake_anthropic.requests) == 2  # the held paper cost nothing


async def test_a_summary_already_made_is_free_for_a_server_past_its_share(
    build: SummarizerFactory,
) -> None:
    summarizer = await build(**SHARE)
    await summarizer.summarize(make_paper(1), "en", payers=Payers.server(A))
    await summarizer.summarize(make_paper(2), "en", payers=Payers.server(B))

    cached = await summarizer.summarize(make_paper(2), "en", payers=Payers.server(A))

    assert cached.summary is not None


async def test_a_call_for_two_servers_is_charged_half_to_each(build: SummarizerFactory) -> None:
    summarizer = await build(daily_budget_usd=1.0)

    await summarizer.summarize(make_paper(1), "en", payers=Payers.server(A) | Payers.server(B))

    a, b = await summarizer.server_usage(A), await summarizer.server_usage(B)
    total = (await summarizer.usage_report()).today.cost_usd
    assert a.spent_today_usd == pytest.approx(total / 2)
    assert b.spent_today_usd == pytest.approx(total / 2)
    assert a.share_usd is None  # no share set: no per-server limit


async def test_a_server_with_share_left_pays_for_a_paper_both_servers_want(
    build: SummarizerFactory,
) -> None:
    summarizer = await build(**SHARE)
    await summarizer.summarize(make_paper(1), "en", payers=Payers.server(A))
    before = (await summarizer.server_usage(A)).spent_today_usd

    both = await summarizer.summarize(
        make_paper(2), "en", payers=Payers.server(A) | Payers.server(B)
    )

    assert both.summary is not None
    assert (await summarizer.server_usage(A)).spent_today_usd == before
    assert (await summarizer.server_usage(B)).spent_today_usd > 0


async def test_members_dms_are_not_held_back_by_a_servers_share(
    build: SummarizerFactory,
) -> None:
    summarizer = await build(**SHARE)
    await summarizer.summarize(make_paper(1), "en", payers=Payers.server(A))

    dm = await summarizer.summarize(make_paper(2), "en", payers=Payers.server(A) | Payers())

    assert dm.summary is not None


async def test_a_servers_share_comes_back_the_next_utc_day(build: SummarizerFactory) -> None:
    clock = Clock()
    summarizer = await build(clock=clock, **SHARE)
    await summarizer.summarize(make_paper(1), "en", payers=Payers.server(A))
    assert (await summarizer.server_usage(A)).share_reached

    clock.now += dt.timedelta(days=1)

    assert not (await summarizer.server_usage(A)).share_reached
    again = await summarizer.summarize(make_paper(2), "en", payers=Payers.server(A))
    assert again.summary is not None


async def test_the_server_fallback_is_counted_for_status(build: SummarizerFactory) -> None:
    summarizer = await build(**SHARE)
    await summarizer.summarize(make_paper(1), "en", payers=Payers.server(A))
    await summarizer.summarize(make_paper(2), "en", payers=Payers.server(A))

    report = await summarizer.usage_report()

    assert dict(report.fallbacks_today) == {FallbackReason.SERVER_BUDGET: 1}


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"guild_daily_budget_share": 0.5}, "needs DAILY_BUDGET_USD"),
        ({"daily_budget_usd": 1, "guild_daily_budget_share": 0}, "greater than 0"),
        ({"daily_budget_usd": 1, "guild_daily_budget_share": 1.5}, "less than or equal to 1"),
    ],
    ids=["without a daily cap", "zero", "more than the whole"],
)
def test_a_share_that_means_nothing_is_refused(values: dict[str, float], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        Settings(_env_file=None, **values)  # type: ignore[call-arg]
