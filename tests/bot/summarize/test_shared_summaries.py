"""50 digests and 20 subscribers with overlapping keywords share one call per version and language.

Summaries are shared (docs/behaviour.md, "Summaries"): 50 digests and 20 subscribers whose
keywords overlap cause exactly one call per (paper version, language), and a second run makes
no calls at all. The digest pipeline
is not built yet, so each target is emulated: its keywords pick papers by title, and all
targets ask the one Summarizer at the same time, as the pipeline will.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass

from bot.models import Paper
from bot.summarize import Summarizer, SummaryOutcome
from tests.bot.summarize.conftest import SummarizerFactory, make_paper
from tests.fakes.anthropic_server import FakeAnthropic

TOPICS = ("attention", "retrieval", "agents", "diffusion", "quantization", "alignment", "graphs")
LANGUAGES = ("en", "en", "en", "de", "fr", "ja")


@dataclass(frozen=True)
class Target:
    """A digest channel or a subscriber: keywords and a language."""

    name: str
    keywords: tuple[str, ...]
    language: str

    def matches(self, papers: list[Paper]) -> list[Paper]:
        return [p for p in papers if any(k in p.title.lower() for k in self.keywords)]


def announcement() -> list[Paper]:
    """Return 40 papers on two topics each; five are a new version of another one."""
    papers = [
        make_paper(n, title=f"{TOPICS[n % 7].title()} meets {TOPICS[(n * 3 + 1) % 7]} ({n})")
        for n in range(35)
    ]
    revised = [make_paper(n, version=2, title=papers[n].title) for n in range(5)]
    return papers + revised


def targets() -> list[Target]:
    rng = random.Random(3)  # a fixed seed: the same overlapping targets on every run
    digests = [
        Target(f"digest-{i}", tuple(rng.sample(TOPICS, 2)), rng.choice(LANGUAGES))
        for i in range(50)
    ]
    subscribers = [
        Target(f"user-{i}", tuple(rng.sample(TOPICS, 3)), rng.choice(LANGUAGES)) for i in range(20)
    ]
    return digests + subscribers


async def run_all(
    summarizer: Summarizer, papers: list[Paper]
) -> list[dict[tuple[str, int], SummaryOutcome]]:
    """Let every target ask for its matched papers at the same time."""
    return await asyncio.gather(
        *(summarizer.summarize_many(t.matches(papers), t.language) for t in targets())
    )


def needed(papers: list[Paper]) -> set[tuple[str, str]]:
    """Return the (versioned id, language) pairs the targets need."""
    return {(p.versioned_id, t.language) for t in targets() for p in t.matches(papers)}


def test_targets_overlap() -> None:
    papers = announcement()
    asks = sum(len(t.matches(papers)) for t in targets())
    assert asks > 3 * len(needed(papers))  # most requests are repeats another target made


async def test_one_call_per_paper_version_and_language(
    build: SummarizerFactory, fake_anthropic: FakeAnthropic
) -> None:
    papers = announcement()
    await run_all(await build(), papers)
    calls = Counter((r.paper_field("arXiv id"), r.language) for r in fake_anthropic.requests)
    assert set(calls) == needed(papers)
    assert set(calls.values()) == {1}


async def test_every_target_gets_a_summary_in_its_language(
    build: SummarizerFactory,
) -> None:
    papers = announcement()
    results = await run_all(await build(), papers)
    for target, outcomes in zip(targets(), results, strict=True):
        assert set(outcomes) == {(p.base_id, p.version) for p in target.matches(papers)}
        for outcome in outcomes.values():
            assert outcome.summary is not None
            assert outcome.summary.language == target.language


async def test_second_run_makes_no_calls(
    build: SummarizerFactory, fake_anthropic: FakeAnthropic
) -> None:
    papers = announcement()
    await run_all(await build(), papers)
    made = len(fake_anthropic.requests)
    results = await run_all(await build(), papers)  # a new process over the same database
    assert len(fake_anthropic.requests) == made
    assert all(o.summary is not None for outcomes in results for o in outcomes.values())
