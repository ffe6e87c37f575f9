"""Queries for summaries and Claude usage (tables of migrations/0002_summaries.sql).

Writes go through `db.transaction()`, which takes turns on the shared connection: a write made
while another task's transaction is open would otherwise join it, and vanish if it rolls back
(a lost usage row would let spending pass the budget unseen).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from bot.models import FallbackReason, Summary
from bot.store.db import Connection, Database

FALLBACK_RETENTION = dt.timedelta(days=30)


@dataclass(frozen=True, slots=True)
class SummaryKey:
    """The cache key of a summary (docs/behaviour.md, "Summaries")."""

    base_id: str
    version: int
    language: str
    prompt_version: str
    model: str


@dataclass(frozen=True, slots=True)
class UsageTotals:
    """Claude calls, tokens and estimated cost over one period."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True, slots=True)
class BudgetHit:
    """A cap reached in a period, and how many papers fell back because of it."""

    scope: str
    period: str
    first_hit_at: dt.datetime
    last_hit_at: dt.datetime
    spent_usd: float
    cap_usd: float
    papers_skipped: int


@dataclass(frozen=True, slots=True)
class FallbackRecord:
    """One paper that went out abstract-only, and why."""

    at: dt.datetime
    base_id: str
    version: int
    language: str
    model: str
    reason: FallbackReason
    detail: str


def _text(moment: dt.datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: the store keeps timezone-aware UTC times")
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


async def get_summary(db: Database, key: SummaryKey) -> Summary | None:
    """Return the cached summary for `key`, if there is one."""
    row = await db.fetch_one(
        "SELECT tldr, motivation, method, results FROM summaries WHERE base_id = ? AND"
        " version = ? AND language = ? AND prompt_version = ? AND model = ?",
        (key.base_id, key.version, key.language, key.prompt_version, key.model),
    )
    if row is None:
        return None
    return Summary(
        tldr=row["tldr"],
        motivation=row["motivation"],
        method=row["method"],
        results=row["results"],
        model=key.model,
        language=key.language,
    )


@dataclass(frozen=True, slots=True)
class CallUsage:
    """One Claude call's record: tokens, cost, whether its answer passed, and who pays.

    `servers` are the servers the call was made for (each charged an even part of its cost,
    as `record_usage` says).
    """

    input_tokens: int
    output_tokens: int
    cost_usd: float
    valid: bool
    servers: tuple[int, ...] = ()


async def put_summary(
    db: Database,
    key: SummaryKey,
    summary: Summary,
    now: dt.datetime,
    *,
    usage: CallUsage | None = None,
) -> None:
    """Store a valid summary under `key`; an existing one for the same key is kept.

    With `usage`, the record of the call that produced it goes in the same transaction (one
    commit, one sync to disk per summary instead of two; `record_usage` says what it holds).
    """
    async with db.transaction() as conn:
        if usage is not None:
            await _insert_usage(conn, key, now, usage, "summary")
        await conn.execute(
            "INSERT INTO summaries (base_id, version, language, prompt_version, model, tldr,"
            " motivation, method, results, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (
                key.base_id,
                key.version,
                key.language,
                key.prompt_version,
                key.model,
                summary.tldr,
                summary.motivation,
                summary.method,
                summary.results,
                _text(now),
            ),
        )


async def count_summaries_since(db: Database, since: dt.datetime) -> int:
    """Return how many summaries were written at or after `since` (for /status)."""
    row = await db.fetch_one(
        "SELECT count(*) FROM summaries WHERE created_at >= ?", (_text(since),)
    )
    return int(row[0]) if row else 0


async def record_usage(
    db: Database,
    key: SummaryKey,
    *,
    now: dt.datetime,
    input_tokens: int,
    output_tokens: int,
    cost_usd: float,
    valid: bool,
    purpose: Literal["summary", "deep-dive"] = "summary",
    servers: Collection[int] = (),
) -> None:
    """Record one Claude call's tokens and estimated cost, in its UTC day and month.

    Summaries and deep dives share these records, and so the budget; `purpose` tells them apart.
    `servers` are the servers the call was made for: each is charged an even part of its cost
    against its share of the daily budget (GUILD_DAILY_BUDGET_SHARE).
    """
    usage = CallUsage(input_tokens, output_tokens, cost_usd, valid, tuple(servers))
    async with db.transaction() as conn:
        await _insert_usage(conn, key, now, usage, purpose)


async def _insert_usage(
    conn: Connection,
    key: SummaryKey,
    now: dt.datetime,
    usage: CallUsage,
    purpose: Literal["summary", "deep-dive"],
) -> None:
    """Insert one call's usage record (and its servers' parts) into the open transaction."""
    utc = now.astimezone(dt.UTC)
    day = utc.date().isoformat()
    row = await conn.fetch_one(
        "INSERT INTO claude_usage (at, day, month, model, base_id, version, language,"
        " input_tokens, output_tokens, cost_usd, valid, purpose)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            _text(utc),
            day,
            utc.strftime("%Y-%m"),
            key.model,
            key.base_id,
            key.version,
            key.language,
            usage.input_tokens,
            usage.output_tokens,
            usage.cost_usd,
            int(usage.valid),
            purpose,
        ),
    )
    if usage.servers and row is not None:
        part = usage.cost_usd / len(usage.servers)
        await conn.executemany(
            "INSERT INTO claude_usage_guilds (usage_id, guild_id, day, cost_usd)"
            " VALUES (?, ?, ?, ?)",
            [(int(row["id"]), server, day, part) for server in sorted(set(usage.servers))],
        )


async def server_spending(db: Database, day: str) -> dict[int, float]:
    """Return what each server was charged for Claude on UTC day `day` (servers charged only)."""
    rows = await db.fetch_all(
        "SELECT guild_id, sum(cost_usd) AS spent FROM claude_usage_guilds WHERE day = ?"
        " GROUP BY guild_id",
        (day,),
    )
    return {int(row["guild_id"]): float(row["spent"] or 0.0) for row in rows}


_TOTALS = "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cost_usd) FROM claude_usage"


async def usage_for_day(db: Database, day: str) -> UsageTotals:
    """Return the totals of UTC day `day` (`YYYY-MM-DD`)."""
    return await _totals(db, _TOTALS + " WHERE day = ?", day)


async def usage_for_month(db: Database, month: str) -> UsageTotals:
    """Return the totals of UTC month `month` (`YYYY-MM`)."""
    return await _totals(db, _TOTALS + " WHERE month = ?", month)


async def _totals(db: Database, sql: str, period: str) -> UsageTotals:
    row = await db.fetch_one(sql, (period,))
    if row is None:
        return UsageTotals()
    return UsageTotals(
        calls=int(row[0] or 0),
        input_tokens=int(row[1] or 0),
        output_tokens=int(row[2] or 0),
        cost_usd=float(row[3] or 0.0),
    )


async def record_budget_hit(
    db: Database, *, scope: str, period: str, spent_usd: float, cap_usd: float, now: dt.datetime
) -> None:
    """Record that a paper fell back because `scope`'s cap was reached in `period`."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO summary_budget_hits (scope, period, first_hit_at, last_hit_at, spent_usd,"
            " cap_usd, papers_skipped) VALUES (?, ?, ?, ?, ?, ?, 1)"
            " ON CONFLICT (scope, period) DO UPDATE SET last_hit_at = excluded.last_hit_at,"
            " spent_usd = excluded.spent_usd, cap_usd = excluded.cap_usd,"
            " papers_skipped = summary_budget_hits.papers_skipped + 1",
            (scope, period, _text(now), _text(now), spent_usd, cap_usd),
        )


async def budget_hits(db: Database, *, day: str, month: str) -> list[BudgetHit]:
    """Return the caps reached today (`day`) and this month (`month`)."""
    rows = await db.fetch_all(
        "SELECT scope, period, first_hit_at, last_hit_at, spent_usd, cap_usd, papers_skipped"
        " FROM summary_budget_hits WHERE (scope = 'daily' AND period = ?)"
        " OR (scope = 'monthly' AND period = ?) ORDER BY scope",
        (day, month),
    )
    return [
        BudgetHit(
            scope=row["scope"],
            period=row["period"],
            first_hit_at=_time(row["first_hit_at"]),
            last_hit_at=_time(row["last_hit_at"]),
            spent_usd=float(row["spent_usd"]),
            cap_usd=float(row["cap_usd"]),
            papers_skipped=int(row["papers_skipped"]),
        )
        for row in rows
    ]


async def record_fallback(
    db: Database, key: SummaryKey, reason: FallbackReason, detail: str, now: dt.datetime
) -> None:
    """Record why a paper went out abstract-only, and forget records past the retention."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO summary_fallbacks (at, base_id, version, language, model, reason, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (_text(now), key.base_id, key.version, key.language, key.model, reason.value, detail),
        )
        await conn.execute(
            "DELETE FROM summary_fallbacks WHERE at < ?", (_text(now - FALLBACK_RETENTION),)
        )


async def recent_fallbacks(db: Database, limit: int = 10) -> list[FallbackRecord]:
    """Return the latest fallbacks, newest first."""
    rows = await db.fetch_all(
        "SELECT at, base_id, version, language, model, reason, detail FROM summary_fallbacks"
        " ORDER BY at DESC, id DESC LIMIT ?",
        (limit,),
    )
    return [
        FallbackRecord(
            at=_time(row["at"]),
            base_id=row["base_id"],
            version=int(row["version"]),
            language=row["language"],
            model=row["model"],
            reason=FallbackReason(row["reason"]),
            detail=row["detail"],
        )
        for row in rows
    ]


async def fallbacks_since(db: Database, since: dt.datetime) -> list[tuple[FallbackReason, int]]:
    """Return how many fallbacks were recorded at or after `since`, per reason, most first."""
    rows = await db.fetch_all(
        "SELECT reason, count(*) AS papers FROM summary_fallbacks WHERE at >= ?"
        " GROUP BY reason ORDER BY papers DESC, reason",
        (_text(since),),
    )
    return [(FallbackReason(row["reason"]), int(row["papers"])) for row in rows]
