"""What a compact item shows of arXiv's comment: the venue and the code link, not the page count.

Authors write the comment field freely (https://info.arxiv.org/help/prep.html#comments); on a
real day two comments in three are page and figure counts ("13 pages, 12 figures"), which a
reader skimming a digest does not need, and the rest says what they look for: where the paper
is accepted ("Accepted at ICLR 2026") and where the code is. `highlights` keeps the clauses
that say something else than counts, and `fit_comment` shortens the result without ever
cutting a link. No discord.py here: plain text in, plain text out.
"""

from __future__ import annotations

import re
from typing import Final

from bot.render.limits import ELLIPSIS

# Clauses are separated by commas, semicolons, a full stop before a space, or a spaced dash.
_SEPARATOR: Final = re.compile(r"(\s*[,;]\s*|\.\s+|\s+[-–—]\s+)")
_NUMBER: Final = (
    r"(?:\d+(?:\s*[+-]\s*\d+)*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty)"
)
_COUNTED: Final = (
    r"(?:pages?|pp|figures?|figs?|tables?|appendi(?:x|ces)|references?|refs|theorems?"
    r"|equations?|algorithms?|citations?)"
)
_COUNT: Final = re.compile(rf"\b{_NUMBER}\s*-?\s*{_COUNTED}\b\.?", re.IGNORECASE)
# Words that only ever go with counts ("12 pages plus supplementary material").
_FILLER: Final = re.compile(
    r"\b(?:and|with|including|incl|plus|main|text|paper|supplementary|supplemental|supplement"
    r"|supp|material|materials|mat|information|info|appendix|appendices|references|content"
    r"|of|in|total)\b\.?"
    r"|[+&()\[\]/:.,;]",
    re.IGNORECASE,
)
_WELCOME: Final = re.compile(
    r"^(?:any\s+)?(?:comments?|feedback|suggestions?)(?:\s+(?:and|or)\s+\w+)?"
    r"(?:\s+(?:are|is))?(?:\s+(?:very|most|greatly))?\s+(?:welcome[d]?|appreciated)\b.*$",
    re.IGNORECASE,
)
_URL: Final = re.compile(r"https?://\S+")


def highlights(comment: str | None) -> str:
    """Return the comment without its page, figure and table counts ("" when nothing is left).

    "13 pages, 12 figures, accepted at ICML 2026" becomes "accepted at ICML 2026"; a clause
    that is only counts, or asks for comments, is left out; every other clause is kept as
    written, with the separator that came before it.
    """
    text = " ".join((comment or "").split())
    parts = _SEPARATOR.split(text)
    kept: list[str] = []
    for index in range(0, len(parts), 2):
        clause = parts[index].strip()
        if not clause or _is_noise(clause):
            continue
        if kept:
            kept.append(_spaced(parts[index - 1]))
        kept.append(clause)
    return "".join(kept).strip()


def fit_comment(text: str, limit: int) -> str:
    """Return `text` within `limit` characters, cut at a word, never through a link.

    When the first link (usually the code) does not fit whole in the cut text, the text
    before it is cut shorter and the link follows an ellipsis: a reader looking for the
    code still finds it.
    """
    if len(text) <= limit:
        return text
    link = _URL.search(text)
    if link is None or link.end() <= limit - len(ELLIPSIS):
        return _cut_outside_links(text, limit)
    url = link.group()
    room = limit - len(url) - len(ELLIPSIS) - 1
    if room < 0:
        return _cut_outside_links(text[: link.start()].rstrip(), limit) if link.start() else ""
    head = _cut_words(text[: link.start()].rstrip(), room)
    return f"{head}{ELLIPSIS} {url}" if head else url


def _is_noise(clause: str) -> bool:
    """Say whether a clause is only counts ("12 pages, 5 figures") or asks for comments."""
    if _WELCOME.match(clause):
        return True
    rest = _FILLER.sub(" ", _COUNT.sub(" ", clause))
    return not rest.strip() and bool(_COUNT.search(clause) or _FILLER.search(clause))


def _spaced(separator: str) -> str:
    """Return a clause separator written the usual way: ", ", "; ", ". " or " - "."""
    mark = separator.strip()
    if mark in (",", ";", "."):
        return mark + " "
    return f" {mark} "


def _cut_outside_links(text: str, limit: int) -> str:
    """Cut `text` to `limit` with an ellipsis at a word boundary, before any link it would cut."""
    room = limit - len(ELLIPSIS)
    for link in _URL.finditer(text):
        if link.start() < room < link.end():
            room = link.start()
            break
    head = _cut_words(text, room)
    return head + ELLIPSIS if head else ""


def _cut_words(text: str, room: int) -> str:
    """Return the longest run of whole words of `text` within `room` characters."""
    if len(text) <= room:
        return text
    head = text[: room + 1]
    cut = head.rfind(" ")
    kept = (head[:cut] if cut > 0 else text[:room]).rstrip(" ,;:-")
    # Never end on the backslash of a markdown escape whose character was cut off.
    trailing = len(kept) - len(kept.rstrip("\\"))
    return kept[:-1] if trailing % 2 else kept
