"""The storage seam: one interface, two backends, chosen by `DATABASE_URL`.

SQLite (`bot/store/sqlite.py`, aiosqlite, one file, the default) serves one process;
PostgreSQL (`bot/store/postgres.py`, asyncpg) serves several processes on several machines
(README, "Past one machine"). The query modules beside this one see only `Database` and the
`Connection` a transaction gives: they write each statement once, with sqlite3's `?` or
`:name` placeholders, in the SQL both dialects share (`ON CONFLICT ... DO UPDATE`, `CASE`,
`coalesce`, window functions); where the dialects differ (a JSON list as a table, a
string aggregate) they write it twice, as a `PerDialect`.

Migrations are numbered files applied in order, all pending ones in one transaction; the
schema version is `PRAGMA user_version` on SQLite and the table `schema_version` on
PostgreSQL. A migration whose SQL both dialects take is one file, `migrations/NNNN_name.sql`;
one whose SQL differs has a file of the same name in `migrations/sqlite/` and in
`migrations/postgresql/`. Each file starts with a one-line `--` reason.

Every way a database can be unusable (a file that is not a database, a damaged or read-only
one, one written by a newer version, a server that cannot be reached) is found while opening
it and reported as one `StorageError` line naming it; a statement that fails later raises
`DatabaseError` (`ConstraintError` for a broken schema rule), whichever backend runs.
"""

from __future__ import annotations

import abc
import asyncio
import dataclasses
import errno
import logging
import os
import re
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from enum import StrEnum
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlsplit, urlunsplit

from bot.errors import DatabaseError, StorageError

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

# Positional (`?`) or named (`:name`) parameters, as sqlite3 takes them.
Params = Sequence[Any] | Mapping[str, Any]


class Dialect(StrEnum):
    """The SQL a backend speaks; also the name of its migrations folder."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


@dataclasses.dataclass(frozen=True, slots=True)
class PerDialect:
    """One statement written for each dialect, where their SQL differs."""

    sqlite: str
    postgresql: str

    def text(self, dialect: Dialect) -> str:
        """Return the statement in `dialect`."""
        return self.sqlite if dialect is Dialect.SQLITE else self.postgresql

    def __add__(self, tail: str) -> PerDialect:
        """Return both statements followed by `tail` (a WHERE clause both dialects share)."""
        return PerDialect(self.sqlite + tail, self.postgresql + tail)


#: A statement: the same text for both dialects, or one per dialect.
Sql = str | PerDialect


class Row(Protocol):
    """A result row: columns by position (`row[0]`) or by name (`row["title"]`).

    sqlite3.Row and asyncpg.Record both are.
    """

    def __getitem__(self, key: int | str, /) -> Any: ...


class Connection(abc.ABC):
    """The statements of one transaction (see `Database.transaction`)."""

    dialect: Dialect

    def sql(self, statement: Sql) -> str:
        """Return `statement` in this connection's dialect."""
        return statement if isinstance(statement, str) else statement.text(self.dialect)

    @abc.abstractmethod
    async def execute(self, sql: Sql, params: Params = ()) -> int:
        """Run one statement; return how many rows it changed."""

    @abc.abstractmethod
    async def executemany(self, sql: Sql, rows: Iterable[Params]) -> None:
        """Run one statement once per parameter set."""

    @abc.abstractmethod
    async def fetch_one(self, sql: Sql, params: Params = ()) -> Row | None:
        """Run a query and return its first row, if any."""

    @abc.abstractmethod
    async def fetch_all(self, sql: Sql, params: Params = ()) -> list[Row]:
        """Run a query and return all its rows."""

    @abc.abstractmethod
    async def run_script(self, script: str) -> None:
        """Run a migration file: several statements, no parameters."""


class Database(abc.ABC):
    """The database of the process, opened once in `main()` and passed to every service.

    `transaction()` groups statements into one atomic unit, and only one transaction writes
    at a time, in one process or across several (SQLite's write lock; on PostgreSQL an
    advisory lock each transaction takes): a body that reads, decides and writes is never
    interleaved with another. Reads outside a transaction see committed data only; inside
    its own transaction a task reads its own writes. Transactions do not nest.
    """

    dialect: Dialect

    def __init__(self, name: str) -> None:
        #: How messages name the database: its file, or its URL without the password.
        self.name = name
        self._owned: dict[asyncio.Task[Any], Connection] = {}

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """Run the body in one transaction: commit on success, roll back on any error."""
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - always called from a task
            raise RuntimeError("a transaction needs a running task")
        if task in self._owned:
            raise RuntimeError("transactions do not nest: use the connection you were given")
        async with self._begin() as conn:
            self._owned[task] = conn
            try:
                yield conn
            finally:
                del self._owned[task]

    async def fetch_one(self, sql: Sql, params: Params = ()) -> Row | None:
        """Run a query and return its first row, if any (see the class's note on reads)."""
        conn = self._own_connection()
        if conn is not None:
            return await conn.fetch_one(sql, params)
        return await self._read_one(sql, params)

    async def fetch_all(self, sql: Sql, params: Params = ()) -> list[Row]:
        """Run a query and return all its rows (see the class's note on reads)."""
        conn = self._own_connection()
        if conn is not None:
            return await conn.fetch_all(sql, params)
        return await self._read_all(sql, params)

    def _own_connection(self) -> Connection | None:
        """Return the connection of the transaction the current task holds, if it holds one."""
        task = asyncio.current_task()
        return None if task is None else self._owned.get(task)

    async def migrate(self) -> int:
        """Apply pending migrations in one transaction; return the new schema version.

        Refuse a database whose schema is newer than this code knows: running on it would
        read and write tables whose meaning changed.
        """
        migrations = load_migrations(self.dialect)
        known = migrations[-1].number if migrations else 0
        async with self._migrating():
            current = await self.schema_version()
            self._refuse_newer(current, known)
            if current >= known:
                return current
            await self._before_migrating(current)
            try:
                async with self.transaction() as conn:
                    # Read again under the write lock: another process may have migrated
                    # since (two bots started together).
                    current = await self._schema_version_in(conn)
                    self._refuse_newer(current, known)
                    for migration in migrations:
                        if migration.number > current:
                            log.info("applying migration %s", migration.name)
                            await conn.run_script(migration.sql)
                            await self._set_schema_version(conn, migration.number)
            except DatabaseError as exc:
                raise StorageError(
                    f"migration failed, database left at version {current}: {exc.reason}"
                ) from exc
        return known

    def _refuse_newer(self, current: int, known: int) -> None:
        if current > known:
            raise StorageError(
                f"database {self.name} was made by a newer arxiv-digest-bot"
                f" (schema {current} > {known}); run that version, or restore a backup"
            )

    async def schema_version(self) -> int:
        """Return the number of the last migration applied (0 for a new database)."""
        async with self._reading() as conn:
            return await self._schema_version_in(conn)

    async def check_writable(self) -> None:
        """Raise StorageError unless a row can be written (then roll it back).

        SQLite opens a read-only file without complaint and only refuses the first write,
        and a PostgreSQL role may lack the right to write: either would show in the middle
        of a poll; this finds it at start-up.
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
        """Raise StorageError if the database finds itself damaged (SQLite checks its pages)."""
        return None

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[None]:
        """Hold the lock `name` across every process on this database for the body (waiting).

        One process per SQLite file needs no more than the caller's own care within the
        process; PostgreSQL's processes take an advisory lock.
        """
        yield

    @asynccontextmanager
    async def try_exclusive(self, name: str) -> AsyncIterator[bool]:
        """Hold the lock `name` for the body unless another process holds it; yield whether held."""
        yield True

    async def notify(self, channel: str) -> None:
        """Wake the other processes listening on `channel` (none share an SQLite file)."""
        return None

    async def prepare(self, *, check: bool = False) -> None:
        """Migrate, test-write and (with `check`) check the database, as opening it does.

        Raise StorageError, one line naming the database, for one that cannot be used.
        """
        try:
            await self.migrate()
            await self.check_writable()
            if check:
                await self.quick_check()
        except DatabaseError as exc:
            raise StorageError(f"cannot use database {self.name}: {exc.reason}") from exc

    @abc.abstractmethod
    def _begin(self) -> Any:
        """Return the backend's transaction: an async context manager giving a Connection."""

    @abc.abstractmethod
    def _reading(self) -> Any:
        """Return an async context manager giving a Connection for reads between transactions."""

    async def _read_one(self, sql: Sql, params: Params) -> Row | None:
        async with self._reading() as conn:
            row: Row | None = await conn.fetch_one(sql, params)
            return row

    async def _read_all(self, sql: Sql, params: Params) -> list[Row]:
        async with self._reading() as conn:
            rows: list[Row] = await conn.fetch_all(sql, params)
            return rows

    @abc.abstractmethod
    async def _schema_version_in(self, conn: Connection) -> int:
        """Read the schema version through `conn`."""

    @abc.abstractmethod
    async def _set_schema_version(self, conn: Connection, number: int) -> None:
        """Record the schema version inside the migrating transaction."""

    @asynccontextmanager
    async def _migrating(self) -> AsyncIterator[None]:
        """Keep other processes from migrating the database meanwhile (PostgreSQL's hook).

        The transaction's write lock already serializes migrations; PostgreSQL also needs
        the version read after the lock is held in a new transaction (see PostgresDatabase).
        """
        yield

    async def _before_migrating(self, current: int) -> None:
        """Do what must happen before a migration starts (SQLite keeps a copy of the file)."""
        return None


class _RollBack(Exception):  # noqa: N818  (a signal to transaction(), never escapes)
    """Raised inside a transaction to roll it back on purpose."""


class Migration(NamedTuple):
    """One numbered migration file, as one dialect runs it."""

    number: int
    name: str
    sql: str


def load_migrations(dialect: Dialect = Dialect.SQLITE) -> list[Migration]:
    """Return the migrations of `dialect`, in order; refuse gaps and half-written pairs.

    A number is either one shared file or a file in each dialect's folder, never both.
    """
    folder = resources.files("bot.store").joinpath("migrations")
    shared = _numbered_files(folder)
    own = {d: _numbered_files(folder.joinpath(str(d))) for d in Dialect}
    for number in sorted(set().union(*(files.keys() for files in own.values()))):
        names = {d: own[d][number].name for d in Dialect if number in own[d]}
        if len(names) != len(Dialect) or len(set(names.values())) != 1:
            raise StorageError(
                f"migration {number:04d} must have the same file in every dialect folder: {names}"
            )
        if number in shared:
            raise StorageError(f"migration {number:04d} is both shared and per dialect")
    chosen = {**shared, **own[dialect]}
    numbers = sorted(chosen)
    if numbers != list(range(1, len(numbers) + 1)):
        raise StorageError(f"migrations must be numbered 0001, 0002, ... without gaps: {numbers}")
    return [
        Migration(number, chosen[number].name, chosen[number].read_text(encoding="utf-8"))
        for number in numbers
    ]


def _numbered_files(folder: Traversable) -> dict[int, Traversable]:
    """Return the migration files directly in `folder`, by number."""
    if not folder.is_dir():
        return {}
    found: dict[int, Traversable] = {}
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            number = int(match.group(1))
            if number in found:
                raise StorageError(f"two migrations numbered {number:04d} in {folder.name}")
            found[number] = entry
    return found


# --- where the database is ----------------------------------------------------------------

_POSTGRES_SCHEMES = ("postgresql", "postgres")


def is_postgres_url(where: Path | str) -> bool:
    """Say whether `where` names a PostgreSQL server rather than an SQLite file."""
    return isinstance(where, str) and urlsplit(where).scheme in _POSTGRES_SCHEMES


def sqlite_path_of_url(url: str) -> Path | None:
    """Return the file of a `sqlite:///path` URL (`sqlite:////abs/path` for an absolute one).

    None for any other URL.
    """
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix) :]
    return Path(rest) if rest and rest != "/" else None


def redact_url(url: str) -> str:
    """Return a database URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address goes back in brackets
        host = f"[{host}]"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}{host}{port}"))


@asynccontextmanager
async def open_database(where: Path | str, *, check: bool = False) -> AsyncIterator[Database]:
    """Open, migrate and test-write the database at `where`; close it on exit.

    `where` is an SQLite file (a path, or a `sqlite:///` URL) or a `postgresql://` URL.
    With `check`, also run the backend's integrity check (the bot does at start-up, rather
    than fail every poll on a damaged file). Raise StorageError, one line naming the
    database, for any database that cannot be used.
    """
    opened: AbstractAsyncContextManager[Database]
    if is_postgres_url(where):
        from bot.store.postgres import open_postgres

        opened = open_postgres(str(where))
    else:
        from bot.store.sqlite import open_sqlite

        path = sqlite_path_of_url(where) if isinstance(where, str) else None
        opened = open_sqlite(path or where)
    async with opened as db:
        await db.prepare(check=check)
        yield db


def describe_error(exc: BaseException, path: str | None = None) -> str:
    """Return a short, readable reason for a database or file-system error."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "the disk is full"
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
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


def storage_failure(exc: BaseException) -> str | None:
    """Say in a few words why the database failed, if `exc` is such a failure, else None.

    For callers that must tell the database failing mid-run (a full disk, an I/O error, a
    lock held too long, a server gone) from other errors, whichever backend runs.
    """
    if isinstance(exc, StorageError):
        return str(exc)
    if isinstance(exc, DatabaseError):
        return exc.reason
    if isinstance(exc, OSError):
        return describe_error(exc)
    return None
