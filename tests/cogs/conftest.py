"""A running DigestBot, end to end: real discord.py against the fake Discord, real services.

The bot is built the way `run_bot` builds it: `open_services(Settings(...))` (a real SQLite
file, the real `arxiv` package against the fake arXiv, the real Anthropic SDK against the
fake Anthropic) and `point_discord_at(settings)` with the fake Discord's URLs. Tests run
slash commands as a user would and read what the user sees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_services
from bot.client import DigestBot, point_discord_at
from bot.store.db import Database
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv, make_papers
from tests.fakes.discord_server import (
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeInteraction,
    FakeUser,
    StoredMessage,
    connected,
)
from tests.fakes.discord_server.fixtures import discord_guild, fake_discord, no_leaked_resources
from tests.fakes.discord_server.state import USE_APPLICATION_COMMANDS, VIEW_CHANNEL
from tests.fakes.settings import settings_for_fakes

__all__ = ["discord_guild", "fake_discord", "no_leaked_resources"]

#: Generous for a loaded CI machine; a missing answer still fails in seconds, not minutes.
WAIT = 10.0


@dataclass
class Harness:
    """The bot under test and the fakes around it, with shortcuts for what tests do."""

    bot: DigestBot
    discord: FakeDiscord
    arxiv: FakeArxiv
    anthropic: FakeAnthropic
    guild: FakeGuild
    #: A second server where the bot may see but not post (View Channel only).
    read_only_guild: FakeGuild

    @property
    def db(self) -> Database:
        """Return the bot's database."""
        return self.bot.services.db

    @property
    def papers(self) -> FakeChannel:
        """Return the "papers" channel of the main server."""
        return self.guild.channel("papers")

    async def slash(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: FakeUser | None = None,
        channel: FakeChannel | None = None,
        guild: FakeGuild | None = None,
    ) -> FakeInteraction:
        """Run a slash command in the main server (as its owner unless `user` is given)."""
        return await self.discord.run_slash(
            name,
            options,
            user=user,
            guild=guild or (None if channel else self.guild),
            channel=channel,
        )

    async def reply(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: FakeUser | None = None,
        channel: FakeChannel | None = None,
        guild: FakeGuild | None = None,
    ) -> StoredMessage:
        """Run a slash command and return the reply its user sees."""
        handle = await self.slash(name, options, user=user, channel=channel, guild=guild)
        return await handle.wait_reply(WAIT)

    async def choices(
        self, name: str, options: Mapping[str, Any], focused: str, *, user: FakeUser | None = None
    ) -> list[dict[str, Any]]:
        """Return the autocomplete choices offered while typing option `focused`."""
        handle = await self.discord.run_autocomplete(
            name, options, focused=focused, user=user, guild=self.guild
        )
        return await handle.wait_choices(WAIT)


def far_time() -> str:
    """Return an HH:MM (UTC) 12 hours from now: the digest's own job will not run in a test."""
    return f"{dt.datetime.now(dt.UTC) + dt.timedelta(hours=12):%H:%M}"


async def announce(harness: Harness, count: int, category: str = "cs.AI") -> None:
    """Put `count` new papers in the fake feed and let the bot's poller record them."""
    papers = make_papers(count, categories=(category,))
    harness.arxiv.add_feed_papers(papers)
    harness.arxiv.add_api_papers(papers)
    await harness.bot.services.poller.poll((category,))


async def set_timed_digest(harness: Harness, **options: Any) -> None:
    """Create a digest of cs.AI in #papers that posts only when asked."""
    reply = await harness.reply(
        "digest set",
        {"channel": harness.papers, "categories": "cs.AI", "time": far_time(), **options},
    )
    assert reply.content.startswith("Digest created"), reply.content


@pytest.fixture
async def harness(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    fake_discord: FakeDiscord,
    discord_guild: FakeGuild,
    fake_arxiv: FakeArxiv,
) -> AsyncIterator[Harness]:
    """Start the bot on the fakes, ready and with its commands synced; stop it after.

    A test marked `@pytest.mark.bot_settings(name=value, ...)` starts the bot with those
    settings too.
    """
    marker = request.node.get_closest_marker("bot_settings")
    values = marker.kwargs if marker is not None else {}
    view_only = VIEW_CHANNEL | USE_APPLICATION_COMMANDS
    read_only = fake_discord.add_guild(
        "read-only lab", bot_permissions=view_only, everyone_permissions=view_only
    )
    async with FakeAnthropic.running() as anthropic:
        settings = settings_for_fakes(
            tmp_path,
            fake_arxiv,
            discord=fake_discord,
            anthropic=anthropic,
            **{"anthropic_timeout_seconds": WAIT, **values},
        )
        point_discord_at(settings)  # restored by the fake_discord fixture
        async with open_services(settings) as services:
            bot = DigestBot(services, guild_ready_timeout=0.05)
            async with connected(bot, fake_discord, timeout=WAIT):
                yield Harness(bot, fake_discord, fake_arxiv, anthropic, discord_guild, read_only)
