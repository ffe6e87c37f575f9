"""Fixtures for deep dives: the fake Anthropic API serving papers' PDFs, a real SQLite file.

Every DeepDiver here drives the real `AsyncAnthropic` client over loopback to the fake, which
"fetches" a PDF from the URL in the request's document block (tests/fakes/anthropic_server.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any, Protocol

import pytest

from bot.deep_dive import DeepDiver, load_deep_dive_prompts
from bot.models import Paper
from bot.store.db import Database
from bot.summarize import ClaudeClient, PromptSet, open_sdk_client
from tests.bot.summarize.conftest import Clock, make_paper, make_settings
from tests.fakes.anthropic_server import FakeAnthropic

# What the fake's PDFs hold: the full text, with numbers the abstract does not have.
PDF_TEXT = (
    "1 Introduction. We study sparse attention. 4 Experiments. Table 2 shows 91.7% accuracy"
    " on 12 datasets, and Table 3 a 2.4x speed-up over dense attention on 8 GPUs."
)


class DeepDiverFactory(Protocol):
    """Build a DeepDiver against the fake; keyword arguments override Settings fields."""

    def __call__(
        self,
        *,
        api_key: bool = True,
        clock: Callable[[], dt.datetime] | None = None,
        **overrides: Any,
    ) -> Awaitable[DeepDiver]: ...


def served(fake: FakeAnthropic, paper: Paper, text: str = PDF_TEXT) -> Paper:
    """Let the fake fetch `paper`'s PDF (holding `text`); return the paper."""
    fake.serve_pdf(paper.pdf_url, text)
    return paper


def paper(number: int = 1, **fields: Any) -> Paper:
    """Return a plausible paper (see tests/bot/summarize/conftest.py)."""
    return make_paper(number, **fields)


@pytest.fixture(scope="session")
def deep_dive_prompts() -> PromptSet:
    """Load the packaged deep-dive prompt files."""
    return load_deep_dive_prompts()


@pytest.fixture
async def build(
    fake_anthropic: FakeAnthropic, db: Database, deep_dive_prompts: PromptSet
) -> AsyncIterator[DeepDiverFactory]:
    """Yield a factory of DeepDivers; their SDK clients close when the test ends."""
    async with AsyncExitStack() as stack:

        async def factory(
            *,
            api_key: bool = True,
            clock: Callable[[], dt.datetime] | None = None,
            **overrides: Any,
        ) -> DeepDiver:
            settings = make_settings(fake_anthropic, api_key=api_key, **overrides)
            sdk = await stack.enter_async_context(open_sdk_client(settings))
            client = None if sdk is None else ClaudeClient(sdk, model=settings.anthropic_model)
            diver = DeepDiver(
                db, client, settings, prompts=deep_dive_prompts, clock=clock or Clock()
            )
            stack.push_async_callback(diver.aclose)
            return diver

        yield factory
