"""Poll state per feed URL, and the bot's key/value state."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.outcomes import PollStatus
from bot.store.db import Database, open_database
from bot.store.poll_state import (
    PollState,
    get_poll_state,
    get_value,
    list_poll_states,
    save_poll_state,
    set_value,
)

URL = "https://rss.arxiv.org/atom/cs.AI+cs.CL"
POLLED = dt.datetime(2026, 4, 28, 0, 30, tzinfo=dt.UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with open_database(database_url) as database:
        yield database


async def test_url_never_polled_has_no_validators(db: Database) -> None:
    assert await get_poll_state(db, URL) == PollState(url=URL)


async def test_saved_state_reads_back_equal(db: Database) -> None:
    state = PollState(
        url=URL,
        etag='W/"abc"',
        last_modified="Tue, 28 Apr 2026 04:00:19 GMT",
        last_poll_at=POLLED,
        last_success_at=POLLED,
        last_result=PollStatus.FETCHED,
        last_announcement_date=dt.date(2026, 4, 28),
    )
    await save_poll_state(db, state)
    assert await get_poll_state(db, URL) == state


async def test_saving_again_replaces_the_state(db: Database) -> None:
    first = PollState(url=URL, etag='"1"', last_poll_at=POLLED, last_result=PollStatus.FETCHED)
    await save_poll_state(db, first)
    later = dataclasses.replace(
        first, last_poll_at=POLLED + dt.timedelta(minutes=30), last_result=PollStatus.NOT_MODIFIED
    )
    await save_poll_state(db, later)
    assert await get_poll_state(db, URL) == later


async def test_a_failed_poll_keeps_its_error_and_the_last_validators(db: Database) -> None:
    await save_poll_state(db, PollState(url=URL, etag='"1"', last_result=PollStatus.FETCHED))
    state = await get_poll_state(db, URL)
    failed = dataclasses.replace(
        state, last_result=PollStatus.FAILED, last_error="HTTP 503 after 4 tries"
    )
    await save_poll_state(db, failed)
    assert await get_poll_state(db, URL) == failed
    assert failed.last_result is not None and failed.last_result.is_problem
    assert (failed.etag, failed.last_error) == ('"1"', "HTTP 503 after 4 tries")


async def test_states_list_most_recent_poll_first(db: Database) -> None:
    await save_poll_state(db, PollState(url="a", last_poll_at=POLLED))
    await save_poll_state(db, PollState(url="b", last_poll_at=POLLED + dt.timedelta(hours=1)))
    assert [state.url for state in await list_poll_states(db)] == ["b", "a"]


async def test_missing_key_reads_as_none(db: Database) -> None:
    assert await get_value(db, "command_tree_hash") is None


async def test_value_is_replaced_under_the_same_key(db: Database) -> None:
    await set_value(db, "command_tree_hash", "abc")
    await set_value(db, "command_tree_hash", "def")
    assert await get_value(db, "command_tree_hash") == "def"
