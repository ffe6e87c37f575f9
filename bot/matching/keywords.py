"""Keyword lists as people write them -> parsed terms (SPEC section 4).

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
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.errors import InvalidKeywordsError
from bot.ids import echo_input

MAX_KEYWORDS = 50
MAX_KEYWORD_LENGTH = 100
MIN_PREFIX_LENGTH = 3

_DASHES = "-\u2010\u2011\u2012\u2013"  # hyphen-minus, hyphen, non-breaking hyphen, dashes
# A token is a run of letters and digits, or one symbol; spaces and dashes only separate.
# (`++` is possessive: a run of letters never gives any back, so the engine need not remember
# how to: a few percent faster.)
_TOKEN = re.compile(rf"[^\W_]++|[^\s{re.escape(_DASHES)}]")
_ASCII_TOKEN = re.compile(r"[a-z0-9]++|[^\s\-]")  # the same on lower-cased ASCII
WORD = re.compile(r"[^\W_]+")
# Unicode's combining diacritical mark blocks: what NFKD splits off accented letters.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
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
        tokens = tuple(WORD.findall(normalize(body[3:])))
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
