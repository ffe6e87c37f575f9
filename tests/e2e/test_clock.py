"""The clock and start-up: supervised jobs, catch-up after downtime, command sync, no backlog."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, JobKey
from bot.store import targets
from bot.targets.model import TargetKey
from bot.targets.schedule import post_was_missed
from tests.e2e.harness import DAY, make_settings, paper, running_bot
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord, FakeGuild

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

UTC = dt.UTC


@pytest.mark.parametrize(
    ("time", "zone", "last", "now", "missed"),
    [
        # 08:00 Berlin (06:00 UTC in summer) passed today and nothing was posted since.
        (dt.time(8), "Europe/Berlin", None, dt.datetime(2026, 4, 28, 7, tzinfo=UTC), True),
        (
            dt.time(8),
            "Europe/Berlin",
            dt.datetime(2026, 4, 28, 6, 30, tzinfo=UTC),
            dt.datetime(2026, 4, 28, 7, tzinfo=UTC),
            False,
        ),
        # Not due yet today: yesterday's run counts, and it was posted.
        (
            dt.time(23),
            "UTC",
            dt.datetime(2026, 4, 27, 23, 0, 5, tzinfo=UTC),
            dt.datetime(2026, 4, 28, 7, tzinfo=UTC),
            False,
        ),
        (
            dt.time(23),
            "UTC",
            dt.datetime(2026, 4, 26, 23, 0, 5, tzinfo=UTC),
            dt.datetime(2026, 4, 28, 7, tzinfo=UTC),
            True,
        ),
    ],
)
def test_missed_posts_are_detected_in_the_targets_timezone(
    time: dt.time, zone: str, last: dt.datetime | None, now: dt.datetime, missed: bool
) -> None:
    assert post_was_missed(time, zone, last, now) is missed


class _PollFailures(logging.Handler):
    """Set `twice` once the bot has logged two failed polls."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.twice = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("poll failed"):
            self.count += 1
            if self.count >= 2:
                self.twice.set()


async def test_a_failing_poll_is_logged_and_the_next_poll_still_runs(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, fake_arxiv, poll_interval_seconds=1)
    fake_arxiv.fail_next(404, count=1000)  # not retried by the client: fails at once
    failures = _PollFailures()
    logging.getLogger("bot.delivery.service").addHandler(failures)
    try:
        async with running_bot(settings, fake_discord) as bot:
            await targets.upsert_digest(
                bot.services.db,
                guild_id=discord_guild.id,
                channel_id=discord_guild.channel("papers").id,
                categories=["cs.CL"],
            )
            await asyncio.wait_for(failures.twice.wait(), timeout=10)
            assert bot.delivery.last_poll_error is not None
            assert bot.delivery.next_poll() is not None
    finally:
        logging.getLogger("bot.delivery.service").removeHandler(failures)


async def test_a_post_due_while_the_bot_was_down_is_made_once_at_start_up(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = discord_guild.channel("papers")
    settings = make_settings(tmp_path, fake_arxiv)
    fake_arxiv.add_feed_papers([paper(1, "An LLM paper", "LLM.")])
    async with running_bot(settings, fake_discord) as bot:
        # A digest at 00:01 UTC, set up two days ago: at least one post fell due since.
        await targets.upsert_digest(
            bot.services.db,
            guild_id=discord_guild.id,
            channel_id=channel.id,
            categories=["cs.CL"],
            keywords="llm",
            time=dt.time(0, 1),
            now=dt.datetime.now(UTC) - dt.timedelta(days=2),
        )
    assert fake_discord.messages(channel) == []
    async with running_bot(settings, fake_discord) as bot:
        await bot.delivery.poll_and_deliver()  # the start-up poll, run here to wait for it
        await bot.delivery.poll_and_deliver()  # a later poll: not a catch-up any more
    titles = [e["title"] for m in fake_discord.messages(channel) for e in m.embeds]
    assert titles == ["An LLM paper"]


async def test_a_timed_digest_set_up_just_before_a_restart_has_missed_nothing(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = discord_guild.channel("papers")
    settings = make_settings(tmp_path, fake_arxiv)
    fake_arxiv.add_feed_papers([paper(1, "An LLM paper", "LLM.")])
    soon = dt.datetime.now(UTC) - dt.timedelta(minutes=1)  # its time passed before it existed
    async with running_bot(settings, fake_discord) as bot:
        await targets.upsert_digest(
            bot.services.db,
            guild_id=discord_guild.id,
            channel_id=channel.id,
            categories=["cs.CL"],
            keywords="llm",
            time=soon.time().replace(second=0, microsecond=0),
        )
    async with running_bot(settings, fake_discord) as bot:
        await bot.delivery.poll_and_deliver()
        config = await targets.get_digest(bot.services.db, channel.id)
        assert config is not None and config.planned_date == DAY  # planned, waiting its time
    assert fake_discord.messages(channel) == []


async def test_a_new_digest_starts_from_the_latest_announcement_not_a_backlog(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = discord_guild.channel("papers")
    settings = make_settings(tmp_path, fake_arxiv)
    older = dataclasses.replace(paper(1, "Old LLM paper", "LLM."), announced=DAY)
    newer = dataclasses.replace(
        paper(2, "New LLM paper", "LLM."), announced=DAY + dt.timedelta(days=1)
    )
    async with running_bot(settings, fake_discord) as bot:
        fake_arxiv.add_feed_papers([older])
        await bot.services.poller.poll(["cs.CL"])
        fake_arxiv.feed_papers[:] = [newer]
        fake_arxiv.add_feed_papers([])
        await bot.services.poller.poll(["cs.CL"])
        await targets.upsert_digest(
            bot.services.db,
            guild_id=discord_guild.id,
            channel_id=channel.id,
            categories=["cs.CL"],
            keywords="llm",
        )
        await bot.delivery.poll_and_deliver()
        config = await targets.get_digest(bot.services.db, channel.id)
        assert config is not None and config.last_posted_date == newer.announced
        assert config.planned_date == newer.announced
    titles = [e["title"] for m in fake_discord.messages(channel) for e in m.embeds]
    assert titles == ["New LLM paper"]


async def test_global_commands_are_synced_only_when_they_changed(
    fake_discord: FakeDiscord, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, fake_arxiv)
    async with running_bot(settings, fake_discord):
        pass
    async with running_bot(settings, fake_discord):
        pass
    scopes = [sync.guild_id for sync in fake_discord.command_syncs]
    assert scopes == [None]


async def test_commands_are_synced_to_the_development_guild_at_every_start(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, fake_arxiv, discord_guild_id=discord_guild.id)
    async with running_bot(settings, fake_discord):
        pass
    async with running_bot(settings, fake_discord):
        pass
    scopes = [sync.guild_id for sync in fake_discord.command_syncs]
    assert scopes == [discord_guild.id, discord_guild.id]


async def test_stopping_the_clock_lets_a_running_job_finish() -> None:
    # A poll cut off between a message going out and its record would leave it unrecorded.
    clock = Clock(AsyncIOScheduler(timezone="UTC"))
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[bool] = []

    async def job() -> None:
        started.set()
        await release.wait()
        finished.append(True)

    clock.soon(JobKey.soon(TargetKey.channel(1)), job)
    clock.start()
    await asyncio.wait_for(started.wait(), 5)
    stopping = asyncio.create_task(clock.stop(timeout=5))
    await asyncio.sleep(0)  # let stop() begin while the job is still running
    release.set()
    await stopping

    assert finished == [True]
    assert not clock.scheduler.running
