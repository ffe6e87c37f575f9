"""What `/status` shows a server's admins, gathered in one place (SPEC section 3).

Polling (the last poll and its result, the last announcement and how many papers it had in
the server's categories, the next poll), recent problems (failed polls, paused digests,
digests skipped for a timezone this host does not know) and Claude's usage. The cog only
formats the report; this module reads the store and the clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Protocol

from bot.store import announcements, poll_state, targets
from bot.store.db import Database
from bot.summarize.service import Summarizer, UsageReport
from bot.timeutil import known_zone


class PollClock(Protocol):
    """What the report needs from the scheduler (bot.schedule.Clock satisfies it)."""

    @property
    def last_poll_error(self) -> str | None:
        """Return why the last scheduled poll failed, or None if it did not."""

    def next_poll(self) -> dt.datetime | None:
        """Return when the poll job runs next."""


@dataclasses.dataclass(frozen=True, slots=True)
class FeedPoll:
    """One feed URL's last poll: when, and what came back."""

    at: dt.datetime
    #: `POLL_OK`, `POLL_NOT_MODIFIED`, an error message, or None when nothing was recorded.
    result: str | None

    @property
    def fetched(self) -> bool:
        """Say whether the feed answered with content (200)."""
        return self.result == poll_state.POLL_OK

    @property
    def not_modified(self) -> bool:
        """Say whether the feed had not changed since the previous poll (304)."""
        return self.result == poll_state.POLL_NOT_MODIFIED

    @property
    def failed(self) -> bool:
        """Say whether the poll ended in an error (`result` then says which)."""
        return self.result is not None and not (self.fetched or self.not_modified)


@dataclasses.dataclass(frozen=True, slots=True)
class PausedDigest:
    """A digest of the server that is paused, and why."""

    channel_id: int
    reason: str


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
    #: Feed URLs whose last poll failed, most recent first.
    failed_polls: tuple[FeedPoll, ...]
    paused_digests: tuple[PausedDigest, ...]
    usage: UsageReport
    unscheduled_digests: tuple[UnscheduledDigest, ...] = ()


async def status_report(
    db: Database, clock: PollClock, summarizer: Summarizer, guild_id: int
) -> StatusReport:
    """Gather the state of polling, the server's digests and Claude's usage for `/status`."""
    configs = await targets.list_digests(db, guild_id)
    polls = [
        FeedPoll(state.last_poll_at, state.last_result)
        for state in await poll_state.list_poll_states(db)  # most recently polled first
        if state.last_poll_at is not None
    ]
    announced = await announcements.latest_announcement_date(db)
    categories = sorted({category for config in configs for category in config.categories})
    papers = (
        await announcements.count_entries(db, announced, categories, include_cross_lists=True)
        if announced is not None and categories
        else None
    )
    return StatusReport(
        last_poll=polls[0] if polls else None,
        last_announcement=announced,
        papers_that_day=papers,
        next_poll=clock.next_poll(),
        last_poll_error=clock.last_poll_error,
        failed_polls=tuple(poll for poll in polls if poll.failed),
        paused_digests=tuple(
            PausedDigest(config.channel_id, config.pause_reason or "paused")
            for config in configs
            if config.paused
        ),
        usage=await summarizer.usage_report(),
        unscheduled_digests=tuple(
            UnscheduledDigest(config.channel_id, config.timezone)
            for config in configs
            if config.time is not None and known_zone(config.timezone) is None
        ),
    )
