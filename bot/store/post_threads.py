"""The threads of threaded posts in the outbox (table `outbox_threads`, migration 0006).

A post in a thread or a forum (docs/behaviour.md, "Threads and forums") is recorded with its
messages by `bot.store.deliveries.record_posts`; sending fills in its thread's id once
Discord gives it, and gives up the rest of a post whose thread was deleted. A version reply
goes where the paper it answers is (`carrier`): that paper's thread, or the channel.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.store.codec import datetime_text, fetch_one
from bot.store.db import Database
from bot.targets.model import TargetKey
from bot.timeutil import utc_now


async def record_thread(
    db: Database,
    target: TargetKey,
    date: dt.date,
    thread_id: int,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Record the id of the thread (or forum post) a post's papers go into, once opened.

    Written right after Discord answered and before any paper is sent into it, so a restart
    sends the rest into the same thread instead of opening another.
    """
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE outbox_threads SET thread_id = ?, opened_at = ?"
            " WHERE target_kind = ? AND target_id = ? AND announcement_date = ?",
            (
                thread_id,
                datetime_text(now or utc_now()),
                str(target.kind),
                target.id,
                date.isoformat(),
            ),
        )


async def header_message_id(db: Database, target: TargetKey, date: dt.date) -> int | None:
    """Return the Discord id of a post's header (its first message), once it was sent."""
    row = await fetch_one(
        db,
        "SELECT message_id FROM outbox_messages WHERE target_kind = ? AND target_id = ?"
        " AND announcement_date = ? AND seq = 0 AND state = 'sent'",
        (str(target.kind), target.id, date.isoformat()),
    )
    return None if row is None or row["message_id"] is None else int(row["message_id"])


# A post's unsent messages (pending, or given up after failures) and their papers; first
# the unsent version replies to them, which reference them (and could answer nothing).
_DROP_REPLIES = """
DELETE FROM outbox_messages
WHERE state IN ('pending', 'failed') AND reply_to IN (
    SELECT id FROM outbox_messages
    WHERE target_kind = ? AND target_id = ? AND announcement_date = ?
      AND state IN ('pending', 'failed') AND reply_to IS NULL)
"""
_DROP_PAPERS = """
DELETE FROM delivered_papers WHERE outbox_id IN (
    SELECT id FROM outbox_messages
    WHERE target_kind = ? AND target_id = ? AND announcement_date = ?
      AND state IN ('pending', 'failed'))
"""
# The post's version replies stay: they answer papers of earlier posts, in those threads.
_DROP_MESSAGES = """
DELETE FROM outbox_messages
WHERE target_kind = ? AND target_id = ? AND announcement_date = ?
  AND state IN ('pending', 'failed') AND reply_to IS NULL
"""


async def drop_unsent(db: Database, target: TargetKey, date: dt.date) -> int:
    """Forget a post's unsent messages and their papers: its thread was deleted.

    Return how many messages. The post's header stays (it went out), so the post is not
    planned again: a moderator who deleted a digest's thread removed that post. Its papers
    are forgotten for the target, as they never reached it. Its version replies go on: they
    answer papers of earlier posts, where those are.
    """
    params = (str(target.kind), target.id, date.isoformat())
    async with db.transaction() as conn:
        await conn.execute(_DROP_REPLIES, params)
        await conn.execute(_DROP_PAPERS, params)
        return await conn.execute(_DROP_MESSAGES, params)


@dataclasses.dataclass(frozen=True, slots=True)
class Carrier:
    """The message a version reply answers, as far as it was sent.

    `message_id`: its Discord id (None while unsent, or dropped with its thread). `in_thread`:
    it went into its post's thread or forum post, whose id is `thread_id` (None when that
    thread was never opened); else it is in the target's channel (or DM).
    """

    message_id: int | None
    in_thread: bool
    thread_id: int | None = None


# The message an outbox row answers, its post's thread (a post's papers follow its header,
# seq 0, in the thread) and that post's header, whose id a thread opened under it shares.
_CARRIER = """
SELECT r.message_id, r.seq, t.place, t.thread_id,
       (SELECT h.message_id FROM outbox_messages AS h
        WHERE h.target_kind = r.target_kind AND h.target_id = r.target_id
          AND h.announcement_date = r.announcement_date AND h.seq = 0 AND h.state = 'sent')
           AS header_id
FROM outbox_messages AS r
LEFT JOIN outbox_threads AS t
  ON t.target_kind = r.target_kind AND t.target_id = r.target_id
 AND t.announcement_date = r.announcement_date
WHERE r.id = ?
"""


async def carrier(db: Database, outbox_id: int) -> Carrier:
    """Return where the message `outbox_id` is: a version reply to it goes there.

    Read when the reply is sent, so a paper sent earlier in the same sending run is found.
    A row that is gone (its post dropped with its thread) is a carrier never sent.
    """
    row = await fetch_one(db, _CARRIER, (outbox_id,))
    if row is None:
        return Carrier(None, in_thread=False)
    message_id = None if row["message_id"] is None else int(row["message_id"])
    if row["place"] is None or int(row["seq"]) == 0:
        return Carrier(message_id, in_thread=False)
    thread = row["thread_id"] if row["thread_id"] is not None else row["header_id"]
    return Carrier(message_id, in_thread=True, thread_id=None if thread is None else int(thread))


async def drop_message(db: Database, outbox_id: int) -> bool:
    """Forget one unsent message (a reply whose paper's thread is gone); say if it was."""
    async with db.transaction() as conn:
        dropped = await conn.execute(
            "DELETE FROM outbox_messages WHERE id = ? AND state IN ('pending', 'failed')",
            (outbox_id,),
        )
    return dropped > 0
