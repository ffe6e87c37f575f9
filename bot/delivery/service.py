"""Delivery's entry points: the poll's work, a target's first post, `/digest post` and preview.

The poll job polls the feed for every category a target needs, lists from the query API the
announcements of the last week the store lacks (bot.backfill), runs the pass over every
announcement not planned yet (bot.digest.planner), then sends at once what targets without a
time of their own have pending; a timed target's daily job only sends what was planned for it
(bot.targets.schedule). The poll also retries every target whose sending failed, once its
backoff is over (bot.delivery.retry), timed ones included: a failed post does not wait for the
next day. Then it cross-checks the feed's new announcements against the API and, if the feed
left papers out, plans and sends them late; last, it tells the servers if the feed stays
behind on an announcement night (bot.delivery.feed_alarm). A new or resumed target goes
through the same pass, for itself alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.backfill import Backfill, BackfillReport, CrossCheckReport
from bot.clock import Clock, JobKey
from bot.config import Settings
from bot.delivery.courier import Courier
from bot.delivery.feed_alarm import FeedAlarm
from bot.digest.planner import Planner
from bot.errors import ArxivError
from bot.fleet import Fleet, Ownership
from bot.outcomes import NotPosted, PollResult, PollStatus, PostResult
from bot.poller import Poller
from bot.store import deliveries, guild_settings, outbox_retries, targets
from bot.store.db import Database, storage_failure
from bot.targets.model import Target, TargetKey, TargetKind
from bot.targets.schedule import post_was_missed
from bot.timeutil import utc_now

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class Preview:
    """What a target's next post holds, as the exact message payloads Discord would get.

    `waiting`: the post is already planned and waits for the target's time (or a retry).
    """

    date: dt.date
    payloads: tuple[Mapping[str, Any], ...]
    waiting: bool


class Delivery:
    """Poll, plan and send; the one path for the schedule, the commands and start-up."""

    def __init__(
        self,
        db: Database,
        poller: Poller,
        planner: Planner,
        courier: Courier,
        clock: Clock,
        settings: Settings,
        *,
        backfill: Backfill,
        alarm: FeedAlarm,
        fleet: Fleet | None = None,
        now: Callable[[], dt.datetime] = utc_now,
        on_poll: Callable[[PollResult | None], object] = lambda result: None,
    ) -> None:
        self._db = db
        self._poller = poller
        self._planner = planner
        self._courier = courier
        self._clock = clock
        self._settings = settings
        self._backfill = backfill
        self.alarm = alarm
        self._fleet = fleet or Fleet(db)
        self._now = now
        self._on_poll = on_poll  # metrics (bot/metrics.py): each scheduled poll's result
        #: How the last scheduled poll ended (None before the first).
        self.last_poll: PollResult | None = None
        #: What the last scheduled poll's backfill and cross-check did (None before).
        self.last_backfill: BackfillReport | None = None
        self.last_cross_check: CrossCheckReport | None = None
        self._caught_up = False

    async def start(self) -> None:
        """Schedule the poll: at once, then every POLL_INTERVAL_SECONDS.

        With other processes on the database, also send this process's targets' posts as
        soon as the leader's pass planned them (bot/fleet.py).
        """
        self._clock.every(
            JobKey.poll(), self._settings.poll_interval_seconds, self.poll_and_deliver
        )
        await self._fleet.on_planned(
            lambda: self._clock.soon(JobKey.send(), lambda: self.send_due(first_run=False))
        )

    def next_poll(self) -> dt.datetime | None:
        """Return when the poll job runs next."""
        return self._clock.next_run(JobKey.poll())

    @property
    def last_poll_error(self) -> str | None:
        """Return why the last scheduled poll failed, or None if it did not."""
        last = self.last_poll
        return last.error if last is not None and last.status is PollStatus.FAILED else None

    async def reconcile(self) -> int:
        """Settle messages a crash left unmarked (at start-up, before anything is sent)."""
        return await self._courier.reconcile()

    async def poll_and_deliver(self) -> None:
        """Poll every watched category, fill in what the feed missed, plan, send what is due.

        Failed sends are retried. A failing poll is logged and remembered for `/status`;
        announcements recorded earlier (or listed from the API) are still planned and sent.
        A database that fails (a full disk) costs the step that met it, logged in one line;
        the sending steps still run, and send nothing the database cannot record
        (bot.delivery.courier). With other processes on the database only the leader polls,
        backfills, plans and cross-checks (bot/fleet.py); every process sends to its own
        targets.
        """
        first_run, self._caught_up = not self._caught_up, True
        if not await self._fleet.lead():
            await self.send_due(first_run=first_run)
            return
        categories = await self._poll_and_plan()
        if categories is None:
            return
        await self._fleet.planned()
        await self.send_due(first_run=first_run)
        await self._guarded("the cross-check", self._cross_check())
        if self.last_cross_check is not None and self.last_cross_check.found:
            await self._guarded("planning the posts", self._planner.plan_pending())
            await self._fleet.planned()
            await self.send_due(first_run=first_run)
        await self._guarded("the feed alarm", self._check_feed(categories))

    async def _poll_and_plan(self) -> tuple[str, ...] | None:
        """Poll and backfill the categories targets need, run the pass; return the categories.

        None when there is no target at all.
        """
        digests = [c for c in await targets.list_digests(self._db) if not c.paused]
        subs = [s for s in await targets.list_subscriptions(self._db) if s.deliverable]
        wanted: dict[str, None] = {}
        for config in digests:
            wanted.update(dict.fromkeys(config.categories))
        for sub in subs:
            wanted.update(dict.fromkeys(sub.categories or self._settings.default_categories))
        if not wanted:
            log.debug("no digest or subscription: nothing to poll")
            return None
        categories = tuple(wanted)
        await self._guarded("the poll", self._poll(categories))
        await self._guarded("the backfill", self._fill_missed(categories))
        await self._guarded("planning the posts", self._planner.plan_pending())
        return categories

    async def send_due(self, *, first_run: bool) -> None:
        """Send the posts due now and retry failed ones whose backoff is over.

        Due now: targets without a time of their own, and, on the first run after start-up,
        timed ones whose time passed while the bot was down. Targets of another live
        process's shard are left to it (`flush`).
        """
        digests = [c for c in await targets.list_digests(self._db) if not c.paused]
        subs = [s for s in await targets.list_subscriptions(self._db) if s.deliverable]
        unsent = await outbox_retries.unsent_posts(self._db)
        now = self._now()
        due = [
            c.key
            for c in digests
            if _sent_now(c.time, c.timezone, c.last_posted_at, c.created_at, first_run, now)
        ]
        due += [
            s.key
            for s in subs
            if _sent_now(s.time, s.timezone, s.last_sent_at, s.created_at, first_run, now)
        ]
        flushed: set[TargetKey] = set()
        for key in due:
            waiting = unsent.get(key)
            if waiting is not None and not waiting.backing_off(now):
                await self._guarded_flush(key)
                flushed.add(key)
        active = {c.key for c in digests} | {s.key for s in subs}
        retry = {key for key, waiting in unsent.items() if waiting.due_for_retry(now)}
        for key in sorted((retry | self._courier.unsettled()) & (active - flushed)):
            # Only the post that failed: a timed target's next post waits for its time.
            await self._guarded_flush(key, first_post_only=True)

    async def _poll(self, categories: tuple[str, ...]) -> None:
        """Poll the feed; remember how it ended for `/status` and tell the metrics."""
        try:
            self.last_poll = await self._poller.poll(categories)
        except ArxivError as exc:
            self.last_poll = PollResult(PollStatus.FAILED, error=str(exc))
            log.warning("poll failed: %s", exc)
        except Exception as exc:
            reason = storage_failure(exc)
            if reason is None:
                raise
            self.last_poll = PollResult(PollStatus.FAILED, error=f"cannot record it: {reason}")
            self._on_poll(self.last_poll)
            raise
        self._on_poll(self.last_poll)

    async def _fill_missed(self, categories: tuple[str, ...]) -> None:
        """List from the API the announcements of the last week the store lacks."""
        self.last_backfill = await self._backfill.missed_announcements(categories)

    async def _cross_check(self) -> None:
        """List each new announcement's window from the API; record what the feed left out."""
        self.last_cross_check = await self._backfill.cross_check()

    async def _check_feed(self, categories: tuple[str, ...]) -> None:
        """Tell the servers once if the feed stays behind on an announcement night."""
        await self.alarm.check(categories, await targets.list_digests(self._db))

    async def flush(self, key: TargetKey, *, first_post_only: bool = False) -> PostResult:
        """Send what is planned for the target (its daily job), if this process sends it.

        A target of another live process's shard is left to that process; one whose
        process is gone is adopted, reconciled first (bot/fleet.py). `first_post_only`: see
        `Courier.flush`.
        """
        ownership = await self._fleet.ownership(key)
        if ownership is Ownership.OTHER:
            return PostResult(not_posted=NotPosted.ELSEWHERE)
        return await self._courier.flush(
            key, first_post_only=first_post_only, reconcile_first=ownership is Ownership.ORPHAN
        )

    async def post_now(self, key: TargetKey) -> PostResult:
        """Plan the target's announcements not planned yet, then send (`/digest post`).

        What waits for a retry goes now, without waiting for its backoff; a digest the bot
        paused after repeated failures is resumed first: someone asked to try again.
        """
        await self._courier.resume_after_failures(key)
        await self._planner.plan_pending([key])
        return await self._send_or_wake(key)

    def deliver_soon(self, key: TargetKey, *, fetch_first: bool) -> None:
        """Plan the target's pending announcements soon, and send them if it is not timed.

        With `fetch_first`, its categories' feed is fetched first: a new target's categories
        may not have been watched yet. Runs as a supervised one-off job, so the command that
        asked answers at once.
        """

        async def run() -> None:
            await self.deliver(key, fetch_first=fetch_first)

        self._clock.soon(JobKey.soon(key), run)

    async def deliver(self, key: TargetKey, *, fetch_first: bool) -> PostResult | None:
        """Plan the target's pending announcements; send at once if it has no time of its own.

        Return what sending did, or None when nothing was sent now.
        """
        target = await self._target(key)
        if target is None:
            return None
        if fetch_first:
            try:
                await self._poller.poll(target.categories)
            except ArxivError as exc:
                log.warning("fetching the feed for %s failed: %s", key, exc)
        await self._planner.plan_pending([key])
        if target.time is not None:
            return None
        return await self._send_or_wake(key)

    async def _send_or_wake(self, key: TargetKey) -> PostResult:
        """Send the target's post, or wake the process that sends it (its shard's)."""
        result = await self.flush(key)
        if result.not_posted is NotPosted.ELSEWHERE:
            await self._fleet.planned()
        return result

    async def preview(self, key: TargetKey) -> Preview | None:
        """Return what the target's next post holds; plan in memory, record nothing.

        Messages already planned and waiting are that next post; otherwise the latest
        announcement is planned for the target as the pass would (papers it has are left
        out). None when the target has no announcement yet.
        """
        async with self._planner.settled():
            waiting = await deliveries.pending_messages(self._db, key, failed_too=True)
            if waiting:
                payloads = tuple(json.loads(message.payload) for message in waiting)
                return Preview(waiting[0].announcement_date, payloads, waiting=True)
            target = await self._target(key, include_inactive=True)
            if target is None:
                return None
            date = await self._planner.latest_date(target)
            if date is None:
                return None
            post = await self._planner.preview(target, date)
        return Preview(date, tuple(m.to_payload() for m in post.messages), waiting=False)

    async def _target(self, key: TargetKey, *, include_inactive: bool = False) -> Target | None:
        """Return what the stored target asks for (None if missing, or inactive unless asked)."""
        settings = self._settings
        if key.kind is TargetKind.CHANNEL:
            config = await targets.get_digest(self._db, key.id)
            if config is None or (config.paused and not include_inactive):
                return None
            language = await guild_settings.get_language(self._db, config.guild_id)
            return Target.of_digest(config, language or settings.default_language)
        sub = await targets.get_subscription(self._db, key.id)
        if sub is None or not (sub.deliverable or include_inactive):
            return None
        return Target.of_subscription(sub, settings.default_categories, settings.default_language)

    async def _guarded_flush(self, key: TargetKey, *, first_post_only: bool = False) -> None:
        """Send to one target; log, don't raise, so one bad target can't stop the others."""
        await self._guarded(f"sending to {key}", self.flush(key, first_post_only=first_post_only))

    async def _guarded(self, what: str, work: Awaitable[object]) -> None:
        """Run one step of the poll; log its failure, in one line when the database failed."""
        try:
            await work
        except Exception as exc:
            reason = storage_failure(exc)
            if reason is None:
                log.exception("%s failed", what)
            else:
                log.error("%s failed: cannot use the database: %s", what, reason)


def _sent_now(
    time: dt.time | None,
    timezone: str,
    last_sent: dt.datetime | None,
    created: dt.datetime | None,
    first_run: bool,
    now: dt.datetime,
) -> bool:
    """Say whether a target is sent what it has pending right after this poll.

    Targets without a time of their own always are. A timed one is sent at its time by its
    own job, or here on the first poll after start-up when its time passed while the bot was
    down: counted from its last post, or from its creation when it never posted (a target
    set up shortly before a restart has missed nothing).
    """
    if time is None:
        return True
    return first_run and post_was_missed(time, timezone, last_sent or created, now)
