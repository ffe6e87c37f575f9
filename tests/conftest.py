"""Shared pytest fixtures, and the isolation of the whole session from the developer's settings.

The fake arXiv (tests/fakes/arxiv_server.py) runs on 127.0.0.1 for one test at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.arxiv_server import FakeArxiv
from tests.isolation import isolate_from_developer_settings, remove_folder

# The fake Discord's fixtures (fake_discord, discord_guild, ...) for every test directory.
pytest_plugins = ["tests.fakes.discord_server.fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    """Ignore the developer's `.env` and environment for the whole session (tests/isolation.py)."""
    folder = isolate_from_developer_settings()
    config.add_cleanup(lambda: remove_folder(folder))


@pytest.fixture
async def fake_arxiv() -> AsyncIterator[FakeArxiv]:
    """Start a fake arXiv (announcement feed and query API) and stop it after the test."""
    async with FakeArxiv() as server:
        yield server
