"""Listing one announcement's submission window from the query API: the queries and the typing.

The query API finds papers by category and by the submission time of their first version
(`<published>`): `(cat:cs.CL OR cat:cs.LG) AND submittedDate:[202604271800 TO 202604281800]`,
times in UTC to the minute (https://info.arxiv.org/help/api/user-manual.html, and arXiv's
note on date ranges: "the date/time string is interpreted as GMT"). Both ends of the range
are inclusive and a minute is its finest step, so the query asks for the whole minutes the
window touches and `ArxivApi.list_window` keeps the papers whose `published` falls in the
window exactly: a paper submitted at 14:00:00 New York time belongs to the next window.

Such a listing finds the papers first submitted in the window, which are the announcement's
`new` and `cross` entries. It does not find the announcement's replacements (new versions of
papers first submitted earlier), which the feed alone lists; and a paper held by moderation
appears in the window of its submission even if it is announced later.

The category union is split into groups so each query stays short; one paper found by two
groups is one paper. Papers are typed relative to the whole union, as the feed types an
entry relative to all of a request's categories: `new` when the primary category is one of
them, `cross` otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.arxiv.calendar import SubmissionWindow
from bot.models import AnnounceType, Paper

GROUP_SIZE = 10
"""Categories per query: `(cat:a OR ... OR cat:j)` stays well under any URL limit."""

QUERY_RESULT_LIMIT = 30_000
"""The API serves at most this many results of one query, however paged (its user manual)."""


@dataclass(frozen=True, slots=True)
class WindowListing:
    """The papers first submitted in one window, in the listing's categories.

    `papers` come typed (`new` before `cross`, each in id order, as in the feed) and dated
    `announced` when given. `requests` counts the query API requests made (one per page).
    """

    window: SubmissionWindow
    categories: tuple[str, ...]
    papers: tuple[Paper, ...]
    requests: int


def category_groups(
    categories: Iterable[str], size: int = GROUP_SIZE
) -> tuple[tuple[str, ...], ...]:
    """Split categories (deduplicated, sorted, so an archive stays together) into groups."""
    if size < 1:
        raise ValueError(f"group size must be at least 1, got {size}")
    ordered = sorted(set(categories))
    return tuple(tuple(ordered[i : i + size]) for i in range(0, len(ordered), size))


def window_query(group: Sequence[str], window: SubmissionWindow) -> str:
    """Return the `search_query` for a group's papers first submitted in the window.

    The range holds every minute the window touches, both ends included: minutes are the
    API's finest step, and `ArxivApi.list_window` drops what falls outside the window.
    """
    if not group:
        raise ValueError("a query needs at least one category")
    cats = " OR ".join(f"cat:{category}" for category in group)
    if len(group) > 1:
        cats = f"({cats})"
    return f"{cats} AND submittedDate:[{_minute(window.start)} TO {_minute(window.end)}]"


def typed_as_in_feed(
    papers: Iterable[Paper], categories: Iterable[str], announced: dt.date | None
) -> tuple[Paper, ...]:
    """Type listed papers as the feed for `categories` would, dated `announced`.

    `new` when the primary category is listed, `cross` otherwise; `new` first, then
    `cross`, each in id order (arXiv numbers papers in the order it announces them).
    """
    wanted = set(categories)
    typed = [
        dataclasses.replace(
            paper,
            announce_type=AnnounceType.NEW if _primary(paper) in wanted else AnnounceType.CROSS,
            announced=announced,
        )
        for paper in papers
    ]
    typed.sort(key=lambda p: (p.announce_type is not AnnounceType.NEW, p.base_id))
    return tuple(typed)


def _primary(paper: Paper) -> str | None:
    return paper.primary_category or (paper.categories[0] if paper.categories else None)


def _minute(moment: dt.datetime) -> str:
    """Format an instant as the API's `YYYYMMDDHHMM` in UTC (seconds dropped)."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%d%H%M")
