"""Metadata by id: the real `arxiv` package against the fake query API and recorded answers."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import socket
from collections.abc import Iterator

import pytest

from bot.arxiv.api import ArxivApi
from bot.arxiv.limiter import RateLimiter
from bot.errors import (
    ArxivBadRequestError,
    ArxivParseError,
    ArxivUnavailableError,
    PaperNotFoundError,
)
from bot.ids import ArxivId, parse_arxiv_id
from bot.models import Author
from tests.fakes.arxiv_server import FakeArxiv, FakeClock, make_papers

UA = "arxiv-digest-bot/0.1.0 (+https://github.com/arxiv-digest-bot; lab@example.org)"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api(fake_arxiv: FakeArxiv, clock: FakeClock) -> Iterator[ArxivApi]:
    limiter = RateLimiter(0, monotonic=clock.monotonic, sleep=clock.sleep)
    client = ArxivApi(limiter, api_url=fake_arxiv.api_url, user_agent=UA, max_attempts=3)
    yield client
    client.close()


# --- recorded answers ------------------------------------------------------------------------


async def test_new_style_id_gives_the_latest_version(api: ArxivApi) -> None:
    paper = await api.get(parse_arxiv_id("1605.08386"))
    assert (paper.base_id, paper.version) == ("1605.08386", 1)
    assert paper.title == "Heat-bath random walks with Markov bases"


async def test_versioned_id_gives_that_version(api: ArxivApi) -> None:
    paper = await api.get(parse_arxiv_id("2104.12255v1"))
    assert paper.versioned_id == "2104.12255v1"
    assert paper.primary_category == "cs.CR"
    assert paper.published == dt.datetime(2021, 4, 20, 16, 7, 14, tzinfo=dt.UTC)


async def test_old_style_versioned_id(api: ArxivApi) -> None:
    paper = await api.get(parse_arxiv_id("quant-ph/0201082v1"))
    assert (paper.base_id, paper.version) == ("quant-ph/0201082", 1)


async def test_old_style_id_brings_affiliations_and_journal_ref(api: ArxivApi) -> None:
    paper = await api.get(parse_arxiv_id("astro-ph/0601001"))
    assert paper.authors[0] == Author("Andrew Gould", ("Ohio State",))
    assert paper.authors[3] == Author("Andrzej Udalski", ("Warsaw University Observatory",))
    assert paper.journal_ref == "ActaAstron.56:1-50,2006"
    assert paper.comment is not None and paper.comment.startswith("62 pages")


async def test_abstract_whitespace_is_normalized(api: ArxivApi) -> None:
    paper = await api.get(parse_arxiv_id("astro-ph/0601001"))
    assert paper.abstract.startswith("We derive the frequencies of hot Jupiters")


async def test_two_ids_at_once_leave_the_unknown_one_out(
    api: ArxivApi, fake_arxiv: FakeArxiv
) -> None:
    papers = await api.fetch(["0808.05394", "1707.08567"])
    assert list(papers) == ["1707.08567"]
    assert fake_arxiv.requests[0].query["id_list"] == "0808.05394,1707.08567"


async def test_unknown_id_is_not_found(api: ArxivApi) -> None:
    # Recorded: arXiv answers 200 with an empty feed for 0000.0000.
    with pytest.raises(PaperNotFoundError, match=r"arXiv has no paper 0000\.0000$"):
        await api.get(ArxivId("0000.0000"))


async def test_well_formed_id_arxiv_does_not_know_is_not_found(api: ArxivApi) -> None:
    with pytest.raises(PaperNotFoundError, match=r"arXiv has no paper 2501\.99999v2$"):
        await api.get(parse_arxiv_id("arXiv:2501.99999v2"))


async def test_malformed_id_is_a_bad_request(api: ArxivApi, fake_arxiv: FakeArxiv) -> None:
    with pytest.raises(ArxivBadRequestError, match="incorrect id format for abc"):
        await api.fetch(["abc"])
    assert len(fake_arxiv.requests) == 1  # a 400 is not retried


# --- registered papers, batching, headers ----------------------------------------------------


async def test_enrichment_brings_primary_category_first_and_doi(
    api: ArxivApi, fake_arxiv: FakeArxiv
) -> None:
    paper = dataclasses.replace(
        make_papers(1, categories=("cs.AI", "cs.CL"))[0],
        primary_category="cs.CL",
        doi="10.1000/xyz",
        comment="12 pages",
    )
    fake_arxiv.add_api_papers([paper])
    found = (await api.fetch([paper.base_id]))[paper.base_id]
    assert found.categories == ("cs.CL", "cs.AI")
    assert (found.primary_category, found.doi, found.comment) == (
        "cs.CL",
        "10.1000/xyz",
        "12 pages",
    )


async def test_150_ids_take_two_requests_of_at_most_100(
    api: ArxivApi, fake_arxiv: FakeArxiv
) -> None:
    papers = make_papers(150)
    fake_arxiv.add_api_papers(papers)
    found = await api.fetch([p.base_id for p in papers])
    sizes = [len(r.query["id_list"].split(",")) for r in fake_arxiv.requests]
    assert sizes == [100, 50]
    assert len(found) == 150


async def test_no_ids_make_no_request(api: ArxivApi, fake_arxiv: FakeArxiv) -> None:
    assert await api.fetch([]) == {}
    assert fake_arxiv.requests == []


async def test_requests_carry_our_user_agent(api: ArxivApi, fake_arxiv: FakeArxiv) -> None:
    await api.fetch(["1605.08386"])
    assert fake_arxiv.requests[0].headers["User-Agent"] == UA


async def test_429_with_retry_after_waits_then_succeeds(
    api: ArxivApi, fake_arxiv: FakeArxiv, clock: FakeClock
) -> None:
    fake_arxiv.fail_next(429, retry_after="5", prefix="/api")
    papers = await api.fetch(["1605.08386"])
    assert list(papers) == ["1605.08386"]
    assert clock.sleeps == [5.0]


async def test_persistent_503_raises_unavailable(api: ArxivApi, fake_arxiv: FakeArxiv) -> None:
    fake_arxiv.fail_next(503, count=10, prefix="/api")
    with pytest.raises(ArxivUnavailableError, match="HTTP 503"):
        await api.fetch(["1605.08386"])
    assert len(fake_arxiv.requests) == 3


async def test_malformed_answer_is_a_parse_error_not_a_missing_paper(
    api: ArxivApi, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.malformed_next(prefix="/api")
    with pytest.raises(ArxivParseError):
        await api.get(parse_arxiv_id("1605.08386"))


async def test_unreachable_api_raises_unavailable(clock: FakeClock) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    limiter = RateLimiter(0, monotonic=clock.monotonic, sleep=clock.sleep)
    client = ArxivApi(
        limiter, api_url=f"http://127.0.0.1:{port}/api/query", user_agent=UA, max_attempts=2
    )
    try:
        with pytest.raises(ArxivUnavailableError, match="ConnectionError"):
            await client.fetch(["1605.08386"])
    finally:
        client.close()


async def test_cancelled_lookup_keeps_the_connection_until_its_request_ends(
    fake_arxiv: FakeArxiv,
) -> None:
    limiter = RateLimiter(0)
    client = ArxivApi(limiter, api_url=fake_arxiv.api_url, user_agent=UA)
    hold = fake_arxiv.hold_next(prefix="/api")
    lookup = asyncio.create_task(client.fetch(["1605.08386"]))
    try:
        await asyncio.wait_for(hold.arrived.wait(), timeout=5)
        lookup.cancel()
        next_request = asyncio.create_task(limiter.__aenter__())
        for _ in range(20):  # every chance to start a second connection too early
            await asyncio.sleep(0)
        assert not next_request.done()
        hold.release.set()
        await asyncio.wait_for(next_request, timeout=5)
        await limiter.__aexit__(None, None, None)
        with pytest.raises(asyncio.CancelledError):
            await lookup
    finally:
        hold.release.set()
        client.close()
