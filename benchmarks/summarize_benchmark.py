"""Summarize one announcement of 300 matched papers against the fake Anthropic API.

Prints the calls made, tokens, estimated cost and wall time with the concurrency limit, then
runs the same announcement again to show the cache (no calls). Workload: the 100 real
abstracts recorded in tests/fixtures/arxiv-api/q_testing_s0_m100_*.json, each as three
versions (300 distinct paper versions), so prompt sizes and token counts are realistic.

The fake answers after `--latency` seconds per call (real Claude calls take seconds); the
wall time is about calls x latency / concurrency, plus our own overhead, which is what this
measures. Token counts are the fake's estimate of four characters per token.

Run: `.venv/bin/python benchmarks/summarize_benchmark.py [--papers N] [--concurrency N]
[--latency SECONDS] [--language L]`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import defusedxml.ElementTree as ElementTree
from pydantic import SecretStr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.models import Author, Paper  # noqa: E402
from bot.store.db import open_database  # noqa: E402
from bot.summarize import ClaudeClient, Summarizer, load_prompts, open_sdk_client  # noqa: E402
from tests.fakes.anthropic_server import FakeAnthropic  # noqa: E402

ATOM = "{http://www.w3.org/2005/Atom}"
FIXTURES = ROOT / "tests" / "fixtures" / "arxiv-api"


def real_papers(count: int) -> list[Paper]:
    """Return `count` distinct paper versions built from the recorded real abstracts."""
    (path,) = FIXTURES.glob("q_testing_s0_m100_*.json")
    feed = ElementTree.fromstring(json.loads(path.read_text())["body"])
    entries = [
        (
            entry.findtext(f"{ATOM}id", "").rsplit("/", 1)[-1].split("v")[0],
            " ".join(entry.findtext(f"{ATOM}title", "").split()),
            " ".join(entry.findtext(f"{ATOM}summary", "").split()),
            tuple(Author(a.findtext(f"{ATOM}name", "")) for a in entry.findall(f"{ATOM}author")),
        )
        for entry in feed.findall(f"{ATOM}entry")
    ]
    return [
        Paper(
            base_id=base_id,
            version=index // len(entries) + 1,
            title=title,
            abstract=abstract,
            authors=authors,
        )
        for index in range(count)
        for base_id, title, abstract, authors in [entries[index % len(entries)]]
    ]


async def run(papers: int, concurrency: int, latency: float, language: str) -> None:
    batch = real_papers(papers)
    async with FakeAnthropic.running(latency=latency) as fake:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            anthropic_api_key=SecretStr("benchmark"),
            anthropic_base_url=fake.base_url,
            anthropic_max_retries=0,
            summary_concurrency=concurrency,
        )
        with tempfile.TemporaryDirectory() as folder:
            async with (
                open_database(Path(folder) / "bench.sqlite3") as db,
                open_sdk_client(settings) as sdk,
            ):
                assert sdk is not None
                client = ClaudeClient(sdk, model=settings.anthropic_model)
                prompts = load_prompts()
                for label in ("first run", "second run (cache)"):
                    summarizer = Summarizer(db, client, settings, prompts=prompts)
                    calls_before = len(fake.requests)
                    started = time.perf_counter()
                    outcomes = await summarizer.summarize_many(batch, language)
                    wall = time.perf_counter() - started
                    report = await summarizer.usage_report()
                    fallbacks = sum(1 for o in outcomes.values() if o.fallback is not None)
                    print(f"{label}:")
                    print(f"  papers         {len(batch)} ({fallbacks} fell back)")
                    print(f"  calls made     {len(fake.requests) - calls_before}")
                    print(f"  max in flight  {fake.max_in_flight} (limit {concurrency})")
                    print(
                        f"  tokens today   {report.today.input_tokens:,} in,"
                        f" {report.today.output_tokens:,} out"
                    )
                    print(
                        f"  est. cost      ${report.today.cost_usd:.4f}"
                        f" ({settings.anthropic_model})"
                    )
                    print(f"  wall time      {wall:.2f} s")
                    await summarizer.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=Settings.model_fields[
        "summary_concurrency"].default)  # fmt: skip
    parser.add_argument("--latency", type=float, default=0.1, help="fake seconds per call")
    parser.add_argument("--language", default="en")
    args = parser.parse_args()
    print(
        f"{args.papers} papers, concurrency {args.concurrency}, fake latency {args.latency} s"
        " per call"
    )
    asyncio.run(run(args.papers, args.concurrency, args.latency, args.language))


if __name__ == "__main__":
    main()
