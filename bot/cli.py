"""The command line: argument parsing, output and exit codes (docs/behaviour.md).

`run` starts the bot; `check` prints the operator's checklist (exit 1 when an item fails);
`preview`, `matches` and `summarize` use the same services as the bot, without Discord;
`backup` copies the database; `migrate-db` moves it to PostgreSQL. Exit codes: 0 success,
2 bad input (one line on stderr, no usage dump), 1 anything else, also one line; never a
traceback, and nothing at all when the reader closed the pipe.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from bot import __version__
from bot.errors import ConfigError, DigestBotError, UserInputError

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_BAD_INPUT = 2


class BadUsageError(UserInputError):
    """The command line itself is wrong (unknown option, missing argument)."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser that reports a mistake as one line instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing usage and exiting, so main() prints one line."""
        raise BadUsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser for every sub-command, with help text written for users."""
    parser = _Parser(
        prog="arxiv-digest-bot",
        description="Discord bot that posts summarized arXiv digests.",
        epilog="Settings come from the environment and .env (see .env.example).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    sub.add_parser(
        "run",
        help="start the Discord bot (needs DISCORD_TOKEN)",
        description="Start the Discord bot: poll arXiv, post digests and DMs, answer commands.",
    )

    sub.add_parser(
        "check",
        help="check settings, database, arXiv, Discord and Claude: one line per item",
        description=(
            "Check everything the bot needs, one line per item, marked ✓ (fine), ✗ (fix it:"
            " the line says how), ! (works, an optional part is off) or – (not checked)."
            " Exit 0 when nothing failed, 1 otherwise. Safe beside a running bot."
        ),
    )

    preview = sub.add_parser(
        "preview",
        help="show the digest the latest announcement would produce, without Discord",
        description=(
            "Fetch the latest arXiv announcement for CATEGORIES, match KEYWORDS and show the "
            "digest that would be posted. Nothing is posted."
        ),
        epilog=(
            "example: arxiv-digest-bot preview --categories cs.CL cs.LG"
            ' --keywords "llm, kv cache, -survey"'
        ),
    )
    preview.add_argument(
        "--categories",
        nargs="+",
        required=True,
        metavar="CAT",
        help="arXiv categories, as words or one comma/space-separated string (cs.CL cs.LG)",
    )
    preview.add_argument(
        "--keywords",
        default="",
        help='comma-separated keywords: words, "exact phrase", -exclude, au:Lastname, prefix*',
    )
    preview.add_argument("--limit", type=_positive_int, default=10, help="papers at most (1-25)")
    preview.add_argument("--language", default=None, help="summary language (default: en)")
    preview.add_argument(
        "--include-cross-lists",
        action="store_true",
        help="also show papers cross-listed into these categories",
    )
    _add_style(preview, "compact")
    preview.add_argument("--json", action="store_true", help="print the exact Discord payloads")

    _add_matches(sub)

    summarize = sub.add_parser(
        "summarize",
        help="summarize one paper by arXiv id or URL",
        description="Fetch one paper by id or URL and show the embed /summarize would post.",
        epilog="example: arxiv-digest-bot summarize 2401.12345v2",
    )
    summarize.add_argument("paper", help="arXiv id or URL (2401.12345, hep-th/9901001, abs URL)")
    summarize.add_argument("--language", default=None, help="summary language (default: en)")
    _add_style(summarize, "full")
    summarize.add_argument("--json", action="store_true", help="print the exact Discord payload")

    backup = sub.add_parser(
        "backup",
        help="write a consistent copy of the database, also while the bot runs",
        description=(
            "Copy the database (DATABASE_PATH) to PATH with SQLite's online backup, while the"
            " bot may be running, and check the copy by opening it."
        ),
        epilog="example: arxiv-digest-bot backup /var/backups/arxiv-digest-bot/",
    )
    backup.add_argument(
        "path", type=Path, metavar="PATH", help="a file, or a folder for a dated file inside it"
    )

    migrate = sub.add_parser(
        "migrate-db",
        help="copy the SQLite database into an empty PostgreSQL database",
        description=(
            "Copy every row of the SQLite database (DATABASE_PATH) into the empty PostgreSQL"
            " database URL, in one transaction, and compare the row counts. Stop the bot"
            " first; afterwards set DATABASE_URL to URL."
        ),
        epilog="example: arxiv-digest-bot migrate-db --to postgresql://bot:PASSWORD@db/arxiv",
    )
    migrate.add_argument(
        "--to", required=True, metavar="URL", help="postgresql://user:password@host:port/dbname"
    )
    return parser


def _add_style(parser: argparse.ArgumentParser, default: str) -> None:
    """Add `--style compact|full` (README, "Digest styles")."""
    parser.add_argument(
        "--style",
        choices=("compact", "full"),
        default=default,
        help=(
            "compact: title, authors, TL;DR, why it matched, comment, links; full: the whole"
            f" summary (default: {default})"
        ),
    )


def _add_matches(sub: argparse._SubParsersAction[_Parser]) -> None:
    """Add `matches`: every paper of the latest announcement the keywords match (bot/matches.py)."""
    matches = sub.add_parser(
        "matches",
        help="list every paper of the latest announcement that keywords match (to tune them)",
        description=(
            "Fetch the latest arXiv announcement for CATEGORIES and list every paper KEYWORDS "
            "match, best first, with the keywords each matched. Nothing is posted."
        ),
        epilog=(
            'example: arxiv-digest-bot matches --categories cs.CL cs.LG --keywords "llm, kv cache"'
        ),
    )
    matches.add_argument(
        "--categories",
        nargs="+",
        required=True,
        metavar="CAT",
        help="arXiv categories, as words or one comma/space-separated string (cs.CL cs.LG)",
    )
    matches.add_argument(
        "--keywords",
        required=True,
        help='comma-separated keywords: words, "exact phrase", -exclude, au:Lastname, prefix*',
    )
    matches.add_argument(
        "--include-cross-lists",
        action="store_true",
        help="also match papers cross-listed into these categories",
    )
    matches.add_argument(
        "--json", action="store_true", help='print [{"id", "title", "matched"}, ...] as JSON'
    )


def _positive_int(text: str) -> int:
    """Parse --limit: a whole number from 1 to 25 (Discord's embeds per digest cap)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 1 to 25, got {text!r}"
        ) from None
    if not 1 <= value <= 25:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 25, got {value}")
    return value


def print_payloads(payloads: Sequence[dict[str, object]], out: TextIO) -> None:
    """Write the payloads as one JSON list, exactly as they would be sent to Discord."""
    json.dump(list(payloads), out, ensure_ascii=False, indent=2)
    out.write("\n")


def fail(message: str, code: int) -> int:
    """Print one line on stderr and return `code` (quietly, if stderr is gone too)."""
    line = " ".join(message.split())
    with contextlib.suppress(OSError):
        print(f"arxiv-digest-bot: error: {line}", file=sys.stderr)
    return code


def run_command(coro_factory: Callable[[], Awaitable[int]]) -> int:
    """Run an async command; map our exceptions to exit codes with one line on stderr."""
    try:
        return asyncio.run(_as_coroutine(coro_factory))
    except UserInputError as exc:
        return fail(str(exc), EXIT_BAD_INPUT)
    except ConfigError as exc:
        return fail(str(exc), EXIT_BAD_INPUT)
    except DigestBotError as exc:
        return fail(str(exc), EXIT_ERROR)


def guarded(command: Callable[[], int]) -> int:
    """Run the whole command line so that nothing ends in a traceback.

    A reader that closes the pipe early (`preview | head`) ends the command quietly; an
    I/O, database or network error is one line; anything unexpected is one line too, with
    the traceback in the log at DEBUG level for whoever investigates.
    """
    try:
        code = command()
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_ERROR
    except KeyboardInterrupt:
        return fail("interrupted", EXIT_ERROR)
    except sqlite3.Error as exc:
        return fail(f"database error: {exc}", EXIT_ERROR)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        return fail(f"{exc.strerror or exc}{where}", EXIT_ERROR)
    except Exception as exc:
        log.debug("unexpected error", exc_info=exc)
        what = f"unexpected {type(exc).__name__}: {str(exc)[:300]}"
        return fail(f"{what} (LOG_LEVEL=DEBUG shows where)", EXIT_ERROR)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again.

    Python's own advice for SIGPIPE: https://docs.python.org/3/library/signal.html#note-on-sigpipe
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout: nothing left to flush
        pass


async def _as_coroutine(factory: Callable[[], Awaitable[int]]) -> int:
    return await factory()
