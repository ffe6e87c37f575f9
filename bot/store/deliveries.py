"""The outbox behind "exactly once" (docs/behaviour.md): record every message before sending any.

A pass records each target's post of an announcement (one target, one date) together with the
target's planned date: each message with its payload and a deterministic nonce, and each paper
it carries in `delivered_papers`, whose key makes a paper reach a target at most once. Sending
then takes the pending messages in order and marks each sent with Discord's message id. After a
crash the pending ones are sent again with the same nonce, which Discord uses to drop a
duplicate of a message that did go out
("enforce_nonce": https://discord.com/developers/docs/resources/message#create-message).
A message whose send failed carries its retry state (bot.store.outbox_retries).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Sequence
from enum import StrEnum

from bot.store import passes as passes_store
from bot.store.codec import (
    datetime_text,
    fetch_all,
    json_text,
    parse_date,
    parse_datetime,
    parse_strings,
)
from bot.store.db import Connection, Database, PerDialect, Row
from bot.store.passes import TargetPass
from bot.store.targets import mark_planned_in_transaction
from bot.targets.model import PostPlace, TargetKey, TargetKind
from bot.timeutil import utc_now

log = logging.getLogger(__name__)

# Discord accepts a nonce of up to 25 characters (same page as above).
NONCE_LENGTH = 25

#: Targets per transaction when a pass records its posts: big enough to be quick, small
#: enough that a slash command waiting for the database is not held up for long.
RECORD_BATCH = 500


class MessageState(StrEnum):
    """An outbox message's progress."""

    PENDING = "pending"
    SENT = "sent"
    #: Given up after DELIVERY_MAX_FAILURES tries; pending again when its target is resumed.
    FAILED = "failed"


@dataclasses.dataclass(frozen=True, slots=True)
class PostThread:
    """The thread a post lives in: opened under its header (THREAD) or a forum post (FORUM).

    The post's first message (seq 0) is its header: in the channel under which the thread is
    opened, or the forum post's own first message; the others go into the thread. `labels`
    choose a forum post's tags; `thread_id` is None until the thread is opened.
    """

    place: PostPlace
    name: str
    labels: tuple[str, ...] = ()
    thread_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message of a post. `payload` is the JSON message body, opaque to the store.

    `attempts` counts its failed tries since it was last queued; `outcome_unknown` says
    Discord did not answer the last one, so the message may be in the channel already.
    """

    id: int
    target: TargetKey
    announcement_date: dt.date
    seq: int
    nonce: str
    payload: str
    state: MessageState
    base_ids: tuple[str, ...] = ()
    message_id: int | None = None
    created_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None
    attempts: int = 0
    outcome_unknown: bool = False
    #: A version reply: the outbox message it answers (bot.store.post_threads.carrier says
    #: where that message is, when the reply is sent).
    reply_to: int | None = None
    #: The post's thread, for a post in a thread or a forum.
    thread: PostThread | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class PostRecord:
    """One target's post of one announcement: each message's JSON payload and its base ids.

    `thread`: the post lives in a thread or forum post (its `thread_id` is not stored).
    `replies` follow the messages: version replies, each a JSON payload and the outbox id of
    the message that carried the paper (it is sent as a reply to that message).
    """

    target: TargetKey
    messages: tuple[tuple[str, tuple[str, ...]], ...]
    thread: PostThread | None = None
    replies: tuple[tuple[str, int], ...] = ()

    @property
    def empty(self) -> bool:
        """Say whether the post sends nothing at all."""
        return not self.messages and not self.replies


@dataclasses.dataclass(frozen=True, slots=True)
class RecordedPosts:
    """What `record_posts` stored.

    `recorded`: targets whose post is now in the outbox; `kept`: targets that already had a
    post of that date, or (a late pass) had seen the recording already: left as they were;
    `refused`: targets whose post carried papers
    they already have (two plans raced), with those base ids: nothing was stored for them and
    their planned date did not move, so the next pass plans them again.
    """

    recorded: frozenset[TargetKey] = frozenset()
    kept: frozenset[TargetKey] = frozenset()
    refused: dict[TargetKey, tuple[str, ...]] = dataclasses.field(default_factory=dict)


# base_ids lists a message's papers in the order they were planned (delivered_papers'
# rowid, which the PostgreSQL schema names too), as a JSON list.
_SELECT_MESSAGES = PerDialect(
    sqlite="""
SELECT o.id, o.target_kind, o.target_id, o.announcement_date, o.seq, o.nonce, o.payload,
       o.state, o.message_id, o.created_at, o.sent_at, o.attempts, o.outcome_unknown,
       o.reply_to,
       (SELECT json_group_array(d.base_id) FROM
            (SELECT base_id FROM delivered_papers WHERE outbox_id = o.id ORDER BY rowid) AS d
       ) AS base_ids,
       t.place AS thread_place, t.name AS thread_name, t.labels AS thread_labels,
       t.thread_id
FROM outbox_messages AS o
LEFT JOIN outbox_threads AS t
  ON t.target_kind = o.target_kind AND t.target_id = o.target_id
 AND t.announcement_date = o.announcement_date
""",
    postgresql="""
SELECT o.id, o.target_kind, o.target_id, o.announcement_date, o.seq, o.nonce, o.payload,
       o.state, o.message_id, o.created_at, o.sent_at, o.attempts, o.outcome_unknown,
       o.reply_to,
       (SELECT coalesce(json_agg(d.base_id ORDER BY d.rowid), '[]')::text
        FROM delivered_papers AS d WHERE d.outbox_id = o.id) AS base_ids,
       t.place AS thread_place, t.name AS thread_name, t.labels AS thread_labels,
       t.thread_id
FROM outbox_messages AS o
LEFT JOIN outbox_threads AS t
  ON t.target_kind = o.target_kind AND t.target_id = o.target_id
 AND t.announcement_date = o.announcement_date
""",
)

# Targets of a list (JSON [[kind, id], ...]) that already have a post of one date.
_POSTED_ON = PerDialect(
    sqlite="""
SELECT DISTINCT o.target_kind, o.target_id
FROM json_each(:targets) AS t
JOIN outbox_messages AS o
  ON o.target_kind = json_extract(t.value, '$[0]')
 AND o.target_id = json_extract(t.value, '$[1]')
 AND o.announcement_date = :date
""",
    postgresql="""
SELECT DISTINCT o.target_kind, o.target_id
FROM jsonb_array_elements(CAST(:targets AS jsonb)) AS t (value)
JOIN outbox_messages AS o
  ON o.target_kind = t.value ->> 0
 AND o.target_id = CAST(t.value ->> 1 AS bigint)
 AND o.announcement_date = :date
""",
)

# Which of some papers some targets already have: per target, through the primary key.
_HAVE = PerDialect(
    sqlite="""
SELECT d.target_kind, d.target_id, d.base_id
FROM json_each(:targets) AS t
JOIN delivered_papers AS d
  ON d.target_kind = json_extract(t.value, '$[0]')
 AND d.target_id = json_extract(t.value, '$[1]')
WHERE d.base_id IN (SELECT value FROM json_each(:papers))
""",
    postgresql="""
SELECT d.target_kind, d.target_id, d.base_id
FROM jsonb_array_elements(CAST(:targets AS jsonb)) AS t (value)
JOIN delivered_papers AS d
  ON d.target_kind = t.value ->> 0
 AND d.target_id = CAST(t.value ->> 1 AS bigint)
WHERE d.base_id IN (SELECT jsonb_array_elements_text(CAST(:papers AS jsonb)))
""",
)

# `:count` new outbox ids, one per row. The transaction holds the write lock, so on SQLite
# the ids after the current maximum are ours to give; PostgreSQL's sequence gives them.
_NEW_IDS = PerDialect(
    sqlite="""
WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
SELECT (SELECT coalesce(max(id), 0) FROM outbox_messages) + i FROM n
""",
    postgresql="""
SELECT nextval(pg_get_serial_sequence('outbox_messages', 'id'))
FROM generate_series(1, CAST(:count AS integer))
""",
)

_INSERT_MESSAGE = """
INSERT INTO outbox_messages
    (id, target_kind, target_id, announcement_date, seq, nonce, payload, created_at, reply_to)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

# The next free position in each target's post of one date (a late pass appends there).
_NEXT_SEQ = """
SELECT target_kind, target_id, max(seq) + 1 FROM outbox_messages
WHERE announcement_date = ?
GROUP BY target_kind, target_id
"""

# Who was given the papers an announcement replaces, earlier, and in which message.
_CARRIERS = """
SELECT d.target_kind, d.target_id, d.base_id, d.outbox_id
FROM delivered_papers AS d
WHERE d.announcement_date < :date
  AND d.base_id IN (
    SELECT e.base_id FROM announcement_entries AS e
    JOIN announcements AS a ON a.id = e.announcement_id
    WHERE a.announced_on = :date AND e.announce_type IN ('replace', 'replace-cross'))
"""


_INSERT_PAPER = """
INSERT INTO delivered_papers (target_kind, target_id, base_id, outbox_id, announcement_date)
VALUES (?, ?, ?, ?, ?)
"""

_INSERT_THREAD = """
INSERT INTO outbox_threads (target_kind, target_id, announcement_date, place, name, labels)
VALUES (?, ?, ?, ?, ?, ?)
"""


def message_nonce(target: TargetKey, date: dt.date, seq: int) -> str:
    """Return the nonce of a post's message: the same inputs give the same nonce, always."""
    key = f"{target.kind}:{target.id}:{date.isoformat()}:{seq}"
    return hashlib.sha256(key.encode()).hexdigest()[:NONCE_LENGTH]


async def record_posts(
    db: Database,
    date: dt.date,
    posts: Sequence[PostRecord],
    planned: Iterable[TargetKey],
    *,
    passes: Sequence[TargetPass] = (),
    late: bool = False,
    now: dt.datetime | None = None,
    batch: int = RECORD_BATCH,
) -> RecordedPosts:
    """Record a pass's posts of announcement `date`, with what each target saw of it.

    `planned` lists every target the pass planned, including those whose post is empty (an
    empty post records no message); a first pass marks each planned (its `planned_date`).
    `passes` says what each target saw of the announcement (bot.store.passes): /digest show
    reads it, and a later recording of `date` is offered to the targets it lists. Each
    target is all or nothing, and so is each batch of targets (one transaction). A first
    post already recorded for a target and date is kept unchanged; a late pass (`late`:
    papers a later recording of `date` added) appends its messages after the target's
    earlier ones, once per recording. A post carrying a paper the target already has is
    refused (see RecordedPosts).
    """
    moment = now or utc_now()
    stamp = datetime_text(moment)
    by_target = {post.target: post for post in posts if not post.empty}
    seen_by = {p.target: p for p in passes}
    keys = list(dict.fromkeys([*planned, *seen_by, *by_target]))
    recorded: set[TargetKey] = set()
    kept: set[TargetKey] = set()
    refused: dict[TargetKey, tuple[str, ...]] = {}
    for start in range(0, len(keys), batch):
        chunk = keys[start : start + batch]
        async with db.transaction() as conn:
            done = await _already_planned(conn, date, chunk, seen_by, by_target, late=late)
            writing = [by_target[key] for key in chunk if key in by_target and key not in done]
            clashes = await _clashes(conn, writing)
            writing = [post for post in writing if post.target not in clashes]
            await _insert(conn, date, writing, stamp, append=late)
            fine = [key for key in chunk if key not in clashes]
            if not late:
                await mark_planned_in_transaction(conn, date, fine)
            await passes_store.write_in_transaction(
                conn,
                date,
                [seen_by[key] for key in fine if key in seen_by and key not in done],
                late=late,
                now=moment,
            )
        kept.update(done)
        refused.update(clashes)
        recorded.update(post.target for post in writing)
    for key, base_ids in refused.items():
        log.warning("not planning %s for %s: already has %s", date, key, ", ".join(base_ids))
    return RecordedPosts(frozenset(recorded), frozenset(kept), refused)


async def _already_planned(
    conn: Connection,
    date: dt.date,
    chunk: Sequence[TargetKey],
    seen_by: dict[TargetKey, TargetPass],
    by_target: dict[TargetKey, PostRecord],
    *,
    late: bool,
) -> set[TargetKey]:
    """Return the targets of `chunk` whose pass is already recorded, left as they are.

    A first pass: the target has a pass of `date`, or a post of it (recorded before passes
    were). A late pass: the target has no pass of `date` to add to, or has seen as far.
    """
    seen = await passes_store.seen_batches(conn, date, chunk)
    if late:
        return {
            key
            for key in chunk
            if key not in seen or (key in seen_by and seen[key] >= seen_by[key].seen_batch)
        }
    posted = await _posted_on(conn, date, [key for key in chunk if key in by_target])
    return posted | {key for key in chunk if key in seen}


async def carriers_of_replaced(db: Database, date: dt.date) -> dict[TargetKey, dict[str, int]]:
    """Return, per target, the papers `date` replaces that it was given earlier, and where.

    Each base id maps to the outbox message that carried it (a version reply answers it).
    """
    rows = await fetch_all(db, _CARRIERS, {"date": date.isoformat()})
    found: dict[TargetKey, dict[str, int]] = {}
    for row in rows:
        key = TargetKey(TargetKind(row[0]), int(row[1]))
        found.setdefault(key, {})[str(row[2])] = int(row[3])
    return found


async def pending_messages(
    db: Database, target: TargetKey | None = None, *, failed_too: bool = False
) -> list[OutboxMessage]:
    """Return the messages still to send (of one target, or all), each post's in order.

    With `failed_too`, messages given up after repeated failures are included, in place.
    """
    # Written out per case rather than with `:kind IS NULL OR ...`, which no index serves: a
    # poll reads each target's messages, and a scan of the whole outbox per target made
    # sending to thousands of targets quadratic. The state tests match the partial indexes'.
    states = "o.state IN ('pending', 'failed')" if failed_too else "o.state = 'pending'"
    if target is None:
        where, params = f"WHERE {states}", {}
    else:
        where = f"WHERE o.target_kind = :kind AND o.target_id = :target_id AND {states}"
        params = {"kind": str(target.kind), "target_id": target.id}
    rows = await fetch_all(
        db,
        _SELECT_MESSAGES
        + f"""
        {where}
        ORDER BY o.announcement_date, o.target_kind, o.target_id, o.seq
        """,
        params,
    )
    return [_message_from_row(row) for row in rows]


async def pending_targets(db: Database) -> list[TargetKey]:
    """Return the targets that have messages still to send."""
    rows = await fetch_all(
        db,
        "SELECT DISTINCT target_kind, target_id FROM outbox_messages WHERE state = 'pending'"
        " ORDER BY target_kind, target_id",
    )
    return [TargetKey(TargetKind(row[0]), int(row[1])) for row in rows]


async def count_pending(db: Database) -> int:
    """Return how many messages are still to send, over every target (the queue depth)."""
    row = await db.fetch_one("SELECT count(*) FROM outbox_messages WHERE state = 'pending'")
    return int(row[0]) if row else 0


async def mark_sent(
    db: Database, outbox_id: int, message_id: int, *, now: dt.datetime | None = None
) -> bool:
    """Record that a message went out as Discord message `message_id`; say if it exists."""
    async with db.transaction() as conn:
        changed = await conn.execute(
            "UPDATE outbox_messages SET state = 'sent', message_id = ?, sent_at = ? WHERE id = ?",
            (message_id, datetime_text(now or utc_now()), outbox_id),
        )
        return changed > 0


async def delivered_base_ids(db: Database, target: TargetKey) -> set[str]:
    """Return the base ids already sent or planned to the target, whatever their version."""
    rows = await fetch_all(
        db,
        "SELECT base_id FROM delivered_papers WHERE target_kind = ? AND target_id = ?",
        (str(target.kind), target.id),
    )
    return {str(row["base_id"]) for row in rows}


async def delivered_of_announcement(db: Database, date: dt.date) -> dict[TargetKey, set[str]]:
    """Return, per target, which papers of announcement `date` it already has (or has planned).

    One query for every target: a pass reads its exclusions once, not once per target.
    """
    rows = await fetch_all(
        db,
        """
        SELECT d.target_kind, d.target_id, d.base_id FROM delivered_papers AS d
        WHERE d.base_id IN (
            SELECT e.base_id FROM announcement_entries AS e
            JOIN announcements AS a ON a.id = e.announcement_id
            WHERE a.announced_on = ?)
        """,
        (date.isoformat(),),
    )
    found: dict[TargetKey, set[str]] = {}
    for row in rows:
        key = TargetKey(TargetKind(row[0]), int(row[1]))
        found.setdefault(key, set()).add(str(row[2]))
    return found


async def _posted_on(conn: Connection, date: dt.date, keys: Sequence[TargetKey]) -> set[TargetKey]:
    """Return which of `keys` already have a post of `date` in the outbox."""
    if not keys:
        return set()
    params = {"targets": json_text([[str(k.kind), k.id] for k in keys]), "date": date.isoformat()}
    rows = await conn.fetch_all(_POSTED_ON, params)
    return {TargetKey(TargetKind(row[0]), int(row[1])) for row in rows}


async def _clashes(
    conn: Connection, posts: Sequence[PostRecord]
) -> dict[TargetKey, tuple[str, ...]]:
    """Return the posts' targets that already have one of the papers their post carries.

    A paper repeated within one post is a clash too: it would reach the target twice.
    """
    carried: dict[TargetKey, list[str]] = {
        post.target: [base_id for _, base_ids in post.messages for base_id in base_ids]
        for post in posts
    }
    have: dict[TargetKey, set[str]] = {}
    if carried:
        params = {
            "targets": json_text([[str(key.kind), key.id] for key in carried]),
            "papers": json_text(sorted({b for base_ids in carried.values() for b in base_ids})),
        }
        for row in await conn.fetch_all(_HAVE, params):
            key = TargetKey(TargetKind(row[0]), int(row[1]))
            have.setdefault(key, set()).add(str(row[2]))
    clashes: dict[TargetKey, tuple[str, ...]] = {}
    for key, base_ids in carried.items():
        seen: set[str] = set()
        bad = []
        for base_id in base_ids:
            if base_id in have.get(key, ()) or base_id in seen:
                bad.append(base_id)
            seen.add(base_id)
        if bad:
            clashes[key] = tuple(bad)
    return clashes


async def _insert(
    conn: Connection,
    date: dt.date,
    posts: Sequence[PostRecord],
    stamp: str,
    *,
    append: bool = False,
) -> None:
    """Insert the posts' messages, replies and papers (inside the caller's transaction).

    The messages' ids are taken first, all at once (`_NEW_IDS`): one `executemany` per table
    instead of a round trip per message for its generated id. With `append`, each post's
    messages follow the ones its target already has of `date`.
    """
    count = sum(len(post.messages) + len(post.replies) for post in posts)
    if not count:
        return
    rows = await conn.fetch_all(_NEW_IDS, {"count": count})
    ids = iter(int(row[0]) for row in rows)
    day = date.isoformat()
    first_seq: dict[TargetKey, int] = {}
    if append:
        for found in await conn.fetch_all(_NEXT_SEQ, (day,)):
            first_seq[TargetKey(TargetKind(found[0]), int(found[1]))] = int(found[2])
    messages: list[tuple[object, ...]] = []
    papers: list[tuple[object, ...]] = []
    threads: list[tuple[object, ...]] = []
    for post in posts:
        kind, target_id = str(post.target.kind), post.target.id
        seq = first_seq.get(post.target, 0)
        if post.thread is not None and post.target not in first_seq:
            # A late post (appended) goes into the thread its target's post already has.
            thread = post.thread
            labels = json_text(list(thread.labels))
            threads.append((kind, target_id, day, str(thread.place), thread.name, labels))
        outgoing: list[tuple[str, tuple[str, ...], int | None]] = [
            (payload, base_ids, None) for payload, base_ids in post.messages
        ]
        outgoing += [(payload, (), reply_to) for payload, reply_to in post.replies]
        for payload, base_ids, reply_to in outgoing:
            outbox_id = next(ids)
            nonce = message_nonce(post.target, date, seq)
            messages.append((outbox_id, kind, target_id, day, seq, nonce, payload, stamp, reply_to))
            papers.extend((kind, target_id, base_id, outbox_id, day) for base_id in base_ids)
            seq += 1
    await conn.executemany(_INSERT_MESSAGE, messages)
    await conn.executemany(_INSERT_PAPER, papers)
    await conn.executemany(_INSERT_THREAD, threads)


def _message_from_row(row: Row) -> OutboxMessage:
    """Build an OutboxMessage from an outbox row joined with its papers."""
    date = parse_date(row["announcement_date"])
    if date is None:  # NOT NULL in the schema
        raise ValueError(f"outbox message {row['id']} has no announcement date")
    return OutboxMessage(
        id=int(row["id"]),
        target=TargetKey(TargetKind(row["target_kind"]), int(row["target_id"])),
        announcement_date=date,
        seq=int(row["seq"]),
        nonce=str(row["nonce"]),
        payload=str(row["payload"]),
        state=MessageState(row["state"]),
        base_ids=parse_strings(row["base_ids"]),
        message_id=row["message_id"],
        created_at=parse_datetime(row["created_at"]),
        sent_at=parse_datetime(row["sent_at"]),
        attempts=int(row["attempts"]),
        outcome_unknown=bool(row["outcome_unknown"]),
        reply_to=None if row["reply_to"] is None else int(row["reply_to"]),
        thread=_thread_from_row(row),
    )


def _thread_from_row(row: Row) -> PostThread | None:
    """Build the PostThread of an outbox row joined with outbox_threads (None without one)."""
    if row["thread_place"] is None:
        return None
    return PostThread(
        place=PostPlace(row["thread_place"]),
        name=str(row["thread_name"]),
        labels=parse_strings(row["thread_labels"]),
        thread_id=None if row["thread_id"] is None else int(row["thread_id"]),
    )
