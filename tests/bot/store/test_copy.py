"""`migrate-db`: an SQLite database moved into an empty PostgreSQL one reads back the same."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.errors import UserInputError
from bot.models import AnnounceType, Author, Paper, Summary
from bot.store import feedback, saved, summaries, targets
from bot.store.announcements import entries_on, record_announcement
from bot.store.copy import copy_database
from bot.store.db import Database, open_database
from bot.store.deliveries import PostRecord, mark_sent, pending_messages, record_posts
from bot.targets.model import TargetKey
from tests.cli_runner import base_env, run_cli

TUE = dt.date(2026, 4, 28)
WED = dt.date(2026, 4, 29)
NOW = dt.datetime(2026, 4, 28, 1, 0, tzinfo=dt.UTC)
CHANNEL = TargetKey.channel(1_300_000_000_000_000_001)  # snowflakes need 64 bits
USER = TargetKey.user(1_300_000_000_000_000_002)
KEY = summaries.SummaryKey("2604.00001", 1, "en", "prompt", "claude-haiku-4-5")
SUMMARY = Summary("TL;DR 3x.", "Why.", "How.", "What.", model=KEY.model, language="en")


def paper(n: int) -> Paper:
    return Paper(
        f"2604.0000{n}",
        1,
        f"Title {n} with @everyone and $\\alpha$",
        "Abstract.",
        authors=(Author("Ada Müller", ("ETH",)),),
        categories=("cs.CL",),
        primary_category="cs.CL",
        announce_type=AnnounceType.NEW,
    )


def message(text: str) -> str:
    return json.dumps({"content": text, "embeds": [], "allowed_mentions": {"parse": []}})


async def fill(db: Database) -> None:
    """Write a bot's day: an announcement, targets, a post half sent, a summary, marks."""
    await record_announcement(db, TUE, ["cs.CL"], [paper(1), paper(2), paper(3)], now=NOW)
    await targets.upsert_digest(
        db, guild_id=7, channel_id=CHANNEL.id, categories=["cs.CL"], keywords="llm", now=NOW
    )
    await targets.add_keywords(db, USER.id, ["llm", "kv cache"], now=NOW)
    posts = [
        PostRecord(CHANNEL, ((message("head"), ()), (message("b"), ("2604.00002", "2604.00001")))),
        PostRecord(USER, ((message("dm"), ("2604.00003",)),)),
    ]
    await record_posts(db, TUE, posts, [CHANNEL, USER], now=NOW)
    first = (await pending_messages(db, CHANNEL))[0]
    await mark_sent(db, first.id, 99, now=NOW)
    await summaries.put_summary(db, KEY, SUMMARY, NOW)
    await summaries.record_usage(
        db, KEY, now=NOW, input_tokens=10, output_tokens=5, cost_usd=0.125, valid=True
    )
    for n in (1, 2):  # saved in the same instant: the insertion order breaks the tie
        await saved.save_paper(db, USER.id, f"2604.0000{n}", 1, now=NOW, limit=100)
    await feedback.toggle_mark(
        db, USER.id, "2604.00003", 1, feedback.Verdict.MORE, channel_id=CHANNEL.id, now=NOW
    )


async def snapshot(db: Database) -> dict[str, object]:
    """Return what the bot would read back, through the store's own queries."""
    return {
        "entries": [entry.paper.title for entry in await entries_on(db, TUE)],
        "digests": await targets.list_digests(db),
        "subscriptions": await targets.list_subscriptions(db),
        "pending": await pending_messages(db),
        "summary": await summaries.get_summary(db, KEY),
        "usage": await summaries.usage_for_day(db, "2026-04-28"),
        "saved": [s.paper.base_id for s in await saved.saved_papers(db, USER.id)],
        "marks": [
            (m.paper.base_id, m.verdict)
            for m in await feedback.marked_papers(db, USER.id, limit=10)
        ],
    }


async def test_a_copy_reads_back_as_the_original_and_continues_its_ids(
    tmp_path: Path, empty_postgres_url: str
) -> None:
    async with open_database(tmp_path / "bot.sqlite3") as source:
        await fill(source)
        before = await snapshot(source)
        report = await copy_database(source, empty_postgres_url)
    assert dict(report.rows)["outbox_messages"] == 3
    assert dict(report.rows)["delivered_papers"] == 3

    async with open_database(empty_postgres_url) as copy:
        assert await snapshot(copy) == before
        # New rows get new ids after the copied ones, from the sequence moved past them.
        await record_posts(copy, WED, [PostRecord(USER, ((message("x"), ()),))], [USER], now=NOW)
        ids = [m.id for m in await pending_messages(copy)]
    assert len(set(ids)) == len(ids) == 3


async def test_a_target_that_holds_rows_is_refused_and_left_as_it_was(
    tmp_path: Path, postgres_url: str
) -> None:
    async with open_database(postgres_url) as target:
        await targets.add_keywords(target, 5, ["theirs"], now=NOW)
    async with open_database(tmp_path / "bot.sqlite3") as source:
        await fill(source)
        with pytest.raises(UserInputError, match=r"is not empty .*subscriptions"):
            await copy_database(source, postgres_url)
    async with open_database(postgres_url) as target:
        assert [s.user_id for s in await targets.list_subscriptions(target)] == [5]


async def test_the_command_copies_and_says_so_and_refuses_a_second_time(
    tmp_path: Path, empty_postgres_url: str
) -> None:
    database = tmp_path / "bot.sqlite3"
    async with open_database(database) as source:
        await fill(source)
    env = base_env(DATABASE_PATH=str(database))

    first = await run_cli("migrate-db", "--to", empty_postgres_url, env=env)
    again = await run_cli("migrate-db", "--to", empty_postgres_url, env=env)

    assert first.code == 0, first.err
    assert "rows in" in first.out and "row counts match" in first.out
    assert again.code == 2
    assert again.err_lines == [
        f"arxiv-digest-bot: error: database {empty_postgres_url} is not empty (announcements,"
        " claude_usage, digests have rows); migrate-db copies into an empty database only"
    ]


async def test_the_command_refuses_a_target_that_is_not_postgres(tmp_path: Path) -> None:
    env = base_env(DATABASE_PATH=str(tmp_path / "bot.sqlite3"))
    run = await run_cli("migrate-db", "--to", f"sqlite:///{tmp_path}/other.sqlite3", env=env)
    assert run.code == 2
    assert run.err_lines == [
        "arxiv-digest-bot: error: --to must be a PostgreSQL URL such as"
        " postgresql://user:password@host:5432/dbname"
    ]
