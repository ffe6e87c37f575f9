"""Let tests wait for what the fake records, without sleeping.

The waits take a `timeout` on purpose (hence `noqa: ASYNC109` on them): a missing event fails
in seconds with a message naming what was awaited, not at pytest-timeout's two minutes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Notifier:
    """Wake waiters whenever the fake's state changes; each waiter rechecks its predicate."""

    def __init__(self) -> None:
        self._changed = asyncio.Condition()

    async def notify(self) -> None:
        """Tell every waiter that something changed."""
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        *,
        timeout: float,  # noqa: ASYNC109
        what: str,
    ) -> T:
        """Return the predicate's first truthy result; raise TimeoutError naming `what`."""
        try:
            async with asyncio.timeout(timeout), self._changed:
                result = await self._changed.wait_for(predicate)
        except TimeoutError:
            raise TimeoutError(f"fake Discord: waited {timeout} s for {what}") from None
        assert result is not None  # Condition.wait_for returns only a truthy result.
        return result
