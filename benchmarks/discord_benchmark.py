"""Benchmark the Discord side (issue 4): packing, /summarize latency, start-up, memory.

Runs the real bot (discord.py) against the loopback fake Discord and fake arXiv from
tests/fakes. Prints figures; asserts nothing.
Usage: .venv/bin/python benchmarks/discord_benchmark.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import open_services
from bot.client import DigestBot
from bot.config import Settings
from bot.models import AnnounceType, Author, Digest, DigestItem, Paper
from bot.render import render_digest
from bot.store import papers as paper_store
from bot.store import targets
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord, connected

ABSTRACT = (
    "Large language models achieve strong results on many benchmarks, yet their inference "
    "cost grows with context length. We study key-value cache compression and show that a "
    "simple eviction policy keeps 95% of the accuracy at 20% of the memory. "
) * 6


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


def packing() -> None:
    """Print messages per digest against one message per paper."""
    print("messages per digest (abstract-only items, ~1,100-char abstracts):")
    for count in (10, 25, 100):
        items = tuple(DigestItem(paper=p, keywords=("llm", "kv cache")) for p in synthetic(count))
        digest = Digest(("cs.CL",), dt.date(2026, 4, 28), items, matched=count, total=300)
        messages = render_digest(digest)
        print(f"  {count:>3} papers: {len(messages):>3} messages (one per paper: {count + 1})")


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
    """Run every measurement."""
    packing()
    asyncio.run(discord_figures())


if __name__ == "__main__":
    main()
