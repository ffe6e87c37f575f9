"""Queries of bot/store/summaries.py on each backend (migration 0002)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.models import FallbackReason, Summary
from bot.store import summaries as store
from bot.store.db import Database, load_migrations, open_database
from bot.store.sqlite import _split_sql
from bot.store.summaries import SummaryKey

KEY = SummaryKey("2604.00001", 2, "en", "abc123def456", "claude-haiku-4-5")
NOON = dt.datetime(2026, 4, 28, 12, 0, tzinfo=dt.UTC)
SUMMARY = Summary("TL;DR.", "Why.", "How.", "What.", model=KEY.model, language=KEY.language)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """Open a migrated database, once per backend."""
    async with open_database(database_url) as database:
        yield database


def test_migration_0002_needs_no_table_of_0001() -> None:
    (sql,) = [text for number, _, text in load_migrations() if number == 2]
    conn = sqlite3.connect(":memory:")
    for statement in _split_sql(sql):
        conn.execute(statement)
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"summaries", "claude_usage", "summary_budget_hits", "summary_fallbacks"} <= tables


async def test_stored_summary_is_read_back_under_its_key(db: Database) -> None:
    await store.put_summary(db, KEY, SUMMARY, NOON)
    assert await store.get_summary(db, KEY) == SUMMARY


@pytest.mark.parametrize(
    "field, value",
    [
        ("version", 1),
        ("language", "de"),
        ("prompt_version", "000000000000"),
        ("model", "claude-opus-4-6"),
    ],
)
async def test_every_part_of_the_key_matters(db: Database, field: str, value: Any) -> None:
    await store.put_summary(db, KEY, SUMMARY, NOON)
    other = dataclasses.replace(KEY, **{field: value})
    assert await store.get_summary(db, other) is None


async def test_a_second_summary_for_the_same_key_keeps_the_first(db: Database) -> None:
    await store.put_summary(db, KEY, SUMMARY, NOON)
    later = Summary("Other.", "x", "y", "z", model=KEY.model, language=KEY.language)
    await store.put_summary(db, KEY, later, NOON)
    assert await store.get_summary(db, KEY) == SUMMARY


async def test_usage_is_summed_per_utc_day_and_month(db: Database) -> None:
    for moment, tokens in ((NOON, 100), (NOON + dt.timedelta(hours=11, minutes=59), 10)):
        await store.record_usage(
            db, KEY, now=moment, input_tokens=tokens, output_tokens=1, cost_usd=0.5, valid=True
        )
    await store.record_usage(
        db, KEY, now=NOON + dt.timedelta(days=1), input_tokens=1000, output_tokens=1,
        cost_usd=2.0, valid=False,
    )  # fmt: skip
    day = await store.usage_for_day(db, "2026-04-28")
    month = await store.usage_for_month(db, "2026-04")
    assert (day.calls, day.input_tokens, day.output_tokens, day.cost_usd) == (2, 110, 2, 1.0)
    assert (month.calls, month.input_tokens, month.cost_usd) == (3, 1110, 3.0)


async def test_period_without_calls_has_zero_totals(db: Database) -> None:
    assert await store.usage_for_day(db, "2026-01-01") == store.UsageTotals()


async def test_budget_hits_count_skipped_papers_and_keep_the_first_time(db: Database) -> None:
    for minutes in (0, 5, 9):
        await store.record_budget_hit(
            db, scope="daily", period="2026-04-28", spent_usd=1.5, cap_usd=1.0,
            now=NOON + dt.timedelta(minutes=minutes),
        )  # fmt: skip
    (hit,) = await store.budget_hits(db, day="2026-04-28", month="2026-04")
    assert hit.papers_skipped == 3
    assert hit.first_hit_at == NOON
    assert hit.last_hit_at == NOON + dt.timedelta(minutes=9)


async def test_budget_hits_of_other_periods_are_not_reported(db: Database) -> None:
    await store.record_budget_hit(
        db, scope="daily", period="2026-04-27", spent_usd=1, cap_usd=1, now=NOON
    )
    assert await store.budget_hits(db, day="2026-04-28", month="2026-04") == []


async def test_recent_fallbacks_come_newest_first(db: Database) -> None:
    for minutes, reason in ((0, FallbackReason.TIMEOUT), (1, FallbackReason.OVERLOADED)):
        await store.record_fallback(db, KEY, reason, "", NOON + dt.timedelta(minutes=minutes))
    assert [f.reason for f in await store.recent_fallbacks(db)] == [
        FallbackReason.OVERLOADED,
        FallbackReason.TIMEOUT,
    ]


async def test_fallbacks_older_than_the_retention_are_forgotten(db: Database) -> None:
    await store.record_fallback(db, KEY, FallbackReason.TIMEOUT, "old", NOON)
    later = NOON + store.FALLBACK_RETENTION + dt.timedelta(seconds=1)
    await store.record_fallback(db, KEY, FallbackReason.API_ERROR, "new", later)
    assert [f.detail for f in await store.recent_fallbacks(db)] == ["new"]


async def test_naive_times_are_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.put_summary(db, KEY, SUMMARY, dt.datetime(2026, 4, 28, 12))  # noqa: DTZ001
