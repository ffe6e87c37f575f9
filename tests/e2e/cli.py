"""What the fault tests share about running `arxiv-digest-bot` (on top of tests/cli_runner.py).

The environment for the fake arXiv, many command lines in one process (tests/e2e/cli_many.py),
one invocation of each command that opens the database, and the "exactly one error line"
check.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tests.cli_runner import ROOT, Run, base_env
from tests.fakes.arxiv_server import FakeArxiv


def cli_env(tmp_path: Path, arxiv: FakeArxiv, **extra: str) -> dict[str, str]:
    """Return an environment for `python -m bot` against the fake arXiv (no .env is read)."""
    return base_env(
        PYTHONPATH=str(ROOT),
        ARXIV_FEED_URL=arxiv.feed_url,
        ARXIV_API_URL=arxiv.api_url,
        ARXIV_REQUEST_INTERVAL_SECONDS="0",
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
        **extra,
    )


async def run_many(env: dict[str, str], commands: list[dict[str, Any]]) -> list[Run]:
    """Run several commands in one process (tests/e2e/cli_many.py), each as `main()`."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.cli_many",
        json.dumps(commands),
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()[-2000:]
    return [Run(r["code"], r["out"], r["err"]) for r in json.loads(out)]


#: One invocation of each command that opens the database. `run` gets a token and an
#: unreachable Discord: a database fault must stop it before Discord is ever asked.
COMMANDS: dict[str, tuple[str, ...]] = {
    "preview": ("preview", "--categories", "cs.CL"),
    "summarize": ("summarize", "1605.08386"),
    "run": ("run",),
}
RUN_ENV = {"DISCORD_TOKEN": "bogus-token", "DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10"}


NO_KEY_NOTE = "arxiv-digest-bot: note: ANTHROPIC_API_KEY is not set; items show the abstract"


def assert_one_line(run: Run, *parts: str) -> None:
    """Assert exit 1 and exactly one error line on stderr, containing every part.

    The only other line allowed is the note that no Anthropic key is set (these runs have
    none), which a command prints once its database is open.
    """
    assert run.code == 1, run.err
    assert "Traceback" not in run.err
    errors = [line for line in run.err_lines if line != NO_KEY_NOTE]
    assert len(errors) == 1, run.err
    for part in parts:
        assert part in errors[0], run.err
