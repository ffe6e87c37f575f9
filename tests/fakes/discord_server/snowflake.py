"""Snowflake ids and timestamps as Discord mints them.

A snowflake is milliseconds since the Discord epoch (2015-01-01T00:00:00Z) shifted left by 22
bits, then worker, process and an increment
(https://discord.com/developers/docs/reference#snowflakes). discord.py derives
`Interaction.created_at` from the id and treats an interaction older than 15 minutes as
expired, so ids minted here carry the current wall-clock time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

DISCORD_EPOCH_MS = 1_420_070_400_000


class SnowflakeFactory:
    """Mint unique, increasing snowflakes stamped with the current time."""

    def __init__(self, wall_clock: Callable[[], float] = time.time) -> None:
        self._wall_clock = wall_clock
        self._last = 0

    def __call__(self) -> int:
        """Return a new snowflake, strictly greater than every one before it."""
        stamp = int(self._wall_clock() * 1000) - DISCORD_EPOCH_MS
        candidate = stamp << 22
        # Same millisecond as the last id: bump the increment bits, as Discord's workers do.
        self._last = max(candidate, self._last + 1)
        return self._last


def snowflake_time(snowflake: int) -> dt.datetime:
    """Return the creation time encoded in a snowflake."""
    millis = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)


def iso(moment: dt.datetime) -> str:
    """Format a timestamp the way Discord's JSON does (ISO 8601 with offset)."""
    return moment.isoformat()
