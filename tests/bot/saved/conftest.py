"""Fixtures for saved papers: a real SQLite file holding a few stored papers, and a clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.models import Author, Paper
from bot.saved import SavedPapers
from bot.store.db import Database, open_database
from bot.store.papers import upsert_papers

NOON = dt.datetime(2026, 4, 28, 12, 0, tzinfo=dt.UTC)
ADA, BEN = 1001, 1002


class Clock:
    """A clock the test moves forward, so saves have distinct times."""

    def __init__(self, now: dt.datetime = NOON) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def tick(self, minutes: int = 1) -> None:
        self.now += dt.timedelta(minutes=minutes)


def paper(number: int, version: int = 1, **fields: object) -> Paper:
    """Return a stored-looking paper `2604.0000<number>`."""
    values: dict[str, object] = {
        "title": f"Paper number {number}",
        "abstract": f"The abstract of paper {number}.",
        "authors": (Author("Ada Lovelace"), Author("Alan Turing")),
        "categories": ("cs.CL", "cs.LG"),
        "primary_category": "cs.CL",
        **fields,
    }
    return Paper(base_id=f"2604.{number:05d}", version=version, **values)  # type: ignore[arg-type]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """Open a migrated database (each backend) holding papers 1 to 30 (version 1) and paper 1 v2."""
    async with open_database(database_url) as database:
        await upsert_papers(database, [paper(n) for n in range(1, 31)] + [paper(1, 2)], now=NOON)
        yield database


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def saved(db: Database, clock: Clock) -> SavedPapers:
    return SavedPapers(db, clock=clock)
