"""Network faults a test scripts on the fake's REST routes: hangs, resets, lost answers, holds.

What a real Discord (or the network in between) does now and then, and discord.py cannot
tell apart from its side:

- `HANG`: the request is read and never answered (until the fake stops); nothing happens.
- `RESET`: the connection is reset (TCP RST) before the request is handled; nothing happens.
- `LOSE_ANSWER`: the request is handled (a message is created) and the connection then
  drops before the answer: "sent, but the answer was lost".
- `ACT_THEN_HANG`: the request is handled (a thread is opened) and its answer never comes
  (until the fake stops): the bot is stopped while it waits, as by a crash.

A path is the exact path below /api/v10, or a compiled regular expression matching all of it
(for ids the test does not know in advance).
- a `Hold`: the request waits until the test releases it, then is handled as usual; while
  it waits the test can change the world (fill a disk, say).
"""

from __future__ import annotations

import asyncio
import enum
import re
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web


class Fault(enum.Enum):
    """What happens to a request instead of a normal answer."""

    HANG = "hang"
    RESET = "reset"
    LOSE_ANSWER = "lose-answer"
    ACT_THEN_HANG = "act-then-hang"


#: The path of a scripted fault: exact, or a pattern matching the whole path.
Path = str | re.Pattern[str]


@dataclass
class Hold:
    """One request held until `release()`; `arrived` is set when it comes in."""

    method: str
    path: str
    #: Requests to let through before the one held.
    skip: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        """Let the request through, to be handled as usual."""
        self.released.set()

    async def wait_arrived(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until the request is held; raise TimeoutError naming it otherwise."""
        try:
            async with asyncio.timeout(timeout):
                await self.arrived.wait()
        except TimeoutError:
            raise TimeoutError(f"fake Discord: no {self.method} {self.path} to hold") from None


@dataclass
class _Scripted:
    method: str
    path: Path
    fault: Fault
    times: int


class Faults:
    """The faults scripted for the next requests, applied by the REST middleware."""

    def __init__(self) -> None:
        self._scripted: list[_Scripted] = []
        self._holds: list[Hold] = []
        self._stopping = asyncio.Event()

    def script(self, method: str, path: Path, fault: Fault, times: int) -> None:
        """Apply `fault` to the next `times` requests to `method path`."""
        self._scripted.append(_Scripted(method, path, fault, times))

    def hold(self, method: str, path: str, *, skip: int = 0) -> Hold:
        """Hold a request to `method path` (after `skip` others) until it is released."""
        held = Hold(method, path, skip)
        self._holds.append(held)
        return held

    def stop(self) -> None:
        """End every hang and hold, so the server can shut down."""
        self._stopping.set()

    async def apply(
        self, request: web.Request, path: str, answer: Callable[[], Awaitable[web.StreamResponse]]
    ) -> tuple[web.StreamResponse, bool] | None:
        """Apply a fault scripted for this request, if any.

        Return None when there is none, else the response (never seen by the client when the
        connection was dropped) and whether the request was handled.
        """
        held = next((h for h in self._holds if (h.method, h.path) == (request.method, path)), None)
        if held is not None and held.skip > 0:
            held.skip -= 1
        elif held is not None:
            self._holds.remove(held)
            held.arrived.set()
            await _first(held.released.wait(), self._stopping.wait())
            if not held.released.is_set():  # the fake stops: never answered
                _drop(request, reset=False)
                return web.Response(status=204), False
            return await answer(), True
        fault = self._take(request.method, path)
        if fault is None:
            return None
        if fault is Fault.LOSE_ANSWER:
            response = await answer()
            _drop(request, reset=False)
            return response, True
        if fault is Fault.ACT_THEN_HANG:
            response = await answer()
            await self._stopping.wait()
            _drop(request, reset=False)
            return response, True
        if fault is Fault.HANG:
            await self._stopping.wait()
        _drop(request, reset=fault is Fault.RESET)
        return web.Response(status=204), False

    def _take(self, method: str, path: str) -> Fault | None:
        for scripted in self._scripted:
            wanted = scripted.path
            matches = wanted.fullmatch(path) if isinstance(wanted, re.Pattern) else wanted == path
            if scripted.method == method and matches and scripted.times > 0:
                scripted.times -= 1
                return scripted.fault
        return None


def _drop(request: web.Request, *, reset: bool) -> None:
    """Close the request's connection at once; with `reset`, as a TCP RST."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if reset and sock is not None:
        # A zero linger time makes close() send RST: the client reads ECONNRESET.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


async def _first(*waits: Awaitable[object]) -> None:
    """Wait until the first of `waits` is done; cancel the others."""
    tasks = [asyncio.ensure_future(wait) for wait in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
