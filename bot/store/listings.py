"""Listings of announcement windows from the query API, and what the store covers of the calendar.

A backfill lists an announcement the store lacks, a cross-check one the feed brought
(bot/backfill.py). Each listing is one row here, whatever it found: a backfill row that
recorded nothing is the marker "checked, nothing there", so an empty day is not listed
again at every poll, and a cross-check row says which categories of a day were checked.

"Covered" is what the backfill compares with arXiv's calendar: a date is covered for a
category when a recording of that date (from the feed, a backfill or a cross-check) or a
backfill listing asked for that category.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from bot.store.announcements import feed_key
from bot.store.codec import (
    datetime_text,
    fetch_all,
    json_text,
    parse_datetime,
    parse_strings,
)
from bot.store.db import Database
from bot.timeutil import utc_now


class ListingPurpose(StrEnum):
    """Why an announcement's window was listed (the value is stored)."""

    BACKFILL = "backfill"
    CROSS_CHECK = "cross-check"


@dataclasses.dataclass(frozen=True, slots=True)
class Listing:
    """One listing of an announcement's window: what the API listed and what was recorded."""

    date: dt.date
    purpose: ListingPurpose
    categories: tuple[str, ...]
    listed: int
    recorded: int
    listed_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class Coverage:
    """Which announcement dates the store covers, per category, from a first date on.

    `dates` maps each category to the dates covered from `first`; `earlier` holds the
    categories covered at some date before `first` (the bot watched them already then).
    """

    first: dt.date
    dates: dict[str, set[dt.date]]
    earlier: frozenset[str]

    def covered(self, category: str) -> set[dt.date]:
        """Return the dates covered for one category (from `first` on)."""
        return self.dates.get(category, set())

    def since(self, category: str) -> dt.date | None:
        """Return when the bot began watching a category, as far as `first` (None: never)."""
        if category in self.earlier:
            return self.first
        found = self.dates.get(category)
        return min(found) if found else None


# Recordings of dates from :first on, and backfill listings (the empty ones included).
_COVERED = """
SELECT a.announced_on, a.categories FROM announcements AS a WHERE a.announced_on >= :first
UNION
SELECT l.announced_on, l.categories FROM api_listings AS l
WHERE l.announced_on >= :first AND l.purpose = 'backfill'
"""

_COVERED_BEFORE = """
SELECT DISTINCT a.categories FROM announcements AS a WHERE a.announced_on < :first
UNION
SELECT DISTINCT l.categories FROM api_listings AS l
WHERE l.announced_on < :first AND l.purpose = 'backfill'
"""

# The dates the feed itself brought, from :first on, with the categories of each request.
_FEED_DATES = """
SELECT a.announced_on, a.categories FROM announcements AS a
WHERE a.announced_on >= :first
  AND EXISTS (SELECT 1 FROM announcement_entries AS e
              WHERE e.announcement_id = a.id AND e.source = 'feed')
"""

_CROSS_CHECKED = """
SELECT l.announced_on, l.categories FROM api_listings AS l
WHERE l.announced_on >= :first AND l.purpose = 'cross-check'
"""

_SAVE = """
INSERT INTO api_listings (announced_on, purpose, feed_key, categories, listed, recorded, listed_at)
VALUES (:date, :purpose, :feed_key, :categories, :listed, :recorded, :now)
ON CONFLICT (announced_on, purpose, feed_key) DO UPDATE SET
    listed = excluded.listed,
    recorded = excluded.recorded,
    listed_at = excluded.listed_at
"""


async def coverage(db: Database, first: dt.date) -> Coverage:
    """Return which dates from `first` on are covered, per category, and who was watched before."""
    params = {"first": first.isoformat()}
    dates: dict[str, set[dt.date]] = {}
    for row in await fetch_all(db, _COVERED, params):
        day = dt.date.fromisoformat(str(row[0]))
        for category in parse_strings(row[1]):
            dates.setdefault(category, set()).add(day)
    earlier = {
        category
        for row in await fetch_all(db, _COVERED_BEFORE, params)
        for category in parse_strings(row[0])
    }
    return Coverage(first, dates, frozenset(earlier))


async def not_cross_checked(db: Database, first: dt.date) -> dict[dt.date, tuple[str, ...]]:
    """Return, per date from `first` on, the categories the feed brought and no cross-check listed.

    The feed may be fetched for several category sets on one day (the poll's, a new
    target's): each category is cross-checked once per date, whichever request brought it.
    """
    params = {"first": first.isoformat()}
    brought: dict[dt.date, set[str]] = {}
    for row in await fetch_all(db, _FEED_DATES, params):
        brought.setdefault(dt.date.fromisoformat(str(row[0])), set()).update(parse_strings(row[1]))
    for row in await fetch_all(db, _CROSS_CHECKED, params):
        brought.get(dt.date.fromisoformat(str(row[0])), set()).difference_update(
            parse_strings(row[1])
        )
    return {date: tuple(sorted(left)) for date, left in sorted(brought.items()) if left}


async def latest_feed_date(
    db: Database, categories: Iterable[str], first: dt.date
) -> dt.date | None:
    """Return the latest date from `first` on that the feed brought for any of `categories`."""
    wanted = set(categories)
    found = [
        dt.date.fromisoformat(str(row[0]))
        for row in await fetch_all(db, _FEED_DATES, {"first": first.isoformat()})
        if wanted.intersection(parse_strings(row[1]))
    ]
    return max(found, default=None)


async def record_listing(
    db: Database,
    date: dt.date,
    purpose: ListingPurpose,
    categories: Iterable[str],
    *,
    listed: int,
    recorded: int,
    now: dt.datetime | None = None,
) -> None:
    """Remember one listing of `date`'s window (a later listing of the same replaces it)."""
    request = sorted(set(categories))
    async with db.transaction() as conn:
        await conn.execute(
            _SAVE,
            {
                "date": date.isoformat(),
                "purpose": str(purpose),
                "feed_key": feed_key(request),
                "categories": json_text(request),
                "listed": listed,
                "recorded": recorded,
                "now": datetime_text(now or utc_now()),
            },
        )


async def listings_since(db: Database, first: dt.date) -> list[Listing]:
    """Return the listings of dates from `first` on, newest date first (for /status)."""
    rows = await fetch_all(
        db,
        """
        SELECT announced_on, purpose, categories, listed, recorded, listed_at FROM api_listings
        WHERE announced_on >= ? ORDER BY announced_on DESC, purpose, feed_key
        """,
        (first.isoformat(),),
    )
    return [
        Listing(
            date=dt.date.fromisoformat(str(row["announced_on"])),
            purpose=ListingPurpose(row["purpose"]),
            categories=parse_strings(row["categories"]),
            listed=int(row["listed"]),
            recorded=int(row["recorded"]),
            listed_at=parse_datetime(row["listed_at"]) or utc_now(),
        )
        for row in rows
    ]
