"""A member's saved papers: save, remove, list a page, export (README, "Saved papers").

The "Save" button and `/saved` call this service; both say who asks, so a member only ever
sees and changes their own list.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.ids import parse_arxiv_id
from bot.saved.export import ExportFile, ExportFormat, export_file
from bot.store import saved as store
from bot.store.db import Database
from bot.store.saved import SavedPaper, SaveResult
from bot.timeutil import utc_now

# Ten papers a page: one line each (title linked, id, date saved) fits a single embed
# description (4,096 characters) even with 300-character titles, and a page's papers fit a
# select menu (25 options) for "Remove". https://discord.com/developers/docs/resources/message
PAGE_SIZE = 10
# Enough for years of reading; it bounds the export at a few MB (Discord's attachment limit
# is 10 MiB without boosts) and the list at 100 pages.
MAX_SAVED = 1_000


class RemoveResult(StrEnum):
    """What removing a paper did."""

    REMOVED = "removed"
    NOT_SAVED = "not-saved"


@dataclass(frozen=True, slots=True)
class SavedPage:
    """One page of a member's saved papers, newest first.

    `number` is 1-based and always a page that exists (page 1 of an empty list included);
    `pages` is how many there are and `total` how many papers.
    """

    entries: tuple[SavedPaper, ...]
    number: int
    pages: int
    total: int
    size: int = PAGE_SIZE

    @property
    def first_number(self) -> int:
        """Return the number of the page's first paper in the whole list (from 1)."""
        return (self.number - 1) * self.size + 1

    @property
    def has_previous(self) -> bool:
        """Say whether a "Previous" button has somewhere to go."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Say whether a "Next" button has somewhere to go."""
        return self.number < self.pages


class SavedPapers:
    """Saved papers for the whole process, over the shared database."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        limit: int = MAX_SAVED,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._db = db
        self._clock = clock
        self._limit = limit
        self._page_size = page_size

    @property
    def limit(self) -> int:
        """Return how many papers a member may keep."""
        return self._limit

    async def save(self, user_id: int, base_id: str, version: int) -> SaveResult:
        """Save a paper version for `user_id`; saving it again changes nothing."""
        return await store.save_paper(
            self._db, user_id, base_id, version, now=self._clock(), limit=self._limit
        )

    async def remove(self, user_id: int, paper: str) -> RemoveResult:
        """Remove a paper from `user_id`'s list, given as any form of arXiv id or URL.

        Raise InvalidArxivIdError (a message for the member) when `paper` is not an id.
        """
        base = parse_arxiv_id(paper).base
        removed = await store.remove_paper(self._db, user_id, base)
        return RemoveResult.REMOVED if removed else RemoveResult.NOT_SAVED

    async def page(self, user_id: int, number: int = 1) -> SavedPage:
        """Return page `number` of `user_id`'s list; past the end, the last page.

        A page number from a button may be stale (papers removed since), so it is clamped
        rather than refused.
        """
        total = await store.count_saved(self._db, user_id)
        pages = max(1, math.ceil(total / self._page_size))
        number = min(max(1, number), pages)
        entries = await store.saved_papers(
            self._db, user_id, offset=(number - 1) * self._page_size, limit=self._page_size
        )
        return SavedPage(
            entries=tuple(entries),
            number=number,
            pages=pages,
            total=total,
            size=self._page_size,
        )

    async def find(self, user_id: int, text: str, limit: int) -> list[SavedPaper]:
        """Return up to `limit` of `user_id`'s saved papers whose id or title contains `text`.

        For `/saved remove`'s autocomplete: newest first, case folded.
        """
        wanted = text.strip().casefold()
        found = []
        for item in await store.saved_papers(self._db, user_id):
            paper = item.paper
            if wanted in paper.versioned_id.casefold() or wanted in paper.title.casefold():
                found.append(item)
                if len(found) == limit:
                    break
        return found

    async def export(self, user_id: int, fmt: ExportFormat) -> ExportFile | None:
        """Return `user_id`'s whole list as a file in `fmt`, or None when nothing is saved."""
        saved = await store.saved_papers(self._db, user_id)
        if not saved:
            return None
        return export_file(fmt, saved, self._clock().astimezone(dt.UTC).date())
