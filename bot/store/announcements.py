"""Announcements: which paper versions a day's mailing announced, in feed order.

An announcement is keyed by (date, feed key), the feed key being the request's categories,
sorted: fetching the same feed twice records nothing twice, and a later fetch of the same day
(a retry after an empty feed, an on-demand fetch) may add entries. Each entry keeps its own
categories, so a digest asks for "the entries of date D in categories X" whatever request
brought them in.

Each entry also keeps where it came from (`EntrySource`: the feed, a backfill from the query
API, or the cross-check after the feed) and the number of the recording that brought it.
Recordings are numbered in order across the store, so "what did recordings after N add to
date D" is a plain comparison: a target planned for D up to recording N is offered exactly
the papers a later cross-check found (docs/behaviour.md, "Nothing missed").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum

from bot.errors import StorageError
from bot.models import AnnounceType, Paper
from bot.store.codec import (
    date_text,
    datetime_text,
    fetch_all,
    json_text,
    parse_strings,
    unique,
)
from bot.store.db import Database, PerDialect
from bot.store.papers import paper_from_row, upsert_papers_in_transaction
from bot.timeutil import utc_now


class EntrySource(StrEnum):
    """Where an announcement entry came from (the value is stored)."""

    FEED = "feed"
    #: The query API's listing of an announcement the store lacked (the bot was down).
    BACKFILL = "backfill"
    #: The query API's listing of an announcement the feed brought: a paper the feed left out.
    CROSS_CHECK = "cross-check"


_INSERT_ENTRY = """
INSERT INTO announcement_entries
    (announcement_id, base_id, version, announce_type, position, categories, source, batch)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (announcement_id, base_id) DO UPDATE SET
    version = excluded.version,
    announce_type = excluded.announce_type,
    categories = excluded.categories
WHERE excluded.version > announcement_entries.version
"""

# The entries of one date, one row per base id: the highest version if two requests of that day
# disagree, else the first recorded; with the recording that first brought the paper in, and
# where that recording came from. `entry_categories` are the entry's own, primary first as
# the feed lists them: arXiv types an entry of a combined feed (`cs.AI+cs.CL`) relative to all
# of the request's categories, so a target's view is worked out from them
# (bot/digest/announced.py). Source: https://info.arxiv.org/help/rss_specifications.html,
# and the recorded feed tests/fixtures/arxiv-feed/ (a `cross` entry of the cs.AI feed lists
# cs.CL first).
_ENTRIES_ON = """
WITH hits AS (
    SELECT e.base_id, e.version, e.announce_type, e.categories, e.announcement_id, e.position,
           row_number() OVER (PARTITION BY e.base_id
                              ORDER BY e.version DESC, e.announcement_id, e.position) AS pick,
           first_value(e.batch) OVER first_recorded AS first_batch,
           first_value(e.source) OVER first_recorded AS first_source
    FROM announcement_entries AS e
    JOIN announcements AS a ON a.id = e.announcement_id
    WHERE a.announced_on = :date
    WINDOW first_recorded AS (PARTITION BY e.base_id
                              ORDER BY e.batch, e.announcement_id, e.position)
)
SELECT p.base_id, p.version, p.title, p.abstract, p.authors, p.categories, p.primary_category,
       p.comment, p.journal_ref, p.doi, p.published, p.updated,
       h.announce_type, h.categories AS entry_categories, h.first_batch, h.first_source
FROM hits AS h
JOIN papers AS p ON p.base_id = h.base_id AND p.version = h.version
WHERE h.pick = 1
ORDER BY h.announcement_id, h.position
"""

# Each recorded date after :after with the categories its entries are in. An entry's
# categories are a JSON list: SQLite reads it with json_each, PostgreSQL as jsonb.
_CATEGORIES_BY_DATE = PerDialect(
    sqlite="""
SELECT DISTINCT a.announced_on, c.value
FROM announcements AS a
JOIN announcement_entries AS e ON e.announcement_id = a.id, json_each(e.categories) AS c
WHERE CAST(:after AS TEXT) IS NULL OR a.announced_on > :after
""",
    postgresql="""
SELECT DISTINCT a.announced_on, c.value
FROM announcements AS a
JOIN announcement_entries AS e ON e.announcement_id = a.id
CROSS JOIN LATERAL jsonb_array_elements_text(CAST(e.categories AS jsonb)) AS c (value)
WHERE CAST(:after AS TEXT) IS NULL OR a.announced_on > :after
""",
)

# The dates after :after (with an entry in one of :categories, a JSON list).
_DATES = PerDialect(
    sqlite="""
SELECT DISTINCT a.announced_on FROM announcements AS a
WHERE (CAST(:after AS TEXT) IS NULL OR a.announced_on > :after)
  AND (CAST(:categories AS TEXT) IS NULL OR EXISTS (
        SELECT 1 FROM announcement_entries AS e, json_each(e.categories) AS c
        WHERE e.announcement_id = a.id
          AND c.value IN (SELECT value FROM json_each(:categories))))
ORDER BY a.announced_on
""",
    postgresql="""
SELECT DISTINCT a.announced_on FROM announcements AS a
WHERE (CAST(:after AS TEXT) IS NULL OR a.announced_on > :after)
  AND (CAST(:categories AS jsonb) IS NULL OR EXISTS (
        SELECT 1 FROM announcement_entries AS e
        CROSS JOIN LATERAL jsonb_array_elements_text(CAST(e.categories AS jsonb)) AS c (value)
        WHERE e.announcement_id = a.id
          AND c.value IN (SELECT jsonb_array_elements_text(CAST(:categories AS jsonb)))))
ORDER BY a.announced_on
""",
)


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
    source: EntrySource = EntrySource.FEED,
) -> int:
    """Store a fetched announcement and its papers in one transaction; return its id.

    Idempotent: recording the same date and feed again adds only entries not seen yet, after
    the existing ones, marked with `source` and this recording's number. Every paper needs
    its `announce_type` (the feed always gives one): ValueError otherwise, and nothing is
    stored.
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
        row = await conn.fetch_one(
            "SELECT id FROM announcements WHERE announced_on = ? AND feed_key = ?",
            (date.isoformat(), feed_key(request)),
        )
        if row is None:  # inserted or updated just above, in this transaction
            raise StorageError(f"announcement {date} {feed_key(request)} was not stored")
        announcement_id = int(row["id"])
        row = await conn.fetch_one(
            "SELECT max(position) FROM announcement_entries WHERE announcement_id = ?",
            (announcement_id,),
        )
        start = 0 if row is None or row[0] is None else int(row[0]) + 1
        # The write lock is ours (BEGIN IMMEDIATE): the next recording number is too.
        row = await conn.fetch_one("SELECT coalesce(max(batch), 0) FROM announcement_entries")
        batch = 1 + (int(row[0]) if row is not None else 0)
        # New entries go after the known ones, in feed order. A known base id keeps its
        # position, source and recording (the upsert ignores them) and only moves to a higher
        # version.
        rows = [
            _entry_row(announcement_id, paper, start + index, source, batch)
            for index, paper in enumerate(papers)
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

    With `categories`, only dates with at least one entry in them.
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


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    """One paper of an announcement: the version announced, and the entry's own categories.

    `paper.announce_type` is the type the feed gave, relative to the categories of the
    request that brought the entry in; `categories` lists the primary category first.
    `batch` numbers the recording that first brought the paper into this announcement, and
    `source` says where that recording came from.
    """

    paper: Paper
    categories: tuple[str, ...]
    batch: int = 0
    source: EntrySource = EntrySource.FEED


async def entries_on(db: Database, date: dt.date) -> list[Entry]:
    """Return every paper announced on `date`, once each, in announcement order."""
    entries, _ = await entries_and_batch(db, date)
    return entries


async def entries_and_batch(db: Database, date: dt.date) -> tuple[list[Entry], int]:
    """Return `entries_on(date)` and the latest recording that brought `date` a new paper.

    A pass remembers that number: whatever a later recording adds is offered to it later.
    A recording that only brings papers known already (another request's feed of the same
    day, a higher version) adds nothing to offer, and does not count.
    """
    rows = await fetch_all(db, _ENTRIES_ON, {"date": date.isoformat()})
    latest = max((int(row["first_batch"]) for row in rows), default=0)
    return [
        Entry(
            paper_from_row(row, announce_type=AnnounceType(row["announce_type"]), announced=date),
            parse_strings(row["entry_categories"]),
            int(row["first_batch"]),
            EntrySource(row["first_source"]),
        )
        for row in rows
    ], latest


async def categories_by_date(
    db: Database, *, after: dt.date | None = None
) -> dict[dt.date, frozenset[str]]:
    """Return each recorded announcement date after `after` with the categories it has entries in.

    What a pass needs to know which targets an announcement concerns, in one query.
    """
    rows = await fetch_all(db, _CATEGORIES_BY_DATE, {"after": date_text(after)})
    found: dict[dt.date, set[str]] = {}
    for row in rows:
        found.setdefault(dt.date.fromisoformat(str(row[0])), set()).add(str(row[1]))
    return {date: frozenset(categories) for date, categories in sorted(found.items())}


def _entry_row(
    announcement_id: int, paper: Paper, position: int, source: EntrySource, batch: int
) -> tuple[int, str, int, str, int, str, str, int]:
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
        str(source),
        batch,
    )
