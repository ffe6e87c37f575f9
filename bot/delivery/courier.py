"""Send what the pass planned: a target's pending messages, in order, each marked as it goes.

Every post was recorded in the outbox with the papers each message carries before anything
is sent (bot.store.deliveries). Each message goes out with its deterministic nonce, which
discord.py sends with `enforce_nonce`, so Discord drops a retried duplicate; it is marked sent
with its Discord id at once. On start-up anything recorded but not marked is looked for in
the target's recent messages before it is sent again (`reconcile`).

A send that fails is retried with backoff (bot.delivery.retry): the poll tries the target
again once the backoff is over, and after DELIVERY_MAX_FAILURES failures in a row the digest
is paused and its server told (a member's DMs are held). A message that may have arrived
although its send failed (Discord did not answer, or the database could not record it) is
looked for in the target's recent messages before it is sent again, as on start-up. Discord's
nonce window lasts minutes; a retry may come hours later.

With several bot processes (bot/fleet.py) a target is sent to only under its claim, so no
two processes send the same message; one adopted from a process that died is read first.

Posts in threads and forums go out the same way, through bot.delivery.threads: their threads
are opened once, and what was sent is looked for in them too. A post whose thread a moderator
deleted loses its unsent messages; the run goes on with the next post.

A version reply goes out as a reply to the message that carried the paper, beside it (the
channel, or the thread or forum post that carried it): its Discord id is read from the
outbox when the reply is sent, and the payload gets Discord's `message_reference`
(https://discord.com/developers/docs/resources/message#create-message). A reply whose
paper's thread is gone is dropped alone.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

from bot.delivery.retry import RetryPolicy
from bot.delivery.sender import Sender, SendError
from bot.delivery.threads import ThreadedPosts
from bot.fleet import Fleet
from bot.outcomes import NotPosted, PostResult, SendProblem
from bot.store import deliveries, outbox_retries, targets
from bot.store.db import Database, storage_failure
from bot.store.deliveries import MessageState, OutboxMessage
from bot.targets.model import DigestConfig, PauseReason, TargetKey, TargetKind
from bot.timeutil import utc_now
from bot.words import digest_paused_by_the_bot

log = logging.getLogger(__name__)

_PAUSES = {
    SendProblem.NO_PERMISSION: PauseReason.NO_PERMISSION,
    SendProblem.CHANNEL_GONE: PauseReason.CHANNEL_GONE,
}


class TargetEvents(Protocol):
    """How sending changes a target (bot.targets.service.LostTargets provides it)."""

    async def channel_lost(self, channel_id: int, reason: PauseReason) -> DigestConfig | None:
        """Pause the digest of a channel the bot cannot post in, for `reason`; return it."""

    async def channel_back(self, channel_id: int) -> None:
        """Resume a digest the bot paused after repeated failures."""

    async def dms_closed(self, user_id: int) -> None:
        """Hold a member's DMs until they run a command again."""

    async def dms_failing(self, user_id: int) -> None:
        """Hold a member's DMs after repeated failures, until they run a command again."""


@dataclasses.dataclass(slots=True)
class _Run:
    """What one sending run did so far: messages and papers sent, the latest post reached."""

    sent: int = 0
    papers: int = 0
    last: dt.date | None = None

    def went_out(self, message: OutboxMessage, *, by_this_run: bool = True) -> None:
        """Count a message that is in the target now (sent by this run, or found there)."""
        if by_this_run:
            self.sent += 1
            self.papers += len(message.base_ids)
        if self.last is None or message.announcement_date > self.last:
            self.last = message.announcement_date

    def result(
        self,
        problem: SendProblem | None = None,
        *,
        retry_at: dt.datetime | None = None,
        gave_up: bool = False,
    ) -> PostResult:
        """Return the run's outcome, stopped by `problem` if given."""
        return PostResult(
            sent=self.sent, papers=self.papers, problem=problem, retry_at=retry_at, gave_up=gave_up
        )


class Courier:
    """Send each target's pending messages, at most one sending run per target at a time."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        events: TargetEvents,
        *,
        policy: RetryPolicy | None = None,
        fleet: Fleet | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._db = db
        self._sender = sender
        self._events = events
        self._policy = policy or RetryPolicy()
        self._fleet = fleet or Fleet(db)
        self._clock = clock
        self._threads = ThreadedPosts(db, sender, self._policy, clock)
        # One sending run per target: a timed job, /digest post and the poll may overlap.
        self._locks: dict[TargetKey, asyncio.Lock] = {}
        # What the database could not record, kept until it can (a restart reads every
        # channel with unmarked messages anyway): targets whose last message may be in the
        # channel unrecorded, and targets whose failure is not on record for the poll.
        self._unsure: set[TargetKey] = set()
        self._unrecorded_failure: set[TargetKey] = set()
        # Set when a message went out but could not be recorded; while set, each send is
        # preceded by a write, so no further message goes out that could not be recorded.
        self._store_failing = False

    def unsettled(self) -> frozenset[TargetKey]:
        """Return targets to try again at the next poll that the database has no record of."""
        return frozenset(self._unsure | self._unrecorded_failure)

    async def flush(
        self, key: TargetKey, *, first_post_only: bool = False, reconcile_first: bool = False
    ) -> PostResult:
        """Send the target's unsent messages in order, stopping at the first failure.

        Messages given up earlier are queued again (the target is active again), and any that
        may already be in the channel are looked for there first. With `first_post_only`,
        only the oldest unsent post goes out (a retry: a timed target's next post keeps
        waiting for its time).

        Under the target's claim (bot/fleet.py): a target another process is sending to is
        left to it. With `reconcile_first` (a target adopted from a process that died,
        maybe mid-post) all its unsent messages are looked for in the channel first.
        """
        async with self._locks.setdefault(key, asyncio.Lock()), self._fleet.claim(key) as mine:
            if not mine:
                return PostResult(not_posted=NotPosted.BEING_SENT)
            not_posted = await self._not_posted(key)
            if not_posted is not None:
                return PostResult(not_posted=not_posted)
            messages = await self._queued(key)
            self._unrecorded_failure.discard(key)  # this run is the retry
            if not messages:
                self._unsure.discard(key)
                return PostResult()
            if first_post_only:
                first = messages[0].announcement_date
                messages = [m for m in messages if m.announcement_date == first]
            run = _Run()
            unsure = reconcile_first or key in self._unsure
            if unsure or any(m.outcome_unknown for m in messages):
                checked = await self._look_for_sent(key, messages, run)
                if isinstance(checked, PostResult):
                    await self._mark_posted(key, run)
                    return checked
                messages = checked
            result = await self._send(key, messages, run)
            await self._mark_posted(key, run)
            return result

    async def resume_after_failures(self, key: TargetKey) -> None:
        """Resume a digest the bot paused after repeated failures: someone asked to post now."""
        if key.kind is not TargetKind.CHANNEL:
            return
        config = await targets.get_digest(self._db, key.id)
        if config is not None and config.pause_reason is PauseReason.SEND_FAILURES:
            await self._events.channel_back(key.id)

    async def reconcile(self) -> int:
        """Settle messages recorded but not marked sent (a crash mid-post); return how many.

        Each is looked for where it was going (the target's recent messages, its post's
        thread, a forum post by its name): found ones are marked sent, the rest stay pending
        and go out on the target's next sending run. A target another process is sending to is
        skipped: its messages are not a crash's.
        """
        pending = await deliveries.pending_messages(self._db)
        by_target: dict[TargetKey, list[OutboxMessage]] = {}
        for message in pending:
            by_target.setdefault(message.target, []).append(message)
        settled = 0
        for key, messages in by_target.items():
            async with self._locks.setdefault(key, asyncio.Lock()), self._fleet.claim(key) as mine:
                if mine:
                    settled += await self._settle(key, messages)
        if pending:
            log.info("reconciled %d of %d pending messages", settled, len(pending))
        return settled

    async def _settle(self, key: TargetKey, messages: list[OutboxMessage]) -> int:
        """Mark sent those of the target's pending `messages` found in its channel."""
        if not messages:
            return 0
        try:
            found = await self._threads.find_sent(key, messages)
        except SendError as exc:
            log.warning("cannot reconcile %s: %s", key, exc)
            return 0
        for outbox_id, message_id in found.items():
            await deliveries.mark_sent(self._db, outbox_id, message_id, now=self._clock())
        return len(found)

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

    async def _queued(self, key: TargetKey) -> list[OutboxMessage]:
        """Return the target's unsent messages in order, queueing failed ones again."""
        messages = await deliveries.pending_messages(self._db, key, failed_too=True)
        if not any(m.state is MessageState.FAILED for m in messages):
            return messages
        requeued = await outbox_retries.requeue_failed(self._db, key)
        log.info("queued %d failed messages of %s again", requeued, key)
        return [dataclasses.replace(m, state=MessageState.PENDING, attempts=0) for m in messages]

    async def _look_for_sent(
        self, key: TargetKey, messages: list[OutboxMessage], run: _Run
    ) -> list[OutboxMessage] | PostResult:
        """Find which messages are in the target already and mark them sent.

        Return the messages still to send, or the outcome that stopped the run (the target
        could not be read, or what was found could not be recorded).
        """
        try:
            found = await self._threads.find_sent(key, messages)
        except SendError as exc:
            return await self._failed(key, messages[0], exc, run, outcome_unknown=True)
        for message in messages:
            message_id = found.get(message.id)
            if message_id is None:
                continue
            try:
                await deliveries.mark_sent(self._db, message.id, message_id, now=self._clock())
            except Exception as exc:  # whatever failed, the message is out
                return self._not_recorded(key, message, exc, run)
            run.went_out(message, by_this_run=False)
        self._unsure.discard(key)
        if found:
            log.info("%d messages to %s were sent already; not sending them again", len(found), key)
        return [message for message in messages if message.id not in found]

    async def _send(self, key: TargetKey, messages: list[OutboxMessage], run: _Run) -> PostResult:
        """Send messages in order and mark each sent; stop at the first failure.

        A post whose thread is gone loses its remaining messages and the run goes on with
        the next post.
        """
        opened: dict[dt.date, int] = {}  # the threads of this run's posts, by post
        gone: set[dt.date] = set()
        for message in messages:
            if message.announcement_date in gone and message.reply_to is None:
                continue
            if self._store_failing and not await self._store_works(key, message):
                return run.result(SendProblem.STORAGE_ERROR)
            try:
                message_id = await self._threads.send(key, message, opened)
            except SendError as exc:
                if exc.problem is SendProblem.THREAD_GONE and message.reply_to is not None:
                    await self._threads.drop_reply(key, message, exc)  # the post goes on
                    continue
                if exc.problem is SendProblem.THREAD_GONE:
                    await self._threads.drop_rest(key, message.announcement_date, exc)
                    gone.add(message.announcement_date)
                    continue
                unknown = exc.problem.may_have_arrived
                return await self._failed(key, message, exc, run, outcome_unknown=unknown)
            try:
                await deliveries.mark_sent(self._db, message.id, message_id, now=self._clock())
            except Exception as exc:  # whatever failed, the message is out
                run.went_out(message)
                return self._not_recorded(key, message, exc, run)
            run.went_out(message)
        return run.result(SendProblem.THREAD_GONE if gone else None)

    async def _failed(
        self,
        key: TargetKey,
        message: OutboxMessage,
        error: SendError,
        run: _Run,
        *,
        outcome_unknown: bool,
    ) -> PostResult:
        """React to a failed call: hold closed DMs, pause a lost channel, else retry later."""
        if error.problem is SendProblem.DMS_CLOSED:
            await self._events.dms_closed(key.id)
            return run.result(error.problem)
        reason = _PAUSES.get(error.problem)
        if reason is not None and key.kind is TargetKind.CHANNEL:
            await self._pause(key, reason)
            return run.result(error.problem)
        return await self._retry_later(key, message, error, run, outcome_unknown=outcome_unknown)

    async def _retry_later(
        self,
        key: TargetKey,
        message: OutboxMessage,
        error: SendError,
        run: _Run,
        *,
        outcome_unknown: bool,
    ) -> PostResult:
        """Record the failure with its backoff; give up after too many in a row."""
        now = self._clock()
        attempts = message.attempts + 1
        retry_at = now + self._policy.delay(attempts)
        try:
            await outbox_retries.record_failure(
                self._db,
                message.id,
                problem=error.problem,
                detail=str(error),
                attempts=attempts,
                retry_at=retry_at,
                outcome_unknown=outcome_unknown,
                now=now,
            )
        except Exception as exc:  # kept in memory instead; see __init__
            self._unrecorded_failure.add(key)
            if outcome_unknown:
                self._unsure.add(key)
            self._store_failing = True
            log.error(
                "sending to %s failed (%s), and the failure could not be recorded: %s",
                key,
                error,
                storage_failure(exc) or repr(exc),
            )
            return run.result(error.problem, retry_at=retry_at)
        if self._policy.gives_up_at(attempts):
            await self._give_up(key, attempts)
            return run.result(error.problem, gave_up=True)
        log.warning(
            "sending to %s failed (%d of %d tries), next try from %s: %s",
            key,
            attempts,
            self._policy.max_failures,
            retry_at.isoformat(timespec="seconds"),
            error,
        )
        return run.result(error.problem, retry_at=retry_at)

    async def _give_up(self, key: TargetKey, attempts: int) -> None:
        """Set the target's messages aside; pause its digest (tell the server) or hold DMs."""
        count = await outbox_retries.give_up(self._db, key)
        log.error(
            "gave up sending to %s after %d failures in a row; %d messages wait for it to"
            " be resumed",
            key,
            attempts,
            count,
        )
        if key.kind is TargetKind.CHANNEL:
            await self._pause(key, PauseReason.SEND_FAILURES)
        else:
            await self._events.dms_failing(key.id)

    async def _pause(self, key: TargetKey, reason: PauseReason) -> None:
        """Pause a channel's digest and tell its server, where Discord lets us."""
        config = await self._events.channel_lost(key.id, reason)
        if config is None:
            return
        text = digest_paused_by_the_bot(key.id, reason)
        try:
            await self._policy.within(self._sender.notify_guild(config.guild_id, text))
        except SendError as exc:
            log.info("could not tell guild %s that %s is paused: %s", config.guild_id, key, exc)

    def _not_recorded(
        self, key: TargetKey, message: OutboxMessage, exc: Exception, run: _Run
    ) -> PostResult:
        """Remember a message that is in the channel but not recorded; stop sending."""
        self._unsure.add(key)
        self._store_failing = True
        log.error(
            "message %s to %s went out but could not be recorded (%s); the channel will be"
            " read before anything more is sent there",
            message.id,
            key,
            storage_failure(exc) or repr(exc),
        )
        return run.result(SendProblem.STORAGE_ERROR)

    async def _store_works(self, key: TargetKey, message: OutboxMessage) -> bool:
        """While the database has been failing, write before sending; say if it worked."""
        try:
            await outbox_retries.record_attempt(self._db, message.id, now=self._clock())
        except Exception as exc:  # whatever failed, do not send
            log.warning(
                "not sending to %s: the database still cannot record it (%s)",
                key,
                storage_failure(exc) or repr(exc),
            )
            return False
        self._store_failing = False
        log.info("the database records again; sending resumes")
        return True

    async def _mark_posted(self, key: TargetKey, run: _Run) -> None:
        """Record the latest post the target now has (informative: a failure is only logged)."""
        if run.last is None:
            return
        try:
            await targets.mark_posted(self._db, key, run.last, now=self._clock())
        except Exception as exc:
            log.warning(
                "could not record the last post of %s: %s", key, storage_failure(exc) or exc
            )
