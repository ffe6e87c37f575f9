"""A real PostgreSQL server for the test session, and a fresh database for each test.

`pgserver` (a development dependency) ships PostgreSQL 16's binaries in its wheel: the first
test that asks for PostgreSQL starts one server in a temporary folder (about a second; as
root pgserver runs it as its own system user), and the session stops it at the end. So
`scripts/test` needs nothing but Python on a fresh machine, and CI runs the same half.

Each test gets its own database (advisory locks are per database, so tests cannot see each
other's): an empty one for migration tests, or a copy of a migrated template, which is
quicker than migrating afresh (CREATE DATABASE ... TEMPLATE copies files); it is dropped
after the test, so the server's folder stays small.
The server runs without fsync: a test database need not survive a power cut.
"""

from __future__ import annotations

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
        self._template_ready = False

    def url(self, database: str) -> str:
        """Return the URL of `database` on this server (a Unix socket in its folder)."""
        base, _, query = self._uri.partition("?")
        head, _, _ = base.rpartition("/")
        return f"{head}/{database}?{query}"

    async def new_database(self, *, migrated: bool = True) -> str:
        """Create a database of its own for one test; return its URL."""
        if migrated and not self._template_ready:
            await self._create(MIGRATED_TEMPLATE, template="template0")
            async with open_database(self.url(MIGRATED_TEMPLATE)):
                pass
            self._template_ready = True
        name = f"test_{next(self._numbers)}"
        await self._create(name, template=MIGRATED_TEMPLATE if migrated else "template0")
        return self.url(name)

    @contextlib.asynccontextmanager
    async def database(self, *, migrated: bool = True) -> AsyncIterator[str]:
        """Create a database for the body; drop it after (with any connection left open)."""
        url = await self.new_database(migrated=migrated)
        try:
            yield url
        finally:
            name = urlsplit(url).path.strip("/")
            await self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

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
