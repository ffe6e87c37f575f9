"""Terminal output for the CLI: progress on stderr (only on a terminal) and readable digests.

The readable form is drawn from the very payloads `--json` prints, so what a person sees
in the terminal is what Discord would get.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn


class TerminalProgress:
    """A progress bar per step on stderr when it is a terminal; silent when piped."""

    def __init__(self, stream: TextIO | None = None) -> None:
        stream = stream or sys.stderr
        self._enabled = stream.isatty()
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(file=stream),
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> TerminalProgress:
        if self._enabled:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._enabled:
            self._progress.stop()

    def __call__(self, step: str, done: int, total: int) -> None:
        """Show that `done` of `total` units of `step` are finished."""
        if not self._enabled:
            return
        task = self._tasks.get(step)
        if task is None:
            task = self._progress.add_task(step, total=max(total, 1))
            self._tasks[step] = task
        self._progress.update(task, completed=done, total=max(total, 1))


def print_readable(payloads: Sequence[Mapping[str, Any]], out: TextIO | None = None) -> None:
    """Print message payloads as plain, readable text (markdown left as written)."""
    console = Console(file=out or sys.stdout, highlight=False, soft_wrap=True, markup=False)
    for payload in payloads:
        if payload.get("content"):
            console.print(str(payload["content"]), style="bold")
            console.print()
        for embed in payload.get("embeds", []):
            _print_embed(console, embed)


def _print_embed(console: Console, embed: Mapping[str, Any]) -> None:
    """Print one embed: title and link, author line, description, fields, footer."""
    console.print(str(embed.get("title", "")), style="bold cyan")
    console.print(str(embed.get("url", "")))
    author = embed.get("author", {}).get("name")
    if author:
        console.print(str(author), style="italic")
    if embed.get("description"):
        console.print(str(embed["description"]))
    for field in embed.get("fields", []):
        console.print(f"{field['name']}: {field['value']}")
    footer = embed.get("footer", {}).get("text")
    if footer:
        console.print(str(footer), style="dim")
    console.print()
