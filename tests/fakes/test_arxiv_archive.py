"""The simulated arXiv: a month of papers served as feed and query API on a simulated clock.

Checked through the real clients: the project's FeedClient for the feed, the `arxiv`
package (directly and through ArxivApi) for the query API.
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import functools
from collections.abc import AsyncIterator

import arxiv
import httpx
import pytest

from bot.arxiv import calendar
from bot.arxiv.api import ArxivApi
from bot.arxiv.feed import FeedClient, FeedValidators
from bot.arxiv.limiter import RateLimiter
from bot.ids import parse_arxiv_id
from bot.matching import match_papers, parse_keywords
from bot.models import AnnounceType
from tests.fakes.arxiv_archive import (
    NEW_YORK,
    ArchiveSchedule,
    SimPaper,
    SimulatedArchive,
    SimulatedClock,
    SimVersion,
)
from tests.fakes.arxiv_generator import TOPICS, generate_papers
from tests.fakes.arxiv_server import FakeArxiv

CATEGORIES = ["cs.CL", "cs.LG"]
SEED = 7


def new_york(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


@functools.cache
def november() -> tuple[SimPaper, ...]:
    """The generated month (read only; shared by the tests)."""
    return tuple(generate_papers(SEED, dt.date(2026, 11, 2), 30))


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(new_york("2026-11-04T09:00"))


@pytest.fixture
def archive(clock: SimulatedClock) -> SimulatedArchive:
    made = SimulatedArchive(clock)
    made.add(november())
    return made


@pytest.fixture
async def served(archive: SimulatedArchive) -> AsyncIterator[FakeArxiv]:
    async with FakeArxiv(archive=archive) as server:
        yield server


@pytest.fixture
async def feed(served: FakeArxiv) -> AsyncIterator[FeedClient]:
    async with httpx.AsyncClient() as http:
        yield FeedClient(http, RateLimiter(0), served.feed_url, user_agent="test")


@pytest.fixture
def api(served: FakeArxiv) -> AsyncIterator[ArxivApi]:
    client = ArxivApi(RateLimiter(0), api_url=served.api_url, user_agent="test", page_size=10)
    yield client
    client.close()


def ids_and_types(papers: object) -> list[tuple[str, str]]:
    return [(p.base_id, str(p.announce_type)) for p in papers]  # type: ignore[attr-defined]


# --- the schedule -----------------------------------------------------------------------------


def test_the_fakes_schedule_agrees_with_the_bots_calendar_all_of_2026() -> None:
    schedule = ArchiveSchedule()
    day = dt.date(2026, 1, 1)
    while day.year == 2026:
        ours, theirs = schedule.mailing_dated(day), calendar.mailing_dated(day)
        assert (ours is None) == (theirs is None), day
        if ours is not None and theirs is not None:
            assert ours.cutoff == theirs.window.end, day
            assert ours.announced_at == theirs.announced_at, day
            assert ours.available_at == theirs.available_at, day
        day += dt.timedelta(days=1)


def test_a_submission_joins_the_first_mailing_after_it() -> None:
    schedule = ArchiveSchedule()
    assert schedule.mailing_for(new_york("2026-11-25T13:59:59")).date == dt.date(2026, 11, 26)
    # 14:00 on the day before Thanksgiving: Thursday has no cut-off, Friday's goes out Sunday.
    assert schedule.mailing_for(new_york("2026-11-25T14:00")).date == dt.date(2026, 11, 30)


# --- the feed -------------------------------------------------------------------------------


async def test_the_feed_shows_the_days_announcement_with_all_four_kinds(
    feed: FeedClient, archive: SimulatedArchive, clock: SimulatedClock
) -> None:
    seen: collections.Counter[str] = collections.Counter()
    for mailing in archive.schedule.mailings(dt.date(2026, 11, 4), dt.date(2026, 11, 30)):
        clock.advance_to(mailing.available_at + dt.timedelta(hours=8))
        fetched = await feed.fetch(CATEGORIES)
        expected = archive.announced(mailing.date, CATEGORIES)
        assert fetched.announced == mailing.date
        assert ids_and_types(fetched.papers) == ids_and_types(expected)
        seen.update(str(p.announce_type) for p in fetched.papers)
    assert set(seen) == {"new", "cross", "replace", "replace-cross"}
    assert seen["new"] > seen["cross"] > 0


async def test_an_entry_is_new_for_its_primary_category_and_cross_for_another(
    feed: FeedClient, archive: SimulatedArchive
) -> None:
    fetched = await feed.fetch(["cs.AI"])
    for paper in fetched.papers:
        primary = archive.papers[paper.base_id].primary
        if paper.announce_type is AnnounceType.NEW:
            assert primary == "cs.AI"
        elif paper.announce_type is AnnounceType.CROSS:
            assert primary != "cs.AI" and "cs.AI" in paper.categories


@pytest.mark.parametrize(
    "moment",
    [
        "2026-11-07T12:00",  # Saturday
        "2026-11-08T23:00",  # Sunday night: Monday's is announced, not yet in the feed
        "2026-11-27T12:00",  # the Friday after Thanksgiving
    ],
)
async def test_the_feed_is_empty_when_arxiv_announced_nothing(
    feed: FeedClient, clock: SimulatedClock, moment: str
) -> None:
    clock.advance_to(new_york(moment))
    fetched = await feed.fetch(CATEGORIES)
    assert fetched.papers == () and fetched.announced is None


async def test_the_feed_changes_at_the_midnight_rebuild_and_not_before(
    feed: FeedClient, clock: SimulatedClock
) -> None:
    first = await feed.fetch(CATEGORIES)
    clock.advance_to(new_york("2026-11-04T23:59"))
    again = await feed.fetch(CATEGORIES, first.validators)
    assert again.not_modified
    clock.advance_to(new_york("2026-11-05T00:00"))
    rebuilt = await feed.fetch(CATEGORIES, first.validators)
    assert not rebuilt.not_modified and rebuilt.announced == dt.date(2026, 11, 5)
    url = feed.url_for(CATEGORIES)
    assert rebuilt.validators[url] != first.validators[url]
    assert rebuilt.validators[url].last_modified == "Thu, 05 Nov 2026 05:00:00 GMT"


async def test_a_late_rebuild_shows_yesterdays_feed_a_while_longer(
    feed: FeedClient, archive: SimulatedArchive, clock: SimulatedClock
) -> None:
    archive.rebuild_delay = dt.timedelta(minutes=20)
    clock.advance_to(new_york("2026-11-05T00:10"))
    assert (await feed.fetch(CATEGORIES)).announced == dt.date(2026, 11, 4)
    clock.advance_to(new_york("2026-11-05T00:20"))
    assert (await feed.fetch(CATEGORIES)).announced == dt.date(2026, 11, 5)


async def test_dropped_entries_leave_the_feed_but_not_the_api(
    feed: FeedClient, api: ArxivApi, archive: SimulatedArchive
) -> None:
    day = dt.date(2026, 11, 4)
    truth = archive.announced(day, CATEGORIES)
    gone = {truth[0].base_id, truth[3].base_id, truth[-1].base_id}
    before = await feed.fetch(CATEGORIES)
    archive.drop_from_feed(day, gone)
    after = await feed.fetch(CATEGORIES, before.validators)
    assert not after.not_modified  # the feed changed, so its validators did
    assert {p.base_id for p in after.papers} == {p.base_id for p in truth} - gone
    looked_up = await api.fetch(sorted(gone))
    assert set(looked_up) == gone


async def test_revisions_after_v5_are_not_announced(
    feed: FeedClient, archive: SimulatedArchive, clock: SimulatedClock
) -> None:
    submitted = new_york("2026-11-09T10:00")
    versions = [
        SimVersion(n, submitted + dt.timedelta(days=n - 1), "Seven versions", "Text.")
        for n in range(1, 8)
    ]
    archive.add([SimPaper("2611.99999", ("cs.CL",), ("Ada Lovelace",), versions)])
    kinds = {}
    for day in archive.schedule.mailings(dt.date(2026, 11, 10), dt.date(2026, 11, 20)):
        clock.advance_to(day.available_at + dt.timedelta(hours=1))
        for paper in (await feed.fetch(["cs.CL"])).papers:
            if paper.base_id == "2611.99999":
                kinds[paper.version] = paper.announce_type
    assert kinds == {
        1: AnnounceType.NEW,
        2: AnnounceType.REPLACE,
        3: AnnounceType.REPLACE,
        4: AnnounceType.REPLACE,
        5: AnnounceType.REPLACE,
    }


async def test_a_paper_held_by_moderation_is_announced_after_its_hold(
    feed: FeedClient, archive: SimulatedArchive, clock: SimulatedClock
) -> None:
    # Submitted before Monday's cut-off, released on Wednesday morning.
    held = SimVersion(
        1, new_york("2026-11-09T10:00"), "Held", "Text.", held_until=new_york("2026-11-11T09:00")
    )
    archive.add([SimPaper("2611.99998", ("cs.CL",), ("Ada Lovelace",), [held])])
    clock.advance_to(new_york("2026-11-10T09:00"))
    assert "2611.99998" not in {p.base_id for p in (await feed.fetch(["cs.CL"])).papers}
    clock.advance_to(new_york("2026-11-12T09:00"))
    shown = {p.base_id: p.announce_type for p in (await feed.fetch(["cs.CL"])).papers}
    assert shown["2611.99998"] is AnnounceType.NEW


# --- the query API --------------------------------------------------------------------------


async def test_the_arxiv_package_pages_through_a_window_search(served: FakeArxiv) -> None:
    window = calendar.mailing_dated(dt.date(2026, 11, 4))
    assert window is not None
    query = (
        "(cat:cs.CL OR cat:cs.LG) AND submittedDate:"
        f"[{window.window.start:%Y%m%d%H%M} TO {window.window.end:%Y%m%d%H%M}]"
    )
    client = arxiv.Client(page_size=7, delay_seconds=0, num_retries=0)
    client.query_url_format = served.api_url + "?{}"
    search = arxiv.Search(
        query=query,
        max_results=None,
        sort_by=arxiv.SortCriterion.SubmittedDate,
        sort_order=arxiv.SortOrder.Ascending,
    )
    results = await asyncio.to_thread(lambda: list(client.results(search)))
    assert len(results) > 7  # more than one page
    assert [r.published for r in results] == sorted(r.published for r in results)
    assert all(window.window.start <= r.published <= window.window.end for r in results)
    pages = served.requests_to("/api")
    assert [int(r.query["start"]) for r in pages] == list(range(0, len(results), 7))


async def test_the_api_sees_a_paper_from_the_midnight_after_its_announcement(
    api: ArxivApi, archive: SimulatedArchive, clock: SimulatedClock
) -> None:
    paper = next(e.paper for e in archive.entries(dt.date(2026, 11, 5)) if e.is_first)
    clock.advance_to(new_york("2026-11-04T21:00"))  # announced at 20:00
    assert await api.fetch([paper.base_id]) == {}
    clock.advance_to(new_york("2026-11-05T00:00"))
    assert set(await api.fetch([paper.base_id])) == {paper.base_id}


async def test_an_id_lookup_gives_the_latest_version_the_api_sees(
    api: ArxivApi, archive: SimulatedArchive, clock: SimulatedClock
) -> None:
    revised = next(p for p in archive.papers.values() if len(p.versions) == 2)
    second = archive.mailing_of(revised.versions[1])
    clock.advance_to(second.available_at)
    latest = await api.get(parse_arxiv_id(revised.base_id))
    first = await api.get(parse_arxiv_id(f"{revised.base_id}v1"))
    assert (latest.version, first.version) == (2, 1)
    assert latest.published == revised.first_submitted
    assert latest.updated == revised.versions[1].submitted


async def test_a_query_the_fake_does_not_know_is_refused(served: FakeArxiv) -> None:
    async with httpx.AsyncClient() as http:
        answer = await http.get(served.api_url, params={"search_query": "ti:llm OR abs:kv"})
    assert answer.status_code == 400 and "unsupported query" in answer.text


# --- the generator ------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_month_and_another_seed_another() -> None:
    again = generate_papers(SEED, dt.date(2026, 11, 2), 30)
    assert again == list(november())
    other = generate_papers(SEED + 1, dt.date(2026, 11, 2), 30)
    assert [p.versions[0] for p in other[:50]] != [p.versions[0] for p in again[:50]]


def test_a_generated_month_looks_like_arxiv(archive: SimulatedArchive) -> None:
    papers = list(november())
    sizes = {
        m.date: len(archive.entries(m.date))
        for m in archive.schedule.mailings(dt.date(2026, 11, 2), dt.date(2026, 11, 30))
    }
    assert all(size > 20 for size in sizes.values())
    # Tuesday's announcement covers the weekend: on average the largest of the week.
    tuesdays = [size for day, size in sizes.items() if day.weekday() == 1]
    wednesdays = [size for day, size in sizes.items() if day.weekday() == 2]
    assert sum(tuesdays) / len(tuesdays) > sum(wednesdays) / len(wednesdays)
    crossed = sum(len(p.categories) > 1 for p in papers) / len(papers)
    revised = sum(len(p.versions) > 1 for p in papers) / len(papers)
    assert 0.25 < crossed < 0.5 and 0.08 < revised < 0.25
    assert any(len(p.versions) > 5 for p in papers)
    assert any(p.first_submitted < new_york("2026-10-01T00:00") for p in papers)


def test_generated_ids_follow_announcement_order_within_a_month(
    archive: SimulatedArchive,
) -> None:
    firsts = sorted(
        (archive.first_announced(p.base_id), p.first_submitted, p.base_id)
        for p in november()
        if p.base_id.startswith("2611.")
    )
    numbers = [int(base_id.split(".")[1]) for _, _, base_id in firsts]
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_papers_text_mentions_exactly_its_topics() -> None:
    for paper in november():
        text = f"{paper.versions[0].title} {paper.versions[0].abstract}".lower()
        for topic, phrases in TOPICS.items():
            written = any(phrase.lower() in text for phrase in phrases)
            assert written == (topic in paper.topics), (paper.base_id, topic)


def test_a_topic_taken_as_a_keyword_matches_exactly_the_papers_about_it(
    archive: SimulatedArchive, clock: SimulatedClock
) -> None:
    # What a month test relies on when it computes expected deliveries from topics.
    clock.advance_to(new_york("2026-12-31T12:00"))
    papers = [paper for p in november() if (paper := archive.lookup(p.base_id)) is not None]
    assert len(papers) == len(november())
    for topic in TOPICS:
        found = {m.paper.base_id for m in match_papers(parse_keywords(topic), papers)}
        assert found == {p.base_id for p in november() if topic in p.topics}, topic


def test_papers_sit_on_both_sides_of_each_cutoff() -> None:
    moments = {p.first_submitted for p in november()}
    for day in (dt.date(2026, 11, 3), dt.date(2026, 11, 25)):
        cutoff = dt.datetime.combine(day, dt.time(14), NEW_YORK)
        assert cutoff in moments and cutoff - dt.timedelta(seconds=1) in moments


async def test_validators_from_another_day_are_not_mistaken_for_today(
    feed: FeedClient, clock: SimulatedClock
) -> None:
    monday = await feed.fetch(CATEGORIES)
    clock.advance_to(new_york("2026-11-07T12:00"))  # Saturday: empty
    stale = {url: FeedValidators(v.etag, v.last_modified) for url, v in monday.validators.items()}
    saturday = await feed.fetch(CATEGORIES, stale)
    assert not saturday.not_modified and saturday.papers == ()
