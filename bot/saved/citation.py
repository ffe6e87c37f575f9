"""Facts every export format needs: a paper's year and date, readable text, surname-first names."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from bot.models import Paper
from bot.render.latex import readable_text

# Large collaborations list thousands of authors; an export keeps the first hundred and says
# there are more (BibTeX's "and others", "et al." elsewhere), so a file of a member's whole
# list stays far below Discord's attachment size limit.
MAX_AUTHORS = 100

# Words that belong to the surname that follows ("van den Driessche", "de Las Casas"); the
# first word of a name is never one ("Le Sun" is Sun, Le).
# fmt: off
_PARTICLES = frozenset({
    "da", "das", "de", "del", "della", "den", "der", "di", "do", "dos", "du", "la", "las", "le",
    "los", "ten", "ter", "van", "von", "zu",
})
# fmt: on
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
# A name that is a group, not a person: kept whole ("ATLAS Collaboration").
_GROUP = re.compile(r"\b(?:collaboration|consortium|team|group|project)\b", re.IGNORECASE)
_NEW_STYLE_YEAR = re.compile(r"^(\d{2})(\d{2})\.")
_OLD_STYLE_YEAR = re.compile(r"/(\d{2})(\d{2})\d+$")


def paper_date(paper: Paper) -> dt.date | None:
    """Return the date of this version (the API's `updated`), else the first version's."""
    moment = paper.updated or paper.published
    return None if moment is None else moment.astimezone(dt.UTC).date()


def paper_year(paper: Paper) -> int:
    """Return the year of this version; without dates, the year the id was issued (YYMM)."""
    date = paper_date(paper) or paper.announced
    if date is not None:
        return date.year
    found = _NEW_STYLE_YEAR.match(paper.base_id) or _OLD_STYLE_YEAR.search(paper.base_id)
    if found is None:  # not an arXiv id; the store only holds arXiv ids
        return dt.datetime.now(dt.UTC).year
    two_digits = int(found.group(1))
    # Old-style ids began in 1991 (https://info.arxiv.org/help/arxiv_identifier.html).
    return (1900 if two_digits >= 91 else 2000) + two_digits


def readable(text: str) -> str:
    """Return `text` as one line of what readers see: LaTeX rendered, control characters gone."""
    rendered = readable_text(text)
    spaced = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in rendered)
    return " ".join(spaced.split())


def surname_first(name: str) -> str:
    """Return a name as reference managers want it: `Last, First` (`Last, First, Jr.`).

    arXiv gives names as written ("George van den Driessche"); the surname is the last word
    with any lower-case particles before it. One-word names and groups are kept whole.
    """
    words = readable(name).split()
    if len(words) < 2 or _GROUP.search(name):
        return " ".join(words)
    suffix = ""
    if words[-1].lower() in _SUFFIXES and len(words) > 2:
        suffix = words.pop()
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    surname, given = " ".join(words[start:]), " ".join(words[:start])
    return f"{surname}, {given}, {suffix}" if suffix else f"{surname}, {given}"
