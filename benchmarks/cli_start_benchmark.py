"""Time `arxiv-digest-bot --help` and an argument mistake, as a person typing them waits.

Each command runs as a fresh `python -m bot` process, ten times; prints the median and the
slowest wall time, and whether discord.py or the Anthropic SDK got imported (they must not:
tests/bot/test_cli_start.py checks that). Asserts nothing.
Usage: .venv/bin/python benchmarks/cli_start_benchmark.py
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 10
COMMANDS = (("--help",), ("preview", "--categories", "cs.CL", "--limit", "99"))


def run(args: tuple[str, ...]) -> tuple[float, set[str]]:
    """Run the CLI once; return its wall time and the heavy packages it imported."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (our own interpreter and module, fixed arguments)
        [sys.executable, "-X", "importtime", "-m", "bot", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    heavy = {
        name
        for line in done.stderr.splitlines()
        if "|" in line
        and (name := line.rsplit("|", 1)[-1].strip().split(".")[0]) in ("discord", "anthropic")
    }
    return elapsed, heavy


def main() -> None:
    """Print one line per command."""
    for args in COMMANDS:
        results = [run(args) for _ in range(RUNS)]
        times = sorted(elapsed for elapsed, _ in results)
        heavy = set().union(*(found for _, found in results))
        print(
            f"arxiv-digest-bot {' '.join(args)}: median {statistics.median(times) * 1000:.0f} ms,"
            f" slowest {times[-1] * 1000:.0f} ms (with -X importtime);"
            f" imports {', '.join(sorted(heavy)) or 'neither discord.py nor the Anthropic SDK'}"
        )


if __name__ == "__main__":
    main()
