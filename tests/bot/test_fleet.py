"""Processes sharing one PostgreSQL database: one leads, each sends its shards', none twice.

Each "process" here is what a bot process holds: its own pool (`open_database`) and its
own lock session, on the test's PostgreSQL database; a process that dies is one whose
connections end (the server frees their locks then, as for a SIGKILLed process; the
end-to-end test kills real ones).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import asyncpg
import pytest

from bot.config import Settings
from bot.fleet import LEADER_LOCK, Fleet, Ownership, open_fleet, shard_of
from bot.store import targets
from bot.store.db import Database, open_database
from bot.store.instance import shard_locks
from bot.summarize import ClaudeClient, Summarizer, load_prompts, open_sdk_client
from bot.targets.model import TargetKey
from tests.bot.summarize.conftest import Clock, make_paper, make_settings
from tests.fakes.anthropic_server import FakeAnthropic

# Discord puts a server on shard (id >> 22) % count: these two land on shards 0 and 1 of 2.
GUILD_ON_0 = 2 << 22
GUILD_ON_1 = 3 << 22


def settings_for(url: str, shards: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, shard_count=2, shard_ids=shards
    )


@contextlib.asynccontextmanager
async def process(url: str, shards: str) -> AsyncIterator[tuple[Database, Fleet]]:
    """Join the database as a bot process serving `shards` would."""
    settings = settings_for(url, shards)
    async with (
        shard_locks(url, settings.shards_here),
        open_database(url) as db,
        open_fleet(settings, db) as fleet,
    ):
        yield db, fleet


def test_servers_are_on_the_shards_discord_gives_them() -> None:
    assert shard_of(GUILD_ON_0, 2) == 0
    assert shard_of(GUILD_ON_1, 2) == 1
    assert shard_of(GUILD_ON_1, 1) == 0


async def test_one_process_leads_and_another_takes_over_when_it_dies(postgres_url: str) -> None:
    async with process(postgres_url, "1") as (_, second):
        async with process(postgres_url, "0") as (_, first):
            assert await first.lead()
            assert not await second.lead()
            assert await first.lead()  # it keeps the lead
        # The first process is gone: its connection, and so its lock, with it.
        assert await second.lead()


async def test_a_leader_whose_connection_the_server_ends_takes_the_lead_again(
    postgres_url: str,
) -> None:
    async with process(postgres_url, "0") as (_, leader):
        assert await leader.lead()
        # As a server restart would: the server ends the session that holds the lead.
        admin = await asyncpg.connect(postgres_url)
        try:
            ended = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
                " WHERE locktype = 'advisory' AND granted AND objid = $1",
                LEADER_LOCK & 0xFFFFFFFF,
            )
        finally:
            await admin.close()
        assert ended == 1
        assert await leader.lead()  # a new session, and the lead again


async def test_each_process_sends_its_shards_and_adopts_a_dead_ones(postgres_url: str) -> None:
    async with open_database(postgres_url) as db:
        await targets.upsert_digest(db, guild_id=GUILD_ON_0, channel_id=10, categories=["cs.AI"])
        await targets.upsert_digest(db, guild_id=GUILD_ON_1, channel_id=11, categories=["cs.AI"])
    on_0, on_1, dms = TargetKey.channel(10), TargetKey.channel(11), TargetKey.user(5)
    async with process(postgres_url, "1") as (_, second):
        async with process(postgres_url, "0") as (_, first):
            assert [await first.ownership(k) for k in (on_0, on_1, dms)] == [
                Ownership.OWN,
                Ownership.OTHER,
                Ownership.OWN,  # DMs belong to shard 0's process
            ]
            assert [await second.ownership(k) for k in (on_0, on_1, dms)] == [
                Ownership.OTHER,
                Ownership.OWN,
                Ownership.OTHER,
            ]
        second._served = None  # look again now, not in a few seconds
        assert [await second.ownership(k) for k in (on_0, on_1, dms)] == [
            Ownership.ORPHAN,
            Ownership.OWN,
            Ownership.ORPHAN,
        ]


async def test_a_target_is_sent_by_one_process_at_a_time(postgres_url: str) -> None:
    key = TargetKey.channel(10)
    async with process(postgres_url, "0") as (_, first), process(postgres_url, "1") as (_, second):
        async with first.claim(key) as mine:
            assert mine
            async with second.claim(key) as theirs:
                assert not theirs
            async with second.claim(TargetKey.channel(11)) as other_target:
                assert other_target
        async with second.claim(key) as now_theirs:
            assert now_theirs


async def test_claude_is_asked_once_per_paper_across_processes(
    postgres_url: str, tmp_path: Path
) -> None:
    paper = make_paper(7)
    async with FakeAnthropic.running() as fake, AsyncExitStack() as stack:
        fake.pause()  # both processes ask while the first answer is still on its way
        summarizers = []
        for _ in range(2):
            db = await stack.enter_async_context(open_database(postgres_url))
            settings = make_settings(fake)
            sdk = await stack.enter_async_context(open_sdk_client(settings))
            assert sdk is not None
            client = ClaudeClient(sdk, model=settings.anthropic_model)
            summarizer = Summarizer(db, client, settings, prompts=load_prompts(), clock=Clock())
            stack.push_async_callback(summarizer.aclose)
            summarizers.append(summarizer)
        asked = [asyncio.create_task(s.summarize(paper, "en")) for s in summarizers]
        await wait_until(lambda: len(fake.requests) >= 1)
        await wait_for_a_waiting_lock(postgres_url)  # the other process waits, not asks
        fake.resume()
        first, second = await asyncio.gather(*asked)
    assert first.summary is not None and first.summary == second.summary
    assert len(fake.requests) == 1


async def wait_for_a_waiting_lock(url: str, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until a session of the database waits for an advisory lock (pg_locks)."""
    conn = await asyncpg.connect(url)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while not await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ):
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail("no session waited for the summary's lock")
            await asyncio.sleep(0.01)
    finally:
        await conn.close()


async def wait_until(condition: object, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait for `condition()` to hold, checking often, up to `timeout` seconds."""
    assert callable(condition)
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail("timed out waiting")
        await asyncio.sleep(0.01)


async def test_alone_on_sqlite_a_process_leads_owns_and_claims_everything(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_path=tmp_path / "bot.sqlite3")  # type: ignore[call-arg]
    async with open_database(settings.database) as db, open_fleet(settings, db) as fleet:
        assert not fleet.shared
        assert await fleet.lead()
        assert await fleet.ownership(TargetKey.channel(10)) is Ownership.OWN
        async with fleet.claim(TargetKey.channel(10)) as mine:
            assert mine
