"""One request at a time to arxiv.org, spaced by an interval, for the whole process.

arXiv asks for "no more than one request every three seconds" and "a single connection at a
time" across all of its machine interfaces (https://info.arxiv.org/help/api/tou.html), and
answers 429 or 503 with `Retry-After` when a client goes faster. The feed client and the API
client share one `RateLimiter`, so the feed, the API and every retry obey one clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar

from bot.errors import ArxivUnavailableError

log = logging.getLogger(__name__)

T = TypeVar("T")


class RateLimiter:
    """Admit one request at a time, each starting at least `interval` seconds after the last.

    Use as `async with limiter:` around the whole request (connect, send, read the body),
    so two requests never overlap. `pause()` pushes the next start further out, to honour
    a server's `Retry-After` or a backoff; every waiter, feed or API, respects it.
    The clock and the sleep are injectable so tests run on a fake clock.
    """

    def __init__(
        self,
        interval: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if interval < 0:
            raise ValueError(f"interval must be >= 0, got {interval}")
        self.interval = interval
        self.monotonic = monotonic
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._next_start = -math.inf

    async def __aenter__(self) -> None:
        """Wait for the connection and for the earliest allowed start, then claim it."""
        await self._lock.acquire()
        try:
            # Loop: a pause() from elsewhere may move the start while we sleep.
            while (delay := self._next_start - self.monotonic()) > 0:
                await self._sleep(delay)
        except BaseException:
            self._lock.release()
            raise
        self._next_start = max(self._next_start, self.monotonic() + self.interval)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Release the connection; the spacing is counted from the start of the request."""
        self._lock.release()

    @contextlib.asynccontextmanager
    async def slot(self, max_wait: float) -> AsyncIterator[None]:
        """Hold the connection like `async with limiter:`, but wait at most `max_wait` s for it.

        Fail at once, rather than sit, when arXiv asked for a longer pause (a poll is skipped,
        a person is told when to come back); fail after `max_wait` when another request keeps
        the connection (a slow answer, cut by its own deadline). Both raise
        ArxivUnavailableError with `retry_in`.
        """
        pending = self.wait_time
        if pending > max_wait:
            raise ArxivUnavailableError(
                f"requests to arXiv are paused for {pending:.0f} s more (Retry-After or backoff)",
                retry_in=pending,
            )
        try:
            async with asyncio.timeout(max_wait):
                await self.__aenter__()
        except TimeoutError:
            raise ArxivUnavailableError(
                f"arXiv did not take a request within {max_wait:.0f} s (another one is slow)",
                retry_in=max(self.wait_time, max_wait),
            ) from None
        try:
            yield
        finally:
            await self.__aexit__(None, None, None)

    def pause(self, seconds: float) -> None:
        """Make the next request start no earlier than `seconds` from now."""
        self._next_start = max(self._next_start, self.monotonic() + max(seconds, 0.0))

    @property
    def wait_time(self) -> float:
        """Return how long a request arriving now would wait for its start (0 if none)."""
        return max(self._next_start - self.monotonic(), 0.0)


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Return the seconds a `Retry-After` header asks for, or None if absent or unreadable.

    The header is either delay-seconds or an HTTP-date (RFC 9110, section 10.2.3); a date
    in the past means "now".
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; parsedate_to_datetime may leave them naive
        when = when.replace(tzinfo=dt.UTC)
    return max((when - now).total_seconds(), 0.0)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry a failed arXiv request.

    Without `Retry-After` the wait is exponential: `backoff_base * 2**n` seconds before
    retry n + 1, at most `backoff_cap`. A wait above `max_wait` (say, `Retry-After: 3600`)
    is not sat out: the request fails at once, and the limiter stays paused for that long.
    `deadline`, when set, bounds the whole operation (waits, attempts and retries): what a
    person waiting for an answer needs.
    """

    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 120.0
    max_wait: float = 600.0
    deadline: float | None = None

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Return the wait after failed attempt number `attempt` (0-based)."""
        if retry_after is not None:
            return retry_after
        return min(self.backoff_base * 2.0**attempt, self.backoff_cap)


class TryAgain(Exception):  # noqa: N818  (a signal, not an error that escapes)
    """Raised inside `retrying()`'s attempt to ask for another try after a wait."""

    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retry_after = retry_after


async def retrying(
    limiter: RateLimiter,
    policy: RetryPolicy,
    what: str,
    attempt: Callable[[], Awaitable[T]],
) -> T:
    """Run `attempt` inside the limiter until it returns, retrying when it raises TryAgain.

    Each wait is a `limiter.pause()`, so after a 429 every request to arXiv waits, not only
    this one (https://info.arxiv.org/help/api/tou.html). After `policy.max_attempts`
    failures, past `policy.deadline`, or when the wait asked for exceeds `policy.max_wait`,
    raise ArxivUnavailableError naming `what` and the last problem.
    """
    problem = "no attempt made"
    tries = max(policy.max_attempts, 1)
    clock = limiter.monotonic
    end = math.inf if policy.deadline is None else clock() + policy.deadline
    for number in range(tries):
        left = end - clock()
        pending = limiter.wait_time
        if number > 0 and pending >= left:
            raise ArxivUnavailableError(
                f"{what}: no answer within {policy.deadline:.0f} s; last: {problem}",
                retry_in=pending or None,
            )
        if pending > policy.max_wait:
            raise ArxivUnavailableError(
                f"{what}: not sent, requests to arXiv are paused for {pending:.0f} s more",
                retry_in=pending,
            )
        async with limiter.slot(min(policy.max_wait, left)):
            try:
                return await attempt()
            except TryAgain as again:
                problem = again.problem
                delay = policy.delay(number, again.retry_after)
                limiter.pause(delay)
        if delay > policy.max_wait:
            raise ArxivUnavailableError(
                f"{what}: {problem}; arXiv asks to wait {delay:.0f} s", retry_in=delay
            )
        if number + 1 < tries:
            log.warning(
                "%s: %s; retrying in %.1f s (attempt %d of %d)",
                what,
                problem,
                delay,
                number + 1,
                tries,
            )
    raise ArxivUnavailableError(
        f"{what} failed {tries} times; last: {problem}", retry_in=limiter.wait_time or None
    )
