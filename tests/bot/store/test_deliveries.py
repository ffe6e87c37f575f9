"""The outbox: record before send, deterministic nonces, a paper at most once per target."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import pytest

from bot.errors import ConstraintError
from bot.models import AnnounceType, Paper
from bot.store import targets
from bot.store.announcements import record_announcement
from bot.store.db import Database, open_database
from bot.store.deliveries import (
    MessageState,
    PostRecord,
    delivered_base_ids,
    delivered_of_announcement,
    mark_sent,
    message_nonce,
    pending_messages,
    pending_targets,
    record_posts,
)
from bot.targets.model import TargetKey

CHANNEL = TargetKey.channel(222)
USER = TargetKey.user(333)
MON = dt.date(2026, 4, 27)
TUE = dt.date(2026, 4, 28)
NOW = dt.datetime(2026, 4, 28, 1, 0, tzinfo=dt.UTC)


def payload(content: str) -> str:
    """Return a Discord message body as delivery would plan it."""
    return json.dumps({"content": content, "embeds": [], "allowed_mentions": {"parse": []}})


MESSAGES = (
    (payload("arXiv cs.AI for Tue 28 Apr 2026: 3 of 120 new papers matched"), ()),
    (payload("embeds 1-2"), ("2604.00001", "2604.00002")),
    (payload("embed 3"), ("2604.00003",)),
)


def post(target: TargetKey, messages: tuple[tuple[str, tuple[str, ...]], ...]) -> PostRecord:
    return PostRecord(target, messages)


async def record(
    db: Database, date: dt.date, *posts: PostRecord, planned: tuple[TargetKey, ...] = ()
) -> None:
    await record_posts(db, date, posts, [*planned, *(p.target for p in posts)], now=NOW)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with open_database(database_url) as database:
        yield database


async def test_record_keeps_every_message_pending_in_order(db: Database) -> None:
    await record(db, TUE, post(CHANNEL, MESSAGES))
    planned = await pending_messages(db)
    assert [(m.seq, m.payload, m.state) for m in planned] == [
        (seq, body, MessageState.PENDING) for seq, (body, _) in enumerate(MESSAGES)
    ]
    assert [m.base_ids for m in planned] == [(), ("2604.00001", "2604.00002"), ("2604.00003",)]
    assert {m.target for m in planned} == {CHANNEL}


async def test_recording_the_same_post_again_keeps_the_first(db: Database) -> None:
    await record(db, TUE, post(CHANNEL, MESSAGES))
    first = await pending_messages(db)
    result = await record_posts(
        db, TUE, [post(CHANNEL, ((payload("other"), ("2604.00009",)),))], [CHANNEL], now=NOW
    )
    assert result.kept == {CHANNEL}
    assert await pending_messages(db) == first
    assert "2604.00009" not in await delivered_base_ids(db, CHANNEL)


async def test_nonces_are_deterministic_distinct_and_fit_discord(db: Database) -> None:
    await record(db, TUE, post(CHANNEL, MESSAGES))
    planned = await pending_messages(db)
    assert [m.nonce for m in planned] == [message_nonce(CHANNEL, TUE, seq) for seq in range(3)]
    nonces = {message_nonce(key, day, 0) for key in (CHANNEL, USER) for day in (MON, TUE)}
    nonces.add(message_nonce(TargetKey.user(CHANNEL.id), TUE, 0))  # same id, other kind
    assert len(nonces) == 5
    assert all(len(nonce) <= 25 for nonce in nonces)


async def test_recorded_papers_count_as_delivered(db: Database) -> None:
    await record(db, TUE, post(CHANNEL, MESSAGES))
    assert await delivered_base_ids(db, CHANNEL) == {"2604.00001", "2604.00002", "2604.00003"}


async def test_a_post_carrying_a_paper_the_target_has_is_refused_and_not_marked_planned(
    db: Database,
) -> None:
    await targets.upsert_digest(db, guild_id=1, channel_id=CHANNEL.id, categories=["cs.AI"])
    await record(db, MON, post(CHANNEL, ((payload("mon"), ("2604.00001",)),)))
    again = (
        (payload("tue"), ("2604.00007",)),
        (payload("tue 2"), ("2604.00001",)),
    )
    result = await record_posts(db, TUE, [post(CHANNEL, again)], [CHANNEL], now=NOW)
    assert result.refused == {CHANNEL: ("2604.00001",)}
    assert "2604.00007" not in await delivered_base_ids(db, CHANNEL)
    digest = await targets.get_digest(db, CHANNEL.id)
    assert digest is not None and digest.planned_date == MON


async def test_a_paper_repeated_within_one_post_is_refused(db: Database) -> None:
    twice = ((payload("a"), ("2604.00001",)), (payload("b"), ("2604.00001",)))
    result = await record_posts(db, TUE, [post(CHANNEL, twice)], [CHANNEL], now=NOW)
    assert CHANNEL in result.refused
    assert await pending_messages(db) == []


async def test_the_same_paper_may_reach_different_targets(db: Database) -> None:
    await record(db, TUE, post(CHANNEL, MESSAGES), post(USER, MESSAGES))
    assert await delivered_base_ids(db, USER) == await delivered_base_ids(db, CHANNEL)
    assert set(await pending_targets(db)) == {CHANNEL, USER}


async def test_a_batch_is_all_or_nothing(db: Database) -> None:
    broken = ((payload("ok"), ("2604.00001",)), ("{not json", ("2604.00002",)))
    with pytest.raises(ConstraintError):
        await record(db, TUE, post(USER, MESSAGES), post(CHANNEL, broken))
    assert await pending_messages(db) == []
    assert await delivered_base_ids(db, CHANNEL) == set()


async def test_planned_targets_without_a_post_are_marked_planned(db: Database) -> None:
    await targets.upsert_digest(db, guild_id=1, channel_id=CHANNEL.id, categories=["cs.AI"])
    await targets.add_keywords(db, USER.id, ["llm"])
    await record_posts(db, TUE, [], [CHANNEL, USER], now=NOW)
    await record_posts(db, MON, [], [CHANNEL, USER], now=NOW)  # never moves back
    digest = await targets.get_digest(db, CHANNEL.id)
    sub = await targets.get_subscription(db, USER.id)
    assert digest is not None and digest.planned_date == TUE
    assert sub is not None and sub.planned_date == TUE
    assert await pending_messages(db) == []


async def test_posts_of_many_targets_are_recorded_in_batches(db: Database) -> None:
    many = [TargetKey.user(n) for n in range(1, 8)]
    posts = [post(key, ((payload(f"for {key.id}"), (f"2604.{key.id:05d}",)),)) for key in many]
    result = await record_posts(db, TUE, posts, many, now=NOW, batch=3)
    assert result.recorded == set(many)
    pending = await pending_messages(db)
    assert len({m.id for m in pending}) == 7
    for key in many:
        assert await delivered_base_ids(db, key) == {f"2604.{key.id:05d}"}


async def test_sent_message_leaves_pending_with_its_discord_id(db: Database) -> None:
    await record(db, TUE, post(CHANNEL, MESSAGES))
    header, *rest = await pending_messages(db)
    assert await mark_sent(db, header.id, 1_300_000_000_000_000_001, now=NOW)
    assert await pending_messages(db) == rest
    assert await pending_targets(db) == [CHANNEL]


async def test_pending_messages_of_one_target_in_post_order(db: Database) -> None:
    await record(db, TUE, post(CHANNEL, MESSAGES), post(USER, MESSAGES[:1]))
    await record(db, MON, post(CHANNEL, MESSAGES[:1]))  # a catch-up, planned later
    pending = await pending_messages(db, CHANNEL)
    assert [(m.announcement_date, m.seq) for m in pending] == [
        (MON, 0),
        (TUE, 0),
        (TUE, 1),
        (TUE, 2),
    ]


async def test_pending_messages_survive_a_restart(database_url: str) -> None:
    async with open_database(database_url) as db:
        await record(db, TUE, post(CHANNEL, MESSAGES))
        planned = await pending_messages(db)
    async with open_database(database_url) as db:
        assert await pending_messages(db) == planned


async def test_what_targets_have_of_an_announcement_comes_in_one_read(db: Database) -> None:
    announced = [
        Paper(f"2604.0000{n}", 1, "T", "A", categories=("cs.AI",), announce_type=AnnounceType.NEW)
        for n in (1, 2)
    ]
    await record_announcement(db, TUE, ["cs.AI"], announced, now=NOW)
    await record(db, MON, post(USER, ((payload("old"), ("2604.00001", "2511.00001")),)))
    await record(db, TUE, post(CHANNEL, ((payload("x"), ("2604.00002",)),)))
    assert await delivered_of_announcement(db, TUE) == {
        USER: {"2604.00001"},
        CHANNEL: {"2604.00002"},
    }
