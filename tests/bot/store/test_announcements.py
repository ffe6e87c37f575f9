"""Announcements: recording feeds idempotently and reading a day's entries for a digest."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.models import AnnounceType, Author, Paper
from bot.store.announcements import (
    announcement_dates,
    count_entries,
    entries_for,
    feed_key,
    latest_announcement_date,
    record_announcement,
)
from bot.store.db import Database, open_database
from bot.store.papers import get_paper

NOW = dt.datetime(2026, 4, 28, 1, 0, tzinfo=dt.UTC)
MON = dt.date(2026, 4, 27)
TUE = dt.date(2026, 4, 28)


def entry(
    base_id: str,
    categories: tuple[str, ...],
    announce_type: AnnounceType = AnnounceType.NEW,
    version: int = 1,
) -> Paper:
    """Return a feed entry: primary category first, as the feed lists them."""
    return Paper(
        base_id=base_id,
        version=version,
        title=f"Paper {base_id}",
        abstract="An abstract.",
        authors=(Author("A. Author"),),
        categories=categories,
        announce_type=announce_type,
    )


NEW_AI = entry("2604.00001", ("cs.AI", "cs.LG"))
NEW_CL = entry("2604.00002", ("cs.CL",))
CROSS_FROM_CV = entry("2604.00003", ("cs.CV", "cs.AI"), AnnounceType.CROSS)
REPLACED_AI = entry("2603.09999", ("cs.AI",), AnnounceType.REPLACE, version=2)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with open_database(tmp_path / "bot.sqlite3") as database:
        yield database


def ids(papers: list[Paper]) -> list[str]:
    return [paper.versioned_id for paper in papers]


def test_feed_key_is_sorted_and_deduplicated() -> None:
    assert feed_key(["cs.LG", "cs.AI", "cs.LG"]) == "cs.AI+cs.LG"


async def test_entries_come_back_in_feed_order_with_their_date(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI, REPLACED_AI], now=NOW)
    papers = await entries_for(db, TUE, ["cs.AI"], include_cross_lists=False)
    assert ids(papers) == ["2604.00001v1", "2603.09999v2"]
    assert {paper.announced for paper in papers} == {TUE}


async def test_recording_the_same_feed_twice_adds_nothing(db: Database) -> None:
    first = await record_announcement(db, TUE, ["cs.AI"], [NEW_AI, CROSS_FROM_CV], now=NOW)
    again = await record_announcement(db, TUE, ["cs.AI"], [NEW_AI, CROSS_FROM_CV], now=NOW)
    assert again == first
    assert await count_entries(db, TUE, ["cs.AI"], include_cross_lists=True) == 2


async def test_later_fetch_of_the_same_day_adds_entries_after_the_first(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI], now=NOW)
    found_later = entry("2603.00009", ("cs.AI",))
    await record_announcement(db, TUE, ["cs.AI"], [found_later, NEW_AI], now=NOW)
    papers = await entries_for(db, TUE, ["cs.AI"], include_cross_lists=False)
    assert ids(papers) == ["2604.00001v1", "2603.00009v1"]


async def test_cross_lists_are_left_out_unless_asked(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI, CROSS_FROM_CV], now=NOW)
    without = await entries_for(db, TUE, ["cs.AI"], include_cross_lists=False)
    with_cross = await entries_for(db, TUE, ["cs.AI"], include_cross_lists=True)
    assert ids(without) == ["2604.00001v1"]
    assert ids(with_cross) == ["2604.00001v1", "2604.00003v1"]
    assert with_cross[1].announce_type is AnnounceType.CROSS


async def test_combined_feed_entry_is_a_cross_list_for_a_digest_without_its_primary(
    db: Database,
) -> None:
    # In the cs.AI+cs.CL feed a cs.CL paper cross-listed to cs.AI is `new`: the request covers
    # its primary. For a cs.AI digest it is a cross-list all the same.
    cl_paper_in_ai = entry("2604.00004", ("cs.CL", "cs.AI"))
    await record_announcement(db, TUE, ["cs.AI", "cs.CL"], [cl_paper_in_ai], now=NOW)
    assert await entries_for(db, TUE, ["cs.AI"], include_cross_lists=False) == []
    for_cl = await entries_for(db, TUE, ["cs.CL"], include_cross_lists=False)
    assert [paper.announce_type for paper in for_cl] == [AnnounceType.NEW]


async def test_entries_outside_the_categories_are_not_returned(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI", "cs.CL"], [NEW_AI, NEW_CL], now=NOW)
    papers = await entries_for(db, TUE, ["cs.CL"], include_cross_lists=True)
    assert ids(papers) == ["2604.00002v1"]


async def test_replacement_comes_back_as_the_new_version(db: Database) -> None:
    await record_announcement(db, MON, ["cs.AI"], [dataclasses.replace(REPLACED_AI, version=1)])
    await record_announcement(db, TUE, ["cs.AI"], [REPLACED_AI], now=NOW)
    papers = await entries_for(db, TUE, ["cs.AI"], include_cross_lists=False)
    assert [(p.versioned_id, p.announce_type) for p in papers] == [
        ("2603.09999v2", AnnounceType.REPLACE)
    ]


async def test_one_entry_per_base_id_at_the_highest_version(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [dataclasses.replace(NEW_AI, version=1)])
    revised = dataclasses.replace(NEW_AI, version=2, announce_type=AnnounceType.REPLACE)
    await record_announcement(db, TUE, ["cs.AI"], [revised], now=NOW)
    papers = await entries_for(db, TUE, ["cs.AI"], include_cross_lists=False)
    assert ids(papers) == ["2604.00001v2"]


async def test_lower_version_fetched_later_does_not_replace_a_higher_one(db: Database) -> None:
    revised = dataclasses.replace(NEW_AI, version=2, announce_type=AnnounceType.REPLACE)
    await record_announcement(db, TUE, ["cs.AI"], [revised], now=NOW)
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI], now=NOW)
    papers = await entries_for(db, TUE, ["cs.AI"], include_cross_lists=False)
    assert [(p.versioned_id, p.announce_type) for p in papers] == [
        ("2604.00001v2", AnnounceType.REPLACE)
    ]


async def test_same_paper_from_two_feeds_of_one_day_comes_back_once(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI], now=NOW)
    await record_announcement(db, TUE, ["cs.LG"], [NEW_AI], now=NOW)
    papers = await entries_for(db, TUE, ["cs.AI", "cs.LG"], include_cross_lists=True)
    assert ids(papers) == ["2604.00001v1"]


async def test_two_feeds_of_one_day_disagreeing_on_version_give_the_highest(
    db: Database,
) -> None:
    revised = dataclasses.replace(NEW_AI, version=2, announce_type=AnnounceType.REPLACE)
    await record_announcement(db, TUE, ["cs.LG"], [revised], now=NOW)
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI], now=NOW)
    papers = await entries_for(db, TUE, ["cs.AI", "cs.LG"], include_cross_lists=False)
    assert ids(papers) == ["2604.00001v2"]


async def test_count_is_the_number_of_entries_a_digest_sees(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI, CROSS_FROM_CV, REPLACED_AI])
    assert await count_entries(db, TUE, ["cs.AI"], include_cross_lists=False) == 2
    assert await count_entries(db, TUE, ["cs.AI"], include_cross_lists=True) == 3


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
