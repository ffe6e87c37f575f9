"""Papers: feed rows, API enrichment, versions."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.models import Author, Paper
from bot.store.db import Database, open_database
from bot.store.papers import (
    get_paper,
    papers_needing_enrichment,
    save_enriched,
    upsert_papers,
)

NOW = dt.datetime(2026, 4, 28, 1, 0, tzinfo=dt.UTC)

# As the announcement feed gives it: authors without affiliations, no comment.
FEED_PAPER = Paper(
    base_id="2508.13426",
    version=1,
    title="ALIGN: Word Association Learning for Cross-Cultural Generalization",
    abstract="As large language models (LLMs) increasingly mediate ...",
    authors=(Author("Chunhua Liu"), Author("Kabir Manandhar Shrestha")),
    categories=("cs.CL", "cs.AI"),
    primary_category="cs.CL",
)

# As the query API gives the same version: affiliations, comment, dates.
API_PAPER = dataclasses.replace(
    FEED_PAPER,
    authors=(
        Author("Chunhua Liu", ("University of Melbourne",)),
        Author("Kabir Manandhar Shrestha", ("University of Melbourne", "CSIRO")),
    ),
    comment="Accepted to EMNLP 2025",
    journal_ref="EMNLP 2025",
    published=dt.datetime(2025, 8, 19, 1, 2, 3, tzinfo=dt.UTC),
    updated=dt.datetime(2025, 8, 19, 1, 2, 3, tzinfo=dt.UTC),
)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with open_database(database_url) as database:
        yield database


async def test_stored_paper_reads_back_equal(db: Database) -> None:
    await upsert_papers(db, [API_PAPER], now=NOW)
    assert await get_paper(db, "2508.13426", 1) == API_PAPER


async def test_unknown_paper_reads_as_none(db: Database) -> None:
    assert await get_paper(db, "0000.00000") is None


async def test_paper_without_version_reads_latest(db: Database) -> None:
    v2 = dataclasses.replace(FEED_PAPER, version=2, title="ALIGN (revised)")
    await upsert_papers(db, [v2, FEED_PAPER], now=NOW)
    latest = await get_paper(db, "2508.13426")
    assert latest is not None
    assert (latest.version, latest.title) == (2, "ALIGN (revised)")


async def test_each_version_keeps_its_own_row(db: Database) -> None:
    v2 = dataclasses.replace(FEED_PAPER, version=2, title="ALIGN (revised)")
    await upsert_papers(db, [FEED_PAPER, v2], now=NOW)
    first = await get_paper(db, "2508.13426", 1)
    assert first is not None
    assert first.title == FEED_PAPER.title


async def test_feed_resend_does_not_overwrite_enrichment(db: Database) -> None:
    await upsert_papers(db, [FEED_PAPER], now=NOW)
    await save_enriched(db, [API_PAPER], now=NOW)
    resent = dataclasses.replace(FEED_PAPER, title="ALIGN  (feed whitespace)")
    await upsert_papers(db, [resent], now=NOW)
    assert await get_paper(db, "2508.13426", 1) == API_PAPER


async def test_feed_resend_refreshes_a_paper_not_enriched_yet(db: Database) -> None:
    await upsert_papers(db, [FEED_PAPER], now=NOW)
    corrected = dataclasses.replace(FEED_PAPER, title="ALIGN, corrected")
    await upsert_papers(db, [corrected], now=NOW)
    assert await get_paper(db, "2508.13426", 1) == corrected


async def test_enrichment_keeps_a_doi_only_the_feed_gave(db: Database) -> None:
    await upsert_papers(db, [dataclasses.replace(FEED_PAPER, doi="10.1000/xyz")], now=NOW)
    await save_enriched(db, [API_PAPER], now=NOW)
    stored = await get_paper(db, "2508.13426", 1)
    assert stored is not None
    assert stored.doi == "10.1000/xyz"
    assert stored.comment == "Accepted to EMNLP 2025"


async def test_needing_enrichment_lists_unenriched_and_unknown_ids_in_order(
    db: Database,
) -> None:
    other = dataclasses.replace(FEED_PAPER, base_id="2508.13428")
    await upsert_papers(db, [FEED_PAPER, other], now=NOW)
    await save_enriched(db, [API_PAPER], now=NOW)
    needing = await papers_needing_enrichment(
        db, ["9999.99999", "2508.13428", "2508.13426", "2508.13428"]
    )
    assert needing == ["9999.99999", "2508.13428"]


async def test_new_version_needs_enrichment_again(db: Database) -> None:
    await save_enriched(db, [API_PAPER], now=NOW)
    await upsert_papers(db, [dataclasses.replace(FEED_PAPER, version=2)], now=NOW)
    assert await papers_needing_enrichment(db, ["2508.13426"]) == ["2508.13426"]


async def test_enrichment_without_categories_keeps_the_feeds(db: Database) -> None:
    await upsert_papers(db, [FEED_PAPER], now=NOW)
    await save_enriched(db, [dataclasses.replace(API_PAPER, categories=())], now=NOW)
    stored = await get_paper(db, "2508.13426", 1)
    assert stored is not None
    assert stored.categories == ("cs.CL", "cs.AI")
