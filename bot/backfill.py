"""Fill what the feed missed from arXiv's query API: missed announcements, and papers left out.

The announcement feed shows the latest announcement alone: an announcement made while the bot
was down, or a paper the feed dropped, would otherwise never be recorded or delivered
(docs/behaviour.md, "Nothing missed"). After each poll:

- `missed_announcements`: compare what the store covers, per category, with arXiv's calendar
  (`bot.arxiv.gaps.plan_backfill`); list each announcement missing from the last
  `BACKFILL_DAYS` from the query API (one listing of its submission window per date, the
  missing categories together) and record it as that day's announcement. A listing that
  finds nothing is remembered too ("checked, nothing there"), so an empty day is not listed
  again at every poll; older gaps are counted and logged, not fetched.
- `cross_check`: list the window of each announcement the feed brought (one listing of the
  categories the feed brought that day, grouped by ten, once per category) and record the
  papers the feed did not carry
  (`bot.arxiv.gaps.find_feed_misses`) into the same announcement, marked as found by the
  cross-check. The pass then offers them to the targets already planned (a late post).

A listing finds the papers first submitted in the window (`new` and `cross` entries); it
does not find replacements, which only the feed lists (`bot.arxiv.listing`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence

from bot.arxiv.api import ArxivApi
from bot.arxiv.calendar import BACKFILL_DAYS, EASTERN, Mailing, mailing_dated
from bot.arxiv.gaps import find_feed_misses, plan_backfill
from bot.errors import ArxivError
from bot.store import announcements, listings
from bot.store.announcements import EntrySource
from bot.store.db import Database
from bot.store.listings import ListingPurpose
from bot.timeutil import utc_now

log = logging.getLogger(__name__)

#: How far back (beyond the look-back) gaps are still counted as "too old", for the log.
TOO_OLD_HORIZON_DAYS = 30


@dataclasses.dataclass(frozen=True, slots=True)
class BackfillReport:
    """What one backfill did.

    `fetched`: announcements listed from the API and recorded; `empty`: listed, with no paper
    in the categories asked; `too_old`: missed longer ago than the look-back, not fetched;
    `error`: why listing stopped early (the rest is tried at the next poll).
    """

    fetched: tuple[dt.date, ...] = ()
    empty: tuple[dt.date, ...] = ()
    too_old: tuple[dt.date, ...] = ()
    error: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class CrossCheckReport:
    """What one cross-check did: the announcements checked and the papers found missing."""

    checked: tuple[dt.date, ...] = ()
    found: int = 0
    error: str | None = None


class Backfill:
    """List from the query API what the feed did not bring, and record it."""

    def __init__(
        self,
        db: Database,
        api: ArxivApi,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        days_back: int = BACKFILL_DAYS,
    ) -> None:
        self._db = db
        self._api = api
        self._clock = clock
        self._days_back = days_back
        self._too_old_logged: tuple[dt.date, ...] = ()

    async def missed_announcements(self, categories: Sequence[str]) -> BackfillReport:
        """List and record the announcements of the last week the store lacks for `categories`."""
        now = self._clock()
        today = now.astimezone(EASTERN).date()
        coverage = await listings.coverage(
            self._db, today - dt.timedelta(days=self._days_back + TOO_OLD_HORIZON_DAYS)
        )
        missing: dict[dt.date, list[str]] = {}
        mailings: dict[dt.date, Mailing] = {}
        too_old: set[dt.date] = set()
        for category in dict.fromkeys(categories):
            plan = plan_backfill(
                coverage.covered(category),
                now,
                since=coverage.since(category),
                days_back=self._days_back,
            )
            for mailing in plan.missing:
                missing.setdefault(mailing.date, []).append(category)
                mailings[mailing.date] = mailing
            too_old.update(mailing.date for mailing in plan.too_old)
        self._log_too_old(tuple(sorted(too_old)))
        fetched: list[dt.date] = []
        empty: list[dt.date] = []
        for date in sorted(missing):
            try:
                found = await self._backfill(mailings[date], missing[date], now)
            except ArxivError as exc:
                log.warning("backfill of %s stopped, retried at the next poll: %s", date, exc)
                return BackfillReport(
                    tuple(fetched), tuple(empty), tuple(sorted(too_old)), error=str(exc)
                )
            (fetched if found else empty).append(date)
        return BackfillReport(tuple(fetched), tuple(empty), tuple(sorted(too_old)))

    async def cross_check(self) -> CrossCheckReport:
        """List the window of each recent announcement the feed brought; record what it lacked.

        Each category of each day is checked once; one that the API does not list yet (an
        empty listing beside a full feed) is tried again at the next poll.
        """
        now = self._clock()
        first = now.astimezone(EASTERN).date() - dt.timedelta(days=self._days_back)
        checked: list[dt.date] = []
        found = 0
        for date, categories in (await listings.not_cross_checked(self._db, first)).items():
            try:
                missed = await self._cross_check(date, categories, now)
            except ArxivError as exc:
                log.warning("cross-check of %s stopped, retried at the next poll: %s", date, exc)
                return CrossCheckReport(tuple(checked), found, error=str(exc))
            if missed is not None:
                checked.append(date)
                found += missed
        return CrossCheckReport(tuple(checked), found)

    async def _backfill(self, mailing: Mailing, categories: list[str], now: dt.datetime) -> int:
        """List one missed announcement's window and record it; return how many papers."""
        listing = await self._api.list_window(categories, mailing.window, announced=mailing.date)
        if listing.papers:
            await announcements.record_announcement(
                self._db,
                mailing.date,
                categories,
                listing.papers,
                now=now,
                source=EntrySource.BACKFILL,
            )
        await listings.record_listing(
            self._db,
            mailing.date,
            ListingPurpose.BACKFILL,
            categories,
            listed=len(listing.papers),
            recorded=len(listing.papers),
            now=now,
        )
        log.info(
            "backfilled the announcement of %s for %s from the arXiv API: %d papers",
            mailing.date,
            " ".join(categories),
            len(listing.papers),
        )
        return len(listing.papers)

    async def _cross_check(
        self, date: dt.date, categories: Sequence[str], now: dt.datetime
    ) -> int | None:
        """Cross-check one day's categories; return the papers found missing (None: not yet)."""
        mailing = mailing_dated(date)
        if mailing is None:
            # arXiv announced on a day its calendar (bot.arxiv.calendar.HOLIDAYS) says it
            # would not: there is no window to list. Remembered, so it is not tried again.
            log.warning("no submission window known for the announcement of %s", date)
            await listings.record_listing(
                self._db, date, ListingPurpose.CROSS_CHECK, categories, listed=0, recorded=0
            )
            return 0
        listing = await self._api.list_window(categories, mailing.window, announced=date)
        wanted = set(categories)
        recorded = [
            entry.paper
            for entry in await announcements.entries_on(self._db, date)
            if wanted.intersection(entry.categories)
        ]
        result = find_feed_misses(recorded, listing.papers)
        if result.listed == 0 and result.in_feed:
            # The API adds an announcement at the same midnight as the feed, "around" it:
            # an empty listing beside a full feed means it has not yet. Try again later.
            log.info("the arXiv API lists nothing for %s yet; cross-check retried later", date)
            return None
        if result.missed:
            await announcements.record_announcement(
                self._db, date, categories, result.missed, now=now, source=EntrySource.CROSS_CHECK
            )
            log.warning(
                "cross-check of %s (%s): the feed left out %d papers, recorded now: %s",
                date,
                " ".join(categories),
                len(result.missed),
                ", ".join(paper.base_id for paper in result.missed[:20]),
            )
        else:
            log.info("cross-check of %s (%s): the feed missed nothing", date, " ".join(categories))
        await listings.record_listing(
            self._db,
            date,
            ListingPurpose.CROSS_CHECK,
            categories,
            listed=result.listed,
            recorded=len(result.missed),
            now=now,
        )
        return len(result.missed)

    def _log_too_old(self, too_old: tuple[dt.date, ...]) -> None:
        """Log announcements missed beyond the look-back, once per change."""
        if too_old and too_old != self._too_old_logged:
            log.warning(
                "%d announcements missed more than %d days ago are not fetched (from %s to %s)",
                len(too_old),
                self._days_back,
                too_old[0],
                too_old[-1],
            )
        self._too_old_logged = too_old
