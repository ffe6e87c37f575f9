"""Benchmark one pass per announcement: CPU, arXiv requests, Claude calls and memory per cell.

For each cell (targets x papers) a fresh database gets the targets, half channel digests and
half subscribers, each with keywords drawn from a vocabulary of real research terms (popular
terms more often, so targets overlap as real ones do, but differ); then one announcement of
real arXiv titles and abstracts (tests/fixtures/real-days/, reused with new ids past 1,162)
is polled and planned for every target, exactly as the bot's poll job does, without Discord.

Printed per cell: CPU seconds of the poll (fetch, parse, record) and of the pass (match,
enrich, summarize, render, record the outbox), measured with `time.process_time()` in a
process of its own that runs nothing else; requests counted where they arrive, at the fake
arXiv (feed and query API, spacing 0) and the fake Anthropic API, which run in a separate
process so their work is not counted; and the cell's peak RSS (`ru_maxrss`). Asserts nothing.

Then delivery, as the courier runs it, with a Discord that takes every message at once:
every target's pending messages read from the outbox, sent and marked sent one by one, and
each target marked posted. Its CPU and wall time are the store's share of delivery, which is
what the database changes.

`--backends sqlite postgresql` runs every cell on each database: an SQLite file, and a new
database on a PostgreSQL 16 server this script starts (the development dependency pgserver,
as the tests do), on the same machine over a Unix socket.

`--pass-only` skips delivery, for the 20,000-target cells: sending their posts one by one
takes many minutes and is not what the pass's figures measure.

Usage: .venv/bin/python benchmarks/announcement_benchmark.py [--targets N ...] [--papers N ...]
       [--backends sqlite postgresql] [--pass-only]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import itertools
import json
import math
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import open_services  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.models import AnnounceType, Author, Paper  # noqa: E402
from bot.store import targets as target_store  # noqa: E402

REAL_DAYS = ROOT / "tests" / "fixtures" / "real-days"
DAY = dt.date(2026, 11, 24)
DEFAULT_CATEGORIES = ("cs.AI", "cs.CL", "cs.LG")
DIGEST_CATEGORIES = ("cs.LG", "cs.CV", "cs.AI", "cs.CL", "quant-ph", "cs.IT", "stat.ML")

# Research terms as people type them, most popular first (their rank sets how often they
# are drawn). Real abstracts of the recorded days hit many of them, some of them rarely.
VOCABULARY = (
    "llm, large language model, reinforcement learning, diffusion, transformer, benchmark,"
    " reasoning, agent, multimodal, vision language model, graph neural network, fine-tuning,"
    " retrieval, rag, quantization, kv cache, attention, federated learning, robustness,"
    " adversarial, interpretability, alignment, safety, hallucination, chain of thought,"
    " in-context learning, prompt, distillation, pruning, lora, mixture of experts,"
    " tokenizer, speech, translation, summarization, question answering, code generation,"
    " theorem proving, planning, robotics, embodied, world model, video generation,"
    " image generation, segmentation, object detection, point cloud, gaussian splatting,"
    " nerf, medical imaging, time series, forecasting, anomaly detection, recommendation,"
    " causal inference, bayesian, gaussian process, optimization, stochastic gradient,"
    " generalization, scaling law, continual learning, meta-learning, few-shot, zero-shot,"
    " contrastive learning, self-supervised, representation learning, knowledge graph,"
    " quantum, qubit, entanglement, quantum error correction, variational, neural operator,"
    " pde, physics-informed, climate, protein, molecule, drug discovery, genomics,"
    " neuroscience, spiking, hardware, fpga, compiler, on-device, inference, latency,"
    " serving, long context, state space model, mamba, uncertainty, calibration, fairness,"
    " bias, evaluation, dataset, synthetic data, data augmentation, active learning,"
    " domain adaptation, out-of-distribution, explainability, privacy, differential privacy,"
    " watermark, jailbreak, reward model, rlhf, preference optimization, policy gradient,"
    " multi-agent, game theory, auction, information theory, channel capacity, coding,"
    " wireless, 6g, mimo, semantic communication, edge computing, sparse, low-rank,"
    " kernel, manifold, topology, graph, clustering, dimensionality reduction, autoencoder,"
    " vae, gan, flow matching, score-based, sampling, markov chain monte carlo, ising,"
    " spin glass, phase transition, superconductivity, many-body, tensor network"
)
TERMS = [term.strip() for term in VOCABULARY.split(",") if term.strip()]
AUTHORS = ("au:Wang", "au:Zhang", "au:Li", "au:Liu", "au:Chen", "au:Smith", "au:Kim", "au:Müller")
EXCLUSIONS = ("-survey", "-benchmark", "-abs:quantum", "-review")


# --- workload -----------------------------------------------------------------------------


def real_records() -> list[dict[str, Any]]:
    """Return the recorded real papers (1,162 of two announcement days)."""
    records = []
    for path in sorted(REAL_DAYS.glob("*.jsonl")):
        records += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return records


def announcement(count: int, *, distinct: bool = False) -> list[Paper]:
    """Return `count` papers with real titles, abstracts, authors and categories, new ids.

    With `distinct`, short synthetic papers instead ("We study problem N."): the workload of
    the "Before" table's last row (README, "One pass per announcement"), where each target
    matches a paper of its own.
    """
    if distinct:
        return [
            Paper(
                base_id=f"2611.{n:05d}",
                version=1,
                title=f"Synthetic paper {n}",
                abstract=f"We study problem {n} in cs.AI.",
                authors=(Author("Ada Lovelace"),),
                categories=("cs.AI",),
                announce_type=AnnounceType.NEW,
                announced=DAY,
            )
            for n in range(1, count + 1)
        ]
    records = real_records()
    papers = []
    for index in range(count):
        record = records[index % len(records)]
        papers.append(
            Paper(
                base_id=f"2611.{index + 1:05d}",
                version=1,
                title=record["title"],
                abstract=record["abstract"],
                authors=tuple(Author(name) for name in record["authors"][:200]),
                categories=tuple(record["categories"]),
                comment=record.get("comment"),
                announce_type=AnnounceType.NEW,
                announced=DAY,
            )
        )
    return papers


@dataclass(frozen=True)
class TargetSpec:
    """One target of the workload."""

    channel: bool
    id: int
    keywords: list[str]
    categories: tuple[str, ...] | None
    language: str | None


def workload(count: int, seed: int = 7, *, papers: int = 0) -> list[TargetSpec]:
    """Return `count` targets: half digests, half subscribers, keywords that differ.

    With `papers` (the distinct workload), target i asks for paper i * papers // count + 1
    alone, by a phrase only that paper has.
    """
    if papers:
        return [
            TargetSpec(
                index % 2 == 0,
                10_000 + index,
                [f'"problem {index * papers // count + 1}"'],
                ("cs.AI",),
                None,
            )
            for index in range(count)
        ]
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(TERMS))]
    specs = []
    for index in range(count):
        channel = index % 2 == 0
        keywords = list(dict.fromkeys(rng.choices(TERMS, weights, k=rng.randint(1, 5))))
        if rng.random() < 0.1:
            keywords.append(rng.choice(AUTHORS))
        if rng.random() < 0.2:
            exclusion = rng.choice(EXCLUSIONS)
            if exclusion.removeprefix("-").removeprefix("abs:") not in keywords:
                keywords.append(exclusion)
        if channel:
            categories: tuple[str, ...] | None = tuple(
                rng.sample(DIGEST_CATEGORIES, rng.randint(1, 3))
            )
        else:
            categories = None if rng.random() < 0.7 else tuple(rng.sample(DIGEST_CATEGORIES, 2))
        language = rng.choices([None, "de", "fr"], [0.8, 0.15, 0.05])[0]
        specs.append(TargetSpec(channel, 10_000 + index, keywords, categories, language))
    return specs


async def create_targets(settings: Settings, specs: list[TargetSpec]) -> None:
    """Store the targets as /digest set and /subscribe would (not measured)."""
    async with open_services(settings) as services:
        db = services.db
        for spec in specs:
            if spec.channel:
                await target_store.upsert_digest(
                    db,
                    guild_id=1,
                    channel_id=spec.id,
                    categories=spec.categories or DEFAULT_CATEGORIES,
                    keywords=", ".join(spec.keywords),
                    language=spec.language,
                )
                continue
            await target_store.add_keywords(db, spec.id, spec.keywords)
            if spec.categories or spec.language:
                await target_store.update_settings(
                    db, spec.id, categories=spec.categories, language=spec.language
                )


# --- the fakes, in a process of their own ---------------------------------------------------


def serve_fakes(conn: Connection) -> None:
    """Run the fake arXiv and the fake Anthropic API until told to stop."""
    asyncio.run(_serve_fakes(conn))


async def _serve_fakes(conn: Connection) -> None:
    from tests.fakes.anthropic_server import FakeAnthropic
    from tests.fakes.arxiv_server import FakeArxiv

    async with FakeArxiv() as arxiv, FakeAnthropic.running() as anthropic:
        conn.send((arxiv.feed_url, arxiv.api_url, anthropic.base_url))
        loop = asyncio.get_running_loop()
        while True:
            command, argument = await loop.run_in_executor(None, conn.recv)
            if command == "announce":
                arxiv.feed_papers[:] = argument
                arxiv.add_api_papers(argument)
                arxiv.add_feed_papers([])  # a new Last-Modified: the feed changed
                arxiv.requests.clear()
                anthropic.requests.clear()
                anthropic.answers.clear()
                conn.send(None)
            elif command == "counts":
                conn.send(
                    (
                        len(arxiv.requests_to("/atom/")),
                        len(arxiv.requests_to("/api/query")),
                        len(anthropic.requests),
                    )
                )
            else:
                conn.send(None)
                return


# --- one cell, in a process of its own -------------------------------------------------------


def run_cell(
    conn: Connection,
    urls: tuple[str, str, str],
    targets: int,
    papers: int,
    distinct: bool = False,
    database_url: str | None = None,
    deliver: bool = True,
) -> None:
    """Measure one cell and send its figures back."""
    conn.send(asyncio.run(_cell(urls, targets, papers, distinct, database_url, deliver)))


class InstantDiscord:
    """A Sender that takes every message at once: delivery's own cost, without a network."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    async def send(self, target: Any, payload: Any, nonce: str) -> int:
        return next(self._ids)

    async def find_sent(self, target: Any, messages: Any) -> dict[int, int]:
        return {}

    async def notify_guild(self, guild_id: int, text: str) -> bool:
        return False


class NoTargetEvents:
    """Sending never fails here, so no target is ever paused or held."""

    async def channel_lost(self, channel_id: int, reason: Any) -> None:
        return None

    async def dms_closed(self, user_id: int) -> None:
        return None


async def deliver_all(db: Any) -> int:
    """Send every target's pending messages as the courier does; return how many were sent."""
    from bot.delivery.courier import Courier
    from bot.store import deliveries

    courier = Courier(db, InstantDiscord(), NoTargetEvents())
    sent = 0
    for key in await deliveries.pending_targets(db):
        sent += (await courier.flush(key)).sent
    return sent


class StepClock:
    """A progress callback that notes the CPU time each step of the pass takes.

    The pass reports ("summarizing", 0, n) when it starts asking for summaries and
    ("summarizing", n, n) when it has them all: what Claude costs on our side (the SDK,
    validation, the cache) can then be told apart from the rest of the pass.
    """

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.spent: dict[str, float] = {}

    def __call__(self, step: str, done: int, total: int) -> None:
        if done == 0 and step not in self.started:
            self.started[step] = time.process_time()
        if done >= total and step in self.started:
            self.spent[step] = time.process_time() - self.started.pop(step)


async def _cell(
    urls: tuple[str, str, str],
    count: int,
    papers: int,
    distinct: bool = False,
    database_url: str | None = None,
    deliver: bool = True,
) -> dict[str, Any]:
    feed_url, api_url, anthropic_url = urls
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_path=Path(tmp) / "bench.sqlite3",
            database_url=database_url,
            arxiv_feed_url=feed_url,
            arxiv_api_url=api_url,
            arxiv_request_interval_seconds=0,
            anthropic_api_key="benchmark",
            anthropic_base_url=anthropic_url,
            anthropic_max_retries=0,
            default_categories=DEFAULT_CATEGORIES,
            log_level="WARNING",
        )
        specs = workload(count, papers=papers if distinct else 0)
        setup = time.perf_counter()
        await create_targets(settings, specs)
        setup = time.perf_counter() - setup
        wanted = sorted({c for s in specs for c in (s.categories or DEFAULT_CATEGORIES)})
        steps = StepClock()
        async with open_services(settings, progress=steps) as services:
            cpu, wall = time.process_time(), time.perf_counter()
            await services.poller.poll(wanted)
            poll_cpu = time.process_time() - cpu
            cpu, wall_pass = time.process_time(), time.perf_counter()
            reports = await services.planner.plan_pending()
            pass_cpu = time.process_time() - cpu
            wall = time.perf_counter() - wall
            wall_pass = time.perf_counter() - wall_pass
            cpu, wall_deliver = time.process_time(), time.perf_counter()
            sent = await deliver_all(services.db) if deliver else None
            deliver_cpu = time.process_time() - cpu
            wall_deliver = time.perf_counter() - wall_deliver
    return {
        "deliver_cpu": deliver_cpu,
        "deliver_wall": wall_deliver,
        "sent": sent,
        "setup": setup,
        "poll_cpu": poll_cpu,
        "pass_cpu": pass_cpu,
        "summaries_cpu": steps.spent.get("summarizing", 0.0),
        "pass_wall": wall_pass,
        "wall": wall,
        "union": sum(report.papers for report in reports),
        "posts": sum(report.posts for report in reports),
        "messages": sum(report.messages for report in reports),
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# --- driver ------------------------------------------------------------------------------------


def main() -> None:
    """Run every requested cell and print one line per cell."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, nargs="+", default=[200, 2_000, 20_000])
    parser.add_argument("--papers", type=int, nargs="+", default=[100, 1_000, 2_000])
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="each target matches a paper of its own (synthetic papers), as in the README's table",
    )
    parser.add_argument(
        "--pass-only",
        action="store_true",
        help="skip delivery (20,000 targets' posts take many minutes to send one by one)",
    )
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=("sqlite", "postgresql"),
        default=["sqlite"],
        help="the databases to run every cell on (postgresql: a local server started here)",
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        postgres = None
        if "postgresql" in args.backends:
            from tests.postgres import start_server, stop_at_once

            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-pg-"))
            postgres, handle = start_server(Path(folder))
            stack.callback(stop_at_once, handle)
        run_cells(args, postgres)


def run_cells(args: argparse.Namespace, postgres: Any) -> None:
    """Run every cell on every backend; print one line per cell and backend."""
    context = multiprocessing.get_context("spawn")
    fakes_end, here = context.Pipe()
    fakes = context.Process(target=serve_fakes, args=(fakes_end,), daemon=True)
    fakes.start()
    urls = here.recv()
    print(
        "backend     targets  papers | poll CPU  pass CPU (summaries, rest)  pass wall |"
        " deliver CPU  wall  messages | feed req  API req  ceil(u/100)  Claude calls |"
        " union  posts | peak RSS"
    )
    try:
        for count in args.targets:
            for size in args.papers:
                for backend in args.backends:
                    here.send(("announce", announcement(size, distinct=args.distinct)))
                    here.recv()
                    url = None
                    if backend == "postgresql":
                        url = asyncio.run(postgres.new_database(migrated=False))
                    cell_end, cell_here = context.Pipe()
                    worker = context.Process(
                        target=run_cell,
                        args=(cell_end, urls, count, size, args.distinct, url, not args.pass_only),
                    )
                    worker.start()
                    figures = cell_here.recv()
                    worker.join()
                    here.send(("counts", None))
                    feed, api, claude = here.recv()
                    f = figures
                    rest = f["pass_cpu"] - f["summaries_cpu"]
                    print(
                        f"{backend:<10} {count:>7,} {size:>7,} | {f['poll_cpu']:>7.2f}s"
                        f" {f['pass_cpu']:>8.2f}s ({f['summaries_cpu']:>6.2f}s, {rest:>6.2f}s)"
                        f" {f['pass_wall']:>9.2f}s | {_delivery(f)} |"
                        f" {feed:>8} {api:>8} {math.ceil(f['union'] / 100):>12}  {claude:>12} |"
                        f" {f['union']:>5,} {f['posts']:>6,} | {f['rss_mib']:>5.0f} MiB",
                        flush=True,
                    )
    finally:
        here.send(("stop", None))
        here.recv()
        fakes.join(timeout=10)


def _delivery(figures: dict[str, Any]) -> str:
    """Return the delivery columns of one cell: CPU, wall time, messages sent (or dashes)."""
    if figures["sent"] is None:  # --pass-only
        return f"{'-':>11} {'-':>6} {'-':>9}"
    return (
        f"{figures['deliver_cpu']:>10.2f}s {figures['deliver_wall']:>5.2f}s {figures['sent']:>9,}"
    )


if __name__ == "__main__":
    main()
