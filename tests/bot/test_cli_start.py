"""A cheap start: `--help` and argument mistakes load neither discord.py nor the Anthropic SDK.

The command line runs as a subprocess with `-X importtime`, which lists every module the
process imports on standard error: what a person typing `arxiv-digest-bot --help` pays for.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("discord", "anthropic", "aiosqlite", "httpx", "arxiv", "apscheduler")


def imported(*args: str) -> tuple[int, str, set[str]]:
    """Run `python -X importtime -m bot ARGS`; return its exit code, stdout, top modules."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    modules = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return done.returncode, done.stdout, modules


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("preview", "--help"),
        ("preview", "--categories", "cs.CL", "--limit", "99"),
        ("summarize",),
        ("nonsense",),
    ],
    ids=["help", "preview-help", "bad-limit", "missing-id", "unknown-command"],
)
def test_help_and_argument_mistakes_load_no_client_library(args: tuple[str, ...]) -> None:
    code, out, modules = imported(*args)

    assert code in (0, 2)
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
    if "--help" in args:
        assert "usage: arxiv-digest-bot" in out


def test_a_bad_category_is_refused_before_any_client_library_loads() -> None:
    code, _, modules = imported("preview", "--categories", "cs.XX")

    assert code == 2
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
