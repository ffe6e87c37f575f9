"""Answers from the Messages API that are not messages: the paper still goes out, once.

A 200 can carry an HTML page (a proxy, a captive portal), JSON of another shape, a message
without `usage`, or a body cut short. None of them may stop a digest: each paper falls back to
its abstract with the reason "invalid answer", is counted for /status, logged once, and asked
again on the next run (fallbacks are never cached).
"""

from __future__ import annotations

import logging
import sqlite3

import pytest

from bot.models import FallbackReason
from bot.store.db import Database
from tests.bot.summarize.conftest import SummarizerFactory, make_paper
from tests.fakes.anthropic_server import FakeAnthropic, Reply

INVALID_ANSWERS = {
    "html-page": Reply.html(),
    "json-of-another-shape": Reply.json_body({"status": "ok", "data": [1, 2, 3]}),
    "json-list": Reply.json_body([{"type": "text", "text": "hello"}]),
    "message-without-usage": Reply.without_usage(),
    "truncated-json": Reply.truncated(),
}


@pytest.mark.parametrize("answer", list(INVALID_ANSWERS.values()), ids=list(INVALID_ANSWERS))
async def test_invalid_answer_falls_back_and_is_retried_next_time(
    answer: Reply, build: SummarizerFactory, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.script(answer)
    summarizer = await build()

    first = await summarizer.summarize(make_paper(1), "en")
    second = await summarizer.summarize(make_paper(1), "en")

    assert first.summary is None
    assert first.fallback == FallbackReason.INVALID_ANSWER
    assert second.summary is not None, "a fallback must not be cached"
    assert len(fake_anthropic.requests) == 2


async def test_invalid_answers_are_counted_for_status(
    build: SummarizerFactory, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.script(Reply.html(), Reply.json_body({"unexpected": True}), Reply.overloaded())
    summarizer = await build()
    for number in (1, 2, 3):
        await summarizer.summarize(make_paper(number), "en")

    report = await summarizer.usage_report()

    assert report.fallbacks_today == (
        (FallbackReason.INVALID_ANSWER, 2),
        (FallbackReason.OVERLOADED, 1),
    )
    details = [f.detail for f in report.recent_fallbacks if f.reason == "invalid answer"]
    assert len(details) == 2
    assert all("not a message" in detail for detail in details)


async def test_an_html_answer_is_logged_once_without_a_traceback(
    build: SummarizerFactory, fake_anthropic: FakeAnthropic, caplog: pytest.LogCaptureFixture
) -> None:
    fake_anthropic.script(Reply.html())
    summarizer = await build()
    with caplog.at_level(logging.DEBUG, logger="bot"):
        await summarizer.summarize(make_paper(1), "en")

    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "invalid answer" in warnings[0].getMessage()
    assert "<h1>Welcome" in warnings[0].getMessage()
    assert warnings[0].exc_info is None


async def test_one_invalid_answer_does_not_stop_the_other_papers(
    build: SummarizerFactory, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.script(Reply.json_body({"type": "message"}))
    summarizer = await build(summary_concurrency=1)
    papers = [make_paper(number) for number in range(1, 6)]

    outcomes = await summarizer.summarize_many(papers, "en")

    fallbacks = [o.fallback for o in outcomes.values() if o.summary is None]
    assert fallbacks == [FallbackReason.INVALID_ANSWER]
    assert sum(o.summary is not None for o in outcomes.values()) == 4


async def test_any_other_failure_inside_the_summarizer_falls_back_too(
    build: SummarizerFactory,
    db: Database,
    fake_anthropic: FakeAnthropic,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A fault from outside the code: another process drops the summary cache's table.
    with sqlite3.connect(db.path) as other:
        other.execute("DROP TABLE summaries")
    summarizer = await build()

    with caplog.at_level(logging.WARNING, logger="bot"):
        outcome = await summarizer.summarize(make_paper(1), "en")

    assert outcome.fallback == FallbackReason.INVALID_ANSWER
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "no such table: summaries" in warning.getMessage()
    assert warning.exc_info is None  # one line; the traceback is logged at DEBUG only
