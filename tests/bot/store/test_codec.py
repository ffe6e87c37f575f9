"""The on-disk forms of times, dates and lists."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.store import codec


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        codec.datetime_text(dt.datetime(2026, 4, 28, 12, 0))  # noqa: DTZ001 (the point)


def test_datetime_is_stored_in_utc_and_read_back_equal() -> None:
    eastern = dt.datetime(2026, 4, 27, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    text = codec.datetime_text(eastern)
    assert text == "2026-04-28T00:00:00.000000+00:00"
    assert codec.parse_datetime(text) == eastern


def test_stored_times_sort_as_text_in_time_order() -> None:
    earlier = dt.datetime(2026, 4, 28, 9, 59, 59, 999_999, tzinfo=dt.UTC)
    later = dt.datetime(2026, 4, 28, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # 10:00 UTC
    assert codec.datetime_text(earlier) < codec.datetime_text(later)


def test_time_of_day_is_stored_as_hh_mm() -> None:
    assert codec.time_text(dt.time(7, 5)) == "07:05"
    assert codec.parse_time("07:05") == dt.time(7, 5)
