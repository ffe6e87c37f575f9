"""The pass: plan every target's post of an announcement at once, and record it in the outbox.

Per announcement, whatever the number or variety of targets:

1. the announcement, and which targets already have which of its papers, are read once;
2. every target's keywords go through ONE compiled matcher (bot.matching), over every paper
   the announcement offers; each target keeps the matches its categories see, minus what it
   already has, ranked, cut at its `max_papers`;
3. the union of the papers chosen is enriched (one API request per 100 papers not enriched
   yet) and each paper is summarized once per language;
4. each target's digest is rendered (each embed once, however many targets show it) and the
   posts are recorded in the outbox with each target's planned date, in batched
   transactions.

What is left per target is planning: filtering its matches and laying out its messages. A
member who marked papers ("More like this", "Not interested") gets their matches reordered by
those marks before the cut (bot.feedback). A post that shows fewer papers than matched keeps
the query it answered (bot.store.post_queries), for its "Show all N" button. The poll,
catch-up, a new target's first post and `/digest post` record what they plan; previews
(`/digest preview`, the CLI's `preview`) plan in memory and record nothing.

A target catches up on the announcements of the last week it missed (`CATCH_UP_DAYS`), each
its own post headed as a catch-up, and counts the older ones in the first post's header. When
a later recording adds papers to an announcement a target was planned for (the cross-check
found papers the feed left out), a late pass offers it exactly those, once
(docs/behaviour.md, "Nothing missed").
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from typing import Protocol

from bot.arxiv.calendar import BACKFILL_DAYS, EASTERN
from bot.config import Settings
from bot.digest.announced import Announced
from bot.digest.choice import Choice, choose, parse_queries, replaced_for
from bot.digest.layout import Heading, PlannedPost, lay_out, records
from bot.digest.papers import PaperWork
from bot.matching import KeywordQuery
from bot.models import Match, Paper
from bot.render import render_digest
from bot.store import announcements, deliveries, guild_settings, passes, post_queries, targets
from bot.store.db import Database
from bot.store.passes import TargetPass
from bot.store.post_queries import PostQuery
from bot.summarize.spending import Payers
from bot.targets.model import Target, TargetKey, TargetKind
from bot.timeutil import utc_now

log = logging.getLogger(__name__)

#: A target catches up on the missed announcements dated at most this many days before the
#: newest one, the look-back of the backfill (docs/behaviour.md, "No flood").
CATCH_UP_DAYS = BACKFILL_DAYS

__all__ = ["CATCH_UP_DAYS", "PassReport", "PlannedPost", "Planner"]


@dataclasses.dataclass(frozen=True, slots=True)
class PassReport:
    """What one recorded pass did, for the log and the benchmark (`late`: a late pass)."""

    date: dt.date
    targets: int
    papers: int
    posts: int
    messages: int
    late: bool = False


class MemberRanking(Protocol):
    """How members' marks reorder their matches (bot.feedback.Feedback provides it)."""

    async def members_with_marks(self) -> set[int]:
        """Return the members who marked at least one paper."""

    async def rank_for_member(
        self, user_id: int, candidates: Sequence[Match], query: KeywordQuery
    ) -> list[Match]:
        """Return the member's matches best first, moved by their marks."""


class Planner:
    """Plan posts for many targets in one pass per announcement."""

    def __init__(
        self,
        db: Database,
        work: PaperWork,
        settings: Settings,
        *,
        ranking: MemberRanking | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._db = db
        self._work = work
        self._settings = settings
        self._ranking = ranking
        self._clock = clock
        # One recording pass at a time: the poll, a first post and /digest post may overlap,
        # and each must see what the others recorded.
        self._lock = asyncio.Lock()

    async def plan_pending(self, keys: Collection[TargetKey] | None = None) -> list[PassReport]:
        """Plan and record every announcement not planned yet, for every active target.

        With `keys`, only those targets (a new target's first post, `/digest post`). Targets
        are read from the store here, under the pass's lock, so each pass sees the previous
        one's planned dates. Announcements go oldest first, those of the last CATCH_UP_DAYS
        per target; then the late passes, for papers recorded after a target's pass.
        """
        async with self._lock:
            active = await self._active_targets(keys)
            if not active:
                return []
            reports = await self._plan_new(active)
            return reports + await self._plan_late(active)

    @contextlib.asynccontextmanager
    async def settled(self) -> AsyncIterator[None]:
        """Hold off recording passes: what is planned cannot change while this is held.

        A preview reads what waits, then plans the rest in memory; a pass recording between
        the two would leave its papers out of both, and the preview would wrongly say there
        is nothing new.
        """
        async with self._lock:
            yield

    async def preview(self, target: Target, date: dt.date) -> PlannedPost:
        """Plan one target's post of announcement `date` in memory; record nothing.

        A digest without papers still has its header message, which says why.
        """
        (post,), _ = await self._pass(date, [(target, Heading())])
        if not post.messages:
            messages = render_digest(post.digest, style=target.style)
            return dataclasses.replace(post, messages=tuple(messages))
        return post

    async def latest_date(self, target: Target) -> dt.date | None:
        """Return the latest recorded announcement in the target's categories."""
        return await announcements.latest_announcement_date(self._db, target.categories)

    async def _plan_new(self, active: Sequence[Target]) -> list[PassReport]:
        """Plan each target's announcements not planned yet, oldest first."""
        starts = [t.planned_date or _day_before(t.start_date) for t in active]
        after = None if None in starts else min(d for d in starts if d is not None)
        dates = await announcements.categories_by_date(self._db, after=after)
        due: dict[dt.date, list[tuple[Target, Heading]]] = {}
        for target in active:
            found = target.dates_due(dates, CATCH_UP_DAYS)
            for date in found.dates:
                heading = Heading(
                    catch_up=date < found.dates[-1],  # a newer announcement is out
                    skipped=found.skipped if date == found.dates[0] else 0,
                )
                due.setdefault(date, []).append((target, heading))
        return [await self._record(date, due[date]) for date in sorted(due)]

    async def _plan_late(self, active: Sequence[Target]) -> list[PassReport]:
        """Offer each target, once, the papers recorded after its pass of an announcement."""
        first = self._clock().astimezone(EASTERN).date() - dt.timedelta(days=CATCH_UP_DAYS)
        by_key = {target.key: target for target in active}
        groups: dict[tuple[dt.date, int], list[tuple[Target, Heading]]] = {}
        for key, date, seen in await passes.behind(self._db, first):
            target = by_key.get(key)
            if target is not None:
                groups.setdefault((date, seen), []).append((target, Heading(late=True)))
        return [
            await self._record(date, due, after=seen)
            for (date, seen), due in sorted(groups.items())
        ]

    async def _active_targets(self, keys: Collection[TargetKey] | None) -> list[Target]:
        """Read the digests that are not paused and the subscriptions that can be sent.

        All of them (two queries), or only those of `keys` (one query each).
        """
        if keys is None:
            configs = await targets.list_digests(self._db)
            subs = await targets.list_subscriptions(self._db)
        else:
            configs, subs = [], []
            for key in keys:
                if key.kind is TargetKind.CHANNEL:
                    config = await targets.get_digest(self._db, key.id)
                    configs += [config] if config else []
                else:
                    sub = await targets.get_subscription(self._db, key.id)
                    subs += [sub] if sub else []
        settings = self._settings
        languages = await guild_settings.languages(self._db) if configs else {}
        found = [
            Target.of_digest(config, languages.get(config.guild_id, settings.default_language))
            for config in configs
            if not config.paused
        ]
        found += [
            Target.of_subscription(sub, settings.default_categories, settings.default_language)
            for sub in subs
            if sub.deliverable
        ]
        return found

    async def _record(
        self, date: dt.date, due: Sequence[tuple[Target, Heading]], *, after: int | None = None
    ) -> PassReport:
        """Run one pass over `due` for `date` and record its posts (late: after recording N)."""
        posts, seen = await self._pass(date, due, after=after)
        stored = await asyncio.to_thread(records, posts)
        seen_by = [
            TargetPass(
                post.target.key,
                seen,
                post.digest.total,
                post.digest.matched,
                len(post.digest.items),
            )
            for post in posts
            if post.target.key is not None
        ]
        late = after is not None
        result = await deliveries.record_posts(
            self._db,
            date,
            stored,
            [target_pass.target for target_pass in seen_by],
            passes=seen_by,
            late=late,
            now=self._clock(),
        )
        wanted = [query for post in posts if (query := _query_of(post)) is not None]
        await post_queries.record(
            self._db,
            date,
            [query for query in wanted if query.target in result.recorded],
            now=self._clock(),
        )
        report = PassReport(
            date=date,
            targets=len(due),
            papers=len({item.paper.base_id for post in posts for item in post.digest.items}),
            posts=len(result.recorded),
            messages=sum(len(record.messages) + len(record.replies) for record in stored),
            late=late,
        )
        log.info(
            "planned %s%s for %d targets: %d papers, %d posts",
            date,
            " (late papers)" if late else "",
            report.targets,
            report.papers,
            report.posts,
        )
        return report

    async def _pass(
        self, date: dt.date, due: Sequence[tuple[Target, Heading]], *, after: int | None = None
    ) -> tuple[list[PlannedPost], int]:
        """Plan every target of `due` for `date`: match once, enrich and summarize once.

        Return the posts and the recording of `date` they saw. With `after`, only the
        papers recorded after that recording are offered (a late pass).
        """
        announced = await Announced.load(self._db, date, after=after)
        delivered = await deliveries.delivered_of_announcement(self._db, date)
        wanted_targets = [target for target, _ in due]
        parsed = parse_queries(wanted_targets)
        ranked = await self._ranked_members(wanted_targets)
        # Matching and rendering are CPU work: off the event loop, so commands stay quick.
        choices = await asyncio.to_thread(
            choose, announced, wanted_targets, parsed, delivered, ranked
        )
        choices = await self._rerank(wanted_targets, parsed, choices, ranked)
        carriers = {}
        if announced.replacements and any(target.versions for target in wanted_targets):
            carriers = await deliveries.carriers_of_replaced(self._db, date)
        replies = replaced_for(wanted_targets, announced.replacements, carriers)
        chosen: dict[str, Paper] = {m.paper.base_id: m.paper for c in choices for m in c.matches}
        for found in replies:
            chosen.update((paper.base_id, paper) for paper, _ in found)
        enriched = await self._work.enrich(chosen.values())
        wanted: dict[str, dict[str, Paper]] = {}
        servers: dict[tuple[str, str], set[int]] = {}  # who each summary is for
        for_others: set[tuple[str, str]] = set()
        for target, choice in zip(wanted_targets, choices, strict=True):
            bucket = wanted.setdefault(target.language, {})
            for match in choice.matches:
                base_id = match.paper.base_id
                bucket[base_id] = enriched[base_id]
                key = (target.language, base_id)
                if target.guild_id is None:
                    for_others.add(key)
                else:
                    servers.setdefault(key, set()).add(target.guild_id)
        payers = {
            key: Payers(frozenset(servers.get(key, ())), key in for_others)
            for key in servers.keys() | for_others
        }
        outcomes = await self._work.summarize(wanted, payers)
        if announced.backfilled:  # the bot missed it: whoever gets it now gets a catch-up
            due = [(t, dataclasses.replace(h, catch_up=not h.late)) for t, h in due]
        posts = await asyncio.to_thread(lay_out, date, due, choices, replies, enriched, outcomes)
        return posts, announced.latest_batch

    async def _ranked_members(self, due: Sequence[Target]) -> frozenset[TargetKey]:
        """Return the subscriptions of `due` whose member marked papers (ranked by them)."""
        users = [t.key for t in due if t.key is not None and t.key.kind is TargetKind.USER]
        if self._ranking is None or not users:
            return frozenset()
        marked = await self._ranking.members_with_marks()
        return frozenset(key for key in users if key.id in marked)

    async def _rerank(
        self,
        due: Sequence[Target],
        queries: Sequence[KeywordQuery | None],
        choices: Sequence[Choice],
        ranked: frozenset[TargetKey],
    ) -> list[Choice]:
        """Reorder the uncut matches of members with marks by those marks, then cut them."""
        result = list(choices)
        if self._ranking is None or not ranked:
            return result
        for index, (target, query) in enumerate(zip(due, queries, strict=True)):
            if target.key not in ranked or query is None:
                continue
            choice = result[index]
            order = await self._ranking.rank_for_member(target.key.id, choice.matches, query)
            matches = tuple(order[: target.max_papers])
            result[index] = dataclasses.replace(choice, matches=matches)
        return result


def _query_of(post: PlannedPost) -> PostQuery | None:
    """Return what a post answered when it shows fewer papers than matched, else None."""
    target, digest = post.target, post.digest
    if target.key is None or not digest.items or len(digest.items) >= digest.matched:
        return None
    return PostQuery(
        target=target.key,
        categories=target.categories,
        keywords=target.keywords,
        include_cross_lists=target.include_cross_lists,
        language=target.language,
        matched=digest.matched,
    )


def _day_before(date: dt.date | None) -> dt.date | None:
    """Return the day before `date` (None stays None)."""
    return None if date is None else date - dt.timedelta(days=1)
