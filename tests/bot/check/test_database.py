"""`check`'s database line: what DATABASE_PATH or DATABASE_URL holds, changing nothing."""

from __future__ import annotations

import io
import os
import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.check.local import check_database
from bot.check.report import Checklist, Mark
from bot.store import targets
from bot.store.db import Dialect, load_migrations, open_database

LATEST = load_migrations()[-1][0]


async def run(path: Path | str) -> tuple[Mark, str, list[int] | None]:
    """Check `path`; return the line's mark and text, and the digests' channels it read."""
    out = io.StringIO()
    checks = Checklist(out)
    digests = await check_database(checks, path)
    [line] = checks.lines
    assert out.getvalue() == f"{line.mark.value} database: {line.text}\n"
    return line.mark, line.text, None if digests is None else [d.channel_id for d in digests]


async def make(path: Path | str, *, channel_id: int | None = None) -> None:
    async with open_database(path) as db:
        if channel_id is not None:
            await targets.upsert_digest(
                db, guild_id=1, channel_id=channel_id, categories=["cs.CL"], keywords="llm"
            )


async def test_a_missing_database_is_fine_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    mark, text, digests = await run(path)
    assert (mark, digests) == (Mark.OK, [])
    assert "does not exist yet; `run` creates it" in text
    assert not path.parent.exists()


async def test_a_current_database_passes_and_its_digests_are_read(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await make(path, channel_id=42)
    mark, text, digests = await run(path)
    assert (mark, digests) == (Mark.OK, [42])
    assert f"schema {LATEST}, the current one" in text


async def test_an_older_database_is_reported_and_left_unmigrated(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await make(path)
    with sqlite3.connect(path) as conn:  # as a release before the last migration left it
        conn.execute(f"PRAGMA user_version = {LATEST - 1}")
    mark, text, _ = await run(path)
    assert mark is Mark.OK
    assert f"schema {LATEST - 1}, and `run` migrates it to {LATEST} at start" in text
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST - 1
    assert [name for name in os.listdir(tmp_path) if "schema" in name] == []  # no copy either


async def test_a_newer_database_fails_saying_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await make(path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    mark, text, digests = await run(path)
    assert (mark, digests) == (Mark.FAIL, None)
    assert f"made by a newer arxiv-digest-bot (schema {LATEST + 1} > {LATEST})" in text
    assert "run that version, or restore a backup" in text


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda path: path.write_text("shopping list\n" * 200), "not an SQLite database"),
        (lambda path: path.mkdir(), "is a folder, not a database file"),
    ],
)
async def test_a_file_that_is_not_a_database_fails(
    tmp_path: Path, spoil: object, reason: str
) -> None:
    path = tmp_path / "bot.sqlite3"
    spoil(path)  # type: ignore[operator]
    mark, text, _ = await run(path)
    assert mark is Mark.FAIL
    assert reason in text


async def test_a_damaged_database_fails_naming_the_damage(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await make(path, channel_id=42)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xa5" * (4096 - 100)  # the schema page, after the file header
    path.write_bytes(bytes(data))
    mark, text, _ = await run(path)
    assert mark is Mark.FAIL
    assert "restore" in text


async def test_a_database_folder_under_a_file_fails(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a file")
    mark, text, _ = await run(tmp_path / "notes.txt" / "bot.sqlite3")
    assert mark is Mark.FAIL
    assert "is a file, not a folder" in text


async def test_a_current_postgresql_database_passes_and_its_digests_are_read(
    postgres_url: str,
) -> None:
    await make(postgres_url, channel_id=42)
    mark, text, digests = await run(postgres_url)
    assert (mark, digests) == (Mark.OK, [42])
    latest = load_migrations(Dialect.POSTGRESQL)[-1][0]
    assert text.endswith(f": schema {latest}, the current one; writable")
    assert text.startswith("postgresql://")


async def test_an_empty_postgresql_database_is_fine_and_left_empty(empty_postgres_url: str) -> None:
    mark, text, digests = await run(empty_postgres_url)
    assert (mark, digests) == (Mark.OK, [])
    assert "holds no tables yet; `run` creates them" in text
    conn = await asyncpg.connect(empty_postgres_url)
    try:
        assert await conn.fetchval("SELECT to_regclass('schema_version')") is None
    finally:
        await conn.close()


async def test_an_unreachable_postgresql_server_fails_without_its_password(tmp_path: Path) -> None:
    url = f"postgresql://bot:s3cret@/bot?host={tmp_path}&port=1"
    mark, text, digests = await run(url)
    assert (mark, digests) == (Mark.FAIL, None)
    assert "s3cret" not in text
    assert text.startswith("postgresql://bot:***@")
