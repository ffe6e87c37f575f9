"""The schema: applied once on a fresh file, in WAL mode, and all-or-nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.store import db as db_module
from bot.store.db import load_migrations, open_database

MY_TABLES = {
    "papers",
    "announcements",
    "announcement_entries",
    "poll_state",
    "bot_state",
    "digests",
    "subscriptions",
    "outbox_messages",
    "delivered_papers",
}


def tables(path: Path) -> set[str]:
    """Return the table names of a database file, read with the plain sqlite3 module."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def user_version(path: Path) -> int:
    """Return PRAGMA user_version of a database file."""
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def only_first_migration() -> list[tuple[int, str, str]]:
    """Return just 0001_init.sql, as load_migrations would with no later files."""
    return load_migrations()[:1]


def with_broken_second() -> list[tuple[int, str, str]]:
    """Return 0001 followed by a 0002 whose second statement fails."""
    broken = "CREATE TABLE partial (x INTEGER);\nCREATE TABLE oops (;\n"
    return [*only_first_migration(), (2, "0002_broken.sql", broken)]


async def test_fresh_database_gets_schema_version_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "load_migrations", only_first_migration)
    async with open_database(tmp_path / "bot.sqlite3") as db:
        assert await db.schema_version() == 1
    assert tables(tmp_path / "bot.sqlite3") >= MY_TABLES


async def test_all_migration_files_apply_together(tmp_path: Path) -> None:
    async with open_database(tmp_path / "bot.sqlite3") as db:
        assert await db.schema_version() == load_migrations()[-1][0]
    assert tables(tmp_path / "bot.sqlite3") >= MY_TABLES


async def test_database_runs_in_wal_mode(tmp_path: Path) -> None:
    async with (
        open_database(tmp_path / "bot.sqlite3") as db,
        db.conn.execute("PRAGMA journal_mode") as cursor,
    ):
        row = await cursor.fetchone()
    assert row is not None
    assert row[0] == "wal"


async def test_reopening_keeps_data_and_does_not_reapply(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with open_database(path) as db, db.transaction() as conn:
        await conn.execute("INSERT INTO bot_state (key, value, updated_at) VALUES ('k', 'v', 'x')")
    # A second CREATE TABLE papers would fail: re-opening proves the version was honoured.
    async with open_database(path) as db:
        async with db.conn.execute("SELECT value FROM bot_state WHERE key = 'k'") as cursor:
            row = await cursor.fetchone()
        assert await db.schema_version() == load_migrations()[-1][0]
    assert row is not None
    assert row[0] == "v"


async def test_broken_migration_on_fresh_file_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.sqlite3"
    monkeypatch.setattr(db_module, "load_migrations", with_broken_second)
    with pytest.raises(StorageError, match="migration failed"):
        async with open_database(path):
            pass
    assert user_version(path) == 0
    assert tables(path) == set()


async def test_broken_later_migration_keeps_schema_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.sqlite3"
    monkeypatch.setattr(db_module, "load_migrations", only_first_migration)
    async with open_database(path):
        pass
    monkeypatch.setattr(db_module, "load_migrations", with_broken_second)
    with pytest.raises(StorageError, match="migration failed"):
        async with open_database(path):
            pass
    assert user_version(path) == 1
    assert "partial" not in tables(path)
    assert tables(path) >= MY_TABLES


def test_no_trailing_comment_holds_a_semicolon() -> None:
    # db._split_sql drops whole-line comments, then splits on every `;`: one in a comment
    # after code would cut a statement in two.
    for _, name, sql in load_migrations():
        for line in sql.splitlines():
            code, dashes, comment = line.partition("--")
            assert not (code.strip() and dashes and ";" in comment), f"{name}: {line}"


CREATED = "2026-04-01T00:00:00+00:00"


def version_2_database(path: Path) -> None:
    """Write a database as version 2 left it, with rows each kind of 0003 change touches."""
    first, second = load_migrations()[:2]
    with sqlite3.connect(path) as conn:
        conn.executescript(first[2] + second[2])
        conn.execute("PRAGMA user_version = 2")
        digest = (
            "INSERT INTO digests (channel_id, guild_id, categories, paused, pause_reason,"
            " last_posted_date, created_at, updated_at) VALUES (?, 1, '[\"cs.AI\"]', ?, ?, ?,"
            " '2026-04-01T00:00:00+00:00', '2026-04-01T00:00:00+00:00')"
        )
        conn.execute(digest, (1, 1, "paused by an admin", None))
        conn.execute(digest, (2, 1, "no permission to post in channel 2", "2026-04-27"))
        conn.execute(digest, (3, 1, "channel 3 no longer exists", None))
        conn.execute(digest, (4, 0, None, "2026-04-20"))
        conn.execute(
            "INSERT INTO outbox_messages (target_kind, target_id, announcement_date, seq, nonce,"
            " payload, created_at) VALUES ('channel', 4, '2026-04-28', 0, 'n', '{}', 'x')"
        )
        conn.execute(
            "INSERT INTO subscriptions (user_id, dm_blocked_notified, last_sent_date,"
            " created_at, updated_at) VALUES (9, 1, '2026-04-21', ?, ?)",
            (CREATED, CREATED),
        )
        state = "INSERT INTO poll_state (url, last_result) VALUES (?, ?)"
        conn.execute(state, ("a", "ok"))
        conn.execute(state, ("b", "HTTP 503 after 4 tries"))
        conn.execute(state, ("c", "the feed is empty although arXiv should have announced papers"))


async def test_migration_3_keeps_what_older_rows_meant(tmp_path: Path) -> None:
    from bot.outcomes import PollStatus
    from bot.store import poll_state, targets
    from bot.targets.model import PauseReason

    path = tmp_path / "bot.sqlite3"
    version_2_database(path)
    async with open_database(path) as db:
        digests = {config.channel_id: config for config in await targets.list_digests(db)}
        states = {state.url: state for state in await poll_state.list_poll_states(db)}
        sub = await targets.get_subscription(db, 9)
    assert [digests[n].pause_reason for n in (1, 2, 3, 4)] == [
        PauseReason.ADMIN,
        PauseReason.NO_PERMISSION,
        PauseReason.CHANNEL_GONE,
        None,
    ]
    # Planned through the latest of what was posted and what the outbox holds.
    assert [str(digests[n].planned_date) for n in (1, 2, 4)] == ["None", "2026-04-27", "2026-04-28"]
    assert sub is not None and str(sub.planned_date) == "2026-04-21"
    assert [(states[u].last_result, states[u].last_error) for u in "abc"] == [
        (PollStatus.FETCHED, None),
        (PollStatus.FAILED, "HTTP 503 after 4 tries"),
        (PollStatus.EMPTY_ON_ANNOUNCEMENT_DAY, None),
    ]


def database_at(path: Path, version: int) -> None:
    """Write a database as migration `version` left it, with the plain sqlite3 module."""
    with sqlite3.connect(path) as conn:
        for _, _, sql in load_migrations()[:version]:
            conn.executescript(sql)
        conn.execute(f"PRAGMA user_version = {version}")


async def test_per_paper_actions_migrate_a_database_with_summaries_in_it(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    database_at(path, 3)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO claude_usage (at, day, month, model, base_id, version, language,"
            " input_tokens, output_tokens, cost_usd, valid) VALUES ('2026-04-28T00:00:00+00:00',"
            " '2026-04-28', '2026-04', 'claude-haiku-4-5', '2604.00001', 1, 'en', 10, 5, 0.1, 1)"
        )
    async with open_database(path) as db:
        assert await db.schema_version() == load_migrations()[-1][0]
        async with db.conn.execute("SELECT purpose, cost_usd FROM claude_usage") as cursor:
            rows = [tuple(row) for row in await cursor.fetchall()]
    # The summary spending recorded before the upgrade still counts, as summaries.
    assert rows == [("summary", 0.1)]
    assert tables(path) >= {"deep_dives", "saved_papers", "paper_feedback", "paper_action_clicks"}
