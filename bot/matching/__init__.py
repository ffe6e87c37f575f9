"""Keyword rules -> one compiled matcher for many targets -> ranked matches (docs/behaviour.md).

- `keywords`: the keyword language (its rules are in that module's docstring), parsing;
- `text`: text as matched (folding, tokens, the names inside compound tokens);
- `forms`: the usual forms of a keyword's last word (plural, verb forms);
- `case`: what a keyword typed with capitals asks of the text;
- `authors`: `au:` names;
- `index`: the distinct terms of all targets compiled for lookup by the tokens of a text;
- `matcher`: Matcher, which scans each paper once and hands each target its ranked matches
  (all of them, or its best few and a count);
- `report`: what a keyword list finds in one announcement (for the reply to `/subscribe`).
"""

from bot.matching.keywords import (
    FUNCTION_WORDS,
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    MIN_PREFIX_LENGTH,
    KeywordQuery,
    Term,
    TermKind,
    parse_keywords,
    parse_term,
)
from bot.matching.matcher import Best, Matcher, Wanted, match_papers
from bot.matching.text import normalize, tokenize

# The name the tests of the function-word rule import.
_FUNCTION_WORDS = FUNCTION_WORDS

__all__ = [
    "FUNCTION_WORDS",
    "MAX_KEYWORDS",
    "MAX_KEYWORD_LENGTH",
    "MIN_PREFIX_LENGTH",
    "Best",
    "KeywordQuery",
    "Matcher",
    "Term",
    "TermKind",
    "Wanted",
    "match_papers",
    "normalize",
    "parse_keywords",
    "parse_term",
    "tokenize",
]
