"""Make untrusted text safe and short enough for Discord.

Titles, abstracts, author names, keywords and even Claude's summaries come from outside, so
every string goes through the same steps, in this order:

1. control characters dropped (Discord and JSON refuse some), input past `INPUT_MAX` set
   aside behind an ellipsis;
2. made readable (`latex.readable_text`: invisible characters removed, LaTeX to Unicode; the
   keyword matcher matches on the same text), then whitespace collapsed;
3. mentions defused: a zero-width space after the `@` of `@everyone`, `@here` and `<@...>`,
   in case a message is ever sent without `allowed_mentions` (which is the real guard);
4. markdown escaped (`discord.utils.escape_markdown`) where Discord renders markdown: title,
   description, field values. Author name and footer are shown verbatim, so they are not
   escaped (a backslash would show);
5. cut to its limit at a word boundary, with an ellipsis, after escaping (so the final length
   is what Discord counts) but never between a backslash and the character it escapes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Final

from discord.utils import escape_markdown

from bot.render.latex import readable_text
from bot.render.limits import DESCRIPTION_MAX, ELLIPSIS

# No slot of an embed shows more than the description's 4,096 characters, so no more than
# that of any input is rendered (LaTeX parsing costs ~7 µs a character); the rest is marked
# with an ellipsis. arXiv abstracts, the longest inputs, are at most 1,920 characters
# (https://info.arxiv.org/help/prep.html#abstracts).
INPUT_MAX: Final = DESCRIPTION_MAX
ZERO_WIDTH_SPACE: Final = "\u200b"
_MENTION_AT: Final = re.compile(r"@(?=everyone|here)|(?<=<)@", re.IGNORECASE)
_PARAGRAPH_BREAK: Final = re.compile(r"\n[ \t]*\n|\n[ \t]+")  # arXiv indents new paragraphs
_KEEP_CONTROLS: Final = frozenset("\t\n\r")
# Characters that belong to the one before them: cutting in front of them would orphan them.
_JOINERS: Final = frozenset("\u200d\ufe0e\ufe0f")
# A cut falls back to the last space only if that keeps at least this share of the room;
# otherwise (one huge word, or a script without spaces) it cuts inside the word.
_WORD_CUT_MIN_SHARE: Final = 0.5


# A pass renders the same titles, author names and abstracts for many targets (each with
# its own matched keywords); LaTeX parsing is most of the cost, so cleaned lines are kept.
# Bounded: about 30,000 lines, a few tens of MB at most.
@functools.lru_cache(maxsize=32_768)
def plain_line(text: str) -> str:
    """Return `text` as one clean line for places Discord shows verbatim (author, footer)."""
    head, rest = _head(text)
    return defuse_mentions(_collapse(readable_text(_drop_controls(head)))) + rest


@functools.lru_cache(maxsize=32_768)
def markdown_line(text: str) -> str:
    """Return `text` as one clean line, markdown escaped, for titles and field values."""
    return escape_markdown(plain_line(text))


def markdown_paragraphs(text: str) -> str:
    """Return `text` cleaned and escaped like `markdown_line`, keeping its paragraphs.

    arXiv abstracts are hard-wrapped; a line break followed by indentation, or a blank
    line, starts a new paragraph (that is how arxiv.org's abstract pages read them).
    """
    head, rest = _head(text)
    paragraphs = (markdown_line(p) for p in _PARAGRAPH_BREAK.split(_drop_controls(head)))
    return "\n".join(p for p in paragraphs if p) + rest


def defuse_mentions(text: str) -> str:
    """Insert a zero-width space after the `@` of anything Discord could read as a ping."""
    return _MENTION_AT.sub("@" + ZERO_WIDTH_SPACE, text)


def truncate(text: str, limit: int, *, force: bool = False) -> str:
    """Return `text` cut to at most `limit` characters, ending in an ellipsis if cut.

    With `force`, the result ends in an ellipsis even if `text` fits: the caller dropped
    something after it and the reader should see that.
    """
    if limit < len(ELLIPSIS):
        raise ValueError(f"cannot truncate to {limit} characters")
    if len(text) <= limit and not (force and text and not text.endswith(ELLIPSIS)):
        return text
    if force and len(text) < limit:
        return text + ELLIPSIS
    return text[: _cut_point(text, limit - len(ELLIPSIS))] + ELLIPSIS


def join_items(items: Iterable[str], sep: str, limit: int) -> str:
    """Join whole items with `sep` within `limit`; show what did not fit as a final "…".

    Items are never cut in the middle unless even the first one does not fit.
    """
    kept: list[str] = []
    used = 0
    for item in items:
        added = len(item) + (len(sep) if kept else 0)
        if used + added <= limit:
            kept.append(item)
            used += added
            continue
        if not kept:
            return truncate(item, limit)
        while kept and used + len(sep) + len(ELLIPSIS) > limit:
            used -= len(kept.pop()) + (len(sep) if kept else 0)
        return sep.join([*kept, ELLIPSIS])
    return sep.join(kept)


def join_sections(
    sections: Sequence[tuple[str, str]], limit: int, *, sep: str = "\n\n", min_body: int = 40
) -> str:
    """Join labelled sections (label, body) within `limit`, cutting bodies, never labels.

    The first section that does not fit is cut if at least `min_body` characters of it
    fit; otherwise it is left out and the text before it ends in an ellipsis. So a label
    such as "**Motivation:**" is never left half-cut (and unbalanced) at the end.
    """
    text = ""
    for label, body in sections:
        lead = sep if text else ""
        if len(text) + len(lead) + len(label) + len(body) <= limit:
            text += lead + label + body
            continue
        room = limit - len(text) - len(lead) - len(label)
        if room >= min_body or (not text and room >= len(ELLIPSIS)):
            return text + lead + label + truncate(body, room)
        if not text:
            return truncate(label + body, limit)
        return truncate(text, limit, force=True)
    return text


def _head(text: str) -> tuple[str, str]:
    """Split off what is worth rendering: (`text`, "") or (its first words, "…")."""
    if len(text) <= INPUT_MAX:
        return text, ""
    words = text[:INPUT_MAX].rsplit(None, 1)
    return (words[0] if len(words) > 1 else text[:INPUT_MAX]), ELLIPSIS


def _drop_controls(text: str) -> str:
    """Remove control characters and lone surrogates, which Discord or JSON would reject."""
    if text.isprintable():
        return text
    return "".join(
        c for c in text if c in _KEEP_CONTROLS or unicodedata.category(c) not in ("Cc", "Cs")
    )


def _collapse(text: str) -> str:
    """Turn every run of whitespace (line breaks included) into one space."""
    return " ".join(text.split())


def _cut_point(text: str, room: int) -> int:
    """Return where to cut `text` so that `text[:cut]` fits in `room` and reads well.

    Prefers the last whitespace; never separates a backslash from the character it
    escapes, nor a base character from a combining mark or joiner after it; drops
    whitespace before the cut.
    """
    escaped = _escaped_positions(text, room + 1)
    cut = room
    space = next(
        (i for i in range(room, -1, -1) if text[i].isspace() and i not in escaped),
        -1,
    )
    if space >= room * _WORD_CUT_MIN_SHARE:
        cut = space
    while cut > 0 and (cut in escaped or _attaches_to_previous(text[cut])):
        cut -= 1
    while cut > 0 and text[cut - 1].isspace() and (cut - 1) not in escaped:
        cut -= 1
    return cut


def _escaped_positions(text: str, end: int) -> set[int]:
    """Return the indexes (below `end`) of characters escaped by the backslash before them."""
    escaped: set[int] = set()
    i = 0
    while i < end:
        if text[i] == "\\" and i + 1 < len(text):
            escaped.add(i + 1)
            i += 2
        else:
            i += 1
    return escaped


def _attaches_to_previous(char: str) -> bool:
    """Return whether `char` renders as part of the character before it."""
    return char in _JOINERS or unicodedata.combining(char) != 0
