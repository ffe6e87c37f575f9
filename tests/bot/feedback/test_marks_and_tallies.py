"""Marks that a second click undoes, the member's ranking from the database, channel tallies."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.feedback import Feedback, MarkChange, Verdict
from bot.matching import match_papers, parse_keywords
from bot.paper_actions import PaperAction, PaperRef
from bot.store.db import Database, open_database
from bot.store.papers import upsert_papers
from tests.bot.real_days import real_day

NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
ADA, BEN, CY = 11, 12, 13
CHANNEL, OTHER_CHANNEL = 9001, 9002
DAY = real_day("2026-03-10")
HARP, VESSELS, MEDICAL_SHAPES = "2603.06696", "2603.08135", "2603.07504"
FIRST, SECOND = DAY[0].base_id, DAY[1].base_id


class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(seconds=1)
        return self.now


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """Open a database (each backend) with the real day's papers, two delivered to CHANNEL."""
    async with open_database(database_url) as database:
        await upsert_papers(database, DAY, now=NOON)
        await deliver(database, CHANNEL, [FIRST, SECOND])
        await deliver(database, OTHER_CHANNEL, [FIRST])
        yield database


async def deliver(db: Database, channel: int, base_ids: list[str]) -> None:
    """Record `base_ids` as delivered to `channel`, as the outbox does.

    Raw rows, not the outbox's functions: another branch is reshaping that module, and the
    two tables' columns are what the tally relies on.
    """
    async with db.transaction() as conn:
        row = await conn.fetch_one(
            "INSERT INTO outbox_messages (target_kind, target_id, announcement_date, seq, nonce,"
            " payload, state, created_at) VALUES ('channel', ?, '2026-03-10', 0, ?, '{}',"
            " 'sent', ?) RETURNING id",
            (channel, f"n{channel}", NOON.isoformat()),
        )
        assert row is not None
        await conn.executemany(
            "INSERT INTO delivered_papers (target_kind, target_id, base_id, outbox_id,"
            " announcement_date) VALUES ('channel', ?, ?, ?, '2026-03-10')",
            [(channel, base_id, row[0]) for base_id in base_ids],
        )


@pytest.fixture
def feedback(db: Database) -> Feedback:
    return Feedback(db, clock=Clock())


def ref(base_id: str) -> PaperRef:
    return PaperRef(base_id, 1)


async def verdicts(feedback: Feedback, user: int) -> list[tuple[str, Verdict]]:
    return [(m.paper.base_id, m.verdict) for m in await feedback.marks(user)]


async def test_a_click_marks_the_paper(feedback: Feedback) -> None:
    change = await feedback.mark(ADA, ref(FIRST), PaperAction.NOT_INTERESTED, channel_id=CHANNEL)
    assert change is MarkChange.RECORDED
    assert await verdicts(feedback, ADA) == [(FIRST, Verdict.LESS)]


async def test_the_same_button_again_undoes_the_mark(feedback: Feedback) -> None:
    await feedback.mark(ADA, ref(FIRST), PaperAction.MORE_LIKE_THIS, channel_id=None)
    change = await feedback.mark(ADA, ref(FIRST), PaperAction.MORE_LIKE_THIS, channel_id=None)
    assert change is MarkChange.UNDONE
    assert await verdicts(feedback, ADA) == []


async def test_the_other_button_changes_the_mark(feedback: Feedback) -> None:
    await feedback.mark(ADA, ref(FIRST), PaperAction.MORE_LIKE_THIS, channel_id=None)
    change = await feedback.mark(ADA, ref(FIRST), PaperAction.NOT_INTERESTED, channel_id=None)
    assert change is MarkChange.CHANGED
    assert await verdicts(feedback, ADA) == [(FIRST, Verdict.LESS)]


async def test_marks_are_per_member_and_newest_first(feedback: Feedback) -> None:
    await feedback.mark(ADA, ref(FIRST), PaperAction.MORE_LIKE_THIS, channel_id=None)
    await feedback.mark(ADA, ref(SECOND), PaperAction.NOT_INTERESTED, channel_id=None)
    await feedback.mark(BEN, ref(FIRST), PaperAction.NOT_INTERESTED, channel_id=None)
    assert await verdicts(feedback, ADA) == [(SECOND, Verdict.LESS), (FIRST, Verdict.MORE)]
    assert await verdicts(feedback, BEN) == [(FIRST, Verdict.LESS)]
    assert await feedback.forget(ADA, SECOND)
    assert await verdicts(feedback, ADA) == [(FIRST, Verdict.MORE)]


async def test_only_the_newest_marks_count(db: Database) -> None:
    feedback = Feedback(db, clock=Clock(), marks_used=3)
    for paper in DAY[:5]:
        await feedback.mark(ADA, ref(paper.base_id), PaperAction.NOT_INTERESTED, channel_id=None)
    assert [base for base, _ in await verdicts(feedback, ADA)] == [
        p.base_id for p in reversed(DAY[2:5])
    ]


async def test_a_paper_the_bot_does_not_know_cannot_be_marked(feedback: Feedback) -> None:
    change = await feedback.mark(
        ADA, PaperRef("2603.99999", 1), PaperAction.MORE_LIKE_THIS, channel_id=None
    )
    assert change is MarkChange.UNKNOWN_PAPER
    change = await feedback.mark(
        ADA, PaperRef(FIRST, 4), PaperAction.MORE_LIKE_THIS, channel_id=None
    )
    assert change is MarkChange.UNKNOWN_PAPER
    assert await verdicts(feedback, ADA) == []


async def test_only_the_two_feedback_buttons_mark(feedback: Feedback) -> None:
    with pytest.raises(ValueError, match="not a feedback button"):
        await feedback.mark(ADA, ref(FIRST), PaperAction.SAVE, channel_id=None)


async def test_the_members_digest_is_ranked_by_their_marks(feedback: Feedback) -> None:
    query = parse_keywords("diffusion")
    candidates = [m for m in match_papers(query, DAY) if m.paper.base_id not in {HARP, VESSELS}]
    unmarked = await feedback.rank_for_member(ADA, candidates, query)
    assert unmarked == sorted(candidates, key=lambda m: m.rank_key)
    for base_id in (HARP, VESSELS):
        await feedback.mark(ADA, ref(base_id), PaperAction.NOT_INTERESTED, channel_id=None)
    ranked = [m.paper.base_id for m in await feedback.rank_for_member(ADA, candidates, query)]
    before = [m.paper.base_id for m in unmarked]
    assert ranked.index(MEDICAL_SHAPES) > before.index(MEDICAL_SHAPES)
    # Another member's digest is not moved by ADA's marks.
    assert await feedback.rank_for_member(BEN, candidates, query) == unmarked


async def test_the_tally_counts_members_per_button(feedback: Feedback) -> None:
    for user in (ADA, BEN, CY):
        await feedback.count_click(CHANNEL, user, ref(FIRST), PaperAction.DETAILS)
    await feedback.count_click(CHANNEL, ADA, ref(FIRST), PaperAction.DETAILS)  # again
    await feedback.count_click(CHANNEL, ADA, ref(SECOND), PaperAction.DETAILS)
    await feedback.count_click(CHANNEL, BEN, ref(SECOND), PaperAction.DEEP_DIVE)
    await feedback.count_click(CHANNEL, BEN, ref(SECOND), PaperAction.SAVE)
    await feedback.mark(ADA, ref(FIRST), PaperAction.MORE_LIKE_THIS, channel_id=CHANNEL)
    await feedback.mark(BEN, ref(FIRST), PaperAction.NOT_INTERESTED, channel_id=CHANNEL)
    await feedback.mark(CY, ref(SECOND), PaperAction.NOT_INTERESTED, channel_id=CHANNEL)
    tally = await feedback.tally(CHANNEL)
    assert {action: tally[action] for action in PaperAction} == {
        PaperAction.DETAILS: 4,
        PaperAction.DEEP_DIVE: 1,
        PaperAction.SAVE: 1,
        PaperAction.MORE_LIKE_THIS: 1,
        PaperAction.NOT_INTERESTED: 2,
    }
    assert tally.total == 9


async def test_a_changed_or_undone_mark_moves_or_leaves_the_tally(feedback: Feedback) -> None:
    await feedback.mark(ADA, ref(FIRST), PaperAction.MORE_LIKE_THIS, channel_id=CHANNEL)
    await feedback.mark(BEN, ref(FIRST), PaperAction.MORE_LIKE_THIS, channel_id=CHANNEL)
    await feedback.mark(ADA, ref(FIRST), PaperAction.NOT_INTERESTED, channel_id=CHANNEL)
    await feedback.mark(BEN, ref(FIRST), PaperAction.MORE_LIKE_THIS, channel_id=CHANNEL)
    tally = await feedback.tally(CHANNEL)
    assert (tally[PaperAction.MORE_LIKE_THIS], tally[PaperAction.NOT_INTERESTED]) == (0, 1)


async def test_the_tally_counts_only_the_channels_own_papers(feedback: Feedback) -> None:
    await feedback.count_click(CHANNEL, ADA, ref(DAY[5].base_id), PaperAction.DETAILS)
    await feedback.mark(ADA, ref(DAY[5].base_id), PaperAction.NOT_INTERESTED, channel_id=CHANNEL)
    await feedback.count_click(OTHER_CHANNEL, ADA, ref(FIRST), PaperAction.SAVE)
    await feedback.mark(BEN, ref(FIRST), PaperAction.NOT_INTERESTED, channel_id=None)  # a DM
    assert (await feedback.tally(CHANNEL)).total == 0
    assert (await feedback.tally(OTHER_CHANNEL)).counts == {PaperAction.SAVE: 1}


async def test_the_tally_can_start_at_a_date(feedback: Feedback) -> None:
    await feedback.count_click(CHANNEL, ADA, ref(FIRST), PaperAction.DETAILS)
    later = NOON + dt.timedelta(minutes=5)
    assert (await feedback.tally(CHANNEL, since=later)).total == 0
    assert (await feedback.tally(CHANNEL, since=NOON)).total == 1
