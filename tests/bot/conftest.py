"""The database most tests of bot/ run on: a migrated SQLite file in the test's folder.

A module whose tests run on both backends overrides `db` with one that takes `database_url`
(tests/postgres.py), as the store's tests do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.db import Database, open_database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """Open a migrated SQLite file, `bot.sqlite3` in the test's temporary folder."""
    async with open_database(tmp_path / "bot.sqlite3") as database:
        yield database
