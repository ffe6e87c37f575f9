"""Keyword rules -> one compiled matcher for many targets -> ranked matches (SPEC section 4).

A keyword list is comma-separated, as a person writes it:

- `rag`, `kv cache`: whole words, any case, accents ignored, in the title or the abstract.
  Spaces, hyphens and nothing between words are equal (`kv cache` = "KV cache", "KV-cache",
  "KVCache"); a plural `s`/`es`/`ies` is allowed on the last word (`llm` matches "LLMs").
  Symbols are literal words of their own: `c++` matches "C++" and not "C".
- `agent*`: any word starting with `agent` ("agentic").
- `"exact phrase"`: those words in that order, nothing joined, no plural.
- `au:Lastname`: a word (or words, in order) of one author's name.
- `-term` (any of the above): a paper that matches it is left out.

A run of text words stands for a keyword when, joined, it spells the keyword (or its plural).
When the run splits one of the keyword's words (`dataset` and "data set", `kvcache` and "KV
cache"), none of the run's words may be a function word: `inform` does not match "in form",
`agent` does not match "a gent".

Speed (figures in benchmarks/match_benchmark.py: 10,000 keywords of 500 targets against
2,000 abstracts, some 1,000 times faster than one regex per keyword): every distinct term of
every target is compiled into sets and dictionaries once; each paper is tokenized once and
looked up with set operations. Runs of tokens are joined ("kv"+"cache") only where the pair
begins some keyword, and grown only while the joined text still does.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import accumulate, chain, compress
from typing import Generic, TypeVar

from bot.errors import InvalidKeywordsError
from bot.ids import echo_input
from bot.models import Author, Match, Paper

MAX_KEYWORDS = 50
MAX_KEYWORD_LENGTH = 100
MIN_PREFIX_LENGTH = 3

K = TypeVar("K", bound=Hashable)

_DASHES = "-\u2010\u2011\u2012\u2013"  # hyphen-minus, hyphen, non-breaking hyphen, dashes
# A token is a run of letters and digits, or one symbol; spaces and dashes only separate.
_TOKEN = re.compile(rf"[^\W_]+|[^\s{re.escape(_DASHES)}]")
_ASCII_TOKEN = re.compile(r"[a-z0-9]+|[^\s\-]")  # the same on lower-cased ASCII
_WORD = re.compile(r"[^\W_]+")
# Unicode's combining diacritical mark blocks: what NFKD splits off accented letters.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_QUOTES = ('"', "“", "”", "„")  # phones type curly quotes
_SEPARATORS = re.compile(r"[,\n]")
# Words too common to be half of a split keyword word: "in form" is not `inform`.
_FUNCTION_WORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "for", "from", "has",
        "have", "in", "into", "is", "it", "its", "not", "of", "on", "or", "our", "than",
        "that", "the", "their", "these", "this", "to", "was", "we", "were", "which", "with",
    }
)  # fmt: skip


class TermKind(StrEnum):
    """How a term matches (see the module docstring)."""

    WORD = "word"
    PREFIX = "prefix"
    PHRASE = "phrase"
    AUTHOR = "author"


@dataclass(frozen=True, slots=True)
class Term:
    """One keyword: `text` exactly as written (what readers see), `tokens` normalized."""

    text: str
    kind: TermKind
    tokens: tuple[str, ...]
    negated: bool = False

    @property
    def key(self) -> tuple[TermKind, tuple[str, ...]]:
        """Return what makes two terms match the same papers (`KV cache` = `kv-cache`)."""
        return (self.kind, self.tokens)


@dataclass(frozen=True, slots=True)
class KeywordQuery:
    """The parsed keyword rules of one target (a digest or a subscription), in written order."""

    terms: tuple[Term, ...] = ()

    @property
    def positive(self) -> tuple[Term, ...]:
        """Return the terms a paper may match, authors included, in written order."""
        return tuple(term for term in self.terms if not term.negated)

    @property
    def include(self) -> tuple[Term, ...]:
        """Return the positive title/abstract terms."""
        return tuple(term for term in self.positive if term.kind is not TermKind.AUTHOR)

    @property
    def authors(self) -> tuple[Term, ...]:
        """Return the positive `au:` terms."""
        return tuple(term for term in self.positive if term.kind is TermKind.AUTHOR)

    @property
    def exclude(self) -> tuple[Term, ...]:
        """Return the `-term`s: a paper matching any of them is left out."""
        return tuple(term for term in self.terms if term.negated)

    @property
    def is_empty(self) -> bool:
        """Return whether there is no positive term, so every paper (not excluded) matches."""
        return not self.positive

    def __str__(self) -> str:
        """Return the list as the user wrote it, duplicates folded: `llm, kv cache, -survey`."""
        return ", ".join(term.text for term in self.terms)


def normalize(text: str) -> str:
    """Lower-case `text` and strip accents (`André` -> `andre`), so matching ignores both."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.replace("\u00ad", ""))  # soft hyphen
    return _COMBINING.sub("", decomposed).casefold()


def tokenize(text: str) -> list[str]:
    """Split normalized `text` into word tokens and single-symbol tokens (`C++` -> c, +, +)."""
    normalized = normalize(text)
    # Most abstracts are ASCII, where a simpler pattern gives the same tokens ~30% faster.
    return (_ASCII_TOKEN if normalized.isascii() else _TOKEN).findall(normalized)


def parse_keywords(text: str | Sequence[str]) -> KeywordQuery:
    """Parse comma-separated keyword lists into a query; fold duplicates, keep written order.

    Raise InvalidKeywordsError, with a one-line message for the user, when the list is too
    long, a keyword is too long or malformed, or a keyword is both included and excluded.
    """
    pieces = [text] if isinstance(text, str) else list(text)
    entries = [entry for piece in pieces for entry in _split_entries(piece)]
    if len(entries) > MAX_KEYWORDS:
        raise InvalidKeywordsError(
            f"too many keywords: {len(entries)} (at most {MAX_KEYWORDS}, separated by commas)"
        )
    terms: dict[tuple[TermKind, tuple[str, ...]], Term] = {}
    for entry in entries:
        term = parse_term(entry)
        earlier = terms.setdefault(term.key, term)
        if earlier.negated != term.negated:
            raise InvalidKeywordsError(
                f"{echo_input(earlier.text)} and {echo_input(term.text)} both include and "
                "exclude the same keyword (keep one)"
            )
    return KeywordQuery(tuple(terms.values()))


def parse_term(entry: str) -> Term:
    """Parse one keyword as written (`rag`, `agent*`, `"a phrase"`, `au:Name`, `-survey`)."""
    entry = entry.strip()
    if len(entry) > MAX_KEYWORD_LENGTH:
        raise _invalid(entry, f"too long, at most {MAX_KEYWORD_LENGTH} characters")
    negated = entry.startswith("-")
    body = entry[1:].strip() if negated else entry
    if body[:3].casefold() == "au:":
        kind = TermKind.AUTHOR
        tokens = tuple(_WORD.findall(normalize(body[3:])))
    elif body.startswith(_QUOTES):
        if len(body) < 2 or not body.endswith(_QUOTES):
            raise _invalid(entry, 'quotes must surround the whole phrase, e.g. "kv cache"')
        kind, tokens = TermKind.PHRASE, tuple(tokenize(body[1:-1]))
    elif any(quote in body for quote in _QUOTES):
        raise _invalid(entry, 'quotes must surround the whole phrase, e.g. "kv cache"')
    elif "*" in body.rstrip("*") or body.endswith("**"):
        raise _invalid(entry, "* goes only at the end, e.g. agent*")
    elif body.endswith("*"):
        kind, tokens = TermKind.PREFIX, tuple(tokenize(body[:-1]))
        if len("".join(tokens)) < MIN_PREFIX_LENGTH:
            raise _invalid(entry, f"write at least {MIN_PREFIX_LENGTH} characters before *")
    else:
        kind, tokens = TermKind.WORD, tuple(tokenize(body))
    if not any(token[0].isalnum() for token in tokens):
        raise _invalid(entry, "a keyword needs a letter or digit")
    return Term(entry, kind, tokens, negated)


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
        ids: dict[tuple[TermKind, tuple[str, ...]], int] = {}
        terms: list[Term] = []
        # Term id -> (target, position among the target's positive keywords, text as written).
        self._includers: defaultdict[int, list[tuple[int, int, str]]] = defaultdict(list)
        self._excluders: defaultdict[int, list[int]] = defaultdict(list)
        self._match_all: list[int] = []
        for target, query in enumerate(queries.values()):
            positive = query.positive
            position = {term.key: index for index, term in enumerate(positive)}
            for term in query.terms:
                term_id = ids.setdefault(term.key, len(terms))
                if term_id == len(terms):
                    terms.append(term)
                if term.negated:
                    self._excluders[term_id].append(target)
                else:
                    keyword = (target, position[term.key], term.text)
                    self._includers[term_id].append(keyword)
            if not positive:
                self._match_all.append(target)
        self._index = _TermIndex(terms)

    def match(self, papers: Sequence[Paper]) -> dict[K, list[Match]]:
        """Return, for every target, the papers it matches, ranked by `Match.rank_key`."""
        with _gc_paused():
            return self._match(papers)

    def _match(self, papers: Sequence[Paper]) -> dict[K, list[Match]]:
        """Scan each paper once; turn its hits into one Match per target that wants them."""
        # Per target: (-keywords, -title hits, order, keywords, title hits), which sorts like
        # Match.rank_key without calling it 10^5 times; Matches are built once sorted.
        found: list[list[tuple[int, int, int, tuple[str, ...], int]]] = [[] for _ in self._keys]
        seen = _SeenTokens()
        for order, paper in enumerate(papers):
            in_title = self._index.scan(tokenize(paper.title), seen)
            hits = in_title | self._index.scan(tokenize(paper.abstract), seen)
            if paper.authors:
                hits |= self._index.scan_authors(paper.authors)
            excluded = self._excluded(hits)
            for target, keywords in self._wanted_by(hits, in_title).items():
                if target in excluded:
                    continue
                if len(keywords) == 1:
                    _, text, title_hits = keywords[0]
                    found[target].append((-1, -title_hits, order, (text,), title_hits))
                else:
                    keywords.sort()  # by position: back to written order
                    texts = tuple([text for _, text, _ in keywords])
                    title_hits = sum([in_title_hit for _, _, in_title_hit in keywords])
                    found[target].append((-len(texts), -title_hits, order, texts, title_hits))
            for target in self._match_all:
                if target not in excluded:
                    found[target].append((0, 0, order, (), 0))
        result: dict[K, list[Match]] = {}
        for key, ranked in zip(self._keys, found, strict=True):
            ranked.sort()
            result[key] = [
                Match(papers[order], texts, title, order) for _, _, order, texts, title in ranked
            ]
        return result

    def _excluded(self, hits: set[int]) -> set[int]:
        """Return the targets that one of `hits` excludes."""
        if not self._excluders:
            return set()
        return {target for term in hits for target in self._excluders.get(term, ())}

    def _wanted_by(
        self, hits: set[int], in_title: set[int]
    ) -> dict[int, list[tuple[int, str, int]]]:
        """Return, per target that wants some of `hits`, those keywords.

        Each as (position among the target's keywords, text as written, 1 if in the title).
        """
        wanted: dict[int, list[tuple[int, str, int]]] = {}
        for term in hits:
            title = 1 if term in in_title else 0
            for target, position, text in self._includers.get(term, ()):
                if target in wanted:
                    wanted[target].append((position, text, title))
                else:
                    wanted[target] = [(position, text, title)]
        return wanted


@dataclass(slots=True)
class _SeenTokens:
    """The distinct tokens of one batch, each looked up once: which match terms alone."""

    tokens: set[str] = field(default_factory=set)
    hitting: set[str] = field(default_factory=set)
    terms: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # Those that may start a run: a small set of the batch's own words, kind to CPU caches.
    firsts: set[str] = field(default_factory=set)


class _TermIndex:
    """Distinct terms compiled for lookup by token; term ids are positions in `terms`."""

    def __init__(self, terms: Sequence[Term]) -> None:
        # Joined form (plural forms too) -> (term id, word boundaries, plural ending length).
        self._forms: defaultdict[str, list[tuple[int, frozenset[int], int]]] = defaultdict(list)
        # Joined prefix -> (term id, word boundaries).
        self._prefix_terms: defaultdict[str, list[tuple[int, frozenset[int]]]] = defaultdict(list)
        self._phrases: defaultdict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
        self._authors: defaultdict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
        joined_words: list[str] = []  # of word and prefix terms
        # A function word starts a run only as the keyword's first word(s) (`in context`).
        function_words: set[str] = set()
        for term_id, term in enumerate(terms):
            joined = "".join(term.tokens)
            boundaries = _boundaries(term.tokens)
            if term.kind is TermKind.WORD:
                joined_words.append(joined)
                for form, suffix in _word_forms(joined):
                    self._forms[form].append((term_id, boundaries, suffix))
            elif term.kind is TermKind.PREFIX:
                joined_words.append(joined)
                self._prefix_terms[joined].append((term_id, boundaries))
            elif term.kind is TermKind.PHRASE:
                self._phrases[term.tokens[0]].append((term_id, term.tokens))
            else:
                self._authors[term.tokens[0]].append((term_id, term.tokens))
            if boundaries:
                function_words.update(_FUNCTION_WORDS.intersection(joined[:b] for b in boundaries))
        # Every beginning of every joined keyword, whole ones included, and whether it is a
        # proper one: a run of tokens whose joined text is not a key cannot match, one whose
        # text maps to False cannot grow. (Plural endings are never tokens of their own.)
        self._runs = {
            joined[:end]: True for joined in joined_words for end in range(1, len(joined))
        }
        for whole in chain(self._forms, self._prefix_terms):
            self._runs.setdefault(whole, False)
        self._not_first = _FUNCTION_WORDS - function_words
        self._prefixes = sorted(self._prefix_terms)
        self._parent = {
            prefix: _longest_prefix_in(prefix, self._prefix_terms) for prefix in self._prefixes
        }
        self._prefix_stems = {p[:end] for p in self._prefixes for end in range(1, len(p))}
        # A prefix keyword can end inside the token after `token` only if `token` plus the
        # next token's first character begins it: these "heads".
        self._prefix_heads = {p[: end + 1] for p in self._prefixes for end in range(1, len(p))}

    def scan(self, tokens: list[str], seen: _SeenTokens) -> set[int]:
        """Return the ids of the terms that `tokens` (one title or abstract) match.

        Set operations and `compress` run in C over the whole text; Python only visits the
        tokens that match alone and the places where a run of tokens may match.
        """
        hits: set[int] = set()
        distinct = set(tokens)
        for token in distinct - seen.tokens:
            seen.tokens.add(token)
            if alone := self._alone(token):
                seen.hitting.add(token)
                seen.terms[token] = alone
            if self._runs.get(token) and token not in self._not_first:
                seen.firsts.add(token)
        for token in distinct & seen.hitting:
            hits.update(seen.terms[token])
        if len(tokens) > 1:
            self._scan_runs(tokens, seen.firsts, hits)
        if self._phrases and not self._phrases.keys().isdisjoint(distinct):
            for start, token in enumerate(tokens):
                for term_id, words in self._phrases.get(token, ()):
                    if tuple(tokens[start : start + len(words)]) == words:
                        hits.add(term_id)
        return hits

    def _scan_runs(self, tokens: list[str], firsts: set[str], hits: set[int]) -> None:
        """Add the terms that runs of two or more tokens match ("kv", "cache").

        Such a run starts with a token that begins a keyword, and the pair it makes with the
        next token begins a keyword too ("kv"+"cache"), or a prefix keyword ends inside the
        next token (`pretrain*`: "pre"+"trained"). This loop is the hot spot of matching.
        """
        runs, forms = self._runs, self._forms
        prefix_stems, heads = self._prefix_stems, self._prefix_heads
        last = len(tokens) - 1
        # `compress` skips, in C, the tokens that begin no keyword (most of them).
        for start in compress(range(last), map(firsts.__contains__, tokens)):
            first, second = tokens[start], tokens[start + 1]
            pair = first + second
            grows = runs.get(pair)
            if grows is not None:
                if found := forms.get(pair):  # _check_run, inlined
                    for term_id, boundaries, suffix in found:
                        if len(second) > suffix and _fits((first, second), boundaries):
                            hits.add(term_id)
                # Grow the run only where a third token can still match.
                if grows and start + 2 <= last:
                    third = tokens[start + 2]
                    if pair + third in runs or pair + third[0] in heads:
                        self._grow(tokens, start, pair, hits)
            if first in prefix_stems and first + second[0] in heads:
                self._check_prefixes(tokens, start, start + 2, first, hits)

    def scan_authors(self, authors: Iterable[Author]) -> set[int]:
        """Return the ids of the `au:` terms that one of `authors` matches."""
        hits: set[int] = set()
        if not self._authors:
            return hits
        for author in authors:
            words = _WORD.findall(normalize(author.name))
            for start, word in enumerate(words):
                for term_id, name in self._authors.get(word, ()):
                    if tuple(words[start : start + len(name)]) == name:
                        hits.add(term_id)
        return hits

    def _alone(self, token: str) -> tuple[int, ...]:
        """Return the ids of the terms that `token` matches by itself."""
        alone = [
            term_id for term_id, _, suffix in self._forms.get(token, ()) if len(token) > suffix
        ]
        alone += [term_id for term_id, _ in self._prefix_hits(token, 0)]
        return tuple(alone)

    def _grow(self, tokens: list[str], start: int, joined: str, hits: set[int]) -> None:
        """Add the terms matched by runs of three or more tokens from `start`."""
        for end in range(start + 3, len(tokens) + 1):
            before = joined
            joined += tokens[end - 1]
            grows = self._runs.get(joined)
            if grows is not None or before in self._prefix_stems:
                self._check_run(tokens, start, end, before, hits)
            if not grows:
                return

    def _check_run(
        self, tokens: list[str], start: int, end: int, before: str, hits: set[int]
    ) -> None:
        """Add the terms that the run `tokens[start:end]` matches.

        `before` is the run's text without its last token.
        """
        last = tokens[end - 1]
        if found := self._forms.get(before + last):
            run = tokens[start:end]
            for term_id, boundaries, suffix in found:
                # The plural ending must be part of the last word: "polic ies" is no "policy".
                if len(last) > suffix and _fits(run, boundaries):
                    hits.add(term_id)
        if before in self._prefix_stems:
            self._check_prefixes(tokens, start, end, before, hits)

    def _check_prefixes(
        self, tokens: list[str], start: int, end: int, before: str, hits: set[int]
    ) -> None:
        """Add the prefix terms that end inside the last token of the run `tokens[start:end]`."""
        run = tokens[start:end]
        for term_id, boundaries in self._prefix_hits(before + run[-1], len(before)):
            if _fits(run, boundaries):
                hits.add(term_id)

    def _prefix_hits(self, joined: str, covered: int) -> list[tuple[int, frozenset[int]]]:
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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for one batch.

    Compiling and matching allocate some 10^5 small objects (index entries, matches) that all
    stay alive, and none in a reference cycle; the collector would traverse them again and
    again for nothing: about 10% of the time in benchmarks/match_benchmark.py.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _word_forms(joined: str) -> list[tuple[str, int]]:
    """Return the joined forms a word term matches, with the length of their plural ending."""
    forms = [(joined, 0)]
    if joined[-1].isalpha():
        forms += [(joined + "s", 1), (joined + "es", 2)]
        if joined.endswith("y") and len(joined) > 1 and joined[-2] not in "aeiou":
            forms.append((joined[:-1] + "ies", 3))  # policy -> policies
    return forms


def _longest_prefix_in(text: str, candidates: Mapping[str, object]) -> str | None:
    """Return the longest proper prefix of `text` that is a key of `candidates`."""
    for end in range(len(text) - 1, 0, -1):
        if text[:end] in candidates:
            return text[:end]
    return None


def _boundaries(tokens: Sequence[str]) -> frozenset[int]:
    """Return where, in the joined text of `tokens`, one word ends and the next begins."""
    if len(tokens) == 1:
        return _NO_BOUNDARIES
    return frozenset(accumulate(len(token) for token in tokens[:-1]))


_NO_BOUNDARIES: frozenset[int] = frozenset()


def _fits(run: Sequence[str], boundaries: frozenset[int]) -> bool:
    """Return whether a run of text words may stand for a keyword with these word boundaries.

    It may when it splits none of the keyword's words (it may join them: "KVCache" for
    `kv cache`), or when none of its words is a function word ("data set" for `dataset`).
    """
    end = 0
    for word in run[:-1]:
        end += len(word)
        if end not in boundaries:
            return _FUNCTION_WORDS.isdisjoint(run)
    return True


def _split_entries(text: str) -> list[str]:
    """Split at commas and newlines outside quotes; drop blank entries."""
    entries: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char in _QUOTES:
            quoted = not quoted
        if not quoted and _SEPARATORS.match(char):
            entries.append("".join(current))
            current = []
        else:
            current.append(char)
    if quoted:
        raise InvalidKeywordsError(
            f'unbalanced quote in keywords: {echo_input(text)} (write "exact phrase" with both '
            "quotes)"
        )
    entries.append("".join(current))
    return [entry.strip() for entry in entries if entry.strip()]


def _invalid(entry: str, reason: str) -> InvalidKeywordsError:
    """Build the one-line error for one keyword: the keyword as given and what is wrong."""
    return InvalidKeywordsError(f"invalid keyword {echo_input(entry)}: {reason}")
