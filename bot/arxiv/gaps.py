"""Find what the store lacks: announcements missed while the bot was down, papers a feed left out.

Pure functions over dates and papers, with typed answers: the caller reads the store, asks
here what to fetch, fetches it (`ArxivApi.list_window`), records it and delivers it.

- `plan_backfill`: compare the announcement dates recorded for a set of categories with
  arXiv's calendar (`bot.arxiv.calendar`) and say, for each announcement since the bot began
  watching them, whether it is recorded, missing (fetch it from the query API), too old to
  fetch (count it, say so), or still expected from the feed.
- `find_feed_misses`: compare the papers recorded from one day's feed with the query API's
  listing of the same submission window, by base id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.arxiv.calendar import (
    BACKFILL_DAYS,
    EASTERN,
    REBUILD_GRACE,
    Mailing,
    mailings_between,
)
from bot.models import AnnounceType, Paper


class AnnouncementState(StrEnum):
    """Where one announcement of the calendar stands in the store."""

    #: Recorded already (from the feed or an earlier backfill): nothing to do.
    RECORDED = "recorded"
    #: Not recorded, within the look-back: list its window from the query API.
    MISSING = "missing"
    #: Not recorded and older than the look-back: not fetched; say how many.
    TOO_OLD = "too old"
    #: The feed's current announcement, not recorded yet while the feed may still be
    #: rebuilding: the next poll is expected to bring it.
    AWAITED = "awaited"


@dataclass(frozen=True, slots=True)
class PlannedAnnouncement:
    """One announcement of the calendar and where it stands."""

    mailing: Mailing
    state: AnnouncementState


@dataclass(frozen=True, slots=True)
class BackfillPlan:
    """Every announcement since the bot began watching, oldest first, with its state."""

    announcements: tuple[PlannedAnnouncement, ...] = ()

    def _in(self, state: AnnouncementState) -> tuple[Mailing, ...]:
        return tuple(a.mailing for a in self.announcements if a.state is state)

    @property
    def missing(self) -> tuple[Mailing, ...]:
        """Return the announcements to list from the query API, oldest first."""
        return self._in(AnnouncementState.MISSING)

    @property
    def too_old(self) -> tuple[Mailing, ...]:
        """Return the announcements missed beyond the look-back (not fetched)."""
        return self._in(AnnouncementState.TOO_OLD)

    @property
    def awaited(self) -> Mailing | None:
        """Return the feed's announcement still expected from the next poll, if any."""
        found = self._in(AnnouncementState.AWAITED)
        return found[0] if found else None


def plan_backfill(
    recorded: Iterable[dt.date],
    now: dt.datetime,
    *,
    since: dt.date | None,
    days_back: int = BACKFILL_DAYS,
    grace: dt.timedelta = REBUILD_GRACE,
) -> BackfillPlan:
    """Say which of the calendar's announcements from `since` to `now` the store lacks.

    `recorded` holds the announcement dates recorded for the categories in question;
    `since` is the first one the bot recorded for them (None: it never watched them, so
    nothing was missed: a new bot or a new category starts from the latest announcement).
    An announcement is missing when it has been available for longer than `grace` (the
    feed's rebuild around midnight) and is dated at most `days_back` days before today
    (Eastern); older gaps are TOO_OLD. Dates the calendar does not know (an announcement
    arXiv made on a day it had announced as a holiday) are not questioned.
    """
    if since is None:
        return BackfillPlan()
    have = set(recorded)
    first_fetched = now.astimezone(EASTERN).date() - dt.timedelta(days=days_back)
    start = dt.datetime.combine(since, dt.time(), EASTERN) - dt.timedelta(days=1)
    planned = []
    for mailing in mailings_between(start, now):
        if mailing.date < since or mailing.available_at > now:
            continue
        if mailing.date in have:
            state = AnnouncementState.RECORDED
        elif now < mailing.available_at + grace:
            state = AnnouncementState.AWAITED
        elif mailing.date < first_fetched:
            state = AnnouncementState.TOO_OLD
        else:
            state = AnnouncementState.MISSING
        planned.append(PlannedAnnouncement(mailing, state))
    return BackfillPlan(tuple(planned))


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """What a feed's papers and the query API's listing of the same window say together.

    `missed` are listed papers the feed did not carry (in listing order): record them and
    deliver them late. `listed` counts the listing's papers; `in_feed` the feed's new and
    cross-listed papers; `feed_only` those of them the listing lacks (papers held by
    moderation and announced late, whose submission falls in an earlier window).
    """

    missed: tuple[Paper, ...]
    listed: int
    in_feed: int
    feed_only: int


# A listing by submission date finds first versions only: the feed's replacements are not
# expected in it (see `ArxivApi.list_window`).
_FIRST_ANNOUNCEMENTS = frozenset({AnnounceType.NEW, AnnounceType.CROSS, None})


def find_feed_misses(feed: Iterable[Paper], listed: Iterable[Paper]) -> CrossCheck:
    """Compare one day's feed papers with the API's listing of its window, by base id."""
    feed_papers = list(feed)
    all_feed_ids = {p.base_id for p in feed_papers}
    feed_ids = {p.base_id for p in feed_papers if p.announce_type in _FIRST_ANNOUNCEMENTS}
    listing: dict[str, Paper] = {}
    for paper in listed:
        listing.setdefault(paper.base_id, paper)
    return CrossCheck(
        missed=tuple(p for base_id, p in listing.items() if base_id not in all_feed_ids),
        listed=len(listing),
        in_feed=len(feed_ids),
        feed_only=len(feed_ids - listing.keys()),
    )
