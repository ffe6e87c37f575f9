"""The one definition of "now": timezone-aware UTC (ruff DTZ), injectable as a clock.

Also the one lookup of a stored timezone name, which may be one this host lacks.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo


def utc_now() -> dt.datetime:
    """Return the current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


def known_zone(name: str) -> zoneinfo.ZoneInfo | None:
    """Return the IANA timezone `name`, or None when the tz database here does not have it.

    A name stored on one host (a digest's or subscriber's timezone) may be missing on
    another, or from an older tz database: callers skip such a row with a warning.
    """
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return None
