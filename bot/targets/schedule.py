"""Each timed target's daily post, derived from its stored row and nothing else.

A target with a `time` that can receive posts (a digest not paused, a subscription with
keywords and open DMs) has one daily job at its local time, which sends what the pass planned
for it. Every other target has none: it is served right after each poll. `sync` reads the row
and adds, moves or removes the job to match, so the database is the one place that says when
a target posts.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from bot.clock import Clock, JobKey
from bot.store import targets
from bot.store.db import Database
from bot.targets.model import DigestConfig, Subscription, TargetKey, TargetKind
from bot.timeutil import known_zone

log = logging.getLogger(__name__)

#: What a target's daily job runs: send what was planned for it.
OnDue = Callable[[TargetKey], Awaitable[object]]


class TargetSchedule:
    """Keep each timed target's daily job in line with its row."""

    def __init__(self, clock: Clock, db: Database, on_due: OnDue) -> None:
        self._clock = clock
        self._db = db
        self._on_due = on_due

    async def sync(self, key: TargetKey) -> None:
        """Read the target's row and add, move or remove its daily job to match."""
        if key.kind is TargetKind.CHANNEL:
            self._apply_digest(key, await targets.get_digest(self._db, key.id))
        else:
            self._apply_subscription(key, await targets.get_subscription(self._db, key.id))

    async def sync_all(self) -> int:
        """Schedule every timed target from the store (at start-up); return how many."""
        count = 0
        for config in await targets.list_digests(self._db):
            count += self._apply_digest(config.key, config)
        for sub in await targets.list_subscriptions(self._db):
            count += self._apply_subscription(sub.key, sub)
        log.info("%d timed targets scheduled", count)
        return count

    def next_post(self, key: TargetKey) -> dt.datetime | None:
        """Return when the target's daily job runs next (None: served after each poll)."""
        return self._clock.next_run(JobKey.post(key))

    def _apply_digest(self, key: TargetKey, config: DigestConfig | None) -> bool:
        """Schedule a digest that is timed and not paused; unschedule any other."""
        if config is None or config.paused or config.time is None:
            return self._apply(key, None, "UTC")
        return self._apply(key, config.time, config.timezone)

    def _apply_subscription(self, key: TargetKey, sub: Subscription | None) -> bool:
        """Schedule a subscription that is timed and deliverable; unschedule any other."""
        if sub is None or not sub.deliverable or sub.time is None:
            return self._apply(key, None, "UTC")
        return self._apply(key, sub.time, sub.timezone)

    def _apply(self, key: TargetKey, time: dt.time | None, timezone: str) -> bool:
        """Add or replace the daily job at `time`, or remove it for None; say if one is set."""
        job = JobKey.post(key)
        if time is None:
            self._clock.remove(job)
            return False
        zone = known_zone(timezone)
        if zone is None:
            # A row from a host with another tz database: skip it, never fail the clock.
            self._clock.remove(job)
            log.warning("%s not scheduled: unknown timezone %r", key, timezone[:60])
            return False

        async def due() -> None:
            await self._on_due(key)

        self._clock.daily(job, time, zone, due)
        return True


def post_was_missed(
    time: dt.time, timezone: str, last: dt.datetime | None, now: dt.datetime
) -> bool:
    """Say whether a post at local `time` fell due after `last` and before `now`.

    Used once at start-up: posts that were due while the bot was down are made then.
    """
    zone = known_zone(timezone)
    if zone is None:  # not scheduled either (see TargetSchedule): nothing fell due
        return False
    local_now = now.astimezone(zone)
    due = local_now.replace(hour=time.hour, minute=time.minute, second=0, microsecond=0)
    if due > local_now:
        due -= dt.timedelta(days=1)
    return last is None or last < due
