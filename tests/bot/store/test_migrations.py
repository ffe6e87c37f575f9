"""The schema: applied once on a fresh file, in WAL mode, and all-or-nothing."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bot.errors import StorageError
from bot.store import db as db_module
from bot.store.db import (
    Database,
    Dialect,
    Migration,
    is_postgres_url,
    load_migrations,
    open_database,
)
from tests.postgres import BACKENDS, PostgresServer

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
ACTION_TABLES = {"summaries", "claude_usage", "deep_dives", "saved_papers", "paper_feedback"}
#: Tables whose queries order by SQLite's implicit rowid (the PostgreSQL schema names it).
ROWID_ORDERED = {"delivered_papers", "saved_papers", "paper_feedback"}


def tables(path: Path) -> set[str]:
    """Return the table names of a database file, read with the plain sqlite3 module."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def user_version(path: Path) -> int:
    """Return PRAGMA user_version of a database file."""
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


async def tables_at(url: str) -> set[str]:
    """Return the tables of the database at `url` (SQLite file or PostgreSQL), read raw."""
    if not is_postgres_url(url):
        return tables(Path(url))
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    finally:
        await conn.close()
    return {row[0] for row in rows} - {"schema_version"}


async def version_at(url: str) -> int:
    """Return the schema version of the database at `url`, read raw (0 without one)."""
    if not is_postgres_url(url):
        return user_version(Path(url))
    conn = await asyncpg.connect(url)
    try:
        if await conn.fetchval("SELECT to_regclass('schema_version')") is None:
            return 0
        return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))
    finally:
        await conn.close()


def only_first_migration(dialect: Dialect = Dialect.SQLITE) -> list[Migration]:
    """Return just 0001_init.sql, as load_migrations would with no later files."""
    return load_migrations(dialect)[:1]


def with_broken_second(dialect: Dialect = Dialect.SQLITE) -> list[Migration]:
    """Return 0001 followed by a 0002 whose second statement fails."""
    broken = "CREATE TABLE partial (x INTEGER);\nCREATE TABLE oops (;\n"
    return [*only_first_migration(dialect), Migration(2, "0002_broken.sql", broken)]


@pytest.fixture(params=BACKENDS)
async def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Return where a new, empty database goes: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "bot.sqlite3")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    async with server.database(migrated=False) as url:
        yield url


async def test_fresh_database_gets_schema_version_1(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "load_migrations", only_first_migration)
    async with open_database(fresh_url) as db:
        assert await db.schema_version() == 1
    assert await tables_at(fresh_url) >= MY_TABLES


async def test_all_migration_files_apply_together(fresh_url: str) -> None:
    async with open_database(fresh_url) as db:
        assert await db.schema_version() == load_migrations()[-1][0]
    assert await tables_at(fresh_url) >= MY_TABLES | ACTION_TABLES


async def test_both_dialects_have_the_same_tables_and_columns(
    tmp_path: Path, empty_postgres_url: str
) -> None:
    columns = {}
    for url in (str(tmp_path / "bot.sqlite3"), empty_postgres_url):
        async with open_database(url) as db:
            columns[db.dialect] = await column_names(db)
    assert columns[Dialect.POSTGRESQL] == columns[Dialect.SQLITE]


async def column_names(db: Database) -> dict[str, set[str]]:
    """Return each table's columns, as the queries see them (SQLite's implicit rowid included)."""
    found: dict[str, set[str]] = {}
    if db.dialect is Dialect.SQLITE:
        for table in await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'"):
            rows = await db.fetch_all("SELECT name FROM pragma_table_info(?)", (table[0],))
            found[table[0]] = {row[0] for row in rows}
            if table[0] in ROWID_ORDERED:
                found[table[0]].add("rowid")
    else:
        rows = await db.fetch_all(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name <> 'schema_version'"
        )
        for row in rows:
            found.setdefault(row[0], set()).add(row[1])
    return found


async def test_database_runs_in_wal_mode(tmp_path: Path) -> None:
    async with open_database(tmp_path / "bot.sqlite3") as db:
        row = await db.fetch_one("PRAGMA journal_mode")
    assert row is not None
    assert row[0] == "wal"


async def test_reopening_keeps_data_and_does_not_reapply(fresh_url: str) -> None:
    async with open_database(fresh_url) as db, db.transaction() as conn:
        await conn.execute("INSERT INTO bot_state (key, value, updated_at) VALUES ('k', 'v', 'x')")
    # A second CREATE TABLE papers would fail: re-opening proves the version was honoured.
    async with open_database(fresh_url) as db:
        row = await db.fetch_one("SELECT value FROM bot_state WHERE key = 'k'")
        assert await db.schema_version() == load_migrations()[-1][0]
    assert row is not None
    assert row[0] == "v"


async def test_broken_migration_on_fresh_file_leaves_nothing(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "load_migrations", with_broken_second)
    with pytest.raises(StorageError, match="migration failed"):
        async with open_database(fresh_url):
            pass
    assert await version_at(fresh_url) == 0
    assert await tables_at(fresh_url) == set()


async def test_broken_later_migration_keeps_schema_version(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "load_migrations", only_first_migration)
    async with open_database(fresh_url):
        pass
    monkeypatch.setattr(db_module, "load_migrations", with_broken_second)
    with pytest.raises(StorageError, match="migration failed"):
        async with open_database(fresh_url):
            pass
    assert await version_at(fresh_url) == 1
    assert "partial" not in await tables_at(fresh_url)
    assert await tables_at(fresh_url) >= MY_TABLES


async def test_two_processes_opening_one_new_database_migrate_it_once(
    empty_postgres_url: str,
) -> None:
    async def open_and_read() -> int:
        async with open_database(empty_postgres_url) as db:
            return await db.schema_version()

    versions = await asyncio.gather(*(open_and_read() for _ in range(3)))
    assert versions == [load_migrations()[-1][0]] * 3


def test_every_migration_number_is_shared_or_written_for_each_dialect() -> None:
    for dialect in Dialect:
        numbers = [migration.number for migration in load_migrations(dialect)]
        assert numbers == list(range(1, len(numbers) + 1))
    names = {d: [m.name for m in load_migrations(d)] for d in Dialect}
    assert names[Dialect.SQLITE] == names[Dialect.POSTGRESQL]


def test_no_trailing_comment_holds_a_semicolon() -> None:
    # db._split_sql drops whole-line comments, then splits on every `;`: one in a comment
    # after code would cut a statement in two.
    for _, name, sql in load_migrations():
        for line in sql.splitlines():
            code, dashes, comment = line.partition("--")
            assert not (code.strip() and dashes and ";" in comment), f"{name}: {line}"


CREATED = "2026-04-01T00:00:00+00:00"


def version_2_database(path: Path) -> None:
    """Write a database as version 2 left it, with rows each kind of 0003 change touches."""
    first, second = load_migrations()[:2]
    with sqlite3.connect(path) as conn:
        conn.executescript(first[2] + second[2])
        conn.execute("PRAGMA user_version = 2")
        digest = (
            "INSERT INTO digests (channel_id, guild_id, categories, paused, pause_reason,"
            " last_posted_date, created_at, updated_at) VALUES (?, 1, '[\"cs.AI\"]', ?, ?, ?,"
            " '2026-04-01T00:00:00+00:00', '2026-04-01T00:00:00+00:00')"
        )
        conn.execute(digest, (1, 1, "paused by an admin", None))
        conn.execute(digest, (2, 1, "no permission to post in channel 2", "2026-04-27"))
        conn.execute(digest, (3, 1, "channel 3 no longer exists", None))
        conn.execute(digest, (4, 0, None, "2026-04-20"))
        conn.execute(
            "INSERT INTO outbox_messages (target_kind, target_id, announcement_date, seq, nonce,"
            " payload, created_at) VALUES ('channel', 4, '2026-04-28', 0, 'n', '{}', 'x')"
        )
        conn.execute(
            "INSERT INTO subscriptions (user_id, dm_blocked_notified, last_sent_date,"
            " created_at, updated_at) VALUES (9, 1, '2026-04-21', ?, ?)",
            (CREATED, CREATED),
        )
        state = "INSERT INTO poll_state (url, last_result) VALUES (?, ?)"
        conn.execute(state, ("a", "ok"))
        conn.execute(state, ("b", "HTTP 503 after 4 tries"))
        conn.execute(state, ("c", "the feed is empty although arXiv should have announced papers"))


async def test_migration_3_keeps_what_older_rows_meant(tmp_path: Path) -> None:
    from bot.outcomes import PollStatus
    from bot.store import poll_state, targets
    from bot.targets.model import PauseReason

    path = tmp_path / "bot.sqlite3"
    version_2_database(path)
    async with open_database(path) as db:
        digests = {config.channel_id: config for config in await targets.list_digests(db)}
        states = {state.url: state for state in await poll_state.list_poll_states(db)}
        sub = await targets.get_subscription(db, 9)
    assert [digests[n].pause_reason for n in (1, 2, 3, 4)] == [
        PauseReason.ADMIN,
        PauseReason.NO_PERMISSION,
        PauseReason.CHANNEL_GONE,
        None,
    ]
    # Planned through the latest of what was posted and what the outbox holds.
    assert [str(digests[n].planned_date) for n in (1, 2, 4)] == ["None", "2026-04-27", "2026-04-28"]
    assert sub is not None and str(sub.planned_date) == "2026-04-21"
    assert [(states[u].last_result, states[u].last_error) for u in "abc"] == [
        (PollStatus.FETCHED, None),
        (PollStatus.FAILED, "HTTP 503 after 4 tries"),
        (PollStatus.EMPTY_ON_ANNOUNCEMENT_DAY, None),
    ]


def database_at(path: Path, version: int) -> None:
    """Write a database as migration `version` left it, with the plain sqlite3 module."""
    with sqlite3.connect(path) as conn:
        for _, _, sql in load_migrations()[:version]:
            conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {version}")


async def test_per_paper_actions_migrate_a_database_with_summaries_in_it(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    database_at(path, 3)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO claude_usage (at, day, month, model, base_id, version, language,"
            " input_tokens, output_tokens, cost_usd, valid) VALUES ('2026-04-28T00:00:00+00:00',"
            " '2026-04-28', '2026-04', 'claude-haiku-4-5', '2604.00001', 1, 'en', 10, 5, 0.1, 1)"
        )
    async with open_database(path) as db:
        assert await db.schema_version() == load_migrations()[-1][0]
        rows = [
            tuple(row) for row in await db.fetch_all("SELECT purpose, cost_usd FROM claude_usage")
        ]
    # The summary spending recorded before the upgrade still counts, as summaries.
    assert rows == [("summary", 0.1)]
    assert tables(path) >= {"deep_dives", "saved_papers", "paper_feedback", "paper_action_clicks"}
