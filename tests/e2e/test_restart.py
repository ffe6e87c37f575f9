"""Exactly once across a crash: the bot process is SIGKILLed mid-post and started again."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.store import targets
from bot.store.db import open_database
from tests.e2e.harness import paper
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeChannel, FakeDiscord

ROOT = Path(__file__).resolve().parents[2]
PAPERS = [paper(i, f"Efficient LLM inference, part {i}", "An LLM study.") for i in range(1, 31)]


async def start_bot(env: dict[str, str]) -> asyncio.subprocess.Process:
    """Start `arxiv-digest-bot run` as its own process."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


def posted_urls(fake: FakeDiscord, channel: FakeChannel) -> list[str]:
    return [embed["url"] for message in fake.messages(channel) for embed in message.embeds]


async def wait_for_papers(fake: FakeDiscord, channel: FakeChannel, count: int) -> None:
    """Wait until `count` distinct papers are in the channel (or fail after 60 s)."""
    while len(set(posted_urls(fake, channel))) < count:
        await fake.wait_for_messages(channel, len(fake.messages(channel)) + 1, timeout=60)


@pytest.mark.timeout(180)
async def test_sigkill_mid_post_then_restart_posts_every_paper_exactly_once(
    fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    # One message per 0.4 s on the channel route, so the kill lands in the middle of the post.
    async with FakeDiscord(rate_limit=1, rate_window=0.4) as fake:
        guild = fake.add_guild("lab")
        channel = guild.channel("papers")
        database = tmp_path / "bot.sqlite3"
        async with open_database(database) as db:
            await targets.upsert_digest(
                db,
                guild_id=guild.id,
                channel_id=channel.id,
                categories=["cs.CL"],
                keywords="llm",
                max_papers=25,
            )
        fake_arxiv.add_feed_papers(PAPERS)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", ""),
            "PYTHONPATH": str(ROOT),
            "DISCORD_TOKEN": fake.token,
            "DISCORD_API_BASE_URL": fake.api_base,
            "DISCORD_GATEWAY_URL": fake.gateway_url,
            "DISCORD_GUILD_ID": str(guild.id),
            "DATABASE_PATH": str(database),
            "ARXIV_FEED_URL": fake_arxiv.feed_url,
            "ARXIV_API_URL": fake_arxiv.api_url,
            "ARXIV_REQUEST_INTERVAL_SECONDS": "0",
        }
        first = await start_bot(env)
        await fake.wait_for_messages(channel, 2, timeout=60)
        first.kill()  # SIGKILL: no clean-up of any kind
        await first.wait()
        assert len(set(posted_urls(fake, channel))) < 25, "the kill came too late to test"

        second = await start_bot(env)
        try:
            await wait_for_papers(fake, channel, 25)
        finally:
            second.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(second.communicate(), 30)
        assert second.returncode == 0, err.decode()[-2000:]
        urls = posted_urls(fake, channel)
        assert len(urls) == 25
        assert len(set(urls)) == 25
        headers = [m.content for m in fake.messages(channel) if m.content]
        assert len(headers) == 1
