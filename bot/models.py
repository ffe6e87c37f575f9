"""Plain data types that flow through the pipeline: feed -> match -> summary -> digest item.

Nothing here knows about Discord, SQL, the `arxiv` package or the Anthropic SDK; every
wrapper converts its library's objects into these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

ARXIV_ABS = "https://arxiv.org/abs/"
ARXIV_PDF = "https://arxiv.org/pdf/"
ARXIV_HTML = "https://arxiv.org/html/"


class AnnounceType(StrEnum):
    """How a paper appears in an announcement (arXiv's `<arxiv:announce_type>`)."""

    NEW = "new"
    CROSS = "cross"
    REPLACE = "replace"
    REPLACE_CROSS = "replace-cross"


@dataclass(frozen=True, slots=True)
class Author:
    """One author, with affiliations when the API provides them."""

    name: str
    affiliations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Paper:
    """One version of one arXiv paper, as known from the feed and (after enrichment) the API.

    `base_id` is the paper (`2203.01250`, `hep-th/9901001`); `version` the revision.
    `categories` lists the primary category first when it is known.
    """

    base_id: str
    version: int
    title: str
    abstract: str
    authors: tuple[Author, ...] = ()
    categories: tuple[str, ...] = ()
    primary_category: str | None = None
    announce_type: AnnounceType | None = None
    announced: dt.date | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    published: dt.datetime | None = None
    updated: dt.datetime | None = None

    @property
    def versioned_id(self) -> str:
        """Return the id with its version, e.g. `2203.01250v3`."""
        return f"{self.base_id}v{self.version}"

    @property
    def abs_url(self) -> str:
        """Return the abstract page (always the latest version, as arXiv links it)."""
        return ARXIV_ABS + self.base_id

    @property
    def pdf_url(self) -> str:
        """Return the PDF link for this version; we link, never re-host."""
        return ARXIV_PDF + self.versioned_id

    @property
    def html_url(self) -> str:
        """Return the HTML (LaTeXML) rendering of this version."""
        return ARXIV_HTML + self.versioned_id

    @property
    def archive(self) -> str:
        """Return the archive of the primary category (`cs` for `cs.CL`), used for colour."""
        primary = self.primary_category or (self.categories[0] if self.categories else "")
        return primary.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class Match:
    """A paper that matched one target, with the keywords (as the user wrote them) that hit.

    `title_hits` counts matched keywords found in the title; `order` is the paper's position
    in the announcement. Both feed the ranking (docs/behaviour.md, "Matching").
    """

    paper: Paper
    keywords: tuple[str, ...] = ()
    title_hits: int = 0
    order: int = 0

    @property
    def rank_key(self) -> tuple[int, int, int]:
        """Sort key: more distinct keywords first, then title hits, then announcement order."""
        return (-len(self.keywords), -self.title_hits, self.order)


@dataclass(frozen=True, slots=True)
class Summary:
    """Claude's structured summary of one paper version in one language."""

    tldr: str
    motivation: str
    method: str
    results: str
    model: str
    language: str


class FallbackReason(StrEnum):
    """Why an item shows the abstract instead of a summary (stored; `bot.words` says it)."""

    NO_API_KEY = "no API key"
    BUDGET = "budget reached"
    #: Every server that asked for the paper spent its share of today's budget
    #: (GUILD_DAILY_BUDGET_SHARE).
    SERVER_BUDGET = "server budget share reached"
    TIMEOUT = "timeout"
    OVERLOADED = "overloaded"
    RATE_LIMITED = "rate limited"
    API_ERROR = "API error"
    INVALID_OUTPUT = "invalid output"
    #: The API's answer itself was unusable: an HTML page, JSON of another shape, no usage.
    INVALID_ANSWER = "invalid answer"
    #: No summary is stored for it (Details never calls Claude; a paper of "Show all" was
    #: never summarized). Never recorded as a fallback: it says what a reader is shown.
    NOT_SUMMARIZED = "not summarized"


class DigestStyle(StrEnum):
    """How a digest lays out each paper (the value is stored and is the option's choice).

    `compact` (the default) is what a reader skims: title, authors, TL;DR, why it matched,
    arXiv's comment, links. `full` adds motivation, method, results and affiliations.
    """

    COMPACT = "compact"
    FULL = "full"


@dataclass(frozen=True, slots=True)
class DigestItem:
    """What one embed shows: a paper, why it matched, and its summary or why there is none."""

    paper: Paper
    keywords: tuple[str, ...] = ()
    summary: Summary | None = None
    fallback: FallbackReason | None = None


@dataclass(frozen=True, slots=True)
class Digest:
    """A digest ready to render: header facts plus the ranked, cut items.

    `catch_up`: the post is of an announcement the target missed (the bot was down, or a
    newer one is out); `skipped` counts older missed announcements it does not catch up on;
    `late`: the papers were found after the target's post, missing from arXiv's feed.
    """

    categories: tuple[str, ...]
    date: dt.date
    items: tuple[DigestItem, ...]
    matched: int
    total: int
    catch_up: bool = False
    skipped: int = 0
    late: bool = False
