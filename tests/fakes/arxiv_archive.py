"""A simulated arXiv: one archive of papers and their versions, announced on arXiv's calendar.

The fake arXiv (tests/fakes/arxiv_server.py) serves both the announcement feed and the query
API from one `SimulatedArchive`, at the time of a `SimulatedClock` that tests move forward:

- every version is announced at the first mailing whose 14:00 New York cut-off follows its
  submission (or the end of a moderation hold); mailings follow arXiv's published schedule
  (Sunday to Thursday at 20:00, no cut-off on weekends and holidays). `ArchiveSchedule` is
  written here on purpose, apart from `bot.arxiv.calendar`: expected values computed from
  the archive do not borrow the bot's own idea of the calendar (a test compares the two);
- the feed is rebuilt at midnight New York time (plus `rebuild_delay`): on day D it holds
  the mailing dated D, as `new`, `cross`, `replace` and `replace-cross` entries relative to
  the requested categories, or nothing on a day without one (weekends, after a holiday);
  revisions after v5 are not announced, as on arXiv; chosen entries can be dropped from
  one day's feed (`drop_from_feed`) to exercise the bot's cross-check;
- the query API sees a version from the midnight after its announcement
  (https://info.arxiv.org/help/api/user-manual.html, `<updated>`), and answers id lookups
  and `cat:`/`submittedDate:` searches with the latest version it sees.

What a test expects is read from the archive itself (`announced`), never from the bot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.ids import split_version
from bot.models import AnnounceType, Author, Paper

NEW_YORK = ZoneInfo("America/New_York")

#: Days arXiv is closed, as published for 2026 (https://info.arxiv.org/help/availability.html).
HOLIDAYS_2026 = frozenset(
    dt.date(2026, month, day)
    for month, day in (
        (1, 1),
        (1, 19),
        (6, 19),
        (7, 3),
        (9, 7),
        (11, 26),
        (12, 25),
        (12, 29),
        (12, 31),
    )
)

#: arXiv announces revisions up to v5 only.
LAST_ANNOUNCED_VERSION = 5


class SimulatedClock:
    """The simulated "now" (aware UTC) shared by the archive, the fake and the bot's clocks."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs an aware start")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        """Return the simulated time."""
        return self._now

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move the clock forward by `delta`; return the new time."""
        if delta < dt.timedelta(0):
            raise ValueError("the simulated clock never goes back")
        self._now += delta
        return self._now

    def advance_to(self, moment: dt.datetime) -> dt.datetime:
        """Move the clock forward to `moment` (never back); return the new time."""
        return self.advance(max(moment.astimezone(dt.UTC) - self._now, dt.timedelta(0)))


# --- the schedule ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimMailing:
    """One mailing: closes at `cutoff`, goes out at `announced_at`, is read from `available_at`."""

    date: dt.date
    cutoff: dt.datetime
    announced_at: dt.datetime
    available_at: dt.datetime


class ArchiveSchedule:
    """arXiv's announcement schedule, as this fake plays it (see the module docstring).

    Walk the weekdays: each open weekday has a 14:00 cut-off, announced that evening
    (Monday to Thursday) or on Sunday (Friday's); a closed day has no cut-off, and a holiday
    that falls on an announcement evening cancels that evening's mailing as well.
    """

    def __init__(self, holidays: Iterable[dt.date] = HOLIDAYS_2026) -> None:
        self.holidays = frozenset(holidays)
        self._by_cutoff_day: dict[dt.date, SimMailing | None] = {}

    def mailing_closing_on(self, day: dt.date) -> SimMailing | None:
        """Return the mailing whose cut-off is on `day`, or None if the day takes none."""
        if day not in self._by_cutoff_day:
            self._by_cutoff_day[day] = self._build(day)
        return self._by_cutoff_day[day]

    def _build(self, day: dt.date) -> SimMailing | None:
        if day.weekday() >= 5 or day in self.holidays:
            return None
        evening = day + dt.timedelta(days=2 if day.weekday() == 4 else 0)
        if evening in self.holidays:
            return None
        date = evening + dt.timedelta(days=1)
        return SimMailing(
            date=date,
            cutoff=_at(day, 14),
            announced_at=_at(evening, 20),
            available_at=_at(date, 0),
        )

    def mailing_for(self, moment: dt.datetime) -> SimMailing:
        """Return the mailing that announces a submission made at `moment`."""
        day = moment.astimezone(NEW_YORK).date()
        while True:
            mailing = self.mailing_closing_on(day)
            if mailing is not None and moment < mailing.cutoff:
                return mailing
            day += dt.timedelta(days=1)

    def mailing_dated(self, date: dt.date) -> SimMailing | None:
        """Return the mailing dated `date` (its feed day), or None."""
        evening = date - dt.timedelta(days=1)
        if evening.weekday() == 6:
            cutoff_day = evening - dt.timedelta(days=2)
        elif evening.weekday() <= 3:
            cutoff_day = evening
        else:
            return None
        mailing = self.mailing_closing_on(cutoff_day)
        return mailing if mailing is not None and mailing.date == date else None

    def mailings(self, first: dt.date, last: dt.date) -> Iterator[SimMailing]:
        """Yield the mailings dated from `first` to `last`, in order."""
        day = first
        while day <= last:
            mailing = self.mailing_dated(day)
            if mailing is not None:
                yield mailing
            day += dt.timedelta(days=1)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), NEW_YORK).astimezone(dt.UTC)


# --- papers ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimVersion:
    """One version: submitted at `submitted` (aware), announced after `held_until` if set."""

    number: int
    submitted: dt.datetime
    title: str
    abstract: str
    comment: str | None = None
    held_until: dt.datetime | None = None


@dataclass
class SimPaper:
    """One paper of the archive. `categories` lists the primary first.

    `topics` are what the generator wrote about (tests/fakes/arxiv_generator.py), so a test
    can say which papers a keyword should find without asking the bot's matcher.
    """

    base_id: str
    categories: tuple[str, ...]
    authors: tuple[str, ...]
    versions: list[SimVersion]
    topics: tuple[str, ...] = ()
    journal_ref: str | None = None
    doi: str | None = None

    @property
    def primary(self) -> str:
        """Return the primary category."""
        return self.categories[0]

    @property
    def first_submitted(self) -> dt.datetime:
        """Return when version 1 was submitted (the API's `<published>`)."""
        return self.versions[0].submitted


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper in one mailing: the latest version that mailing announces, and how."""

    paper: SimPaper
    version: SimVersion
    is_first: bool

    def as_paper(self, categories: frozenset[str], date: dt.date) -> Paper:
        """Return the feed's view of this entry for a request of `categories`."""
        primary_wanted = _matches(self.paper.primary, categories)
        if self.is_first:
            kind = AnnounceType.NEW if primary_wanted else AnnounceType.CROSS
        else:
            kind = AnnounceType.REPLACE if primary_wanted else AnnounceType.REPLACE_CROSS
        return _paper(self.paper, self.version, announce_type=kind, announced=date)


_ORDER = {
    AnnounceType.NEW: 0,
    AnnounceType.CROSS: 1,
    AnnounceType.REPLACE: 2,
    AnnounceType.REPLACE_CROSS: 3,
}


class SimulatedArchive:
    """Papers, versions and the mailings that announce them, read at the clock's time.

    `rebuild_delay` is how long after midnight New York time the feed is rebuilt.
    """

    def __init__(
        self,
        clock: SimulatedClock,
        *,
        schedule: ArchiveSchedule | None = None,
        rebuild_delay: dt.timedelta = dt.timedelta(0),
    ) -> None:
        self.clock = clock
        self.schedule = schedule or ArchiveSchedule()
        self.rebuild_delay = rebuild_delay
        self.papers: dict[str, SimPaper] = {}
        self._dropped: dict[dt.date, set[str]] = {}
        self._changed_at: dict[dt.date, dt.datetime] = {}
        self._mailings: dict[SimVersion, SimMailing] = {}
        self._by_date: dict[dt.date, list[Entry]] | None = None

    def add(self, papers: Iterable[SimPaper]) -> None:
        """Add papers (a base id seen again replaces the earlier record)."""
        for paper in papers:
            if not paper.versions or not paper.categories:
                raise ValueError(f"{paper.base_id}: a paper needs a version and a category")
            self.papers[paper.base_id] = paper
        self._by_date = None

    def drop_from_feed(self, date: dt.date, base_ids: Iterable[str]) -> None:
        """Leave these papers out of the feed of `date` (the API still lists them)."""
        self._dropped.setdefault(date, set()).update(base_ids)
        self._changed_at[date] = self.clock.now()

    def dropped(self, date: dt.date) -> frozenset[str]:
        """Return the base ids dropped from the feed of `date`."""
        return frozenset(self._dropped.get(date, ()))

    # announcements: the truth tests compare against

    def mailing_of(self, version: SimVersion) -> SimMailing:
        """Return the mailing that announces `version`."""
        if version not in self._mailings:
            moment = version.submitted
            if version.held_until is not None:
                moment = max(moment, version.held_until)
            self._mailings[version] = self.schedule.mailing_for(moment)
        return self._mailings[version]

    def entries(self, date: dt.date) -> list[Entry]:
        """Return every paper the mailing dated `date` announces, by base id."""
        if self._by_date is None:
            by_date: dict[dt.date, list[Entry]] = {}
            for paper in self.papers.values():
                for day, versions in self._announced_versions(paper).items():
                    entry = Entry(paper, versions[-1], is_first=versions[0].number == 1)
                    by_date.setdefault(day, []).append(entry)
            for found in by_date.values():
                found.sort(key=lambda e: e.paper.base_id)
            self._by_date = by_date
        return list(self._by_date.get(date, ()))

    def _announced_versions(self, paper: SimPaper) -> dict[dt.date, list[SimVersion]]:
        """Group a paper's announced versions (v5 at most) by the date announcing them."""
        grouped: dict[dt.date, list[SimVersion]] = {}
        for version in paper.versions:
            if version.number <= LAST_ANNOUNCED_VERSION:
                grouped.setdefault(self.mailing_of(version).date, []).append(version)
        return grouped

    def announced(self, date: dt.date, categories: Iterable[str]) -> list[Paper]:
        """Return what arXiv announced on `date` for `categories`, in feed order, no drops."""
        wanted = frozenset(categories)
        papers = [
            entry.as_paper(wanted, date)
            for entry in self.entries(date)
            if any(_matches(c, wanted) for c in entry.paper.categories)
        ]
        papers.sort(key=lambda p: _ORDER[p.announce_type or AnnounceType.NEW])
        return papers

    def first_announced(self, base_id: str) -> dt.date:
        """Return the date of the mailing that announced version 1 of a paper."""
        return self.mailing_of(self.papers[base_id].versions[0]).date

    # the feed, as served at the clock's time

    def feed_date(self) -> dt.date | None:
        """Return the mailing date the feed shows now, or None when it is empty."""
        day = (self.clock.now() - self.rebuild_delay).astimezone(NEW_YORK).date()
        return day if self.schedule.mailing_dated(day) is not None else None

    def feed(self, categories: Iterable[str]) -> tuple[list[Paper], dt.datetime]:
        """Return the feed's papers for `categories` now, and when that feed last changed."""
        day = (self.clock.now() - self.rebuild_delay).astimezone(NEW_YORK).date()
        rebuilt = dt.datetime.combine(day, dt.time(), NEW_YORK) + self.rebuild_delay
        changed = self._changed_at.get(day)
        modified = max(rebuilt, changed) if changed is not None else rebuilt
        date = self.feed_date()
        if date is None:
            return [], modified.astimezone(dt.UTC)
        dropped = self.dropped(date)
        papers = [p for p in self.announced(date, categories) if p.base_id not in dropped]
        return papers, modified.astimezone(dt.UTC)

    # the query API, as it answers at the clock's time

    def visible(self, paper: SimPaper) -> SimVersion | None:
        """Return the latest version the API shows now (None before v1 is readable)."""
        now = self.clock.now()
        shown = [v for v in paper.versions if self.mailing_of(v).available_at <= now]
        return shown[-1] if shown else None

    def lookup(self, arxiv_id: str) -> Paper | None:
        """Return the API's view of `2611.00001` (latest) or `2611.00001v2`, or None."""
        base_id, number = split_version(arxiv_id)
        paper = self.papers.get(base_id)
        latest = self.visible(paper) if paper is not None else None
        if paper is None or latest is None:
            return None
        if number is None:
            return _paper(paper, latest)
        if number > latest.number:
            return None
        return _paper(paper, paper.versions[number - 1])

    def search(
        self,
        categories: Sequence[str],
        submitted_from: dt.datetime | None,
        submitted_to: dt.datetime | None,
        *,
        descending: bool = False,
    ) -> list[Paper]:
        """Return the API's answer to `cat:` OR-ed with a `submittedDate` range, by date."""
        wanted = frozenset(categories)
        found: list[Paper] = []
        for paper in self.papers.values():
            latest = self.visible(paper)
            if latest is None or not any(_matches(c, wanted) for c in paper.categories):
                continue
            first = paper.first_submitted
            if submitted_from is not None and first < submitted_from:
                continue
            if submitted_to is not None and first > submitted_to:
                continue
            found.append(_paper(paper, latest))
        found.sort(key=lambda p: (p.published, p.base_id), reverse=descending)
        return found


def _matches(category: str, wanted: frozenset[str]) -> bool:
    """Say whether a request for `wanted` (categories or whole archives) takes `category`."""
    return category in wanted or category.split(".", 1)[0] in wanted


def _paper(paper: SimPaper, version: SimVersion, **extra: object) -> Paper:
    """Return a Paper for one version: the API's fields, plus the feed's when given."""
    made = Paper(
        base_id=paper.base_id,
        version=version.number,
        title=version.title,
        abstract=version.abstract,
        authors=tuple(Author(name) for name in paper.authors),
        categories=paper.categories,
        primary_category=paper.primary,
        comment=version.comment,
        journal_ref=paper.journal_ref,
        doi=paper.doi,
        published=paper.first_submitted,
        updated=version.submitted,
    )
    return dataclasses.replace(made, **extra) if extra else made  # type: ignore[arg-type]
