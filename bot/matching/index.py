"""Distinct terms compiled into sets and dictionaries, looked up by the tokens of a text.

Speed (figures in benchmarks/match_benchmark.py): each text is tokenized once and looked up
with set and `map` passes that run in C; Python only visits the tokens new to the batch and
the places where a run of tokens may start. Runs of tokens are joined ("kv"+"cache") only
where the first token begins some keyword, and grown only while the joined text still does.

What a token or a run of tokens matches is worked out once per batch (`SeenTokens`): the
abstracts of a batch share most of their words and many of their word pairs ("language
models"), and a batch's own words fit in CPU caches where the index's large dictionaries
do not. (Remembering costs a batch whose pairs seldom repeat: the 100 real abstracts of
tests/fixtures match ~40% slower than with every pair looked up afresh. Building the index
~3x faster, from a sorted list of keywords rather than a set of their every beginning, more
than makes up for it.)
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, islice

from bot.matching.keywords import FUNCTION_WORDS, WORD, Term, TermKind, normalize
from bot.models import Author

_LONGEST_FUNCTION_WORD = max(map(len, FUNCTION_WORDS))


@dataclass(slots=True, eq=False)
class _Run:
    """A run of adjacent tokens ("large", "language"): what it matches, worked out once."""

    joined: str  # the tokens joined: "largelanguage"
    splits: int  # where in `joined` one token ends and the next begins, as bits (_boundaries)
    function_word: bool  # whether one of the tokens is a function word
    # Where, in TermIndex._joined_words, the keywords that begin with `joined` are.
    first: int
    end: int
    grows: bool  # whether some of them go on, so that one more token may match
    matched: tuple[int, ...] = ()  # the terms that the run matches
    # The tokens seen after the run -> the longer run, or None when it can match nothing.
    after: dict[str, _Run | None] = field(default_factory=dict)


# Stands for a run not worked out yet, in `_Run.after` lookups.
_UNSEEN = _Run("", 0, function_word=False, first=0, end=0, grows=False)


@dataclass(slots=True)
class SeenTokens:
    """What one batch's distinct tokens and runs of tokens match, each worked out once."""

    # Every token of the batch -> itself as a run, if a longer run may start with it.
    runs: dict[str, _Run | None] = field(default_factory=dict)
    hitting: set[str] = field(default_factory=set)  # the tokens that match some term alone
    terms: dict[str, tuple[int, ...]] = field(default_factory=dict)  # ... and which


class TermIndex:
    """Distinct terms compiled for lookup by token; term ids are positions in `terms`."""

    def __init__(self, terms: Sequence[Term]) -> None:
        # Joined word term -> (term id, word boundaries); and those that take a plural ending
        # (`_word_hits`). Plural forms are looked up, not stored: fewer objects to build.
        self._words: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
        self._plural: set[str] = set()
        self._plural_ies: set[str] = set()
        # Joined prefix -> (term id, word boundaries).
        self._prefix_terms: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)
        self._phrases: defaultdict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
        self._authors: defaultdict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
        joined_words: list[str] = []  # of word and prefix terms
        # A function word starts a run only as the keyword's first word(s) (`in context`).
        function_words: set[str] = set()
        words, prefix_terms = self._words, self._prefix_terms
        for term_id, term in enumerate(terms):
            tokens = term.tokens
            joined = "".join(tokens)
            boundaries = _boundaries(tokens)
            if term.kind is TermKind.WORD:
                joined_words.append(joined)
                words[joined].append((term_id, boundaries))
                if joined[-1].isalpha():
                    self._plural.add(joined)
                    if joined[-1] == "y" and len(joined) > 1 and joined[-2] not in "aeiou":
                        self._plural_ies.add(joined)  # policy -> policies
            elif term.kind is TermKind.PREFIX:
                joined_words.append(joined)
                prefix_terms[joined].append((term_id, boundaries))
            elif term.kind is TermKind.PHRASE:
                self._phrases[tokens[0]].append((term_id, tokens))
            else:
                self._authors[tokens[0]].append((term_id, tokens))
            # The texts before each boundary ("in", "inthe" of `in the wild`), if short enough.
            if boundaries and len(tokens[0]) <= _LONGEST_FUNCTION_WORD:
                function_words.update(FUNCTION_WORDS.intersection(accumulate(tokens[:-1])))
        # Sorted: the keywords that begin with a text come together, right where the text
        # would go (`_Run.first`). A run of tokens grows into a keyword only while one of them
        # begins with its joined text and goes on; not into a plural: the ending must be part
        # of the last token.
        self._joined_words = sorted(set(joined_words))
        self._not_first = FUNCTION_WORDS - function_words
        self._prefixes = sorted(self._prefix_terms)
        self._parent = {
            prefix: _longest_prefix_in(prefix, self._prefix_terms) for prefix in self._prefixes
        }
        self._prefix_stems = {p[:end] for p in self._prefixes for end in range(1, len(p))}
        # A prefix keyword can end inside the token after `token` only if `token` plus the
        # next token's first character begins it: these "heads".
        self._heads = {p[: end + 1] for p in self._prefixes for end in range(1, len(p))}
        # A token starts with a prefix keyword only if it starts like one.
        self._shortest_prefix = min(map(len, self._prefixes), default=0)
        self._prefix_starts = {p[: self._shortest_prefix] for p in self._prefixes}

    def scan(self, tokens: list[str], seen: SeenTokens) -> set[int]:
        """Return the ids of the terms that `tokens` (one title or abstract) match.

        Set operations and `compress` run in C over the whole text; Python only visits the
        tokens that are new to the batch, and the places where a run of tokens may match.
        """
        try:
            runs = list(map(seen.runs.__getitem__, tokens))
        except KeyError:  # some tokens are new to the batch
            self._learn(set(tokens).difference(seen.runs), seen)
            runs = list(map(seen.runs.__getitem__, tokens))
        hits: set[int] = set()
        hits.update(*map(seen.terms.__getitem__, seen.hitting.intersection(tokens)))
        if len(tokens) > 1:
            self._scan_runs(tokens, runs, hits)
        if self._phrases and not self._phrases.keys().isdisjoint(tokens):
            for start, token in enumerate(tokens):
                for term_id, words in self._phrases.get(token, ()):
                    if tuple(tokens[start : start + len(words)]) == words:
                        hits.add(term_id)
        return hits

    def _learn(self, tokens: Iterable[str], seen: SeenTokens) -> None:
        """Work out what `tokens`, new to the batch, match alone, and which may start a run."""
        for token in tokens:
            if alone := self._alone(token):
                seen.hitting.add(token)
                seen.terms[token] = alone
            run = None
            if token not in self._not_first:
                first, end, grows = self._beginning(token, 0, len(self._joined_words))
                if grows:
                    run = _Run(token, 0, token in FUNCTION_WORDS, first, end, grows)
            seen.runs[token] = run

    def _scan_runs(self, tokens: list[str], runs: list[_Run | None], hits: set[int]) -> None:
        """Add the terms that runs of two or more tokens match ("kv", "cache").

        Such a run starts with a token that begins a keyword, and each token added keeps its
        joined text the beginning of a keyword, or ends a prefix keyword (`pretrain*`: "pre"
        + "trained"). `runs` holds each token as a run of one, None if it starts none; it is
        consumed. This loop is the hot spot of matching: it spells out the first step, what
        `_walk` does for the next ones.
        """
        last = len(tokens) - 1
        runs.pop()  # the last token starts no run of two
        # `compress` skips, in C, the tokens that begin no keyword (most of them).
        for start, first in compress(enumerate(runs), runs):
            if first is None:  # never (`compress` passed runs only): narrows the type
                continue
            run = first.after.get(tokens[start + 1], _UNSEEN)
            if run is _UNSEEN:
                run = self._step(first, tokens[start + 1])
            if run is None:  # most pairs
                continue
            if run.matched:
                hits.update(run.matched)
            # Walk on unless the next token is known to end the run (most often).
            if (
                run.grows
                and start < last - 1
                and run.after.get(tokens[start + 2], _UNSEEN) is not None
            ):
                self._walk(run, tokens, start + 2, hits)

    def _walk(self, run: _Run, tokens: list[str], start: int, hits: set[int]) -> None:
        """Add the terms that `run` followed by the tokens from `start` on matches."""
        for token in islice(tokens, start, None):
            longer = run.after.get(token, _UNSEEN)
            if longer is _UNSEEN:
                longer = self._step(run, token)
            if longer is None:
                return
            hits.update(longer.matched)
            if not longer.grows:
                return
            run = longer

    def _step(self, run: _Run, token: str) -> _Run | None:
        """Return `run` followed by `token`, or None if that matches nothing; remember it."""
        before = run.joined
        joined = before + token
        first, end, grows = self._beginning(joined, run.first, run.end)
        words: Sequence[tuple[int, int]] = ()
        if joined in self._words or joined[-1] == "s":
            words = self._word_hits(joined, len(token))
        # A prefix keyword may end inside `token`.
        ends_prefix = before in self._prefix_stems and before + token[0] in self._heads
        longer = None
        if grows or words or ends_prefix:  # seldom: most pairs begin no keyword
            splits = run.splits | 1 << len(before)
            function_word = run.function_word or token in FUNCTION_WORDS
            matched = [
                term_id for term_id, boundaries in words if _fits(splits, function_word, boundaries)
            ]
            if ends_prefix:
                matched += [
                    term_id
                    for term_id, boundaries in self._prefix_hits(joined, len(before))
                    if _fits(splits, function_word, boundaries)
                ]
            if grows or matched:
                longer = _Run(joined, splits, function_word, first, end, grows, tuple(matched))
        run.after[token] = longer
        return longer

    def scan_authors(self, authors: Iterable[Author]) -> set[int]:
        """Return the ids of the `au:` terms that one of `authors` matches."""
        hits: set[int] = set()
        if not self._authors:
            return hits
        for author in authors:
            words = WORD.findall(normalize(author.name))
            for start, word in enumerate(words):
                for term_id, name in self._authors.get(word, ()):
                    if tuple(words[start : start + len(name)]) == name:
                        hits.add(term_id)
        return hits

    def _alone(self, token: str) -> tuple[int, ...]:
        """Return the ids of the terms that `token` matches by itself."""
        alone = [term_id for term_id, _ in self._word_hits(token, len(token))]
        if token[: self._shortest_prefix] in self._prefix_starts:
            alone += [term_id for term_id, _ in self._prefix_hits(token, 0)]
        return tuple(alone)

    def _beginning(self, text: str, first: int, end: int) -> tuple[int, int, bool]:
        """Return where the keywords that begin with `text` are, and if one of them goes on.

        Look only among `_joined_words[first:end]`, those that begin with `text` minus its
        last token.
        """
        words = self._joined_words
        first = bisect_left(words, text, first, end)
        if first == end or not words[first].startswith(text):
            return first, first, False
        if (after := _after_all_beginning_with(text)) is not None:
            end = bisect_left(words, after, first, end)
        return first, end, end - first > (words[first] == text)

    def _word_hits(self, joined: str, last: int) -> Sequence[tuple[int, int]]:
        """Return the word terms that `joined` spells, or spells in the plural.

        `last` is the length of the last token: the plural ending must be part of it, "polic
        ies" is no "policy".
        """
        words = self._words
        if joined[-1] != "s":
            return words.get(joined, ())
        found = list(words.get(joined, ()))
        if last > 1 and joined[:-1] in self._plural:
            found += words[joined[:-1]]
        if last > 2 and joined[-2] == "e" and joined[:-2] in self._plural:
            found += words[joined[:-2]]
        if last > 3 and joined[-3:] == "ies" and joined[:-3] + "y" in self._plural_ies:
            found += words[joined[:-3] + "y"]
        return found

    def _prefix_hits(self, joined: str, covered: int) -> list[tuple[int, int]]:
        """Return the prefix terms that `joined` starts with and that end past `covered`."""
        position = bisect_right(self._prefixes, joined) - 1
        if position < 0:
            return []
        # Every prefix of `joined` in the sorted list is a prefix of the greatest entry not
        # after `joined`, so they all sit on that entry's chain of shorter prefixes.
        node: str | None = self._prefixes[position]
        while node is not None and not joined.startswith(node):
            node = self._parent[node]
        found = []
        while node is not None and len(node) > covered:
            found += self._prefix_terms[node]
            node = self._parent[node]
        return found


def _longest_prefix_in(text: str, candidates: Mapping[str, object]) -> str | None:
    """Return the longest proper prefix of `text` that is a key of `candidates`."""
    for end in range(len(text) - 1, 0, -1):
        if text[:end] in candidates:
            return text[:end]
    return None


def _after_all_beginning_with(text: str) -> str | None:
    """Return the least text that sorts after every text beginning with `text` ("kv": "kw").

    None if there is none: `text` is made of the last Unicode character only.
    """
    text = text.rstrip(_LAST_CHARACTER)
    return text[:-1] + chr(ord(text[-1]) + 1) if text else None


_LAST_CHARACTER = chr(sys.maxunicode)


def _boundaries(tokens: Sequence[str]) -> int:
    """Return where, in the joined text of `tokens`, one word ends and the next begins.

    As the bits of an int (`kv cache`: 1 << 2), which is cheap to build and to compare, and
    no object for the garbage collector to track.
    """
    return sum(map((1).__lshift__, accumulate(map(len, tokens[:-1]))))  # in C: many terms


def _fits(splits: int, function_word: bool, boundaries: int) -> bool:
    """Return whether a run of text words may stand for a keyword with these word boundaries.

    It may when it splits none of the keyword's words (it may join them: "KVCache" for
    `kv cache`), or when none of its words is a function word ("data set" for `dataset`).
    """
    return not function_word or not splits & ~boundaries
