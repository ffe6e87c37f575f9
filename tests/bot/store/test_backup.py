"""Backups: a consistent, self-contained copy while the bot writes, and one before migrating."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.store.backup import backup_database
from bot.store.db import load_migrations, open_database
from tests.cli_runner import base_env, run_cli

LATEST = load_migrations()[-1][0]
BATCH = 50

# A second process that writes to the database the way the bot does (WAL, short
# transactions), BATCH rows per transaction, printing the number of each committed batch,
# until a stop file appears (or a minute has passed, so that it always ends).
WRITER = """
import pathlib, sqlite3, sys, time
path, stop, batch = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3])
conn = sqlite3.connect(path, isolation_level=None, timeout=10)
deadline = time.monotonic() + 60
number = 0
while not stop.exists() and time.monotonic() < deadline:
    conn.execute("BEGIN IMMEDIATE")
    for row in range(batch):
        conn.execute(
            "INSERT INTO bot_state (key, value, updated_at) VALUES (?, 'x', 'now')",
            (f"writer-{number}-{row}",),
        )
    conn.execute("COMMIT")
    number += 1
    print(number, flush=True)
"""


def read(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Run one query on a database file with the plain sqlite3 module."""
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def names(folder: Path) -> list[str]:
    """Return the sorted names of the files and folders in `folder`."""
    return sorted(entry.name for entry in folder.iterdir())


def writer_rows(path: Path) -> int:
    [(count,)] = read(path, "SELECT count(*) FROM bot_state WHERE key LIKE 'writer-%'")
    assert isinstance(count, int)
    return count


async def make_database(path: Path, **state: str) -> None:
    """Create a migrated database holding `state` in bot_state."""
    async with open_database(path) as db, db.transaction() as conn:
        for key, value in state.items():
            await conn.execute(
                "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, 'now')", (key, value)
            )


@asynccontextmanager
async def writing(path: Path, tmp_path: Path) -> AsyncIterator[asyncio.StreamReader]:
    """Run WRITER on `path`; yield its output; stop it and wait for it on exit."""
    stop = tmp_path / "stop-writing"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WRITER, str(path), str(stop), str(BATCH),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        yield process.stdout
    finally:
        stop.touch()
        await asyncio.wait_for(process.wait(), 30)
    assert process.returncode == 0


async def batches_committed(output: asyncio.StreamReader, count: int) -> None:
    """Wait until the writer reports `count` more committed batches."""
    for _ in range(count):
        assert await asyncio.wait_for(output.readline(), 30), "the writer stopped"


async def test_backup_while_another_process_writes_is_consistent_and_blocks_nobody(
    tmp_path: Path,
) -> None:
    live = tmp_path / "arxiv-digest.sqlite3"
    await make_database(live, digest="kept")
    copy = tmp_path / "backup.sqlite3"
    async with writing(live, tmp_path) as output:
        await batches_committed(output, 3)
        run = await run_cli("backup", str(copy), env=base_env(DATABASE_PATH=str(live)))
        # The writer went on committing during and after the backup.
        await batches_committed(output, 3)
    assert run.code == 0, run.err
    assert run.out.strip().endswith(f"to {copy}")
    assert read(copy, "PRAGMA quick_check") == [("ok",)]
    assert read(copy, "PRAGMA user_version") == [(LATEST,)]
    assert read(copy, "SELECT value FROM bot_state WHERE key = 'digest'") == [("kept",)]
    rows = writer_rows(copy)
    assert rows > 0
    assert rows % BATCH == 0, "a transaction was copied in part"
    assert writer_rows(live) > rows


async def test_a_backup_holds_what_the_open_database_has_not_checkpointed(
    tmp_path: Path,
) -> None:
    live = tmp_path / "live" / "arxiv-digest.sqlite3"
    copy = tmp_path / "backup.sqlite3"
    async with open_database(live) as db:  # the bot running: its writes sit in the WAL
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO bot_state (key, value, updated_at) VALUES ('last', 'v1', 'now')"
            )
        report = await backup_database(live, copy)
    assert report.path == copy
    assert report.schema_version == LATEST
    # Self-contained: one file in rollback-journal mode, no -wal beside it.
    assert read(copy, "PRAGMA journal_mode") == [("delete",)]
    assert names(tmp_path) == ["backup.sqlite3", "live"]
    # Restoring, as README says: with the bot stopped, copy the backup over the database.
    restored = tmp_path / "restored" / "arxiv-digest.sqlite3"
    restored.parent.mkdir()
    shutil.copyfile(copy, restored)
    async with open_database(restored) as db:
        rows = await db.fetch_all("SELECT value FROM bot_state WHERE key = 'last'")
    assert [tuple(row) for row in rows] == [("v1",)]


async def test_backup_into_a_folder_names_the_copy_by_the_time(tmp_path: Path) -> None:
    live = tmp_path / "arxiv-digest.sqlite3"
    await make_database(live)
    folder = tmp_path / "backups"
    folder.mkdir()
    now = dt.datetime(2026, 4, 28, 20, 15, tzinfo=dt.UTC)
    report = await backup_database(live, folder, now=now)
    assert report.path == folder / "arxiv-digest-20260428-201500.sqlite3"
    assert read(report.path, "PRAGMA quick_check") == [("ok",)]


async def test_backup_without_a_database_exits_2_and_creates_nothing(tmp_path: Path) -> None:
    live = tmp_path / "data" / "arxiv-digest.sqlite3"
    run = await run_cli(
        "backup", str(tmp_path / "copy.sqlite3"), env=base_env(DATABASE_PATH=str(live))
    )
    assert run.code == 2
    [line] = run.err.strip().splitlines()
    assert "DATABASE_PATH" in line
    assert names(tmp_path) == []


async def test_backup_to_a_missing_folder_exits_2_saying_so(tmp_path: Path) -> None:
    live = tmp_path / "arxiv-digest.sqlite3"
    await make_database(live)
    target = tmp_path / "no-such-folder" / "copy.sqlite3"
    run = await run_cli("backup", str(target), env=base_env(DATABASE_PATH=str(live)))
    assert run.code == 2
    [line] = run.err.strip().splitlines()
    assert "no-such-folder" in line
    assert not target.parent.exists()


def schema_1_database(path: Path) -> None:
    """Write a database as the first release left it: only 0001 applied, with data."""
    [(number, _, sql)] = load_migrations()[:1]
    with sqlite3.connect(path) as conn:
        conn.executescript(sql)
        conn.execute("INSERT INTO bot_state (key, value, updated_at) VALUES ('old', 'v', 'x')")
        conn.execute(f"PRAGMA user_version = {number}")
    conn.close()


@pytest.mark.skipif(LATEST < 2, reason="needs a migration after the first one")
async def test_migrating_a_database_with_data_keeps_a_copy_of_it_first(tmp_path: Path) -> None:
    live = tmp_path / "arxiv-digest.sqlite3"
    schema_1_database(live)
    async with open_database(live) as db:
        assert await db.schema_version() == LATEST
    before = tmp_path / "arxiv-digest.schema-1.sqlite3"
    assert read(before, "PRAGMA user_version") == [(1,)]
    assert read(before, "SELECT value FROM bot_state WHERE key = 'old'") == [("v",)]
    assert read(before, "PRAGMA quick_check") == [("ok",)]


@pytest.mark.skipif(LATEST < 2, reason="needs a migration after the first one")
async def test_a_failed_pre_migration_backup_leaves_the_database_unmigrated(
    tmp_path: Path,
) -> None:
    live = tmp_path / "arxiv-digest.sqlite3"
    schema_1_database(live)
    (tmp_path / "arxiv-digest.schema-1.sqlite3").mkdir()  # in the way of the backup
    with pytest.raises(StorageError, match="backup to"):
        async with open_database(live):
            pass
    assert names(tmp_path) == ["arxiv-digest.schema-1.sqlite3", "arxiv-digest.sqlite3"]
    assert read(live, "PRAGMA user_version") == [(1,)]


async def test_a_new_database_is_migrated_without_a_backup(tmp_path: Path) -> None:
    async with open_database(tmp_path / "arxiv-digest.sqlite3"):
        pass
    assert names(tmp_path) == ["arxiv-digest.sqlite3"]
