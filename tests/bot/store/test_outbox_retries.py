"""The outbox's retry state: failed tries, backoff, giving up and queueing again."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator

import pytest

from bot.outcomes import SendProblem
from bot.store.db import Database, open_database
from bot.store.deliveries import MessageState, PostRecord, pending_messages, record_posts
from bot.store.outbox_retries import (
    DETAIL_MAX,
    give_up,
    record_failure,
    requeue_failed,
    unsent_posts,
)
from bot.targets.model import TargetKey

CHANNEL = TargetKey.channel(222)
USER = TargetKey.user(333)
MON = dt.date(2026, 4, 27)
TUE = dt.date(2026, 4, 28)
NOW = dt.datetime(2026, 4, 28, 1, 0, tzinfo=dt.UTC)


def messages(*contents: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return a post's messages, each carrying one paper named after its content."""
    return tuple(
        (json.dumps({"content": text, "embeds": []}), (f"2604.{n:05d}",))
        for n, text in enumerate(contents, start=1)
    )


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with open_database(database_url) as database:
        yield database


async def fail_first(
    db: Database, target: TargetKey, attempts: int, *, detail: str = "no answer within 60 s"
) -> None:
    """Record `attempts` failed tries of the target's first pending message."""
    first = (await pending_messages(db, target))[0]
    await record_failure(
        db,
        first.id,
        problem=SendProblem.NO_ANSWER,
        detail=detail,
        attempts=attempts,
        retry_at=NOW + dt.timedelta(minutes=attempts),
        outcome_unknown=True,
        now=NOW,
    )


async def test_a_target_without_failures_is_waiting_not_retrying(db: Database) -> None:
    await record_posts(db, TUE, [PostRecord(CHANNEL, messages("a", "b"))], [CHANNEL], now=NOW)

    (post,) = (await unsent_posts(db)).values()

    assert (post.target, post.pending, post.failed, post.date) == (CHANNEL, 2, 0, TUE)
    assert not post.retrying
    assert not post.due_for_retry(NOW + dt.timedelta(days=1))  # it waits for its time


async def test_a_failure_is_kept_on_the_first_message_with_its_backoff(db: Database) -> None:
    await record_posts(db, TUE, [PostRecord(CHANNEL, messages("a", "b"))], [CHANNEL], now=NOW)
    await fail_first(db, CHANNEL, 2)

    post = (await unsent_posts(db))[CHANNEL]
    first, second = await pending_messages(db, CHANNEL)

    assert (first.attempts, first.outcome_unknown) == (2, True)
    assert (second.attempts, second.outcome_unknown) == (0, False)
    assert post.retrying
    assert post.problem is SendProblem.NO_ANSWER
    assert post.detail == "no answer within 60 s"
    assert post.backing_off(NOW + dt.timedelta(minutes=1))
    assert not post.due_for_retry(NOW + dt.timedelta(minutes=1))
    assert post.due_for_retry(NOW + dt.timedelta(minutes=2))


async def test_the_first_unsent_message_is_the_oldest_posts(db: Database) -> None:
    await record_posts(db, TUE, [PostRecord(CHANNEL, messages("tue"))], [CHANNEL], now=NOW)
    monday = ((json.dumps({"content": "mon", "embeds": []}), ("2604.00099",)),)
    await record_posts(db, MON, [PostRecord(CHANNEL, monday)], [CHANNEL], now=NOW)  # catch-up

    post = (await unsent_posts(db))[CHANNEL]

    assert (post.date, post.pending) == (MON, 2)


async def test_giving_up_sets_every_pending_message_of_the_target_aside(db: Database) -> None:
    posts = [PostRecord(CHANNEL, messages("a", "b")), PostRecord(USER, messages("c"))]
    await record_posts(db, TUE, posts, [CHANNEL, USER], now=NOW)
    await fail_first(db, CHANNEL, 8)

    assert await give_up(db, CHANNEL) == 2

    unsent = await unsent_posts(db)
    assert (unsent[CHANNEL].pending, unsent[CHANNEL].failed, unsent[CHANNEL].attempts) == (0, 2, 8)
    assert unsent[CHANNEL].due_for_retry(NOW)  # whenever the target is active again
    assert await pending_messages(db, CHANNEL) == []
    assert [m.state for m in await pending_messages(db, CHANNEL, failed_too=True)] == [
        MessageState.FAILED,
        MessageState.FAILED,
    ]
    assert unsent[USER].pending == 1  # other targets keep theirs


async def test_requeued_messages_get_fresh_tries_but_keep_an_unknown_outcome(
    db: Database,
) -> None:
    await record_posts(db, TUE, [PostRecord(CHANNEL, messages("a", "b"))], [CHANNEL], now=NOW)
    await fail_first(db, CHANNEL, 8)
    await give_up(db, CHANNEL)

    assert await requeue_failed(db, CHANNEL) == 2

    first, second = await pending_messages(db, CHANNEL)
    assert (first.attempts, first.outcome_unknown) == (0, True)
    assert second.state is MessageState.PENDING
    assert not (await unsent_posts(db))[CHANNEL].retrying


async def test_unsent_posts_of_some_targets_only(db: Database) -> None:
    posts = [PostRecord(CHANNEL, messages("a")), PostRecord(USER, messages("b"))]
    await record_posts(db, TUE, posts, [CHANNEL, USER], now=NOW)

    assert list(await unsent_posts(db, frozenset({USER}))) == [USER]


async def test_a_long_failure_detail_is_cut(db: Database) -> None:
    await record_posts(db, TUE, [PostRecord(CHANNEL, messages("a"))], [CHANNEL], now=NOW)
    await fail_first(db, CHANNEL, 1, detail="x" * 5000)

    detail = (await unsent_posts(db))[CHANNEL].detail

    assert detail is not None and len(detail) == DETAIL_MAX
