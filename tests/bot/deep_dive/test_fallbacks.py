"""When there is no deep dive, the member hears why; nothing failed is cached; one budget."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from bot.deep_dive import DeepDiver
from bot.models import FallbackReason
from bot.store.db import Database
from bot.summarize import ClaudeClient, Summarizer, load_prompts, open_sdk_client
from bot.summarize.spending import Payers
from tests.bot.deep_dive.conftest import DeepDiverFactory, paper, served
from tests.bot.summarize.conftest import Clock, make_settings
from tests.fakes.anthropic_server import FakeAnthropic, Reply

Setup = Callable[[DeepDiverFactory, FakeAnthropic], Awaitable[DeepDiver]]


def scripted(*replies: Reply, **overrides: Any) -> Setup:
    async def setup(build: DeepDiverFactory, fake: FakeAnthropic) -> DeepDiver:
        fake.script(*replies)
        return await build(**overrides)

    return setup


async def no_api_key(build: DeepDiverFactory, fake: FakeAnthropic) -> DeepDiver:
    return await build(api_key=False)


async def server_share_spent(build: DeepDiverFactory, fake: FakeAnthropic) -> DeepDiver:
    # A deep dive costs more than a $0.0005 share: one spends it for the server.
    diver = await build(daily_budget_usd=1.0, guild_daily_budget_share=0.0005)
    first = await diver.deep_dive(served(fake, paper(2)), "en", payers=PAYERS[SERVER_BUDGET])
    assert first.deep_dive is not None
    return diver


CASES: dict[FallbackReason, Setup] = {
    FallbackReason.NO_API_KEY: no_api_key,
    FallbackReason.BUDGET: scripted(daily_budget_usd=0.0),
    FallbackReason.SERVER_BUDGET: server_share_spent,
    FallbackReason.TIMEOUT: scripted(Reply.slow(), anthropic_timeout_seconds=0.2),
    FallbackReason.OVERLOADED: scripted(Reply.overloaded()),
    FallbackReason.RATE_LIMITED: scripted(Reply.rate_limited(retry_after="30")),
    FallbackReason.API_ERROR: scripted(Reply.server_error()),
    FallbackReason.INVALID_OUTPUT: scripted(Reply.raw_text("not json"), Reply.raw_text("{")),
    FallbackReason.INVALID_ANSWER: scripted(Reply.html()),
}

SERVER_BUDGET = FallbackReason.SERVER_BUDGET
#: Whom the deep dive is for, where it matters (by default: nobody in particular).
PAYERS = {SERVER_BUDGET: Payers.server(1)}


def test_every_reason_has_a_case() -> None:
    # NOT_SUMMARIZED is what "Details" says of a paper with no stored summary; no call fails so.
    assert set(CASES) == set(FallbackReason) - {FallbackReason.NOT_SUMMARIZED}


@pytest.mark.parametrize("reason", list(CASES), ids=lambda reason: reason.name)
async def test_each_failure_is_a_reason_and_is_not_cached(
    reason: FallbackReason, build: DeepDiverFactory, fake_anthropic: FakeAnthropic
) -> None:
    diver = await CASES[reason](build, fake_anthropic)
    asked = len(fake_anthropic.requests)
    outcome = await diver.deep_dive(
        served(fake_anthropic, paper(1)), "en", payers=PAYERS.get(reason)
    )
    assert (outcome.deep_dive, outcome.fallback) == (None, reason)
    if reason in (FallbackReason.NO_API_KEY, FallbackReason.BUDGET, SERVER_BUDGET):
        assert len(fake_anthropic.requests) == asked  # Claude was not asked
        return
    # The next click asks Claude again, and this time gets a deep dive.
    asked = len(fake_anthropic.requests)
    retry = await (await build()).deep_dive(paper(1), "en")
    assert retry.deep_dive is not None
    assert len(fake_anthropic.requests) == asked + 1


async def test_a_pdf_the_api_cannot_download_is_an_api_error(
    build: DeepDiverFactory, fake_anthropic: FakeAnthropic
) -> None:
    outcome = await (await build()).deep_dive(paper(1), "en")  # its PDF is not served
    assert outcome.fallback is FallbackReason.API_ERROR


async def test_an_answer_that_breaks_the_schema_is_retried_once(
    build: DeepDiverFactory, fake_anthropic: FakeAnthropic
) -> None:
    too_long = {"overview": "x" * 501, "method": "m", "experiments": "e", "limitations": "l"}
    fake_anthropic.script(Reply.output({**too_long, "key_numbers": []}))
    outcome = await (await build()).deep_dive(served(fake_anthropic, paper(1)), "en")
    assert outcome.deep_dive is not None
    assert len(fake_anthropic.requests) == 2


@pytest.mark.parametrize(
    "reply",
    [Reply.json_body({"hello": "world"}), Reply.without_usage(), Reply.truncated()],
    ids=["other-json", "no-usage", "truncated"],
)
async def test_an_answer_that_is_not_a_message_is_an_invalid_answer(
    reply: Reply, build: DeepDiverFactory, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.script(reply)
    outcome = await (await build()).deep_dive(served(fake_anthropic, paper(1)), "en")
    assert outcome.fallback is FallbackReason.INVALID_ANSWER


async def test_an_answer_cut_off_by_max_tokens_is_not_shown(
    build: DeepDiverFactory, fake_anthropic: FakeAnthropic
) -> None:
    cut = Reply.output({"overview": "half"}, stop_reason="max_tokens")
    fake_anthropic.script(cut, cut)
    outcome = await (await build()).deep_dive(served(fake_anthropic, paper(1)), "en")
    assert outcome.fallback is FallbackReason.INVALID_OUTPUT


# -- one budget for summaries and deep dives ------------------------------------------------


async def test_deep_dives_spend_from_the_summaries_budget(
    build: DeepDiverFactory, fake_anthropic: FakeAnthropic, db: Database
) -> None:
    settings = make_settings(fake_anthropic, daily_budget_usd=0.000_1)
    diver = await build(daily_budget_usd=0.000_1)
    assert (await diver.deep_dive(served(fake_anthropic, paper(1)), "en")).deep_dive
    async with open_sdk_client(settings) as sdk:
        assert sdk is not None
        summaries = Summarizer(
            db, ClaudeClient(sdk, model=settings.anthropic_model), settings,
            prompts=load_prompts(), clock=Clock(),
        )  # fmt: skip
        outcome = await summaries.summarize(paper(2), "en")
        assert outcome.fallback is FallbackReason.BUDGET
        report = await summaries.usage_report()
    assert report.today.calls == 1  # the deep dive: /status shows what it cost
    assert report.today.cost_usd > 0.000_1
    assert len(fake_anthropic.requests) == 1


async def test_summaries_spending_stops_deep_dives(
    build: DeepDiverFactory, fake_anthropic: FakeAnthropic, db: Database
) -> None:
    settings = make_settings(fake_anthropic, daily_budget_usd=0.000_1)
    async with open_sdk_client(settings) as sdk:
        assert sdk is not None
        summaries = Summarizer(
            db, ClaudeClient(sdk, model=settings.anthropic_model), settings,
            prompts=load_prompts(), clock=Clock(),
        )  # fmt: skip
        assert (await summaries.summarize(paper(2), "en")).summary is not None
    diver = await build(daily_budget_usd=0.000_1)
    outcome = await diver.deep_dive(served(fake_anthropic, paper(1)), "en")
    assert outcome.fallback is FallbackReason.BUDGET
    assert len(fake_anthropic.requests) == 1


async def test_each_deep_dive_call_is_recorded_with_what_the_pdf_cost(
    build: DeepDiverFactory, fake_anthropic: FakeAnthropic, db: Database
) -> None:
    fake_anthropic.script(Reply.raw_text("not json"))
    long_paper = served(fake_anthropic, paper(1), text="word " * 20_000)
    await (await build()).deep_dive(long_paper, "en")
    rows = await db.fetch_all("SELECT purpose, valid, input_tokens FROM claude_usage ORDER BY id")
    assert [(r["purpose"], r["valid"]) for r in rows] == [("deep-dive", 0), ("deep-dive", 1)]
    # The usage the API reports includes the PDF (the fake bills its 100,000 characters).
    assert all(r["input_tokens"] > 25_000 for r in rows)
