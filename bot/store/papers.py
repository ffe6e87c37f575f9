"""Papers: one row per (base id, version), filled by the feed and completed by the API.

The feed re-sends a version every time it announces it again (a cross-list on another day, a
second fetch of the same day), with less metadata than the API gives (no affiliations, no
comment). So a feed upsert never overwrites what the enrichment stored; it only fills gaps.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from bot.models import AnnounceType, Author, Paper
from bot.store.codec import (
    datetime_text,
    fetch_all,
    fetch_one,
    json_text,
    optional_datetime_text,
    parse_datetime,
    parse_strings,
    unique,
)
from bot.store.db import Connection, Database, PerDialect, Row
from bot.timeutil import utc_now

# Feed data fills a row, or refreshes one the API has not completed yet. Once enriched_at is
# set, the stored (API) values win and the feed only fills columns that are still NULL.
_UPSERT_FROM_FEED = """
INSERT INTO papers (base_id, version, title, abstract, authors, categories, primary_category,
                    comment, journal_ref, doi, published, updated, first_seen_at)
VALUES (:base_id, :version, :title, :abstract, :authors, :categories, :primary_category,
        :comment, :journal_ref, :doi, :published, :updated, :now)
ON CONFLICT (base_id, version) DO UPDATE SET
    title = CASE WHEN papers.enriched_at IS NULL THEN excluded.title ELSE papers.title END,
    abstract = CASE WHEN papers.enriched_at IS NULL
                    THEN excluded.abstract ELSE papers.abstract END,
    authors = CASE WHEN papers.enriched_at IS NULL THEN excluded.authors ELSE papers.authors END,
    categories = CASE WHEN papers.enriched_at IS NULL
                      THEN excluded.categories ELSE papers.categories END,
    primary_category = CASE WHEN papers.enriched_at IS NULL
        THEN coalesce(excluded.primary_category, papers.primary_category)
        ELSE coalesce(papers.primary_category, excluded.primary_category) END,
    comment = CASE WHEN papers.enriched_at IS NULL
        THEN coalesce(excluded.comment, papers.comment)
        ELSE coalesce(papers.comment, excluded.comment) END,
    journal_ref = CASE WHEN papers.enriched_at IS NULL
        THEN coalesce(excluded.journal_ref, papers.journal_ref)
        ELSE coalesce(papers.journal_ref, excluded.journal_ref) END,
    doi = CASE WHEN papers.enriched_at IS NULL
        THEN coalesce(excluded.doi, papers.doi)
        ELSE coalesce(papers.doi, excluded.doi) END,
    published = CASE WHEN papers.enriched_at IS NULL
        THEN coalesce(excluded.published, papers.published)
        ELSE coalesce(papers.published, excluded.published) END,
    updated = CASE WHEN papers.enriched_at IS NULL
        THEN coalesce(excluded.updated, papers.updated)
        ELSE coalesce(papers.updated, excluded.updated) END
"""

# The API is the authority for a version's metadata: its values replace the feed's, except
# that a field the API left empty keeps what the feed gave (e.g. a DOI only the feed carried).
_UPSERT_ENRICHED = """
INSERT INTO papers (base_id, version, title, abstract, authors, categories, primary_category,
                    comment, journal_ref, doi, published, updated, enriched_at, first_seen_at)
VALUES (:base_id, :version, :title, :abstract, :authors, :categories, :primary_category,
        :comment, :journal_ref, :doi, :published, :updated, :now, :now)
ON CONFLICT (base_id, version) DO UPDATE SET
    title = excluded.title,
    abstract = excluded.abstract,
    authors = excluded.authors,
    categories = CASE WHEN excluded.categories = '[]'
                      THEN papers.categories ELSE excluded.categories END,
    primary_category = coalesce(excluded.primary_category, papers.primary_category),
    comment = coalesce(excluded.comment, papers.comment),
    journal_ref = coalesce(excluded.journal_ref, papers.journal_ref),
    doi = coalesce(excluded.doi, papers.doi),
    published = coalesce(excluded.published, papers.published),
    updated = coalesce(excluded.updated, papers.updated),
    enriched_at = excluded.enriched_at
"""

_SELECT_LATEST = """
SELECT base_id, version, title, abstract, authors, categories, primary_category, comment,
       journal_ref, doi, published, updated
FROM papers WHERE base_id = ? ORDER BY version DESC LIMIT 1
"""

_SELECT_VERSION = """
SELECT base_id, version, title, abstract, authors, categories, primary_category, comment,
       journal_ref, doi, published, updated
FROM papers WHERE base_id = ? AND version = ?
"""

# The latest stored version of each paper of a JSON list of base ids (`?`); SQLite reads the
# list with json_each, PostgreSQL as jsonb.
_LATEST_OF = PerDialect(
    sqlite="""
SELECT p.base_id, p.version, p.title, p.abstract, p.authors, p.categories,
       p.primary_category, p.comment, p.journal_ref, p.doi, p.published, p.updated
FROM papers AS p
WHERE p.base_id IN (SELECT value FROM json_each(?))
  AND p.version = (SELECT max(version) FROM papers WHERE base_id = p.base_id)
""",
    postgresql="""
SELECT p.base_id, p.version, p.title, p.abstract, p.authors, p.categories,
       p.primary_category, p.comment, p.journal_ref, p.doi, p.published, p.updated
FROM papers AS p
WHERE p.base_id IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))
  AND p.version = (SELECT max(version) FROM papers WHERE base_id = p.base_id)
""",
)

# Which papers of a JSON list of base ids have their latest stored version enriched.
_ENRICHED_OF = PerDialect(
    sqlite="""
SELECT p.base_id FROM papers AS p
WHERE p.base_id IN (SELECT value FROM json_each(?))
  AND p.enriched_at IS NOT NULL
  AND p.version = (SELECT max(version) FROM papers WHERE base_id = p.base_id)
""",
    postgresql="""
SELECT p.base_id FROM papers AS p
WHERE p.base_id IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))
  AND p.enriched_at IS NOT NULL
  AND p.version = (SELECT max(version) FROM papers WHERE base_id = p.base_id)
""",
)


async def upsert_papers(
    db: Database, papers: Iterable[Paper], *, now: dt.datetime | None = None
) -> None:
    """Store papers as the feed describes them, keeping anything the API enrichment stored."""
    async with db.transaction() as conn:
        await upsert_papers_in_transaction(conn, papers, now=now)


async def upsert_papers_in_transaction(
    conn: Connection, papers: Iterable[Paper], *, now: dt.datetime | None = None
) -> None:
    """Run `upsert_papers` inside a transaction the caller holds (record_announcement's)."""
    stamp = datetime_text(now or utc_now())
    await conn.executemany(_UPSERT_FROM_FEED, [_params(paper, stamp) for paper in papers])


async def save_enriched(
    db: Database, papers: Iterable[Paper], *, now: dt.datetime | None = None
) -> None:
    """Store papers as the query API describes them and mark them enriched at `now`.

    The API answers for the version it returns (the latest, for an id without `vN`), which may
    be newer than the version the feed announced: that version gets its own row.
    """
    stamp = datetime_text(now or utc_now())
    async with db.transaction() as conn:
        await conn.executemany(_UPSERT_ENRICHED, [_params(paper, stamp) for paper in papers])


async def get_paper(db: Database, base_id: str, version: int | None = None) -> Paper | None:
    """Return one stored version of a paper (the latest stored when `version` is None).

    The result carries no announcement context (`announce_type`, `announced` are None): that
    belongs to an announcement entry, see `bot.store.announcements.entries_for`.
    """
    if version is None:
        row = await fetch_one(db, _SELECT_LATEST, (base_id,))
    else:
        row = await fetch_one(db, _SELECT_VERSION, (base_id, version))
    return None if row is None else paper_from_row(row)


async def latest_papers(db: Database, base_ids: Iterable[str]) -> dict[str, Paper]:
    """Return the latest stored version of each of `base_ids` that is known, in one query."""
    rows = await fetch_all(db, _LATEST_OF, (json_text(unique(base_ids)),))
    return {str(row["base_id"]): paper_from_row(row) for row in rows}


async def papers_needing_enrichment(db: Database, base_ids: Iterable[str]) -> list[str]:
    """Return the base ids whose latest stored version the API has not enriched yet.

    Unknown ids are included (they need a lookup too); the input order is kept, repeats dropped.
    A new version announced after an enrichment needs one again: comment and journal ref change.
    """
    wanted = unique(base_ids)
    rows = await fetch_all(db, _ENRICHED_OF, (json_text(wanted),))
    enriched = {str(row["base_id"]) for row in rows}
    return [base_id for base_id in wanted if base_id not in enriched]


def paper_from_row(
    row: Row,
    *,
    announce_type: AnnounceType | None = None,
    announced: dt.date | None = None,
) -> Paper:
    """Build a Paper from a row holding the papers columns, plus its announcement context."""
    authors = tuple(
        Author(name=str(item["name"]), affiliations=tuple(item.get("affiliations", ())))
        for item in json.loads(row["authors"])
    )
    return Paper(
        base_id=str(row["base_id"]),
        version=int(row["version"]),
        title=str(row["title"]),
        abstract=str(row["abstract"]),
        authors=authors,
        categories=parse_strings(row["categories"]),
        primary_category=row["primary_category"],
        comment=row["comment"],
        journal_ref=row["journal_ref"],
        doi=row["doi"],
        published=parse_datetime(row["published"]),
        updated=parse_datetime(row["updated"]),
        announce_type=announce_type,
        announced=announced,
    )


def _params(paper: Paper, stamp: str) -> dict[str, Any]:
    """Return the named parameters of both upserts for one paper."""
    return {
        "base_id": paper.base_id,
        "version": paper.version,
        "title": paper.title,
        "abstract": paper.abstract,
        "authors": json_text(
            [{"name": a.name, "affiliations": list(a.affiliations)} for a in paper.authors]
        ),
        "categories": json_text(unique(paper.categories)),
        "primary_category": paper.primary_category,
        "comment": paper.comment,
        "journal_ref": paper.journal_ref,
        "doi": paper.doi,
        "published": optional_datetime_text(paper.published),
        "updated": optional_datetime_text(paper.updated),
        "now": stamp,
    }
