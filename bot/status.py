"""What `/status` shows a server's admins, gathered in one place.

Polling (the last poll and its result, the last announcement and how many papers it had in
the server's categories, the next poll), messages not sent yet (planned, retrying after
failures, or given up), per digest its latest announcement (papers seen, matched, posted),
what the query API filled in over the last week (announcements the bot missed, papers the feed
left out), recent problems (failed polls, paused digests, digests skipped for a timezone this
host does not know) and Claude's usage. This module
reads the store and the clock; `bot.words` says it, the cog lays it out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Protocol

from bot.arxiv.calendar import BACKFILL_DAYS
from bot.digest.announced import Announced
from bot.outcomes import PollStatus
from bot.store import announcements, listings, outbox_retries, passes, poll_state, targets
from bot.store.db import Database
from bot.store.listings import ListingPurpose
from bot.store.outbox_retries import UnsentPost
from bot.store.passes import Progress
from bot.summarize.service import ServerUsage, Summarizer, UsageReport
from bot.targets.model import PauseReason
from bot.timeutil import known_zone


class PollClock(Protocol):
    """What the report needs about polling (bot.delivery.service.Delivery provides it)."""

    @property
    def last_poll_error(self) -> str | None:
        """Return why the last scheduled poll failed, or None if it did not."""

    def next_poll(self) -> dt.datetime | None:
        """Return when the poll job runs next."""


@dataclasses.dataclass(frozen=True, slots=True)
class FeedPoll:
    """One feed URL's last poll: when, how it ended, and the error of a failed one."""

    at: dt.datetime
    #: None when nothing was recorded.
    status: PollStatus | None
    error: str | None = None

    @property
    def is_problem(self) -> bool:
        """Say whether the poll failed or found the feed empty when it should not be."""
        return self.status is not None and self.status.is_problem


@dataclasses.dataclass(frozen=True, slots=True)
class PausedDigest:
    """A digest of the server that is paused, and why."""

    channel_id: int
    reason: PauseReason | None


@dataclasses.dataclass(frozen=True, slots=True)
class UnscheduledDigest:
    """A digest with a post time whose timezone this host does not know: it is skipped."""

    channel_id: int
    timezone: str


@dataclasses.dataclass(frozen=True, slots=True)
class StatusReport:
    """Everything `/status` shows for one server."""

    #: The most recent poll of any feed URL; None before the first poll.
    last_poll: FeedPoll | None
    #: The date of the latest recorded announcement; None before any was recorded.
    last_announcement: dt.date | None
    #: Papers announced that day in the server's digest categories, cross-lists included;
    #: None without an announcement or without digests.
    papers_that_day: int | None
    next_poll: dt.datetime | None
    #: Why the last scheduled poll failed (e.g. arXiv unreachable), or None.
    last_poll_error: str | None
    #: Feed URLs whose last poll failed or found an empty feed that should not be, newest first.
    failed_polls: tuple[FeedPoll, ...]
    paused_digests: tuple[PausedDigest, ...]
    usage: UsageReport
    unscheduled_digests: tuple[UnscheduledDigest, ...] = ()
    #: Digests of the server with messages not sent yet (planned, retrying or given up).
    unsent: tuple[UnsentPost, ...] = ()
    #: What this server was charged for Claude today, and its share of the daily cap.
    server_usage: ServerUsage | None = None
    #: Each digest of the server with its latest announcement: seen, matched, posted.
    progress: tuple[tuple[int, Progress], ...] = ()
    #: Over the week before the last announcement: announcements the bot missed and listed
    #: from arXiv's query API, and papers the feed left out that the cross-check found.
    backfilled: int = 0
    found_by_cross_check: int = 0


async def status_report(
    db: Database, clock: PollClock, summarizer: Summarizer, guild_id: int
) -> StatusReport:
    """Gather the state of polling, the server's digests and Claude's usage for `/status`."""
    configs = await targets.list_digests(db, guild_id)
    polls = [
        FeedPoll(state.last_poll_at, state.last_result, state.last_error)
        for state in await poll_state.list_poll_states(db)  # most recently polled first
        if state.last_poll_at is not None
    ]
    announced = await announcements.latest_announcement_date(db)
    categories = sorted({category for config in configs for category in config.categories})
    papers = None
    if announced is not None and categories:
        day = await Announced.load(db, announced)
        papers = len(day.view(categories, include_cross_lists=True)[0])
    unsent = await outbox_retries.unsent_posts(db, frozenset(c.key for c in configs))
    progress = []
    for config in configs:
        latest = await passes.latest_progress(db, config.key)
        if latest is not None:
            progress.append((config.channel_id, latest))
    backfilled = found = 0
    if announced is not None:
        for listing in await listings.listings_since(
            db, announced - dt.timedelta(days=BACKFILL_DAYS)
        ):
            if listing.purpose is ListingPurpose.BACKFILL and listing.recorded:
                backfilled += 1
            elif listing.purpose is ListingPurpose.CROSS_CHECK:
                found += listing.recorded
    return StatusReport(
        last_poll=polls[0] if polls else None,
        last_announcement=announced,
        papers_that_day=papers,
        next_poll=clock.next_poll(),
        last_poll_error=clock.last_poll_error,
        failed_polls=tuple(poll for poll in polls if poll.is_problem),
        paused_digests=tuple(
            PausedDigest(config.channel_id, config.pause_reason)
            for config in configs
            if config.paused
        ),
        usage=await summarizer.usage_report(),
        server_usage=await summarizer.server_usage(guild_id),
        unscheduled_digests=tuple(
            UnscheduledDigest(config.channel_id, config.timezone)
            for config in configs
            if config.time is not None and known_zone(config.timezone) is None
        ),
        unsent=tuple(unsent[key] for key in sorted(unsent)),
        progress=tuple(progress),
        backfilled=backfilled,
        found_by_cross_check=found,
    )
