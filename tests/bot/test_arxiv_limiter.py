"""The process-wide arXiv limiter: spacing, one request at a time, pauses and retries."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.arxiv.api import ArxivApi
from bot.arxiv.feed import FeedClient
from bot.arxiv.limiter import RateLimiter, RetryPolicy, TryAgain, parse_retry_after, retrying
from bot.errors import ArxivUnavailableError
from tests.fakes.arxiv_server import FakeArxiv, FakeClock, make_papers

NOW = dt.datetime(2026, 4, 28, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def limiter_on(clock: FakeClock, interval: float = 3.0) -> RateLimiter:
    return RateLimiter(interval, monotonic=clock.monotonic, sleep=clock.sleep)


async def test_first_request_starts_at_once(clock: FakeClock) -> None:
    async with limiter_on(clock):
        pass
    assert clock.sleeps == []


async def test_second_request_waits_for_the_interval(clock: FakeClock) -> None:
    limiter = limiter_on(clock)
    async with limiter:
        pass
    async with limiter:
        pass
    assert clock.sleeps == [3.0]


async def test_interval_counts_from_the_start_of_the_previous_request(clock: FakeClock) -> None:
    limiter = limiter_on(clock)
    async with limiter:
        clock.now += 2.0  # the request itself took 2 s
    async with limiter:
        pass
    assert clock.sleeps == [pytest.approx(1.0)]


async def test_requests_never_overlap() -> None:
    limiter = RateLimiter(0)
    first_inside = asyncio.Event()
    release_first = asyncio.Event()
    order: list[str] = []

    async def first() -> None:
        async with limiter:
            order.append("first in")
            first_inside.set()
            await release_first.wait()
            order.append("first out")

    async def second() -> None:
        await first_inside.wait()
        async with limiter:
            order.append("second in")

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await first_inside.wait()
    for _ in range(5):  # give the second task every chance to enter too early
        await asyncio.sleep(0)
    release_first.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
    assert order == ["first in", "first out", "second in"]


async def test_pause_delays_the_next_request(clock: FakeClock) -> None:
    limiter = limiter_on(clock)
    async with limiter:
        limiter.pause(30)  # e.g. Retry-After: 30 on this response
    async with limiter:
        pass
    assert clock.sleeps == [30.0]


async def test_shorter_pause_keeps_the_interval(clock: FakeClock) -> None:
    limiter = limiter_on(clock)
    async with limiter:
        limiter.pause(1)
    async with limiter:
        pass
    assert clock.sleeps == [3.0]


async def test_cancelled_waiter_does_not_block_later_requests() -> None:
    limiter = RateLimiter(0)
    release = asyncio.Event()

    async def holder() -> None:
        async with limiter:
            await release.wait()

    held = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiter = asyncio.create_task(limiter.__aenter__())
    await asyncio.sleep(0)
    waiter.cancel()
    release.set()
    await held
    async with asyncio.timeout(5), limiter:
        pass


def test_retry_after_in_seconds() -> None:
    assert parse_retry_after("120", NOW) == 120.0


def test_retry_after_as_http_date() -> None:
    assert parse_retry_after("Tue, 28 Apr 2026 12:01:30 GMT", NOW) == 90.0


def test_retry_after_in_the_past_means_now() -> None:
    assert parse_retry_after("Tue, 28 Apr 2026 11:00:00 GMT", NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "-5"])
def test_unreadable_retry_after_is_ignored(value: str | None) -> None:
    assert parse_retry_after(value, NOW) is None


async def test_retrying_backs_off_exponentially_then_succeeds(clock: FakeClock) -> None:
    limiter = limiter_on(clock, interval=0)
    failures = iter(["HTTP 503", "HTTP 502", "HTTP 500"])

    async def attempt() -> str:
        problem = next(failures, None)
        if problem:
            raise TryAgain(problem)
        return "ok"

    policy = RetryPolicy(max_attempts=4, backoff_base=1.0)
    assert await retrying(limiter, policy, "test", attempt) == "ok"
    assert clock.sleeps == [1.0, 2.0, 4.0]


async def test_retrying_prefers_retry_after_to_backoff(clock: FakeClock) -> None:
    limiter = limiter_on(clock, interval=0)
    calls = 0

    async def attempt() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise TryAgain("HTTP 429", retry_after=7.0)
        return "ok"

    await retrying(limiter, RetryPolicy(), "test", attempt)
    assert clock.sleeps == [7.0]


async def test_retrying_gives_up_after_max_attempts(clock: FakeClock) -> None:
    limiter = limiter_on(clock, interval=0)
    calls = 0

    async def attempt() -> None:
        nonlocal calls
        calls += 1
        raise TryAgain("HTTP 503")

    with pytest.raises(ArxivUnavailableError, match="failed 3 times; last: HTTP 503"):
        await retrying(limiter, RetryPolicy(max_attempts=3), "arXiv feed", attempt)
    assert calls == 3


async def test_retrying_refuses_to_sit_out_a_very_long_retry_after(clock: FakeClock) -> None:
    limiter = limiter_on(clock, interval=0)
    calls = 0

    async def attempt() -> None:
        nonlocal calls
        calls += 1
        raise TryAgain("HTTP 429", retry_after=3600.0)

    with pytest.raises(ArxivUnavailableError, match="wait 3600 s"):
        await retrying(limiter, RetryPolicy(max_wait=600), "arXiv API", attempt)
    assert calls == 1
    assert limiter.wait_time == 3600.0  # everyone else still respects it


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def test_feed_and_api_share_the_spacing(
    fake_arxiv: FakeArxiv, http: httpx.AsyncClient, clock: FakeClock
) -> None:
    fake_arxiv.clock = clock.monotonic
    papers = make_papers(1)
    fake_arxiv.add_feed_papers(papers)
    fake_arxiv.add_api_papers(papers)
    limiter = limiter_on(clock, interval=3.0)
    feed = FeedClient(http, limiter, fake_arxiv.feed_url, user_agent="test-bot/1")
    api = ArxivApi(limiter, api_url=fake_arxiv.api_url, user_agent="test-bot/1")
    try:
        await asyncio.gather(feed.fetch(["cs.AI"]), api.fetch([papers[0].base_id]))
    finally:
        api.close()
    times = sorted(request.time for request in fake_arxiv.requests)
    assert len(times) == 2
    assert times[1] - times[0] >= 3.0


async def test_slot_fails_at_once_when_arxiv_asked_for_a_longer_pause(clock: FakeClock) -> None:
    limiter = limiter_on(clock, interval=0)
    limiter.pause(3600)
    with pytest.raises(ArxivUnavailableError, match="paused for 3600 s") as excinfo:
        async with limiter.slot(max_wait=600):
            pass
    assert excinfo.value.retry_in == 3600
    assert clock.sleeps == []  # nothing sat out


async def test_slot_waits_out_a_pause_it_can_afford(clock: FakeClock) -> None:
    limiter = limiter_on(clock, interval=0)
    limiter.pause(30)
    async with limiter.slot(max_wait=60):
        pass
    assert clock.sleeps == [30.0]


async def test_slot_gives_up_when_another_request_keeps_the_connection() -> None:
    limiter = RateLimiter(0)
    inside = asyncio.Event()
    release = asyncio.Event()

    async def slow_request() -> None:
        async with limiter:
            inside.set()
            await release.wait()

    holder = asyncio.create_task(slow_request())
    await inside.wait()
    with pytest.raises(ArxivUnavailableError, match="did not take a request within"):
        async with limiter.slot(max_wait=0.2):
            pass
    release.set()
    await holder
    async with limiter.slot(max_wait=0.2):  # the connection is free again
        pass


async def test_retrying_stops_at_its_deadline(clock: FakeClock) -> None:
    limiter = limiter_on(clock, interval=0)
    calls = 0

    async def attempt() -> None:
        nonlocal calls
        calls += 1
        raise TryAgain("HTTP 503")

    policy = RetryPolicy(max_attempts=10, backoff_base=4.0, deadline=10.0)
    with pytest.raises(ArxivUnavailableError, match="no answer within 10 s"):
        await retrying(limiter, policy, "arXiv API", attempt)
    assert calls == 2  # 0 s: fail, wait 4; 4 s: fail, wait 8 > the 6 s left
