"""Distinct terms compiled into sets and dictionaries, looked up by the tokens of a text.

Every keyword is a key of one dictionary, spelled with its words joined ("kvcache",
"finetuning"); a text matches a keyword where one of its tokens, a name inside a token
(bot/matching/text.py: "GraphRAG" holds RAG), or a run of adjacent tokens, joined, spells it
or one of its forms. Forms (bot/matching/forms.py) are looked up, not stored: a text's word
is reduced to what it may be a form of ("kvcaches": kvcache; "finetuned": finetune).

Speed (figures in benchmarks/match_benchmark.py): each text is tokenized once and looked up
with set and `map` passes that run in C; Python only visits the tokens new to the batch and
the places where a run of tokens may start. Runs of tokens are joined ("kv"+"cache") only
where the first token begins some keyword form, and grown only while the joined text still
does. What a token or a run of tokens matches is worked out once per batch (`SeenTokens`):
the abstracts of a batch share most of their words and many of their word pairs ("language
models").
"""

from __future__ import annotations

import sys
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, islice

from bot.matching.authors import AuthorIndex
from bot.matching.case import CaseChecks, case_checks, case_fits, same_case
from bot.matching.forms import (
    IZE_ENDINGS,
    VERB_ENDINGS,
    is_compound,
    ize_root,
    keys_of,
    number_forms,
    plural_bases,
    verb_bases,
)
from bot.matching.keywords import FUNCTION_WORDS, Term, TermKind
from bot.matching.text import has_views, views

_LONGEST_FUNCTION_WORD = max(map(len, FUNCTION_WORDS))
# What a token holds after a verb's doubled consonant ("plan" + "ning"): see `_step`.
_DOUBLED_ENDINGS = frozenset(VERB_ENDINGS)

# A word or prefix term as stored, or as found: (term id, where its words meet as bits
# (_boundaries), where the form's ending starts (no run of tokens may split it from there
# on), its case checks).
_Entry = tuple[int, int, int, CaseChecks]
# A quoted phrase: (term id, the forms each word may take, each word's case check or "").
_Phrase = tuple[int, tuple[frozenset[str], ...], tuple[str, ...]]


@dataclass(slots=True, eq=False)
class _Run:
    """A run of adjacent tokens ("large", "language"): what it matches, worked out once."""

    joined: str  # the tokens joined, lower case: "largelanguage"
    cased: str  # the same, case kept: "LargeLanguage"
    splits: int  # where in `joined` one token ends and the next begins, as bits (_boundaries)
    function_word: bool  # whether one of the tokens is a function word
    # Where, in TermIndex._joined_words, the forms that begin with `joined` are.
    first: int
    end: int
    grows: bool  # whether some of them go on, so that one more token may match
    matched: tuple[int, ...] = ()  # the terms that the run matches
    # The tokens seen after the run -> the longer run, or None when it can match nothing.
    after: dict[str, _Run | None] = field(default_factory=dict)


# Stands for a run not worked out yet, in `_Run.after` lookups.
_UNSEEN = _Run("", "", 0, function_word=False, first=0, end=0, grows=False)


@dataclass(slots=True)
class SeenTokens:
    """What one batch's distinct tokens and runs of tokens match, each worked out once."""

    # Every token of the batch (case kept) -> itself as a run, if a longer run may start with it.
    runs: dict[str, _Run | None] = field(default_factory=dict)
    lower: dict[str, str] = field(default_factory=dict)  # ... -> the token in lower case
    hitting: set[str] = field(default_factory=set)  # the tokens that match some term alone
    terms: dict[str, tuple[int, ...]] = field(default_factory=dict)  # ... and which


class TermIndex:
    """Distinct terms compiled for lookup by token; term ids are positions in `terms`."""

    def __init__(self, terms: Sequence[Term]) -> None:
        self._words: defaultdict[str, list[_Entry]] = defaultdict(list)
        self._pluralizable: set[str] = set()  # the keys of `_words` that may take a plural
        self._verbable: set[str] = set()  # the keys of `_words` that are a compound's verb
        self._izes: defaultdict[str, list[_Entry]] = defaultdict(list)  # `quantization`: quant
        self._prefix_terms: defaultdict[str, list[_Entry]] = defaultdict(list)
        self._phrases: defaultdict[str, list[_Phrase]] = defaultdict(list)
        self.authors = AuthorIndex()
        joined_words: list[str] = []  # of word forms and prefix terms
        # A function word starts a run only as the keyword's first word(s) (`in context`).
        function_words: set[str] = set()
        for term_id, term in enumerate(terms):
            tokens = term.tokens
            if term.kind is TermKind.WORD:
                self._add_word(term_id, term, joined_words)
            elif term.kind is TermKind.PREFIX:
                joined = "".join(tokens)
                joined_words.append(joined)
                checks = case_checks(term, len(joined))
                self._prefix_terms[joined].append(
                    (term_id, _boundaries(tokens), len(joined), checks)
                )
            elif term.kind is TermKind.PHRASE:
                variants = tuple(number_forms(token) for token in tokens)
                phrase = (term_id, variants, term.case_sensitive or ("",) * len(tokens))
                for first in variants[0]:
                    self._phrases[first].append(phrase)
            else:
                self.authors.add(term_id, tokens)
            # The texts before each boundary ("in", "inthe" of `in the wild`), if short enough.
            if len(tokens) > 1 and len(tokens[0]) <= _LONGEST_FUNCTION_WORD:
                function_words.update(FUNCTION_WORDS.intersection(accumulate(tokens[:-1])))
        # Sorted: the forms that begin with a text come together, right where the text would
        # go (`_Run.first`). A run of tokens grows into a form only while one of them begins
        # with its joined text and goes on.
        self._joined_words = sorted(set(joined_words))
        # The last letters of the text forms that may end in an ending worth taking off.
        self._endings = "s" + ("dg" if self._verbable else "") + ("desgn" if self._izes else "")
        # ... and the endings themselves, past the plural `s`.
        self._suffixes = (VERB_ENDINGS if self._verbable else ()) + (
            IZE_ENDINGS if self._izes else ()
        )
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

    def _add_word(self, term_id: int, term: Term, joined_words: list[str]) -> None:
        """Index a word term by its keys (`fine-tuning`: finetuning, and its verb finetun(e))."""
        tokens = term.tokens
        head = "".join(tokens[:-1]) if len(tokens) > 1 else ""
        boundaries = _boundaries(tokens) if head else 0
        cased = term.case_sensitive  # seldom: most keywords match any case
        keys = keys_of(tokens[-1], len(tokens) > 1 or is_compound(tokens))
        words = self._words
        for form, stem, pluralizable in keys.forms:
            joined = head + form
            end = len(head) + stem
            words[joined].append(
                (term_id, boundaries, end, case_checks(term, end) if cased else ())
            )
            if pluralizable:
                self._pluralizable.add(joined)
            joined_words.append(joined)
        for verb in keys.verb_stems:  # each also stored as a form, just above
            self._verbable.add(head + verb)
        if keys.ize_root is not None:
            end = len(head) + len(keys.ize_root)
            checks = case_checks(term, end) if cased else ()
            self._izes[head + keys.ize_root].append((term_id, boundaries, end, checks))

    def scan(self, tokens: list[str], seen: SeenTokens) -> set[int]:
        """Return the ids of the terms that `tokens` (one title or abstract, case kept) match.

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
            self._scan_runs(tokens, runs, hits, seen)
        if self._phrases:
            lower = list(map(seen.lower.__getitem__, tokens))
            if not self._phrases.keys().isdisjoint(lower):
                self._scan_phrases(tokens, lower, hits)
        return hits

    def _scan_phrases(self, tokens: list[str], lower: list[str], hits: set[int]) -> None:
        """Add the quoted phrases that `tokens` hold, word by word."""
        for start, token in enumerate(lower):
            for term_id, variants, cased in self._phrases.get(token, ()):
                if start + len(variants) <= len(lower) and all(
                    lower[start + i] in forms and same_case(written, tokens[start + i])
                    for i, (forms, written) in enumerate(zip(variants, cased, strict=True))
                ):
                    hits.add(term_id)

    def _learn(self, tokens: Iterable[str], seen: SeenTokens) -> None:
        """Work out what `tokens`, new to the batch, match alone, and which may start a run."""
        for token in tokens:
            lower = seen.lower[token] = token.lower()
            if alone := self._alone(token, lower):
                seen.hitting.add(token)
                seen.terms[token] = alone
            run = None
            if lower not in self._not_first:
                first, end, grows = self._beginning(lower, 0, len(self._joined_words))
                if grows:
                    run = _Run(lower, token, 0, lower in FUNCTION_WORDS, first, end, grows)
            seen.runs[token] = run

    def _scan_runs(
        self, tokens: list[str], runs: list[_Run | None], hits: set[int], seen: SeenTokens
    ) -> None:
        """Add the terms that runs of two or more tokens match ("kv", "cache").

        Such a run starts with a token that begins a keyword form, and each token added keeps
        its joined text the beginning of a form, or ends a prefix keyword (`pretrain*`: "pre"
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
                run = self._step(first, tokens[start + 1], seen)
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
                self._walk(run, tokens, start + 2, hits, seen)

    def _walk(
        self, run: _Run, tokens: list[str], start: int, hits: set[int], seen: SeenTokens
    ) -> None:
        """Add the terms that `run` followed by the tokens from `start` on matches."""
        for token in islice(tokens, start, None):
            longer = run.after.get(token, _UNSEEN)
            if longer is _UNSEEN:
                longer = self._step(run, token, seen)
            if longer is None:
                return
            hits.update(longer.matched)
            if not longer.grows:
                return
            run = longer

    def _step(self, run: _Run, token: str, seen: SeenTokens) -> _Run | None:
        """Return `run` followed by `token`, or None if that matches nothing; remember it."""
        before = run.joined
        lower = seen.lower[token]
        joined = before + lower
        forms = self._joined_words
        at = bisect_left(forms, joined, run.first, run.end)
        # What `joined` may match (a form, or a form's stem before an ending that `token`
        # holds, or a prefix keyword that ends inside `token`) is among `forms` and begins
        # with `before` and the token's first letter: the forms that do sit together, next to
        # where `joined` would go. Most pairs find none and are done after this one bisection
        # (some 3 in 4 in benchmarks/match_benchmark.py). The one exception: "plan" + "ning"
        # spells the verb "plan" with its consonant doubled.
        head = joined[: len(before) + 1]
        if not (
            (at < run.end and forms[at].startswith(head))
            or (at > run.first and forms[at - 1].startswith(head))
            or (lower[0] == before[-1] and lower[1:] in _DOUBLED_ENDINGS)
        ):
            run.after[token] = None
            return None
        first, end, grows = self._beginning(joined, at, run.end)
        words: Sequence[_Entry] = ()
        tail = joined[-1]
        if joined in self._words or (  # else no form: skip the call
            tail in self._endings and (tail == "s" or joined.endswith(self._suffixes))
        ):
            words = self._word_hits(joined, len(lower))
        # A prefix keyword may end inside `token`.
        ends_prefix = before in self._prefix_stems and before + lower[0] in self._heads
        longer = None
        if grows or words or ends_prefix:  # seldom: most pairs begin no keyword
            splits = run.splits | 1 << len(before)
            function_word = run.function_word or lower in FUNCTION_WORDS
            cased = run.cased + token
            entries = list(words)
            if ends_prefix:
                entries += [e for e in self._prefix_hits(joined) if e[2] > len(before)]
            matched = [
                term_id
                for term_id, boundaries, stem_end, checks in entries
                if _fits(splits, function_word, boundaries)
                and not splits >> stem_end
                and (not checks or case_fits(checks, cased))
            ]
            if grows or matched:
                longer = _Run(
                    joined, cased, splits, function_word, first, end, grows, tuple(matched)
                )
        run.after[token] = longer
        return longer

    def _alone(self, token: str, lower: str) -> tuple[int, ...]:
        """Return the ids of the terms that `token` matches by itself, or a name inside it."""
        alone = [
            e[0] for e in self._word_hits(lower, len(lower)) if not e[3] or case_fits(e[3], token)
        ]
        if lower[: self._shortest_prefix] in self._prefix_starts:
            alone += [e[0] for e in self._prefix_hits(lower) if case_fits(e[3], token)]
        if has_views(token):
            for piece in views(token):
                piece_lower = piece.lower()
                hits = list(self._word_hits(piece_lower, len(piece)))
                if piece_lower[: self._shortest_prefix] in self._prefix_starts:
                    hits += self._prefix_hits(piece_lower)  # `agent*`: "WebAgents"
                alone += [e[0] for e in hits if case_fits(e[3], piece)]
        return tuple(alone)

    def _word_hits(self, joined: str, last: int) -> Sequence[_Entry]:
        """Return the word terms that `joined` spells, or spells a form of.

        `last` is the length of the last token: a form's ending must be part of it, "polic
        ies" is no "policy". Each entry found says where the ending starts.
        """
        words = self._words
        found: Sequence[_Entry] = words.get(joined, ())
        end = joined[-1]
        if end not in self._endings:  # no ending to take off (most words): done
            return found
        inside = len(joined) - last  # an ending must start after this
        more: list[_Entry] = []
        plural = self._pluralizable
        # Most words ending in s are no keyword's plural: test the three spellings first.
        if end == "s" and (
            joined[:-1] in plural
            or (joined.endswith("es") and joined[:-2] in plural)
            or (joined.endswith("ies") and joined[:-3] + "y" in plural)
        ):
            for base, start in plural_bases(joined):
                if start > inside and base in plural:
                    more += [(t, b, min(s, start), c) for t, b, s, c in words[base]]
        if self._verbable and joined.endswith(VERB_ENDINGS):
            for base, start in verb_bases(joined):
                if start > inside and base in self._verbable:
                    more += [(t, b, start, c) for t, b, _, c in words[base]]
        if self._izes and joined.endswith(IZE_ENDINGS) and (root := ize_root(joined)):
            base, start = root
            if start > inside:
                more += [(t, b, start, c) for t, b, _, c in self._izes.get(base, ())]
        return [*found, *more] if more else found

    def _beginning(self, text: str, first: int, end: int) -> tuple[int, int, bool]:
        """Return where the forms that begin with `text` are, and if one of them goes on.

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

    def _prefix_hits(self, joined: str) -> list[_Entry]:
        """Return the prefix terms that `joined` starts with."""
        position = bisect_right(self._prefixes, joined) - 1
        if position < 0:
            return []
        # Every prefix of `joined` in the sorted list is a prefix of the greatest entry not
        # after `joined`, so they all sit on that entry's chain of shorter prefixes.
        node: str | None = self._prefixes[position]
        while node is not None and not joined.startswith(node):
            node = self._parent[node]
        found = []
        while node is not None:
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
