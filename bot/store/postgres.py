"""The PostgreSQL backend: an asyncpg pool, for several bot processes on one database.

Statements arrive written for sqlite3 (`?`, `:name`) and are numbered here
(bot/store/placeholders.py). Every transaction first takes one advisory lock
(`pg_advisory_xact_lock`, released at COMMIT or ROLLBACK, and by the server when a process
dies), so writes run one at a time across the fleet, as under SQLite's write lock: a body
that reads, decides and writes needs no retry loop. Reads outside a transaction run on any
pooled connection and see committed data only (READ COMMITTED).
https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bot.errors import ConstraintError, DatabaseError, StorageError
from bot.store.db import Connection, Database, Dialect, Params, Row, Sql, redact_url
from bot.store.placeholders import numbered

#: The advisory lock every transaction takes (an arbitrary number, the same in every
#: process: "arxv" in ASCII). Advisory locks are per database, so two bots on two
#: databases of one server do not share it.
WRITE_LOCK = 0x61727876

_BEGIN = f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})"

#: The session lock held while migrating (see `PostgresDatabase._migrating`).
MIGRATION_LOCK = WRITE_LOCK + 1

#: Connections per process: the poll job, the courier, Claude's workers and slash commands
#: each hold one for a statement or a transaction at a time.
POOL_SIZE = 10

#: How long opening waits for the server before it says it cannot be reached.
CONNECT_TIMEOUT_SECONDS = 10.0


class PostgresConnection(Connection):
    """Statements on one pooled asyncpg connection, driver errors turned into ours."""

    dialect = Dialect.POSTGRESQL

    def __init__(self, conn: asyncpg.Connection | PoolConnectionProxy) -> None:
        self.raw = conn

    async def execute(self, sql: Sql, params: Params = ()) -> int:
        statement = numbered(self.sql(sql))
        with statement_errors():
            status = await self.raw.execute(statement.sql, *statement.arguments(params))
        # The command tag: "UPDATE 3", "DELETE 0", "INSERT 0 1" (the last word counts rows).
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def executemany(self, sql: Sql, rows: Iterable[Params]) -> None:
        statement = numbered(self.sql(sql))
        arguments = [statement.arguments(params) for params in rows]
        if arguments:
            with statement_errors():
                await self.raw.executemany(statement.sql, arguments)

    async def fetch_one(self, sql: Sql, params: Params = ()) -> Row | None:
        statement = numbered(self.sql(sql))
        with statement_errors():
            row: Row | None = await self.raw.fetchrow(statement.sql, *statement.arguments(params))
            return row

    async def fetch_all(self, sql: Sql, params: Params = ()) -> list[Row]:
        statement = numbered(self.sql(sql))
        with statement_errors():
            return list(await self.raw.fetch(statement.sql, *statement.arguments(params)))

    async def run_script(self, script: str) -> None:
        # Without arguments asyncpg sends the text as one simple query: several statements
        # (and function bodies holding `;`) run as written, inside the caller's transaction.
        with statement_errors():
            await self.raw.execute(script)


class PostgresDatabase(Database):
    """A pool of connections to one PostgreSQL database."""

    dialect = Dialect.POSTGRESQL

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        super().__init__(redact_url(url))
        self.pool = pool

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[Connection]:
        with statement_errors():
            async with self.pool.acquire() as raw:
                # One round trip for both (a script without arguments): a post marks each
                # message sent in a transaction of its own, so round trips add up.
                await raw.execute(_BEGIN)
                try:
                    yield PostgresConnection(raw)
                except BaseException:
                    if not raw.is_closed():
                        with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError):
                            await raw.execute("ROLLBACK")
                    raise
                await raw.execute("COMMIT")

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[Connection]:
        with statement_errors():
            async with self.pool.acquire() as raw:
                yield PostgresConnection(raw)

    @asynccontextmanager
    async def _migrating(self) -> AsyncIterator[None]:
        """Hold a session advisory lock while migrating, taken before any transaction begins.

        A transaction that waited for the write lock while another process created tables
        may still hold the catalog as it was when it began (PostgreSQL refreshes its caches
        of names at the start of a transaction or when it locks a table, not when it takes
        an advisory lock): it would find no `schema_version` and migrate again. Waiting here,
        outside any transaction, means every read after it starts fresh.
        """
        with statement_errors():
            async with self.pool.acquire() as raw:
                await raw.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
                try:
                    yield
                finally:
                    await _unlock(raw, MIGRATION_LOCK)

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        async with self._session_lock(name, wait=True):
            yield

    @asynccontextmanager
    async def try_exclusive(self, name: str) -> AsyncIterator[bool]:
        async with self._session_lock(name, wait=False) as held:
            yield held

    @asynccontextmanager
    async def _session_lock(self, name: str, *, wait: bool) -> AsyncIterator[bool]:
        """Take the advisory lock of `name` on a pooled connection kept for the body.

        Not the transactions' lock: the body may take minutes (a post, a Claude call) and
        write meanwhile. The server frees it if this process dies; `_unlock` frees it after
        the body (the pool's reset leaves session locks alone, see `_keep_session`).
        """
        key = lock_key(name)
        with statement_errors():
            async with self.pool.acquire() as raw:
                if wait:
                    await raw.execute("SELECT pg_advisory_lock($1)", key)
                    held = True
                else:
                    held = bool(await raw.fetchval("SELECT pg_try_advisory_lock($1)", key))
                try:
                    yield held
                finally:
                    if held:
                        await _unlock(raw, key)

    async def notify(self, channel: str) -> None:
        """Wake the processes listening on `channel` (LISTEN/NOTIFY), e.g. after a pass."""
        with statement_errors():
            async with self.pool.acquire() as raw:
                await raw.execute("SELECT pg_notify($1, '')", channel)

    async def _schema_version_in(self, conn: Connection) -> int:
        table = await conn.fetch_one("SELECT to_regclass('schema_version')")
        if table is None or table[0] is None:  # a new database: no migration ran yet
            return 0
        row = await conn.fetch_one("SELECT max(version) FROM schema_version")
        return int(row[0]) if row and row[0] is not None else 0

    async def _set_schema_version(self, conn: Connection, number: int) -> None:
        await conn.run_script(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
            " DELETE FROM schema_version;"
        )
        await conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))


async def _unlock(raw: asyncpg.Connection | PoolConnectionProxy, key: int) -> None:
    """Release the session lock `key`; close the connection if that fails.

    A pooled connection keeps its session locks (`_keep_session`): one that failed or was
    cancelled while unlocking must not go back to the pool still holding the lock, or no
    process could ever take it again. Closing it makes the server free it.
    """
    if raw.is_closed():
        return
    try:
        await raw.execute("SELECT pg_advisory_unlock($1)", key)
    except BaseException:
        raw.terminate()
        raise


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Return a connection to the pool as it is (asyncpg rolls back an open transaction).

    asyncpg's default reset sends RESET ALL and unlocks every advisory lock on each release:
    a round trip per statement outside a transaction. Nothing here changes session settings,
    and the places that take session locks release their own (`_unlock`).
    """
    return None


def lock_key(name: str) -> int:
    """Return the advisory lock number of `name`: 64 bits of its SHA-256, signed as bigint."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def statement_errors() -> Iterator[None]:
    """Turn asyncpg's errors into ours: ConstraintError for a broken rule, else DatabaseError."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise ConstraintError(_reason(exc)) from exc
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise DatabaseError(_reason(exc)) from exc
    except OSError as exc:  # the server went away mid-statement
        raise DatabaseError(f"the database server cannot be reached: {exc}") from exc


def _reason(exc: Exception) -> str:
    """Return the first line of the server's message (its detail may quote row values)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def application_name() -> str:
    """Name this process to the server (`pg_stat_activity`): which bot, on which host."""
    return f"arxiv-digest-bot {os.getpid()}@{socket.gethostname()}"[:63]


@asynccontextmanager
async def open_postgres(url: str) -> AsyncIterator[PostgresDatabase]:
    """Connect a pool to the PostgreSQL database at `url`; close it on exit.

    Raise StorageError, one line naming the database without its password, when the server
    cannot be reached or refuses us. Migrating is the caller's (`open_database`).
    """
    shown = redact_url(url)
    try:
        pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            timeout=CONNECT_TIMEOUT_SECONDS,
            server_settings={"application_name": application_name()},
            reset=_keep_session,
        )
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        raise StorageError(f"cannot use database {shown}: {_reason(exc)}") from exc
    try:
        yield PostgresDatabase(pool, url)
    finally:
        await pool.close()


class LockSession:
    """A connection of its own that holds session-level advisory locks.

    Not pooled: a session lock belongs to the connection that took it, and the server frees
    it when that connection ends, so a process that dies in any way (SIGKILL included)
    leaves no stale lock; on a lost machine, once the server notices the connection is gone
    (its TCP keepalive settings say when).
    """

    def __init__(self, conn: asyncpg.Connection, url: str) -> None:
        self._conn = conn
        self.name = redact_url(url)

    @classmethod
    async def open(cls, url: str) -> LockSession:
        """Connect to the database at `url`; StorageError, naming it, if it cannot be reached."""
        try:
            conn = await asyncpg.connect(
                url,
                timeout=CONNECT_TIMEOUT_SECONDS,
                server_settings={"application_name": application_name()},
            )
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
            raise StorageError(f"cannot use database {redact_url(url)}: {_reason(exc)}") from exc
        return cls(conn, url)

    async def try_lock(self, key: int) -> bool:
        """Take the lock `key` unless another session holds it; say whether we hold it now."""
        with statement_errors():
            return bool(await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", key))

    async def unlock(self, key: int) -> None:
        """Release the lock `key` (held by this session)."""
        with statement_errors():
            await self._conn.execute("SELECT pg_advisory_unlock($1)", key)

    async def alive(self) -> bool:
        """Say whether the connection, and so every lock it holds, is still there.

        A connection found dead is closed at once: a server that ended the session may still
        be sending its goodbye, which leaves asyncpg's protocol unusable (InternalClientError).
        """
        try:
            await self._conn.fetchval("SELECT 1", timeout=CONNECT_TIMEOUT_SECONDS)
        except (
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,
            OSError,
            TimeoutError,
        ):
            self._conn.terminate()
            return False
        return True

    async def holder(self, key: int) -> str | None:
        """Describe the session holding lock `key` (its process and since when), if any.

        pg_locks shows a bigint advisory key as its high and low 32 bits
        (https://www.postgresql.org/docs/current/view-pg-locks.html).
        """
        with statement_errors():
            row = await self._conn.fetchrow(
                "SELECT a.application_name, a.backend_start FROM pg_locks AS l"
                " JOIN pg_stat_activity AS a ON a.pid = l.pid"
                " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                " AND l.database = (SELECT oid FROM pg_database"
                "                   WHERE datname = current_database())"
                " AND l.classid = $1 AND l.objid = $2",
                (key >> 32) & 0xFFFFFFFF,
                key & 0xFFFFFFFF,
            )
        if row is None:
            return None
        since = row["backend_start"]
        when = f", since {since:%Y-%m-%d %H:%M:%S} UTC" if since is not None else ""
        return f"{row['application_name'] or 'an unnamed session'}{when}"

    async def listen(self, channel: str, wake: Callable[[], None]) -> None:
        """Call `wake` whenever a process notifies `channel` (see PostgresDatabase.notify)."""

        def received(*_: object) -> None:
            wake()

        with statement_errors():
            await self._conn.add_listener(channel, received)

    async def close(self) -> None:
        """End the session: the server releases every lock it held."""
        if not self._conn.is_closed():
            await self._conn.close()
