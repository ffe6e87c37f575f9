"""Lay out every target's post of one pass, and what the outbox stores of it.

Pure CPU work (the pass runs it off the event loop). Each embed is rendered once however many
targets show it. A target's post is its digest (a header and its papers), or, on a day
without matches and only where the digest asked (`quiet:false`), one line saying so; then
the version replies it asked for (`versions:true`), each answering the message that carried
the paper. A post is fitted to where the target's posts go: the role its header pings, its
thread or forum post (bot/render/places.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from bot.digest.choice import Choice, gc_paused
from bot.models import Digest, DigestItem, Match, Paper
from bot.paper_actions import list_page_custom_id
from bot.render import OutgoingMessage, render_digest
from bot.render.messages import RenderCache, render_no_matches, render_version_reply
from bot.render.places import forum_labels, header_apart, ping_role, thread_name
from bot.store.deliveries import PostRecord, PostThread
from bot.summarize.service import SummaryOutcome
from bot.targets.model import PostPlace, Target


@dataclasses.dataclass(frozen=True, slots=True)
class PlannedPost:
    """One target's post of one announcement: the digest and its messages (none if empty).

    `thread`: the post goes into a thread or is a forum post (the target's `place`).
    `replies` are version replies, each with the outbox id of the message it answers.
    """

    target: Target
    digest: Digest
    messages: tuple[OutgoingMessage, ...]
    replies: tuple[tuple[OutgoingMessage, int], ...] = ()
    thread: PostThread | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Heading:
    """How one target's post of an announcement is headed (see `bot.models.Digest`)."""

    catch_up: bool = False
    skipped: int = 0
    late: bool = False


def lay_out(
    date: dt.date,
    due: Sequence[tuple[Target, Heading]],
    choices: Sequence[Choice],
    replies: Sequence[tuple[tuple[Paper, int], ...]],
    enriched: Mapping[str, Paper],
    outcomes: Mapping[tuple[str, str], SummaryOutcome],
) -> list[PlannedPost]:
    """Lay out every target's post (with the collector paused)."""
    with gc_paused():
        cache = RenderCache()
        made: dict[tuple[str, str, tuple[str, ...]], DigestItem] = {}
        posts = []
        for (target, heading), choice, answers in zip(due, choices, replies, strict=True):
            items = []
            for match in choice.matches:
                base_id = match.paper.base_id
                key = (target.language, base_id, match.keywords)
                item = made.get(key)
                if item is None:
                    outcome = outcomes[(target.language, base_id)]
                    item = made[key] = _item(enriched[base_id], match, outcome)
                items.append(item)
            digest = Digest(
                target.categories,
                date,
                tuple(items),
                choice.matched,
                choice.total,
                catch_up=heading.catch_up,
                skipped=heading.skipped,
                late=heading.late,
            )
            messages, thread = _messages(target, digest, cache)
            posts.append(
                PlannedPost(
                    target,
                    digest,
                    messages,
                    tuple(
                        (render_version_reply(_latest(paper, enriched)), outbox_id)
                        for paper, outbox_id in answers
                    ),
                    thread,
                )
            )
        return posts


def records(posts: Sequence[PlannedPost]) -> list[PostRecord]:
    """Return what the outbox stores of each post: JSON payloads and the papers they carry."""
    encoded: dict[int, str] = {}  # each embed encoded once, however many posts show it
    return [
        PostRecord(
            post.target.key,
            tuple((message.to_json(encoded), message.paper_ids) for message in post.messages),
            post.thread,
            tuple((message.to_json(encoded), outbox_id) for message, outbox_id in post.replies),
        )
        for post in posts
        if post.target.key is not None and (post.messages or post.replies)
    ]


def _messages(
    target: Target, digest: Digest, cache: RenderCache
) -> tuple[tuple[OutgoingMessage, ...], PostThread | None]:
    """Return the digest's messages and thread; a day without matches posts only where asked.

    The "No matches" line pings nobody: there is nothing to look at.
    """
    if digest.items:
        show_all = list_page_custom_id(target.key, digest.date, 1) if target.key else None
        rendered = render_digest(digest, cache, style=target.style, show_all_id=show_all)
        return _placed(target, digest, ping_role(rendered, target.mention_role))
    if not target.quiet and not digest.late and digest.matched == 0:
        return _placed(target, digest, [render_no_matches(digest)])
    return (), None


def _placed(
    target: Target, digest: Digest, messages: Sequence[OutgoingMessage]
) -> tuple[tuple[OutgoingMessage, ...], PostThread | None]:
    """Fit a post to where the target's posts go: the channel, a thread, a forum post."""
    if target.place is PostPlace.CHANNEL:
        return tuple(messages), None
    labels = forum_labels(digest) if target.place is PostPlace.FORUM else ()
    thread = PostThread(target.place, thread_name(digest), labels)
    return tuple(header_apart(messages)), thread


def _latest(announced: Paper, enriched: Mapping[str, Paper]) -> Paper:
    """Return the announced new version with the metadata (the comment) the API gave."""
    stored = enriched.get(announced.base_id)
    if stored is None:
        return announced
    return dataclasses.replace(announced, comment=stored.comment or announced.comment)


def _item(paper: Paper, match: Match, outcome: SummaryOutcome) -> DigestItem:
    """Return the item for one matched paper and its summary outcome."""
    return DigestItem(
        paper=paper, keywords=match.keywords, summary=outcome.summary, fallback=outcome.fallback
    )
