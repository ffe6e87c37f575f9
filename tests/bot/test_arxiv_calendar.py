"""arXiv's calendar: which announcements exist, when they are made and read, what each covers.

Every expected instant below is written out by hand from arXiv's published schedule
(https://info.arxiv.org/help/availability.html): cut-offs at 14:00 and announcements at
20:00 New York time, which is 18:00/00:00 UTC in summer time and 19:00/01:00 UTC in winter.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from bot.arxiv.calendar import (
    EASTERN,
    feed_date_at,
    is_announcement_date,
    latest_mailing,
    mailing_dated,
    mailings_between,
    next_mailing,
    recent_mailings,
)


def utc(text: str) -> dt.datetime:
    """Parse `2026-04-27T18:00` as a UTC instant."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def eastern(text: str) -> dt.datetime:
    """Parse `2026-04-27T14:00` as New York wall-clock time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=EASTERN)


def window_of(day: str) -> tuple[dt.datetime, dt.datetime]:
    mailing = mailing_dated(dt.date.fromisoformat(day))
    assert mailing is not None, f"no announcement dated {day}"
    return mailing.window.start, mailing.window.end


def dates(text: str) -> list[dt.date]:
    return [dt.date.fromisoformat(part) for part in text.split()]


# --- which days carry an announcement --------------------------------------------------------


def test_a_plain_week_has_announcements_dated_monday_to_friday() -> None:
    week = [dt.date(2026, 4, 27) + dt.timedelta(days=n) for n in range(7)]  # Mon..Sun
    assert [is_announcement_date(day) for day in week] == [True] * 5 + [False] * 2


def test_thanksgiving_leaves_no_announcement_dated_the_friday_after() -> None:
    # Thursday 2026-11-26 is a holiday: nothing is announced that evening.
    assert is_announcement_date(dt.date(2026, 11, 26))  # made Wednesday evening
    assert not is_announcement_date(dt.date(2026, 11, 27))
    assert is_announcement_date(dt.date(2026, 11, 30))  # made Sunday evening


def test_a_friday_holiday_cancels_the_sunday_announcement() -> None:
    # Friday 2026-07-03 has no cut-off, so Sunday 07-05 announces nothing.
    assert is_announcement_date(dt.date(2026, 7, 3))  # made Thursday evening
    assert not is_announcement_date(dt.date(2026, 7, 6))
    assert is_announcement_date(dt.date(2026, 7, 7))


def test_a_monday_holiday_cancels_that_evenings_announcement() -> None:
    assert not is_announcement_date(dt.date(2026, 1, 20))  # Monday 01-19 is a holiday
    assert is_announcement_date(dt.date(2026, 1, 19))  # Sunday evening's stands


def test_announcements_made_in_november_2026() -> None:
    found = mailings_between(utc("2026-11-01T00:00"), utc("2026-12-01T00:00"))
    assert [m.date for m in found] == dates(
        "2026-11-02 2026-11-03 2026-11-04 2026-11-05 2026-11-06"
        " 2026-11-09 2026-11-10 2026-11-11 2026-11-12 2026-11-13"
        " 2026-11-16 2026-11-17 2026-11-18 2026-11-19 2026-11-20"
        " 2026-11-23 2026-11-24 2026-11-25 2026-11-26 2026-11-30"
    )


def test_mailings_between_excludes_the_start_and_includes_the_end() -> None:
    made_sunday = utc("2026-04-27T00:00")  # Sunday 04-26 20:00 EDT: the one dated Monday
    assert mailings_between(made_sunday, made_sunday) == ()
    [only] = mailings_between(made_sunday - dt.timedelta(seconds=1), made_sunday)
    assert only.date == dt.date(2026, 4, 27)


# --- when an announcement is made and readable --------------------------------------------


def test_an_announcement_is_made_the_evening_before_its_date_and_read_from_midnight() -> None:
    mailing = mailing_dated(dt.date(2026, 4, 28))
    assert mailing is not None
    assert mailing.announced_at == utc("2026-04-28T00:00")  # Monday 20:00 EDT
    assert mailing.available_at == utc("2026-04-28T04:00")  # Tuesday 00:00 EDT


def test_winter_announcements_are_at_one_in_the_morning_utc() -> None:
    mailing = mailing_dated(dt.date(2026, 11, 30))
    assert mailing is not None
    assert mailing.announced_at == utc("2026-11-30T01:00")  # Sunday 20:00 EST
    assert mailing.available_at == utc("2026-11-30T05:00")


# --- submission windows ---------------------------------------------------------------------


def test_a_weekday_window_runs_from_one_cutoff_to_the_next() -> None:
    assert window_of("2026-04-29") == (utc("2026-04-27T18:00"), utc("2026-04-28T18:00"))


def test_mondays_announcement_covers_thursday_to_friday() -> None:
    assert window_of("2026-04-27") == (utc("2026-04-23T18:00"), utc("2026-04-24T18:00"))


def test_tuesdays_announcement_covers_the_weekend() -> None:
    assert window_of("2026-04-28") == (utc("2026-04-24T18:00"), utc("2026-04-27T18:00"))


def test_after_thanksgiving_the_sunday_announcement_covers_two_days() -> None:
    # Wednesday 14:00 EST to Friday 14:00 EST; Thursday had no cut-off.
    assert window_of("2026-11-30") == (utc("2026-11-25T19:00"), utc("2026-11-27T19:00"))
    assert window_of("2026-12-01") == (utc("2026-11-27T19:00"), utc("2026-11-30T19:00"))
    assert window_of("2026-11-26") == (utc("2026-11-24T19:00"), utc("2026-11-25T19:00"))


def test_a_friday_holiday_widens_the_monday_window_to_four_days() -> None:
    assert window_of("2026-07-07") == (utc("2026-07-02T18:00"), utc("2026-07-06T18:00"))


def test_a_monday_holiday_widens_the_tuesday_window() -> None:
    assert window_of("2026-01-21") == (utc("2026-01-16T19:00"), utc("2026-01-20T19:00"))


def test_a_holiday_named_on_a_sunday_evening_cancels_that_announcement() -> None:
    # arXiv listed "Sun 6 July" for 2025 (Friday the 4th was Independence Day).
    assert not is_announcement_date(dt.date(2025, 7, 7))
    assert window_of("2025-07-08") == (utc("2025-07-03T18:00"), utc("2025-07-07T18:00"))


def test_christmas_week_2026() -> None:
    # Closed Friday 12-25, Tuesday 12-29 and Thursday 12-31.
    assert window_of("2026-12-29") == (utc("2026-12-24T19:00"), utc("2026-12-28T19:00"))
    assert not is_announcement_date(dt.date(2026, 12, 30))
    assert window_of("2026-12-31") == (utc("2026-12-28T19:00"), utc("2026-12-30T19:00"))
    assert not is_announcement_date(dt.date(2027, 1, 1))


def test_the_march_clock_change_makes_the_weekend_window_an_hour_short() -> None:
    # 2026-03-08: clocks go forward on Sunday; Friday's cut-off is EST, Monday's EDT.
    start, end = window_of("2026-03-10")
    assert (start, end) == (utc("2026-03-06T19:00"), utc("2026-03-09T18:00"))
    assert end - start == dt.timedelta(hours=71)
    mailing = mailing_dated(dt.date(2026, 3, 9))
    assert mailing is not None
    assert mailing.announced_at == utc("2026-03-09T00:00")  # Sunday 20:00, already EDT


def test_the_november_clock_change_makes_the_weekend_window_an_hour_long() -> None:
    # 2026-11-01: clocks go back on Sunday; Friday's cut-off is EDT, Monday's EST.
    start, end = window_of("2026-11-03")
    assert (start, end) == (utc("2026-10-30T18:00"), utc("2026-11-02T19:00"))
    assert end - start == dt.timedelta(hours=73)
    mailing = mailing_dated(dt.date(2026, 11, 2))
    assert mailing is not None
    assert mailing.announced_at == utc("2026-11-02T01:00")  # Sunday 20:00, already EST
    assert window_of("2026-11-02") == (utc("2026-10-29T18:00"), utc("2026-10-30T18:00"))


def test_the_window_takes_a_submission_at_the_cutoff_into_the_next_announcement() -> None:
    today = mailing_dated(dt.date(2026, 4, 29))
    tomorrow = mailing_dated(dt.date(2026, 4, 30))
    assert today is not None and tomorrow is not None
    last_second = eastern("2026-04-28T13:59:59")
    at_cutoff = eastern("2026-04-28T14:00:00")
    assert last_second in today.window and last_second not in tomorrow.window
    assert at_cutoff not in today.window and at_cutoff in tomorrow.window


def test_consecutive_windows_leave_no_gap_across_a_month() -> None:
    found = mailings_between(utc("2026-10-15T00:00"), utc("2026-12-31T23:00"))
    for before, after in itertools.pairwise(found):
        assert before.window.end == after.window.start, after.date


# --- what the feed shows ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-04-28T09:00", "2026-04-28"),  # Tuesday morning
        ("2026-04-28T23:00", "2026-04-28"),  # after Tuesday's 20:00, before the rebuild
        ("2026-04-29T00:30", "2026-04-29"),  # just rebuilt
        ("2026-05-02T12:00", None),  # Saturday
        ("2026-05-03T21:00", None),  # Sunday evening: Monday's is announced, not in the feed
        ("2026-11-27T09:00", None),  # the Friday after Thanksgiving
    ],
)
def test_feed_date_at(now: str, expected: str | None) -> None:
    shown = feed_date_at(eastern(now))
    assert shown == (dt.date.fromisoformat(expected) if expected else None)


def test_latest_announcement_over_a_weekend_is_fridays() -> None:
    assert latest_mailing(eastern("2026-05-02T12:00")).date == dt.date(2026, 5, 1)
    assert latest_mailing(eastern("2026-05-03T21:00")).date == dt.date(2026, 5, 1)
    assert latest_mailing(eastern("2026-05-04T00:00")).date == dt.date(2026, 5, 4)


def test_latest_announcement_over_thanksgiving_is_thursdays() -> None:
    assert latest_mailing(eastern("2026-11-28T12:00")).date == dt.date(2026, 11, 26)


def test_next_announcement_after_thanksgiving_is_the_monday() -> None:
    upcoming = next_mailing(eastern("2026-11-26T12:00"))
    assert upcoming.date == dt.date(2026, 11, 30)
    assert upcoming.announced_at == utc("2026-11-30T01:00")
    assert upcoming.available_at == utc("2026-11-30T05:00")


def test_next_announcement_at_midnight_is_the_one_after() -> None:
    assert next_mailing(eastern("2026-04-28T00:00")).date == dt.date(2026, 4, 29)
    assert next_mailing(eastern("2026-04-27T23:59")).date == dt.date(2026, 4, 28)


# --- the look-back for backfill -------------------------------------------------------------


def test_recent_announcements_reach_seven_days_back() -> None:
    now = eastern("2026-11-30T07:00")
    assert [m.date for m in recent_mailings(now)] == dates(
        "2026-11-23 2026-11-24 2026-11-25 2026-11-26 2026-11-30"
    )


def test_recent_announcements_leave_out_one_not_yet_readable() -> None:
    now = eastern("2026-11-29T21:00")  # Sunday: Monday's is announced, readable at midnight
    assert [m.date for m in recent_mailings(now, days=2)] == []
    assert [m.date for m in recent_mailings(now, days=7)] == dates(
        "2026-11-23 2026-11-24 2026-11-25 2026-11-26"
    )
