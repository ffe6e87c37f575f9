"""One compiled matcher for many targets -> ranked matches per target (docs/behaviour.md).

Papers are matched on their title and abstract as readers see them (`readable_text`: LaTeX
as Unicode, invisible characters removed), the very text the renderer shows.

Speed (benchmarks/match_benchmark.py: 10,000 keywords of 500 targets against 2,000
abstracts, some 1,000 times faster than one regex per keyword): every distinct term of every
target is compiled once (bot/matching/index.py); each paper is scanned once, and its hits fan
out to the targets that want them.
"""

from __future__ import annotations

import gc
from collections.abc import Container, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Generic, TypeVar

from bot.matching.index import SeenTokens, TermIndex
from bot.matching.keywords import KeywordQuery, Term, TermKind
from bot.matching.text import tokenize_cased
from bot.models import Match, Paper
from bot.render.latex import readable_text

K = TypeVar("K", bound=Hashable)

# One keyword of one target: (target, position among its positive keywords, (text as written,)).
# The text comes in a 1-tuple: what Match.keywords holds when it is the paper's only hit.
_Keyword = tuple[int, int, tuple[str]]
# A match ranked apart (several keywords, or some in the title): Match.rank_key, then the
# keywords; its Match is built only once it is known to be kept.
_Ranked = tuple[int, int, int, tuple[str, ...]]
# What one paper's hits mean to targets (Matcher._found): per target its first keyword found,
# all of them if several, how many the title holds; and the targets that exclude the paper.
_Hits = tuple[dict[int, _Keyword], dict[int, list[_Keyword]], dict[int, int], set[int]]


@dataclass(frozen=True, slots=True)
class Wanted:
    """What one target wants of a batch: its best `limit` matches among some papers."""

    limit: int | None = None  # None: every match
    among: Container[str] | None = None  # the base ids of the papers it may get; None: all


@dataclass(frozen=True, slots=True)
class Best:
    """A target's best matches of a batch, ranked, and how many papers it matched in all."""

    matches: tuple[Match, ...]
    count: int


def match_papers(query: KeywordQuery, papers: Sequence[Paper]) -> list[Match]:
    """Return the papers that match `query`, ranked (a convenience for one target)."""
    return Matcher({0: query}).match(papers)[0]


class Matcher(Generic[K]):
    """Compiled once for MANY targets; matches every target against a batch of papers."""

    def __init__(self, queries: Mapping[K, KeywordQuery]) -> None:
        """Compile every distinct term of every target once."""
        with _gc_paused():
            self._compile(queries)

    def _compile(self, queries: Mapping[K, KeywordQuery]) -> None:
        """Index every term by id, and which targets include or exclude it."""
        self._keys = list(queries)
        ids: dict[tuple[TermKind, tuple[str, ...], tuple[str, ...]], int] = {}
        terms: list[Term] = []
        includers: dict[int, list[_Keyword]] = {}
        # Term id -> the targets that exclude a paper whose title / title or abstract has it.
        title_excluders: dict[int, list[int]] = {}
        excluders: dict[int, list[int]] = {}
        self._match_all: list[int] = []
        for target, query in enumerate(queries.values()):
            # KeywordQuery.positive, spelled out: no property call per term.
            positive = [term for term in query.terms if not term.negated]
            position = {id(term): index for index, term in enumerate(positive)}
            for term in query.terms:
                # Term.key, spelled out (no property call per term); exclusions on the title
                # and on both find the same words: one term id.
                key = (term.kind, term.tokens, term.case_sensitive)
                term_id = ids.setdefault(key, len(terms))
                if term_id == len(terms):
                    terms.append(term)
                if term.negated:
                    scope = excluders if term.in_abstract else title_excluders
                    scope.setdefault(term_id, []).append(target)
                else:
                    keyword = (target, position[id(term)], (term.text,))
                    includers.setdefault(term_id, []).append(keyword)
            if not positive:
                self._match_all.append(target)
        # Term id -> its keywords in targets that include it / targets that exclude it.
        self._includers = includers
        self._excluders, self._title_excluders = excluders, title_excluders
        # As sets: set.intersection(a_dict) would walk the whole dict, not the smaller side.
        self._included = frozenset(self._includers)
        self._excluding = frozenset(self._excluders)
        self._title_excluding = frozenset(self._title_excluders)
        # Most often every term is some target's keyword: no need to pick those out.
        self._all_included = len(self._included) == len(terms)
        self._index = TermIndex(terms)

    def match(self, papers: Sequence[Paper]) -> dict[K, list[Match]]:
        """Return, for every target, the papers it matches, ranked by `Match.rank_key`."""
        with _gc_paused():
            return self._match(papers)

    def best(self, papers: Sequence[Paper], wanted: Mapping[K, Wanted]) -> dict[K, Best]:
        """Return, for every target, its best matches as `wanted` says, and how many in all.

        What `match` returns, cut: a target's `Best.matches` are the first `Wanted.limit` of
        its ranked matches among the papers it may get (`Wanted.among`); `Best.count` counts
        them all. Only the matches kept are built and held (a pass over 20,000 targets
        matches millions and keeps tens of thousands). A target not in `wanted` gets all.
        """
        every = Wanted()
        with _gc_paused():
            return self._best(papers, [wanted.get(key, every) for key in self._keys])

    def _match(self, papers: Sequence[Paper]) -> dict[K, list[Match]]:
        """Turn each paper's hits into one Match per target that wants them.

        Most matches have one keyword, not in the title: they rank after every other match
        and among themselves in paper order, which is the order they are found in. They go
        straight to `plain`, unsorted; only the others (`ranked`) need sorting.
        """
        plain: list[list[Match]] = [[] for _ in self._keys]
        ranked: list[list[_Ranked]] = [[] for _ in self._keys]
        for order, paper, hits in self._found(papers):
            first, several, titled, excluded = hits
            special = several.keys() | titled.keys()
            skipped = special | excluded
            for target, keyword in first.items():
                if target not in skipped:
                    plain[target].append(_new_match(paper, keyword[2], 0, order))
            for target in special - excluded:
                keywords = several.get(target) or [first[target]]
                ranked[target].append(_ranked(order, keywords, titled))
            for target in self._match_all:
                if target not in excluded:
                    plain[target].append(_new_match(paper, (), 0, order))
        result: dict[K, list[Match]] = {}
        for key, ahead, rest in zip(self._keys, ranked, plain, strict=True):
            ahead.sort()
            result[key] = _matches(papers, ahead) + rest
        return result

    def _best(self, papers: Sequence[Paper], wanted: Sequence[Wanted]) -> dict[K, Best]:
        """Do `best`'s work: `_match`, keeping only what can still be among the best.

        Plain matches arrive best first among themselves: a target keeps its first `limit`.
        The others are kept in a list cut back to the best `limit` whenever it doubles.
        """
        limits = [len(papers) if w.limit is None else w.limit for w in wanted]
        among = [w.among for w in wanted]
        counts = [0] * len(self._keys)
        plain: list[list[Match]] = [[] for _ in self._keys]
        ranked: list[list[_Ranked]] = [[] for _ in self._keys]
        for order, paper, hits in self._found(papers):
            first, several, titled, excluded = hits
            base_id = paper.base_id
            special = several.keys() | titled.keys()
            skipped = special | excluded
            for target, keyword in first.items():
                if target in skipped or not _admits(among[target], base_id):
                    continue
                counts[target] += 1
                if len(kept := plain[target]) < limits[target]:
                    kept.append(_new_match(paper, keyword[2], 0, order))
            for target in special - excluded:
                if not _admits(among[target], base_id):
                    continue
                counts[target] += 1
                ahead = ranked[target]
                ahead.append(_ranked(order, several.get(target) or [first[target]], titled))
                if len(ahead) > 2 * limits[target]:
                    ahead.sort()
                    del ahead[limits[target] :]
            for target in self._match_all:
                if target not in excluded and _admits(among[target], base_id):
                    counts[target] += 1
                    if len(kept := plain[target]) < limits[target]:
                        kept.append(_new_match(paper, (), 0, order))
        result: dict[K, Best] = {}
        for key, ahead, rest, limit, count in zip(
            self._keys, ranked, plain, limits, counts, strict=True
        ):
            ahead.sort()
            chosen = _matches(papers, ahead[:limit])
            chosen += rest[: limit - len(chosen)]
            result[key] = Best(tuple(chosen), count)
        return result

    def _found(self, papers: Sequence[Paper]) -> Iterator[tuple[int, Paper, _Hits]]:
        """Scan each paper once; yield, per paper, which targets its hits concern and how.

        Per target that wants the paper: its first keyword found, then all of them if it has
        several; how many of its keywords the title holds, if any; and which targets exclude
        the paper.
        """
        index, includers, included = self._index, self._includers, self._included
        all_included = self._all_included
        seen = SeenTokens()
        authors = index.authors
        any_excluders = bool(self._excluders or self._title_excluders)
        for order, paper in enumerate(papers):
            in_title = index.scan(tokenize_cased(readable_text(paper.title)), seen)
            hits = index.scan(tokenize_cased(readable_text(paper.abstract)), seen)
            hits |= in_title
            if paper.authors and authors:
                hits |= authors.scan(paper.authors)
            first: dict[int, _Keyword] = {}
            several: dict[int, list[_Keyword]] = {}
            for term in hits if all_included else hits & included:
                for keyword in includers[term]:
                    target = keyword[0]
                    if target not in first:
                        first[target] = keyword
                    elif target in several:
                        several[target].append(keyword)
                    else:
                        several[target] = [first[target], keyword]
            titled = self._title_hits(in_title) if in_title else {}
            excluded = self._excluded(hits, in_title) if any_excluders else set()
            yield order, paper, (first, several, titled, excluded)

    def _title_hits(self, in_title: set[int]) -> dict[int, int]:
        """Return, per target, how many of its keywords `in_title` (title hits) holds."""
        counts: dict[int, int] = {}
        for term in in_title & self._included:
            for target, _, _ in self._includers[term]:
                counts[target] = counts.get(target, 0) + 1
        return counts

    def _excluded(self, hits: set[int], in_title: set[int]) -> set[int]:
        """Return the targets that exclude the paper: by `hits`, or by `in_title` (`-term`)."""
        excluders, title_excluders = self._excluders, self._title_excluders
        excluded = {target for term in hits & self._excluding for target in excluders[term]}
        excluded.update(
            target for term in in_title & self._title_excluding for target in title_excluders[term]
        )
        return excluded


def _ranked(order: int, keywords: list[_Keyword], titled: Mapping[int, int]) -> _Ranked:
    """Return how a match ranks apart (`Match.rank_key`) and its keywords, one target's."""
    target = keywords[0][0]
    texts = tuple([text for _, _, (text,) in sorted(keywords)])  # to written order
    title_hits = titled.get(target, 0)
    return (-len(texts), -title_hits, order, texts)


def _matches(papers: Sequence[Paper], ranked: Sequence[_Ranked]) -> list[Match]:
    """Return the Matches of matches ranked apart (their order is their paper's position)."""
    return [_new_match(papers[order], texts, -minus, order) for _, minus, order, texts in ranked]


# `Match` is a frozen dataclass: its __init__ sets each field through `object.__setattr__`,
# which costs twice what setting its slots directly does, and a batch builds some 10^5
# Matches (a tenth of benchmarks/match_benchmark.py). `_new_match` sets the slots.
_MATCH_FIELDS = ("paper", "keywords", "title_hits", "order")
if tuple(field.name for field in fields(Match)) != _MATCH_FIELDS:  # pragma: no cover
    raise ImportError("bot.models.Match changed: update _MATCH_FIELDS and _new_match")
_SET_PAPER, _SET_KEYWORDS, _SET_TITLE_HITS, _SET_ORDER = (
    vars(Match)[name].__set__ for name in _MATCH_FIELDS
)


def _new_match(paper: Paper, keywords: tuple[str, ...], title_hits: int, order: int) -> Match:
    """Return `Match(paper, keywords, title_hits, order)`, built faster (see above)."""
    match: Match = object.__new__(Match)
    _SET_PAPER(match, paper)
    _SET_KEYWORDS(match, keywords)
    _SET_TITLE_HITS(match, title_hits)
    _SET_ORDER(match, order)
    return match


def _admits(among: Container[str] | None, base_id: str) -> bool:
    """Return whether a target that may get the papers `among` (None: all) may get this one."""
    return among is None or base_id in among


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for one batch.

    Compiling and matching allocate some 10^5 small objects (index entries, matches) that all
    stay alive, and none in a reference cycle; the collector would traverse them again and
    again for nothing: about 10% of the time in benchmarks/match_benchmark.py.

    On the way out they go straight to the oldest generation (`freeze` then `unfreeze`: two
    list splices), where the young collections that follow leave them alone; otherwise the
    first one would traverse them all at once, some 5% of the benchmark. Full collections
    still visit them. (Nothing else in the bot freezes objects, which `unfreeze` would thaw.)
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
