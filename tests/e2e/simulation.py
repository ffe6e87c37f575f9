"""Run the real bot's scheduled jobs on simulated time, by their own triggers.

The bot's `Clock` works out every job's first run from its trigger and the injected `now`
(bot/clock.py). Here the scheduler is started paused, so APScheduler never fires a job on the
wall clock; `SimulatedJobs.run_until` moves the simulated clock to each job's next run time
in turn, awaits the job (the supervised body the bot registered), and asks the job's trigger
for its next run: the poll's interval, each timed target's daily cron in its own timezone
(daylight saving included), one-off work once. Nothing waits on real time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import open_services
from bot.client import DigestBot
from bot.config import Settings
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_archive import NEW_YORK, SimulatedArchive, SimulatedClock
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord, FakeGuild, connected
from tests.fakes.settings import settings_for_fakes

log = logging.getLogger(__name__)


#: How long a simulated bot may take to connect to the fake Discord (a loaded CI machine).
CONNECT_WAIT = 15.0
#: How long a slash command's reply may take (a loaded CI machine).
REPLY_WAIT = 15.0


def new_york(day: dt.date, hour: int = 0) -> dt.datetime:
    """Return a wall-clock time in New York as an aware UTC instant."""
    return dt.datetime.combine(day, dt.time(hour), NEW_YORK).astimezone(dt.UTC)


def paused_scheduler() -> AsyncIOScheduler:
    """Return a scheduler that holds jobs but never runs them by itself (call in the loop)."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start(paused=True)
    return scheduler


class SimulatedJobs:
    """Fire a paused scheduler's jobs at their simulated times."""

    def __init__(self, scheduler: AsyncIOScheduler, clock: SimulatedClock) -> None:
        self.scheduler = scheduler
        self.clock = clock
        #: How many times each job id ran.
        self.runs: dict[str, int] = {}

    async def run_until(self, moment: dt.datetime) -> None:
        """Run every job due up to `moment`, in time order, then move the clock to `moment`."""
        while (due := self._next_due()) is not None and due[0] <= moment:
            fire_time, job = due
            self.clock.advance_to(fire_time)
            # Its own task, as APScheduler's executor runs it: the bot's clock tracks the
            # job's task (to let it finish on stop), which must not be the test's.
            await asyncio.create_task(job.func())
            self.runs[job.id] = self.runs.get(job.id, 0) + 1
            self._reschedule(job, fire_time)
        self.clock.advance_to(moment)

    def _next_due(self) -> tuple[dt.datetime, Job] | None:
        """Return the job that runs first, and when."""
        waiting = [job for job in self.scheduler.get_jobs() if job.next_run_time is not None]
        if not waiting:
            return None
        job = min(waiting, key=lambda job: job.next_run_time)
        return job.next_run_time, job

    def _reschedule(self, job: Job, fired: dt.datetime) -> None:
        """Give a job that ran its trigger's next time (a job replaced while it ran is left)."""
        current = self.scheduler.get_job(job.id)
        if current is not job:
            return
        following = job.trigger.get_next_fire_time(fired, self.clock.now())
        if following is None:
            job.remove()
        else:
            job.modify(next_run_time=following)


@asynccontextmanager
async def simulated_bot(
    settings: Settings, discord: FakeDiscord, clock: SimulatedClock
) -> AsyncIterator[SimulatedJobs]:
    """Run the bot with its jobs on a paused scheduler that the simulated clock drives."""
    scheduler = paused_scheduler()
    async with open_services(settings, now=clock.now) as services:
        bot = DigestBot(services, guild_ready_timeout=0.05, scheduler=scheduler)
        async with connected(bot, discord, timeout=CONNECT_WAIT):
            yield SimulatedJobs(scheduler, clock)


@dataclass(frozen=True)
class Lab:
    """A server "lab" with #general and #papers, and the bot's jobs on simulated time."""

    discord: FakeDiscord
    guild: FakeGuild
    jobs: SimulatedJobs


@asynccontextmanager
async def lab_with_a_digest(
    tmp_path: Path, archive: SimulatedArchive, clock: SimulatedClock
) -> AsyncIterator[Lab]:
    """Run the bot on simulated time against `archive`, with a cs.CL digest in #papers.

    The digest is made as an admin makes it, by `/digest set` (up to 25 papers a post); the
    bot polls every 30 minutes of simulated time.
    """
    async with (
        FakeArxiv(archive=archive) as arxiv,
        FakeDiscord() as discord,
        FakeAnthropic.running() as claude,
    ):
        guild = discord.add_guild("lab", text_channels=("general", "papers"))
        settings = settings_for_fakes(
            tmp_path,
            arxiv,
            discord=discord,
            anthropic=claude,
            default_categories=("cs.CL",),
            poll_interval_seconds=1800,
        )
        with discord.patch_discord_py():
            async with simulated_bot(settings, discord, clock) as jobs:
                handle = await discord.run_slash(
                    "digest set",
                    {"channel": guild.channel("papers"), "categories": "cs.CL", "max_papers": 25},
                    guild=guild,
                )
                await handle.wait_reply(REPLY_WAIT)
                yield Lab(discord, guild, jobs)
