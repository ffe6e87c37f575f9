"""The pass: plan every target's post of an announcement at once, and record it in the outbox.

Per announcement, whatever the number or variety of targets:

1. the announcement, and which targets already have which of its papers, are read once;
2. every target's keywords go through ONE compiled matcher, over every paper the announcement
   offers; each target keeps the matches its categories see, minus what it already has,
   ranked, cut at its `max_papers` (bot.digest.choice);
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
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Protocol

from bot.config import Settings
from bot.digest.announced import Announced
from bot.digest.choice import Choice, choose, gc_paused, parse_queries
from bot.digest.papers import PaperWork
from bot.matching import KeywordQuery
from bot.models import Digest, DigestItem, Match, Paper
from bot.paper_actions import list_page_custom_id
from bot.render import OutgoingMessage, render_digest
from bot.render.messages import RenderCache
from bot.render.places import forum_labels, header_apart, ping_role, thread_name
from bot.store import announcements, deliveries, guild_settings, post_queries, targets
from bot.store.db import Database
from bot.store.deliveries import PostRecord, PostThread
from bot.store.post_queries import PostQuery
from bot.summarize.service import SummaryOutcome
from bot.summarize.spending import Payers
from bot.targets.model import PostPlace, Target, TargetKey, TargetKind
from bot.timeutil import utc_now

log = logging.getLogger(__name__)

#: A bot that was down catches up on at most this many missed announcements per target
#: (docs/behaviour.md, "No flood").
MAX_CATCH_UP = 3


@dataclasses.dataclass(frozen=True, slots=True)
class PlannedPost:
    """One target's post of one announcement: the digest and its messages (none if empty).

    `thread`: the post goes into a thread or is a forum post (the target's `place`).
    """

    target: Target
    digest: Digest
    messages: tuple[OutgoingMessage, ...]
    thread: PostThread | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class PassReport:
    """What one recorded pass did, for the log and the benchmark."""

    date: dt.date
    targets: int
    papers: int
    posts: int
    messages: int


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
        one's planned dates. Announcements go oldest first, at most MAX_CATCH_UP per target.
        """
        async with self._lock:
            active = await self._active_targets(keys)
            if not active:
                return []
            starts = [t.planned_date or _day_before(t.start_date) for t in active]
            after = None if None in starts else min(d for d in starts if d is not None)
            dates = await announcements.categories_by_date(self._db, after=after)
            due: dict[dt.date, list[Target]] = {}
            for target in active:
                for date in target.dates_due(dates, MAX_CATCH_UP):
                    due.setdefault(date, []).append(target)
            return [await self._record(date, due[date]) for date in sorted(due)]

    async def preview(self, target: Target, date: dt.date) -> PlannedPost:
        """Plan one target's post of announcement `date` in memory; record nothing.

        A digest without papers still has its header message, which says why.
        """
        (post,) = await self._pass(date, [target])
        if not post.messages:
            messages = render_digest(post.digest, style=target.style)
            return dataclasses.replace(post, messages=tuple(messages))
        return post

    async def latest_date(self, target: Target) -> dt.date | None:
        """Return the latest recorded announcement in the target's categories."""
        return await announcements.latest_announcement_date(self._db, target.categories)

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

    async def _record(self, date: dt.date, due: Sequence[Target]) -> PassReport:
        """Run one pass over `due` for `date` and record its posts."""
        posts = await self._pass(date, due)
        records = await asyncio.to_thread(_records, posts)
        keys = [post.target.key for post in posts if post.target.key is not None]
        result = await deliveries.record_posts(self._db, date, records, keys, now=self._clock())
        queries = [query for post in posts if (query := _query_of(post)) is not None]
        await post_queries.record(
            self._db,
            date,
            [query for query in queries if query.target in result.recorded],
            now=self._clock(),
        )
        report = PassReport(
            date=date,
            targets=len(due),
            papers=len({item.paper.base_id for post in posts for item in post.digest.items}),
            posts=len(result.recorded),
            messages=sum(len(record.messages) for record in records),
        )
        log.info(
            "planned %s for %d targets: %d papers, %d posts",
            date,
            report.targets,
            report.papers,
            report.posts,
        )
        return report

    async def _pass(self, date: dt.date, due: Sequence[Target]) -> list[PlannedPost]:
        """Plan every target of `due` for `date`: match once, enrich and summarize once."""
        announced = await Announced.load(self._db, date)
        delivered = await deliveries.delivered_of_announcement(self._db, date)
        queries = parse_queries(due)
        ranked = await self._ranked_members(due)
        # Matching and rendering are CPU work: off the event loop, so commands stay quick.
        choices = await asyncio.to_thread(choose, announced, due, queries, delivered, ranked)
        choices = await self._rerank(due, queries, choices, ranked)
        chosen = {m.paper.base_id: m.paper for c in choices for m in c.matches}
        enriched = await self._work.enrich(chosen.values())
        wanted: dict[str, dict[str, Paper]] = {}
        servers: dict[tuple[str, str], set[int]] = {}  # who each summary is for
        for_others: set[tuple[str, str]] = set()
        for target, choice in zip(due, choices, strict=True):
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
        return await asyncio.to_thread(_render, date, due, choices, enriched, outcomes)

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


def _render(
    date: dt.date,
    due: Sequence[Target],
    choices: Sequence[Choice],
    enriched: Mapping[str, Paper],
    outcomes: Mapping[tuple[str, str], SummaryOutcome],
) -> list[PlannedPost]:
    """Lay out every target's digest; an embed shown to many targets is rendered once."""
    with gc_paused():
        return _render_all(date, due, choices, enriched, outcomes)


def _render_all(
    date: dt.date,
    due: Sequence[Target],
    choices: Sequence[Choice],
    enriched: Mapping[str, Paper],
    outcomes: Mapping[tuple[str, str], SummaryOutcome],
) -> list[PlannedPost]:
    """Do `_render`'s work (with the collector paused)."""
    cache = RenderCache()
    made: dict[tuple[str, str, tuple[str, ...]], DigestItem] = {}
    posts = []
    for target, choice in zip(due, choices, strict=True):
        items = []
        for match in choice.matches:
            base_id = match.paper.base_id
            key = (target.language, base_id, match.keywords)
            item = made.get(key)
            if item is None:
                outcome = outcomes[(target.language, base_id)]
                item = made[key] = _item(enriched[base_id], match, outcome)
            items.append(item)
        digest = Digest(target.categories, date, tuple(items), choice.matched, choice.total)
        show_all = list_page_custom_id(target.key, date, 1) if target.key is not None else None
        if items:
            rendered = render_digest(digest, cache, style=target.style, show_all_id=show_all)
            messages, thread = _lay_out(target, digest, rendered)
            posts.append(PlannedPost(target, digest, messages, thread))
        else:
            posts.append(PlannedPost(target, digest, ()))
    return posts


def _lay_out(
    target: Target, digest: Digest, messages: Sequence[OutgoingMessage]
) -> tuple[tuple[OutgoingMessage, ...], PostThread | None]:
    """Fit a post to where the target's posts go: the role its header pings, its thread."""
    pinged = ping_role(messages, target.mention_role)
    if target.place is PostPlace.CHANNEL:
        return tuple(pinged), None
    labels = forum_labels(digest) if target.place is PostPlace.FORUM else ()
    thread = PostThread(target.place, thread_name(digest), labels)
    return tuple(header_apart(pinged)), thread


def _records(posts: Sequence[PlannedPost]) -> list[PostRecord]:
    """Return what the outbox stores of each post: JSON payloads and the papers they carry."""
    encoded: dict[int, str] = {}  # each embed encoded once, however many posts show it
    return [
        PostRecord(
            post.target.key,
            tuple((message.to_json(encoded), message.paper_ids) for message in post.messages),
            post.thread,
        )
        for post in posts
        if post.target.key is not None and post.messages
    ]


def _item(paper: Paper, match: Match, outcome: SummaryOutcome) -> DigestItem:
    """Return the item for one matched paper and its summary outcome."""
    return DigestItem(
        paper=paper, keywords=match.keywords, summary=outcome.summary, fallback=outcome.fallback
    )
