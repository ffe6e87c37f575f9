"""The shared connection: reads see committed data only; unusable files are one clear line.

Faults are real files: a path under a regular file, a folder, text that is not a database,
a damaged page, an immutable file (`chattr +i`, root only), a schema from a newer version.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.errors import ConstraintError, StorageError
from bot.store import poll_state
from bot.store.db import Database, is_postgres_url, load_migrations, open_database
from tests.os_faults import root_with, set_immutable

LATEST = load_migrations()[-1][0]


async def test_a_read_does_not_see_another_tasks_uncommitted_row(database_url: str) -> None:
    async with open_database(database_url) as db:
        written = asyncio.Event()
        finish = asyncio.Event()

        async def writer_that_rolls_back() -> None:
            with pytest.raises(RuntimeError):
                async with db.transaction() as conn:
                    await conn.execute(
                        "INSERT INTO bot_state (key, value, updated_at) VALUES ('k', 'v', 'x')"
                    )
                    written.set()
                    await finish.wait()
                    raise RuntimeError("the transaction fails after its write")

        writer = asyncio.create_task(writer_that_rolls_back())
        await written.wait()
        reader = asyncio.create_task(poll_state.get_value(db, "k"))
        # SQLite's reader waits for the transaction (it shares its one connection);
        # PostgreSQL's reads committed data at once. Either way it must not see the row.
        await asyncio.wait({reader}, timeout=0.05)
        seen_while_open = reader.result() if reader.done() else None
        finish.set()
        await writer

        assert seen_while_open is None
        assert await reader is None  # the row was rolled back and never seen


async def test_a_transaction_reads_its_own_writes(database_url: str) -> None:
    async with open_database(database_url) as db, db.transaction() as conn:
        await conn.execute("INSERT INTO bot_state (key, value, updated_at) VALUES ('k', 'v', 'x')")
        assert await poll_state.get_value(db, "k") == "v"


async def test_a_database_from_a_newer_version_is_refused(database_url: str) -> None:
    async with open_database(database_url) as db:
        name = db.name
    await set_version(database_url, LATEST + 3)

    with pytest.raises(StorageError) as excinfo:
        async with open_database(database_url):
            pass

    assert str(excinfo.value) == (
        f"database {name} was made by a newer arxiv-digest-bot (schema {LATEST + 3} > {LATEST});"
        " run that version, or restore a backup"
    )


async def set_version(url: str, version: int) -> None:
    """Write a schema version into the database at `url` as a newer release would."""
    if not is_postgres_url(url):
        with sqlite3.connect(url) as conn:
            conn.execute(f"PRAGMA user_version = {version}")
        return
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("UPDATE schema_version SET version = $1", version)
    finally:
        await conn.close()


async def test_writes_wait_for_each_other_across_connections(database_url: str) -> None:
    # Two bots on one database (two processes on PostgreSQL, or the CLI beside the bot on
    # SQLite): a body that reads, decides and writes sees the other's committed write.
    async with open_database(database_url) as first, open_database(database_url) as second:

        async def add_one(db: Database) -> None:
            async with db.transaction() as conn:
                row = await conn.fetch_one("SELECT value FROM bot_state WHERE key = 'n'")
                count = int(row[0]) if row else 0
                await asyncio.sleep(0.01)  # the other writer would slip in here without a lock
                await conn.execute(
                    "INSERT INTO bot_state (key, value, updated_at) VALUES ('n', ?, '')"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(count + 1),),
                )

        await asyncio.gather(*(add_one(db) for db in (first, second) * 5))
        row = await first.fetch_one("SELECT value FROM bot_state WHERE key = 'n'")
    assert row is not None and row[0] == "10"


async def test_a_broken_rule_is_a_constraint_error_on_both_backends(database_url: str) -> None:
    async with open_database(database_url) as db:
        with pytest.raises(ConstraintError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO digests (channel_id, guild_id, categories, created_at,"
                    " updated_at) VALUES (1, 1, 'not json', '', '')"
                )
        assert await db.fetch_all("SELECT * FROM digests") == []


async def test_a_postgres_server_that_cannot_be_reached_is_one_line_without_the_password(
    tmp_path: Path,
) -> None:
    url = f"postgresql://bot:s3cret@/arxiv?host={tmp_path}&port=1"
    with pytest.raises(StorageError) as excinfo:
        async with open_database(url):
            pass
    message = str(excinfo.value)
    assert message.startswith(f"cannot use database postgresql://bot:***@/arxiv?host={tmp_path}")
    assert "s3cret" not in message
    assert "\n" not in message


def make_unusable(kind: str, tmp_path: Path) -> Path:
    """Return a DATABASE_PATH that cannot work, of the given kind."""
    if kind == "under-a-file":
        (tmp_path / "notes.txt").write_text("a file, not a folder")
        return tmp_path / "notes.txt" / "bot.sqlite3"
    if kind == "a-folder":
        (tmp_path / "db").mkdir()
        return tmp_path / "db"
    if kind == "not-a-database":
        path = tmp_path / "bot.sqlite3"
        path.write_text("these are my notes, not an SQLite file\n" * 200)
        return path
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("under-a-file", "notes.txt is a file, not a folder"),
        ("a-folder", "is a folder, not a database file"),
        ("not-a-database", "the file is not an SQLite database"),
    ],
)
async def test_an_unusable_path_is_one_line_naming_it(
    tmp_path: Path, kind: str, reason: str
) -> None:
    path = make_unusable(kind, tmp_path)
    with pytest.raises(StorageError) as excinfo:
        async with open_database(path):
            pass
    message = str(excinfo.value)
    assert message.startswith(f"cannot use database {path}: ")
    assert reason in message
    assert "\n" not in message


def damage_page_one(path: Path) -> None:
    """Overwrite the schema page after the file header: SQLite cannot read the schema."""
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xa5" * (4096 - 100)
    path.write_bytes(bytes(data))


async def test_a_damaged_schema_is_refused_on_open(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with open_database(path):
        pass
    damage_page_one(path)
    with pytest.raises(StorageError, match=r"cannot use database .*bot\.sqlite3"):
        async with open_database(path):
            pass


async def test_quick_check_finds_a_damaged_table_that_opening_does_not(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with open_database(path) as db, db.transaction() as conn:
        rows = [
            ("2026-04-28", f"2604.{i:05d}", 1, "en", "m", "timeout", "x" * 300) for i in range(400)
        ]
        await conn.executemany(
            "INSERT INTO summary_fallbacks (at, base_id, version, language, model, reason,"
            " detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'summary_fallbacks'"
        ).fetchone()[0]
    data = bytearray(path.read_bytes())
    start = (root - 1) * 4096  # the table's root page: its cell pointers become nonsense
    data[start + 8 : start + 4096] = b"\xff" * (4096 - 8)
    path.write_bytes(bytes(data))

    async with open_database(path):  # opening and migrating do not read that table
        pass
    with pytest.raises(StorageError, match=r"damaged.*restore a backup"):
        async with open_database(path, check=True):
            pass


needs_chattr = pytest.mark.skipif(root_with("chattr") is not None, reason=str(root_with("chattr")))


@needs_chattr
async def test_an_immutable_database_file_is_refused_on_open(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with open_database(path):
        pass
    set_immutable(path, True)
    try:
        with pytest.raises(StorageError) as excinfo:
            async with open_database(path):
                pass
    finally:
        set_immutable(path, False)
    assert str(excinfo.value) == f"cannot use database {path}: the file is read-only"
