"""Two bot processes on one PostgreSQL database, one per Discord shard, and the leader dies.

Five servers spread over two shards, a digest in each and two subscribers; one announcement.
Process A (shard 0, and so the DMs) starts first and leads: it polls arXiv and runs the pass.
Process B (shard 1) sends its servers' posts. A is SIGKILLed in the middle of a post; B takes
the lead within a poll interval, adopts shard 0's targets, finds what A had sent, and sends
the rest: every paper reaches every target exactly once, arXiv was polled by one process at
a time, and Claude was asked once per paper.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from bot.store import targets
from bot.store.db import open_database
from tests.e2e.harness import paper
from tests.e2e.test_restart import start_bot
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeChannel, FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
PAPERS = [paper(i, f"Efficient LLM inference, part {i}", "An LLM study.") for i in range(1, 13)]
SHARDS = 2
#: The shard of each of the five servers: three on shard 0, two on shard 1.
SERVER_SHARDS = (0, 1, 0, 1, 0)


def urls(fake: FakeDiscord, channel: FakeChannel) -> list[str]:
    return [embed["url"] for message in fake.messages(channel) for embed in message.embeds]


def contact_of(request: object) -> str:
    """Return which process made an arXiv request: the contact in its User-Agent."""
    agent = str(getattr(request, "headers", {}).get("User-Agent", ""))
    return "A" if "a@example.org" in agent else "B" if "b@example.org" in agent else "?"


async def wait_for(condition: object, what: str, timeout: float = 90) -> None:  # noqa: ASYNC109
    """Wait until `condition()` holds, checking every 50 ms; fail naming `what`."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.mark.timeout(240)
async def test_the_leader_dies_mid_post_and_the_other_process_delivers_everything_once(
    fake_arxiv: FakeArxiv, postgres_url: str
) -> None:
    # One message per 0.4 s per channel, so that the kill lands in the middle of a post.
    async with (
        FakeDiscord(rate_limit=1, rate_window=0.4) as fake,
        FakeAnthropic.running() as claude,
    ):
        guilds = [
            fake.add_guild(f"lab {n}", shard=(shard, SHARDS))
            for n, shard in enumerate(SERVER_SHARDS)
        ]
        channels = [guild.channel("papers") for guild in guilds]
        members = [fake.add_member(guilds[0], "ada"), fake.add_member(guilds[1], "ben")]
        async with open_database(postgres_url) as db:
            for guild, channel in zip(guilds, channels, strict=True):
                await targets.upsert_digest(
                    db,
                    guild_id=guild.id,
                    channel_id=channel.id,
                    categories=["cs.CL"],
                    keywords="llm",
                    max_papers=25,
                )
            for member in members:
                await targets.add_keywords(db, member.id, ["llm"])
                await targets.update_settings(db, member.id, categories=["cs.CL"])
        fake_arxiv.add_feed_papers(PAPERS)
        dms = [fake.dm_channel(member) for member in members]
        everywhere = [*channels, *dms]

        def env(shard: int, contact: str) -> dict[str, str]:
            return {
                "PATH": os.environ.get("PATH", ""),
                "HOME": os.environ.get("HOME", ""),
                "PYTHONPATH": str(ROOT),
                "DISCORD_TOKEN": fake.token,
                "DISCORD_API_BASE_URL": fake.api_base,
                "DISCORD_GATEWAY_URL": fake.gateway_url,
                "DATABASE_URL": postgres_url,
                "SHARD_COUNT": str(SHARDS),
                "SHARD_IDS": str(shard),
                "POLL_INTERVAL_SECONDS": "2",
                "ARXIV_FEED_URL": fake_arxiv.feed_url,
                "ARXIV_API_URL": fake_arxiv.api_url,
                "ARXIV_REQUEST_INTERVAL_SECONDS": "0",
                "ARXIV_CONTACT": contact,
                "ANTHROPIC_API_KEY": "test-key",
                "ANTHROPIC_BASE_URL": claude.base_url,
            }

        leader = await start_bot(env(0, "a@example.org"))
        await fake_arxiv.wait_for_requests("/atom", within=60)  # A polls: it leads
        other = await start_bot(env(1, "b@example.org"))
        try:
            # A sends shard 0's posts (its servers' digests and the DMs) one target at a
            # time; kill it once the first of them has begun.
            first = channels[0]
            await fake.wait_for_messages(first, 2, timeout=60)
            leader.kill()  # SIGKILL: no clean-up of any kind
            await leader.wait()
            killed_at = fake_arxiv.clock()
            unfinished = [c for c in everywhere if len(set(urls(fake, c))) < len(PAPERS)]
            assert unfinished, "the kill came too late to test"

            await wait_for(
                lambda: all(len(set(urls(fake, c))) >= len(PAPERS) for c in everywhere),
                "every paper in every channel and DM",
            )
        finally:
            other.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(other.communicate(), 30)
        assert other.returncode == 0, err.decode()[-3000:]

        for place in everywhere:
            delivered = urls(fake, place)
            assert len(delivered) == len(PAPERS), place.id  # each paper exactly once
            assert len(set(delivered)) == len(PAPERS), place.id
            headers = [m.content for m in fake.messages(place) if m.content]
            assert len(headers) == 1, place.id
        # arXiv: polled by one process at a time (A, then B once A was gone); the pass, with
        # its API lookups, ran once.
        polls = [(contact_of(r), r.time) for r in fake_arxiv.requests_to("/atom")]
        assert {who for who, at in polls if at < killed_at} == {"A"}
        assert {who for who, at in polls if at > killed_at} <= {"B"}
        assert {contact_of(r) for r in fake_arxiv.requests_to("/api")} == {"A"}
        # Claude: once per paper, across both processes.
        asked = sorted(request.paper_field("arXiv id") for request in claude.requests)
        assert len(asked) == len(PAPERS)
        assert len(set(asked)) == len(PAPERS)
