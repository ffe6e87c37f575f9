"""The papers of a post that did not fit it: what its "Show all N" button lists, page by page.

A post shows a target's best `max_papers` matches; the rest of the announcement's matches are
listed on demand, ten a page, in the same order the post would have had. They are worked out
again at each click from the query the post answered (bot.store.post_queries), so the list
survives restarts; papers the target received since (in another post) are left out, as a
pass would. Without a kept query (a preview, which records nothing) the target's current
settings stand in.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import math

from bot.actions.service import Place
from bot.config import Settings
from bot.digest.announced import Announced
from bot.digest.planner import MemberRanking
from bot.errors import InvalidKeywordsError
from bot.matching import match_papers, parse_keywords
from bot.models import Match
from bot.paper_actions import ListPage
from bot.store import deliveries, post_queries, targets
from bot.store.db import Database
from bot.store.post_queries import PostQuery
from bot.targets.model import Target, TargetKey, TargetKind

#: Papers per page: a line each, and one "Choose a paper" menu for the page.
PAGE_SIZE = 10


@dataclasses.dataclass(frozen=True, slots=True)
class OthersPage:
    """One page of a post's other papers.

    `number` is 1-based and always a page that exists; `total` is how many other papers
    there are, `matched` how many matched when the post was planned.
    """

    target: TargetKey
    date: dt.date
    categories: tuple[str, ...]
    entries: tuple[Match, ...]
    number: int
    pages: int
    total: int
    matched: int

    @property
    def first_number(self) -> int:
        """Return the number of the page's first paper in the whole list (after the post's)."""
        return (self.number - 1) * PAGE_SIZE + 1


class OtherPapers:
    """Work out the other papers of a post, for whoever may see that post."""

    def __init__(
        self, db: Database, settings: Settings, ranking: MemberRanking | None = None
    ) -> None:
        self._db = db
        self._settings = settings
        self._ranking = ranking

    async def page(self, request: ListPage, place: Place, user_id: int) -> OthersPage | None:
        """Return the page asked for, clamped to the last one; None where it may not be shown.

        A channel's list is shown in that channel, a member's DM list to that member only.
        """
        target = request.target
        if not may_see(target, place, user_id):
            return None
        query = await post_queries.get(self._db, target, request.date)
        if query is None:
            query = await self._current_query(target)
        if query is None:
            return None
        others = await self._others(query, request.date)
        if others is None:
            return None
        pages = max(1, math.ceil(len(others) / PAGE_SIZE))
        number = min(request.page, pages)
        start = (number - 1) * PAGE_SIZE
        return OthersPage(
            target=target,
            date=request.date,
            categories=query.categories,
            entries=tuple(others[start : start + PAGE_SIZE]),
            number=number,
            pages=pages,
            total=len(others),
            matched=query.matched or len(others),
        )

    async def _others(self, query: PostQuery, date: dt.date) -> list[Match] | None:
        """Return the query's matches in `date` that the target has not received, ranked."""
        try:
            parsed = parse_keywords(list(query.keywords))
        except InvalidKeywordsError:
            return None  # stored keywords the rules no longer read: nothing to list
        announced = await Announced.load(self._db, date)
        offered, _ = announced.view(query.categories, include_cross_lists=query.include_cross_lists)
        matches = await asyncio.to_thread(match_papers, parsed, offered)
        have = await deliveries.delivered_base_ids(self._db, query.target)
        others = [match for match in matches if match.paper.base_id not in have]
        if query.target.kind is TargetKind.USER and self._ranking is not None and others:
            others = await self._ranking.rank_for_member(query.target.id, others, parsed)
        return others

    async def _current_query(self, key: TargetKey) -> PostQuery | None:
        """Return the target's current settings as a query (None: the target is gone)."""
        settings = self._settings
        target: Target
        if key.kind is TargetKind.CHANNEL:
            config = await targets.get_digest(self._db, key.id)
            if config is None:
                return None
            target = Target.of_digest(config, settings.default_language)
        else:
            sub = await targets.get_subscription(self._db, key.id)
            if sub is None:
                return None
            target = Target.of_subscription(
                sub, settings.default_categories, settings.default_language
            )
        return PostQuery(
            target=key,
            categories=target.categories,
            keywords=target.keywords,
            include_cross_lists=target.include_cross_lists,
            language=target.language,
            matched=0,
        )


def may_see(target: TargetKey, place: Place, user_id: int) -> bool:
    """Say whether a list belongs here: its channel, or its member's DM."""
    if target.kind is TargetKind.CHANNEL:
        return place.in_server and place.channel_id == target.id
    return not place.in_server and user_id == target.id
