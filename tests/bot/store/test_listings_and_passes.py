"""API listings (what the backfill and cross-check did) and each target's pass, on both databases.

The planner and the poll use these through bot/backfill.py; here each query's answer is
checked directly, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import pytest

from bot.models import AnnounceType, Author, Paper
from bot.store import listings, passes
from bot.store.announcements import EntrySource, entries_on, record_announcement
from bot.store.db import Database, open_database
from bot.store.deliveries import PostRecord, mark_sent, pending_messages, record_posts
from bot.store.listings import ListingPurpose
from bot.store.passes import TargetPass
from bot.targets.model import TargetKey

NOW = dt.datetime(2026, 11, 5, 6, 0, tzinfo=dt.UTC)
MON = dt.date(2026, 11, 2)
TUE = dt.date(2026, 11, 3)
WED = dt.date(2026, 11, 4)
CHANNEL = TargetKey.channel(222)
USER = TargetKey.user(333)


def paper(base_id: str, categories: tuple[str, ...] = ("cs.CL",)) -> Paper:
    return Paper(
        base_id=base_id,
        version=1,
        title=f"Paper {base_id}",
        abstract="An abstract.",
        authors=(Author("A. Author"),),
        categories=categories,
        announce_type=AnnounceType.NEW,
    )


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with open_database(database_url) as database:
        yield database


async def test_coverage_counts_recordings_and_empty_backfill_listings(db: Database) -> None:
    await record_announcement(db, MON, ["cs.AI"], [paper("2611.00001", ("cs.AI",))], now=NOW)
    await record_announcement(db, TUE, ["cs.CL"], [paper("2611.00002")], now=NOW)
    # Wednesday was listed from the API for cs.CL and had nothing: "checked, nothing there".
    await listings.record_listing(
        db, WED, ListingPurpose.BACKFILL, ["cs.CL"], listed=0, recorded=0, now=NOW
    )

    coverage = await listings.coverage(db, TUE)

    assert coverage.covered("cs.CL") == {TUE, WED}
    assert coverage.covered("cs.AI") == set()
    assert coverage.since("cs.AI") == TUE  # watched before the first date asked about
    assert coverage.since("cs.CL") == TUE
    assert coverage.since("math.OC") is None  # never watched: nothing was missed


async def test_each_category_of_a_feed_date_is_cross_checked_once(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI", "cs.CL"], [paper("2611.00002")], now=NOW)
    await record_announcement(
        db, WED, ["cs.CL"], [paper("2611.00003")], now=NOW, source=EntrySource.BACKFILL
    )
    assert await listings.not_cross_checked(db, MON) == {TUE: ("cs.AI", "cs.CL")}

    await listings.record_listing(
        db, TUE, ListingPurpose.CROSS_CHECK, ["cs.AI"], listed=4, recorded=1, now=NOW
    )

    assert await listings.not_cross_checked(db, MON) == {TUE: ("cs.CL",)}
    assert await listings.latest_feed_date(db, ["cs.CL"], MON) == TUE  # WED came from the API
    found = await listings.listings_since(db, MON)
    assert [(x.date, x.purpose, x.listed, x.recorded) for x in found] == [
        (TUE, ListingPurpose.CROSS_CHECK, 4, 1)
    ]


async def test_a_later_recording_puts_the_targets_planned_before_it_behind(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.CL"], [paper("2611.00002")], now=NOW)
    (first,) = await entries_on(db, TUE)
    payload = json.dumps({"content": "post", "embeds": []})
    await record_posts(
        db,
        TUE,
        [PostRecord(CHANNEL, ((payload, ("2611.00002",)),))],
        [CHANNEL, USER],
        passes=[TargetPass(CHANNEL, first.batch, 1, 1, 1), TargetPass(USER, first.batch, 1, 0, 0)],
        now=NOW,
    )
    assert await passes.behind(db, MON) == []

    await record_announcement(
        db, TUE, ["cs.CL"], [paper("2611.00009")], now=NOW, source=EntrySource.CROSS_CHECK
    )

    assert await passes.behind(db, MON) == [(CHANNEL, TUE, first.batch), (USER, TUE, first.batch)]
    assert await passes.behind(db, WED) == []  # older than asked: no longer news


async def test_progress_counts_only_the_papers_that_went_out(db: Database) -> None:
    payload = json.dumps({"content": "post", "embeds": []})
    await record_posts(
        db,
        TUE,
        [
            PostRecord(
                CHANNEL, ((payload, ("2611.00002", "2611.00003")), (payload, ("2611.00004",)))
            )
        ],
        [CHANNEL],
        passes=[TargetPass(CHANNEL, 1, 412, 3, 3)],
        now=NOW,
    )
    first, _ = await pending_messages(db, CHANNEL)
    await mark_sent(db, first.id, 555, now=NOW)

    progress = await passes.latest_progress(db, CHANNEL)

    assert progress is not None
    assert (progress.date, progress.offered, progress.matched, progress.posted) == (TUE, 412, 3, 2)
    assert await passes.latest_progress(db, USER) is None
