"""Look at the database as it is, changing nothing: what `arxiv-digest-bot check` reports.

Unlike `open_database`, this creates no file or folder and applies no migration: an operator
may run `check` beside a running bot, or with a newer release installed before restarting the
bot, and a check must not migrate the database under the running one. A test write is rolled
back. Every way a file can be unusable comes back as one line, as `open_database` words it.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import aiosqlite

from bot.errors import StorageError
from bot.store.db import BUSY_TIMEOUT_MS, Database, describe_error, load_migrations


@dataclasses.dataclass(frozen=True, slots=True)
class Inspection:
    """What was found at DATABASE_PATH.

    `schema` is the file's schema version (None when there is no file); `latest` the one this
    release migrates to; `problem` says, in one line, why the file cannot be used as it is
    (None: it can). `db` is open on the file while the inspection's block runs, when the
    file is a database of a schema this release can read.
    """

    path: Path
    latest: int
    schema: int | None = None
    problem: str | None = None
    db: Database | None = None

    @property
    def exists(self) -> bool:
        """Return whether there is a database file yet."""
        return self.schema is not None


@asynccontextmanager
async def inspect_database(path: Path) -> AsyncIterator[Inspection]:
    """Inspect the database at `path`: schema, `PRAGMA quick_check`, a rolled-back write."""
    latest = load_migrations()[-1][0]
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
        db = Database(conn, str(path))
        schema, problem = await _examine(db, latest)
        usable = problem is None and 0 < schema <= latest
        yield Inspection(path, latest, schema=schema, problem=problem, db=db if usable else None)
    finally:
        await conn.close()


async def _examine(db: Database, latest: int) -> tuple[int, str | None]:
    """Return the file's schema version and why it cannot be used, if it cannot."""
    path = db.path
    try:
        await db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        schema = await db.schema_version()
    except sqlite3.Error as exc:
        return 0, describe_error(exc, path)
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
        return schema, str(exc).removeprefix(f"database {path} is ")
    except sqlite3.Error as exc:
        return schema, describe_error(exc, path)
    return schema, None


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
