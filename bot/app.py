"""Open every long-lived resource once and wire the services that share them.

`open_services()` is the one place that knows how the pieces fit: the CLI commands and the
Discord bot both enter it from `main()` and pass the resulting `Services` down.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot.arxiv.api import ArxivApi
from bot.arxiv.feed import FeedClient
from bot.arxiv.limiter import RateLimiter
from bot.config import Settings
from bot.digest.papers import PaperWork, Progress, no_progress
from bot.digest.planner import Planner
from bot.poller import Poller
from bot.store.db import Database, open_database
from bot.summarize.claude import ClaudeClient, open_sdk_client
from bot.summarize.prompts import load_prompts
from bot.summarize.service import Summarizer


@dataclasses.dataclass(frozen=True, slots=True)
class Services:
    """The process's services, built once on shared resources."""

    settings: Settings
    db: Database
    api: ArxivApi
    poller: Poller
    summarizer: Summarizer
    papers: PaperWork
    planner: Planner


@asynccontextmanager
async def open_services(
    settings: Settings, *, progress: Progress = no_progress
) -> AsyncIterator[Services]:
    """Open the database, HTTP clients and Claude client; close them all on exit."""
    prompts = load_prompts(settings.prompts_dir)  # a broken prompt file fails before any I/O
    # One limiter for feed and API: arXiv counts every request from this process.
    limiter = RateLimiter(settings.arxiv_request_interval_seconds)
    timeout = settings.arxiv_timeout_seconds  # the whole of one request (see FeedClient)
    max_bytes = settings.arxiv_max_response_mb * 1_000_000
    async with (
        open_database(settings.database_path) as db,
        httpx.AsyncClient(timeout=timeout) as http,
        open_sdk_client(settings) as sdk,
    ):
        api = ArxivApi(
            limiter,
            api_url=settings.arxiv_api_url,
            user_agent=settings.user_agent,
            timeout=timeout,
            max_bytes=max_bytes,
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
            )
            claude = None if sdk is None else ClaudeClient(sdk, model=settings.anthropic_model)
            summarizer = Summarizer(db, claude, settings, prompts=prompts)
            papers = PaperWork(db, api, summarizer, progress=progress)
            try:
                yield Services(
                    settings=settings,
                    db=db,
                    api=api,
                    poller=Poller(db, feed),
                    summarizer=summarizer,
                    papers=papers,
                    planner=Planner(db, papers, settings),
                )
            finally:
                await summarizer.aclose()
        finally:
            api.close()
