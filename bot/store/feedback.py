"""Queries for feedback marks and button clicks (tables of migrations/0003).

A member has at most one mark per paper: "More like this" or "Not interested". Clicking the
same button again removes it, the other button changes it. Other buttons (Details, Deep
dive, Save) are counted once per member, paper and channel, for the channel's tally.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.models import Paper
from bot.paper_actions import PaperAction
from bot.store.codec import datetime_text, fetch_all
from bot.store.db import Database, Row
from bot.store.papers import paper_from_row


class Verdict(StrEnum):
    """A member's mark on a paper (the value is stored)."""

    MORE = "more"  # "More like this"
    LESS = "less"  # "Not interested"


class MarkChange(StrEnum):
    """What a click on a feedback button did to the member's mark."""

    RECORDED = "recorded"
    CHANGED = "changed"
    #: The same button again: the mark is gone.
    UNDONE = "undone"
    #: The paper version is not in the database; nothing was recorded.
    UNKNOWN_PAPER = "unknown-paper"


@dataclass(frozen=True, slots=True)
class MarkedPaper:
    """A paper a member marked, and how."""

    paper: Paper
    verdict: Verdict
    marked_at: dt.datetime


_SELECT_MARKED = """
SELECT p.base_id, p.version, p.title, p.abstract, p.authors, p.categories, p.primary_category,
       p.comment, p.journal_ref, p.doi, p.published, p.updated, f.verdict, f.marked_at
FROM paper_feedback AS f
JOIN papers AS p ON p.base_id = f.base_id AND p.version = f.version
WHERE f.user_id = ?
ORDER BY f.marked_at DESC, f.rowid DESC
LIMIT ?
"""

# Only papers delivered to the channel count: a click always comes from a delivered paper,
# and this keeps the tally about the digest even if a caller passes the wrong channel.
_DELIVERED_HERE = """EXISTS (SELECT 1 FROM delivered_papers AS d
    WHERE d.target_kind = 'channel' AND d.target_id = :channel AND d.base_id = x.base_id)"""
_TALLY = f"""
SELECT x.action, count(*) AS n FROM paper_action_clicks AS x
WHERE x.channel_id = :channel AND x.first_at >= :since AND {_DELIVERED_HERE}
GROUP BY x.action
UNION ALL
SELECT x.verdict, count(*) FROM paper_feedback AS x
WHERE x.channel_id = :channel AND x.marked_at >= :since AND {_DELIVERED_HERE}
GROUP BY x.verdict
"""  # noqa: S608 - composed of constants only; values are bound parameters


async def toggle_mark(
    db: Database,
    user_id: int,
    base_id: str,
    version: int,
    verdict: Verdict,
    *,
    channel_id: int | None,
    now: dt.datetime,
) -> MarkChange:
    """Apply one click of `verdict`'s button by `user_id` on a paper version."""
    async with db.transaction() as conn:
        known = await conn.fetch_one(
            "SELECT 1 FROM papers WHERE base_id = ? AND version = ?", (base_id, version)
        )
        if known is None:
            return MarkChange.UNKNOWN_PAPER
        row = await conn.fetch_one(
            "SELECT verdict FROM paper_feedback WHERE user_id = ? AND base_id = ?",
            (user_id, base_id),
        )
        if row is not None and row["verdict"] == verdict.value:
            await conn.execute(
                "DELETE FROM paper_feedback WHERE user_id = ? AND base_id = ?", (user_id, base_id)
            )
            return MarkChange.UNDONE
        await conn.execute(
            "INSERT INTO paper_feedback (user_id, base_id, version, verdict, channel_id,"
            " marked_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, base_id) DO UPDATE SET"
            " version = excluded.version, verdict = excluded.verdict,"
            " channel_id = coalesce(excluded.channel_id, paper_feedback.channel_id),"
            " marked_at = excluded.marked_at",
            (user_id, base_id, version, verdict.value, channel_id, datetime_text(now)),
        )
    return MarkChange.RECORDED if row is None else MarkChange.CHANGED


async def clear_mark(db: Database, user_id: int, base_id: str) -> bool:
    """Remove `user_id`'s mark on a paper; return whether there was one."""
    async with db.transaction() as conn:
        removed = await conn.execute(
            "DELETE FROM paper_feedback WHERE user_id = ? AND base_id = ?", (user_id, base_id)
        )
        return removed > 0


async def marked_papers(db: Database, user_id: int, *, limit: int) -> list[MarkedPaper]:
    """Return `user_id`'s marks, newest first, at most `limit`."""
    rows = await fetch_all(db, _SELECT_MARKED, (user_id, limit))
    return [_marked(row) for row in rows]


async def users_with_marks(db: Database) -> set[int]:
    """Return every member who has at least one mark (their digests are ranked by them)."""
    rows = await fetch_all(db, "SELECT DISTINCT user_id FROM paper_feedback")
    return {int(row[0]) for row in rows}


async def record_click(
    db: Database,
    channel_id: int,
    base_id: str,
    user_id: int,
    action: PaperAction,
    *,
    now: dt.datetime,
) -> None:
    """Count `user_id`'s use of `action` on a paper delivered to `channel_id` (once)."""
    if action.is_feedback:
        raise ValueError(f"{action} is a mark: record it with toggle_mark")
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO paper_action_clicks (channel_id, base_id, user_id, action, first_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (channel_id, base_id, user_id, action.value, datetime_text(now)),
        )


async def channel_tally(
    db: Database, channel_id: int, *, since: dt.datetime | None = None
) -> dict[PaperAction, int]:
    """Return, per action, how many members used it on the channel's delivered papers.

    For the marks it is the marks standing now (a changed or undone mark moves or leaves
    the count); for the other buttons, members who clicked, once per paper.
    """
    start = datetime_text(since) if since is not None else ""
    rows = await fetch_all(db, _TALLY, {"channel": channel_id, "since": start})
    return {PaperAction(row[0]): int(row[1]) for row in rows}


def _marked(row: Row) -> MarkedPaper:
    return MarkedPaper(
        paper=paper_from_row(row),
        verdict=Verdict(row["verdict"]),
        marked_at=dt.datetime.fromisoformat(row["marked_at"]).astimezone(dt.UTC),
    )
