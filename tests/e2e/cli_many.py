"""Run many command lines of arxiv-digest-bot in one process, each as the console script.

`python -m tests.e2e.cli_many '[{"args": ["preview", "--categories", "cs.CL"],
"env": {"DATABASE_PATH": "..."}}, ...]'` calls `bot.__main__.main(args)` (what the console
script's entry point runs) for each command in turn, with `env` added to the environment (settings
are read from it at each call) and its own standard output and error, and prints one JSON
list of `{"code": exit code, "out": stdout, "err": stderr}`. The fault tests use it to show a
fault for every command without paying the interpreter's start-up for each.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from bot.__main__ import main


@contextlib.contextmanager
def environment(extra: Mapping[str, str]) -> Iterator[None]:
    """Add `extra` to os.environ for the body, then restore it."""
    saved = dict(os.environ)
    os.environ.update(extra)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_all(commands: list[dict[str, Any]]) -> list[dict[str, object]]:
    """Run each command line; return its exit code and what it printed."""
    results: list[dict[str, object]] = []
    for command in commands:
        out, err = io.StringIO(), io.StringIO()
        with (
            environment(command.get("env", {})),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = main(command["args"])
        results.append({"code": code, "out": out.getvalue(), "err": err.getvalue()})
    return results


if __name__ == "__main__":
    json.dump(run_all(json.loads(sys.argv[1])), sys.__stdout__)
