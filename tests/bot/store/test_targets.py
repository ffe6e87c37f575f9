"""Channel digests and personal subscriptions."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.errors import ConstraintError
from bot.models import AnnounceType, Paper
from bot.store.announcements import record_announcement
from bot.store.db import Database, open_database
from bot.store.targets import (
    add_keywords,
    clear_dm_blocked,
    get_digest,
    get_subscription,
    list_digests,
    list_subscriptions,
    mark_posted,
    remove_all,
    remove_digest,
    remove_keyword,
    set_dm_blocked,
    set_paused,
    update_settings,
    upsert_digest,
)
from bot.targets.model import PauseReason, TargetKey

GUILD = 111
CHANNEL = 222
USER = 333
NOW = dt.datetime(2026, 4, 28, 1, 0, tzinfo=dt.UTC)
MON = dt.date(2026, 4, 27)
TUE = dt.date(2026, 4, 28)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with open_database(database_url) as database:
        yield database


async def announce(db: Database, date: dt.date) -> None:
    """Record a one-paper announcement on `date`."""
    paper = Paper("2604.00001", 1, "T", "A", categories=("cs.AI",), announce_type=AnnounceType.NEW)
    await record_announcement(db, date, ["cs.AI"], [paper], now=NOW)


# --- digests ------------------------------------------------------------------------------


async def test_digest_reads_back_its_settings(db: Database) -> None:
    created = await upsert_digest(
        db,
        guild_id=GUILD,
        channel_id=CHANNEL,
        categories=["cs.CL", "cs.LG"],
        keywords="llm, kv cache, -survey",
        time=dt.time(9, 30),
        timezone="Europe/Berlin",
        language="de",
        max_papers=5,
        include_cross_lists=True,
        now=NOW,
    )
    assert created == await get_digest(db, CHANNEL)
    assert (created.categories, created.keywords, created.time, created.timezone) == (
        ("cs.CL", "cs.LG"),
        "llm, kv cache, -survey",
        dt.time(9, 30),
        "Europe/Berlin",
    )
    assert (created.language, created.max_papers, created.include_cross_lists) == ("de", 5, True)


async def test_new_digest_starts_from_the_latest_announcement(db: Database) -> None:
    await announce(db, MON)
    await announce(db, TUE)
    digest = await upsert_digest(db, guild_id=GUILD, channel_id=CHANNEL, categories=["cs.AI"])
    assert digest.start_date == TUE


async def test_updating_a_digest_keeps_start_progress_and_pause(db: Database) -> None:
    await announce(db, MON)
    await upsert_digest(db, guild_id=GUILD, channel_id=CHANNEL, categories=["cs.AI"])
    await mark_posted(db, TargetKey.channel(CHANNEL), MON, now=NOW)
    await set_paused(db, CHANNEL, PauseReason.NO_PERMISSION)
    await announce(db, TUE)
    updated = await upsert_digest(
        db, guild_id=GUILD, channel_id=CHANNEL, categories=["cs.CL"], keywords="rag"
    )
    assert (updated.categories, updated.keywords) == (("cs.CL",), "rag")
    assert (updated.start_date, updated.last_posted_date) == (MON, MON)
    assert (updated.paused, updated.pause_reason) == (True, PauseReason.NO_PERMISSION)


async def test_digests_list_by_server(db: Database) -> None:
    await upsert_digest(db, guild_id=GUILD, channel_id=3, categories=["cs.AI"])
    await upsert_digest(db, guild_id=GUILD, channel_id=2, categories=["cs.AI"])
    await upsert_digest(db, guild_id=999, channel_id=1, categories=["cs.AI"])
    assert [d.channel_id for d in await list_digests(db, GUILD)] == [2, 3]
    assert [d.channel_id for d in await list_digests(db)] == [2, 3, 1]


async def test_resuming_clears_the_pause_reason(db: Database) -> None:
    await upsert_digest(db, guild_id=GUILD, channel_id=CHANNEL, categories=["cs.AI"])
    assert await set_paused(db, CHANNEL, PauseReason.NO_PERMISSION)
    assert await set_paused(db, CHANNEL, None)
    digest = await get_digest(db, CHANNEL)
    assert digest is not None
    assert (digest.paused, digest.pause_reason) == (False, None)


async def test_pausing_an_unknown_digest_says_so(db: Database) -> None:
    assert not await set_paused(db, CHANNEL, PauseReason.ADMIN)


async def test_removed_digest_is_gone(db: Database) -> None:
    await upsert_digest(db, guild_id=GUILD, channel_id=CHANNEL, categories=["cs.AI"])
    assert await remove_digest(db, CHANNEL)
    assert await get_digest(db, CHANNEL) is None
    assert not await remove_digest(db, CHANNEL)


async def test_posted_date_never_moves_back(db: Database) -> None:
    await upsert_digest(db, guild_id=GUILD, channel_id=CHANNEL, categories=["cs.AI"])
    await mark_posted(db, TargetKey.channel(CHANNEL), TUE, now=NOW)
    await mark_posted(db, TargetKey.channel(CHANNEL), MON, now=NOW)
    digest = await get_digest(db, CHANNEL)
    assert digest is not None
    assert digest.last_posted_date == TUE


async def test_schema_refuses_more_than_25_papers(db: Database) -> None:
    with pytest.raises(ConstraintError):
        await upsert_digest(
            db, guild_id=GUILD, channel_id=CHANNEL, categories=["cs.AI"], max_papers=26
        )
    assert await get_digest(db, CHANNEL) is None


# --- subscriptions ------------------------------------------------------------------------


async def test_keywords_dedup_case_insensitively_keeping_first_spelling(db: Database) -> None:
    await add_keywords(db, USER, ["LLM", "kv cache"])
    keywords = await add_keywords(db, USER, [" llm ", "RAG", "KV Cache", "rag", ""])
    assert keywords == ["LLM", "kv cache", "RAG"]
    subscription = await get_subscription(db, USER)
    assert subscription is not None
    assert subscription.keywords == ("LLM", "kv cache", "RAG")


async def test_new_subscription_starts_from_the_latest_announcement(db: Database) -> None:
    await announce(db, TUE)
    await add_keywords(db, USER, ["llm"])
    subscription = await get_subscription(db, USER)
    assert subscription is not None
    assert subscription.start_date == TUE


async def test_keyword_is_removed_whatever_its_case(db: Database) -> None:
    await add_keywords(db, USER, ["LLM", "rag"])
    assert await remove_keyword(db, USER, "llm") == ["rag"]


async def test_removing_an_unknown_keyword_changes_nothing(db: Database) -> None:
    await add_keywords(db, USER, ["LLM", "rag"])
    assert await remove_keyword(db, USER, "agents") == ["LLM", "rag"]


async def test_remove_all_deletes_the_subscription(db: Database) -> None:
    await add_keywords(db, USER, ["LLM"])
    assert await remove_all(db, USER)
    assert await get_subscription(db, USER) is None
    assert not await remove_all(db, USER)


async def test_settings_change_only_what_is_given(db: Database) -> None:
    await add_keywords(db, USER, ["LLM"])
    await update_settings(db, USER, categories=["cs.CL"], time=dt.time(8, 0), timezone="Asia/Tokyo")
    updated = await update_settings(db, USER, paused=True)
    assert (updated.categories, updated.time, updated.timezone, updated.paused) == (
        ("cs.CL",),
        dt.time(8, 0),
        "Asia/Tokyo",
        True,
    )
    assert updated.keywords == ("LLM",)


async def test_none_resets_categories_and_time_to_defaults(db: Database) -> None:
    await update_settings(db, USER, categories=["cs.CL"], time=dt.time(8, 0))
    updated = await update_settings(db, USER, categories=None, time=None)
    assert (updated.categories, updated.time) == (None, None)


async def test_subscription_without_keywords_is_not_deliverable(db: Database) -> None:
    await add_keywords(db, USER, ["LLM"])
    await remove_keyword(db, USER, "LLM")
    subscription = await get_subscription(db, USER)
    assert subscription is not None
    assert not subscription.deliverable


async def test_closed_dms_stop_delivery_until_cleared(db: Database) -> None:
    await add_keywords(db, USER, ["LLM"])
    await set_dm_blocked(db, USER, now=NOW)
    [blocked] = await list_subscriptions(db)
    assert (blocked.dm_blocked_at, blocked.deliverable) == (NOW, False)
    assert await clear_dm_blocked(db, USER)
    [cleared] = await list_subscriptions(db)
    assert cleared.deliverable
    assert not await clear_dm_blocked(db, USER)


async def test_second_block_keeps_the_first_time(db: Database) -> None:
    await add_keywords(db, USER, ["LLM"])
    await set_dm_blocked(db, USER, now=NOW)
    await set_dm_blocked(db, USER, now=NOW + dt.timedelta(days=1))
    subscription = await get_subscription(db, USER)
    assert subscription is not None
    assert subscription.dm_blocked_at == NOW


async def test_sent_date_never_moves_back(db: Database) -> None:
    await add_keywords(db, USER, ["LLM"])
    await mark_posted(db, TargetKey.user(USER), TUE, now=NOW)
    await mark_posted(db, TargetKey.user(USER), MON, now=NOW)
    subscription = await get_subscription(db, USER)
    assert subscription is not None
    assert (subscription.last_sent_date, subscription.last_sent_at) == (TUE, NOW)


async def test_members_subscribing_at_the_same_time_all_succeed(db: Database) -> None:
    await asyncio.gather(*(add_keywords(db, user_id, ["llm"]) for user_id in range(5)))
    assert len(await list_subscriptions(db)) == 5
