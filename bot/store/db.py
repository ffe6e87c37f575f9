"""The SQLite connection: opened once in `main()`, WAL mode, numbered migrations.

Migrations are `migrations/NNNN_name.sql`, applied in order, all pending ones in one
transaction, the schema version kept in `PRAGMA user_version` (the approach of RoboDanny's
migrations, without a separate table). Each file starts with a one-line `--` reason.

Every way a database can be unusable (a folder that cannot be made, a file that is not a
database, a damaged one, a read-only one, one written by a newer version) is found while
opening it and reported as one `StorageError` line naming the file.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.errors import StorageError
from bot.store.backup import backup_connection, pre_migration_path

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

#: How long a statement waits for another process's write lock (a CLI command beside the
#: running bot) before it fails with "database is locked".
BUSY_TIMEOUT_MS = 5000

# Positional (`?`) or named (`:name`) parameters, as sqlite3 takes them.
Params = Sequence[Any] | Mapping[str, Any]


def load_migrations() -> list[tuple[int, str, str]]:
    """Return (number, file name, SQL) for every migration file, in order."""
    found = []
    for entry in resources.files("bot.store").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _, _ in found]
    if numbers != list(range(1, len(found) + 1)):
        raise StorageError(f"migrations must be numbered 0001, 0002, ... without gaps: {numbers}")
    return found


class Database:
    """One aiosqlite connection shared by the whole process.

    aiosqlite runs every statement on one worker thread, so statements never interleave;
    `transaction()` groups several into one atomic unit. Reads go through `fetch_one` and
    `fetch_all`, which take the same turn as transactions: a read made while another task's
    transaction is open would otherwise see its uncommitted rows, which may yet be rolled
    back. Inside its own transaction a task reads its own writes.
    """

    def __init__(self, conn: aiosqlite.Connection, path: str = ":memory:") -> None:
        self.conn = conn
        self.path = path
        # One connection means one transaction at a time: tasks that write concurrently
        # (the scheduler posting while a member runs /subscribe) take turns here.
        # Not re-entrant: a transaction body must not open another.
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the body in one transaction: commit on success, roll back on any error."""
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                await self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.conn
                except BaseException:
                    await self.conn.rollback()
                    raise
                try:
                    await self.conn.commit()
                except BaseException:
                    # A failed COMMIT (disk full, I/O error) can leave the transaction
                    # open; end it so the next one can begin.
                    await _quietly_roll_back(self.conn)
                    raise
            finally:
                self._owner = None

    async def fetch_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Run a query and return its first row, if any (committed data only)."""
        async with self._turn(), self.conn.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run a query and return all its rows (committed data only)."""
        async with self._turn(), self.conn.execute(sql, params) as cursor:
            return list(await cursor.fetchall())

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """Wait for the connection between transactions; inside our own, read through it."""
        if self._owner is not None and self._owner is asyncio.current_task():
            yield
            return
        async with self._lock:
            yield

    async def schema_version(self) -> int:
        """Return `PRAGMA user_version`: the number of the last migration applied."""
        row = await self.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self, *, database_path: Path | None = None) -> int:
        """Apply pending migrations in one transaction; return the new schema version.

        Refuse a database whose schema is newer than this code knows: running on it would
        read and write tables whose meaning changed. With `database_path` (the file behind
        this connection), a database that already holds a schema is first copied beside it
        (`arxiv-digest.schema-N.sqlite3`), so the data as it was survives a migration that
        turns out wrong and a return to the older release. A copy that cannot be written
        stops the migration (StorageError).
        """
        migrations = load_migrations()
        current = await self.schema_version()
        known = migrations[-1][0] if migrations else 0
        if current > known:
            raise StorageError(
                f"database {self.path} was made by a newer arxiv-digest-bot"
                f" (schema {current} > {known}); run that version, or restore a backup"
            )
        pending = [m for m in migrations if m[0] > current]
        if not pending:
            return current
        if database_path is not None and current > 0:
            report = await backup_connection(self.conn, pre_migration_path(database_path, current))
            log.info("backed up the database to %s before migrating", report.path)
        try:
            async with self.transaction() as conn:
                for number, name, sql in pending:
                    log.info("applying migration %s", name)
                    # executescript() would COMMIT first; run the statements one by one
                    # so that all pending migrations share this transaction.
                    for statement in _split_sql(sql):
                        await conn.execute(statement)
                    await conn.execute(f"PRAGMA user_version = {int(number)}")
        except sqlite3.Error as exc:
            raise StorageError(
                f"migration failed, database left at version {current}: {exc}"
            ) from exc
        return pending[-1][0]

    async def check_writable(self) -> None:
        """Raise StorageError unless a row can be written (then roll it back).

        SQLite opens a read-only file without complaint and only refuses the first write,
        which would come in the middle of a poll; this finds it at start-up.
        """
        try:
            async with self.transaction() as conn:
                await conn.execute(
                    "INSERT INTO bot_state (key, value, updated_at) VALUES ('write-check', '', '')"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                )
                raise _RollBack
        except _RollBack:
            pass

    async def quick_check(self) -> None:
        """Run `PRAGMA quick_check`; raise StorageError naming the first problem it finds."""
        rows = await self.fetch_all("PRAGMA quick_check")
        problems = [str(row[0]) for row in rows if str(row[0]) != "ok"]
        if problems:
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise StorageError(
                f"database {self.path} is damaged: {problems[0]}{more}; restore a backup"
            )


class _RollBack(Exception):  # noqa: N818  (a signal to transaction(), never escapes)
    """Raised inside a transaction to roll it back on purpose."""


async def _quietly_roll_back(conn: aiosqlite.Connection) -> None:
    """Roll back after a failed commit; a second failure changes nothing we can act on."""
    try:
        await conn.rollback()
    except sqlite3.Error as exc:
        log.debug("rollback after a failed commit also failed: %s", exc)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (migrations hold no triggers or `;` in strings)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


@asynccontextmanager
async def open_database(path: Path | str, *, check: bool = False) -> AsyncIterator[Database]:
    """Open (creating the file and its folder), migrate and test-write the database.

    With `check`, also run `PRAGMA quick_check` (the bot does at start-up, rather than fail
    every poll on a damaged file). Raise StorageError, one line naming the file, for any
    database that cannot be used; close it on exit.
    """
    name = str(path)
    if name != ":memory:":
        with _storage_errors(name):
            _make_folder(Path(path))
    with _storage_errors(name):
        conn = await aiosqlite.connect(name, isolation_level=None)
    try:
        with _storage_errors(name):
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db = Database(conn, name)
            await db.migrate(database_path=None if name == ":memory:" else Path(path))
            await db.check_writable()
            if check:
                await db.quick_check()
        yield db
    finally:
        await conn.close()


def make_database_folder(path: Path) -> None:
    """Create the folder that holds `path`; raise StorageError saying why it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), path.parent)
        raise StorageError(
            f"cannot use database {path}: {blocker} is a file, not a folder (check DATABASE_PATH)"
        ) from exc
    except OSError as exc:
        raise StorageError(f"cannot use database {path}: {describe_error(exc, str(path))}") from exc


def _make_folder(path: Path) -> None:
    """Create the database's folder; refuse a path that is itself a folder."""
    make_database_folder(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a database file")


@contextmanager
def _storage_errors(path: str) -> Iterator[None]:
    """Turn SQLite and file-system errors into one StorageError line naming the file."""
    try:
        yield
    except StorageError:
        raise
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(f"cannot use database {path}: {describe_error(exc, path)}") from exc


def storage_failure(exc: BaseException) -> str | None:
    """Say in a few words why the database failed, if `exc` is such a failure, else None.

    For callers that must tell the database failing mid-run (a full disk, an I/O error, a
    lock held too long) from other errors without knowing the database's own exceptions.
    """
    if isinstance(exc, StorageError):
        return str(exc)
    if isinstance(exc, sqlite3.Error | OSError):
        return describe_error(exc)
    return None


def describe_error(exc: BaseException, path: str | None = None) -> str:
    """Return a short, readable reason for a SQLite or file-system error."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "the disk is full"
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc) or type(exc).__name__
    folder = Path(path).parent if path and path != ":memory:" else None
    if text == "unable to open database file" and folder and not os.access(folder, os.W_OK):
        # WAL mode creates `-wal` and `-shm` files beside the database.
        return f"its folder {folder} is not writable (a read-only file system?)"
    hints = {
        "file is not a database": "the file is not an SQLite database (check DATABASE_PATH)",
        "database disk image is malformed": "the file is damaged; restore a backup",
        "attempt to write a readonly database": "the file is read-only",
        "unable to open database file": "the file cannot be opened or created",
        "database or disk is full": "the disk is full",
    }
    return hints.get(text, text)
