"""Fixtures for the pass's tests: the real services against the fake arXiv and fake Anthropic.

`services` opens what the bot opens (`open_services`): the real `arxiv` package against the fake
arXiv, the real Anthropic SDK against the fake Anthropic, a real SQLite file. A test module sets
the further Settings fields it needs by overriding `settings_overrides`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import Services, open_services
from bot.config import Settings
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Return the Settings fields a test module changes; none unless the module overrides this."""
    return {}


@pytest.fixture
async def services(
    tmp_path: Path,
    fake_arxiv: FakeArxiv,
    fake_anthropic: FakeAnthropic,
    settings_overrides: dict[str, Any],
) -> AsyncIterator[Services]:
    """Open the real services against the fakes, with no waits between arXiv requests."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_path=tmp_path / "bot.sqlite3",
        arxiv_feed_url=fake_arxiv.feed_url,
        arxiv_api_url=fake_arxiv.api_url,
        arxiv_request_interval_seconds=0,
        anthropic_api_key="test-key",
        anthropic_base_url=fake_anthropic.base_url,
        anthropic_max_retries=0,
        **settings_overrides,
    )
    async with open_services(settings) as opened:
        yield opened
