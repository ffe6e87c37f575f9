"""The outbox: record before send, deterministic nonces, a paper at most once per target."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.db import Database, open_database
from bot.store.deliveries import (
    AlreadyDeliveredError,
    MessageState,
    TargetKind,
    already_planned,
    delivered_base_ids,
    mark_failed,
    mark_sent,
    message_nonce,
    pending_messages,
    plan_post,
    requeue_failed,
)

CHANNEL = (TargetKind.CHANNEL, 222)
USER = (TargetKind.USER, 333)
MON = dt.date(2026, 4, 27)
TUE = dt.date(2026, 4, 28)
NOW = dt.datetime(2026, 4, 28, 1, 0, tzinfo=dt.UTC)


def payload(content: str) -> str:
    """Return a Discord message body as delivery would plan it."""
    return json.dumps({"content": content, "embeds": [], "allowed_mentions": {"parse": []}})


POST = [
    (payload("arXiv cs.AI for Tue 28 Apr 2026: 3 of 120 new papers matched"), []),
    (payload("embeds 1-2"), ["2604.00001", "2604.00002"]),
    (payload("embed 3"), ["2604.00003"]),
]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with open_database(tmp_path / "bot.sqlite3") as database:
        yield database


async def test_plan_records_every_message_pending_in_order(db: Database) -> None:
    planned = await plan_post(db, *CHANNEL, TUE, POST, now=NOW)
    assert [(m.seq, m.payload, m.state) for m in planned] == [
        (seq, body, MessageState.PENDING) for seq, (body, _) in enumerate(POST)
    ]
    assert [m.base_ids for m in planned] == [(), ("2604.00001", "2604.00002"), ("2604.00003",)]
    assert await pending_messages(db) == planned


async def test_planning_the_same_post_again_returns_the_first_plan(db: Database) -> None:
    first = await plan_post(db, *CHANNEL, TUE, POST, now=NOW)
    second = await plan_post(db, *CHANNEL, TUE, [(payload("other"), ["2604.00009"])], now=NOW)
    assert second == first
    assert len(await pending_messages(db)) == len(POST)
    assert "2604.00009" not in await delivered_base_ids(db, *CHANNEL)


async def test_nonces_are_deterministic_distinct_and_fit_discord(db: Database) -> None:
    planned = await plan_post(db, *CHANNEL, TUE, POST, now=NOW)
    assert [m.nonce for m in planned] == [message_nonce(*CHANNEL, TUE, seq) for seq in range(3)]
    nonces = {message_nonce(kind, 222, day, 0) for kind in TargetKind for day in (MON, TUE)}
    assert len(nonces) == 4
    assert all(len(nonce) <= 25 for nonce in nonces)


async def test_planned_papers_count_as_delivered(db: Database) -> None:
    await plan_post(db, *CHANNEL, TUE, POST, now=NOW)
    assert await delivered_base_ids(db, *CHANNEL) == {"2604.00001", "2604.00002", "2604.00003"}
    assert await already_planned(db, *CHANNEL, TUE)
    assert not await already_planned(db, *CHANNEL, MON)


async def test_paper_already_delivered_to_a_target_is_refused(db: Database) -> None:
    await plan_post(db, *CHANNEL, MON, [(payload("mon"), ["2604.00001"])], now=NOW)
    replaced = [(payload("tue"), ["2604.00007"]), (payload("tue 2"), ["2604.00001"])]
    with pytest.raises(AlreadyDeliveredError) as raised:
        await plan_post(db, *CHANNEL, TUE, replaced, now=NOW)
    assert raised.value.base_ids == ("2604.00001",)
    assert not await already_planned(db, *CHANNEL, TUE)
    assert "2604.00007" not in await delivered_base_ids(db, *CHANNEL)


async def test_paper_repeated_within_one_post_is_refused(db: Database) -> None:
    twice = [(payload("a"), ["2604.00001"]), (payload("b"), ["2604.00001"])]
    with pytest.raises(AlreadyDeliveredError):
        await plan_post(db, *CHANNEL, TUE, twice, now=NOW)
    assert await pending_messages(db) == []


async def test_same_paper_may_reach_different_targets(db: Database) -> None:
    await plan_post(db, *CHANNEL, TUE, POST, now=NOW)
    await plan_post(db, *USER, TUE, POST, now=NOW)
    assert await delivered_base_ids(db, *USER) == await delivered_base_ids(db, *CHANNEL)


async def test_plan_is_all_or_nothing(db: Database) -> None:
    broken = [(payload("ok"), ["2604.00001"]), ("{not json", ["2604.00002"])]
    with pytest.raises(sqlite3.IntegrityError):
        await plan_post(db, *CHANNEL, TUE, broken, now=NOW)
    assert await pending_messages(db) == []
    assert await delivered_base_ids(db, *CHANNEL) == set()


async def test_empty_post_records_nothing(db: Database) -> None:
    assert await plan_post(db, *CHANNEL, TUE, [], now=NOW) == []
    assert not await already_planned(db, *CHANNEL, TUE)


async def test_sent_message_leaves_pending_with_its_discord_id(db: Database) -> None:
    header, *rest = await plan_post(db, *CHANNEL, TUE, POST, now=NOW)
    assert await mark_sent(db, header.id, 1_300_000_000_000_000_001, now=NOW)
    assert await pending_messages(db) == rest
    again = await plan_post(db, *CHANNEL, TUE, POST, now=NOW)
    assert (again[0].state, again[0].message_id, again[0].sent_at) == (
        MessageState.SENT,
        1_300_000_000_000_000_001,
        NOW,
    )


async def test_failed_message_waits_for_requeue(db: Database) -> None:
    header, *_ = await plan_post(db, *CHANNEL, TUE, POST, now=NOW)
    assert await mark_failed(db, header.id, "403 Missing Access (50001)")
    assert header.id not in {m.id for m in await pending_messages(db)}
    assert await requeue_failed(db, *CHANNEL) == 1
    assert header.id in {m.id for m in await pending_messages(db)}


async def test_pending_messages_of_one_target_in_post_order(db: Database) -> None:
    await plan_post(db, *CHANNEL, TUE, POST, now=NOW)
    await plan_post(db, *USER, TUE, POST[:1], now=NOW)
    await plan_post(db, *CHANNEL, MON, POST[:1], now=NOW)  # a catch-up, planned later
    pending = await pending_messages(db, CHANNEL)
    assert [(m.announcement_date, m.seq) for m in pending] == [
        (MON, 0),
        (TUE, 0),
        (TUE, 1),
        (TUE, 2),
    ]


async def test_pending_messages_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with open_database(path) as db:
        planned = await plan_post(db, *CHANNEL, TUE, POST, now=NOW)
    async with open_database(path) as db:
        assert await pending_messages(db) == planned
