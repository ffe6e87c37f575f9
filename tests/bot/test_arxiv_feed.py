"""The announcement feed client against the fake arXiv: parsing, 304s, retries, splitting."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.arxiv.feed import FeedClient, FeedValidators, parse_feed, split_authors
from bot.arxiv.limiter import RateLimiter
from bot.errors import ArxivError, ArxivParseError, ArxivUnavailableError
from bot.models import AnnounceType, Author, Paper
from tests.fakes.arxiv_server import (
    FakeArxiv,
    FakeClock,
    feed_xml,
    make_papers,
    recorded_feed,
)

UA = "arxiv-digest-bot/0.1.0 (+https://github.com/arxiv-digest-bot; lab@example.org)"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def feed(fake_arxiv: FakeArxiv, http: httpx.AsyncClient, clock: FakeClock) -> FeedClient:
    limiter = RateLimiter(0, monotonic=clock.monotonic, sleep=clock.sleep)
    return FeedClient(http, limiter, fake_arxiv.feed_url, user_agent=UA, max_attempts=3)


# --- parsing the real recorded feed ----------------------------------------------------------


def test_recorded_feed_gives_ids_versions_and_types() -> None:
    papers = parse_feed(recorded_feed()).papers
    assert [(p.base_id, p.version, p.announce_type) for p in papers[:4]] == [
        ("2508.13426", 1, AnnounceType.CROSS),
        ("2508.13428", 1, AnnounceType.CROSS),
        ("2508.13429", 1, AnnounceType.CROSS),
        ("2508.13434", 1, AnnounceType.CROSS),
    ]


def test_recorded_feed_splits_authors_and_keeps_latex_names() -> None:
    papers = parse_feed(recorded_feed()).papers
    assert papers[0].authors == (
        Author("Chunhua Liu"),
        Author("Kabir Manandhar Shrestha"),
        Author("Sukai Huang"),
    )
    assert papers[2].authors == (Author("Paulo Andr\\'e Lima de Castro"),)


def test_recorded_feed_abstract_loses_the_announce_prefix() -> None:
    paper = parse_feed(recorded_feed()).papers[0]
    assert paper.abstract.startswith("As large language models (LLMs) increasingly mediate")
    assert "Announce Type" not in paper.abstract
    assert "\n" not in paper.abstract


def test_recorded_feed_keeps_categories_in_feed_order() -> None:
    papers = parse_feed(recorded_feed()).papers
    assert papers[1].categories == ("cs.CV", "cs.AI", "cs.MM")


def test_recorded_feed_is_dated_by_its_announcement() -> None:
    parsed = parse_feed(recorded_feed())
    assert parsed.announced == dt.date(2025, 8, 20)
    assert {p.announced for p in parsed.papers} == {dt.date(2025, 8, 20)}


# --- parsing built entries -------------------------------------------------------------------


def feed_for(*papers: Paper) -> str:
    return feed_xml(papers, name="cs.AI", updated=dt.datetime(2025, 8, 20, 4, tzinfo=dt.UTC))


def test_replace_cross_entry_keeps_its_version_and_type() -> None:
    paper = dataclasses.replace(
        make_papers(1)[0], version=3, announce_type=AnnounceType.REPLACE_CROSS
    )
    parsed = parse_feed(feed_for(paper)).papers[0]
    assert (parsed.versioned_id, parsed.announce_type) == (
        f"{paper.base_id}v3",
        AnnounceType.REPLACE_CROSS,
    )


def test_old_style_id_is_split_into_base_and_version() -> None:
    paper = dataclasses.replace(make_papers(1)[0], base_id="hep-th/9901001", version=2)
    parsed = parse_feed(feed_for(paper)).papers[0]
    assert (parsed.base_id, parsed.version) == ("hep-th/9901001", 2)


def test_journal_reference_and_doi_are_read() -> None:
    paper = dataclasses.replace(
        make_papers(1)[0], journal_ref="Phys. Rev. D 99, 1 (2019)", doi="10.1103/x.99.1"
    )
    parsed = parse_feed(feed_for(paper)).papers[0]
    assert (parsed.journal_ref, parsed.doi) == ("Phys. Rev. D 99, 1 (2019)", "10.1103/x.99.1")


def test_a_paper_listed_twice_in_one_feed_appears_once() -> None:
    paper = make_papers(1)[0]
    assert len(parse_feed(feed_for(paper, paper)).papers) == 1


@pytest.mark.parametrize(
    ("creators", "names"),
    [
        ("Ada Lovelace, Alan Turing and Jo Hopper", ["Ada Lovelace", "Alan Turing", "Jo Hopper"]),
        ("Ada Lovelace, Alan Turing, and Jo Hopper", ["Ada Lovelace", "Alan Turing", "Jo Hopper"]),
        ("Ada Lovelace and Alan Turing", ["Ada Lovelace", "Alan Turing"]),
        ("Sandy Anderson, Alexander Brand", ["Sandy Anderson", "Alexander Brand"]),
    ],
)  # fmt: skip
def test_authors_joined_with_and_are_split(creators: str, names: list[str]) -> None:
    assert [a.name for a in split_authors(creators)] == names


def test_malformed_xml_is_a_parse_error() -> None:
    with pytest.raises(ArxivParseError):
        parse_feed("<feed><entry><id>oai:arXiv.org:2508.00001v1")


def test_html_error_page_is_a_parse_error() -> None:
    with pytest.raises(ArxivParseError, match="not an Atom feed"):
        parse_feed("<html><body>Service Unavailable</body></html>")


def test_entity_expansion_is_refused() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE f [<!ENTITY a "aaaa">]><feed>&a;&a;</feed>'
    with pytest.raises(ArxivParseError):
        parse_feed(bomb)


# --- fetching --------------------------------------------------------------------------------


async def test_fetch_sends_the_configured_user_agent(
    feed: FeedClient, fake_arxiv: FakeArxiv
) -> None:
    await feed.fetch(["cs.AI"])
    assert fake_arxiv.requests[0].headers["User-Agent"] == UA


async def test_one_request_covers_all_categories_in_a_stable_order(
    feed: FeedClient, fake_arxiv: FakeArxiv
) -> None:
    await feed.fetch(["cs.LG", "cs.AI", "cs.CL", "cs.AI"])
    assert [r.path for r in fake_arxiv.requests] == ["/atom/cs.AI+cs.CL+cs.LG"]


async def test_fetch_returns_the_announced_papers(feed: FeedClient, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.add_feed_papers(make_papers(3, categories=("cs.CL",)))
    fake_arxiv.add_feed_papers(make_papers(2, categories=("math.AP",), first_number=100))
    result = await feed.fetch(["cs.CL"])
    assert [p.base_id for p in result.papers] == ["2508.00001", "2508.00002", "2508.00003"]
    assert result.announced == dt.date(2025, 8, 20)


async def test_second_poll_is_conditional_and_not_modified(
    feed: FeedClient, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.add_feed_papers(make_papers(3))
    first = await feed.fetch(["cs.AI"])
    second = await feed.fetch(["cs.AI"], first.validators)
    assert (
        fake_arxiv.requests[1].headers["If-None-Match"]
        == first.validators[fake_arxiv.feed_url + "cs.AI"].etag
    )
    assert second.not_modified
    assert second.papers == ()


async def test_poll_sends_if_modified_since(feed: FeedClient, fake_arxiv: FakeArxiv) -> None:
    url = fake_arxiv.feed_url + "cs.AI"
    known = {url: FeedValidators(last_modified=fake_arxiv.last_modified)}
    result = await feed.fetch(["cs.AI"], known)
    assert fake_arxiv.requests[0].headers["If-Modified-Since"] == fake_arxiv.last_modified
    assert result.not_modified


async def test_not_modified_keeps_the_stored_validators(
    feed: FeedClient, fake_arxiv: FakeArxiv
) -> None:
    first = await feed.fetch(["cs.AI"])
    second = await feed.fetch(["cs.AI"], first.validators)
    assert second.validators == first.validators


async def test_changed_feed_is_fetched_again(feed: FeedClient, fake_arxiv: FakeArxiv) -> None:
    first = await feed.fetch(["cs.AI"])
    fake_arxiv.add_feed_papers(make_papers(2))
    second = await feed.fetch(["cs.AI"], first.validators)
    assert not second.not_modified
    assert len(second.papers) == 2


async def test_empty_feed_has_no_papers_and_no_date(
    feed: FeedClient, fake_arxiv: FakeArxiv
) -> None:
    result = await feed.fetch(["cs.AI"])
    assert (result.papers, result.announced, result.not_modified) == ((), None, False)


async def test_429_with_retry_after_waits_then_succeeds(
    feed: FeedClient, fake_arxiv: FakeArxiv, clock: FakeClock
) -> None:
    fake_arxiv.add_feed_papers(make_papers(1))
    fake_arxiv.fail_next(429, retry_after="7")
    result = await feed.fetch(["cs.AI"])
    assert len(result.papers) == 1
    assert len(fake_arxiv.requests) == 2
    assert clock.sleeps == [7.0]


async def test_503_is_retried_with_backoff(
    feed: FeedClient, fake_arxiv: FakeArxiv, clock: FakeClock
) -> None:
    fake_arxiv.add_feed_papers(make_papers(1))
    fake_arxiv.fail_next(503, count=2)
    result = await feed.fetch(["cs.AI"])
    assert len(result.papers) == 1
    assert clock.sleeps == [1.0, 2.0]


async def test_persistent_503_raises_unavailable(feed: FeedClient, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.fail_next(503, count=10)
    with pytest.raises(ArxivUnavailableError, match="HTTP 503"):
        await feed.fetch(["cs.AI"])
    assert len(fake_arxiv.requests) == 3  # max_attempts


async def test_not_found_is_not_retried(feed: FeedClient, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.fail_next(404)
    with pytest.raises(ArxivError, match="HTTP 404"):
        await feed.fetch(["cs.AI"])
    assert len(fake_arxiv.requests) == 1


async def test_malformed_response_raises_parse_error(
    feed: FeedClient, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.malformed_next()
    with pytest.raises(ArxivParseError):
        await feed.fetch(["cs.AI"])


async def test_unreachable_arxiv_raises_unavailable(
    http: httpx.AsyncClient, clock: FakeClock
) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    limiter = RateLimiter(0, monotonic=clock.monotonic, sleep=clock.sleep)
    client = FeedClient(
        http, limiter, f"http://127.0.0.1:{port}/atom/", user_agent=UA, max_attempts=2
    )
    with pytest.raises(ArxivUnavailableError, match="ConnectError"):
        await client.fetch(["cs.AI"])


# --- splitting -------------------------------------------------------------------------------


async def test_long_url_is_split_into_several_requests(
    fake_arxiv: FakeArxiv, http: httpx.AsyncClient
) -> None:
    categories = ["cs.AI", "cs.CL", "cs.LG", "math.AP", "hep-th"]
    for number, category in enumerate(categories):
        fake_arxiv.add_feed_papers(make_papers(1, categories=(category,), first_number=number))
    max_length = len(fake_arxiv.feed_url) + len("cs.AI+cs.CL+cs.LG")
    client = FeedClient(
        http, RateLimiter(0), fake_arxiv.feed_url, user_agent=UA, max_url_length=max_length
    )
    result = await client.fetch(categories)
    urls = [fake_arxiv.base_url + r.path for r in fake_arxiv.requests]
    assert len(urls) == 2
    assert all(len(url) <= max_length for url in urls)
    assert len(result.papers) == 5


async def test_capped_response_is_split_by_archive(
    feed: FeedClient, fake_arxiv: FakeArxiv, caplog: pytest.LogCaptureFixture
) -> None:
    fake_arxiv.add_feed_papers(make_papers(1500, categories=("cs.AI",)))
    fake_arxiv.add_feed_papers(make_papers(1000, categories=("math.AP",), first_number=5000))
    with caplog.at_level(logging.WARNING, logger="bot.arxiv.feed"):
        result = await feed.fetch(["cs.AI", "cs.CL", "math.AP"])
    assert [r.path for r in fake_arxiv.requests] == [
        "/atom/cs.AI+cs.CL+math.AP",
        "/atom/cs.AI+cs.CL",
        "/atom/math.AP",
    ]
    assert len(result.papers) == 2500
    assert "hit the 2000-entry limit" in caplog.text


async def test_split_results_are_keyed_by_their_own_urls(
    feed: FeedClient, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.add_feed_papers(make_papers(1500, categories=("cs.AI",)))
    fake_arxiv.add_feed_papers(make_papers(1000, categories=("math.AP",), first_number=5000))
    result = await feed.fetch(["cs.AI", "math.AP"])
    assert list(result.validators) == [
        fake_arxiv.feed_url + "cs.AI",
        fake_arxiv.feed_url + "math.AP",
    ]


async def test_later_polls_go_straight_to_the_split_requests(
    feed: FeedClient, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.add_feed_papers(make_papers(1500, categories=("cs.AI",)))
    fake_arxiv.add_feed_papers(make_papers(1000, categories=("math.AP",), first_number=5000))
    first = await feed.fetch(["cs.AI", "math.AP"])
    fake_arxiv.requests.clear()
    second = await feed.fetch(["cs.AI", "math.AP"], first.validators)
    assert [r.path for r in fake_arxiv.requests] == ["/atom/cs.AI", "/atom/math.AP"]
    assert second.not_modified


async def test_capped_single_archive_is_split_by_category(
    feed: FeedClient, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.add_feed_papers(make_papers(1200, categories=("cs.AI",)))
    fake_arxiv.add_feed_papers(make_papers(1200, categories=("cs.CL",), first_number=5000))
    result = await feed.fetch(["cs.AI", "cs.CL"])
    assert [r.path for r in fake_arxiv.requests][1:] == ["/atom/cs.AI", "/atom/cs.CL"]
    assert len(result.papers) == 2400


async def test_capped_single_category_keeps_what_it_got(
    feed: FeedClient, fake_arxiv: FakeArxiv, caplog: pytest.LogCaptureFixture
) -> None:
    fake_arxiv.add_feed_papers(make_papers(2100, categories=("cs.LG",)))
    with caplog.at_level(logging.WARNING, logger="bot.arxiv.feed"):
        result = await feed.fetch(["cs.LG"])
    assert len(result.papers) == 2000
    assert len(fake_arxiv.requests) == 1
    assert "cs.LG alone holds 2000 entries" in caplog.text


async def test_paper_in_two_split_requests_is_merged_once(
    feed: FeedClient, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.add_feed_papers(make_papers(1999, categories=("cs.AI",)))
    fake_arxiv.add_feed_papers(make_papers(1, categories=("math.AP", "cs.AI"), first_number=9000))
    result = await feed.fetch(["cs.AI", "math.AP"])
    assert len(fake_arxiv.requests) == 3
    assert len(result.papers) == 2000
    assert len({p.base_id for p in result.papers}) == 2000
