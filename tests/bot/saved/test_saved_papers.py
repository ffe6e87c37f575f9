"""Saved papers: save once, remove by any id form, pages newest first, each member their own."""

from __future__ import annotations

import pytest

from bot.errors import InvalidArxivIdError
from bot.saved import ExportFormat, RemoveResult, SavedPapers, SaveResult
from bot.store.db import Database
from tests.bot.saved.conftest import ADA, BEN, Clock


async def saved_ids(saved: SavedPapers, user: int) -> list[str]:
    """Return the member's saved papers as `idvN`, newest first, over every page."""
    first = await saved.page(user, 1)
    ids = []
    for number in range(1, first.pages + 1):
        page = await saved.page(user, number)
        ids += [entry.paper.versioned_id for entry in page.entries]
    return ids


async def test_a_saved_paper_is_listed(saved: SavedPapers) -> None:
    assert await saved.save(ADA, "2604.00003", 1) is SaveResult.ADDED
    assert await saved_ids(saved, ADA) == ["2604.00003v1"]


async def test_saving_twice_keeps_one_entry(saved: SavedPapers, clock: Clock) -> None:
    first = clock.now
    await saved.save(ADA, "2604.00003", 1)
    clock.tick()
    assert await saved.save(ADA, "2604.00003", 1) is SaveResult.ALREADY_SAVED
    page = await saved.page(ADA)
    assert page.total == 1
    assert page.entries[0].saved_at == first


async def test_saving_a_newer_version_keeps_the_first_save_time(
    saved: SavedPapers, clock: Clock
) -> None:
    first = clock.now
    await saved.save(ADA, "2604.00001", 1)
    clock.tick(60)
    assert await saved.save(ADA, "2604.00001", 2) is SaveResult.ALREADY_SAVED
    [entry] = (await saved.page(ADA)).entries
    assert entry.paper.versioned_id == "2604.00001v2"
    assert entry.saved_at == first


async def test_an_older_version_does_not_replace_a_newer_one(saved: SavedPapers) -> None:
    await saved.save(ADA, "2604.00001", 2)
    await saved.save(ADA, "2604.00001", 1)
    assert await saved_ids(saved, ADA) == ["2604.00001v2"]


async def test_a_paper_the_bot_does_not_know_is_not_saved(saved: SavedPapers) -> None:
    assert await saved.save(ADA, "2604.00099", 1) is SaveResult.UNKNOWN_PAPER
    assert await saved.save(ADA, "2604.00003", 7) is SaveResult.UNKNOWN_PAPER
    assert (await saved.page(ADA)).total == 0


async def test_a_full_list_refuses_new_papers_but_not_repeats(db: Database, clock: Clock) -> None:
    saved = SavedPapers(db, clock=clock, limit=2)
    assert await saved.save(ADA, "2604.00001", 1) is SaveResult.ADDED
    assert await saved.save(ADA, "2604.00002", 1) is SaveResult.ADDED
    assert await saved.save(ADA, "2604.00003", 1) is SaveResult.FULL
    assert await saved.save(ADA, "2604.00001", 2) is SaveResult.ALREADY_SAVED
    assert await saved.save(BEN, "2604.00003", 1) is SaveResult.ADDED
    assert await saved_ids(saved, ADA) == ["2604.00002v1", "2604.00001v2"]


async def test_each_member_sees_only_their_own_list(saved: SavedPapers) -> None:
    await saved.save(ADA, "2604.00001", 1)
    await saved.save(BEN, "2604.00002", 1)
    assert await saved_ids(saved, ADA) == ["2604.00001v1"]
    assert await saved_ids(saved, BEN) == ["2604.00002v1"]
    assert await saved.remove(BEN, "2604.00001") is RemoveResult.NOT_SAVED
    assert await saved_ids(saved, ADA) == ["2604.00001v1"]


@pytest.mark.parametrize(
    "written",
    ["2604.00005", "2604.00005v1", "arXiv:2604.00005", "https://arxiv.org/abs/2604.00005v3"],
)
async def test_a_paper_is_removed_however_its_id_is_written(
    saved: SavedPapers, written: str
) -> None:
    await saved.save(ADA, "2604.00005", 1)
    await saved.save(ADA, "2604.00006", 1)
    assert await saved.remove(ADA, written) is RemoveResult.REMOVED
    assert await saved_ids(saved, ADA) == ["2604.00006v1"]


async def test_removing_an_unsaved_paper_says_so(saved: SavedPapers) -> None:
    assert await saved.remove(ADA, "2604.00005") is RemoveResult.NOT_SAVED


@pytest.mark.parametrize("written", ["", "abc", "2604.5", "'; DROP TABLE saved_papers; --"])
async def test_a_bad_id_is_refused_and_changes_nothing(saved: SavedPapers, written: str) -> None:
    await saved.save(ADA, "2604.00005", 1)
    with pytest.raises(InvalidArxivIdError, match=r"expected e\.g\."):
        await saved.remove(ADA, written)
    assert await saved_ids(saved, ADA) == ["2604.00005v1"]


async def test_pages_list_the_newest_save_first(saved: SavedPapers, clock: Clock) -> None:
    for number in range(1, 24):
        await saved.save(ADA, f"2604.{number:05d}", 1)
        clock.tick()
    first, last = await saved.page(ADA, 1), await saved.page(ADA, 3)
    assert (first.number, first.pages, first.total) == (1, 3, 23)
    assert [e.paper.base_id for e in first.entries][:2] == ["2604.00023", "2604.00022"]
    assert len(first.entries) == 10
    assert [e.paper.base_id for e in last.entries] == ["2604.00003", "2604.00002", "2604.00001"]
    assert (first.has_previous, first.has_next) == (False, True)
    assert (last.has_previous, last.has_next) == (True, False)
    assert await saved_ids(saved, ADA) == [f"2604.{n:05d}v1" for n in range(23, 0, -1)]


async def test_a_stale_page_number_shows_the_last_page(saved: SavedPapers) -> None:
    for number in range(1, 13):
        await saved.save(ADA, f"2604.{number:05d}", 1)
    for number in range(1, 4):
        await saved.remove(ADA, f"2604.{number:05d}")
    page = await saved.page(ADA, 2)
    assert (page.number, page.pages, page.total) == (1, 1, 9)
    assert (await saved.page(ADA, -5)).number == 1


async def test_an_empty_list_is_one_empty_page(saved: SavedPapers) -> None:
    page = await saved.page(ADA, 4)
    assert (page.entries, page.number, page.pages, page.total) == ((), 1, 1, 0)
    assert not page.has_next and not page.has_previous


async def test_nothing_saved_exports_no_file(saved: SavedPapers) -> None:
    for fmt in ExportFormat:
        assert await saved.export(ADA, fmt) is None


async def test_the_list_survives_a_restart(db: Database, saved: SavedPapers) -> None:
    await saved.save(ADA, "2604.00004", 1)
    assert await saved_ids(SavedPapers(db), ADA) == ["2604.00004v1"]
