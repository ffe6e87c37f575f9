"""How sending to Discord is retried: a deadline per call, backoff, and when to give up.

The numbers come from settings (DISCORD_SEND_TIMEOUT_SECONDS, DELIVERY_RETRY_SECONDS,
DELIVERY_MAX_FAILURES); docs/behaviour.md ("Retries") says why they are what they are.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.config import Settings

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
