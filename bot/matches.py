"""`arxiv-digest-bot matches`: every paper of the latest announcement that a keyword list
matches, best first, with no cap, for tuning keywords (README, "Command line").

Text output is one line per paper (id, title, the keywords it matched); `--json` prints a
JSON array of `{"id": ..., "title": ..., "matched": [...]}` with each keyword as the user
wrote it. Titles are shown as readers see them (LaTeX rendered).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.arxiv.taxonomy import normalize_categories
from bot.config import Settings
from bot.digest.announced import Announced
from bot.matching import KeywordQuery, match_papers, parse_keywords
from bot.models import Match, Paper
from bot.render.latex import readable_text
from bot.store.db import Database


async def matches(settings: Settings, args: argparse.Namespace) -> int:
    """Run the command: poll the feed, match, print every match; return the exit code."""
    from bot.app import open_services
    from bot.cli import EXIT_OK
    from bot.terminal import TerminalProgress, poll_latest, print_matches

    categories = normalize_categories(args.categories)
    query = parse_keywords(args.keywords)  # bad input fails before any request
    with TerminalProgress() as progress:
        async with open_services(settings, progress=progress) as services:
            latest = await poll_latest(services.poller, categories, progress)
            found: list[Match] = []
            if latest is not None:
                found = await latest_matches(
                    services.db, latest, categories, query, args.include_cross_lists
                )
    if args.json:
        print_matches_json(found, sys.stdout)
    else:
        print_matches([(m.paper.base_id, title_of(m.paper), m.keywords) for m in found])
    return EXIT_OK


async def latest_matches(
    db: Database,
    date: dt.date,
    categories: Sequence[str],
    query: KeywordQuery,
    include_cross_lists: bool,
) -> list[Match]:
    """Return every new paper of the announcement of `date` that `query` matches, ranked.

    The papers are those a digest of these categories is offered (bot/digest/announced.py):
    never a replacement, cross-lists only when asked.
    """
    day = await Announced.load(db, date)
    offered, _ = day.view(categories, include_cross_lists=include_cross_lists)
    return match_papers(query, offered)


def title_of(paper: Paper) -> str:
    """Return a paper's title as readers see it, on one line."""
    return " ".join(readable_text(paper.title).split())


def print_matches_json(found: Sequence[Match], out: TextIO) -> None:
    """Write the matches as one JSON array, best first."""
    rows = [
        {"id": m.paper.base_id, "title": title_of(m.paper), "matched": list(m.keywords)}
        for m in found
    ]
    json.dump(rows, out, ensure_ascii=False, indent=2)
    out.write("\n")
