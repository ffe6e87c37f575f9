"""Fixtures for the summarizer tests: the fake Anthropic API, a real SQLite file, builders.

Every summarizer here drives the real `AsyncAnthropic` client over loopback to the fake.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, Protocol

import pytest

from bot.config import Settings
from bot.models import Author, Paper
from bot.store.db import Database
from bot.summarize import ClaudeClient, PromptSet, Summarizer, load_prompts, open_sdk_client
from bot.summarize.prompts import packaged_prompts
from tests.fakes.anthropic_server import FakeAnthropic

# Timeouts of tests that expect an answer are generous (a loaded CI machine must not turn a
# valid answer into a timeout); the timeout test sets its own tiny one.
ANSWER_TIMEOUT = 10.0
NOON = dt.datetime(2026, 4, 28, 12, 0, tzinfo=dt.UTC)


class SummarizerFactory(Protocol):
    """Build a Summarizer against the fake; keyword arguments override Settings fields."""

    def __call__(
        self,
        *,
        api_key: bool = True,
        clock: Callable[[], dt.datetime] | None = None,
        prompt_set: PromptSet | None = None,
        **overrides: Any,
    ) -> Awaitable[Summarizer]: ...


class Clock:
    """A settable clock, so budget periods can be crossed without waiting."""

    def __init__(self, now: dt.datetime = NOON) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def make_settings(fake: FakeAnthropic, *, api_key: bool = True, **overrides: Any) -> Settings:
    """Return Settings pointing the SDK at the fake, with no retries unless asked."""
    values: dict[str, Any] = {
        "anthropic_api_key": "test-key" if api_key else None,
        "anthropic_base_url": fake.base_url,
        "anthropic_timeout_seconds": ANSWER_TIMEOUT,
        "anthropic_max_retries": 0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def packaged_prompt_folder() -> Path:
    """Return the packaged prompt folder as a path (the tests import `bot` from files)."""
    folder = packaged_prompts()
    assert isinstance(folder, Path)
    return folder


def make_paper(
    number: int = 1,
    *,
    version: int = 1,
    title: str | None = None,
    abstract: str | None = None,
    **fields: Any,
) -> Paper:
    """Return a plausible paper whose abstract states a few numbers."""
    return Paper(
        base_id=f"2604.{number:05d}",
        version=version,
        title=title or f"Sparse Attention Study {number}",
        abstract=abstract
        or (
            f"We study sparse attention on {number + 2} benchmarks. Our method reaches "
            f"{80 + number % 10}.5% accuracy with 1,000 training examples and runs 3x faster."
        ),
        authors=(Author("Ada Lovelace"), Author("Alan Turing")),
        categories=("cs.CL", "cs.LG"),
        **fields,
    )


@pytest.fixture(scope="session")
def prompts() -> PromptSet:
    """Load the packaged prompt files."""
    return load_prompts()


@pytest.fixture
async def build(
    fake_anthropic: FakeAnthropic, db: Database, prompts: PromptSet
) -> AsyncIterator[SummarizerFactory]:
    """Yield a factory of Summarizers; their SDK clients close when the test ends."""
    async with AsyncExitStack() as stack:

        async def factory(
            *,
            api_key: bool = True,
            clock: Callable[[], dt.datetime] | None = None,
            prompt_set: PromptSet | None = None,
            **overrides: Any,
        ) -> Summarizer:
            settings = make_settings(fake_anthropic, api_key=api_key, **overrides)
            sdk = await stack.enter_async_context(open_sdk_client(settings))
            client = None if sdk is None else ClaudeClient(sdk, model=settings.anthropic_model)
            summarizer = Summarizer(
                db, client, settings, prompts=prompt_set or prompts, clock=clock or Clock()
            )
            stack.push_async_callback(summarizer.aclose)
            return summarizer

        yield factory
