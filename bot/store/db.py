"""The SQLite connection: opened once in `main()`, WAL mode, numbered migrations.

Migrations are `migrations/NNNN_name.sql`, applied in order, all pending ones in one
transaction, the schema version kept in `PRAGMA user_version` (the approach of RoboDanny's
migrations, without a separate table). Each file starts with a one-line `--` reason.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.errors import StorageError
from bot.store.backup import backup_connection, pre_migration_path

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


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
    `transaction()` groups several into one atomic unit.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        # One connection means one transaction at a time: tasks that write concurrently
        # (the scheduler posting while a member runs /subscribe) take turns here.
        # Not re-entrant: a transaction body must not open another.
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the body in one transaction: commit on success, roll back on any error."""
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.rollback()
                raise
            else:
                await self.conn.commit()

    async def schema_version(self) -> int:
        """Return `PRAGMA user_version`: the number of the last migration applied."""
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self, *, database_path: Path | None = None) -> int:
        """Apply pending migrations in one transaction; return the new schema version.

        With `database_path` (the file behind this connection), a database that already holds
        a schema is first copied beside it (`arxiv-digest.schema-N.sqlite3`), so the data as it
        was survives a migration that turns out wrong and a return to the older release. A copy
        that cannot be written stops the migration (StorageError).
        """
        current = await self.schema_version()
        pending = [m for m in load_migrations() if m[0] > current]
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


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (migrations hold no triggers or `;` in strings)."""
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


@asynccontextmanager
async def open_database(path: Path | str) -> AsyncIterator[Database]:
    """Open (creating the file and its folder) and migrate the database; close it on exit."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = await aiosqlite.connect(str(path), isolation_level=None)
    except Exception as exc:  # sqlite3.OperationalError and friends
        raise StorageError(f"cannot open database {path}: {exc}") from exc
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA busy_timeout = 5000")
        db = Database(conn)
        await db.migrate(database_path=None if str(path) == ":memory:" else Path(path))
        yield db
    finally:
        await conn.close()
