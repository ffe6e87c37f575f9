"""A real PostgreSQL server for the test session, and a fresh database for each test.

`pgserver` (a development dependency) ships PostgreSQL 16's binaries in its wheel: the first
test that asks for PostgreSQL starts one server in a temporary folder (about a second; as
root pgserver runs it as its own system user), and the session stops it at the end. So
`scripts/test` needs nothing but Python on a fresh machine, and CI runs the same half.

Each test gets a database of its own (advisory locks are per database, so tests cannot see
each other's): an empty one for migration tests, or a migrated one. A migrated database is a
copy of a migrated template (CREATE DATABASE ... TEMPLATE, quicker than migrating afresh);
after its test it is emptied (TRUNCATE ... RESTART IDENTITY, ids start at 1 again) and given
to the next test, which is quicker still on a busy machine, where each CREATE and DROP
DATABASE took up to a second. It is reused only when, with no session left on it, its schema
is still exactly the template's; otherwise it is dropped.
The server runs without fsync: a test database need not survive a power cut.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import os
import signal
import tempfile
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import psutil
import pytest

from bot.store.db import open_database

MIGRATED_TEMPLATE = "migrated_template"

#: Settings only a test server may have: durability traded for speed.
_FAST = ("fsync = off", "synchronous_commit = off", "full_page_writes = off")


class PostgresServer:
    """The session's server: makes databases and says how to reach them."""

    def __init__(self, uri: str) -> None:
        self._uri = uri
        self._numbers = itertools.count(1)
        self._template_shape: str | None = None
        #: Migrated databases emptied after their test, for the next ones.
        self._spare: list[str] = []

    def url(self, database: str) -> str:
        """Return the URL of `database` on this server (a Unix socket in its folder)."""
        base, _, query = self._uri.partition("?")
        head, _, _ = base.rpartition("/")
        return f"{head}/{database}?{query}"

    async def new_database(self, *, migrated: bool = True) -> str:
        """Create a database of its own for one test; return its URL."""
        if migrated and self._spare:
            return self.url(self._spare.pop())
        if migrated and self._template_shape is None:
            await self._create(MIGRATED_TEMPLATE, template="template0")
            async with open_database(self.url(MIGRATED_TEMPLATE)):
                pass
            self._template_shape = await self._shape(MIGRATED_TEMPLATE)
        name = f"test_{next(self._numbers)}"
        await self._create(name, template=MIGRATED_TEMPLATE if migrated else "template0")
        return self.url(name)

    @contextlib.asynccontextmanager
    async def database(self, *, migrated: bool = True) -> AsyncIterator[str]:
        """Give the body a database; empty it for the next test after, or drop it."""
        url = await self.new_database(migrated=migrated)
        try:
            yield url
        finally:
            name = urlsplit(url).path.strip("/")
            if migrated and await self._emptied(name):
                self._spare.append(name)
            else:
                await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    async def _emptied(self, name: str) -> bool:
        """Empty a test's migrated database for another test; say whether it can be reused.

        Not if a session is still on it (its locks and LISTENs would leak into the next test)
        or its schema is no longer the template's (a test changed it).
        """
        conn = await asyncpg.connect(self.url("postgres"))
        try:
            # A session the test closed a moment ago may still be ending.
            deadline = asyncio.get_running_loop().time() + 2.0
            while others := await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = $1 AND backend_type = 'client backend'",
                name,
            ):
                if asyncio.get_running_loop().time() > deadline:
                    break
                await asyncio.sleep(0.01)
        finally:
            await conn.close()
        if others or await self._shape(name) != self._template_shape:
            return False
        conn = await asyncpg.connect(self.url(name))
        try:
            tables = await conn.fetch(
                "SELECT format('%I', tablename) FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> 'schema_version'"
            )
            listed = ", ".join(row[0] for row in tables)
            await conn.execute(f"TRUNCATE {listed} RESTART IDENTITY CASCADE")
        finally:
            await conn.close()
        return True

    async def _shape(self, name: str) -> str:
        """Return a fingerprint of a database's schema: relations, columns, version."""
        conn = await asyncpg.connect(self.url(name))
        try:
            shape = await conn.fetchval(
                "SELECT string_agg(format('%s.%s:%s:%s:%s', n.nspname, c.relname, c.relkind,"
                " a.attname, format_type(a.atttypid, a.atttypmod)), ','"
                " ORDER BY n.nspname, c.relname, a.attnum)"
                " FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace"
                " LEFT JOIN pg_attribute AS a"
                "   ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
                " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
                " AND n.nspname NOT LIKE 'pg_toast%'"
            )
            version = await conn.fetchval("SELECT max(version) FROM schema_version")
        except asyncpg.UndefinedTableError:
            return "no schema_version"
        finally:
            await conn.close()
        return f"{version}|{shape}"

    async def _create(self, name: str, *, template: str) -> None:
        await self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    async def _admin(self, statement: str) -> None:
        conn = await asyncpg.connect(self.url("postgres"))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()


def start_server(folder: Path) -> tuple[PostgresServer, Any]:
    """Start a PostgreSQL server with its data in `folder`; return it and its pgserver handle."""
    import pgserver  # the development dependency; imported only when a test needs it

    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset (as under CI) and uses /tmp.
        warnings.simplefilter("ignore")
        handle = pgserver.get_server(folder, cleanup_mode="stop")
    # psql, not asyncpg: the first test to ask may already be inside an event loop.
    handle.psql("".join(f"ALTER SYSTEM SET {setting};" for setting in _FAST))
    handle.psql("SELECT pg_reload_conf();")
    return PostgresServer(handle.get_uri()), handle


def stop_at_once(handle: Any) -> None:
    """Stop the server without a shutdown checkpoint (SIGQUIT): its data is thrown away."""
    pid = handle.get_pid()
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)
        with contextlib.suppress(psutil.NoSuchProcess):
            psutil.Process(pid).wait(timeout=30)
    handle.cleanup()  # pgserver's bookkeeping; it finds the server stopped
    # pgserver would clean up again at exit, logging to streams pytest has closed by then.
    atexit.unregister(handle._cleanup)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start the session's PostgreSQL server on first use; stop it when the session ends."""
    with tempfile.TemporaryDirectory(prefix="arxiv-digest-bot-pg-") as folder:
        server, handle = start_server(Path(folder))
        try:
            yield server
        finally:
            stop_at_once(handle)


@pytest.fixture
async def postgres_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """Return the URL of a new, migrated PostgreSQL database for this test."""
    async with postgres_server.database() as url:
        yield url


@pytest.fixture
async def empty_postgres_url(postgres_server: PostgresServer) -> AsyncIterator[str]:
    """Return the URL of a new, empty PostgreSQL database (no schema) for this test."""
    async with postgres_server.database(migrated=False) as url:
        yield url


BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Return where a test's database is, once per backend: an SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        yield str(tmp_path / "bot.sqlite3")
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        async with server.database() as url:
            yield url
