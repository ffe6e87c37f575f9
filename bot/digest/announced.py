"""A recorded announcement, and what each target's categories see of it.

The announcement is read once per pass; each target's view (its categories, with or without
cross-lists) is worked out in memory and shared by every target with the same view.

How a target sees an entry: an entry whose primary category (listed first) is one of the
target's categories is announced to it as `new`; one listed there only as another category
is a cross-list, offered only with `include_cross_lists`. arXiv types an entry of a combined
feed (`cs.AI+cs.CL`) relative to all of the request's categories, which is why the type is
worked out again here from the entry's own categories. Replacements (new versions of papers
announced before) are never offered as new papers (docs/behaviour.md, "Announcements"): they
are kept apart, for the digests that reply to a paper when a new version comes out.

A late pass loads only what recordings after the one it saw added (`after`): the papers a
cross-check found, offered once to the targets planned before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from bot.models import AnnounceType, Paper
from bot.store import announcements
from bot.store.announcements import Entry, EntrySource
from bot.store.db import Database

_FIRST_ANNOUNCEMENTS = frozenset({AnnounceType.NEW, AnnounceType.CROSS})

#: A target's view: the papers it is offered, in announcement order, and their base ids.
View = tuple[tuple[Paper, ...], frozenset[str]]


class Announced:
    """One day's announcement: every entry once, in order, indexed by category."""

    def __init__(self, date: dt.date, entries: Sequence[Entry], latest_batch: int = 0) -> None:
        self.date = date
        #: The latest recording of the announcement when it was read (what a pass has seen).
        self.latest_batch = latest_batch
        # Replacements are set apart once here: no view ever offers them.
        self._entries = [e for e in entries if e.paper.announce_type in _FIRST_ANNOUNCEMENTS]
        #: New versions of papers announced before, in announcement order.
        self.replacements = tuple(
            e.paper for e in entries if e.paper.announce_type not in _FIRST_ANNOUNCEMENTS
        )
        #: Whether the announcement was listed from the query API: the bot missed it.
        self.backfilled = any(e.source is EntrySource.BACKFILL for e in entries)
        self._by_category: dict[str, list[int]] = {}
        for index, entry in enumerate(self._entries):
            for category in entry.categories:
                self._by_category.setdefault(category, []).append(index)
        self._views: dict[tuple[frozenset[str], bool], View] = {}

    @classmethod
    async def load(cls, db: Database, date: dt.date, *, after: int | None = None) -> Announced:
        """Read the announcement of `date` from the store (one query).

        With `after`, only the papers recordings after that one brought in (a late pass).
        """
        entries, latest = await announcements.entries_and_batch(db, date)
        if after is not None:
            entries = [entry for entry in entries if entry.batch > after]
        return cls(date, entries, latest)

    @property
    def papers(self) -> tuple[Paper, ...]:
        """Return every paper the announcement offers to someone, in announcement order."""
        return tuple(entry.paper for entry in self._entries)

    def view(self, categories: Iterable[str], *, include_cross_lists: bool) -> View:
        """Return the papers offered to a target of these categories, in announcement order."""
        wanted = frozenset(categories)
        key = (wanted, include_cross_lists)
        found = self._views.get(key)
        if found is None:
            found = self._views[key] = self._view(wanted, include_cross_lists)
        return found

    def _view(self, wanted: frozenset[str], include_cross_lists: bool) -> View:
        """Work out one view: entries in `wanted`, cross-lists only when asked."""
        indexes: set[int] = set()
        for category in wanted:
            indexes.update(self._by_category.get(category, ()))
        papers = tuple(
            self._entries[index].paper
            for index in sorted(indexes)
            if include_cross_lists or self._entries[index].categories[0] in wanted
        )
        return papers, frozenset(paper.base_id for paper in papers)
