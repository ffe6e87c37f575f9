"""Validation of option values people type: one clear line when wrong.

Cheap to import (no discord.py, no Anthropic SDK): the command line checks its arguments with
it before loading anything heavy.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from functools import cache

from bot.errors import UserInputError
from bot.models import DigestStyle

_TIME = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
#: Words that clear a time ("as soon as announced"). Discord sends no empty string: an
#: optional option left empty is left out of the interaction, so clearing needs a word.
#: Source: https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-structure
NO_TIME_WORDS = frozenset({"now", "off", "none"})
MAX_PAPERS_RANGE = (1, 25)


def parse_time(text: str | None) -> dt.time | None:
    """Parse `HH:MM` (24-hour).

    None, blank, or "now", "off" or "none" (any case) return None, meaning "as soon as the
    announcement is processed".
    """
    if text is None or not text.strip() or text.strip().casefold() in NO_TIME_WORDS:
        return None
    match = _TIME.match(text)
    if match is None:
        shown = " ".join(text.split())[:20]
        raise UserInputError(
            f'time {shown!r} is not HH:MM (24-hour), e.g. 08:30 or 17:00, or "now" for as soon'
            " as announced"
        )
    return dt.time(int(match.group(1)), int(match.group(2)))


@cache
def timezones() -> tuple[str, ...]:
    """Return every IANA timezone name this system knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def parse_timezone(text: str | None, default: str = "UTC") -> str:
    """Return the canonical IANA name for `text` (case-insensitive), or raise."""
    if text is None or not text.strip():
        return default
    wanted = text.strip().lower()
    for name in timezones():
        if name.lower() == wanted:
            return name
    shown = " ".join(text.split())[:40]
    raise UserInputError(
        f"unknown timezone {shown!r}: use an IANA name such as Europe/Berlin or America/New_York"
    )


def suggest_timezones(prefix: str, limit: int = 25) -> list[str]:
    """Return up to `limit` timezone names containing `prefix` (for autocomplete)."""
    wanted = prefix.strip().lower().replace(" ", "_")
    starts = [name for name in timezones() if name.lower().startswith(wanted)]
    contains = [name for name in timezones() if wanted in name.lower() and name not in starts]
    return (starts + contains)[:limit]


def check_max_papers(value: int) -> int:
    """Return `value` if it is within 1 to 25 (Discord's embeds per digest cap)."""
    low, high = MAX_PAPERS_RANGE
    if not low <= value <= high:
        raise UserInputError(f"max_papers must be from {low} to {high}, got {value}")
    return value


# A language is a name or a tag ("German", "pt-BR", "简体中文"): letters, spaces and hyphens.
# It goes into the prompt, so nothing else is let through.
_LANGUAGE = re.compile(r"[^\W\d_](?:[^\W\d_]|[ -])*")
_LANGUAGE_MAX = 35


class InvalidLanguageError(UserInputError):
    """A summary language that is not a language name or tag."""


def normalize_language(value: str | None, default: str) -> str:
    """Return the language as the cache keys it (trimmed, lower case); `default` when empty.

    Raise InvalidLanguageError for anything but letters, spaces and hyphens, or past 35
    characters (the length of the longest BCP 47 tags we accept in settings).
    """
    text = " ".join((value or "").split()) or default
    if len(text) > _LANGUAGE_MAX or not _LANGUAGE.fullmatch(text):
        raise InvalidLanguageError(
            "a language is a name or tag such as en, German or pt-BR"
            f" (letters, spaces and hyphens, at most {_LANGUAGE_MAX} characters)"
        )
    return text.lower()


def parse_style(text: str) -> DigestStyle:
    """Parse a digest style: "compact" or "full" (any case)."""
    try:
        return DigestStyle(text.strip().casefold())
    except ValueError:
        shown = " ".join(text.split())[:20]
        raise UserInputError(
            f"style {shown!r} is not one of compact (title, authors, TL;DR, links) or full"
            " (the whole summary)"
        ) from None
