"""Settings that point the bot's clients at the loopback fakes (no `.env` is read)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import Settings
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord


def settings_for_fakes(
    tmp_path: Path,
    arxiv: FakeArxiv,
    *,
    anthropic: FakeAnthropic | None = None,
    discord: FakeDiscord | None = None,
    **values: Any,
) -> Settings:
    """Return Settings for the fakes given, with `bot.sqlite3` in `tmp_path`, plus `values`.

    arXiv is asked without the 3-second spacing, and Anthropic without retries. Without
    `anthropic` no API key is set (items show abstracts); without `discord` the settings name
    no Discord, for a bot that `connected()` (tests/fakes/discord_server) joins to the fake.
    """
    fakes: dict[str, Any] = {
        "database_path": tmp_path / "bot.sqlite3",
        "arxiv_feed_url": arxiv.feed_url,
        "arxiv_api_url": arxiv.api_url,
        "arxiv_request_interval_seconds": 0,
    }
    if anthropic is not None:
        fakes |= {
            "anthropic_api_key": "test-key",
            "anthropic_base_url": anthropic.base_url,
            "anthropic_max_retries": 0,
        }
    if discord is not None:
        fakes |= {
            "discord_token": discord.token,
            "discord_api_base_url": discord.api_base,
            "discord_gateway_url": discord.gateway_url,
        }
    return Settings(_env_file=None, **(fakes | values))  # type: ignore[call-arg]
