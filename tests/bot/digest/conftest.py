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
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.settings import settings_for_fakes


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
    settings = settings_for_fakes(
        tmp_path, fake_arxiv, anthropic=fake_anthropic, **settings_overrides
    )
    async with open_services(settings) as opened:
        yield opened
