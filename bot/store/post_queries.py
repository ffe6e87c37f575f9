"""The query a post answered, for posts that show fewer papers than matched (migration 0007).

A post's "Show all N" button lists the papers of that announcement that matched and were not
posted. The button's id names the target and the announcement; this table keeps what the
target asked for then (categories, keywords, cross-lists, language), so the list is the same
after a restart and after the target's settings change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from bot.store.codec import datetime_text, fetch_one, json_text, parse_strings
from bot.store.db import Database, Row
from bot.targets.model import TargetKey


@dataclasses.dataclass(frozen=True, slots=True)
class PostQuery:
    """What one target's post of one announcement answered, and how many papers matched.

    `keywords` holds the target's keyword lists as written (one for a digest, one per
    keyword for a subscription), as `bot.targets.model.Target` does.
    """

    target: TargetKey
    categories: tuple[str, ...]
    keywords: tuple[str, ...]
    include_cross_lists: bool
    language: str
    matched: int


_INSERT = """
INSERT INTO post_queries (target_kind, target_id, announcement_date, categories, keywords,
                          include_cross_lists, language, matched, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (target_kind, target_id, announcement_date) DO NOTHING
"""

_SELECT = """
SELECT categories, keywords, include_cross_lists, language, matched FROM post_queries
WHERE target_kind = ? AND target_id = ? AND announcement_date = ?
"""


async def record(
    db: Database, date: dt.date, queries: Sequence[PostQuery], *, now: dt.datetime
) -> None:
    """Keep the queries of posts of announcement `date` (a post's first query stays)."""
    if not queries:
        return
    stamp = datetime_text(now)
    rows = [
        (
            str(query.target.kind),
            query.target.id,
            date.isoformat(),
            json_text(list(query.categories)),
            json_text(list(query.keywords)),
            int(query.include_cross_lists),
            query.language,
            query.matched,
            stamp,
        )
        for query in queries
    ]
    async with db.transaction() as conn:
        await conn.executemany(_INSERT, rows)


async def get(db: Database, target: TargetKey, date: dt.date) -> PostQuery | None:
    """Return the query of the target's post of `date`, if it was kept."""
    row = await fetch_one(db, _SELECT, (str(target.kind), target.id, date.isoformat()))
    return None if row is None else _from_row(target, row)


def _from_row(target: TargetKey, row: Row) -> PostQuery:
    return PostQuery(
        target=target,
        categories=parse_strings(row["categories"]),
        keywords=parse_strings(row["keywords"]),
        include_cross_lists=bool(row["include_cross_lists"]),
        language=str(row["language"]),
        matched=int(row["matched"]),
    )
