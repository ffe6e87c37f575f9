"""Send what the pass planned: a target's pending messages, in order, each marked as it goes.

Every post was recorded in the outbox with the papers each message carries before anything
is sent (bot.store.deliveries). Each message goes out with its deterministic nonce, which
discord.py sends with `enforce_nonce`, so Discord drops a retried duplicate; it is marked sent
with its Discord id at once. On start-up anything recorded but not marked is looked for in
the target's recent messages before it is sent again (`reconcile`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Protocol

from bot.delivery.sender import Sender, SendError
from bot.outcomes import NotPosted, PostResult, SendProblem
from bot.store import deliveries, targets
from bot.store.db import Database
from bot.store.deliveries import OutboxMessage
from bot.targets.model import DigestConfig, PauseReason, TargetKey, TargetKind
from bot.timeutil import utc_now
from bot.words import digest_paused_by_the_bot

log = logging.getLogger(__name__)

_PAUSES = {
    SendProblem.NO_PERMISSION: PauseReason.NO_PERMISSION,
    SendProblem.CHANNEL_GONE: PauseReason.CHANNEL_GONE,
}


class TargetEvents(Protocol):
    """How sending changes a target (bot.targets.service.TargetService provides it)."""

    async def channel_lost(self, channel_id: int, reason: PauseReason) -> DigestConfig | None:
        """Pause the digest of a channel the bot can no longer post in; return it."""

    async def dms_closed(self, user_id: int) -> None:
        """Hold a member's DMs until they run a command again."""


class Courier:
    """Send each target's pending messages, at most one sending run per target at a time."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        events: TargetEvents,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._db = db
        self._sender = sender
        self._events = events
        self._clock = clock
        # One sending run per target: a timed job, /digest post and the poll may overlap.
        self._locks: dict[TargetKey, asyncio.Lock] = {}

    async def flush(self, key: TargetKey) -> PostResult:
        """Send the target's pending messages in order, stopping at the first failure."""
        async with self._locks.setdefault(key, asyncio.Lock()):
            not_posted = await self._not_posted(key)
            if not_posted is not None:
                return PostResult(not_posted=not_posted)
            return await self._send_pending(key)

    async def reconcile(self) -> int:
        """Settle messages recorded but not marked sent (a crash mid-post); return how many.

        Each is looked for in its target's recent messages: found ones are marked sent,
        the rest stay pending and go out on the target's next sending run.
        """
        pending = await deliveries.pending_messages(self._db)
        by_target: dict[TargetKey, list[OutboxMessage]] = {}
        for message in pending:
            by_target.setdefault(message.target, []).append(message)
        settled = 0
        for key, messages in by_target.items():
            try:
                found = await self._sender.find_sent(key, messages)
            except SendError as exc:
                log.warning("cannot reconcile %s: %s", key, exc)
                continue
            for outbox_id, message_id in found.items():
                await deliveries.mark_sent(self._db, outbox_id, message_id, now=self._clock())
                settled += 1
        if pending:
            log.info("reconciled %d of %d pending messages", settled, len(pending))
        return settled

    async def _not_posted(self, key: TargetKey) -> NotPosted | None:
        """Say why nothing may be sent to the target now, or None when it may."""
        if key.kind is TargetKind.CHANNEL:
            config = await targets.get_digest(self._db, key.id)
            if config is None:
                return NotPosted.NO_TARGET
            return NotPosted.PAUSED if config.paused else None
        sub = await targets.get_subscription(self._db, key.id)
        if sub is None:
            return NotPosted.NO_TARGET
        return None if sub.deliverable else NotPosted.NOT_DELIVERABLE

    async def _send_pending(self, key: TargetKey) -> PostResult:
        """Send pending messages in order; mark each sent; hold the target's lock."""
        sent = papers = 0
        last: dt.date | None = None
        problem: SendProblem | None = None
        for message in await deliveries.pending_messages(self._db, key):
            try:
                message_id = await self._sender.send(
                    key, json.loads(message.payload), message.nonce
                )
            except SendError as exc:
                problem = exc.problem
                await self._stopped(key, exc)
                break
            await deliveries.mark_sent(self._db, message.id, message_id, now=self._clock())
            sent += 1
            papers += len(message.base_ids)
            last = message.announcement_date
        if last is not None:
            await targets.mark_posted(self._db, key, last, now=self._clock())
        return PostResult(sent=sent, papers=papers, problem=problem)

    async def _stopped(self, key: TargetKey, error: SendError) -> None:
        """React to a failed send: hold closed DMs, pause a lost channel, else retry later."""
        if error.problem is SendProblem.DMS_CLOSED:
            await self._events.dms_closed(key.id)
            return
        reason = _PAUSES.get(error.problem)
        if reason is None or key.kind is not TargetKind.CHANNEL:
            log.warning("sending to %s failed, will retry: %s", key, error)
            return
        config = await self._events.channel_lost(key.id, reason)
        if config is not None:
            await self._sender.notify_guild(
                config.guild_id, digest_paused_by_the_bot(key.id, reason)
            )
