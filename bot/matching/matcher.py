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
from collections.abc import Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
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
# A match ranked apart (several keywords, or some in the title): Match.rank_key, then the match.
_Ranked = tuple[int, int, int, Match]


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

    def _match(self, papers: Sequence[Paper]) -> dict[K, list[Match]]:
        """Scan each paper once; turn its hits into one Match per target that wants them.

        Most matches have one keyword, not in the title: they rank after every other match
        and among themselves in paper order, which is the order they are found in. They go
        straight to `plain`, unsorted; only the others (`ranked`) need sorting.
        """
        plain: list[list[Match]] = [[] for _ in self._keys]
        ranked: list[list[_Ranked]] = [[] for _ in self._keys]
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
            # Per target that wants the paper: its first keyword found, then all if several.
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
            special = several.keys() | titled.keys()
            skipped = special | excluded
            for target, keyword in first.items():
                if target not in skipped:
                    plain[target].append(Match(paper, keyword[2], 0, order))
            for target in special - excluded:
                keywords = sorted(several.get(target) or [first[target]])  # to written order
                texts = tuple([text for _, _, (text,) in keywords])
                title_hits = titled.get(target, 0)
                match = Match(paper, texts, title_hits, order)
                ranked[target].append((-len(texts), -title_hits, order, match))
            for target in self._match_all:
                if target not in excluded:
                    plain[target].append(Match(paper, (), 0, order))
        result: dict[K, list[Match]] = {}
        for key, ahead, rest in zip(self._keys, ranked, plain, strict=True):
            ahead.sort()
            result[key] = [entry[3] for entry in ahead] + rest
        return result

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
