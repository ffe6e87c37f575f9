"""A summary and the usage record of the call that produced it are written together.

One transaction per summary (one commit, one sync to disk) instead of two; the usage record
must still never be lost, since spending past the budget unseen is what it prevents. The
database refuses writes here through a trigger that a second connection adds to the file,
as another process could: nothing in the bot is patched.
"""

from __future__ import annotations

import sqlite3

import pytest

from bot.errors import ConstraintError
from bot.store import summaries as store
from bot.store.db import Database
from bot.store.summaries import CallUsage
from bot.summarize import Summarizer
from tests.bot.summarize.conftest import NOON, SummarizerFactory, make_paper
from tests.bot.summarize.test_summary_store import KEY, SUMMARY
from tests.fakes.anthropic_server import FakeAnthropic

USAGE = CallUsage(input_tokens=1_200, output_tokens=300, cost_usd=0.0027, valid=True)


def _refuse_summaries(db: Database) -> None:
    """Make the database file refuse every new summary row (another connection's trigger)."""
    with sqlite3.connect(db.path) as other:
        other.execute(
            "CREATE TRIGGER refuse_summaries BEFORE INSERT ON summaries"
            " BEGIN SELECT RAISE(ABORT, 'no room for summaries'); END"
        )
    other.close()


async def test_a_summary_stored_with_its_usage_is_cached_and_counted(db: Database) -> None:
    await store.put_summary(db, KEY, SUMMARY, NOON, usage=USAGE)

    assert await store.get_summary(db, KEY) == SUMMARY
    today = await store.usage_for_day(db, NOON.date().isoformat())
    assert (today.calls, today.input_tokens, today.output_tokens) == (1, 1_200, 300)
    assert today.cost_usd == pytest.approx(0.0027)


async def test_a_summary_refused_takes_its_usage_record_with_it(db: Database) -> None:
    """One transaction: the store writes both or neither (the caller then records the usage)."""
    _refuse_summaries(db)

    with pytest.raises(ConstraintError, match="no room for summaries"):
        await store.put_summary(db, KEY, SUMMARY, NOON, usage=USAGE)

    assert (await store.usage_for_day(db, NOON.date().isoformat())).calls == 0


async def test_a_summary_that_cannot_be_cached_is_used_and_still_counts_against_the_budget(
    build: SummarizerFactory, fake_anthropic: FakeAnthropic, db: Database
) -> None:
    summarizer: Summarizer = await build(daily_budget_usd=5.0)
    _refuse_summaries(db)
    paper = make_paper(1)

    outcome = await summarizer.summarize(paper, "en")

    assert outcome.summary is not None
    report = await summarizer.usage_report()
    assert report.today.calls == 1
    assert report.today.cost_usd > 0
    assert report.summaries_today == 0  # nothing cached
    # Not cached: the next request asks Claude again.
    await summarizer.summarize(paper, "en")
    assert len(fake_anthropic.requests) == 2
    assert (await summarizer.usage_report()).today.calls == 2
