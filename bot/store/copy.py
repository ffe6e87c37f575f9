"""`arxiv-digest-bot migrate-db --to postgresql://...`: move an SQLite database to PostgreSQL.

Both databases are first brought to this release's schema (the same migrations, so the
same tables and columns), then every row is copied in one PostgreSQL transaction: a copy
that fails half-way leaves the target as it was. Tables are copied parents first (their
foreign keys say which), and in SQLite's rowid order, which is the order some queries
break ties with. Generated ids are copied as they are and each sequence then moved past
the largest, so new rows continue after them. Afterwards each table's rows are counted on
both sides; a difference is an error. The target must be empty: merging two bots' data
could send a paper twice.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence

from bot.errors import StorageError, UserInputError
from bot.store.db import Connection, Database, Dialect, open_database, redact_url

log = logging.getLogger(__name__)

#: Rows per INSERT batch.
BATCH = 1000

#: Where the copy stands, for a progress line: (table, rows done, rows in all).
CopyProgress = Callable[[str, int, int], None]


@dataclasses.dataclass(frozen=True, slots=True)
class CopyReport:
    """What `copy_database` copied: rows per table, in the order they were copied."""

    target: str
    rows: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        """Return the number of rows copied in all."""
        return sum(count for _, count in self.rows)


async def copy_database(
    source: Database,
    target_url: str,
    *,
    progress: CopyProgress | None = None,
) -> CopyReport:
    """Copy every row of the SQLite database `source` into the empty database at `target_url`.

    Raise UserInputError for a target that is not PostgreSQL or not empty, StorageError
    when the counts differ afterwards (nothing is committed then).
    """
    if source.dialect is not Dialect.SQLITE:
        raise UserInputError("migrate-db copies an SQLite database (DATABASE_PATH or sqlite:///)")
    if not target_url.startswith(("postgresql://", "postgres://")):
        raise UserInputError(
            "--to must be a PostgreSQL URL such as postgresql://user:password@host:5432/dbname"
        )
    tables = await _tables_in_order(source)
    async with open_database(target_url) as target:
        shown = redact_url(target_url)
        filled = await _filled_tables(target, tables)
        if filled:
            raise UserInputError(
                f"database {shown} is not empty ({', '.join(filled[:3])} have rows);"
                " migrate-db copies into an empty database only"
            )
        counts: list[tuple[str, int]] = []
        async with target.transaction() as conn:
            for table in tables:
                counts.append((table, await _copy_table(source, conn, table, progress)))
            await _move_sequences(conn, tables)
            for table, expected in counts:
                row = await conn.fetch_one(f"SELECT count(*) FROM {table}")  # noqa: S608
                found = int(row[0]) if row else 0
                if found != expected:
                    raise StorageError(
                        f"copying {table} to {shown} gave {found} rows instead of {expected};"
                        " nothing was copied"
                    )
    log.info("copied %d rows into %s", sum(n for _, n in counts), shown)
    return CopyReport(shown, tuple(counts))


async def _tables_in_order(source: Database) -> list[str]:
    """Return the SQLite database's tables, every table after those its foreign keys name."""
    rows = await source.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " ORDER BY name"
    )
    names = [str(row[0]) for row in rows]
    parents: dict[str, set[str]] = {}
    for name in names:
        keys = await source.fetch_all('SELECT "table" FROM pragma_foreign_key_list(?)', (name,))
        parents[name] = {str(key[0]) for key in keys} - {name}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and parents[n] <= set(ordered)]
        if not ready:  # a cycle: no schema of ours has one
            raise StorageError(f"cannot order tables by their foreign keys: {parents}")
        ordered.extend(ready)
    return ordered


async def _filled_tables(target: Database, tables: Sequence[str]) -> list[str]:
    """Return the tables of `tables` that hold rows in the target."""
    filled = []
    for table in tables:
        row = await target.fetch_one(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608
        if row is not None:
            filled.append(table)
    return filled


async def _copy_table(
    source: Database, conn: Connection, table: str, progress: CopyProgress | None
) -> int:
    """Copy one table's rows in batches, in rowid order; return how many."""
    columns = await _common_columns(source, conn, table)
    total_row = await source.fetch_one(f"SELECT count(*) FROM {table}")  # noqa: S608
    total = int(total_row[0]) if total_row else 0
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
    done = 0
    last_rowid = -(2**63)
    while True:
        # Keyset pages: the rows after the last one copied (a table may hold millions).
        rows = await source.fetch_all(
            f"SELECT rowid, {names} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?",  # noqa: S608
            (last_rowid, BATCH),
        )
        if not rows:
            break
        width = len(columns)
        await conn.executemany(insert, [[row[i + 1] for i in range(width)] for row in rows])
        last_rowid = int(rows[-1][0])
        done += len(rows)
        if progress is not None:
            progress(table, done, total)
    return done


async def _common_columns(source: Database, conn: Connection, table: str) -> list[str]:
    """Return the columns of `table` on both sides (PostgreSQL's generated `rowid` is its own)."""
    rows = await source.fetch_all("SELECT name FROM pragma_table_info(?)", (table,))
    theirs = await conn.fetch_all(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? AND is_generated = 'NEVER'"
        " AND (is_identity = 'NO' OR identity_generation = 'BY DEFAULT')",
        (table,),
    )
    wanted = {str(row[0]) for row in theirs}
    columns = [str(row[0]) for row in rows if str(row[0]) in wanted]
    missing = wanted - set(columns)
    if missing:
        raise StorageError(f"table {table} has columns SQLite lacks: {sorted(missing)}")
    return columns


async def _move_sequences(conn: Connection, tables: Sequence[str]) -> None:
    """Move each copied id sequence past the largest id, so new rows get new ids."""
    rows = await conn.fetch_all(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES'"
        " AND identity_generation = 'BY DEFAULT'"
    )
    for table, column in ((str(r[0]), str(r[1])) for r in rows):
        if table in tables:
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence(?, ?),"  # noqa: S608
                f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)",
                (table, column),
            )
