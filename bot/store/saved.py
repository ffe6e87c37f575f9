"""Queries for members' saved papers (table `saved_papers`, migrations/0003).

A saved paper is one row per (member, paper): saving again is a no-op, except that a newer
version replaces the one kept. Listing joins the stored paper version, newest save first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.models import Paper
from bot.store.codec import datetime_text, fetch_all, fetch_one
from bot.store.db import Database, Row
from bot.store.papers import paper_from_row


class SaveResult(StrEnum):
    """What saving a paper did."""

    ADDED = "added"
    ALREADY_SAVED = "already-saved"
    #: The paper version is not in the database (a button can only name delivered papers).
    UNKNOWN_PAPER = "unknown-paper"
    #: The member has as many saved papers as allowed; nothing was added.
    FULL = "full"


@dataclass(frozen=True, slots=True)
class SavedPaper:
    """One saved paper: the version saved and when."""

    paper: Paper
    saved_at: dt.datetime


_SELECT_SAVED = """
SELECT p.base_id, p.version, p.title, p.abstract, p.authors, p.categories, p.primary_category,
       p.comment, p.journal_ref, p.doi, p.published, p.updated, s.saved_at
FROM saved_papers AS s
JOIN papers AS p ON p.base_id = s.base_id AND p.version = s.version
WHERE s.user_id = ?
ORDER BY s.saved_at DESC, s.rowid DESC
LIMIT ? OFFSET ?
"""

#: No limit, for `saved_papers(limit=-1)`: SQLite reads a negative LIMIT as none, PostgreSQL
#: refuses one, and both take this.
_ALL = 2**62


async def save_paper(
    db: Database, user_id: int, base_id: str, version: int, *, now: dt.datetime, limit: int
) -> SaveResult:
    """Save one paper version for `user_id`, within `limit` saved papers per member."""
    async with db.transaction() as conn:
        known = await conn.fetch_one(
            "SELECT 1 FROM papers WHERE base_id = ? AND version = ?", (base_id, version)
        )
        if known is None:
            return SaveResult.UNKNOWN_PAPER
        existing = await conn.fetch_one(
            "SELECT version FROM saved_papers WHERE user_id = ? AND base_id = ?",
            (user_id, base_id),
        )
        if existing is not None:
            # Keep the newest version the member saved, and the time they first saved it.
            await conn.execute(
                "UPDATE saved_papers SET version = CASE WHEN version > ? THEN version ELSE ? END"
                " WHERE user_id = ? AND base_id = ?",
                (version, version, user_id, base_id),
            )
            return SaveResult.ALREADY_SAVED
        row = await conn.fetch_one(
            "SELECT count(*) FROM saved_papers WHERE user_id = ?", (user_id,)
        )
        if row is not None and int(row[0]) >= limit:
            return SaveResult.FULL
        await conn.execute(
            "INSERT INTO saved_papers (user_id, base_id, version, saved_at) VALUES (?, ?, ?, ?)",
            (user_id, base_id, version, datetime_text(now)),
        )
    return SaveResult.ADDED


async def remove_paper(db: Database, user_id: int, base_id: str) -> bool:
    """Remove a saved paper (any version); return whether it was saved."""
    async with db.transaction() as conn:
        removed = await conn.execute(
            "DELETE FROM saved_papers WHERE user_id = ? AND base_id = ?", (user_id, base_id)
        )
        return removed > 0


async def count_saved(db: Database, user_id: int) -> int:
    """Return how many papers `user_id` has saved."""
    row = await fetch_one(db, "SELECT count(*) FROM saved_papers WHERE user_id = ?", (user_id,))
    return int(row[0]) if row else 0


async def saved_papers(
    db: Database, user_id: int, *, offset: int = 0, limit: int = -1
) -> list[SavedPaper]:
    """Return `user_id`'s saved papers, newest save first (`limit` -1 means all)."""
    rows = await fetch_all(db, _SELECT_SAVED, (user_id, _ALL if limit < 0 else limit, offset))
    return [_saved(row) for row in rows]


def _saved(row: Row) -> SavedPaper:
    saved_at = dt.datetime.fromisoformat(row["saved_at"]).astimezone(dt.UTC)
    return SavedPaper(paper=paper_from_row(row), saved_at=saved_at)
