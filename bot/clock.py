"""The clock: one AsyncIOScheduler, every job supervised, every job named by a typed key.

Jobs: the poll, every POLL_INTERVAL_SECONDS; each timed target's daily post at its local time;
one-off work started by a command (a new target's first post, a resumed digest's catch-up).
A job body's exception is logged and the job's next run still happens. Job keys are built
here and nowhere else, so a job is never looked up by a string spelled differently elsewhere.

Every job's first run time is worked out here from its trigger and the injected `now`, never
by APScheduler from the wall clock: a test that drives `now` (tests/e2e/test_month.py) runs
the same triggers on simulated time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.targets.model import TargetKey
from bot.timeutil import utc_now

log = logging.getLogger(__name__)

_JOB_DEFAULTS: dict[str, Any] = {
    "coalesce": True,  # a backlog of missed runs becomes one run
    "max_instances": 1,  # a slow run never overlaps the next
    "misfire_grace_time": 3600,  # late by up to an hour (e.g. a busy loop) still runs
}

#: A job body: called with no arguments, awaited, its result ignored.
JobBody = Callable[[], Awaitable[object]]


class JobKind(StrEnum):
    """What a job does."""

    POLL = "poll"
    POST = "post"  # a timed target's daily post
    SOON = "soon"  # one-off work for a target, as soon as possible
    SEND = "send"  # send what is due, woken by another process's pass (bot/fleet.py)


@dataclasses.dataclass(frozen=True, slots=True)
class JobKey:
    """The key of one job: its kind and, except for the poll, its target."""

    kind: JobKind
    target: TargetKey | None = None

    @classmethod
    def poll(cls) -> JobKey:
        """Return the key of the poll job."""
        return cls(JobKind.POLL)

    @classmethod
    def post(cls, target: TargetKey) -> JobKey:
        """Return the key of a timed target's daily post."""
        return cls(JobKind.POST, target)

    @classmethod
    def send(cls) -> JobKey:
        """Return the key of sending what is due now, out of turn."""
        return cls(JobKind.SEND)

    @classmethod
    def soon(cls, target: TargetKey) -> JobKey:
        """Return the key of one-off work for a target (one at a time per target)."""
        return cls(JobKind.SOON, target)

    @property
    def id(self) -> str:
        """Return the job id APScheduler stores, e.g. `post:channel:123`."""
        if self.target is None:
            return str(self.kind)
        return f"{self.kind}:{self.target.kind}:{self.target.id}"


class Clock:
    """Run the bot's jobs on one AsyncIOScheduler, each supervised."""

    def __init__(
        self, scheduler: AsyncIOScheduler, *, now: Callable[[], dt.datetime] = utc_now
    ) -> None:
        self.scheduler = scheduler
        self._now = now
        self._running: set[asyncio.Task[object]] = set()

    def start(self) -> None:
        """Start running jobs (jobs may be added before and after)."""
        if not self.scheduler.running:
            self.scheduler.start()

    async def stop(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Stop scheduling, then let running jobs finish (cancelled after `timeout` s).

        Called before the database closes, so no job is cut off half-way through a write
        without its transaction rolling back.
        """
        if self.scheduler.running:
            # Pause, not shut down, while jobs finish: APScheduler's asyncio executor cancels
            # the jobs still running when it shuts down, which would cut a post off between
            # a message going out and its record.
            self.scheduler.pause()
        running = {task for task in self._running if not task.done()}
        if running:
            _, late = await asyncio.wait(running, timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def every(self, key: JobKey, seconds: float, body: JobBody) -> None:
        """Run `body` now, then every `seconds`."""
        now = self._now()
        self.scheduler.add_job(
            self._supervised(key, body),
            IntervalTrigger(seconds=seconds, start_date=now, timezone=dt.UTC),
            id=key.id,
            name=key.id,
            replace_existing=True,
            next_run_time=now,
            **_JOB_DEFAULTS,
        )

    def daily(self, key: JobKey, time: dt.time, timezone: dt.tzinfo, body: JobBody) -> None:
        """Run `body` every day at `time` in `timezone` (replacing the key's earlier job)."""
        trigger = CronTrigger(hour=time.hour, minute=time.minute, timezone=timezone)
        self.scheduler.add_job(
            self._supervised(key, body),
            trigger,
            id=key.id,
            name=key.id,
            replace_existing=True,
            next_run_time=trigger.get_next_fire_time(None, self._now()),
            **_JOB_DEFAULTS,
        )

    def soon(self, key: JobKey, body: JobBody) -> None:
        """Run `body` once, now, supervised (replacing the key's job not started yet)."""
        self.scheduler.add_job(
            self._supervised(key, body),
            id=key.id,
            name=key.id,
            replace_existing=True,
            next_run_time=self._now(),
            **_JOB_DEFAULTS,
        )

    def remove(self, key: JobKey) -> None:
        """Remove the key's job if there is one."""
        if self.scheduler.get_job(key.id) is not None:
            self.scheduler.remove_job(key.id)

    def next_run(self, key: JobKey) -> dt.datetime | None:
        """Return when the key's job runs next (None without such a job)."""
        job = self.scheduler.get_job(key.id)
        return None if job is None else job.next_run_time

    def _supervised(self, key: JobKey, body: JobBody) -> Callable[[], Awaitable[None]]:
        """Wrap a job body so an exception is logged and the job's next run still happens."""

        async def job() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            try:
                await body()
            except asyncio.CancelledError:
                log.info("job %s cancelled (shutting down)", key.id)
            except Exception:
                log.exception("job %s failed; it runs again at its next time", key.id)

        job.__name__ = f"job_{key.id}"
        return job
