"""`/healthz` and `/metrics`: the verdict and its reasons, and the server that answers them."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.errors import DigestBotError
from bot.health import Liveness, serve_health
from bot.metrics import Metrics
from bot.store.db import Database
from tests.e2e.bot_process import free_port

INTERVAL = 600


class Clock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_healthy_while_connected_and_polling_on_time() -> None:
    clock = Clock()
    liveness = Liveness(INTERVAL, clock=clock)
    assert liveness.assess().body["problems"] == ["Discord is not connected (for 0 s)"]
    liveness.discord_connected()
    clock.now += 2 * INTERVAL  # no poll yet, but only two intervals since start-up
    health = liveness.assess()
    assert health.healthy
    assert health.body["status"] == "ok"
    assert health.body["poll"]["last_finished"] is None


def test_a_poll_older_than_two_intervals_is_unhealthy() -> None:
    clock = Clock()
    liveness = Liveness(INTERVAL, clock=clock)
    liveness.discord_connected()
    clock.now += 2 * INTERVAL + 1
    assert liveness.assess().body["problems"] == [
        "no poll has finished in the 1201 s since start-up"
    ]
    liveness.poll_finished()
    clock.now += 2 * INTERVAL
    assert liveness.assess().healthy
    clock.now += 60
    health = liveness.assess()
    assert not health.healthy
    assert health.body["problems"] == ["the last poll finished 1260 s ago"]
    assert health.body["poll"]["limit_seconds"] == 2 * INTERVAL


def test_a_dropped_connection_says_for_how_long() -> None:
    clock = Clock()
    liveness = Liveness(INTERVAL, clock=clock)
    liveness.discord_connected()
    liveness.poll_finished()
    clock.now += 5
    liveness.discord_lost()
    clock.now += 42
    health = liveness.assess()
    assert not health.healthy
    assert health.body["problems"] == ["Discord is not connected (for 42 s)"]
    assert health.body["discord"] == {"connected": False, "for_seconds": 42}


async def test_the_server_answers_healthz_and_metrics(db: Database) -> None:
    port = free_port()
    liveness = Liveness(INTERVAL)
    async with (
        serve_health(settings(health_port=port), liveness, Metrics(), db) as url,
        httpx.AsyncClient() as client,
    ):
        assert url == f"http://127.0.0.1:{port}"
        before = await client.get(f"{url}/healthz")
        liveness.discord_connected()
        after = await client.get(f"{url}/healthz")
        metrics = await client.get(f"{url}/metrics")
    assert (before.status_code, before.json()["status"]) == (503, "unhealthy")
    assert (after.status_code, after.json()["status"]) == (200, "ok")
    assert metrics.headers["Content-Type"].startswith("text/plain")
    assert "arxiv_digest_polls_total" in metrics.text
    async with httpx.AsyncClient() as client:
        with pytest.raises(httpx.ConnectError):  # closed with its block
            await client.get(f"{url}/healthz")


async def test_without_health_port_nothing_listens(db: Database) -> None:
    async with serve_health(settings(), Liveness(INTERVAL), Metrics(), db) as url:
        assert url is None


async def test_a_taken_port_is_one_line_naming_the_settings(db: Database) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(DigestBotError) as refused:
            async with serve_health(settings(health_port=port), Liveness(INTERVAL), Metrics(), db):
                pass
    assert str(refused.value).startswith(
        f"cannot serve /healthz on 127.0.0.1:{port} (HEALTH_HOST, HEALTH_PORT): "
    )


ROOT = Path(__file__).resolve().parents[2]


def image_healthcheck() -> tuple[list[str], str]:
    """Return the Dockerfile's HEALTHCHECK command and the HEALTH_PORT its ENV sets."""
    dockerfile = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    [command] = re.findall(r"^HEALTHCHECK .*? CMD +(\[.*\])$", dockerfile, re.MULTILINE)
    [port] = re.findall(r"^ENV .*\bHEALTH_PORT=(\d+)", dockerfile, re.MULTILINE)
    argv: list[str] = json.loads(command)
    return argv, port


async def test_the_images_healthcheck_fails_while_healthz_says_503(db: Database) -> None:
    # No container engine runs here: the image's HEALTHCHECK command itself is run against
    # the server, as Docker would run it inside the container.
    argv, image_port = image_healthcheck()
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    assert f'HEALTH_PORT: "{image_port}"' in compose  # an empty HEALTH_PORT in .env is overruled
    assert argv[0] == "python"
    port = free_port()
    liveness = Liveness(INTERVAL)

    async def healthcheck(env: dict[str, str]) -> int:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *argv[1:], env=env, stderr=asyncio.subprocess.DEVNULL
        )
        return await asyncio.wait_for(process.wait(), timeout=30)

    async with serve_health(settings(health_port=port), liveness, Metrics(), db):
        unhealthy = await healthcheck({"HEALTH_PORT": str(port)})
        liveness.discord_connected()
        healthy = await healthcheck({"HEALTH_PORT": str(port)})
    gone = await healthcheck({"HEALTH_PORT": str(port)})
    assert (unhealthy, healthy, gone) == (1, 0, 1)
