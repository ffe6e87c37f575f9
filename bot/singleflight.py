"""One piece of work per key at a time, its result shared by everyone who asks meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Hashable
from functools import partial
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SingleFlight(Generic[K, V]):
    """Run `work` once for concurrent callers of the same key (e.g. one Claude call per paper).

    The work runs as its own task, shielded from its callers: one caller giving up (a
    cancelled command) does not cancel what the others are waiting for.
    """

    def __init__(self) -> None:
        self._tasks: dict[K, asyncio.Task[V]] = {}

    async def run(self, key: K, work: Callable[[], Coroutine[Any, Any, V]], *, name: str) -> V:
        """Return the result of the work in flight for `key`, starting `work()` if none is."""
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.create_task(work(), name=name)
            self._tasks[key] = task
            task.add_done_callback(partial(self._forget, key))
        return await asyncio.shield(task)

    def in_flight(self) -> int:
        """Return how many keys have work running."""
        return len(self._tasks)

    async def aclose(self) -> None:
        """Cancel the work still running (at shutdown) and wait for it to end."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _forget(self, key: K, task: asyncio.Task[V]) -> None:
        """Drop finished work; mark its exception as seen (its callers got it)."""
        if self._tasks.get(key) is task:
            del self._tasks[key]
        if not task.cancelled():
            task.exception()
