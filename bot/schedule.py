"""The clock (SPEC section 2): one AsyncIOScheduler drives polling, digests and DMs.

Jobs: `poll` every POLL_INTERVAL_SECONDS; `digest:<channel>` at a digest's local time;
`dm:<user>` at a subscriber's local time. Targets without a time are served right after
each poll. Every job body is supervised: an exception is logged and the next run happens.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import Settings
from bot.delivery import Delivery
from bot.errors import ArxivError
from bot.poller import Poller, PollOutcome
from bot.store import targets
from bot.store.db import Database
from bot.timeutil import known_zone, utc_now

log = logging.getLogger(__name__)

_JOB_DEFAULTS: dict[str, Any] = {
    "coalesce": True,  # a backlog of missed runs becomes one run
    "max_instances": 1,  # a slow poll never overlaps the next
    "misfire_grace_time": 3600,  # late by up to an hour (e.g. a busy loop) still runs
}


class Clock:
    """Register and run the bot's scheduled jobs."""

    def __init__(
        self,
        scheduler: AsyncIOScheduler,
        db: Database,
        poller: Poller,
        delivery: Delivery,
        settings: Settings,
        *,
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.scheduler = scheduler
        self._db = db
        self._poller = poller
        self._delivery = delivery
        self._settings = settings
        self._now = now
        self.last_poll: PollOutcome | None = None
        self.last_poll_error: str | None = None
        self._caught_up = False
        self._running: set[asyncio.Task[object]] = set()

    async def start(self) -> None:
        """Register every job (polling first, at once) and start the scheduler."""
        self.scheduler.add_job(
            self._supervised("poll", self.poll_and_deliver),
            IntervalTrigger(seconds=self._settings.poll_interval_seconds),
            id="poll",
            name="poll arXiv",
            replace_existing=True,
            next_run_time=self._now(),
            **_JOB_DEFAULTS,
        )
        for config in await targets.list_digests(self._db):
            self.schedule_digest(config.channel_id, config.time, config.timezone)
        for sub in await targets.list_subscriptions(self._db):
            self.schedule_subscription(sub.user_id, sub.time, sub.timezone)
        if not self.scheduler.running:
            self.scheduler.start()

    async def stop(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Stop scheduling, then let running jobs finish (cancelled after `timeout` s).

        Called before the database closes, so no job is cut off half-way through a write
        without its transaction rolling back.
        """
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        running = {task for task in self._running if not task.done()}
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=timeout)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    def next_poll(self) -> dt.datetime | None:
        """Return when the poll job runs next."""
        job = self.scheduler.get_job("poll")
        return None if job is None else job.next_run_time

    def next_run(self, job_id: str) -> dt.datetime | None:
        """Return when the job `job_id` runs next (None when it has no time of its own)."""
        job = self.scheduler.get_job(job_id)
        return None if job is None else job.next_run_time

    def schedule_digest(self, channel_id: int, time: dt.time | None, timezone: str) -> None:
        """(Re)schedule a channel's digest at its local time, or after each poll when None."""
        self._schedule(
            f"digest:{channel_id}", time, timezone, self._delivery.post_digest, channel_id
        )

    def schedule_subscription(self, user_id: int, time: dt.time | None, timezone: str) -> None:
        """(Re)schedule a subscriber's DM at their local time, or after each poll when None."""
        self._schedule(f"dm:{user_id}", time, timezone, self._delivery.send_subscription, user_id)

    def unschedule(self, job_id: str) -> None:
        """Remove a job if it exists (a removed digest)."""
        if self.scheduler.get_job(job_id) is not None:
            self.scheduler.remove_job(job_id)

    def run_soon(self, name: str, action: Callable[[], Awaitable[object]]) -> None:
        """Run `action` once, now, supervised (e.g. a new digest's first post)."""
        self.scheduler.add_job(
            self._supervised(name, action),
            id=f"once:{name}",
            name=name,
            replace_existing=True,
            next_run_time=self._now(),
            **_JOB_DEFAULTS,
        )

    async def poll_and_deliver(self) -> None:
        """Poll the union of watched categories; then serve every target without a time."""
        digests = await targets.list_digests(self._db)
        subs = [s for s in await targets.list_subscriptions(self._db) if s.keywords]
        wanted: dict[str, None] = {}
        for config in digests:
            if not config.paused:
                wanted.update(dict.fromkeys(config.categories))
        for sub in subs:
            wanted.update(dict.fromkeys(sub.categories or self._settings.default_categories))
        if not wanted:
            log.debug("no digest or subscription: nothing to poll")
            return
        try:
            self.last_poll = await self._poller.poll(tuple(wanted))
            self.last_poll_error = None
        except ArxivError as exc:
            self.last_poll_error = str(exc)
            log.warning("poll failed: %s", exc)
            return
        first_run, self._caught_up = not self._caught_up, True
        now = self._now()
        for config in digests:
            due = config.time is None or (
                first_run and _missed(config.time, config.timezone, config.last_posted_at, now)
            )
            if due and not config.paused:
                await self._guarded(f"digest {config.channel_id}", config.channel_id)
        for sub in subs:
            due = sub.time is None or (
                first_run and _missed(sub.time, sub.timezone, sub.last_sent_at, now)
            )
            if due:
                await self._guarded_dm(sub.user_id)

    async def first_post(self, channel_id: int, categories: tuple[str, ...]) -> None:
        """Fetch a new digest's categories if needed, then post its latest announcement."""
        try:
            await self._poller.poll(categories)
        except ArxivError as exc:
            log.warning("poll for new digest %s failed: %s", channel_id, exc)
        await self._delivery.post_digest(channel_id)

    async def first_dm(self, user_id: int, categories: tuple[str, ...]) -> None:
        """Fetch a new subscriber's categories if needed, then send their first DM."""
        try:
            await self._poller.poll(categories)
        except ArxivError as exc:
            log.warning("poll for new subscriber %s failed: %s", user_id, exc)
        await self._delivery.send_subscription(user_id)

    async def _guarded(self, what: str, channel_id: int) -> None:
        """Post one digest; log, don't raise, so one bad channel can't stop the others."""
        try:
            await self._delivery.post_digest(channel_id)
        except Exception:
            log.exception("%s failed", what)

    async def _guarded_dm(self, user_id: int) -> None:
        """Send one DM digest; log, don't raise."""
        try:
            await self._delivery.send_subscription(user_id)
        except Exception:
            log.exception("DM digest for %s failed", user_id)

    def _schedule(
        self,
        job_id: str,
        time: dt.time | None,
        timezone: str,
        action: Callable[[int], Awaitable[object]],
        target_id: int,
    ) -> None:
        """Add or replace a cron job at `time` in `timezone`; drop it when time is None."""
        if time is None:
            self.unschedule(job_id)
            return
        zone = known_zone(timezone)
        if zone is None:
            # A row from a host with another tz database: skip it, never fail the clock.
            self.unschedule(job_id)
            log.warning("%s not scheduled: unknown timezone %r", job_id, timezone[:60])
            return

        async def run() -> None:
            await action(target_id)

        self.scheduler.add_job(
            self._supervised(job_id, run),
            CronTrigger(hour=time.hour, minute=time.minute, timezone=zone),
            id=job_id,
            name=job_id,
            replace_existing=True,
            **_JOB_DEFAULTS,
        )

    def _supervised(
        self, name: str, body: Callable[[], Awaitable[object]]
    ) -> Callable[[], Awaitable[None]]:
        """Wrap a job body so an exception is logged and the job's next run still happens."""

        async def job() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            try:
                await body()
            except asyncio.CancelledError:
                log.info("scheduled job %s cancelled (shutting down)", name)
            except Exception:
                log.exception("scheduled job %s failed; it runs again at its next time", name)

        job.__name__ = f"job_{name}"
        return job


def _missed(time: dt.time, timezone: str, last: dt.datetime | None, now: dt.datetime) -> bool:
    """Say whether a post at local `time` fell due after `last` and before `now`.

    Used once at start-up: posts that were due while the bot was down are made then.
    """
    zone = known_zone(timezone)
    if zone is None:  # not scheduled either (see Clock._schedule): nothing fell due
        return False
    local_now = now.astimezone(zone)
    due = local_now.replace(hour=time.hour, minute=time.minute, second=0, microsecond=0)
    if due > local_now:
        due -= dt.timedelta(days=1)
    return last is None or last < due
