"""Shared pytest fixtures, and the isolation of the whole session from the developer's settings.

The fake arXiv (tests/fakes/arxiv_server.py) and the fake Anthropic API
(tests/fakes/anthropic_server.py) run on 127.0.0.1 for one test at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv
from tests.isolation import empty_working_folder, remove_developer_variables

# The fake Discord's fixtures (fake_discord, discord_guild, ...) for every test directory.
pytest_plugins = ["tests.fakes.discord_server.fixtures", "tests.postgres"]


def pytest_configure(config: pytest.Config) -> None:
    """Ignore the developer's environment for the whole session (tests/isolation.py)."""
    remove_developer_variables()


@pytest.fixture(scope="session", autouse=True)
def _no_developer_env_file() -> Iterator[None]:
    """Run every test in an empty folder, where no `.env` of the developer's is found."""
    with empty_working_folder():
        yield


@pytest.fixture
async def fake_arxiv() -> AsyncIterator[FakeArxiv]:
    """Start a fake arXiv (announcement feed and query API) and stop it after the test."""
    async with FakeArxiv() as server:
        yield server


@pytest.fixture
async def fake_anthropic() -> AsyncIterator[FakeAnthropic]:
    """Start the fake Anthropic API on 127.0.0.1 and stop it after the test."""
    async with FakeAnthropic.running() as fake:
        yield fake
