"""The options of `/digest set` and `/subscriptions`, checked before anything changes.

Every option is validated here, all of them before the service stores one, so bad input
changes nothing and the person gets one line saying what was wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.arxiv.taxonomy import normalize_categories
from bot.errors import UserInputError
from bot.matching import MAX_KEYWORDS, parse_keywords
from bot.targets.model import DigestConfig
from bot.validate import check_max_papers, normalize_language, parse_time, parse_timezone


@dataclasses.dataclass(frozen=True, slots=True)
class DigestChange:
    """The options of `/digest set`; None leaves a setting as it is (or the default)."""

    categories: str
    keywords: str | None = None
    time: str | None = None
    timezone: str | None = None
    language: str | None = None
    max_papers: int | None = None
    include_cross_lists: bool | None = None
    quiet: bool | None = None
    versions: bool | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class DigestSettings:
    """A digest's settings after validation, ready to store."""

    categories: tuple[str, ...]
    keywords: str
    time: dt.time | None
    timezone: str
    language: str | None
    max_papers: int
    include_cross_lists: bool
    quiet: bool = True
    versions: bool = False


def digest_settings(
    change: DigestChange, current: DigestConfig | None, default_language: str
) -> DigestSettings:
    """Validate a `/digest set` against the digest as it is; raise UserInputError if wrong."""
    keywords = (
        change.keywords if change.keywords is not None else (current.keywords if current else "")
    )
    parse_keywords(keywords)  # validate; stored as written
    language: str | None = current.language if current else None
    if change.language is not None:
        language = normalize_language(change.language, default_language)
    return DigestSettings(
        categories=tuple(normalize_categories(change.categories)),
        keywords=keywords,
        time=(
            parse_time(change.time)
            if change.time is not None
            else (current.time if current else None)
        ),
        timezone=parse_timezone(change.timezone, current.timezone if current else "UTC"),
        language=language,
        max_papers=check_max_papers(
            change.max_papers
            if change.max_papers is not None
            else (current.max_papers if current else 10)
        ),
        include_cross_lists=_flag(
            change.include_cross_lists, current.include_cross_lists if current else False
        ),
        quiet=_flag(change.quiet, current.quiet if current else True),
        versions=_flag(change.versions, current.versions if current else False),
    )


def _flag(given: bool | None, current: bool) -> bool:
    """Return an on/off option as given, or as it is when left out."""
    return current if given is None else given


@dataclasses.dataclass(frozen=True, slots=True)
class SubscriptionChange:
    """The options of `/subscriptions`; None leaves a setting as it is."""

    categories: str | None = None
    time: str | None = None
    timezone: str | None = None
    language: str | None = None
    paused: bool | None = None

    @property
    def empty(self) -> bool:
        """Say whether no option was given (the command only shows the settings)."""
        return self == SubscriptionChange()


def split_keywords(text: str) -> list[str]:
    """Split and validate a comma-separated keyword list; keep each keyword as written."""
    parse_keywords(text)  # raises with a clear line for anything malformed
    return [" ".join(part.split()) for part in text.split(",") if part.strip()]


def keywords_to_add(current: tuple[str, ...], text: str) -> list[str]:
    """Return `text`'s keywords, validated; raise UserInputError if none or past the limit."""
    new = split_keywords(text)
    if not new:
        raise UserInputError("give at least one keyword, e.g. llm, kv cache, -survey")
    merged = {k.casefold(): k for k in current}
    merged.update({k.casefold(): k for k in new if k.casefold() not in merged})
    if len(merged) > MAX_KEYWORDS:
        raise UserInputError(
            f"a subscription holds at most {MAX_KEYWORDS} keywords; remove some with /unsubscribe"
        )
    return new
