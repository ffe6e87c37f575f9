"""The SQLite backend: one aiosqlite connection, WAL mode, `PRAGMA user_version`.

The default database: one file, nothing to install or start, for one bot process (the
instance lock, bot/store/instance.py, keeps a second one off the file).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import aiosqlite

from bot.errors import ConstraintError, DatabaseError, StorageError
from bot.store.backup import backup_connection, pre_migration_path
from bot.store.db import (
    Connection,
    Database,
    Dialect,
    Params,
    Row,
    Sql,
    describe_error,
    log,
    make_database_folder,
)

#: How long a statement waits for another process's write lock (a CLI command beside the
#: running bot) before it fails with "database is locked".
BUSY_TIMEOUT_MS = 5000


class SqliteConnection(Connection):
    """Statements on the one aiosqlite connection, driver errors turned into ours."""

    dialect = Dialect.SQLITE

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.raw = conn
        self.path = path

    async def execute(self, sql: Sql, params: Params = ()) -> int:
        with _statement_errors(self.path):
            cursor = await self.raw.execute(self.sql(sql), params)
            count = cursor.rowcount
            await cursor.close()
            return count

    async def executemany(self, sql: Sql, rows: Iterable[Params]) -> None:
        with _statement_errors(self.path):
            await self.raw.executemany(self.sql(sql), rows)

    async def fetch_one(self, sql: Sql, params: Params = ()) -> Row | None:
        with _statement_errors(self.path):
            async with self.raw.execute(self.sql(sql), params) as cursor:
                row: sqlite3.Row | None = await cursor.fetchone()
                return row

    async def fetch_all(self, sql: Sql, params: Params = ()) -> list[Row]:
        with _statement_errors(self.path):
            async with self.raw.execute(self.sql(sql), params) as cursor:
                return list(await cursor.fetchall())

    async def run_script(self, script: str) -> None:
        # executescript() would COMMIT first; run the statements one by one so that all
        # pending migrations share the caller's transaction.
        for statement in _split_sql(script):
            await self.execute(statement)


class SqliteDatabase(Database):
    """One aiosqlite connection shared by the whole process.

    aiosqlite runs every statement on one worker thread, so statements never interleave;
    transactions and reads take turns on a lock, so a read never sees another task's
    uncommitted rows, which may yet be rolled back.
    """

    dialect = Dialect.SQLITE

    def __init__(self, conn: aiosqlite.Connection, path: str = ":memory:") -> None:
        super().__init__(path)
        self.path = path
        self.connection = SqliteConnection(conn, path)
        # One connection means one transaction at a time: tasks that write concurrently
        # (the scheduler posting while a member runs /subscribe) take turns here.
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[Connection]:
        conn = self.connection.raw
        async with self._lock:
            with _statement_errors(self.path):
                # IMMEDIATE: take the write lock now, so a body that reads then writes is
                # never told "database is locked" halfway by another process's write.
                await conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.connection
            except BaseException:
                await _quietly_roll_back(conn)
                raise
            try:
                with _statement_errors(self.path):
                    await conn.commit()
            except BaseException:
                # A failed COMMIT (disk full, I/O error) can leave the transaction open;
                # end it so the next one can begin.
                await _quietly_roll_back(conn)
                raise

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Connection]:
        async with self._lock:
            yield self.connection

    async def _schema_version_in(self, conn: Connection) -> int:
        row = await conn.fetch_one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def _set_schema_version(self, conn: Connection, number: int) -> None:
        await conn.execute(f"PRAGMA user_version = {int(number)}")

    async def _before_migrating(self, current: int) -> None:
        """Copy a database that holds a schema beside it (`NAME.schema-N.sqlite3`) first.

        The data as it was then survives a migration that turns out wrong, and a return to
        the older release. A copy that cannot be written stops the migration (StorageError).
        """
        if current == 0 or self.path == ":memory:":
            return
        async with self._lock:
            target = pre_migration_path(Path(self.path), current)
            report = await backup_connection(self.connection.raw, target)
        log.info("backed up the database to %s before migrating", report.path)

    async def quick_check(self) -> None:
        """Run `PRAGMA quick_check`; raise StorageError naming the first problem it finds."""
        rows = await self.fetch_all("PRAGMA quick_check")
        problems = [str(row[0]) for row in rows if str(row[0]) != "ok"]
        if problems:
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise StorageError(
                f"database {self.path} is damaged: {problems[0]}{more}; restore a backup"
            )


async def _quietly_roll_back(conn: aiosqlite.Connection) -> None:
    """Roll back after a failure; a second failure changes nothing we can act on."""
    try:
        await conn.rollback()
    except sqlite3.Error as exc:
        log.debug("rollback after a failure also failed: %s", exc)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (migrations hold no triggers or `;` in strings)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


@contextmanager
def _statement_errors(path: str) -> Iterator[None]:
    """Turn sqlite3's errors into ours: ConstraintError for a broken rule, else DatabaseError."""
    try:
        yield
    except sqlite3.IntegrityError as exc:
        raise ConstraintError(str(exc)) from exc
    except sqlite3.Error as exc:
        raise DatabaseError(describe_error(exc, path)) from exc


@asynccontextmanager
async def open_sqlite(path: Path | str) -> AsyncIterator[SqliteDatabase]:
    """Open (creating the file and its folder) the SQLite database at `path`; close it on exit.

    Raise StorageError, one line naming the file, for a file that cannot be used. Migrating
    is the caller's (`open_database`).
    """
    name = str(path)
    if name != ":memory:":
        with _opening_errors(name):
            _make_folder(Path(path))
    with _opening_errors(name):
        conn = await aiosqlite.connect(name, isolation_level=None)
    try:
        with _opening_errors(name):
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db = SqliteDatabase(conn, name)
            # A file that is not a database, or a damaged one, shows at the first read.
            await db.schema_version()
        yield db
    finally:
        await conn.close()


def _make_folder(path: Path) -> None:
    """Create the database's folder; refuse a path that is itself a folder."""
    make_database_folder(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a database file")


@contextmanager
def _opening_errors(path: str) -> Iterator[None]:
    """Turn errors met while opening into one StorageError line naming the file."""
    try:
        yield
    except StorageError:
        raise
    except DatabaseError as exc:
        raise StorageError(f"cannot use database {path}: {exc.reason}") from exc
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(f"cannot use database {path}: {describe_error(exc, path)}") from exc
