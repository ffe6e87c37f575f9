"""arXiv's announcement calendar: which announcements exist, when, and what each one covers.

The facts, from arXiv's published schedule (https://info.arxiv.org/help/availability.html):

- Submissions close at 14:00 US Eastern (America/New_York) on weekdays. The submissions
  received between two consecutive cut-offs are announced together at 20:00 Eastern: a
  Monday to Thursday cut-off the same evening, Friday's on Sunday evening. Nothing is
  announced on Friday or Saturday evenings, so Monday's announcement covers Friday 14:00
  to Monday 14:00.
- On a holiday arXiv is closed: that day has no cut-off and no announcement, and its
  submissions join the next announcement, whose window widens. In 2026: Thanksgiving
  (Thursday 11-26) leaves no announcement dated Friday 11-27, and Sunday 11-29's covers
  Wednesday 14:00 to Friday 14:00; a Friday holiday (06-19, 07-03, 12-25) cancels that
  Sunday's announcement and Monday's covers Thursday 14:00 to Monday 14:00; a Monday
  holiday (01-19, 09-07) leaves Tuesday's covering Friday 14:00 to Tuesday 14:00.
  arXiv sometimes names the deferred evening instead of the closed day (2025 listed
  "Sun 6 July" after Friday's Independence Day): a holiday that falls on an announcement
  evening cancels that evening's announcement too, with the same effect.
- The feeds are rebuilt at midnight Eastern (https://info.arxiv.org/help/rss.html, "around"
  midnight in practice): on Eastern day D the feed holds the announcement made the evening
  before, its entries dated D, or nothing when there was none (Saturday, Sunday, the day
  after a holiday). The query API adds new papers at that same midnight
  (https://info.arxiv.org/help/api/user-manual.html, `<updated>`).

So an announcement is named here, as in the feed and the store, by its date: the Eastern
day after the evening it is made. Times are aware UTC datetimes; 20:00 Eastern is 00:00 or
01:00 UTC and 14:00 Eastern 18:00 or 19:00 UTC, so a window across a daylight-saving change
is an hour shorter (March) or longer (November) than whole days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")

CUTOFF = dt.time(14, 0)
"""Submissions received by this Eastern time on an open weekday join that day's mailing."""

ANNOUNCED = dt.time(20, 0)
"""The Eastern time of the evening an announcement is made."""

#: Days arXiv is closed (no cut-off, no announcement that evening), from arXiv's published
#: schedule. 2025 as published (its December holidays were never listed); 2026 as
#: announced for the year. Add each year's list when arXiv publishes it: a holiday missing
#: here looks like an announcement the feed failed to show (an empty feed is reported, and
#: backfill lists a window whose papers arXiv announces with the next one).
HOLIDAYS = frozenset(
    dt.date(year, month, day)
    for year, month, day in (
        (2025, 1, 1),
        (2025, 1, 20),
        (2025, 6, 19),
        (2025, 7, 6),
        (2025, 9, 1),
        (2025, 11, 27),
        (2026, 1, 1),
        (2026, 1, 19),
        (2026, 6, 19),
        (2026, 7, 3),
        (2026, 9, 7),
        (2026, 11, 26),
        (2026, 12, 25),
        (2026, 12, 29),
        (2026, 12, 31),
    )
)

BACKFILL_DAYS = 7
"""How far back (in days before today, Eastern) missed announcements are fetched again."""

REBUILD_GRACE = dt.timedelta(hours=2)
"""The feeds are rebuilt "around" midnight: until this long after it, an old feed is normal."""

# Python's weekday(): Monday is 0.
_FRIDAY, _SATURDAY, _SUNDAY = 4, 5, 6
# Enough to step over any run of weekends and holidays (Christmas to New Year is the longest).
_MAX_GAP_DAYS = 21


@dataclass(frozen=True, slots=True)
class SubmissionWindow:
    """The submissions one announcement covers: received at `start` or later, before `end`."""

    start: dt.datetime
    end: dt.datetime

    def __contains__(self, moment: object) -> bool:
        """Say whether a submission time falls in the window (start inclusive, end exclusive)."""
        return isinstance(moment, dt.datetime) and self.start <= moment < self.end

    @property
    def duration(self) -> dt.timedelta:
        """Return how long the window is open (24 h on a plain weekday)."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Mailing:
    """One announcement of arXiv's calendar.

    `date` is its name (the feed's date for its entries); `announced_at` is 20:00 Eastern
    the evening before; `available_at` is midnight Eastern starting `date`, when the feed
    and the query API show it; `window` the submissions it covers.
    """

    date: dt.date
    announced_at: dt.datetime
    available_at: dt.datetime
    window: SubmissionWindow


def is_closed(day: dt.date) -> bool:
    """Say whether arXiv takes no cut-off on `day`: a weekend or a holiday."""
    return day.weekday() >= _SATURDAY or day in HOLIDAYS


def mailing_on(evening: dt.date) -> bool:
    """Say whether arXiv announces on the evening of `evening` (Eastern)."""
    cutoff = _cutoff_day_of(evening)
    return cutoff is not None and not is_closed(cutoff) and evening not in HOLIDAYS


def is_announcement_date(day: dt.date) -> bool:
    """Say whether an announcement is dated `day` (made the evening before)."""
    return mailing_on(day - dt.timedelta(days=1))


def mailing_dated(day: dt.date) -> Mailing | None:
    """Return the announcement dated `day`, or None when arXiv announces nothing for it."""
    evening = day - dt.timedelta(days=1)
    cutoff = _cutoff_day_of(evening)
    if cutoff is None or not mailing_on(evening):
        return None
    previous = _previous_cutoff(cutoff)
    return Mailing(
        date=day,
        announced_at=_utc(evening, ANNOUNCED),
        available_at=_utc(day, dt.time()),
        window=SubmissionWindow(_utc(previous, CUTOFF), _utc(cutoff, CUTOFF)),
    )


def mailings_between(start: dt.datetime, end: dt.datetime) -> tuple[Mailing, ...]:
    """Return the announcements made after `start` and at or before `end`, oldest first."""
    # The announcement dated start's own day was made the evening before: never after start.
    return tuple(
        mailing
        for mailing in _take_until(_mailings_from(_eastern_date(start)), end)
        if mailing.announced_at > start
    )


def feed_date_at(now: dt.datetime) -> dt.date | None:
    """Return the announcement date the feed shows at `now`, or None when it is empty.

    This is the feed as rebuilt at midnight; for the first REBUILD_GRACE after midnight the
    real feed may still show the previous day (see `feed_is_settled`).
    """
    today = _eastern_date(now)
    return today if is_announcement_date(today) else None


def feed_is_settled(now: dt.datetime) -> bool:
    """Say whether the feed's midnight rebuild is surely over at `now`."""
    midnight = dt.datetime.combine(_eastern_date(now), dt.time(), EASTERN)
    return now >= midnight + REBUILD_GRACE


def feed_should_have_entries(now: dt.datetime) -> bool:
    """Say whether the feed at `now` should hold an announcement, so empty is a problem."""
    return feed_is_settled(now) and feed_date_at(now) is not None


def latest_mailing(now: dt.datetime) -> Mailing:
    """Return the latest announcement available at `now` (the feed's, or the last before)."""
    day = _eastern_date(now)
    for _ in range(_MAX_GAP_DAYS):
        mailing = mailing_dated(day)
        if mailing is not None and mailing.available_at <= now:
            return mailing
        day -= dt.timedelta(days=1)
    raise AssertionError(f"no arXiv announcement in the {_MAX_GAP_DAYS} days before {now}")


def next_mailing(now: dt.datetime) -> Mailing:
    """Return the next announcement to become available after `now`.

    Its `announced_at` is when arXiv announces it, its `available_at` when the bot can read
    it: what to tell someone asking when the next papers come.
    """
    day = _eastern_date(now)
    for _ in range(_MAX_GAP_DAYS):
        mailing = mailing_dated(day)
        if mailing is not None and mailing.available_at > now:
            return mailing
        day += dt.timedelta(days=1)
    raise AssertionError(f"no arXiv announcement in the {_MAX_GAP_DAYS} days after {now}")


def recent_mailings(now: dt.datetime, days: int = BACKFILL_DAYS) -> tuple[Mailing, ...]:
    """Return the announcements available at `now` and dated at most `days` days back.

    These are the ones a store that lacks them should fetch again, oldest first.
    """
    first = _eastern_date(now) - dt.timedelta(days=days)
    return tuple(
        mailing
        for mailing in _take_until(_mailings_from(first), now, by_availability=True)
        if mailing.date >= first
    )


# --- helpers -------------------------------------------------------------------------------


def _cutoff_day_of(evening: dt.date) -> dt.date | None:
    """Return the cut-off day an evening's announcement closes with, or None (Fri, Sat)."""
    weekday = evening.weekday()
    if weekday == _SUNDAY:
        return evening - dt.timedelta(days=2)
    if weekday in (_FRIDAY, _SATURDAY):
        return None
    return evening


def _evening_of(cutoff: dt.date) -> dt.date:
    """Return the evening a weekday's cut-off is announced: the same day, Friday's on Sunday."""
    return cutoff + dt.timedelta(days=2) if cutoff.weekday() == _FRIDAY else cutoff


def _previous_cutoff(cutoff: dt.date) -> dt.date:
    """Return the cut-off day of the announcement before the one closing on `cutoff`."""
    day = cutoff
    for _ in range(_MAX_GAP_DAYS):
        day -= dt.timedelta(days=1)
        if not is_closed(day) and _evening_of(day) not in HOLIDAYS:
            return day
    raise AssertionError(f"no arXiv cut-off in the {_MAX_GAP_DAYS} days before {cutoff}")


def _mailings_from(first: dt.date) -> Iterator[Mailing]:
    """Yield the announcements dated `first` or later, in order, without end."""
    day = first
    while True:
        mailing = mailing_dated(day)
        if mailing is not None:
            yield mailing
        day += dt.timedelta(days=1)


def _take_until(
    mailings: Iterator[Mailing], end: dt.datetime, *, by_availability: bool = False
) -> Iterator[Mailing]:
    """Yield mailings until one is announced (or, if asked, available) after `end`."""
    for mailing in mailings:
        moment = mailing.available_at if by_availability else mailing.announced_at
        if moment > end:
            return
        yield mailing


def _utc(day: dt.date, time: dt.time) -> dt.datetime:
    """Return the UTC instant of an Eastern wall-clock time on `day`."""
    return dt.datetime.combine(day, time, EASTERN).astimezone(dt.UTC)


def _eastern_date(moment: dt.datetime) -> dt.date:
    """Return the Eastern calendar date of an aware instant."""
    return moment.astimezone(EASTERN).date()
