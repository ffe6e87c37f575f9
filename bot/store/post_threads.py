"""The threads of threaded posts in the outbox (table `outbox_threads`, migration 0006).

A post in a thread or a forum (docs/behaviour.md, "Threads and forums") is recorded with its
messages by `bot.store.deliveries.record_posts`; sending fills in its thread's id once
Discord gives it, and gives up the rest of a post whose thread was deleted.
"""

from __future__ import annotations

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


# A post's unsent messages (pending, or given up after failures) and their papers.
_DROP_PAPERS = """
DELETE FROM delivered_papers WHERE outbox_id IN (
    SELECT id FROM outbox_messages
    WHERE target_kind = ? AND target_id = ? AND announcement_date = ?
      AND state IN ('pending', 'failed'))
"""
_DROP_MESSAGES = """
DELETE FROM outbox_messages
WHERE target_kind = ? AND target_id = ? AND announcement_date = ?
  AND state IN ('pending', 'failed')
"""


async def drop_unsent(db: Database, target: TargetKey, date: dt.date) -> int:
    """Forget a post's unsent messages and their papers: its thread was deleted.

    Return how many messages. The post's header stays (it went out), so the post is not
    planned again: a moderator who deleted a digest's thread removed that post. Its papers
    are forgotten for the target, as they never reached it.
    """
    params = (str(target.kind), target.id, date.isoformat())
    async with db.transaction() as conn:
        await conn.execute(_DROP_PAPERS, params)
        return await conn.execute(_DROP_MESSAGES, params)
