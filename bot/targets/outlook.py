"""What a target's keywords find in the latest announcement, and when the next one comes.

Nothing silent (docs/behaviour.md, "Nothing silent"): `/digest set`, `/subscribe` and
`/subscriptions` answer with how many papers of the latest announcement in the target's
categories the keywords match (0 included), the first few titles, the keywords that matched
nothing there (`bot.matching.report`), and when arXiv announces next (`bot.arxiv.calendar`).
Categories the bot did not watch yet are fetched first, so the answer is about them too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from bot.arxiv.calendar import Mailing, next_mailing
from bot.config import Settings
from bot.digest.announced import Announced
from bot.errors import ArxivError, InvalidKeywordsError
from bot.matching import parse_keywords
from bot.matching.report import KeywordReport, keyword_report
from bot.outcomes import PollResult
from bot.store import announcements, targets
from bot.store.db import Database
from bot.targets.model import Target, TargetKey, TargetKind
from bot.timeutil import utc_now

log = logging.getLogger(__name__)


class FeedPoller(Protocol):
    """What the outlook needs to fetch categories not watched yet (bot.poller.Poller)."""

    async def poll(self, categories: Sequence[str]) -> PollResult:
        """Fetch and record the feed's announcement of `categories`."""


@dataclasses.dataclass(frozen=True, slots=True)
class Outlook:
    """A target's view of the latest announcement, and the next one.

    `date` is None when no announcement of its categories is recorded (even after fetching
    the feed: a weekend); `report` is None then, or when its keywords no longer parse.
    """

    categories: tuple[str, ...]
    date: dt.date | None
    report: KeywordReport | None
    next_announcement: Mailing


class Outlooks:
    """Work out targets' outlooks from the store (fetching the feed for new categories)."""

    def __init__(
        self,
        db: Database,
        poller: FeedPoller,
        settings: Settings,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._db = db
        self._poller = poller
        self._settings = settings
        self._clock = clock

    async def for_target(self, key: TargetKey) -> Outlook | None:
        """Return the outlook of a stored target (None: there is no such target)."""
        settings = self._settings
        if key.kind is TargetKind.CHANNEL:
            config = await targets.get_digest(self._db, key.id)
            if config is None:
                return None
            return await self.of(Target.of_digest(config, settings.default_language))
        sub = await targets.get_subscription(self._db, key.id)
        if sub is None:
            return None
        target = Target.of_subscription(sub, settings.default_categories, settings.default_language)
        return await self.of(target)

    async def of(self, target: Target) -> Outlook:
        """Return what the target's keywords find in the latest announcement of its categories."""
        date = await announcements.latest_announcement_date(self._db, target.categories)
        if date is None:
            try:
                await self._poller.poll(target.categories)
            except ArxivError as exc:
                log.warning("fetching the feed for %s failed: %s", " ".join(target.categories), exc)
            date = await announcements.latest_announcement_date(self._db, target.categories)
        report = None
        if date is not None:
            report = await self._report(target, date)
        return Outlook(target.categories, date, report, next_mailing(self._clock()))

    async def _report(self, target: Target, date: dt.date) -> KeywordReport | None:
        """Match the target's keywords against what it is offered of the announcement."""
        try:
            query = parse_keywords(list(target.keywords))
        except InvalidKeywordsError as exc:
            log.warning("keywords of %s no longer parse: %s", target.key, exc)
            return None
        announced = await Announced.load(self._db, date)
        offered, _ = announced.view(
            target.categories, include_cross_lists=target.include_cross_lists
        )
        # Matching one announcement is CPU work: off the event loop.
        return await asyncio.to_thread(keyword_report, query, offered)
