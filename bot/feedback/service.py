"""Feedback on delivered papers: members' marks, the ranking they drive, and channel tallies.

The "Not interested" and "More like this" buttons call `mark`; every other paper button
calls `count_click`; a member's personal digest is ordered by `rank_for_member`; `/digest
show` reads `tally`. See README, "Feedback that ranks".
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.feedback.ranking import FeedbackProfile, rank_with_feedback
from bot.matching import KeywordQuery, match_papers
from bot.models import Match
from bot.paper_actions import PaperAction, PaperRef
from bot.store import feedback as store
from bot.store.db import Database
from bot.store.feedback import MarkChange, MarkedPaper, Verdict
from bot.timeutil import utc_now

# The newest marks that count: a member's taste drifts, and this bounds the work per digest
# (benchmarks/feedback_benchmark.py).
MARKS_USED = 200

_VERDICTS = {PaperAction.MORE_LIKE_THIS: Verdict.MORE, PaperAction.NOT_INTERESTED: Verdict.LESS}


@dataclass(frozen=True, slots=True)
class ActionTally:
    """How members used each button on a channel's delivered papers."""

    counts: dict[PaperAction, int]

    def __getitem__(self, action: PaperAction) -> int:
        """Return the count of `action` (0 when nobody used it)."""
        return self.counts.get(action, 0)

    @property
    def total(self) -> int:
        """Return the sum over every button."""
        return sum(self.counts.values())


class Feedback:
    """Marks, ranking and tallies for the whole process, over the shared database."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
        marks_used: int = MARKS_USED,
    ) -> None:
        self._db = db
        self._clock = clock
        self._marks_used = marks_used

    async def mark(
        self, user_id: int, paper: PaperRef, action: PaperAction, *, channel_id: int | None
    ) -> MarkChange:
        """Apply a click on "More like this" or "Not interested" (again: undo; other: change).

        `channel_id` is the digest channel the paper was delivered to, None in a DM.
        """
        verdict = _VERDICTS.get(action)
        if verdict is None:
            raise ValueError(f"{action} is not a feedback button")
        return await store.toggle_mark(
            self._db,
            user_id,
            paper.base_id,
            paper.version,
            verdict,
            channel_id=channel_id,
            now=self._clock(),
        )

    async def forget(self, user_id: int, base_id: str) -> bool:
        """Remove `user_id`'s mark on a paper; return whether there was one."""
        return await store.clear_mark(self._db, user_id, base_id)

    async def marks(self, user_id: int) -> list[MarkedPaper]:
        """Return the marks that count for `user_id`, newest first."""
        return await store.marked_papers(self._db, user_id, limit=self._marks_used)

    async def count_click(
        self, channel_id: int, user_id: int, paper: PaperRef, action: PaperAction
    ) -> None:
        """Count a Details, Deep dive or Save click on a paper delivered to `channel_id`."""
        await store.record_click(
            self._db, channel_id, paper.base_id, user_id, action, now=self._clock()
        )

    async def tally(self, channel_id: int, *, since: dt.datetime | None = None) -> ActionTally:
        """Return the button tally of a digest channel (since `since`, or ever)."""
        return ActionTally(await store.channel_tally(self._db, channel_id, since=since))

    async def members_with_marks(self) -> set[int]:
        """Return the members who marked at least one paper (a pass ranks only theirs)."""
        return await store.users_with_marks(self._db)

    async def rank_for_member(
        self, user_id: int, candidates: Sequence[Match], query: KeywordQuery
    ) -> list[Match]:
        """Return `user_id`'s matches best first: the keyword ranking, moved by their marks.

        `query` is the member's keywords: marked papers are matched against them, so
        "shared keywords" means keywords of this member that both papers match. The ranking
        runs in a worker thread: with hundreds of matches and marks it takes a few hundred
        milliseconds (benchmarks/feedback_benchmark.py), too long to hold the event loop.
        """
        marked = await self.marks(user_id)
        if not marked:
            return sorted(candidates, key=lambda match: match.rank_key)
        return await asyncio.to_thread(_rank, candidates, marked, query)


def _rank(
    candidates: Sequence[Match], marked: Sequence[MarkedPaper], query: KeywordQuery
) -> list[Match]:
    return rank_with_feedback(candidates, profile_of(marked, query))


def profile_of(marked: Sequence[MarkedPaper], query: KeywordQuery) -> FeedbackProfile:
    """Return the ranking profile of marked papers, each with the `query` keywords it matches."""
    matched = {m.paper.base_id: m.keywords for m in match_papers(query, [x.paper for x in marked])}
    more: list[Match] = []
    less: list[Match] = []
    for item in marked:
        match = Match(paper=item.paper, keywords=matched.get(item.paper.base_id, ()))
        (more if item.verdict is Verdict.MORE else less).append(match)
    return FeedbackProfile(more=tuple(more), less=tuple(less))
