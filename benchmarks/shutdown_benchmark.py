"""Time SIGTERM to exit of `arxiv-digest-bot run`, in every state it must stop in.

The target and the figures are in README, "Stopping on SIGTERM".

For each state of tests/e2e/bot_process.py (connected; reconnecting to a Discord that refuses
connections; connecting to one that never answers; mid-poll with arXiv holding its answer;
mid-post with Discord rate-limiting the channel for 30 s) a fresh bot process is started
against the fakes, brought into that state, sent SIGTERM, and timed until the process is gone:
the median and the slowest of RUNS, and the part of it after "stopped cleanly" was logged
(the interpreter's own teardown). The goal is under 2 s. Asserts nothing.
Usage: .venv/bin/python benchmarks/shutdown_benchmark.py [RUNS]
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.bot_process import STATES, STOPPED, BotProcess, make_world  # noqa: E402
from tests.fakes.arxiv_server import FakeArxiv  # noqa: E402
from tests.fakes.discord_server import FakeDiscord  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 5


async def one_stop(state: str) -> tuple[float, float, str]:
    """Run one bot into `state`, stop it; return total and teardown seconds, and anything odd."""
    prepare, reach = STATES[state]
    with tempfile.TemporaryDirectory() as folder:
        async with FakeArxiv() as arxiv, FakeDiscord() as discord:
            world = await make_world(discord, arxiv, Path(folder))
            await prepare(world, None)
            bot = await BotProcess.start(world.env())
            try:
                await reach(world, bot)
                signalled = dt.datetime.now()  # noqa: DTZ005 (compared with the log's local times)
                code, elapsed = await bot.stop(within=120)
            finally:
                world.release()
                await bot.kill()
    stopped = next((line for line in bot.lines if line.endswith(STOPPED)), None)
    odd = "" if code == 0 and stopped else f" (exit {code}, last line {bot.lines[-1]!r})"
    teardown = elapsed
    if stopped is not None:
        logged = dt.datetime.strptime(stopped[:23], "%Y-%m-%d %H:%M:%S,%f")  # noqa: DTZ007
        teardown = elapsed - max(0.0, (logged - signalled).total_seconds())
    return elapsed, teardown, odd


async def main() -> None:
    """Print one line per state."""
    print(f"{RUNS} runs per state; load average {os.getloadavg()[0]:.1f} at the start")
    for state in STATES:
        results = [await one_stop(state) for _ in range(RUNS)]
        totals = sorted(total for total, _, _ in results)
        teardowns = [teardown for _, teardown, _ in results]
        odd = "".join(sorted({note for _, _, note in results}))
        print(
            f"{state}: median {statistics.median(totals):.2f} s, slowest {totals[-1]:.2f} s"
            f" (of which interpreter teardown, median {statistics.median(teardowns):.2f} s){odd}"
        )


if __name__ == "__main__":
    asyncio.run(main())
