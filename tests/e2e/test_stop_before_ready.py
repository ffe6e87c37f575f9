"""Stopping the bot in the seconds between Discord's READY and discord.py's "ready".

After READY, discord.py waits `guild_ready_timeout` (2 s by default) for the servers' data
before it dispatches `on_ready`, in a task that closing the client does not cancel. A SIGTERM
in those seconds used to leave that task to dispatch "ready" into a closed client, which
raised, and the process logged a traceback as it stopped (seen under load in
tests/e2e/test_faults.py's full-disk test, where the bot posts before it is ready).
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.app import open_services
from bot.client import DigestBot
from tests.e2e.harness import make_settings
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

WAIT = 10.0


async def test_closing_before_discord_py_is_ready_leaves_no_failing_task(
    fake_discord: FakeDiscord,
    fake_arxiv: FakeArxiv,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with open_services(make_settings(tmp_path, fake_arxiv)) as services:
        bot = DigestBot(services, guild_ready_timeout=2.0)  # as `run` builds it
        caplog.set_level(logging.INFO, logger="bot.client")
        async with bot:
            starting = asyncio.create_task(bot.start(fake_discord.token))
            await bot.wait_for("connect", timeout=WAIT)  # READY is being handled
            # discord.py's own wait for the servers' data (no public handle on it).
            waiting = bot._connection._ready_task
            assert waiting is not None
            await bot.close()  # SIGTERM
            assert not waiting.done(), "the close took longer than the wait; nothing tested"
            await asyncio.wait({waiting}, timeout=WAIT)
            await asyncio.gather(starting, return_exceptions=True)

    assert waiting.done()
    assert waiting.exception() is None
    # Nor does a bot that was stopped say it is ready.
    assert not [r for r in caplog.records if r.getMessage().startswith("ready as")]
