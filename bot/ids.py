"""Parse arXiv identifiers in the forms people paste them (docs/behaviour.md, "Identifiers").

The formats come from arXiv's own description, https://info.arxiv.org/help/arxiv_identifier.html:
new style `YYMM.NNNN` (April 2007 to December 2014) and `YYMM.NNNNN` (from January 2015),
old style `archive[.SC]/YYMMNNN` (August 1991 to March 2007), each with an optional `vN`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import InvalidArxivIdError

# Archives that issued old-style ids, retired ones included (old ids keep them); see
# https://info.arxiv.org/help/arxiv_identifier.html and the archive list at https://arxiv.org/.
OLD_ARCHIVES = frozenset(
    {
        "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an",
        "chao-dyn", "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an",
        "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th",
        "nlin", "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio",
        "quant-ph", "solv-int", "supr-con",
    }
)  # fmt: skip

EXAMPLES = "2401.12345, 2401.12345v2, hep-th/9901001 or https://arxiv.org/abs/2401.12345"

# Longer input cannot be an id, URL included; refuse it before any regex looks at it.
_MAX_INPUT = 200
_ECHO_LIMIT = 60

_NEW_STYLE = re.compile(r"(?P<yymm>[0-9]{4})\.(?P<number>[0-9]{4,5})(?:v(?P<version>[0-9]+))?")
_OLD_STYLE = re.compile(
    r"(?P<archive>[A-Za-z]+(?:-[A-Za-z]+)?)(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?"
    r"/(?P<yymm>[0-9]{4})(?P<number>[0-9]{3})(?:v(?P<version>[0-9]+))?"
)
# Scheme optional: people paste `arxiv.org/abs/...` from the address bar too.
_URL = re.compile(
    r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?P<kind>abs|pdf|html)/"
    r"(?P<id>[^?#]+?)(?P<pdf>\.pdf)?/?(?:[?#].*)?",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"arxiv:\s*", re.IGNORECASE)
# An id somewhere in a message: a link to arxiv.org, an `arXiv:` id, or a bare id that is not
# part of a longer number, word or path (a version number "2.1" or a date is not an id).
_IN_TEXT = re.compile(
    r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/[^\s<>()\[\]\"'|]+"
    r"|arxiv:\s*[\w./-]+"
    r"|(?<![\w./-])(?:[0-9]{4}\.[0-9]{4,5}(?:v[0-9]+)?"
    r"|[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/[0-9]{7}(?:v[0-9]+)?)(?![\w/-]|\.[0-9])",
    re.IGNORECASE,
)
# A message is at most 2,000 (4,000) characters and its embeds 6,000: more is not a message.
_MAX_SEARCHED = 10_000
_VERSIONED = re.compile(r"(?P<base>.+)v(?P<version>[0-9]+)")


@dataclass(frozen=True, slots=True)
class ArxivId:
    """An arXiv identifier in external form: `base` without version, `version` None = latest."""

    base: str
    version: int | None = None

    def __str__(self) -> str:
        """Return the id as arXiv writes it, e.g. `2203.01250v3` or `hep-th/9901001`."""
        return self.base if self.version is None else f"{self.base}v{self.version}"

    @property
    def versioned(self) -> bool:
        """Return whether the id names one version rather than the latest."""
        return self.version is not None


def echo_input(text: str, limit: int = _ECHO_LIMIT) -> str:
    """Quote user input for an error message: one line, no control characters, capped."""
    cleaned = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    cleaned = " ".join(cleaned.split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return repr(cleaned)


def parse_arxiv_id(text: str) -> ArxivId:
    """Return the id in `text` (bare, `arXiv:`-prefixed or an arxiv.org URL).

    Raise InvalidArxivIdError with a one-line message, meant for the user, when it is not one.
    """
    candidate = text.strip()
    if candidate.startswith("<") and candidate.endswith(">"):
        candidate = candidate[1:-1].strip()
    if not candidate:
        raise InvalidArxivIdError(f"no arXiv id given (expected e.g. {EXAMPLES})")
    if len(candidate) > _MAX_INPUT:
        raise _invalid(text, "too long")
    url = _URL.fullmatch(candidate)
    if url is not None:
        if url["pdf"] and url["kind"].lower() != "pdf":
            raise _invalid(text)
        candidate = url["id"]
    elif (prefix := _PREFIX.match(candidate)) is not None:
        candidate = candidate[prefix.end() :]
    reason = ""
    if (new := _NEW_STYLE.fullmatch(candidate)) is not None:
        reason = _new_style_problem(new["yymm"], new["number"])
        base = f"{new['yymm']}.{new['number']}"
        version = new["version"]
    elif (old := _OLD_STYLE.fullmatch(candidate)) is not None:
        reason = _old_style_problem(old["archive"], old["yymm"], old["number"])
        base = f"{old['archive'].lower()}/{old['yymm']}{old['number']}"
        version = old["version"]
    else:
        raise _invalid(text)
    if not reason and version is not None and (version.startswith("0") or len(version) > 4):
        reason = "versions are v1, v2, ..."
    if reason:
        raise _invalid(text, reason)
    return ArxivId(base, int(version) if version is not None else None)


def find_arxiv_id(texts: Iterable[str]) -> ArxivId | None:
    """Return the first arXiv id found in `texts` (a message's content, then its embeds).

    Links to arxiv.org (abs, pdf, html), `arXiv:` ids and bare ids are found wherever they
    are in the text; a candidate that does not parse as an id (`2023.12345`: no month 23) is
    passed over. None when there is no id at all.
    """
    for text in texts:
        for found in _IN_TEXT.finditer(text[:_MAX_SEARCHED]):
            candidate = found.group(0).rstrip(".,;:!?")
            try:
                return parse_arxiv_id(candidate)
            except InvalidArxivIdError:
                continue
    return None


def split_version(versioned: str) -> tuple[str, int | None]:
    """Split `2203.01250v3` into (`2203.01250`, 3); no version gives None. No validation.

    Meant for ids arXiv itself wrote (feed entries), which need no checking.
    """
    found = _VERSIONED.fullmatch(versioned)
    if found is None:
        return versioned, None
    return found["base"], int(found["version"])


def _new_style_problem(yymm: str, number: str) -> str:
    """Return why a `YYMM.NNNNN`-shaped id is not one, or '' when it is fine."""
    if not 1 <= int(yymm[2:]) <= 12:
        return f"{yymm} is not a year and month (YYMM)"
    if yymm < "0704":
        return "new-style ids start at 0704, April 2007"
    if yymm < "1501" and len(number) != 4:
        return "ids before 2015 have 4 digits after the dot"
    if yymm >= "1501" and len(number) != 5:
        return "ids from 2015 on have 5 digits after the dot"
    if int(number) == 0:
        return "paper numbers start at 1"
    return ""


def _old_style_problem(archive: str, yymm: str, number: str) -> str:
    """Return why an `archive/YYMMNNN`-shaped id is not one, or '' when it is fine."""
    if archive.lower() not in OLD_ARCHIVES:
        return f"{archive!r} is not an arXiv archive"
    if not 1 <= int(yymm[2:]) <= 12:
        return f"{yymm} is not a year and month (YYMM)"
    # Old-style ids ran from 1991 to March 2007, when the new scheme took over.
    year = int(yymm[:2])
    if not (year >= 91 or yymm <= "0703"):
        return "old-style ids end at 0703, March 2007"
    if int(number) == 0:
        return "paper numbers start at 1"
    return ""


def _invalid(text: str, reason: str = "") -> InvalidArxivIdError:
    """Build the one-line error: the input as given, what was wrong, and valid examples."""
    detail = f"{reason}; " if reason else ""
    return InvalidArxivIdError(
        f"not an arXiv id: {echo_input(text)} ({detail}expected e.g. {EXAMPLES})"
    )
