"""Keyword lists as people write them -> parsed terms (README, "Keywords").

A keyword list is comma-separated, as a person writes it:

- `rag`, `kv cache`: whole words in the title or the abstract, accents ignored. Written in
  lower case (or with one capital) a word matches any case; a word with two or more capitals
  (`CLIP`, `MoE`, `KV cache`) matches that case only. Spaces, hyphens and nothing between
  words are equal (`kv cache` = "KV cache", "KV-cache", "KVCache"); the last word's usual
  forms match too (bot/matching/forms.py: `llm` = "LLMs", `fine-tuning` = "fine-tuned"); and
  a name inside a compound or before a version (bot/matching/text.py: `rag` = "GraphRAG",
  `qwen` = "Qwen2.5-VL-7B"). Symbols are literal words of their own: `c++` matches "C++".
- `agent*`: any word starting with `agent` ("agentic").
- `"exact phrase"`: those words in that order, each singular or plural; nothing else varies.
- `au:Lastname`, `au:Y. Bengio`: an author (bot/matching/authors.py).
- `-term` (any of the above): a paper whose title matches it is left out; `-abs:term`
  looks at the abstract too; `-au:Name` at the authors.

A run of text words stands for a keyword when, joined, it spells one of the keyword's forms.
When the run splits one of the keyword's words (`dataset` and "data set", `kvcache` and "KV
cache"), none of the run's words may be a function word: `inform` does not match "in form",
`agent` does not match "a gent".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.errors import InvalidKeywordsError
from bot.ids import echo_input
from bot.matching.text import WORD, normalize, tokenize_cased
from bot.render.latex import readable_text

MAX_KEYWORDS = 50
MAX_KEYWORD_LENGTH = 100
MIN_PREFIX_LENGTH = 3

_QUOTES = ('"', "“", "”", "„")  # phones type curly quotes
_SEPARATORS = re.compile(r"[,\n]")
# Words too common to be half of a split keyword word: "in form" is not `inform`.
FUNCTION_WORDS = frozenset(
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


# What makes two terms match the same papers: kind, words, the words whose case counts, and
# for an exclusion whether it looks at the abstract.
TermKey = tuple[TermKind, tuple[str, ...], tuple[str, ...], bool]


@dataclass(frozen=True, slots=True)
class Term:
    """One keyword: `text` exactly as written (what readers see), `tokens` lower-cased.

    `case_sensitive` holds, per token, the token as written (accents folded) if it has two
    or more capitals (`CLIP`, `MoE`, the `KV` of `KV cache`), which then match that case
    only, else ""; it is empty when no token's case counts. `in_abstract` is False for a
    `-term`, which looks at the title only (`-abs:term` looks at both).
    """

    text: str
    kind: TermKind
    tokens: tuple[str, ...]
    negated: bool = False
    case_sensitive: tuple[str, ...] = ()
    in_abstract: bool = True

    @property
    def key(self) -> TermKey:
        """Return what makes two terms match the same papers (`KV cache` = `KV-cache`)."""
        return (self.kind, self.tokens, self.case_sensitive, self.in_abstract)


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
    terms: dict[TermKey, Term] = {}
    signs: dict[TermKey, Term] = {}  # the same keyword, whatever it excludes on
    for entry in entries:
        term = parse_term(entry)
        terms.setdefault(term.key, term)
        earlier = signs.setdefault((*term.key[:3], True), term)
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
    in_abstract = not negated
    if body[:4].casefold() == "abs:":
        if not negated:
            raise _invalid(entry, "abs: goes only after -, e.g. -abs:survey")
        body, in_abstract = body[4:].strip(), True
    cased: tuple[str, ...] = ()
    tokens: tuple[str, ...] = ()
    if body[:3].casefold() == "au:":
        kind = TermKind.AUTHOR
        tokens = tuple(WORD.findall(normalize(readable_text(body[3:]))))
    elif body.startswith(_QUOTES):
        if len(body) < 2 or not body.endswith(_QUOTES):
            raise _invalid(entry, 'quotes must surround the whole phrase, e.g. "kv cache"')
        kind, cased = TermKind.PHRASE, tuple(tokenize_cased(body[1:-1]))
    elif any(quote in body for quote in _QUOTES):
        raise _invalid(entry, 'quotes must surround the whole phrase, e.g. "kv cache"')
    elif "*" in body.rstrip("*") or body.endswith("**"):
        raise _invalid(entry, "* goes only at the end, e.g. agent*")
    elif body.endswith("*"):
        kind, cased = TermKind.PREFIX, tuple(tokenize_cased(body[:-1]))
        if len("".join(cased)) < MIN_PREFIX_LENGTH:
            raise _invalid(entry, f"write at least {MIN_PREFIX_LENGTH} characters before *")
    else:
        kind, cased = TermKind.WORD, tuple(tokenize_cased(body))
    if cased:
        tokens = tuple(token.lower() for token in cased)
    if not any(token[:1].isalnum() for token in tokens):
        raise _invalid(entry, "a keyword needs a letter or digit")
    case_sensitive = tuple(token if _capitals(token) >= 2 else "" for token in cased)
    if not any(case_sensitive):
        case_sensitive = ()
    return Term(
        entry, kind, tokens, negated, case_sensitive, in_abstract or kind is TermKind.AUTHOR
    )


def _capitals(token: str) -> int:
    """Return how many capital letters `token` has."""
    return 0 if token.islower() else sum(1 for char in token if char.isupper())


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
