"""The outbox behind SPEC section 8's "exactly once": record every message before sending any.

A post (one target, one announcement date) is planned in one transaction: each message with
its payload and a deterministic nonce, and each paper it carries in `delivered_papers`, whose
key makes a paper reach a target at most once. Delivery then sends the pending messages in
order and marks each sent with Discord's message id. After a crash the pending ones are sent
again with the same nonce, which Discord uses to drop a duplicate of a message that did go out
("enforce_nonce": https://discord.com/developers/docs/resources/message#create-message).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import sqlite3
from collections.abc import Sequence
from enum import StrEnum

from bot.errors import DigestBotError
from bot.store.codec import (
    datetime_text,
    fetch_all,
    fetch_one,
    parse_date,
    parse_datetime,
    parse_strings,
)
from bot.store.db import Database
from bot.timeutil import utc_now

# Discord accepts a nonce of up to 25 characters (same page as above).
NONCE_LENGTH = 25


class TargetKind(StrEnum):
    """Where a post goes: a digest's channel or a member's DMs."""

    CHANNEL = "channel"
    USER = "user"


class MessageState(StrEnum):
    """An outbox message's progress. `failed` is final until `requeue_failed`."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class AlreadyDeliveredError(DigestBotError):
    """A planned post carries papers the target already has (or has planned): nothing stored.

    The planner filters with `delivered_base_ids` first; this only happens when two plans for
    one target race, and the loser should plan again.
    """

    def __init__(self, base_ids: Sequence[str]) -> None:
        super().__init__(f"already delivered to this target: {', '.join(base_ids)}")
        self.base_ids = tuple(base_ids)


@dataclasses.dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message of a post. `payload` is the JSON message body, opaque to the store."""

    id: int
    target_kind: TargetKind
    target_id: int
    announcement_date: dt.date
    seq: int
    nonce: str
    payload: str
    state: MessageState
    base_ids: tuple[str, ...] = ()
    message_id: int | None = None
    error: str | None = None
    created_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None


# base_ids lists a message's papers in the order they were planned (delivered_papers' rowid).
_SELECT_MESSAGES = """
SELECT o.id, o.target_kind, o.target_id, o.announcement_date, o.seq, o.nonce, o.payload,
       o.state, o.message_id, o.error, o.created_at, o.sent_at,
       (SELECT json_group_array(d.base_id) FROM
            (SELECT base_id FROM delivered_papers WHERE outbox_id = o.id ORDER BY rowid) AS d
       ) AS base_ids
FROM outbox_messages AS o
"""


def message_nonce(target_kind: TargetKind, target_id: int, date: dt.date, seq: int) -> str:
    """Return the nonce of a post's message: the same inputs give the same nonce, always."""
    key = f"{target_kind}:{target_id}:{date.isoformat()}:{seq}"
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE_LENGTH]


async def plan_post(
    db: Database,
    target_kind: TargetKind,
    target_id: int,
    date: dt.date,
    messages: Sequence[tuple[str, Sequence[str]]],
    *,
    now: dt.datetime | None = None,
) -> list[OutboxMessage]:
    """Record a post's messages (JSON payload, base ids carried) before any is sent.

    All or nothing, in one transaction. Planning a target and date that is already planned
    returns the existing plan unchanged. Raises AlreadyDeliveredError, storing nothing, when
    a paper already went to the target; an empty post records nothing.
    """
    stamp = datetime_text(now or utc_now())
    async with db.transaction() as conn:
        existing = await _messages_of_post(db, target_kind, target_id, date)
        if existing or not messages:
            return existing
        carried = [base_id for _, base_ids in messages for base_id in base_ids]
        clashes = await _already_delivered(db, target_kind, target_id, carried)
        if clashes:
            raise AlreadyDeliveredError(clashes)
        for seq, (payload, base_ids) in enumerate(messages):
            cursor = await conn.execute(
                """
                INSERT INTO outbox_messages
                    (target_kind, target_id, announcement_date, seq, nonce, payload, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    str(target_kind),
                    target_id,
                    date.isoformat(),
                    seq,
                    message_nonce(target_kind, target_id, date, seq),
                    payload,
                    stamp,
                ),
            )
            await conn.executemany(
                """
                INSERT INTO delivered_papers
                    (target_kind, target_id, base_id, outbox_id, announcement_date)
                VALUES (?, ?, ?, ?, ?)
                """,
                [
                    (str(target_kind), target_id, base_id, cursor.lastrowid, date.isoformat())
                    for base_id in base_ids
                ],
            )
        return await _messages_of_post(db, target_kind, target_id, date)


async def already_planned(
    db: Database, target_kind: TargetKind, target_id: int, date: dt.date
) -> bool:
    """Say whether a post of announcement `date` to the target is already in the outbox."""
    row = await fetch_one(
        db,
        "SELECT 1 FROM outbox_messages"
        " WHERE target_kind = ? AND target_id = ? AND announcement_date = ? LIMIT 1",
        (str(target_kind), target_id, date.isoformat()),
    )
    return row is not None


async def pending_messages(
    db: Database, target: tuple[TargetKind, int] | None = None
) -> list[OutboxMessage]:
    """Return the messages still to send (of one target, or all), each post's in order."""
    kind, target_id = (None, None) if target is None else (str(target[0]), target[1])
    rows = await fetch_all(
        db,
        _SELECT_MESSAGES
        + """
        WHERE o.state = 'pending'
          AND (:kind IS NULL OR (o.target_kind = :kind AND o.target_id = :target_id))
        ORDER BY o.announcement_date, o.target_kind, o.target_id, o.seq
        """,
        {"kind": kind, "target_id": target_id},
    )
    return [_message_from_row(row) for row in rows]


async def mark_sent(
    db: Database, outbox_id: int, message_id: int, *, now: dt.datetime | None = None
) -> bool:
    """Record that a message went out as Discord message `message_id`; say if it exists.

    Also accepted for a failed message that reconciliation found in the channel after all.
    """
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE outbox_messages SET state = 'sent', message_id = ?, error = NULL, sent_at = ?"
            " WHERE id = ?",
            (message_id, datetime_text(now or utc_now()), outbox_id),
        )
        return cursor.rowcount > 0


async def mark_failed(db: Database, outbox_id: int, error: str) -> bool:
    """Give up on a pending message (e.g. the channel is gone); say if it was pending.

    Its papers stay recorded for the target: a failed message is not re-planned, only
    requeued (`requeue_failed`) once the cause is fixed.
    """
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE outbox_messages SET state = 'failed', error = ?"
            " WHERE id = ? AND state = 'pending'",
            (error, outbox_id),
        )
        return cursor.rowcount > 0


async def requeue_failed(db: Database, target_kind: TargetKind, target_id: int) -> int:
    """Make a target's failed messages pending again (a digest resumed); return how many."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE outbox_messages SET state = 'pending'"
            " WHERE target_kind = ? AND target_id = ? AND state = 'failed'",
            (str(target_kind), target_id),
        )
        return cursor.rowcount


async def delivered_base_ids(db: Database, target_kind: TargetKind, target_id: int) -> set[str]:
    """Return the base ids already sent or planned to the target, whatever their version."""
    rows = await fetch_all(
        db,
        "SELECT base_id FROM delivered_papers WHERE target_kind = ? AND target_id = ?",
        (str(target_kind), target_id),
    )
    return {str(row["base_id"]) for row in rows}


async def _messages_of_post(
    db: Database, target_kind: TargetKind, target_id: int, date: dt.date
) -> list[OutboxMessage]:
    """Return the messages of one post, in order."""
    rows = await fetch_all(
        db,
        _SELECT_MESSAGES
        + " WHERE o.target_kind = ? AND o.target_id = ? AND o.announcement_date = ?"
        " ORDER BY o.seq",
        (str(target_kind), target_id, date.isoformat()),
    )
    return [_message_from_row(row) for row in rows]


async def _already_delivered(
    db: Database, target_kind: TargetKind, target_id: int, base_ids: Sequence[str]
) -> list[str]:
    """Return which of `base_ids` the target already has, or repeats within the post itself."""
    delivered = await delivered_base_ids(db, target_kind, target_id)
    seen: set[str] = set()
    clashes = []
    for base_id in base_ids:
        if base_id in delivered or base_id in seen:
            clashes.append(base_id)
        seen.add(base_id)
    return clashes


def _message_from_row(row: sqlite3.Row) -> OutboxMessage:
    """Build an OutboxMessage from an outbox row joined with its papers."""
    date = parse_date(row["announcement_date"])
    if date is None:  # NOT NULL in the schema
        raise ValueError(f"outbox message {row['id']} has no announcement date")
    return OutboxMessage(
        id=int(row["id"]),
        target_kind=TargetKind(row["target_kind"]),
        target_id=int(row["target_id"]),
        announcement_date=date,
        seq=int(row["seq"]),
        nonce=str(row["nonce"]),
        payload=str(row["payload"]),
        state=MessageState(row["state"]),
        base_ids=parse_strings(row["base_ids"]),
        message_id=row["message_id"],
        error=row["error"],
        created_at=parse_datetime(row["created_at"]),
        sent_at=parse_datetime(row["sent_at"]),
    )
