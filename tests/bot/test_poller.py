"""The poller: records announcements, and flags an empty feed only when arXiv announced."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest

from bot.arxiv.calendar import feed_should_have_entries, mailing_on
from bot.arxiv.feed import FeedClient
from bot.arxiv.limiter import RateLimiter
from bot.outcomes import PollStatus
from bot.poller import Poller
from bot.store import poll_state
from bot.store.db import Database
from tests.fakes.arxiv_server import FakeArxiv, make_papers

EASTERN = dt.timezone(dt.timedelta(hours=-4))  # EDT, fixed for readable cases


@pytest.mark.parametrize(
    ("evening", "mailing"),
    [
        (dt.date(2026, 4, 26), True),  # Sunday
        (dt.date(2026, 4, 30), True),  # Thursday
        (dt.date(2026, 5, 1), False),  # Friday
        (dt.date(2026, 5, 2), False),  # Saturday
        (dt.date(2026, 11, 26), False),  # Thanksgiving, a Thursday
        (dt.date(2026, 1, 19), False),  # a Monday holiday
    ],
)
def test_mailings_are_sunday_to_thursday_except_holidays(evening: dt.date, mailing: bool) -> None:
    assert mailing_on(evening) is mailing


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2026, 4, 29, 9, tzinfo=EASTERN), True),  # Wednesday: Tuesday's mailing
        (dt.datetime(2026, 5, 2, 9, tzinfo=EASTERN), False),  # Saturday: none on Friday
        (dt.datetime(2026, 4, 29, 0, 30, tzinfo=EASTERN), False),  # feeds still rebuilding
        (dt.datetime(2026, 11, 27, 9, tzinfo=EASTERN), False),  # after Thanksgiving
    ],
)
def test_feed_should_have_entries_the_day_after_a_mailing(now: dt.datetime, expected: bool) -> None:
    assert feed_should_have_entries(now) is expected


async def poll_empty_feed(
    db: Database, fake_arxiv: FakeArxiv, now: dt.datetime
) -> PollStatus | None:
    async with httpx.AsyncClient() as http:
        feed = FeedClient(http, RateLimiter(0), fake_arxiv.feed_url, user_agent="test")
        outcome = await Poller(db, feed, clock=lambda: now).poll(["cs.CL"])
    assert outcome.latest is None
    [state] = await poll_state.list_poll_states(db)
    assert state.last_result is outcome.status
    return state.last_result


async def test_empty_feed_on_an_announcement_day_is_flagged_for_status(
    db: Database, fake_arxiv: FakeArxiv
) -> None:
    result = await poll_empty_feed(db, fake_arxiv, dt.datetime(2026, 4, 29, 9, tzinfo=EASTERN))
    assert result is PollStatus.EMPTY_ON_ANNOUNCEMENT_DAY
    assert result.is_problem


async def test_empty_feed_on_a_weekend_is_normal(db: Database, fake_arxiv: FakeArxiv) -> None:
    result = await poll_empty_feed(db, fake_arxiv, dt.datetime(2026, 5, 2, 9, tzinfo=EASTERN))
    assert result is PollStatus.FETCHED


async def test_new_announcement_is_recorded_and_reported_once(
    db: Database, fake_arxiv: FakeArxiv
) -> None:
    fake_arxiv.add_feed_papers(make_papers(3, categories=("cs.CL",)))
    async with httpx.AsyncClient() as http:
        feed = FeedClient(http, RateLimiter(0), fake_arxiv.feed_url, user_agent="test")
        poller = Poller(db, feed)
        first = await poller.poll(["cs.CL"])
        second = await poller.poll(["cs.CL"])
    assert (first.is_new, first.papers, first.latest) == (True, 3, dt.date(2025, 8, 20))
    assert (second.is_new, second.not_modified) == (False, True)
