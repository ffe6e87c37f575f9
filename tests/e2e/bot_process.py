"""`arxiv-digest-bot run` as its own process against the fakes, its log read as it comes.

Used by tests/e2e/test_operating.py and benchmarks/shutdown_benchmark.py. `STATES` brings a
running bot into each state SIGTERM must be able to end it in: connected and idle,
reconnecting to a Discord that refuses connections, connecting to a Discord that never
answers, in the middle of a poll (arXiv holding its answer) and in the middle of a post
(Discord rate-limiting the channel for 30 s).
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot.models import Paper
from bot.store import targets
from bot.store.db import open_database
from tests.cli_runner import ROOT, base_env
from tests.e2e.harness import paper
from tests.fakes.arxiv_server import FakeArxiv, Hold
from tests.fakes.discord_server import FakeChannel, FakeDiscord, FakeGuild

READY = "ready as arxiv-digest-bot in 1 server"
OUTAGE = "lost the connection to Discord"
BACK = "connected to Discord again after an outage of"
STOPPED = "stopped cleanly"
PAPERS: list[Paper] = [paper(i, f"LLM inference, part {i}", "An LLM study.") for i in range(1, 4)]


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on (for HEALTH_PORT)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess:
    """One `python -m bot run`, with every line it logged so far."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []
        self._changed = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def start(cls, env: dict[str, str]) -> BotProcess:
        """Start the bot with `env` (and this checkout on PYTHONPATH)."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env={**env, "PYTHONPATH": str(ROOT)},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def _read(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            async with self._changed:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    async def wait_for_line(self, text: str, *, within: float = 60) -> str:
        """Wait until a logged line contains `text`; return it (fail after `within` s)."""

        def found() -> str | None:
            return next((line for line in self.lines if text in line), None)

        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: found() is not None or self._reader.done())
        line = found()
        assert line is not None, f"the bot ended without logging {text!r}:\n" + self.log
        return line

    async def stop(self, *, within: float = 15) -> tuple[int, float]:
        """Send SIGTERM; return the exit code and the seconds until the process was gone."""
        started = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), within)
        elapsed = time.perf_counter() - started
        await self._reader
        return code, elapsed

    async def kill(self) -> None:
        """End the process at once if it still runs (clean-up after a failed test)."""
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        await self._reader

    @property
    def log(self) -> str:
        """Return everything logged so far."""
        return "\n".join(self.lines)


@dataclass
class World:
    """The fakes and the database a bot process runs against."""

    discord: FakeDiscord
    arxiv: FakeArxiv
    guild: FakeGuild
    channel: FakeChannel
    database: Path
    holds: list[Hold] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        """Return the bot's environment: the fakes, the database, no spacing of requests."""
        return base_env(
            DISCORD_TOKEN=self.discord.token,
            DISCORD_API_BASE_URL=self.discord.api_base,
            DISCORD_GATEWAY_URL=self.discord.gateway_url,
            DISCORD_GUILD_ID=str(self.guild.id),
            DATABASE_PATH=str(self.database),
            ARXIV_FEED_URL=self.arxiv.feed_url,
            ARXIV_API_URL=self.arxiv.api_url,
            ARXIV_REQUEST_INTERVAL_SECONDS="0",
            **extra,
        )

    def release(self) -> None:
        """Let go of every request a state holds."""
        for hold in self.holds:
            hold.release.set()


async def make_world(discord: FakeDiscord, arxiv: FakeArxiv, folder: Path) -> World:
    """Add a server whose #papers has a digest for `PAPERS`, announced in the feed."""
    guild = discord.add_guild("lab")
    channel = guild.channel("papers")
    database = folder / "bot.sqlite3"
    async with open_database(database) as db:
        await targets.upsert_digest(
            db, guild_id=guild.id, channel_id=channel.id, categories=["cs.CL"], keywords="llm"
        )
    arxiv.add_feed_papers(PAPERS)
    arxiv.add_api_papers(PAPERS)
    return World(discord, arxiv, guild, channel, database)


# -- the states SIGTERM must end the bot in ------------------------------------------------
# Each is (prepare before the start, reach after the start); both may be no-ops.

Step = Callable[[World, BotProcess | None], Awaitable[None]]


async def _nothing(world: World, bot: BotProcess | None) -> None:
    return None


async def _posted(world: World, bot: BotProcess | None) -> None:
    assert bot is not None
    await bot.wait_for_line(READY)
    await world.discord.wait_for_messages(world.channel, 1, timeout=60)


async def _refused(world: World, bot: BotProcess | None) -> None:
    await _posted(world, bot)
    await world.discord.go_down()
    assert bot is not None
    await bot.wait_for_line(OUTAGE)


async def _silent(world: World, bot: BotProcess | None) -> None:
    await _posted(world, bot)
    await world.discord.go_down(silent=True)
    fake = world.discord
    await fake.notifier.wait_for(
        lambda: fake.silent_connections or None, timeout=60, what="a connection attempt"
    )


async def _hold_api(world: World, bot: BotProcess | None) -> None:
    world.holds.append(world.arxiv.hold_next(prefix="/api"))


async def _api_held(world: World, bot: BotProcess | None) -> None:
    await asyncio.wait_for(world.holds[-1].arrived.wait(), 60)


async def _rate_limit(world: World, bot: BotProcess | None) -> None:
    path = f"/channels/{world.channel.id}/messages"
    world.discord.rate_limit_next("POST", path, retry_after=30)


async def _post_limited(world: World, bot: BotProcess | None) -> None:
    path = f"/channels/{world.channel.id}/messages"
    await world.discord.wait_for_request("POST", path, timeout=60)


STATES: dict[str, tuple[Step, Step]] = {
    "connected": (_nothing, _posted),
    "reconnecting to a Discord that refuses": (_nothing, _refused),
    "connecting to a Discord that never answers": (_nothing, _silent),
    "mid-poll, arXiv holding its answer": (_hold_api, _api_held),
    "mid-post, Discord rate-limiting for 30 s": (_rate_limit, _post_limited),
}
