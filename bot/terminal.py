"""Terminal output for the CLI: progress on stderr (only on a terminal) and readable results.

`preview` and `matches` read the latest announcement the same way (`poll_latest`): a feed
with none is normal on weekends and holidays, said in one line, and not an error.

The readable digest is drawn from the very payloads `--json` prints, so what a person sees
in the terminal is what Discord would get, shown for a terminal: Discord's markdown becomes
styles (`**cs.LG**` bold, `agent\\*` a plain star), text wraps at word boundaries to the
terminal's width (piped, each paragraph stays one line), and each link is printed once.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from bot.poller import Poller

# Discord's markdown as the renderer writes it: escapes, links, bold, italics, underline,
# strike-through and inline code.
_MARKDOWN: Final = re.compile(
    r"\\(?P<escaped>.)"
    r"|\[(?P<label>[^\]]*)\]\(<?(?P<url>[^)\s>]+)>?\)"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|__(?P<underline>.+?)__"
    r"|(?<![\w*])\*(?P<star>[^*\s](?:.*?[^*\s])?)\*(?![\w*])"
    r"|(?<!\w)_(?P<italic>[^_\s](?:.*?[^_\s])?)_(?!\w)"
    r"|~~(?P<strike>.+?)~~"
    r"|`(?P<code>[^`]+)`",
    re.DOTALL,
)
_STYLES: Final = {
    "bold": "bold",
    "underline": "underline",
    "star": "italic",
    "italic": "italic",
    "strike": "strike",
    "code": "bold",
}


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


async def poll_latest(
    poller: Poller, categories: Sequence[str], progress: TerminalProgress
) -> dt.date | None:
    """Poll the feed of `categories`; return its latest announcement's date, or None.

    None comes after a line on stderr saying the feed has no announcement.
    """
    progress("fetching the announcement feed", 0, 1)
    outcome = await poller.poll(categories)
    progress("fetching the announcement feed", 1, 1)
    if outcome.latest is None:
        print(
            "arxiv-digest-bot: no announcement in the feed for "
            f"{', '.join(categories)} (normal on weekends and holidays)",
            file=sys.stderr,
        )
    return outcome.latest


def print_readable(payloads: Sequence[Mapping[str, Any]], out: TextIO | None = None) -> None:
    """Print message payloads for a person: styled, wrapped, each link once."""
    console = _console(out)
    for payload in payloads:
        if payload.get("content"):
            console.print(markdown_text(str(payload["content"]), set()), style="bold")
            console.print()
        for embed in payload.get("embeds", []):
            _print_embed(console, embed)


def print_matches(
    rows: Sequence[tuple[str, str, Sequence[str]]], out: TextIO | None = None
) -> None:
    """Print (id, title, matched keywords) rows, one paper per line.

    On a terminal a long title wraps under itself, after the id; piped, each paper is
    exactly one line: `2507.14204  Title  [kv cache, llm]`.
    """
    stream = out or sys.stdout
    if not stream.isatty():
        for paper_id, title, keywords in rows:
            stream.write(f"{paper_id}  {title}  [{', '.join(keywords)}]\n")
        return
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for paper_id, title, keywords in rows:
        table.add_row(paper_id, Text.assemble(title, "  ", (f"[{', '.join(keywords)}]", "green")))
    _console(stream).print(table)


def markdown_text(markdown: str, shown: set[str]) -> Text:
    """Turn Discord markdown into styled text; a link reads `label (url)`, or `label` if shown.

    `shown` holds the URLs printed already; the ones printed here are added to it.
    """
    text = Text()
    position = 0
    for found in _MARKDOWN.finditer(markdown):
        text.append(markdown[position : found.start()])
        position = found.end()
        kind = found.lastgroup
        if kind == "escaped":
            text.append(found["escaped"])
        elif kind in ("label", "url"):
            _append_link(text, found["label"], found["url"], shown)
        elif kind is not None:
            inner = markdown_text(found[kind], shown)
            inner.stylize(_STYLES[kind])
            text.append_text(inner)
    text.append(markdown[position:])
    return text


def _append_link(text: Text, label: str, url: str, shown: set[str]) -> None:
    """Append a link: its label, and its URL unless it was printed already."""
    if url in shown:
        text.append(label)
        return
    shown.add(url)
    text.append(f"{label} ")
    text.append(url, style=f"link {url}")


def _console(out: TextIO | None) -> Console:
    """Return a console that wraps at word boundaries on a terminal and never when piped."""
    stream = out or sys.stdout
    return Console(
        file=stream,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=not stream.isatty(),
    )


def _print_embed(console: Console, embed: Mapping[str, Any]) -> None:
    """Print one embed: title and link, author line, description, fields, footer."""
    shown: set[str] = set()
    console.print(markdown_text(str(embed.get("title", "")), shown), style="bold cyan")
    if url := str(embed.get("url", "")):
        console.print(Text(url, style=f"link {url}"))
        shown.add(url)
    author = embed.get("author", {}).get("name")
    if author:
        console.print(Text(str(author), style="italic"))  # shown verbatim in Discord too
    if embed.get("description"):
        console.print(markdown_text(str(embed["description"]), shown))
    for field in embed.get("fields", []):
        value = _without_shown_links(str(field["value"]), shown)
        if not value.plain.strip():
            continue
        console.print(Text.assemble((f"{field['name']}: ", "bold"), value))
    footer = embed.get("footer", {}).get("text")
    if footer:
        console.print(Text(str(footer), style="dim"))
    console.print()


def _without_shown_links(value: str, shown: set[str]) -> Text:
    """Render a field value; in a list of links (" · "), drop those printed already."""
    parts = value.split(" · ")
    links = [_MARKDOWN.fullmatch(part) for part in parts]
    if all(link is not None and link.lastgroup in ("label", "url") for link in links):
        parts = [
            part
            for part, link in zip(parts, links, strict=True)
            if link and link["url"] not in shown
        ]
    text = Text(" · ").join(markdown_text(part, shown) for part in parts)
    return text
