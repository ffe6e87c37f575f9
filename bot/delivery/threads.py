"""Posts in threads and forums: each post's thread opened once, its papers sent into it.

A post in a thread or a forum (docs/behaviour.md, "Threads and forums") is exactly once like
any other. Its header is sent (or its forum post created) first; the thread's id is recorded
as soon as Discord gives it, before any paper goes into it; a forum post, which takes no
nonce, is looked for by its name before it is created. Discord gives a thread opened under a
message that message's id, and a forum post's first message the post's id, so a post's
thread is known from its header once the header is recorded, even if recording the thread
itself failed.

A version reply goes beside the paper it answers, as a reply can only answer a message of
its own channel (https://discord.com/developers/docs/resources/message#message-reference-
structure): into the thread or forum post that carried the paper, or the channel, whatever
the post it was planned with looks like.

After a crash, or a call whose answer was lost, what was sent is looked for where it was
going: the channel, the post's thread, or the forum by the post's name (`find_sent`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence

from bot.delivery.retry import RetryPolicy
from bot.delivery.sender import Sender, SendError
from bot.outcomes import SendProblem
from bot.store import post_threads
from bot.store.db import Database, storage_failure
from bot.store.deliveries import OutboxMessage, PostThread
from bot.targets.model import PostPlace, TargetKey

log = logging.getLogger(__name__)


class ThreadedPosts:
    """Send each message where its post puts it; find the messages already sent."""

    def __init__(
        self,
        db: Database,
        sender: Sender,
        policy: RetryPolicy,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self._db = db
        self._sender = sender
        self._policy = policy
        self._clock = clock

    async def send(self, key: TargetKey, message: OutboxMessage, opened: dict[dt.date, int]) -> int:
        """Send one message where it goes (the channel, or its post's thread); return its id.

        `opened` holds the threads of this sending run, by post. A forum post's first
        message creates the post (after looking for one a crash may have left); the papers
        of a post under a header go into its thread, opened when it is not yet. Raise
        SendError (THREAD_GONE when the thread was deleted).
        """
        if message.reply_to is not None:
            return await self._send_reply(key, message, message.reply_to)
        payload = outgoing_payload(message)
        thread = message.thread
        within = self._policy.within
        if thread is None or (message.seq == 0 and thread.place is PostPlace.THREAD):
            return await within(self._sender.send(key, payload, message.nonce))
        date = message.announcement_date
        if message.seq == 0:  # a forum post: its first message's id is the post's
            post_id = thread.thread_id or await within(
                self._sender.find_forum_post(key.id, thread.name)
            )
            if post_id is None:
                post_id = await within(
                    self._sender.open_forum_post(key.id, thread.name, payload, thread.labels)
                )
            await self._record(key, date, post_id)
            opened[date] = post_id
            return post_id
        thread_id = opened.get(date) or thread.thread_id
        if thread_id is None and thread.place is PostPlace.FORUM:
            thread_id = await post_threads.header_message_id(self._db, key, date)
        if thread_id is None:
            thread_id = await self._open_thread(key, message, thread)
        opened[date] = thread_id
        return await within(self._sender.send(key, payload, message.nonce, thread_id=thread_id))

    async def find_sent(self, key: TargetKey, messages: Sequence[OutboxMessage]) -> dict[int, int]:
        """Return {outbox id: Discord id} of `messages` already in Discord.

        The channel's are looked for among its recent messages, a forum post by its name,
        and a post's papers in its thread. A thread that cannot be found (never opened, or
        deleted) holds none of them. Raise SendError when the channel cannot be read.
        """
        within = self._policy.within
        found: dict[int, int] = {}
        replies = [m for m in messages if m.reply_to is not None]
        messages = [m for m in messages if m.reply_to is None]
        in_channel = [m for m in messages if m.thread is None or m.seq == 0]
        posts = [m for m in in_channel if m.thread and m.thread.place is PostPlace.FORUM]
        for starter in posts:
            assert starter.thread is not None  # noqa: S101 (filtered above)
            post_id = starter.thread.thread_id or await within(
                self._sender.find_forum_post(key.id, starter.thread.name)
            )
            if post_id is not None:
                found[starter.id] = post_id
                await self._record(key, starter.announcement_date, post_id)
        headers = [m for m in in_channel if m not in posts]
        if headers:
            found |= await within(self._sender.find_sent(key, headers))
        # A post's thread has its header's id (see the module's docstring).
        header_ids = {m.announcement_date: found[m.id] for m in in_channel if m.id in found}
        by_thread: dict[int, list[OutboxMessage]] = {}
        for message in messages:
            if message.thread is None or message.seq == 0:
                continue
            date = message.announcement_date
            thread_id = (
                message.thread.thread_id
                or header_ids.get(date)
                or await post_threads.header_message_id(self._db, key, date)
            )
            if thread_id is not None:
                by_thread.setdefault(thread_id, []).append(message)
        replies_here = []
        for reply in replies:
            assert reply.reply_to is not None  # noqa: S101 (filtered above)
            carrier = await post_threads.carrier(self._db, reply.reply_to)
            if not carrier.in_thread:
                replies_here.append(reply)
            elif carrier.thread_id is not None:
                by_thread.setdefault(carrier.thread_id, []).append(reply)
        if replies_here:
            found |= await within(self._sender.find_sent(key, replies_here))
        for thread_id, group in by_thread.items():
            try:
                found |= await within(self._sender.find_sent(key, group, thread_id=thread_id))
            except SendError as exc:
                if exc.problem is not SendProblem.THREAD_GONE:
                    raise
        return found

    async def drop_reply(self, key: TargetKey, message: OutboxMessage, error: SendError) -> None:
        """Drop a version reply whose paper's thread is gone: nothing is left to answer."""
        await post_threads.drop_message(self._db, message.id)
        log.warning(
            "dropped the version reply %s to %s: the thread of the paper it answers is gone (%s)",
            message.id,
            key,
            error,
        )

    async def drop_rest(self, key: TargetKey, date: dt.date, error: SendError) -> None:
        """Drop the rest of a post whose thread was deleted (a moderator removed the post)."""
        dropped = await post_threads.drop_unsent(self._db, key, date)
        log.warning(
            "the thread of %s's post of %s is gone (%s); dropped its %d unsent message(s)",
            key,
            date,
            error,
            dropped,
        )

    async def _send_reply(self, key: TargetKey, message: OutboxMessage, reply_to: int) -> int:
        """Send a version reply where the paper it answers is; return its Discord id.

        Raise SendError THREAD_GONE when that paper went into a thread that is gone, or
        never opened (its post was dropped): there is nothing there to answer.
        """
        carrier = await post_threads.carrier(self._db, reply_to)
        if carrier.in_thread and carrier.thread_id is None:
            raise SendError(
                SendProblem.THREAD_GONE, f"the post of outbox message {reply_to} has no thread"
            )
        payload = outgoing_payload(message, carrier.message_id)
        return await self._policy.within(
            self._sender.send(key, payload, message.nonce, thread_id=carrier.thread_id)
        )

    async def _open_thread(self, key: TargetKey, message: OutboxMessage, thread: PostThread) -> int:
        """Open the thread of a post under its header, which was sent; record its id."""
        date = message.announcement_date
        header = await post_threads.header_message_id(self._db, key, date)
        if header is None:  # the header goes first, and a failed one stops the run
            raise LookupError(f"{key}: the post of {date} has no header sent")
        thread_id = await self._policy.within(self._sender.open_thread(key.id, header, thread.name))
        await self._record(key, date, thread_id)
        return thread_id

    async def _record(self, key: TargetKey, date: dt.date, thread_id: int) -> None:
        """Record a post's thread; a failure is logged, as the header's id says it too."""
        try:
            await post_threads.record_thread(self._db, key, date, thread_id, now=self._clock())
        except Exception as exc:  # whatever failed, the thread exists
            log.warning(
                "could not record thread %s of %s's post of %s: %s",
                thread_id,
                key,
                date,
                storage_failure(exc) or repr(exc),
            )


def outgoing_payload(message: OutboxMessage, reply_to_id: int | None = None) -> dict[str, object]:
    """Return a message's payload; a reply names the message it answers, when that was sent.

    A version reply goes out as a reply to the message that carried the paper: its Discord
    id (`reply_to_id`) is read from the outbox when the reply is sent, and the payload gets
    Discord's `message_reference`
    (https://discord.com/developers/docs/resources/message#create-message).
    `fail_if_not_exists` off: a reply to a message someone deleted still goes out.
    """
    payload: dict[str, object] = json.loads(message.payload)
    if reply_to_id is not None:
        payload["message_reference"] = {"message_id": reply_to_id, "fail_if_not_exists": False}
    return payload
