"""What a cut post answered, kept for "Show all"; a target's style; on both databases."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.models import DigestStyle
from bot.store import post_queries
from bot.store.db import Database, open_database
from bot.store.post_queries import PostQuery
from bot.store.targets import add_keywords, get_digest, update_settings, upsert_digest
from bot.targets.model import TargetKey

NOW = dt.datetime(2026, 4, 28, 1, 0, tzinfo=dt.UTC)
TUE = dt.date(2026, 4, 28)
CHANNEL = 1_234_567_890_123_456_789  # a real snowflake's size: BIGINT on PostgreSQL
USER = 987_654_321_098_765_432


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with open_database(database_url) as database:
        yield database


def query(target: TargetKey, keywords: tuple[str, ...], matched: int) -> PostQuery:
    return PostQuery(target, ("cs.CL", "cs.LG"), keywords, True, "de", matched)


async def test_a_posts_query_reads_back_and_its_first_record_stays(db: Database) -> None:
    channel, user = TargetKey.channel(CHANNEL), TargetKey.user(USER)
    first = query(channel, ("llm, kv cache",), 16)
    await post_queries.record(db, TUE, [first, query(user, ("llm", "rag"), 30)], now=NOW)
    # A second pass over the same announcement does not change what the post answered.
    await post_queries.record(db, TUE, [query(channel, ("graph colouring",), 2)], now=NOW)

    assert await post_queries.get(db, channel, TUE) == first
    assert await post_queries.get(db, user, TUE) == query(user, ("llm", "rag"), 30)
    assert await post_queries.get(db, channel, TUE - dt.timedelta(days=1)) is None


async def test_a_digest_and_a_subscription_keep_their_style(db: Database) -> None:
    created = await upsert_digest(
        db, guild_id=1, channel_id=CHANNEL, categories=["cs.CL"], keywords="llm", now=NOW
    )
    assert created.style is DigestStyle.COMPACT  # the default
    await upsert_digest(
        db,
        guild_id=1,
        channel_id=CHANNEL,
        categories=["cs.CL"],
        keywords="llm",
        style=DigestStyle.FULL,
        now=NOW,
    )
    digest = await get_digest(db, CHANNEL)
    assert digest is not None and digest.style is DigestStyle.FULL

    await add_keywords(db, USER, ["llm"], now=NOW)
    changed = await update_settings(db, USER, style=DigestStyle.FULL, now=NOW)
    assert changed.style is DigestStyle.FULL
