"""How sending to Discord is retried: a deadline per call, backoff, and when to give up.

The numbers come from settings (DISCORD_SEND_TIMEOUT_SECONDS, DELIVERY_RETRY_SECONDS,
DELIVERY_MAX_FAILURES); docs/behaviour.md ("Retries") says why they are what they are.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Awaitable
from typing import TypeVar

from bot.config import Settings
from bot.delivery.sender import SendError
from bot.outcomes import SendProblem

T = TypeVar("T")

#: The longest wait between two tries, whatever DELIVERY_RETRY_SECONDS says: a target that
#: keeps failing is still tried a few times a day until it is given up.
MAX_DELAY = dt.timedelta(hours=6)


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """The deadline of one call to Discord, the first backoff, and the failures to give up at."""

    send_timeout: float = 60.0
    first_delay: float = 60.0
    max_failures: int = 8

    @classmethod
    def of(cls, settings: Settings) -> RetryPolicy:
        """Return the policy the settings ask for."""
        return cls(
            send_timeout=settings.discord_send_timeout_seconds,
            first_delay=settings.delivery_retry_seconds,
            max_failures=settings.delivery_max_failures,
        )

    def delay(self, failures: int) -> dt.timedelta:
        """Return how long to wait after the `failures`-th failure in a row: doubling."""
        seconds = self.first_delay * 2 ** min(max(failures - 1, 0), 30)
        return min(dt.timedelta(seconds=seconds), MAX_DELAY)

    def gives_up_at(self, failures: int) -> bool:
        """Say whether this many failures in a row is the last one tried."""
        return failures >= self.max_failures

    async def within(self, call: Awaitable[T]) -> T:
        """Await one call to Discord within its deadline; no answer in time is a SendError."""
        try:
            async with asyncio.timeout(self.send_timeout):
                return await call
        except TimeoutError:
            raise SendError(
                SendProblem.NO_ANSWER, f"Discord did not answer within {self.send_timeout:g} s"
            ) from None
