"""What each target's categories see of a recorded announcement (bot/digest/announced.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.digest.announced import Announced
from bot.models import AnnounceType
from bot.store.announcements import record_announcement
from bot.store.db import Database
from tests.bot.feed_entries import CROSS_FROM_CV, MON, NEW_AI, NEW_CL, NOW, REPLACED_AI, TUE, entry


async def seen(
    db: Database, categories: list[str], *, cross: bool = False, date: dt.date = TUE
) -> list[str]:
    """Return the versioned ids a target of `categories` is offered on `date`."""
    day = await Announced.load(db, date)
    offered, _ = day.view(categories, include_cross_lists=cross)
    return [paper.versioned_id for paper in offered]


async def test_papers_come_in_announcement_order(db: Database) -> None:
    later = entry("2603.00009", ("cs.AI",))
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI, later], now=NOW)
    assert await seen(db, ["cs.AI"]) == ["2604.00001v1", "2603.00009v1"]


async def test_cross_lists_are_left_out_unless_asked(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI, CROSS_FROM_CV], now=NOW)
    assert await seen(db, ["cs.AI"]) == ["2604.00001v1"]
    assert await seen(db, ["cs.AI"], cross=True) == ["2604.00001v1", "2604.00003v1"]


async def test_combined_feed_entry_is_a_cross_list_for_a_target_without_its_primary(
    db: Database,
) -> None:
    # In the cs.AI+cs.CL feed a cs.CL paper cross-listed to cs.AI is `new`: the request covers
    # its primary. For a cs.AI digest it is a cross-list all the same.
    cl_paper_in_ai = entry("2604.00004", ("cs.CL", "cs.AI"))
    await record_announcement(db, TUE, ["cs.AI", "cs.CL"], [cl_paper_in_ai], now=NOW)
    assert await seen(db, ["cs.AI"]) == []
    assert await seen(db, ["cs.AI"], cross=True) == ["2604.00004v1"]
    assert await seen(db, ["cs.CL"]) == ["2604.00004v1"]


async def test_papers_outside_the_categories_are_not_offered(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI", "cs.CL"], [NEW_AI, NEW_CL], now=NOW)
    assert await seen(db, ["cs.CL"], cross=True) == ["2604.00002v1"]


async def test_a_replacement_is_never_offered_as_a_new_paper(db: Database) -> None:
    await record_announcement(db, MON, ["cs.AI"], [dataclasses.replace(REPLACED_AI, version=1)])
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI, REPLACED_AI], now=NOW)
    assert await seen(db, ["cs.AI"], cross=True) == ["2604.00001v1"]


async def test_a_paper_revised_the_day_it_was_announced_is_not_offered(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI], now=NOW)
    revised = dataclasses.replace(NEW_AI, version=2, announce_type=AnnounceType.REPLACE)
    await record_announcement(db, TUE, ["cs.LG"], [revised], now=NOW)
    assert await seen(db, ["cs.AI", "cs.LG"], cross=True) == []


async def test_a_paper_in_two_feeds_of_one_day_is_offered_once(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI], now=NOW)
    await record_announcement(db, TUE, ["cs.LG"], [NEW_AI], now=NOW)
    assert await seen(db, ["cs.AI", "cs.LG"], cross=True) == ["2604.00001v1"]


async def test_targets_with_the_same_categories_share_one_view(db: Database) -> None:
    await record_announcement(db, TUE, ["cs.AI"], [NEW_AI, CROSS_FROM_CV], now=NOW)
    day = await Announced.load(db, TUE)
    first = day.view(["cs.AI", "cs.LG"], include_cross_lists=True)
    again = day.view(("cs.LG", "cs.AI"), include_cross_lists=True)
    assert again is first
    assert first[1] == {"2604.00001", "2604.00003"}
