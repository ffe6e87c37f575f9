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

What is left per target is planning: filtering its matches and laying out its messages. The
poll, catch-up, a new target's first post and `/digest post` record what they plan; previews
(`/digest preview`, the CLI's `preview`) plan in memory and record nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import gc
import logging
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager

from bot.config import Settings
from bot.digest.announced import Announced
from bot.digest.papers import PaperWork
from bot.errors import InvalidKeywordsError
from bot.matching import KeywordQuery, Matcher, Wanted, parse_keywords
from bot.models import Digest, DigestItem, Match, Paper
from bot.render import OutgoingMessage, render_digest
from bot.render.messages import RenderCache
from bot.render.places import forum_labels, header_apart, ping_role, thread_name
from bot.store import announcements, deliveries, guild_settings, targets
from bot.store.db import Database
from bot.store.deliveries import PostRecord, PostThread
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


@dataclasses.dataclass(frozen=True, slots=True)
class _Choice:
    """What a target gets from an announcement before enrichment: ranked, cut matches."""

    matches: tuple[Match, ...]
    matched: int
    total: int


class Planner:
    """Plan posts for many targets in one pass per announcement."""

    def __init__(
        self,
        db: Database,
        work: PaperWork,
        settings: Settings,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._db = db
        self._work = work
        self._settings = settings
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
            return dataclasses.replace(post, messages=tuple(render_digest(post.digest)))
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
        queries = _queries(due)
        # Matching and rendering are CPU work: off the event loop, so commands stay quick.
        choices = await asyncio.to_thread(_choose, announced, due, queries, delivered)
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


def _day_before(date: dt.date | None) -> dt.date | None:
    """Return the day before `date` (None stays None)."""
    return None if date is None else date - dt.timedelta(days=1)


def _queries(due: Sequence[Target]) -> list[KeywordQuery | None]:
    """Parse each target's keywords once per distinct list; None for a list that no longer parses.

    A stored list was valid when it was written; a later change of the keyword rules must
    cost that one target its post (logged), not stop the pass for everyone.
    """
    parsed: dict[tuple[str, ...], KeywordQuery | None] = {}
    result: list[KeywordQuery | None] = []
    for target in due:
        if target.keywords not in parsed:
            try:
                parsed[target.keywords] = parse_keywords(list(target.keywords))
            except InvalidKeywordsError as exc:
                log.warning("keywords of %s no longer parse, skipping it: %s", target.key, exc)
                parsed[target.keywords] = None
        result.append(parsed[target.keywords])
    return result


def _choose(
    announced: Announced,
    due: Sequence[Target],
    queries: Sequence[KeywordQuery | None],
    delivered: Mapping[TargetKey, set[str]],
) -> list[_Choice]:
    """Match every target at once with one compiled matcher; keep what each may receive."""
    with _gc_paused():
        return _choose_all(announced, due, queries, delivered)


def _choose_all(
    announced: Announced,
    due: Sequence[Target],
    queries: Sequence[KeywordQuery | None],
    delivered: Mapping[TargetKey, set[str]],
) -> list[_Choice]:
    """Do `_choose`'s work (with the collector paused)."""
    # Targets with the same keywords, the same papers to choose from and the same cut share
    # one entry of the matcher, which keeps only each entry's best `max_papers` and a count.
    entries: dict[tuple[tuple[str, ...], frozenset[str], int], int] = {}
    compiled: dict[int, KeywordQuery] = {}
    wanted: dict[int, Wanted] = {}
    planned: list[tuple[int | None, int]] = []  # per target: its entry, its total
    for target, query in zip(due, queries, strict=True):
        offered, offered_ids = announced.view(
            target.categories, include_cross_lists=target.include_cross_lists
        )
        have = delivered.get(target.key, set()) if target.key is not None else set()
        had = have & offered_ids
        total = len(offered) - len(had)
        if query is None:
            planned.append((None, total))
            continue
        among = offered_ids - had if had else offered_ids  # the view, shared, most often
        entry = entries.setdefault((target.keywords, among, target.max_papers), len(entries))
        if entry not in compiled:
            compiled[entry] = query
            wanted[entry] = Wanted(target.max_papers, among)
        planned.append((entry, total))
    best = Matcher(compiled).best(announced.papers, wanted)
    return [
        _Choice((), 0, total)
        if entry is None
        else _Choice(best[entry].matches, best[entry].count, total)
        for entry, total in planned
    ]


def _render(
    date: dt.date,
    due: Sequence[Target],
    choices: Sequence[_Choice],
    enriched: Mapping[str, Paper],
    outcomes: Mapping[tuple[str, str], SummaryOutcome],
) -> list[PlannedPost]:
    """Lay out every target's digest; an embed shown to many targets is rendered once."""
    with _gc_paused():
        return _render_all(date, due, choices, enriched, outcomes)


def _render_all(
    date: dt.date,
    due: Sequence[Target],
    choices: Sequence[_Choice],
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
        if items:
            messages, thread = _lay_out(target, digest, render_digest(digest, cache))
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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for one batch of a pass.

    A pass holds some 10^5 matches and items alive, none in a reference cycle; the collector
    would walk them again and again as the batch allocates (about a quarter of the time of
    matching 2,000 targets against 1,000 papers, benchmarks/announcement_benchmark.py).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _item(paper: Paper, match: Match, outcome: SummaryOutcome) -> DigestItem:
    """Return the item for one matched paper and its summary outcome."""
    return DigestItem(
        paper=paper, keywords=match.keywords, summary=outcome.summary, fallback=outcome.fallback
    )
