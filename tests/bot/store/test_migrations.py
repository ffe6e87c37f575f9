"""The schema: applied once on a fresh file, in WAL mode, and all-or-nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.store import db as db_module
from bot.store.db import load_migrations, open_database

MY_TABLES = {
    "papers",
    "announcements",
    "announcement_entries",
    "poll_state",
    "bot_state",
    "digests",
    "subscriptions",
    "outbox_messages",
    "delivered_papers",
}


def tables(path: Path) -> set[str]:
    """Return the table names of a database file, read with the plain sqlite3 module."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def user_version(path: Path) -> int:
    """Return PRAGMA user_version of a database file."""
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def only_first_migration() -> list[tuple[int, str, str]]:
    """Return just 0001_init.sql, as load_migrations would with no later files."""
    return load_migrations()[:1]


def with_broken_second() -> list[tuple[int, str, str]]:
    """Return 0001 followed by a 0002 whose second statement fails."""
    broken = "CREATE TABLE partial (x INTEGER);\nCREATE TABLE oops (;\n"
    return [*only_first_migration(), (2, "0002_broken.sql", broken)]


async def test_fresh_database_gets_schema_version_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "load_migrations", only_first_migration)
    async with open_database(tmp_path / "bot.sqlite3") as db:
        assert await db.schema_version() == 1
    assert tables(tmp_path / "bot.sqlite3") >= MY_TABLES


async def test_all_migration_files_apply_together(tmp_path: Path) -> None:
    async with open_database(tmp_path / "bot.sqlite3") as db:
        assert await db.schema_version() == load_migrations()[-1][0]
    assert tables(tmp_path / "bot.sqlite3") >= MY_TABLES


async def test_database_runs_in_wal_mode(tmp_path: Path) -> None:
    async with (
        open_database(tmp_path / "bot.sqlite3") as db,
        db.conn.execute("PRAGMA journal_mode") as cursor,
    ):
        row = await cursor.fetchone()
    assert row is not None
    assert row[0] == "wal"


async def test_reopening_keeps_data_and_does_not_reapply(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with open_database(path) as db, db.transaction() as conn:
        await conn.execute("INSERT INTO bot_state (key, value, updated_at) VALUES ('k', 'v', 'x')")
    # A second CREATE TABLE papers would fail: re-opening proves the version was honoured.
    async with open_database(path) as db:
        async with db.conn.execute("SELECT value FROM bot_state WHERE key = 'k'") as cursor:
            row = await cursor.fetchone()
        assert await db.schema_version() == load_migrations()[-1][0]
    assert row is not None
    assert row[0] == "v"


async def test_broken_migration_on_fresh_file_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.sqlite3"
    monkeypatch.setattr(db_module, "load_migrations", with_broken_second)
    with pytest.raises(StorageError, match="migration failed"):
        async with open_database(path):
            pass
    assert user_version(path) == 0
    assert tables(path) == set()


async def test_broken_later_migration_keeps_schema_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.sqlite3"
    monkeypatch.setattr(db_module, "load_migrations", only_first_migration)
    async with open_database(path):
        pass
    monkeypatch.setattr(db_module, "load_migrations", with_broken_second)
    with pytest.raises(StorageError, match="migration failed"):
        async with open_database(path):
            pass
    assert user_version(path) == 1
    assert "partial" not in tables(path)
    assert tables(path) >= MY_TABLES


def test_no_trailing_comment_holds_a_semicolon() -> None:
    # db._split_sql drops whole-line comments, then splits on every `;`: one in a comment
    # after code would cut a statement in two.
    for _, name, sql in load_migrations():
        for line in sql.splitlines():
            code, dashes, comment = line.partition("--")
            assert not (code.strip() and dashes and ";" in comment), f"{name}: {line}"
