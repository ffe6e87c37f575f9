"""Run the real bot (DigestBot, real discord.py) against the fake Discord and fake arXiv."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.app import open_services
from bot.client import DigestBot
from bot.config import Settings
from bot.models import AnnounceType, Author, Paper
from bot.store import targets
from bot.store.db import Database
from bot.timeutil import utc_now
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord, connected
from tests.fakes.settings import settings_for_fakes

DAY = dt.date(2026, 4, 28)


def make_settings(tmp_path: Path, arxiv: FakeArxiv, **overrides: Any) -> Settings:
    """Return settings pointing at the fake arXiv, with a database in `tmp_path`.

    For `running_bot`, which connects discord.py to the fake Discord itself.
    """
    return settings_for_fakes(
        tmp_path,
        arxiv,
        **{
            "poll_interval_seconds": 3600,  # tests drive polls themselves
            "default_categories": ("cs.CL",),
            **overrides,
        },
    )


@asynccontextmanager
async def running_bot(
    settings: Settings,
    discord_fake: FakeDiscord,
    *,
    now: Callable[[], dt.datetime] = utc_now,
) -> AsyncIterator[DigestBot]:
    """Start the bot on the fakes; yield it once READY; close everything after.

    `now` is the clock delivery decides by (when a post is due, when a retry may come).
    """
    async with open_services(settings) as services:
        bot = DigestBot(services, guild_ready_timeout=0.05, now=now)
        async with connected(bot, discord_fake):
            yield bot


class SteppedClock:
    """A clock that stands still until a test moves it on."""

    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock `seconds` on."""
        self.now += dt.timedelta(seconds=seconds)


async def add_digest(
    db: Database,
    guild_id: int,
    channel_id: int,
    *,
    keywords: str = "llm",
    time: dt.time | None = None,
    categories: Sequence[str] = ("cs.CL",),
    max_papers: int = 10,
) -> None:
    """Store a channel's digest as `/digest set` leaves it (without its first post)."""
    await targets.upsert_digest(
        db,
        guild_id=guild_id,
        channel_id=channel_id,
        categories=categories,
        keywords=keywords,
        time=time,
        max_papers=max_papers,
    )


def paper(
    number: int,
    title: str,
    abstract: str = "We study things.",
    categories: Sequence[str] = ("cs.CL",),
    announce_type: AnnounceType = AnnounceType.NEW,
) -> Paper:
    """Return one announced paper of DAY."""
    return Paper(
        base_id=f"2604.{number:05d}",
        version=1,
        title=title,
        abstract=abstract,
        authors=(Author("Ada Lovelace"), Author("Grace Hopper")),
        categories=tuple(categories),
        announce_type=announce_type,
        announced=DAY,
    )
