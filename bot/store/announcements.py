"""Announcements: which paper versions a day's mailing announced, in feed order.

An announcement is keyed by (date, feed key), the feed key being the request's categories,
sorted: fetching the same feed twice records nothing twice, and a later fetch of the same day
(a retry after an empty feed, an on-demand fetch) may add entries. Each entry keeps its own
categories, so a digest asks for "the entries of date D in categories X" whatever request
brought them in.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence

from bot.errors import StorageError
from bot.models import AnnounceType, Paper
from bot.store.codec import (
    date_text,
    datetime_text,
    fetch_all,
    fetch_one,
    json_text,
    unique,
)
from bot.store.db import Database
from bot.store.papers import paper_from_row, upsert_papers_in_transaction
from bot.timeutil import utc_now

_INSERT_ENTRY = """
INSERT INTO announcement_entries
    (announcement_id, base_id, version, announce_type, position, categories)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (announcement_id, base_id) DO UPDATE SET
    version = excluded.version,
    announce_type = excluded.announce_type,
    categories = excluded.categories
WHERE excluded.version > announcement_entries.version
"""

# The entries of one date whose categories meet the wanted ones, one row per base id (the
# highest version if two requests of that day disagree). `primary_hit` says whether the
# entry's primary category, listed first by the feed, is wanted: arXiv types an entry of a
# combined feed (`cs.AI+cs.CL`) relative to all of the request's categories, so the type
# relative to one digest's categories is recomputed from it.
# Source: https://info.arxiv.org/help/rss_specifications.html, and the recorded feed
# tests/fixtures/arxiv-feed/ (a `cross` entry of the cs.AI feed lists cs.CL first).
_ENTRIES_OF_DATE = """
WITH wanted AS (SELECT value AS category FROM json_each(:categories)),
hits AS (
    SELECT e.base_id, e.version, e.announce_type, e.announcement_id, e.position,
           json_extract(e.categories, '$[0]') IN (SELECT category FROM wanted) AS primary_hit,
           row_number() OVER (PARTITION BY e.base_id
                              ORDER BY e.version DESC, e.announcement_id, e.position) AS pick
    FROM announcement_entries AS e
    JOIN announcements AS a ON a.id = e.announcement_id
    WHERE a.announced_on = :date
      AND EXISTS (SELECT 1 FROM json_each(e.categories) AS c
                  WHERE c.value IN (SELECT category FROM wanted))
)
"""

_SELECT_ENTRIES = (
    _ENTRIES_OF_DATE
    + """
SELECT p.base_id, p.version, p.title, p.abstract, p.authors, p.categories, p.primary_category,
       p.comment, p.journal_ref, p.doi, p.published, p.updated,
       h.announce_type, h.primary_hit
FROM hits AS h
JOIN papers AS p ON p.base_id = h.base_id AND p.version = h.version
WHERE h.pick = 1 AND (:cross OR h.primary_hit)
ORDER BY h.announcement_id, h.position
"""
)

_COUNT_ENTRIES = (
    _ENTRIES_OF_DATE
    + """
SELECT count(*) FROM hits AS h WHERE h.pick = 1 AND (:cross OR h.primary_hit)
"""
)

_DATES = """
SELECT DISTINCT a.announced_on FROM announcements AS a
WHERE (:after IS NULL OR a.announced_on > :after)
  AND (:categories IS NULL OR EXISTS (
        SELECT 1 FROM announcement_entries AS e, json_each(e.categories) AS c
        WHERE e.announcement_id = a.id
          AND c.value IN (SELECT value FROM json_each(:categories))))
ORDER BY a.announced_on
"""


def feed_key(categories: Iterable[str]) -> str:
    """Return the key of a feed request: its categories, deduplicated, sorted, joined by `+`."""
    return "+".join(sorted(set(categories)))


async def record_announcement(
    db: Database,
    date: dt.date,
    categories: Iterable[str],
    papers: Sequence[Paper],
    *,
    now: dt.datetime | None = None,
) -> int:
    """Store a fetched announcement and its papers in one transaction; return its id.

    Idempotent: recording the same date and feed again adds only entries not seen yet, after
    the existing ones. Every paper needs its `announce_type` (the feed always gives one):
    ValueError otherwise, and nothing is stored.
    """
    request = sorted(set(categories))
    stamp = datetime_text(now or utc_now())
    async with db.transaction() as conn:
        await upsert_papers_in_transaction(conn, papers, now=now)
        await conn.execute(
            """
            INSERT INTO announcements (announced_on, feed_key, categories, recorded_at, updated_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (announced_on, feed_key) DO UPDATE SET updated_at = excluded.updated_at
            """,
            (date.isoformat(), feed_key(request), json_text(request), stamp, stamp),
        )
        row = await fetch_one(
            db,
            "SELECT id FROM announcements WHERE announced_on = ? AND feed_key = ?",
            (date.isoformat(), feed_key(request)),
        )
        if row is None:  # inserted or updated just above, in this transaction
            raise StorageError(f"announcement {date} {feed_key(request)} was not stored")
        announcement_id = int(row["id"])
        row = await fetch_one(
            db,
            "SELECT max(position) FROM announcement_entries WHERE announcement_id = ?",
            (announcement_id,),
        )
        start = 0 if row is None or row[0] is None else int(row[0]) + 1
        # New entries go after the known ones, in feed order. A known base id keeps its
        # position (the upsert ignores it) and only moves to a higher version.
        rows = [
            _entry_row(announcement_id, paper, start + index) for index, paper in enumerate(papers)
        ]
        await conn.executemany(_INSERT_ENTRY, rows)
    return announcement_id


async def latest_announcement_date(
    db: Database, categories: Iterable[str] | None = None
) -> dt.date | None:
    """Return the date of the latest recorded announcement (with entries in `categories`)."""
    dates = await announcement_dates(db, categories=categories)
    return dates[-1] if dates else None


async def announcement_dates(
    db: Database,
    *,
    after: dt.date | None = None,
    categories: Iterable[str] | None = None,
) -> list[dt.date]:
    """Return the recorded announcement dates after `after`, oldest first.

    With `categories`, only dates with at least one entry in them: what a digest that was
    down would catch up on (SPEC section 8, "No flood").
    """
    rows = await fetch_all(
        db,
        _DATES,
        {
            "after": date_text(after),
            "categories": None if categories is None else json_text(unique(categories)),
        },
    )
    return [dt.date.fromisoformat(str(row[0])) for row in rows]


async def entries_for(
    db: Database, date: dt.date, categories: Iterable[str], *, include_cross_lists: bool
) -> list[Paper]:
    """Return the papers announced on `date` in `categories`, in announcement order.

    Each base id appears once, at the version announced. `announce_type` is relative to
    `categories`: an entry whose primary category is not among them is a cross-list (`cross`
    or `replace-cross`) and is returned only with `include_cross_lists`. `replace` entries are
    returned: whoever delivers skips base ids the target already received.
    """
    rows = await fetch_all(
        db, _SELECT_ENTRIES, _query_params(date, categories, include_cross_lists)
    )
    return [paper_from_row(row, announce_type=_relative_type(row), announced=date) for row in rows]


async def count_entries(
    db: Database, date: dt.date, categories: Iterable[str], *, include_cross_lists: bool
) -> int:
    """Return how many papers `entries_for` returns: the M of "N of M new papers matched"."""
    row = await fetch_one(db, _COUNT_ENTRIES, _query_params(date, categories, include_cross_lists))
    return int(row[0]) if row else 0


def _query_params(
    date: dt.date, categories: Iterable[str], include_cross_lists: bool
) -> dict[str, object]:
    """Return the named parameters shared by `entries_for` and `count_entries`."""
    return {
        "date": date.isoformat(),
        "categories": json_text(unique(categories)),
        "cross": int(include_cross_lists),
    }


def _relative_type(row: sqlite3.Row) -> AnnounceType:
    """Return the entry's announce type relative to the categories that were asked for."""
    replaced = row["announce_type"] in (AnnounceType.REPLACE, AnnounceType.REPLACE_CROSS)
    if row["primary_hit"]:
        return AnnounceType.REPLACE if replaced else AnnounceType.NEW
    return AnnounceType.REPLACE_CROSS if replaced else AnnounceType.CROSS


def _entry_row(
    announcement_id: int, paper: Paper, position: int
) -> tuple[int, str, int, str, int, str]:
    """Return the parameters of one announcement entry, its categories primary first."""
    if paper.announce_type is None:
        raise ValueError(f"announcement entry {paper.versioned_id} has no announce type")
    categories = list(paper.categories)
    if paper.primary_category:
        categories = [paper.primary_category, *categories]
    return (
        announcement_id,
        paper.base_id,
        paper.version,
        str(paper.announce_type),
        position,
        json_text(unique(categories)),
    )
