"""Pytest fixtures for the fake Discord; load with `pytest_plugins` or import into a conftest."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.fakes.discord_server.server import FakeDiscord
from tests.fakes.discord_server.state import FakeGuild


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """Yield a started fake with one guild, with discord.py pointed at it for the test."""
    async with FakeDiscord() as fake:
        fake.add_guild("arXiv lab")
        with fake.patch_discord_py():
            yield fake


@pytest.fixture
def discord_guild(fake_discord: FakeDiscord) -> FakeGuild:
    """Return the fake's guild: channels "general" (the system channel) and "papers"."""
    return next(iter(fake_discord.world.guilds.values()))


@pytest.fixture
def no_leaked_resources(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test that leaves unclosed sessions or destroyed pending tasks behind.

    asyncio reports both through its logger (from `__del__` and the loop's exception
    handler), not as warnings, so they would otherwise pass unnoticed.
    """
    caplog.set_level(logging.ERROR, logger="asyncio")
    yield
    gc.collect()
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    leaks = [record.getMessage() for record in records if record.name == "asyncio"]
    assert leaks == []
