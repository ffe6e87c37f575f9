"""Every fallback reason: the paper still goes out, with its abstract and a notice saying why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.models import DigestItem, FallbackReason
from bot.render import render_single
from bot.summarize import Summarizer
from bot.summarize.spending import Payers
from bot.words import fallback_notice
from tests.bot.summarize.conftest import SummarizerFactory, make_paper
from tests.fakes.anthropic_server import FakeAnthropic, Reply

Setup = Callable[[SummarizerFactory, FakeAnthropic], Awaitable[Summarizer]]


async def no_api_key(build: SummarizerFactory, fake: FakeAnthropic) -> Summarizer:
    return await build(api_key=False)


async def budget_spent(build: SummarizerFactory, fake: FakeAnthropic) -> Summarizer:
    return await build(daily_budget_usd=0.0)


async def server_share_spent(build: SummarizerFactory, fake: FakeAnthropic) -> Summarizer:
    # One call spends a $0.0005 share (tests/bot/summarize/test_server_share.py).
    summarizer = await build(daily_budget_usd=1.0, guild_daily_budget_share=0.0005)
    await summarizer.summarize(make_paper(2), "en", payers=PAYERS[FallbackReason.SERVER_BUDGET])
    return summarizer


def scripted(*replies: Reply, **overrides: Any) -> Setup:
    async def setup(build: SummarizerFactory, fake: FakeAnthropic) -> Summarizer:
        fake.script(*replies)
        return await build(**overrides)

    return setup


CASES: dict[FallbackReason, Setup] = {
    FallbackReason.NO_API_KEY: no_api_key,
    FallbackReason.BUDGET: budget_spent,
    FallbackReason.SERVER_BUDGET: server_share_spent,
    FallbackReason.TIMEOUT: scripted(Reply.slow(), anthropic_timeout_seconds=0.2),
    FallbackReason.OVERLOADED: scripted(Reply.overloaded()),
    FallbackReason.RATE_LIMITED: scripted(Reply.rate_limited(retry_after="30")),
    FallbackReason.API_ERROR: scripted(Reply.server_error()),
    FallbackReason.INVALID_OUTPUT: scripted(Reply.raw_text("not json"), Reply.raw_text("{")),
    FallbackReason.INVALID_ANSWER: scripted(Reply.html()),
}


#: Whom the paper is summarized for, where it matters (by default: nobody in particular).
PAYERS = {FallbackReason.SERVER_BUDGET: Payers.server(1)}


def test_every_reason_has_a_case() -> None:
    # NOT_SUMMARIZED is what "Details" says of a paper with no stored summary; no call fails so.
    assert set(CASES) == set(FallbackReason) - {FallbackReason.NOT_SUMMARIZED}


@pytest.mark.parametrize("reason", list(CASES), ids=lambda reason: reason.name)
async def test_fallback_reason_reaches_the_item(
    reason: FallbackReason, build: SummarizerFactory, fake_anthropic: FakeAnthropic
) -> None:
    summarizer = await CASES[reason](build, fake_anthropic)
    outcome = await summarizer.summarize(make_paper(1), "en", payers=PAYERS.get(reason))
    assert outcome.summary is None
    assert outcome.fallback == reason


@pytest.mark.parametrize("reason", list(CASES), ids=lambda reason: reason.name)
async def test_fallback_payload_shows_notice_and_abstract(
    reason: FallbackReason, build: SummarizerFactory, fake_anthropic: FakeAnthropic
) -> None:
    paper = make_paper(1)
    summarizer = await CASES[reason](build, fake_anthropic)
    outcome = await summarizer.summarize(paper, "en", payers=PAYERS.get(reason))
    item = DigestItem(paper, ("sparse attention",), outcome.summary, outcome.fallback)

    embed = render_single(item).to_payload()["embeds"][0]  # type: ignore[index]

    notice = f"Automated summary unavailable ({reason}); showing the abstract."
    assert fallback_notice(item) == notice
    assert notice in embed["description"]
    assert "We study sparse attention" in embed["description"]
    assert embed["url"] == "https://arxiv.org/abs/2604.00001"
    assert embed["footer"]["text"].endswith(f"abstract only ({reason})")


async def test_summarized_item_footer_names_the_model(build: SummarizerFactory) -> None:
    paper = make_paper(1)
    outcome = await (await build()).summarize(paper, "en")
    item = DigestItem(paper, (), outcome.summary, outcome.fallback)
    embed = render_single(item).to_payload()["embeds"][0]  # type: ignore[index]
    assert embed["footer"]["text"].endswith("summary by claude-haiku-4-5")
    assert fallback_notice(item) is None


@pytest.mark.parametrize(
    "failures",
    [(Reply.server_error(),), (Reply.overloaded(),), (Reply.raw_text("{"), Reply.raw_text("{"))],
    ids=["api-error", "overloaded", "invalid-output"],
)
async def test_fallback_is_not_cached_so_the_next_run_retries(
    failures: tuple[Reply, ...], build: SummarizerFactory, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.script(*failures)
    summarizer = await build()
    first = await summarizer.summarize(make_paper(1), "en")
    second = await summarizer.summarize(make_paper(1), "en")
    assert first.fallback is not None
    assert second.summary is not None


async def test_fallback_is_recorded_for_status(
    build: SummarizerFactory, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.script(Reply.overloaded())
    summarizer = await build()
    await summarizer.summarize(make_paper(4), "de")
    report = await summarizer.usage_report()
    last = report.recent_fallbacks[0]
    assert (last.base_id, last.version, last.language) == ("2604.00004", 1, "de")
    assert last.reason == FallbackReason.OVERLOADED
    assert "529" in last.detail


async def test_no_api_key_makes_no_request_and_reports_unconfigured(
    build: SummarizerFactory, fake_anthropic: FakeAnthropic
) -> None:
    summarizer = await build(api_key=False)
    await summarizer.summarize(make_paper(1), "en")
    report = await summarizer.usage_report()
    assert fake_anthropic.requests == []
    assert summarizer.configured is False
    assert report.configured is False
