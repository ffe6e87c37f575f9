"""Consistent copies of the live database, made with SQLite's online backup API.

Copying the database file is not a backup: in WAL mode committed transactions may still sit
in the `-wal` file, and a copy taken during a write can hold half of it. SQLite's backup API
copies one consistent snapshot through a read transaction, and in WAL mode a reader does not
block the writer, so the bot keeps working meanwhile (https://www.sqlite.org/backup.html,
https://www.sqlite.org/wal.html).

The copy is written beside its destination, switched to `journal_mode=DELETE` so that it is
one self-contained file, opened afresh and checked (`PRAGMA quick_check`, the schema
version), and only then renamed into place: a failed backup never replaces a good one.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import sqlite3
from pathlib import Path

import aiosqlite

from bot.errors import ConfigError, StorageError, UserInputError
from bot.timeutil import utc_now

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class BackupReport:
    """What a finished, verified backup holds."""

    path: Path
    schema_version: int
    size_bytes: int


async def backup_database(
    database: Path, destination: Path, *, now: dt.datetime | None = None
) -> BackupReport:
    """Copy the database file at `database` to `destination` while other processes use it.

    `destination` may be a folder: the copy is then named after the database and the time
    (`arxiv-digest-20260428-201500.sqlite3`). The database is opened without migrating or
    creating anything.
    """
    uri, target = await asyncio.to_thread(_prepare, database, destination, now or utc_now())
    try:
        conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open database {database}: {exc}") from exc
    try:
        # The bot may hold the write lock for a moment; wait for it like the bot does.
        await conn.execute("PRAGMA busy_timeout = 5000")
        return await backup_connection(conn, target)
    finally:
        await conn.close()


async def backup_connection(conn: aiosqlite.Connection, target: Path) -> BackupReport:
    """Copy the database behind `conn` to the file `target`, verified before it takes the name."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        async with conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        version = int(row[0]) if row else 0
        # aiosqlite runs the copy on its own thread, hence check_same_thread=False.
        copy = sqlite3.connect(partial, check_same_thread=False)
        try:
            await conn.backup(copy)  # pages=0: the whole database in one consistent step
        finally:
            copy.close()
        size = await asyncio.to_thread(_finish, partial, version, target)
    except (OSError, sqlite3.Error) as exc:
        await asyncio.to_thread(partial.unlink, missing_ok=True)
        raise StorageError(f"backup to {target} failed: {exc}") from exc
    return BackupReport(path=target, schema_version=version, size_bytes=size)


def pre_migration_path(database: Path, version: int) -> Path:
    """Return where the copy taken before migrating from schema `version` goes."""
    return database.with_name(f"{database.stem}.schema-{version}{database.suffix}")


def _prepare(database: Path, destination: Path, now: dt.datetime) -> tuple[str, Path]:
    """Return the URI that opens the existing database and the file to write for `destination`."""
    target = _target_file(database, destination, now)
    if not database.is_file():
        raise ConfigError(f"no database at {database} (DATABASE_PATH): nothing to back up")
    return f"{database.resolve().as_uri()}?mode=rw", target  # mode=rw: never create one


def _target_file(database: Path, destination: Path, now: dt.datetime) -> Path:
    """Return the file to write for `destination`; refuse one that cannot be right."""
    if destination.is_dir():
        stamp = now.astimezone(dt.UTC).strftime("%Y%m%d-%H%M%S")
        destination = destination / f"{database.stem}-{stamp}{database.suffix or '.sqlite3'}"
    if not destination.parent.is_dir():
        raise UserInputError(f"folder {destination.parent} does not exist; create it first")
    if destination.exists() and destination.resolve() == database.resolve():
        raise UserInputError(f"{destination} is the database itself; give another path")
    return destination


def _finish(path: Path, version: int, target: Path) -> int:
    """Make the copy one file, check it afresh, then give it the target's name; return its size."""
    with contextlib.closing(sqlite3.connect(path)) as copy:
        copy.execute("PRAGMA journal_mode = DELETE")
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as ro:
        check = ro.execute("PRAGMA quick_check").fetchone()
        copied = ro.execute("PRAGMA user_version").fetchone()
    if check is None or check[0] != "ok":
        raise sqlite3.DatabaseError(f"the copy fails quick_check: {check}")
    if copied is None or int(copied[0]) != version:
        raise sqlite3.DatabaseError(f"the copy has schema {copied}, the database {version}")
    with path.open("rb") as handle:
        os.fsync(handle.fileno())
    path.replace(target)
    _sync_folder(target.parent)
    return target.stat().st_size


def _sync_folder(folder: Path) -> None:
    """Flush the rename to disk, so a crash right after cannot lose the new name."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
