"""Threads of posts, a server's defaults, roles and budget shares: the same on both databases.

Each test runs on SQLite and on PostgreSQL (the `database_url` fixture), so the queries of
migration 0006 are known to mean the same thing on both.
"""

from __future__ import annotations

import datetime as dt
import json

from bot.store import guild_settings, post_threads, targets
from bot.store.db import open_database
from bot.store.deliveries import (
    PostRecord,
    PostThread,
    delivered_base_ids,
    mark_sent,
    pending_messages,
    record_posts,
)
from bot.store.summaries import SummaryKey, record_usage, server_spending
from bot.targets.model import PostPlace, TargetKey

CHANNEL = TargetKey.channel(222)
TUE = dt.date(2026, 4, 28)
NOW = dt.datetime(2026, 4, 28, 1, 0, tzinfo=dt.UTC)
LAB, OTHER = 10, 20


def payload(content: str) -> str:
    """Return a Discord message body as delivery would plan it."""
    return json.dumps({"content": content, "embeds": [], "allowed_mentions": {"parse": []}})


async def test_a_threaded_post_keeps_its_thread_and_a_deleted_one_forgets_the_rest(
    database_url: str,
) -> None:
    thread = PostThread(PostPlace.FORUM, "cs.CL · 2026-04-28 · 2 papers", ("cs.CL", "llm"))
    messages = (
        (payload("header"), ()),
        (payload("one"), ("2604.00001",)),
        (payload("two"), ("2604.00002",)),
    )
    async with open_database(database_url) as db:
        await record_posts(db, TUE, [PostRecord(CHANNEL, messages, thread)], [CHANNEL], now=NOW)
        header = (await pending_messages(db, CHANNEL))[0]
        assert header.thread == thread  # the title and tag labels come back as recorded
        await mark_sent(db, header.id, 9001, now=NOW)
        await post_threads.record_thread(db, CHANNEL, TUE, 9001, now=NOW)
        assert await post_threads.header_message_id(db, CHANNEL, TUE) == 9001
        papers = await pending_messages(db, CHANNEL)
        assert [m.thread.thread_id if m.thread else None for m in papers] == [9001, 9001]

        dropped = await post_threads.drop_unsent(db, CHANNEL, TUE)

        assert dropped == 2
        assert await pending_messages(db, CHANNEL) == []
        assert await delivered_base_ids(db, CHANNEL) == set()  # never reached the channel
        assert await post_threads.header_message_id(db, CHANNEL, TUE) == 9001  # still there


async def test_a_version_reply_finds_its_papers_thread_and_outlives_its_own_posts_thread(
    database_url: str,
) -> None:
    wed = TUE + dt.timedelta(days=1)
    first = PostThread(PostPlace.THREAD, "cs.CL · 2026-04-28 · 1 paper")
    second = PostThread(PostPlace.THREAD, "cs.CL · 2026-04-29 · 1 paper")
    async with open_database(database_url) as db:
        tuesday = ((payload("header"), ()), (payload("one"), ("2604.00001",)))
        await record_posts(db, TUE, [PostRecord(CHANNEL, tuesday, first)], [CHANNEL], now=NOW)
        header, paper = await pending_messages(db, CHANNEL)
        await mark_sent(db, header.id, 9001, now=NOW)  # the thread takes the header's id
        await mark_sent(db, paper.id, 9002, now=NOW)
        wednesday = ((payload("header 2"), ()), (payload("two"), ("2604.00002",)))
        replies = ((payload("v2: camera-ready"), paper.id),)
        record = PostRecord(CHANNEL, wednesday, second, replies)
        await record_posts(db, wed, [record], [CHANNEL], now=NOW)
        *_, reply = await pending_messages(db, CHANNEL)

        # The thread's own id was never recorded: the header's stands for it.
        assert await post_threads.carrier(db, paper.id) == post_threads.Carrier(
            9002, in_thread=True, thread_id=9001
        )
        assert await post_threads.carrier(db, header.id) == post_threads.Carrier(
            9001, in_thread=False
        )
        # Wednesday's thread is deleted: its papers go, the reply to Tuesday's paper stays.
        assert await post_threads.drop_unsent(db, CHANNEL, wed) == 2
        assert [m.id for m in await pending_messages(db, CHANNEL)] == [reply.id]
        assert await post_threads.drop_message(db, reply.id)
        assert await pending_messages(db, CHANNEL) == []


async def test_dropping_a_post_drops_the_unsent_replies_to_its_papers(database_url: str) -> None:
    wed = TUE + dt.timedelta(days=1)
    thread = PostThread(PostPlace.THREAD, "cs.CL · 2026-04-28 · 1 paper")
    async with open_database(database_url) as db:
        tuesday = ((payload("header"), ()), (payload("one"), ("2604.00001",)))
        await record_posts(db, TUE, [PostRecord(CHANNEL, tuesday, thread)], [CHANNEL], now=NOW)
        header, paper = await pending_messages(db, CHANNEL)
        await mark_sent(db, header.id, 9001, now=NOW)
        replies = ((payload("v2: camera-ready"), paper.id),)  # answers a paper not sent yet
        await record_posts(db, wed, [PostRecord(CHANNEL, (), None, replies)], [CHANNEL], now=NOW)

        assert await post_threads.drop_unsent(db, CHANNEL, TUE) == 1

        assert await pending_messages(db, CHANNEL) == []  # the reply had nothing to answer


async def test_a_call_for_two_servers_charges_each_half_on_its_day(database_url: str) -> None:
    key = SummaryKey("2604.00001", 1, "en", "p1", "claude-haiku-4-5")
    async with open_database(database_url) as db:
        common = {"input_tokens": 10, "output_tokens": 5, "valid": True}
        await record_usage(db, key, now=NOW, cost_usd=0.004, servers=(LAB, OTHER), **common)
        await record_usage(db, key, now=NOW, cost_usd=0.001, servers=(LAB,), **common)
        await record_usage(db, key, now=NOW, cost_usd=0.5, **common)  # a DM: no server's
        later = NOW + dt.timedelta(days=1)
        await record_usage(db, key, now=later, cost_usd=0.3, servers=(OTHER,), **common)

        spent = await server_spending(db, "2026-04-28")

    assert spent == {LAB: 0.003, OTHER: 0.002}


async def test_a_servers_language_and_a_digests_place_and_role_are_kept(
    database_url: str,
) -> None:
    async with open_database(database_url) as db:
        await guild_settings.set_language(db, LAB, "German", now=NOW)
        await guild_settings.set_language(db, OTHER, "fr", now=NOW)
        await guild_settings.set_language(db, OTHER, None, now=NOW)  # back to the bot's
        config = await targets.upsert_digest(
            db,
            guild_id=LAB,
            channel_id=CHANNEL.id,
            categories=["cs.CL"],
            place=PostPlace.THREAD,
            mention_role=1234567890123456789,  # a snowflake needs 64 bits
            now=NOW,
        )

        assert await guild_settings.get_language(db, LAB) == "German"
        assert await guild_settings.get_language(db, OTHER) is None
        assert await guild_settings.languages(db) == {LAB: "German"}
        assert (config.place, config.mention_role) == (PostPlace.THREAD, 1234567890123456789)
