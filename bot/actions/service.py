"""What a click on a delivered paper does: details, deep dive, save, and the ranking marks.

Every button names one paper version (`bot.paper_actions`), so a click is answered from the
database whoever clicks and whenever, after restarts too. Where the click happened matters
for two things: the language (the digest's in its channel, the member's own in a DM, else the
bot's default), and the channel's tally for `/digest show` (bot.feedback: members who used
Details, Deep dive and Save on the channel's papers, and the marks standing). Details never
calls Claude: it shows the summary written for the digest, or the abstract.
"""

from __future__ import annotations

import dataclasses

from bot.config import Settings
from bot.deep_dive import DeepDiveOutcome, DeepDiver
from bot.feedback import Feedback, MarkChange
from bot.models import DigestItem, FallbackReason, Paper
from bot.paper_actions import PaperAction, PaperRef
from bot.saved import SavedPapers, SaveResult
from bot.store import papers, sent_papers, targets
from bot.store.db import Database
from bot.summarize.service import Summarizer
from bot.summarize.spending import Payers
from bot.targets.model import TargetKey


@dataclasses.dataclass(frozen=True, slots=True)
class Place:
    """Where a member clicked: a channel of a server, or a DM with the bot.

    `paying_server`: the server whose share of the daily Claude budget pays for what the
    click costs (a deep dive): the server when the bot is installed there, else None (a DM,
    or a server where only the member installed the bot).
    """

    channel_id: int
    in_server: bool
    paying_server: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class DeepDiveAnswer:
    """A deep dive (or why there is none), and the digest message a thread can go under.

    `message_id` is the sent message carrying the paper in the clicked channel; None in a
    DM, or where the paper was not posted in that channel (a list of other papers).
    """

    paper: Paper
    outcome: DeepDiveOutcome
    message_id: int | None


class PaperActions:
    """The per-paper buttons, over the services that keep summaries, saves and marks."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        summarizer: Summarizer,
        saved: SavedPapers,
        feedback: Feedback,
        deep_diver: DeepDiver,
    ) -> None:
        self._db = db
        self._settings = settings
        self._summarizer = summarizer
        self._saved = saved
        self._feedback = feedback
        self._deep_diver = deep_diver

    async def paper(self, ref: PaperRef) -> Paper | None:
        """Return the stored paper version a button names (None: not a paper we know)."""
        return await papers.get_paper(self._db, ref.base_id, ref.version)

    async def details(self, place: Place, user_id: int, ref: PaperRef) -> DigestItem | None:
        """Return the paper with its stored summary in the place's language (or its abstract).

        None when the paper version is unknown. Counts a Details use in a digest's channel.
        """
        paper = await self.paper(ref)
        if paper is None:
            return None
        summary = await self._summarizer.cached(paper, await self.language_at(place, user_id))
        await self._count(place, user_id, ref, PaperAction.DETAILS)
        fallback = None if summary is not None else FallbackReason.NOT_SUMMARIZED
        return DigestItem(paper=paper, summary=summary, fallback=fallback)

    async def deep_dive(self, place: Place, user_id: int, ref: PaperRef) -> DeepDiveAnswer | None:
        """Return the paper's deep dive in the place's language, or why there is none.

        Within the budget the summaries share; cached per paper version and language.
        None when the paper version is unknown.
        """
        paper = await self.paper(ref)
        if paper is None:
            return None
        await self._count(place, user_id, ref, PaperAction.DEEP_DIVE)
        language = await self.language_at(place, user_id)
        payers = Payers.server(place.paying_server) if place.paying_server is not None else None
        outcome = await self._deep_diver.deep_dive(paper, language, payers=payers)
        message_id = None
        if place.in_server:
            channel = TargetKey.channel(place.channel_id)
            message_id = await sent_papers.message_carrying(self._db, channel, paper.base_id)
        return DeepDiveAnswer(paper, outcome, message_id)

    async def save(self, place: Place, user_id: int, ref: PaperRef) -> SaveResult:
        """Add the paper version to the member's saved papers (again: no change)."""
        result = await self._saved.save(user_id, ref.base_id, ref.version)
        if result in (SaveResult.ADDED, SaveResult.ALREADY_SAVED):
            await self._count(place, user_id, ref, PaperAction.SAVE)
        return result

    async def mark(
        self, place: Place, user_id: int, ref: PaperRef, action: PaperAction
    ) -> MarkChange:
        """Apply a "More like this" or "Not interested" click (the same again undoes it)."""
        channel_id = place.channel_id if place.in_server else None
        return await self._feedback.mark(user_id, ref, action, channel_id=channel_id)

    async def language_at(self, place: Place, user_id: int) -> str:
        """Return the language of answers here: the channel digest's, the member's in a DM."""
        if place.in_server:
            config = await targets.get_digest(self._db, place.channel_id)
            language = config.language if config is not None else None
        else:
            sub = await targets.get_subscription(self._db, user_id)
            language = sub.language if sub is not None else None
        return language or self._settings.default_language

    async def _count(self, place: Place, user_id: int, ref: PaperRef, action: PaperAction) -> None:
        """Count a use of a button for the channel's tally (only papers it was delivered)."""
        if place.in_server:
            await self._feedback.count_click(place.channel_id, user_id, ref, action)
