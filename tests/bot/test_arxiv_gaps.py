"""What the store lacks: announcements missed while down, and papers a feed left out."""

from __future__ import annotations

import datetime as dt

from bot.arxiv.calendar import EASTERN
from bot.arxiv.gaps import AnnouncementState, find_feed_misses, plan_backfill
from bot.models import AnnounceType, Paper


def eastern(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=EASTERN)


def dates(text: str) -> list[dt.date]:
    return [dt.date.fromisoformat(part) for part in text.split()]


NOVEMBER = dates(
    "2026-11-02 2026-11-03 2026-11-04 2026-11-05 2026-11-06"
    " 2026-11-09 2026-11-10 2026-11-11 2026-11-12 2026-11-13"
    " 2026-11-16 2026-11-17 2026-11-18 2026-11-19 2026-11-20"
    " 2026-11-23 2026-11-24 2026-11-25 2026-11-26 2026-11-30"
)


def recorded_except(*missing: str) -> list[dt.date]:
    skipped = set(dates(" ".join(missing)))
    return [day for day in NOVEMBER if day not in skipped]


# --- backfill -------------------------------------------------------------------------------


def test_a_bot_down_over_a_weekend_misses_friday_and_monday() -> None:
    # Down from Thursday 11-19 evening to Tuesday 11-24 morning; the Tuesday poll worked.
    recorded = [
        d for d in recorded_except("2026-11-20", "2026-11-23") if d <= dt.date(2026, 11, 24)
    ]
    plan = plan_backfill(recorded, eastern("2026-11-24T09:00"), since=dt.date(2026, 11, 2))
    assert [m.date for m in plan.missing] == dates("2026-11-20 2026-11-23")
    assert plan.too_old == ()
    assert plan.awaited is None


def test_gaps_older_than_seven_days_are_counted_not_fetched() -> None:
    recorded = [d for d in NOVEMBER if d <= dt.date(2026, 11, 10)]
    plan = plan_backfill(recorded, eastern("2026-11-24T09:00"), since=dt.date(2026, 11, 2))
    assert [m.date for m in plan.missing] == dates(
        "2026-11-17 2026-11-18 2026-11-19 2026-11-20 2026-11-23 2026-11-24"
    )
    assert [m.date for m in plan.too_old] == dates("2026-11-11 2026-11-12 2026-11-13 2026-11-16")


def test_the_holiday_and_the_weekend_are_not_missed() -> None:
    plan = plan_backfill(NOVEMBER, eastern("2026-11-30T09:00"), since=dt.date(2026, 11, 2))
    assert plan.missing == () and plan.too_old == ()
    assert {a.state for a in plan.announcements} == {AnnouncementState.RECORDED}
    assert [a.mailing.date for a in plan.announcements] == NOVEMBER


def test_a_bot_that_never_recorded_anything_backfills_nothing() -> None:
    assert plan_backfill([], eastern("2026-11-24T09:00"), since=None).announcements == ()


def test_announcements_before_the_bot_began_watching_are_not_missed() -> None:
    plan = plan_backfill(
        dates("2026-11-23 2026-11-24"), eastern("2026-11-24T09:00"), since=dt.date(2026, 11, 23)
    )
    assert [a.mailing.date for a in plan.announcements] == dates("2026-11-23 2026-11-24")
    assert plan.missing == ()


def test_the_feeds_announcement_is_awaited_while_the_feed_may_still_be_rebuilding() -> None:
    recorded = [d for d in NOVEMBER if d <= dt.date(2026, 11, 23)]
    plan = plan_backfill(recorded, eastern("2026-11-24T00:30"), since=dt.date(2026, 11, 2))
    awaited = plan.awaited
    assert awaited is not None and awaited.date == dt.date(2026, 11, 24)
    assert plan.missing == ()


def test_the_feeds_announcement_is_missing_once_the_rebuild_is_surely_over() -> None:
    recorded = [d for d in NOVEMBER if d <= dt.date(2026, 11, 23)]
    plan = plan_backfill(recorded, eastern("2026-11-24T02:30"), since=dt.date(2026, 11, 2))
    assert [m.date for m in plan.missing] == dates("2026-11-24")
    assert plan.awaited is None


def test_a_longer_grace_gives_the_feed_more_time() -> None:
    recorded = [d for d in NOVEMBER if d <= dt.date(2026, 11, 23)]
    plan = plan_backfill(
        recorded,
        eastern("2026-11-24T02:30"),
        since=dt.date(2026, 11, 2),
        grace=dt.timedelta(hours=6),
    )
    assert plan.missing == ()
    assert plan.awaited is not None


def test_an_announcement_made_but_not_yet_readable_is_not_planned() -> None:
    # Sunday 21:00: Monday's announcement was made at 20:00 but is read from midnight.
    plan = plan_backfill(
        [d for d in NOVEMBER if d <= dt.date(2026, 11, 26)],
        eastern("2026-11-29T21:00"),
        since=dt.date(2026, 11, 2),
    )
    assert plan.announcements[-1].mailing.date == dt.date(2026, 11, 26)
    assert plan.missing == ()


def test_a_missed_announcement_comes_with_its_submission_window() -> None:
    recorded = recorded_except("2026-11-30")
    [missed] = plan_backfill(
        recorded, eastern("2026-11-30T09:00"), since=dt.date(2026, 11, 2)
    ).missing
    assert missed.window.start == dt.datetime(2026, 11, 25, 19, tzinfo=dt.UTC)
    assert missed.window.end == dt.datetime(2026, 11, 27, 19, tzinfo=dt.UTC)


# --- cross-check ----------------------------------------------------------------------------


def paper(base_id: str, kind: AnnounceType | None = AnnounceType.NEW, version: int = 1) -> Paper:
    return Paper(base_id=base_id, version=version, title=base_id, abstract="", announce_type=kind)


def test_papers_the_feed_dropped_are_found_in_listing_order() -> None:
    feed = [paper("2611.00001"), paper("2611.00002", AnnounceType.CROSS)]
    listed = [paper("2611.00001"), paper("2611.00004"), paper("2611.00002"), paper("2611.00003")]
    check = find_feed_misses(feed, listed)
    assert [p.base_id for p in check.missed] == ["2611.00004", "2611.00003"]
    assert (check.listed, check.in_feed, check.feed_only) == (4, 2, 0)


def test_replacements_in_the_feed_are_not_expected_in_the_listing() -> None:
    feed = [paper("2611.00001"), paper("2610.00500", AnnounceType.REPLACE, version=2)]
    check = find_feed_misses(feed, [paper("2611.00001")])
    assert check.missed == ()
    assert (check.in_feed, check.feed_only) == (1, 0)


def test_a_paper_announced_late_is_in_the_feed_only() -> None:
    # Held by moderation: submitted in an earlier window, announced today.
    feed = [paper("2611.00001"), paper("2611.00009")]
    check = find_feed_misses(feed, [paper("2611.00001")])
    assert check.missed == () and check.feed_only == 1


def test_a_paper_listed_by_two_category_groups_counts_once() -> None:
    listed = [paper("2611.00004"), paper("2611.00004", AnnounceType.CROSS)]
    check = find_feed_misses([], listed)
    assert [p.announce_type for p in check.missed] == [AnnounceType.NEW]
    assert check.listed == 1
