"""arXiv misbehaving: slow, huge, compressed to bomb, redirecting forever, asking for a pause.

Every fault comes from the fake arXiv over loopback; the real httpx, requests and `arxiv`
package read it. Each ends as one ArxivError (or a bounded wait), never a hang or a crash.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.arxiv.api import ArxivApi
from bot.arxiv.feed import FeedClient
from bot.arxiv.limiter import RateLimiter
from bot.arxiv.transfer import ResponseTooLargeError
from bot.errors import ArxivError, ArxivUnavailableError
from bot.ids import parse_arxiv_id
from tests.fakes.arxiv_server import FakeArxiv, make_papers

UA = "arxiv-digest-bot/test"
MB = 1_000_000


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def feed_client(
    http: httpx.AsyncClient, arxiv: FakeArxiv, limiter: RateLimiter | None = None, **kw: float
) -> FeedClient:
    options = {"max_attempts": 1, "timeout": 1.0, "max_bytes": 5 * MB, **kw}
    return FeedClient(
        http,
        limiter or RateLimiter(0),
        arxiv.feed_url,
        user_agent=UA,
        max_attempts=int(options.pop("max_attempts")),
        **options,
    )


@pytest.fixture
async def api(fake_arxiv: FakeArxiv) -> AsyncIterator[ArxivApi]:
    client = ArxivApi(
        RateLimiter(0),
        api_url=fake_arxiv.api_url,
        user_agent=UA,
        timeout=1.0,
        max_bytes=5 * MB,
        max_attempts=1,
    )
    try:
        yield client
    finally:
        client.close()


# --- a server that trickles its answer ----------------------------------------------------


async def test_a_trickling_feed_fails_at_its_deadline_not_after_the_last_byte(
    fake_arxiv: FakeArxiv, http: httpx.AsyncClient
) -> None:
    fake_arxiv.add_feed_papers(make_papers(3))
    fake_arxiv.trickle_next(prefix="/atom/", interval=0.2, step=1)  # ~4,000 bytes: ~15 min
    feed = feed_client(http, fake_arxiv, timeout=1.0)

    task = asyncio.create_task(feed.fetch(["cs.AI"]))
    with pytest.raises(ArxivUnavailableError, match="no complete answer within 1 s"):
        await asyncio.wait_for(task, timeout=30)


async def test_a_trickled_feed_is_retried_and_the_retry_succeeds(
    fake_arxiv: FakeArxiv, http: httpx.AsyncClient
) -> None:
    fake_arxiv.add_feed_papers(make_papers(3))
    fake_arxiv.trickle_next(prefix="/atom/", interval=0.2)
    feed = feed_client(http, fake_arxiv, max_attempts=2, timeout=1.0, backoff_base=0.01)

    result = await asyncio.wait_for(feed.fetch(["cs.AI"]), timeout=30)

    assert len(result.papers) == 3
    assert len(fake_arxiv.requests_to("/atom/")) == 2


async def test_a_trickling_api_answer_fails_at_its_deadline(
    fake_arxiv: FakeArxiv, api: ArxivApi
) -> None:
    fake_arxiv.trickle_next(prefix="/api/", interval=0.2, step=2)

    with pytest.raises(ArxivUnavailableError, match="Timeout"):
        await asyncio.wait_for(api.get(parse_arxiv_id("1605.08386")), timeout=30)


async def test_a_slow_feed_holds_the_shared_limiter_only_until_its_deadline(
    fake_arxiv: FakeArxiv, http: httpx.AsyncClient
) -> None:
    # The feed trickles; a lookup for /summarize waits for the connection, then gets it.
    limiter = RateLimiter(0)
    fake_arxiv.add_feed_papers(make_papers(3))
    fake_arxiv.trickle_next(prefix="/atom/", count=10, interval=0.2)
    feed = feed_client(http, fake_arxiv, limiter, max_attempts=3, timeout=1.0, backoff_base=0.01)
    api = ArxivApi(limiter, api_url=fake_arxiv.api_url, user_agent=UA, timeout=1.0)
    try:
        polling = asyncio.create_task(feed.fetch(["cs.AI"]))
        await fake_arxiv.wait_for_requests("/atom/")
        paper = await asyncio.wait_for(
            api.get(parse_arxiv_id("1605.08386"), interactive=True), timeout=30
        )
        assert paper.base_id == "1605.08386"
        with pytest.raises(ArxivUnavailableError):
            await asyncio.wait_for(polling, timeout=30)
    finally:
        api.close()


# --- answers too large -----------------------------------------------------------------------


async def test_a_gzip_bomb_is_refused_at_the_cap(
    fake_arxiv: FakeArxiv, http: httpx.AsyncClient
) -> None:
    fake_arxiv.gzip_bomb_next(prefix="/atom/")  # 1 MB on the wire, 1 GB inflated
    feed = feed_client(http, fake_arxiv, max_bytes=5 * MB, timeout=30)

    with pytest.raises(ResponseTooLargeError, match="more than 5 MB"):
        await feed.fetch(["cs.AI"])


async def test_a_gzip_bomb_from_the_api_is_refused_at_the_cap(
    fake_arxiv: FakeArxiv, api: ArxivApi
) -> None:
    fake_arxiv.gzip_bomb_next(prefix="/api/")

    with pytest.raises(ResponseTooLargeError, match="arXiv API answered with more than 5 MB"):
        await api.get(parse_arxiv_id("1605.08386"))


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_over_the_cap_is_refused(
    fake_arxiv: FakeArxiv, http: httpx.AsyncClient, chunked: bool
) -> None:
    fake_arxiv.huge_next(50, prefix="/atom/", chunked=chunked)
    feed = feed_client(http, fake_arxiv, max_bytes=5 * MB, timeout=30)

    with pytest.raises(ResponseTooLargeError, match="5 MB"):
        await feed.fetch(["cs.AI"])


async def test_gzipped_answers_under_the_cap_are_read(
    fake_arxiv: FakeArxiv, http: httpx.AsyncClient, api: ArxivApi
) -> None:
    # The cap counts inflated bytes; honest compressed answers, as arxiv.org sends, work.
    papers = make_papers(5)
    fake_arxiv.add_feed_papers(papers)
    fake_arxiv.gzip_answers = True

    result = await feed_client(http, fake_arxiv).fetch(["cs.AI"])
    paper = await api.get(parse_arxiv_id("1605.08386"))

    assert [p.base_id for p in result.papers] == [p.base_id for p in papers]
    assert paper.base_id == "1605.08386"


# --- redirects ---------------------------------------------------------------------------


async def test_a_feed_redirect_loop_is_one_error_after_a_few_requests(
    fake_arxiv: FakeArxiv, http: httpx.AsyncClient
) -> None:
    fake_arxiv.redirect_loop(prefix="/atom/")
    feed = feed_client(http, fake_arxiv, max_attempts=3)

    with pytest.raises(ArxivError, match="redirected more than 5 times"):
        await feed.fetch(["cs.AI"])

    assert len(fake_arxiv.requests_to("/atom/")) == 6  # the request and 5 redirects, no retry


async def test_an_api_redirect_loop_is_one_error_after_a_few_requests(
    fake_arxiv: FakeArxiv, api: ArxivApi
) -> None:
    fake_arxiv.redirect_loop(prefix="/api/")

    with pytest.raises(ArxivError, match="redirected more than 5 times"):
        await api.get(parse_arxiv_id("1605.08386"))

    assert len(fake_arxiv.requests_to("/api/")) == 6


async def test_a_single_redirect_is_followed(
    fake_arxiv: FakeArxiv, http: httpx.AsyncClient
) -> None:
    fake_arxiv.add_feed_papers(make_papers(2))
    fake_arxiv.redirect_loop(prefix="/atom/", count=1)

    result = await feed_client(http, fake_arxiv).fetch(["cs.AI"])

    assert len(result.papers) == 2


# --- Retry-After longer than the caller can wait ------------------------------------------


async def test_retry_after_beyond_the_poll_interval_skips_the_poll_at_once(
    fake_arxiv: FakeArxiv, http: httpx.AsyncClient
) -> None:
    limiter = RateLimiter(0)
    fake_arxiv.fail_next(429, retry_after="3600", prefix="/atom/")
    feed = feed_client(http, fake_arxiv, limiter, max_attempts=5, max_wait=1800)

    started = time.monotonic()
    with pytest.raises(ArxivUnavailableError) as first:
        await feed.fetch(["cs.AI"])
    with pytest.raises(ArxivUnavailableError) as second:  # the next poll, still paused
        await feed.fetch(["cs.AI"])

    assert time.monotonic() - started < 10  # skipped, not sat out
    assert first.value.retry_in == 3600
    assert second.value.retry_in is not None and second.value.retry_in > 3500
    assert len(fake_arxiv.requests_to("/atom/")) == 1  # the pause is honoured


async def test_an_interactive_lookup_during_a_long_pause_says_when_to_come_back(
    fake_arxiv: FakeArxiv, http: httpx.AsyncClient
) -> None:
    limiter = RateLimiter(0)
    limiter.pause(3600)  # a feed answered 429 Retry-After: 3600
    api = ArxivApi(limiter, api_url=fake_arxiv.api_url, user_agent=UA, timeout=5)
    try:
        with pytest.raises(ArxivUnavailableError) as excinfo:
            await asyncio.wait_for(
                api.get(parse_arxiv_id("1605.08386"), interactive=True), timeout=5
            )
    finally:
        api.close()
    assert excinfo.value.retry_in is not None and excinfo.value.retry_in > 3500
    assert fake_arxiv.requests == []
