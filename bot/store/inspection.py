"""Look at the database as it is, changing nothing: what `arxiv-digest-bot check` reports.

Unlike `open_database`, this creates no file, folder or table and applies no migration: an
operator may run `check` beside a running bot, or with a newer release installed before
restarting the bot, and a check must not migrate the database under the running one. A test
write is rolled back. Every way a database can be unusable comes back as one line, as
`open_database` words it. On PostgreSQL (`DATABASE_URL`) the same, without SQLite's
`quick_check`.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import aiosqlite

from bot.errors import DatabaseError, StorageError
from bot.store.db import (
    Database,
    Dialect,
    describe_error,
    is_postgres_url,
    load_migrations,
    redact_url,
)
from bot.store.sqlite import BUSY_TIMEOUT_MS, SqliteDatabase


@dataclasses.dataclass(frozen=True, slots=True)
class Inspection:
    """What was found at DATABASE_PATH (or DATABASE_URL, named without its password).

    `schema` is the file's schema version (None when there is no file); `latest` the one this
    release migrates to; `problem` says, in one line, why the file cannot be used as it is
    (None: it can). `db` is open on the file while the inspection's block runs, when the
    file is a database of a schema this release can read.
    """

    path: Path | str
    latest: int
    schema: int | None = None
    problem: str | None = None
    db: Database | None = None

    @property
    def exists(self) -> bool:
        """Return whether there is a database file yet."""
        return self.schema is not None


@asynccontextmanager
async def inspect_database(where: Path | str) -> AsyncIterator[Inspection]:
    """Inspect the database at `where`: schema, `PRAGMA quick_check`, a rolled-back write."""
    if is_postgres_url(where):
        async with _inspect_postgres(str(where)) as found:
            yield found
        return
    path = Path(where)
    latest = load_migrations(Dialect.SQLITE)[-1][0]
    uri, problem = _locate(path)
    if uri is None:
        yield Inspection(path, latest, problem=problem)
        return
    try:
        conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
    except (sqlite3.Error, OSError) as exc:
        yield Inspection(path, latest, schema=0, problem=describe_error(exc, str(path)))
        return
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db = SqliteDatabase(conn, str(path))
        schema, problem = await _examine(db, latest)
        usable = problem is None and 0 < schema <= latest
        yield Inspection(path, latest, schema=schema, problem=problem, db=db if usable else None)
    except sqlite3.Error as exc:  # the PRAGMA, on a file that is not a database
        yield Inspection(path, latest, schema=0, problem=describe_error(exc, str(path)))
    finally:
        await conn.close()


@asynccontextmanager
async def _inspect_postgres(url: str) -> AsyncIterator[Inspection]:
    """Inspect a PostgreSQL database: reachable, its schema, a rolled-back write."""
    from bot.store.postgres import open_postgres  # asyncpg only when PostgreSQL is used

    shown = redact_url(url)
    latest = load_migrations(Dialect.POSTGRESQL)[-1][0]
    async with AsyncExitStack() as stack:
        try:
            db = await stack.enter_async_context(open_postgres(url))
        except StorageError as exc:
            unreachable = str(exc).removeprefix(f"cannot use database {shown}: ")
            yield Inspection(shown, latest, schema=0, problem=unreachable)
            return
        schema, problem = await _examine(db, latest)
        usable = problem is None and 0 < schema <= latest
        yield Inspection(shown, latest, schema=schema, problem=problem, db=db if usable else None)


async def _examine(db: Database, latest: int) -> tuple[int, str | None]:
    """Return the database's schema version and why it cannot be used, if it cannot."""
    try:
        schema = await db.schema_version()
    except (DatabaseError, sqlite3.Error) as exc:
        return 0, _reason(exc, db.name)
    if schema > latest:
        return schema, (
            f"made by a newer arxiv-digest-bot (schema {schema} > {latest}); run that version,"
            " or restore a backup"
        )
    try:
        await db.quick_check()
        if schema > 0:
            await db.check_writable()
    except StorageError as exc:
        return schema, str(exc).removeprefix(f"database {db.name} is ")
    except (DatabaseError, sqlite3.Error) as exc:
        return schema, _reason(exc, db.name)
    return schema, None


def _reason(exc: Exception, name: str) -> str:
    """Return why a statement failed, as `open_database` would say it."""
    return exc.reason if isinstance(exc, DatabaseError) else describe_error(exc, name)


def _locate(path: Path) -> tuple[str | None, str | None]:
    """Return the URI that opens the existing file (mode=rw: never create one), or None and
    why `run` could not create it there (None: it could)."""
    if path.is_dir():
        return None, f"{path} is a folder, not a database file"
    if path.exists():
        return f"file:{quote(str(path.resolve()))}?mode=rw", None
    return None, _folder_problem(path)


def _folder_problem(path: Path) -> str | None:
    """Say why `run` could not create the database at `path`, or None when it could."""
    folder = path.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        return f"{folder} is a file, not a folder (check DATABASE_PATH)"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder} is not writable, so the database cannot be created there"
    return None
