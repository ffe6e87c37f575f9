"""Benchmark the Discord side: messages per digest, /summarize latency, start-up, memory.

Messages per digest (README, "Messages per digest"): real papers of
tests/fixtures/real-days/ (real titles, authors, comments and abstracts), summarized through
the real Summarizer by the fake Anthropic API answering at the schema's full length (TL;DR
400 characters, each section 600: the longest post a digest can have), rendered in both
styles; and the same papers abstract-only. The rest runs the real bot (discord.py) against
the loopback fake Discord and fake arXiv from tests/fakes. Prints figures; asserts nothing.
Usage: .venv/bin/python benchmarks/discord_benchmark.py [--packing-only]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import open_services
from bot.client import DigestBot
from bot.config import Settings
from bot.models import AnnounceType, Author, Digest, DigestItem, DigestStyle, Paper, Summary
from bot.render import render_digest
from bot.store import papers as paper_store
from bot.store import targets
from tests.bot.real_days import real_day
from tests.fakes.anthropic_server import FakeAnthropic, Reply
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord, connected

ABSTRACT = (
    "Large language models achieve strong results on many benchmarks, yet their inference "
    "cost grows with context length. We study key-value cache compression and show that a "
    "simple eviction policy keeps 95% of the accuracy at 20% of the memory. "
) * 6
COUNTS = (10, 25, 100)
#: The targets (README, "Messages per digest"): a compact digest of N summarized papers in
#: at most M messages.
TARGETS = {10: 2, 25: 4}


def synthetic(count: int) -> list[Paper]:
    """Return `count` papers of realistic length."""
    return [
        Paper(
            base_id=f"2604.{i:05d}",
            version=1,
            title=f"Efficient inference for large language models, part {i}",
            abstract=ABSTRACT,
            authors=tuple(Author(f"Author {j} Lastname") for j in range(8)),
            categories=("cs.CL", "cs.LG"),
            announce_type=AnnounceType.NEW,
            announced=dt.date(2026, 4, 28),
        )
        for i in range(count)
    ]


async def full_length_summaries(papers: Sequence[Paper]) -> dict[str, Summary]:
    """Summarize `papers` through the real Summarizer, the fake Claude at full length."""
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeAnthropic.running() as anthropic:
            anthropic.default = Reply.full_length()
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_path=Path(tmp) / "bench.sqlite3",
                anthropic_api_key="benchmark",
                anthropic_base_url=anthropic.base_url,
                anthropic_max_retries=0,
                summary_concurrency=8,
            )
            async with open_services(settings) as services:
                outcomes = await services.summarizer.summarize_many(list(papers), "en")
    return {
        base_id: outcome.summary
        for (base_id, _), outcome in outcomes.items()
        if outcome.summary is not None
    }


def messages_for(items: Sequence[DigestItem], style: DigestStyle) -> list[int]:
    """Return the embeds per message of one digest post of `items` (header included)."""
    digest = Digest(("cs.CV", "cs.CL", "cs.AI"), dt.date(2026, 3, 10), tuple(items), 137, 484)
    return [len(message.embeds) for message in render_digest(digest, style=style)]


async def packing() -> None:
    """Print messages per digest of 10, 25 and 100 real papers, both styles."""
    papers = real_day("2026-03-10")[: max(COUNTS)]
    summaries = await full_length_summaries(papers)
    tldr = statistics.mean(len(s.tldr) for s in summaries.values())
    sections = statistics.mean(
        len(s.motivation) + len(s.method) + len(s.results) for s in summaries.values()
    )
    abstract = statistics.mean(len(p.abstract) for p in papers)
    print(
        f"messages per digest: {len(papers)} real papers of 2026-03-10, {len(summaries)} summarized"
        f" at full length (TL;DR {tldr:.0f} characters, motivation + method + results"
        f" {sections:.0f}); abstracts {abstract:.0f} characters on average"
    )
    print("| papers | style | summarized: messages (embeds each) | abstract-only: messages |")
    print("|---|---|---|---|")
    met = []
    for count in COUNTS:
        chosen = papers[:count]
        keywords = ("diffusion", "llm")
        summarized = [DigestItem(p, keywords, summary=summaries.get(p.base_id)) for p in chosen]
        plain = [DigestItem(p, keywords) for p in chosen]
        for style in DigestStyle:
            with_summary = messages_for(summarized, style)
            abstract_only = messages_for(plain, style)
            shown = ", ".join(map(str, with_summary))
            print(f"| {count} | {style} | {len(with_summary)} ({shown}) | {len(abstract_only)} |")
            if style is DigestStyle.COMPACT and count in TARGETS:
                met.append((count, len(with_summary), TARGETS[count]))
    for count, got, most in met:
        verdict = "met" if got <= most else "NOT met"
        print(f"target: compact {count} summarized papers in <= {most} messages: {got}, {verdict}")


async def discord_figures() -> None:
    """Print start-up time, /summarize latency and peak memory with many targets."""
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeArxiv() as arxiv, FakeDiscord() as fake:
            guild = fake.add_guild("lab")
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_path=Path(tmp) / "bench.sqlite3",
                arxiv_feed_url=arxiv.feed_url,
                arxiv_api_url=arxiv.api_url,
                arxiv_request_interval_seconds=0,
                poll_interval_seconds=3600,
                discord_guild_id=guild.id,
            )
            with fake.patch_discord_py():
                async with open_services(settings) as services:
                    cached = synthetic(1)[0]
                    await paper_store.save_enriched(services.db, [cached])
                    for n in range(1000):
                        await targets.upsert_digest(
                            services.db,
                            guild_id=guild.id,
                            channel_id=10_000 + n,
                            categories=["cs.CL"],
                            keywords="llm, kv cache",
                            time=dt.time(8, n % 60),
                            timezone="Europe/Berlin",
                        )
                        await targets.add_keywords(services.db, 20_000 + n, ["llm", f"topic {n}"])
                    bot = DigestBot(services, guild_ready_timeout=0.05)
                    started = time.perf_counter()
                    async with connected(bot, fake):
                        ready = time.perf_counter() - started
                        print(f"start-up to READY: {ready * 1000:.0f} ms (1,000 digests and")
                        print("  1,000 subscribers configured, commands synced to the guild)")
                        latencies = []
                        for _ in range(200):
                            t0 = time.perf_counter()
                            interaction = await fake.run_slash(
                                "summarize", {"paper": cached.base_id}, guild=guild
                            )
                            await interaction.wait_callback()
                            latencies.append(time.perf_counter() - t0)
                            await interaction.wait_reply()
                        latencies.sort()
                        p50 = statistics.median(latencies) * 1000
                        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
                        print(
                            f"/summarize INTERACTION_CREATE -> callback, cached paper, 200 runs:"
                            f" p50 {p50:.1f} ms, p99 {p99:.1f} ms"
                        )
                        arxiv.add_feed_papers(synthetic(50))
                        t0 = time.perf_counter()
                        await bot.delivery.poll_and_deliver()
                        print(
                            f"poll + deliver with 2,000 targets: {time.perf_counter() - t0:.2f} s"
                        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of this process): {peak:.0f} MiB")


def main() -> None:
    """Run every measurement (only the messages per digest with --packing-only)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packing-only", action="store_true", help="messages per digest only")
    args = parser.parse_args()
    asyncio.run(packing())
    if not args.packing_only:
        asyncio.run(discord_figures())


if __name__ == "__main__":
    main()
