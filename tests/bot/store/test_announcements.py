"""Announcements: recording feeds idempotently and reading a day's entries back.

What each target sees of a day's entries is tests/bot/digest/test_announced.py's subject.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.models import AnnounceType
from bot.store.announcements import (
    Entry,
    announcement_dates,
    categories_by_date,
    entries_on,
    feed_key,
    latest_announcement_date,
    record_announcement,
)
from bot.store.db import Database, open_database
from bot.store.papers import get_paper
from tests.bot.feed_entries import CROSS_FROM_CV, MON, NEW_AI, NEW_CL, NOW, REPLACED_AI, TUE, entry


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with open_database(database_url) as database:
        yield database


def ids(entries: list[Entry]) -> list[str]:
    return [entry.paper.versioned_id for entry in entries]


def test_feed_key_is_sorted_and_deduplicated() -> None:
    assert feed_key(["cs.LG", "cs.AI", "cs.LG"]) == "cs.AI+cs.LG"


async def test_entries_come_back_in_feed_order_with_their_date(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI, REPLACED_AI], now=NOW)
    entries = await entries_on(db, TUE)
    assert ids(entries) == ["2604.00001v1", "2603.09999v2"]
    assert {entry.paper.announced for entry in entries} == {TUE}
    assert [entry.paper.announce_type for entry in entries] == [
        AnnounceType.NEW,
        AnnounceType.REPLACE,
    ]


async def test_recording_the_same_feed_twice_adds_nothing(db: Database) -> None:
    first = await record_announcement(db, TUE, ["cs.AI"], [NEW_AI, CROSS_FROM_CV], now=NOW)
    again = await record_announcement(db, TUE, ["cs.AI"], [NEW_AI, CROSS_FROM_CV], now=NOW)
    assert again == first
    assert ids(await entries_on(db, TUE)) == ["2604.00001v1", "2604.00003v1"]


async def test_later_fetch_of_the_same_day_adds_entries_after_the_first(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI], now=NOW)
    found_later = entry("2603.00009", ("cs.AI",))
    await record_announcement(db, TUE, ["cs.AI"], [found_later, NEW_AI], now=NOW)
    assert ids(await entries_on(db, TUE)) == ["2604.00001v1", "2603.00009v1"]


async def test_entries_keep_their_own_categories_primary_first(db: Database) -> None:
    cl_paper_in_ai = entry("2604.00004", ("cs.CL", "cs.AI"))
    await record_announcement(db, TUE, ["cs.AI", "cs.CL"], [cl_paper_in_ai], now=NOW)
    (found,) = await entries_on(db, TUE)
    assert found.categories == ("cs.CL", "cs.AI")


async def test_one_entry_per_base_id_at_the_highest_version(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [dataclasses.replace(NEW_AI, version=1)])
    revised = dataclasses.replace(NEW_AI, version=2, announce_type=AnnounceType.REPLACE)
    await record_announcement(db, TUE, ["cs.AI"], [revised], now=NOW)
    assert ids(await entries_on(db, TUE)) == ["2604.00001v2"]


async def test_lower_version_fetched_later_does_not_replace_a_higher_one(db: Database) -> None:
    revised = dataclasses.replace(NEW_AI, version=2, announce_type=AnnounceType.REPLACE)
    await record_announcement(db, TUE, ["cs.AI"], [revised], now=NOW)
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI], now=NOW)
    assert [(e.paper.versioned_id, e.paper.announce_type) for e in await entries_on(db, TUE)] == [
        ("2604.00001v2", AnnounceType.REPLACE)
    ]


async def test_same_paper_from_two_feeds_of_one_day_comes_back_once(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI], now=NOW)
    await record_announcement(db, TUE, ["cs.LG"], [NEW_AI], now=NOW)
    assert ids(await entries_on(db, TUE)) == ["2604.00001v1"]


async def test_two_feeds_of_one_day_disagreeing_on_version_give_the_highest(
    db: Database,
) -> None:
    revised = dataclasses.replace(NEW_AI, version=2, announce_type=AnnounceType.REPLACE)
    await record_announcement(db, TUE, ["cs.LG"], [revised], now=NOW)
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI], now=NOW)
    assert ids(await entries_on(db, TUE)) == ["2604.00001v2"]


async def test_recording_stores_the_papers(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI], now=NOW)
    stored = await get_paper(db, NEW_AI.base_id)
    assert stored is not None
    assert stored.title == NEW_AI.title


async def test_entry_without_announce_type_stores_nothing(db: Database) -> None:
    untyped = dataclasses.replace(NEW_CL, announce_type=None)
    with pytest.raises(ValueError, match="announce type"):
        await record_announcement(db, TUE, ["cs.AI", "cs.CL"], [NEW_AI, untyped], now=NOW)
    assert await get_paper(db, NEW_AI.base_id) is None
    assert await latest_announcement_date(db) is None


async def test_latest_announcement_date(db: Database) -> None:
    assert await latest_announcement_date(db) is None
    await record_announcement(db, TUE, ["cs.CL"], [NEW_CL], now=NOW)
    await record_announcement(db, MON, ["cs.AI"], [NEW_AI], now=NOW)
    assert await latest_announcement_date(db) == TUE
    assert await latest_announcement_date(db, ["cs.AI"]) == MON


async def test_dates_after_a_given_day_in_order(db: Database) -> None:
    wed = dt.date(2026, 4, 29)
    for day in (wed, MON, TUE):
        await record_announcement(db, day, ["cs.AI"], [NEW_AI], now=NOW)
    assert await announcement_dates(db, after=MON) == [TUE, wed]


async def test_each_date_comes_with_the_categories_of_its_entries(db: Database) -> None:
    await record_announcement(db, MON, ["cs.AI"], [NEW_AI], now=NOW)
    await record_announcement(db, TUE, ["cs.CL"], [NEW_CL], now=NOW)
    await record_announcement(db, TUE, ["cs.AI"], [CROSS_FROM_CV], now=NOW)
    assert await categories_by_date(db) == {
        MON: {"cs.AI", "cs.LG"},
        TUE: {"cs.CL", "cs.CV", "cs.AI"},
    }
    assert list(await categories_by_date(db, after=MON)) == [TUE]
