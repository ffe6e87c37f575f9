"""Delivery, exactly once (SPEC section 8): plan, record, send, reconcile.

A post is rendered, then recorded in the outbox with every paper it carries, in one
transaction, before anything is sent. Each message has a deterministic nonce, which
discord.py sends with `enforce_nonce`, so Discord drops a retried duplicate. A message is
marked sent with its Discord id; on start-up anything recorded but not marked is looked for
in the target's recent messages before it is sent again.

This module knows nothing of discord.py: it talks to a `Sender` (bot/discord_sender.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from bot.config import Settings
from bot.digest import DigestBuilder, DigestRequest
from bot.errors import DigestBotError
from bot.matching import parse_keywords
from bot.models import Digest
from bot.render import OutgoingMessage, render_digest
from bot.store import announcements, deliveries, targets
from bot.store.db import Database
from bot.store.deliveries import OutboxMessage, TargetKind
from bot.store.targets import DigestConfig
from bot.timeutil import utc_now

log = logging.getLogger(__name__)

#: A bot that was down catches up on at most this many missed announcements per target
#: (SPEC section 8, "No flood").
MAX_CATCH_UP = 3


class SendError(DigestBotError):
    """Discord did not take a message; it stays pending and is tried again later."""


class TargetGoneError(SendError):
    """The channel is gone or the bot may no longer post in it (403/404)."""


class DirectMessagesClosedError(SendError):
    """The user does not accept DMs from the bot (403, code 50007)."""


class Sender(Protocol):
    """What delivery needs from Discord."""

    async def send(
        self, kind: TargetKind, target_id: int, payload: Mapping[str, Any], nonce: str
    ) -> int:
        """Send one message payload with `nonce`; return the Discord message id."""

    async def find_sent(
        self, kind: TargetKind, target_id: int, messages: Sequence[OutboxMessage]
    ) -> dict[int, int]:
        """Return {outbox id: Discord message id} for `messages` already in the target."""

    async def notify_guild(self, guild_id: int, text: str) -> bool:
        """Tell a server something (its system channel); return whether it was told."""


@dataclasses.dataclass(frozen=True, slots=True)
class PostResult:
    """What one delivery run did for one target."""

    sent: int = 0
    papers: int = 0
    dates: tuple[dt.date, ...] = ()
    problem: str | None = None


class Delivery:
    """Post channel digests and subscription DMs, each paper at most once per target."""

    def __init__(
        self,
        db: Database,
        builder: DigestBuilder,
        sender: Sender,
        settings: Settings,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._db = db
        self._builder = builder
        self._sender = sender
        self._settings = settings
        self._clock = clock
        # One delivery at a time per target: the schedule and `/digest post` may overlap.
        self._locks: dict[tuple[TargetKind, int], asyncio.Lock] = {}

    def _lock(self, kind: TargetKind, target_id: int) -> asyncio.Lock:
        """Return the lock that serializes deliveries to one target."""
        return self._locks.setdefault((kind, target_id), asyncio.Lock())

    async def post_digest(self, channel_id: int) -> PostResult:
        """Post what the channel digest has not posted yet (the schedule and /digest post)."""
        config = await targets.get_digest(self._db, channel_id)
        if config is None or config.paused:
            return PostResult(problem="paused" if config else "no digest")
        request = self._channel_request(config)
        result = await self._deliver(
            TargetKind.CHANNEL, channel_id, request, config.start_date, config.last_posted_date
        )
        for date in result.dates:
            await targets.mark_posted(self._db, channel_id, date, now=self._clock())
        return result

    async def send_subscription(self, user_id: int) -> PostResult:
        """Send the subscriber's DM digest of what they have not received yet."""
        sub = await targets.get_subscription(self._db, user_id)
        if sub is None or sub.paused or not sub.keywords:
            return PostResult(problem="nothing to send")
        if sub.dm_blocked_at is not None:
            return PostResult(problem="DMs closed")
        request = DigestRequest(
            categories=sub.categories or self._settings.default_categories,
            query=parse_keywords(list(sub.keywords)),
            language=sub.language or self._settings.default_language,
            max_papers=25,
        )
        result = await self._deliver(
            TargetKind.USER, user_id, request, sub.start_date, sub.last_sent_date
        )
        for date in result.dates:
            await targets.mark_subscription_sent(self._db, user_id, date, now=self._clock())
        return result

    async def preview_digest(self, channel_id: int) -> Digest | None:
        """Return what the channel's next post would hold, recording nothing."""
        config = await targets.get_digest(self._db, channel_id)
        if config is None:
            return None
        date = await announcements.latest_announcement_date(self._db, config.categories)
        if date is None:
            return None
        delivered = await deliveries.delivered_base_ids(self._db, TargetKind.CHANNEL, channel_id)
        request = dataclasses.replace(
            self._channel_request(config), exclude_base_ids=frozenset(delivered)
        )
        return await self._builder.build(request, date)

    def _channel_request(self, config: DigestConfig) -> DigestRequest:
        """Return what a channel digest asks of an announcement."""
        return DigestRequest(
            categories=config.categories,
            query=parse_keywords(config.keywords),
            language=config.language or self._settings.default_language,
            max_papers=config.max_papers,
            include_cross_lists=config.include_cross_lists,
        )

    async def reconcile(self) -> int:
        """Settle messages recorded but not marked sent (a crash mid-post); return how many.

        Each is looked for in its target's recent messages: found ones are marked sent,
        the rest stay pending and go out on the target's next delivery.
        """
        pending = await deliveries.pending_messages(self._db)
        by_target: dict[tuple[TargetKind, int], list[OutboxMessage]] = {}
        for message in pending:
            by_target.setdefault((message.target_kind, message.target_id), []).append(message)
        settled = 0
        for (kind, target_id), messages in by_target.items():
            try:
                found = await self._sender.find_sent(kind, target_id, messages)
            except SendError as exc:
                log.warning("cannot reconcile %s %s: %s", kind, target_id, exc)
                continue
            for outbox_id, message_id in found.items():
                await deliveries.mark_sent(self._db, outbox_id, message_id, now=self._clock())
                settled += 1
        if pending:
            log.info("reconciled %d of %d pending messages", settled, len(pending))
        return settled

    async def _deliver(
        self,
        kind: TargetKind,
        target_id: int,
        request: DigestRequest,
        start: dt.date | None,
        last: dt.date | None,
    ) -> PostResult:
        """Plan and send every announcement since `last` (from `start`) for one target."""
        async with self._lock(kind, target_id):
            papers, dates = await self._plan(kind, target_id, request, start, last)
            sent, problem = await self._send_pending(kind, target_id)
        if problem is not None:
            return PostResult(sent=sent, papers=papers, problem=problem)
        return PostResult(sent=sent, papers=papers, dates=dates)

    async def _plan(
        self,
        kind: TargetKind,
        target_id: int,
        request: DigestRequest,
        start: dt.date | None,
        last: dt.date | None,
    ) -> tuple[int, tuple[dt.date, ...]]:
        """Record the posts of the announcements not planned yet; return (papers, dates)."""
        dates = await announcements.announcement_dates(
            self._db, after=last, categories=request.categories
        )
        dates = [date for date in dates if start is None or date >= start][-MAX_CATCH_UP:]
        papers = 0
        for date in dates:
            if await deliveries.already_planned(self._db, kind, target_id, date):
                continue
            delivered = await deliveries.delivered_base_ids(self._db, kind, target_id)
            digest = await self._builder.build(
                dataclasses.replace(request, exclude_base_ids=frozenset(delivered)), date
            )
            if not digest.items:
                continue
            # Rendering LaTeX-heavy abstracts is CPU work: keep it off the event loop.
            messages = await asyncio.to_thread(render_digest, digest)
            await deliveries.plan_post(
                self._db, kind, target_id, date, _planned(messages, digest), now=self._clock()
            )
            papers += len(digest.items)
        return papers, tuple(dates)

    async def flush(self, kind: TargetKind, target_id: int) -> tuple[int, str | None]:
        """Send the target's pending messages in order; return (sent, problem)."""
        async with self._lock(kind, target_id):
            return await self._send_pending(kind, target_id)

    async def _send_pending(self, kind: TargetKind, target_id: int) -> tuple[int, str | None]:
        """Send pending messages in order, stopping at the first failure; hold the lock."""
        sent = 0
        for message in await deliveries.pending_messages(self._db, (kind, target_id)):
            try:
                message_id = await self._sender.send(
                    kind, target_id, json.loads(message.payload), message.nonce
                )
            except DirectMessagesClosedError as exc:
                await targets.set_dm_blocked(self._db, target_id, now=self._clock())
                log.info("user %s does not accept DMs; holding their digest", target_id)
                return sent, str(exc)
            except TargetGoneError as exc:
                await self._pause_gone_channel(target_id, str(exc))
                return sent, str(exc)
            except SendError as exc:
                log.warning("sending to %s %s failed, will retry: %s", kind, target_id, exc)
                return sent, str(exc)
            await deliveries.mark_sent(self._db, message.id, message_id, now=self._clock())
            sent += 1
        return sent, None

    async def _pause_gone_channel(self, channel_id: int, reason: str) -> None:
        """Pause a digest whose channel we can no longer post in, and tell its server."""
        config = await targets.get_digest(self._db, channel_id)
        if config is None:
            return
        await targets.set_paused(self._db, channel_id, True, reason=reason, now=self._clock())
        log.warning("digest of channel %s paused: %s", channel_id, reason)
        await self._sender.notify_guild(
            config.guild_id,
            f"The arXiv digest of <#{channel_id}> is paused: {reason}. Fix the channel's"
            " permissions, then run /digest resume.",
        )


def _planned(messages: Sequence[OutgoingMessage], digest: Digest) -> list[tuple[str, list[str]]]:
    """Pair each message's JSON payload with the base ids of the papers its embeds show.

    Rendering keeps item order and gives each item exactly one embed, so the embeds of the
    messages, in order, are the digest's items.
    """
    planned = []
    position = 0
    for message in messages:
        count = len(message.embeds)
        items = digest.items[position : position + count]
        position += count
        planned.append(
            (json.dumps(message.to_payload(), ensure_ascii=False), [i.paper.base_id for i in items])
        )
    return planned
