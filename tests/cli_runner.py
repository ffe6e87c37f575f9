"""Run the `arxiv-digest-bot` command line as a real subprocess and collect what it printed.

The fakes run in the test's event loop, so the command is awaited, not run blocking.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclasses.dataclass
class Run:
    """One finished command: exit code and its decoded output."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        """Return the non-empty lines of standard error."""
        return [line for line in self.err.splitlines() if line.strip()]

    def payloads(self) -> list[dict[str, Any]]:
        """Return the Discord payloads a `--json` command printed."""
        data = json.loads(self.out)
        assert isinstance(data, list)
        return data


def base_env(**settings: str) -> dict[str, str]:
    """Return a minimal environment (no developer variables) with `settings` added."""
    keep = ("PATH", "HOME", "LANG", "SYSTEMROOT")
    return {**{k: v for k, v in os.environ.items() if k in keep}, **settings}


async def run_command(
    argv: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path | None = None,
    wait: float = 60,
    stdout: int = asyncio.subprocess.PIPE,
) -> Run:
    """Run `argv` with `env` in `cwd` and wait for it (the fakes keep serving meanwhile).

    `stdout` may be a file descriptor, e.g. a pipe whose reader is gone.
    """
    process = await asyncio.create_subprocess_exec(
        *argv,
        env=env,
        cwd=cwd,
        stdout=stdout,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
    )
    out, err = await asyncio.wait_for(process.communicate(), wait)
    assert process.returncode is not None
    return Run(process.returncode, (out or b"").decode(), err.decode())


async def run_cli(*args: str, env: dict[str, str], wait: float = 60) -> Run:
    """Run `python -m bot ARGS` from this checkout."""
    env = {**env, "PYTHONPATH": str(ROOT)}
    return await run_command([sys.executable, "-m", "bot", *args], env=env, wait=wait)
