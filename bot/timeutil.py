"""The one definition of "now": timezone-aware UTC (ruff DTZ), injectable as a clock."""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """Return the current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)
