"""The `/status` report: polling, the server's digests and Claude's usage, from a real store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from bot.config import Settings
from bot.models import AnnounceType
from bot.outcomes import PollStatus
from bot.status import FeedPoll, PausedDigest, status_report
from bot.store import targets
from bot.store.announcements import record_announcement
from bot.store.db import Database
from bot.store.poll_state import PollState, save_poll_state
from bot.summarize.prompts import load_prompts
from bot.summarize.service import Summarizer
from bot.targets.model import PauseReason
from tests.fakes.arxiv_server import make_papers

GUILD, OTHER_GUILD = 100, 200
DAY = dt.date(2025, 8, 20)
POLLED = dt.datetime(2025, 8, 20, 0, 30, tzinfo=dt.UTC)
NEXT = POLLED + dt.timedelta(minutes=30)


@dataclasses.dataclass
class StoppedClock:
    """The scheduler's view that the report reads: the next poll and the last poll's error."""

    last_poll_error: str | None = None
    next_at: dt.datetime | None = NEXT

    def next_poll(self) -> dt.datetime | None:
        return self.next_at


@pytest.fixture
def summarizer(db: Database, tmp_path: Path) -> Summarizer:
    """Return the real summarizer without a Claude client (no API key)."""
    settings = Settings(_env_file=None, database_path=tmp_path / "bot.sqlite3")  # type: ignore[call-arg]
    return Summarizer(db, None, settings, prompts=load_prompts())


async def add_digest(
    db: Database, channel_id: int, categories: tuple[str, ...], guild_id: int = GUILD
) -> None:
    await targets.upsert_digest(
        db,
        guild_id=guild_id,
        channel_id=channel_id,
        categories=categories,
        keywords="",
        time=None,
        timezone="UTC",
        language=None,
        max_papers=10,
        include_cross_lists=False,
    )


async def test_before_any_poll_the_report_has_no_poll_and_no_announcement(
    db: Database, summarizer: Summarizer
) -> None:
    report = await status_report(db, StoppedClock(), summarizer, GUILD)

    assert report.last_poll is None
    assert report.last_announcement is None
    assert report.papers_that_day is None
    assert report.failed_polls == ()
    assert report.usage.configured is False


async def test_the_report_carries_the_clocks_next_poll_and_last_error(
    db: Database, summarizer: Summarizer
) -> None:
    clock = StoppedClock(last_poll_error="arXiv did not answer")

    report = await status_report(db, clock, summarizer, GUILD)

    assert report.next_poll == NEXT
    assert report.last_poll_error == "arXiv did not answer"


async def test_the_last_poll_is_the_most_recent_and_failed_feeds_are_listed(
    db: Database, summarizer: Summarizer
) -> None:
    later = POLLED + dt.timedelta(minutes=5)
    failed = PollState(
        "https://feed/a", last_poll_at=POLLED, last_result=PollStatus.FAILED, last_error="503"
    )
    await save_poll_state(db, failed)
    await save_poll_state(
        db, PollState("https://feed/b", last_poll_at=later, last_result=PollStatus.NOT_MODIFIED)
    )

    report = await status_report(db, StoppedClock(), summarizer, GUILD)

    assert report.last_poll == FeedPoll(later, PollStatus.NOT_MODIFIED)
    assert report.failed_polls == (FeedPoll(POLLED, PollStatus.FAILED, "503"),)


async def test_papers_that_day_counts_the_servers_categories_with_cross_lists(
    db: Database, summarizer: Summarizer
) -> None:
    ai = make_papers(3, categories=("cs.AI",))
    cross = make_papers(
        1, categories=("cs.CV", "cs.AI"), first_number=50, announce_type=AnnounceType.CROSS
    )
    other = make_papers(4, categories=("hep-th",), first_number=100)
    await record_announcement(db, DAY, ("cs.AI", "hep-th"), [*ai, *cross, *other])
    await save_poll_state(
        db, PollState("https://feed/a", last_poll_at=POLLED, last_result=PollStatus.FETCHED)
    )
    await add_digest(db, 1, ("cs.AI",))
    await add_digest(db, 2, ("hep-th",), guild_id=OTHER_GUILD)

    report = await status_report(db, StoppedClock(), summarizer, GUILD)

    assert report.last_announcement == DAY
    assert report.papers_that_day == 4
    assert report.last_poll is not None
    assert report.last_poll.status is PollStatus.FETCHED


async def test_only_this_servers_paused_digests_are_listed_with_their_reason(
    db: Database, summarizer: Summarizer
) -> None:
    await add_digest(db, 1, ("cs.AI",))
    await add_digest(db, 2, ("cs.CL",))
    await add_digest(db, 3, ("cs.AI",), guild_id=OTHER_GUILD)
    await targets.set_paused(db, 1, PauseReason.NO_PERMISSION)
    await targets.set_paused(db, 3, PauseReason.CHANNEL_GONE)

    report = await status_report(db, StoppedClock(), summarizer, GUILD)

    assert report.paused_digests == (PausedDigest(1, PauseReason.NO_PERMISSION),)
