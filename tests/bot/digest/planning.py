"""Helpers of the pass's tests: announce papers through the real poller, add digests for them.

The papers are `make_papers`' synthetic ones (tests/fakes/arxiv_server.py), announced in cs.AI
on DAY; paper N's abstract says "We study problem N", so `problem(N)` matches it alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from bot.app import Services
from bot.models import Paper
from bot.store import targets
from tests.fakes.arxiv_server import FakeArxiv

DAY = dt.date(2025, 8, 20)  # make_papers' announcement date
GUILD = 1


async def announce(services: Services, arxiv: FakeArxiv, papers: list[Paper]) -> None:
    """Put papers in the fake feed and API, and let the real poller record them."""
    arxiv.add_feed_papers(papers)
    arxiv.add_api_papers(papers)
    await services.poller.poll(["cs.AI"])


async def add_digest(
    services: Services,
    channel_id: int,
    keywords: str,
    *,
    guild_id: int = GUILD,
    categories: Sequence[str] = ("cs.AI",),
    **more: Any,
) -> None:
    """Give a channel of the server `guild_id` a digest of `categories` for `keywords`."""
    await targets.upsert_digest(
        services.db,
        guild_id=guild_id,
        channel_id=channel_id,
        categories=categories,
        keywords=keywords,
        **more,
    )


def problem(number: int) -> str:
    """Return a keyword matching make_papers' paper `number` only ("We study problem N")."""
    return f'"problem {number}"'


def problems(numbers: Iterable[int]) -> str:
    """Return keywords matching exactly make_papers' papers `numbers`."""
    return ", ".join(map(problem, numbers))
