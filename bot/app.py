"""Open every long-lived resource once and wire the services that share them.

`open_services()` is the one place that knows how the pieces fit: the CLI commands and the
Discord bot both enter it from `main()` and pass the resulting `Services` down.
`open_arxiv()` opens the arXiv side alone (feed and API behind one limiter), for `check`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from bot.arxiv.api import ArxivApi
from bot.arxiv.feed import FeedClient
from bot.arxiv.limiter import RateLimiter
from bot.backfill import Backfill
from bot.config import Settings
from bot.deep_dive import DeepDiver, load_deep_dive_prompts
from bot.digest.papers import PaperWork, Progress, no_progress
from bot.digest.planner import Planner
from bot.feedback import Feedback
from bot.metrics import CountingClaude, Metrics
from bot.poller import Poller
from bot.saved import SavedPapers
from bot.store.db import Database, open_database
from bot.summarize.claude import open_sdk_client
from bot.summarize.prompts import load_prompts
from bot.summarize.service import Summarizer
from bot.timeutil import utc_now


@dataclasses.dataclass(frozen=True, slots=True)
class Services:
    """The process's services, built once on shared resources.

    `now` is the one clock they all read (a test drives it; see tests/e2e/test_month.py).
    """

    settings: Settings
    db: Database
    api: ArxivApi
    poller: Poller
    summarizer: Summarizer
    papers: PaperWork
    planner: Planner
    #: The process's one metrics registry (`GET /metrics` while the bot runs).
    metrics: Metrics
    feedback: Feedback
    saved: SavedPapers
    deep_diver: DeepDiver
    backfill: Backfill
    now: Callable[[], dt.datetime] = utc_now


@dataclasses.dataclass(frozen=True, slots=True)
class ArxivClients:
    """The announcement feed and the query API, sharing one limiter."""

    feed: FeedClient
    api: ArxivApi


@asynccontextmanager
async def open_arxiv(
    settings: Settings,
    *,
    timeout: float | None = None,  # noqa: ASYNC109  (each request's own deadline, passed on)
    max_attempts: int | None = None,
    now: Callable[[], dt.datetime] = utc_now,
) -> AsyncIterator[ArxivClients]:
    """Open the feed and API clients behind one limiter; close them on exit.

    `timeout` (the whole of one request) defaults to ARXIV_TIMEOUT_SECONDS; `max_attempts`
    to the clients' own retries. `check` asks for less of both. `now` is the API's clock.
    """
    # One limiter for feed and API: arXiv counts every request from this process.
    limiter = RateLimiter(settings.arxiv_request_interval_seconds)
    timeout = timeout or settings.arxiv_timeout_seconds  # see FeedClient
    max_bytes = settings.arxiv_max_response_mb * 1_000_000
    # Each client's own default unless asked for (the feed retries more than the API).
    attempts: dict[str, Any] = {} if max_attempts is None else {"max_attempts": max_attempts}
    async with httpx.AsyncClient(timeout=timeout) as http:
        api = ArxivApi(
            limiter,
            api_url=settings.arxiv_api_url,
            user_agent=settings.user_agent,
            timeout=timeout,
            max_bytes=max_bytes,
            **attempts,
            now=now,
        )
        try:
            feed = FeedClient(
                http,
                limiter,
                settings.arxiv_feed_url,
                user_agent=settings.user_agent,
                timeout=timeout,
                max_bytes=max_bytes,
                # A pause arXiv asks for that outlasts the next poll skips this one, rather
                # than holding the shared limiter until then.
                max_wait=min(600.0, settings.poll_interval_seconds),
                **attempts,
            )
            yield ArxivClients(feed=feed, api=api)
        finally:
            api.close()


@asynccontextmanager
async def open_services(
    settings: Settings,
    *,
    progress: Progress = no_progress,
    now: Callable[[], dt.datetime] = utc_now,
) -> AsyncIterator[Services]:
    """Open the database, HTTP clients and Claude client; close them all on exit.

    `now` is the clock every service reads (the time of day, the calendar, budgets).
    """
    # A broken prompt file fails before any I/O.
    prompts = load_prompts(settings.prompts_dir)
    deep_dive_prompts = load_deep_dive_prompts(settings.prompts_dir)
    metrics = Metrics()
    async with (
        open_database(settings.database) as db,
        open_arxiv(settings, now=now) as arxiv,
        open_sdk_client(settings) as sdk,
    ):
        claude = None
        if sdk is not None:
            model = settings.anthropic_model
            claude = CountingClaude(sdk, model=model, settings=settings, metrics=metrics)
        summarizer = Summarizer(db, claude, settings, prompts=prompts, clock=now)
        deep_diver = DeepDiver(db, claude, settings, prompts=deep_dive_prompts)
        papers = PaperWork(db, arxiv.api, summarizer, progress=progress)
        feedback = Feedback(db)
        try:
            yield Services(
                settings=settings,
                db=db,
                api=arxiv.api,
                poller=Poller(db, arxiv.feed, clock=now),
                summarizer=summarizer,
                papers=papers,
                planner=Planner(db, papers, settings, ranking=feedback, clock=now),
                metrics=metrics,
                feedback=feedback,
                saved=SavedPapers(db),
                deep_diver=deep_diver,
                backfill=Backfill(db, arxiv.api, clock=now),
                now=now,
            )
        finally:
            await deep_diver.aclose()
            await summarizer.aclose()
