"""`GET /healthz` and `GET /metrics` while the bot runs, on HEALTH_PORT (README, "Operating").

`Liveness` holds what health is judged by: whether the gateway connection to Discord is up,
and when the poll job last finished. The bot is healthy while Discord is connected and the
last poll ended no longer ago than two poll intervals (counted from start-up before the
first). A poll that failed because arXiv did not answer still counts as a poll: the job
runs, and restarting the bot would not bring arXiv back; its result is in `/metrics` and
`/status`. The server is a resource of `run`: opened before the bot logs in, closed after it
has stopped.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.errors import DigestBotError
from bot.metrics import CONTENT_TYPE, Metrics
from bot.store.db import Database
from bot.timeutil import utc_now

log = logging.getLogger(__name__)

#: A poll may be this many intervals old before the bot counts as unhealthy.
POLL_INTERVALS_ALLOWED = 2


@dataclass(frozen=True, slots=True)
class Health:
    """The verdict of `/healthz` and the JSON body that says why."""

    healthy: bool
    body: dict[str, Any] = field(default_factory=dict)


class Liveness:
    """Whether Discord is connected, and when the poll job last finished."""

    def __init__(
        self,
        poll_interval_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._interval = poll_interval_seconds
        self._clock = clock
        self._wall = wall
        self._started = clock()
        self._connected = False
        self._changed = self._started  # when `_connected` last changed
        self._last_poll: float | None = None
        self._last_poll_at: dt.datetime | None = None

    @property
    def connected(self) -> bool:
        """Return whether the gateway connection is up."""
        return self._connected

    def discord_connected(self) -> None:
        """Record that the gateway connection is up (READY or RESUMED)."""
        if not self._connected:
            self._connected, self._changed = True, self._clock()

    def discord_lost(self) -> None:
        """Record that the gateway connection dropped."""
        if self._connected:
            self._connected, self._changed = False, self._clock()

    def poll_finished(self) -> None:
        """Record that a run of the poll job ended (whatever it found)."""
        self._last_poll, self._last_poll_at = self._clock(), self._wall()

    def assess(self) -> Health:
        """Return whether the bot is healthy, and a body saying what was judged."""
        now = self._clock()
        problems: list[str] = []
        state_for = round(now - self._changed, 1)
        if not self._connected:
            problems.append(f"Discord is not connected (for {state_for:g} s)")
        limit = POLL_INTERVALS_ALLOWED * self._interval
        age = now - (self._last_poll if self._last_poll is not None else self._started)
        if age > limit:
            if self._last_poll is None:
                problems.append(f"no poll has finished in the {age:.0f} s since start-up")
            else:
                problems.append(f"the last poll finished {age:.0f} s ago")
        body = {
            "status": "unhealthy" if problems else "ok",
            "problems": problems,
            "discord": {"connected": self._connected, "for_seconds": state_for},
            "poll": {
                "last_finished": None
                if self._last_poll_at is None
                else self._last_poll_at.isoformat(timespec="seconds"),
                "age_seconds": round(age, 1),
                "interval_seconds": self._interval,
                "limit_seconds": limit,
            },
        }
        return Health(healthy=not problems, body=body)


@asynccontextmanager
async def serve_health(
    settings: Settings, liveness: Liveness, metrics: Metrics, db: Database
) -> AsyncIterator[str | None]:
    """Serve `/healthz` and `/metrics` on HEALTH_HOST:HEALTH_PORT; yield the base URL.

    Yield None without HEALTH_PORT. Raise DigestBotError when the port cannot be had.
    """
    port = settings.health_port
    if port is None:
        yield None
        return

    async def healthz(request: web.Request) -> web.Response:
        health = liveness.assess()
        return web.json_response(
            health.body,
            status=200 if health.healthy else 503,
            headers={"Cache-Control": "no-store"},
        )

    async def metrics_page(request: web.Request) -> web.Response:
        body = await metrics.render(db)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    host = settings.health_host
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        reason = exc.strerror or str(exc)
        raise DigestBotError(
            f"cannot serve /healthz on {host}:{port} (HEALTH_HOST, HEALTH_PORT): {reason}"
        ) from None
    url = f"http://{host}:{port}" if ":" not in host else f"http://[{host}]:{port}"
    log.info("health at %s/healthz, metrics at %s/metrics", url, url)
    try:
        yield url
    finally:
        await runner.cleanup()
