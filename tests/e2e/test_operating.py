"""An observable bot (README, "Operating"): the real `run` process, the fakes, real signals.

What an operator watching its log, its `/healthz` and its `/metrics` sees from start-up, through
a Discord outage, to SIGTERM; and that SIGTERM ends the process in every state it can be in.
The timings themselves are benchmarks/shutdown_benchmark.py's: here a stop only has to come
well before what the bot did before (60 s connecting to a silent Discord, forever while arXiv
held an answer), within a generous 15 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.bot_process import (
    BACK,
    OUTAGE,
    PAPERS,
    READY,
    STATES,
    STOPPED,
    BotProcess,
    World,
    free_port,
    make_world,
)
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord


@pytest.fixture
async def world(fake_arxiv: FakeArxiv, tmp_path: Path) -> AsyncIterator[World]:
    """A server with one digest, the feed announcing three matching papers."""
    async with FakeDiscord() as discord:
        made = await make_world(discord, fake_arxiv, tmp_path)
        try:
            yield made
        finally:
            made.release()


async def get(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.get(url)


async def health_becomes(base: str, status: int, *, within: float = 60) -> dict[str, Any]:
    """Ask /healthz until it answers `status`; return its body."""
    async with asyncio.timeout(within):
        while True:
            answer = await get(f"{base}/healthz")
            if answer.status_code == status:
                body: dict[str, Any] = answer.json()
                return body
            await asyncio.sleep(0.1)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Return every sample of a /metrics page by name and labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.mark.timeout(240)
async def test_ready_line_health_metrics_and_a_discord_outage_as_one_warning(
    world: World,
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with FakeAnthropic.running() as claude:
        env = world.env(
            HEALTH_PORT=str(port),
            ANTHROPIC_API_KEY="test-key",
            ANTHROPIC_BASE_URL=claude.base_url,
        )
        bot = await BotProcess.start(env)
        try:
            ready = await bot.wait_for_line(READY)
            posted = await world.discord.wait_for_messages(world.channel, 1, timeout=60)
            healthy = await health_becomes(base, 200)

            metrics = samples((await get(f"{base}/metrics")).text)

            await world.discord.gateway.refuse()
            warning = await bot.wait_for_line(OUTAGE)
            unhealthy = await health_becomes(base, 503)
            # Several failed attempts to reconnect, each a traceback at ERROR before.
            await world.discord.notifier.wait_for(
                lambda: world.discord.gateway.refused >= 3 or None, timeout=60, what="retries"
            )
            world.discord.gateway.refusing = False
            back = await bot.wait_for_line(BACK)
            await health_becomes(base, 200)

            code, _ = await bot.stop()
        finally:
            await bot.kill()

    assert f"commands synced to server {world.guild.id} only" in ready
    assert healthy["status"] == "ok"
    assert healthy["discord"]["connected"] is True
    assert healthy["poll"]["last_finished"] is not None

    assert metrics[("arxiv_digest_polls_total", (("result", "fetched"),))] == 1
    assert metrics[("arxiv_digest_papers_recorded_total", ())] == len(PAPERS)
    sent = metrics[("arxiv_digest_messages_sent_total", (("target", "channel"),))]
    assert sent == len(posted) == len(world.discord.messages(world.channel))
    calls = (("kind", "summary"), ("result", "ok"))
    assert metrics[("arxiv_digest_claude_calls_total", calls)] == len(PAPERS)
    assert metrics[("arxiv_digest_claude_tokens_total", (("direction", "input"),))] > 0
    assert metrics[("arxiv_digest_claude_cost_usd_total", ())] > 0
    assert metrics[("arxiv_digest_outbox_pending_messages", ())] == 0
    assert metrics[("arxiv_digest_discord_connected", ())] == 1

    assert "WARNING" in warning
    assert unhealthy["status"] == "unhealthy"
    assert unhealthy["problems"][0].startswith("Discord is not connected")
    assert "after an outage of" in back

    assert code == 0, bot.log
    assert bot.lines[-1].endswith(STOPPED)
    about_discord = [line for line in bot.lines if "WARNING" in line and "Discord" in line]
    assert about_discord == [warning], bot.log
    assert "Traceback" not in bot.log
    assert [line for line in bot.lines if " ERROR " in line] == []


@pytest.mark.timeout(120)
@pytest.mark.parametrize("state", list(STATES))
async def test_sigterm_ends_the_bot_cleanly_in_every_state(world: World, state: str) -> None:
    prepare, reach = STATES[state]
    await prepare(world, None)
    bot = await BotProcess.start(world.env())
    try:
        await reach(world, bot)
        code, _ = await bot.stop(within=15)
    finally:
        world.release()
        await bot.kill()
    assert code == 0, bot.log
    assert bot.lines[-1].endswith(STOPPED), bot.log
    assert "Traceback" not in bot.log
