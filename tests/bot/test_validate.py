"""Option values people type: times, timezones, max papers (docs/behaviour.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.errors import UserInputError
from bot.validate import check_max_papers, parse_time, parse_timezone, suggest_timezones

# --- parse_time ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:30", dt.time(8, 30)),
        ("8:05", dt.time(8, 5)),
        ("00:00", dt.time(0, 0)),
        ("23:59", dt.time(23, 59)),
        (" 17:00 ", dt.time(17, 0)),
    ],
)
def test_parse_time_reads_24_hour_hh_mm(text: str, expected: dt.time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["now", "NOW", "Off", "none", " None ", "", "   ", None])
def test_parse_time_clears_the_time_for_now_off_none_or_blank(text: str | None) -> None:
    assert parse_time(text) is None


@pytest.mark.parametrize("text", ["24:00", "12:60", "7 am", "0830", "8:5", "nowish", "never"])
def test_parse_time_refuses_anything_else_with_an_example(text: str) -> None:
    with pytest.raises(UserInputError, match=r'is not HH:MM \(24-hour\), e\.g\. 08:30.*"now"'):
        parse_time(text)


# --- parse_timezone ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        (" AMERICA/NEW_YORK ", "America/New_York"),
        ("utc", "UTC"),
    ],
)
def test_parse_timezone_returns_the_canonical_iana_name(text: str, expected: str) -> None:
    assert parse_timezone(text) == expected


@pytest.mark.parametrize("text", [None, "", "  "])
def test_parse_timezone_gives_the_default_when_nothing_was_typed(text: str | None) -> None:
    assert parse_timezone(text, default="Asia/Tokyo") == "Asia/Tokyo"


@pytest.mark.parametrize("text", ["Mars/Olympus", "CEST", "Berlin", "Europe/Berlin/Mitte"])
def test_parse_timezone_refuses_names_that_are_not_iana(text: str) -> None:
    with pytest.raises(UserInputError, match="unknown timezone"):
        parse_timezone(text)


# --- suggest_timezones ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("europe/ber", "Europe/Berlin"),
        ("berlin", "Europe/Berlin"),  # contained, not a prefix
        ("new york", "America/New_York"),  # a space stands for the underscore
        ("America/", "America/Adak"),  # sorted
    ],
)
def test_suggest_timezones_offers_matching_names(typed: str, first: str) -> None:
    assert suggest_timezones(typed)[0] == first


def test_suggest_timezones_puts_prefix_matches_before_names_that_only_contain_it() -> None:
    found = suggest_timezones("us", limit=1000)
    first_contained = next(i for i, name in enumerate(found) if not name.lower().startswith("us"))

    assert all(not name.lower().startswith("us") for name in found[first_contained:])
    assert "Australia/Sydney" in found[first_contained:]


@pytest.mark.parametrize("limit", [1, 25])
def test_suggest_timezones_returns_at_most_limit_names(limit: int) -> None:
    assert len(suggest_timezones("", limit)) == limit


def test_suggest_timezones_offers_nothing_for_an_unknown_name() -> None:
    assert suggest_timezones("Mars/") == []


# --- check_max_papers ----------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, 10, 25])
def test_check_max_papers_accepts_1_to_25(value: int) -> None:
    assert check_max_papers(value) == value


@pytest.mark.parametrize("value", [-1, 0, 26, 100])
def test_check_max_papers_refuses_values_outside_1_to_25(value: int) -> None:
    with pytest.raises(UserInputError, match=f"max_papers must be from 1 to 25, got {value}"):
        check_max_papers(value)
