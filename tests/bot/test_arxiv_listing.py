"""Listing an announcement's window from the query API: ArxivApi.list_window on the simulated arXiv.

The expected papers come from the simulated archive (what it announced that day), never
from the code under test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import itertools
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.arxiv.api import ArxivApi
from bot.arxiv.calendar import Mailing, SubmissionWindow, mailing_dated
from bot.arxiv.limiter import RateLimiter
from bot.arxiv.listing import category_groups, window_query
from bot.errors import ArxivError, ArxivUnavailableError
from bot.models import AnnounceType, Paper
from tests.fakes.arxiv_archive import NEW_YORK, SimPaper, SimulatedArchive, SimulatedClock
from tests.fakes.arxiv_generator import generate_papers
from tests.fakes.arxiv_server import FakeArxiv, FakeClock, api_feed_xml

CATEGORIES = ("cs.CL", "cs.LG")


@functools.cache
def november() -> tuple[SimPaper, ...]:
    return tuple(generate_papers(11, dt.date(2026, 11, 2), 30))


def mailing(day: str) -> Mailing:
    found = mailing_dated(dt.date.fromisoformat(day))
    assert found is not None
    return found


def first_announcements(archive: SimulatedArchive, day: str, categories: tuple[str, ...]) -> list:
    """What arXiv announced that day as new or cross-listed, in feed order (the truth)."""
    kinds = {AnnounceType.NEW, AnnounceType.CROSS}
    found = archive.announced(dt.date.fromisoformat(day), categories)
    return [(p.base_id, p.announce_type) for p in found if p.announce_type in kinds]


def listed(papers: tuple[Paper, ...]) -> list:
    return [(p.base_id, p.announce_type) for p in papers]


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(dt.datetime(2026, 12, 2, 12, tzinfo=NEW_YORK))


@pytest.fixture
def archive(clock: SimulatedClock) -> SimulatedArchive:
    made = SimulatedArchive(clock)
    made.add(november())
    return made


@pytest.fixture
def request_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def served(archive: SimulatedArchive, request_clock: FakeClock) -> AsyncIterator[FakeArxiv]:
    async with FakeArxiv(request_clock.monotonic, archive=archive) as server:
        yield server


def make_api(served: FakeArxiv, clock: FakeClock, *, interval: float = 0, **kw: float) -> ArxivApi:
    limiter = RateLimiter(interval, monotonic=clock.monotonic, sleep=clock.sleep)
    return ArxivApi(limiter, api_url=served.api_url, user_agent="test", backoff_base=0, **kw)


@pytest.fixture
def api(served: FakeArxiv, request_clock: FakeClock) -> Iterator[ArxivApi]:
    client = make_api(served, request_clock, page_size=25)
    yield client
    client.close()


# --- the queries ----------------------------------------------------------------------------


def test_a_window_query_names_the_categories_and_the_minutes_in_utc() -> None:
    window = SubmissionWindow(
        dt.datetime(2026, 10, 30, 18, tzinfo=dt.UTC), dt.datetime(2026, 11, 2, 19, tzinfo=dt.UTC)
    )
    assert window_query(("cs.CL", "cs.LG"), window) == (
        "(cat:cs.CL OR cat:cs.LG) AND submittedDate:[202610301800 TO 202611021900]"
    )
    assert window_query(("quant-ph",), window) == (
        "cat:quant-ph AND submittedDate:[202610301800 TO 202611021900]"
    )


def test_categories_are_grouped_sorted_and_deduplicated() -> None:
    groups = category_groups(["cs.LG", "math.OC", "cs.CL", "cs.LG", "cs.AI"], size=2)
    assert groups == (("cs.AI", "cs.CL"), ("cs.LG", "math.OC"))


# --- listing a window -----------------------------------------------------------------------


async def test_a_listing_holds_what_arxiv_announced_as_new_and_cross(
    api: ArxivApi, archive: SimulatedArchive
) -> None:
    result = await api.list_window(CATEGORIES, mailing("2026-11-18").window)
    assert listed(result.papers) == first_announcements(archive, "2026-11-18", CATEGORIES)
    assert {p.announce_type for p in result.papers} == {AnnounceType.NEW, AnnounceType.CROSS}


async def test_listed_papers_are_dated_and_carry_full_metadata(api: ArxivApi) -> None:
    result = await api.list_window(
        CATEGORIES, mailing("2026-11-18").window, announced=dt.date(2026, 11, 18)
    )
    assert {p.announced for p in result.papers} == {dt.date(2026, 11, 18)}
    paper = result.papers[0]
    assert paper.primary_category == paper.categories[0] and paper.published is not None


@pytest.mark.parametrize(
    "day",
    [
        "2026-11-03",  # the weekend across the November clock change (73 hours)
        "2026-11-30",  # after Thanksgiving: Wednesday 14:00 to Friday 14:00
        "2026-12-01",  # the weekend after Thanksgiving
    ],
)
async def test_a_wide_window_is_listed_whole(
    api: ArxivApi, archive: SimulatedArchive, day: str
) -> None:
    result = await api.list_window(CATEGORIES, mailing(day).window)
    assert listed(result.papers) == first_announcements(archive, day, CATEGORIES)


async def test_a_paper_submitted_at_the_cutoff_belongs_to_the_next_window(
    api: ArxivApi, archive: SimulatedArchive
) -> None:
    cutoff = dt.datetime(2026, 11, 17, 14, tzinfo=NEW_YORK)
    at_cutoff = next(p for p in archive.papers.values() if p.first_submitted == cutoff)
    just_before = next(
        p for p in archive.papers.values() if p.first_submitted == cutoff - dt.timedelta(seconds=1)
    )
    closing = await api.list_window(["cs.CL"], mailing("2026-11-18").window)
    opening = await api.list_window(["cs.CL"], mailing("2026-11-19").window)
    closing_ids = {p.base_id for p in closing.papers}
    opening_ids = {p.base_id for p in opening.papers}
    assert just_before.base_id in closing_ids and just_before.base_id not in opening_ids
    assert at_cutoff.base_id in opening_ids and at_cutoff.base_id not in closing_ids


async def test_many_categories_are_split_into_short_queries_typed_as_one_feed(
    api: ArxivApi, served: FakeArxiv, archive: SimulatedArchive
) -> None:
    many = [
        "cs.AI",
        "cs.CL",
        "cs.CV",
        "cs.ET",
        "cs.IR",
        "cs.LG",
        "cs.MA",
        "eess.IV",
        "eess.SY",
        "math.NA",
        "math.OC",
        "math.ST",
        "physics.comp-ph",
        "quant-ph",
        "stat.ML",
        "cs.CR",
        "cs.DS",
        "cs.GT",
        "cs.HC",
        "cs.NE",
        "cs.RO",
        "cs.SE",
    ]
    # A stat.ML paper cross-listed to cs.LG is found by the first query and is still `new`.
    result = await api.list_window(many, mailing("2026-11-18").window)
    queries = {r.query["search_query"] for r in served.requests_to("/api")}
    assert len(queries) == 3  # 22 categories, ten per query
    assert max(len(q) for q in queries) < 400
    assert listed(result.papers) == first_announcements(archive, "2026-11-18", tuple(many))
    assert len({p.base_id for p in result.papers}) == len(result.papers)


async def test_pages_are_separate_requests_three_seconds_apart(
    served: FakeArxiv, request_clock: FakeClock
) -> None:
    client = make_api(served, request_clock, interval=3, page_size=10)
    try:
        result = await client.list_window(CATEGORIES, mailing("2026-11-24").window)
    finally:
        client.close()
    pages = served.requests_to("/api")
    assert len(result.papers) > 20 and result.requests == len(pages) >= 3
    assert [int(r.query["start"]) for r in pages] == list(range(0, 10 * len(pages), 10))
    assert all(later.time - earlier.time >= 3 for earlier, later in itertools.pairwise(pages))


async def test_a_failing_page_is_retried_and_the_listing_completes(
    api: ArxivApi, served: FakeArxiv, archive: SimulatedArchive
) -> None:
    await api.list_window(CATEGORIES, mailing("2026-11-24").window)  # warm: count the pages
    pages = len(served.requests_to("/api"))
    assert pages >= 2
    served.requests.clear()
    served.fail_next(503, prefix="/api")
    result = await api.list_window(CATEGORIES, mailing("2026-11-24").window)
    assert listed(result.papers) == first_announcements(archive, "2026-11-24", CATEGORIES)
    assert len(served.requests_to("/api")) == pages + 1


async def test_an_empty_page_before_the_total_is_retried(
    api: ArxivApi, served: FakeArxiv, archive: SimulatedArchive
) -> None:
    empty = api_feed_xml([], total=60, start=0, query="empty page")
    served.fail_next(200, prefix="/api", body=empty)
    result = await api.list_window(CATEGORIES, mailing("2026-11-24").window)
    assert listed(result.papers) == first_announcements(archive, "2026-11-24", CATEGORIES)


async def test_an_api_that_keeps_failing_ends_the_listing_with_one_error(
    served: FakeArxiv, request_clock: FakeClock
) -> None:
    client = make_api(served, request_clock, max_attempts=2)
    served.fail_next(503, count=10, prefix="/api")
    try:
        with pytest.raises(ArxivUnavailableError, match="arXiv API listing"):
            await client.list_window(CATEGORIES, mailing("2026-11-24").window)
    finally:
        client.close()
    assert len(served.requests_to("/api")) == 2


async def test_a_window_not_yet_readable_lists_nothing(
    api: ArxivApi, clock: SimulatedClock
) -> None:
    # Monday 11-30's announcement is made Sunday 20:00; the API has it from midnight.
    clock_now = clock.now()
    assert clock_now > mailing("2026-11-30").available_at
    early = SimulatedClock(dt.datetime(2026, 11, 29, 21, tzinfo=NEW_YORK))
    archive = SimulatedArchive(early)
    archive.add(november())
    async with FakeArxiv(archive=archive) as server:
        client = ArxivApi(RateLimiter(0), api_url=server.api_url, user_agent="test")
        try:
            result = await client.list_window(CATEGORIES, mailing("2026-11-30").window)
            assert result.papers == ()
            early.advance_to(dt.datetime(2026, 11, 30, 0, tzinfo=NEW_YORK))
            result = await client.list_window(CATEGORIES, mailing("2026-11-30").window)
            assert listed(result.papers) == first_announcements(archive, "2026-11-30", CATEGORIES)
        finally:
            client.close()


async def test_a_trickled_page_is_cut_at_its_deadline_and_retried(
    served: FakeArxiv, request_clock: FakeClock, archive: SimulatedArchive
) -> None:
    served.trickle_next(prefix="/api", interval=0.2, step=1)
    client = make_api(served, request_clock, timeout=1, max_attempts=2)
    try:
        listing = client.list_window(CATEGORIES, mailing("2026-11-24").window)
        result = await asyncio.wait_for(listing, timeout=30)
    finally:
        client.close()
    assert listed(result.papers) == first_announcements(archive, "2026-11-24", CATEGORIES)


async def test_a_gzip_bomb_ends_the_listing_at_the_size_cap(
    served: FakeArxiv, request_clock: FakeClock
) -> None:
    served.gzip_bomb_next(prefix="/api")
    client = make_api(served, request_clock, max_bytes=5_000_000)
    try:
        with pytest.raises(ArxivError, match="ARXIV_MAX_RESPONSE_MB"):
            await client.list_window(CATEGORIES, mailing("2026-11-24").window)
    finally:
        client.close()
    assert len(served.requests_to("/api")) == 1  # not retried
