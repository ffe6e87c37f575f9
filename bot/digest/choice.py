"""What each target gets from an announcement: its matches, minus what it has, ranked and cut.

Every target's keywords go through ONE compiled matcher (bot.matching) over every paper the
announcement offers; each target keeps the matches its categories see, minus the papers it
already has, in ranked order, cut at its `max_papers` (or kept whole, for a member whose
marks reorder them first: bot.digest.planner). CPU work, run off the event loop.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from bot.digest.announced import Announced
from bot.errors import InvalidKeywordsError
from bot.matching import KeywordQuery, Matcher, Wanted, parse_keywords
from bot.models import Match, Paper
from bot.targets.model import Target, TargetKey

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class Choice:
    """What a target gets from an announcement before enrichment: ranked, cut matches.

    `matched` counts the papers its keywords matched that it did not have; `total` the
    papers it was offered that it did not have.
    """

    matches: tuple[Match, ...]
    matched: int
    total: int


def parse_queries(due: Sequence[Target]) -> list[KeywordQuery | None]:
    """Parse each target's keywords once per distinct list; None for a list that no longer parses.

    A stored list was valid when it was written; a later change of the keyword rules must
    cost that one target its post (logged), not stop the pass for everyone.
    """
    parsed: dict[tuple[str, ...], KeywordQuery | None] = {}
    result: list[KeywordQuery | None] = []
    for target in due:
        if target.keywords not in parsed:
            try:
                parsed[target.keywords] = parse_keywords(list(target.keywords))
            except InvalidKeywordsError as exc:
                log.warning("keywords of %s no longer parse, skipping it: %s", target.key, exc)
                parsed[target.keywords] = None
        result.append(parsed[target.keywords])
    return result


def choose(
    announced: Announced,
    due: Sequence[Target],
    queries: Sequence[KeywordQuery | None],
    delivered: Mapping[TargetKey, set[str]],
    uncut: frozenset[TargetKey] = frozenset(),
) -> list[Choice]:
    """Match every target at once with one compiled matcher; keep what each may receive.

    Targets in `uncut` keep all their matches (their member's marks reorder them first).
    """
    with gc_paused():
        return _choose_all(announced, due, queries, delivered, uncut)


def replaced_for(
    due: Sequence[Target],
    replacements: Sequence[Paper],
    carriers: Mapping[TargetKey, Mapping[str, int]],
) -> list[tuple[tuple[Paper, int], ...]]:
    """Return, per target, the new versions it replies to: (paper, message that carried it).

    Only targets that asked for versions (`versions:true`), and only papers they were given
    earlier.
    """
    found: list[tuple[tuple[Paper, int], ...]] = []
    for target in due:
        given = carriers.get(target.key, {}) if target.versions and target.key else {}
        found.append(tuple((p, given[p.base_id]) for p in replacements if p.base_id in given))
    return found


def _choose_all(
    announced: Announced,
    due: Sequence[Target],
    queries: Sequence[KeywordQuery | None],
    delivered: Mapping[TargetKey, set[str]],
    uncut: frozenset[TargetKey],
) -> list[Choice]:
    """Do `choose`'s work (with the collector paused)."""
    # Targets with the same keywords, the same papers to choose from and the same cut share
    # one entry of the matcher, which keeps only each entry's best `max_papers` and a count.
    entries: dict[tuple[tuple[str, ...], frozenset[str], int | None], int] = {}
    compiled: dict[int, KeywordQuery] = {}
    wanted: dict[int, Wanted] = {}
    planned: list[tuple[int | None, int]] = []  # per target: its entry, its total
    for target, query in zip(due, queries, strict=True):
        offered, offered_ids = announced.view(
            target.categories, include_cross_lists=target.include_cross_lists
        )
        have = delivered.get(target.key, set()) if target.key is not None else set()
        had = have & offered_ids
        total = len(offered) - len(had)
        if query is None:
            planned.append((None, total))
            continue
        among = offered_ids - had if had else offered_ids  # the view, shared, most often
        limit = None if target.key in uncut else target.max_papers
        entry = entries.setdefault((target.keywords, among, limit), len(entries))
        if entry not in compiled:
            compiled[entry] = query
            wanted[entry] = Wanted(limit, among)
        planned.append((entry, total))
    best = Matcher(compiled).best(announced.papers, wanted)
    return [
        Choice((), 0, total)
        if entry is None
        else Choice(best[entry].matches, best[entry].count, total)
        for entry, total in planned
    ]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for one batch of a pass.

    A pass holds some 10^5 matches and items alive, none in a reference cycle; the collector
    would walk them again and again as the batch allocates (about a quarter of the time of
    matching 2,000 targets against 1,000 papers, benchmarks/announcement_benchmark.py).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
