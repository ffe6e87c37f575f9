"""Entry point: `arxiv-digest-bot {run,check,preview,matches,summarize,backup,migrate-db}` (README).

Parse the command line, build Settings, configure logs, open the services once, run.
Only argparse and the project's exceptions are imported before the arguments are parsed:
`--help` and argument mistakes answer at once, without loading pydantic, discord.py or the
Anthropic SDK (tests/bot/test_cli_start.py checks it); each command imports what it uses,
once its input is known to be good.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from bot.cli import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    build_parser,
    fail,
    guarded,
    print_payloads,
    run_command,
)
from bot.errors import ConfigError, PaperNotFoundError, UserInputError

if TYPE_CHECKING:
    from bot.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code. Never print a traceback."""
    return guarded(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        from bot.config import load_settings

        if args.command == "check":
            return check(load_settings)
        settings = load_settings()
        if args.command == "run" and settings.discord_token is None:
            # Checked with the other settings, before the database is even opened.
            raise ConfigError("DISCORD_TOKEN is required for run (see .env.example)")
    except (UserInputError, ConfigError) as exc:
        return fail(str(exc), EXIT_BAD_INPUT)
    _configure_logging(settings, args.command)
    if args.command == "preview":
        return run_command(lambda: preview(settings, args))
    if args.command == "summarize":
        return run_command(lambda: summarize(settings, args))
    if args.command == "backup":
        return run_command(lambda: backup(settings, args))
    if args.command == "migrate-db":
        return run_command(lambda: migrate_db(settings, args))
    if args.command == "matches":
        from bot.matches import matches  # its own module: bot/matches.py

        return run_command(lambda: matches(settings, args))
    return run_command(lambda: run(settings))


def check(load_settings: Callable[[], Settings]) -> int:
    """Print the operator's checklist (bot/check/); a bad setting is its first failed line."""
    from bot.check import report_bad_settings, run_check

    try:
        settings = load_settings()
    except ConfigError as exc:
        return report_bad_settings(str(exc))
    _configure_logging(settings, "check")
    return run_command(lambda: run_check(settings))


def _configure_logging(settings: Settings, command: str) -> None:
    """Log to stderr; a one-shot command shows its result, not the bot's INFO chatter."""
    from bot.logs import configure_logging

    secrets = settings.secret_values()
    level = settings.log_level
    if command != "run" and "log_level" not in settings.model_fields_set:
        level = "WARNING"
    configure_logging(level, settings.log_format, secrets)


async def run(settings: Settings) -> int:
    """Run the bot, alone on its database, once the database has passed its check."""
    from bot.client import run_bot  # only `run` needs discord's client
    from bot.store.db import open_database
    from bot.store.instance import instance_lock, shard_locks

    if isinstance(settings.database, str):  # PostgreSQL: processes divide the shards
        async with shard_locks(settings.database, settings.shards_here):
            async with open_database(settings.database, check=True):
                pass
            return await run_bot(settings)
    with instance_lock(settings.database):
        # A damaged database stops start-up with one line rather than fail every poll.
        async with open_database(settings.database, check=True):
            pass
        return await run_bot(settings)


def _say_if_no_summarizer(settings: Settings) -> None:
    """Tell the user, once, why items show abstracts (docs/behaviour.md, "Summaries")."""
    if settings.anthropic_api_key is None:
        print(
            "arxiv-digest-bot: note: ANTHROPIC_API_KEY is not set; items show the abstract",
            file=sys.stderr,
        )


async def preview(settings: Settings, args: argparse.Namespace) -> int:
    """Show the digest the latest announcement would give these categories and keywords.

    The same pass as the bot's, for one target that exists nowhere: nothing is recorded.
    """
    from bot.arxiv.taxonomy import normalize_categories
    from bot.matching import parse_keywords
    from bot.targets.model import Target
    from bot.validate import normalize_language, parse_style

    categories = tuple(normalize_categories(args.categories))
    parse_keywords(args.keywords)  # bad keywords are the user's mistake: exit 2 before fetching
    target = Target(
        key=None,
        categories=categories,
        keywords=(args.keywords,),
        language=normalize_language(args.language, settings.default_language),
        max_papers=args.limit,
        include_cross_lists=args.include_cross_lists,
        style=parse_style(args.style),
    )
    from bot.app import open_services  # the heavy part, once the input is known to be good
    from bot.terminal import TerminalProgress, poll_latest, print_readable

    payloads: list[dict[str, object]] = []
    with TerminalProgress() as progress:
        async with open_services(settings, progress=progress) as services:
            _say_if_no_summarizer(settings)
            latest = await poll_latest(services.poller, categories, progress)
            if latest is not None:
                post = await services.planner.preview(target, latest)
                payloads = [message.to_payload() for message in post.messages]
    if args.json:
        print_payloads(payloads, sys.stdout)
    else:
        print_readable(payloads)
    return EXIT_OK


async def summarize(settings: Settings, args: argparse.Namespace) -> int:
    """Show the embed `/summarize` would post for one paper."""
    from bot.ids import parse_arxiv_id
    from bot.validate import normalize_language, parse_style

    arxiv_id = parse_arxiv_id(args.paper)
    language = normalize_language(args.language, settings.default_language)
    style = parse_style(args.style)
    from bot.app import open_services  # the heavy part, once the input is known to be good
    from bot.render import render_single
    from bot.terminal import TerminalProgress, print_readable

    with TerminalProgress() as progress:
        async with open_services(settings, progress=progress) as services:
            _say_if_no_summarizer(settings)
            try:
                item = await services.papers.summarize_id(arxiv_id, language)
            except PaperNotFoundError as exc:
                # A well-formed id arXiv does not know: the user's input, hence exit code 2.
                raise UserInputError(str(exc)) from exc
    payload = render_single(item, style).to_payload()
    if args.json:
        print_payloads([payload], sys.stdout)
    else:
        print_readable([payload])
    return EXIT_OK


async def backup(settings: Settings, args: argparse.Namespace) -> int:
    """Write a verified copy of the database to PATH; the bot may keep running meanwhile."""
    from bot.store.backup import backup_database

    if isinstance(settings.database, str):
        raise UserInputError(
            "backup copies an SQLite database; for PostgreSQL (DATABASE_URL) use pg_dump,"
            " see README, Backups"
        )
    report = await backup_database(settings.database, args.path)
    print(
        f"backed up {settings.database} (schema {report.schema_version},"
        f" {report.size_bytes:,} bytes) to {report.path}"
    )
    return EXIT_OK


async def migrate_db(settings: Settings, args: argparse.Namespace) -> int:
    """Copy the SQLite database into the empty PostgreSQL database `--to`, then say what moved."""
    from bot.store.copy import copy_database
    from bot.store.db import open_database
    from bot.store.instance import instance_lock
    from bot.terminal import TerminalProgress

    if isinstance(settings.database, str):
        raise UserInputError(
            "migrate-db copies an SQLite database, and DATABASE_URL already names PostgreSQL"
        )
    # The bot's lock: a bot still writing to the file would change it during the copy.
    with instance_lock(settings.database), TerminalProgress() as progress:
        async with open_database(settings.database) as source:
            report = await copy_database(
                source,
                args.to,
                progress=lambda table, done, total: progress(f"copying {table}", done, total),
            )
    print(
        f"copied {report.total:,} rows in {len(report.rows)} tables from {settings.database}"
        f" to {report.target}; row counts match. Set DATABASE_URL to it and start the bot."
    )
    return EXIT_OK


def console() -> NoReturn:
    """Run the command line as the `arxiv-digest-bot` command (and `python -m bot`); exit.

    By now every resource is closed. The collector's final pass at interpreter exit walks the
    whole import graph (discord.py, the Anthropic SDK, pydantic) and took longer than the
    bot's entire shutdown, 1-2 s on a busy 2-CPU machine (benchmarks/shutdown_benchmark.py):
    freezing what exists skips it, so SIGTERM ends the process within about two seconds.
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    console()
