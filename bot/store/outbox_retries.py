"""The outbox's retry state: failed tries, backoff, giving up and queueing again.

A target's messages go out in order and sending stops at the first failure, so only the
first unsent message of a target ever carries failures: its `attempts` is the target's run of
consecutive failed tries. What to do about them (when to try again, when to give up) is
bot.delivery's; this module stores it (docs/behaviour.md, "Retries").
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.outcomes import SendProblem
from bot.store.codec import datetime_text, fetch_all, parse_date, parse_datetime
from bot.store.db import Database
from bot.targets.model import TargetKey, TargetKind
from bot.timeutil import utc_now

#: The longest failure detail kept (a Discord error body can be long).
DETAIL_MAX = 300


@dataclasses.dataclass(frozen=True, slots=True)
class UnsentPost:
    """What a target has not received yet, and how its first unsent message fared.

    `pending` counts messages waiting to be sent (for the target's time, or for a retry);
    `failed` those given up after repeated failures. The rest describes the first unsent
    message: its announcement date, failed tries, when it may be tried again, why the last
    try failed, and whether Discord may have got it anyway.
    """

    target: TargetKey
    pending: int
    failed: int
    date: dt.date
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None
    problem: SendProblem | None = None
    detail: str | None = None
    outcome_unknown: bool = False

    @property
    def retrying(self) -> bool:
        """Say whether the target's sending failed and is being retried (not given up)."""
        return self.attempts > 0 and self.failed == 0

    def backing_off(self, now: dt.datetime) -> bool:
        """Say whether a retry must wait: the backoff after the last failure is not over."""
        return self.retrying and self.next_attempt_at is not None and now < self.next_attempt_at

    def due_for_retry(self, now: dt.datetime) -> bool:
        """Say whether the poll should try the target again now.

        Messages given up are due whenever their target is active again (resumed, or a
        member back); a retrying one once its backoff is over.
        """
        return self.failed > 0 or (self.retrying and not self.backing_off(now))


_UNSENT = """
SELECT target_kind, target_id, announcement_date, seq, state, attempts, next_attempt_at,
       problem, error, outcome_unknown
FROM outbox_messages
WHERE state IN ('pending', 'failed')
ORDER BY target_kind, target_id, announcement_date, seq
"""


async def unsent_posts(
    db: Database, targets: frozenset[TargetKey] | None = None
) -> dict[TargetKey, UnsentPost]:
    """Return, per target with unsent messages (of `targets`, or all), what waits.

    One query for every target: unsent messages are few (a timed target's post between the
    pass and its time, or a failure), so they are read whole and summed up here.
    """
    rows = await fetch_all(db, _UNSENT)
    found: dict[TargetKey, UnsentPost] = {}
    for row in rows:
        key = TargetKey(TargetKind(row["target_kind"]), int(row["target_id"]))
        if targets is not None and key not in targets:
            continue
        failed = row["state"] == "failed"
        known = found.get(key)
        if known is not None:
            found[key] = dataclasses.replace(
                known, pending=known.pending + (not failed), failed=known.failed + failed
            )
            continue
        date = parse_date(row["announcement_date"])
        if date is None:  # NOT NULL in the schema
            raise ValueError(f"an outbox message of {key} has no announcement date")
        found[key] = UnsentPost(
            target=key,
            pending=int(not failed),
            failed=int(failed),
            date=date,
            attempts=int(row["attempts"]),
            next_attempt_at=parse_datetime(row["next_attempt_at"]),
            problem=_problem(row["problem"]),
            detail=row["error"],
            outcome_unknown=bool(row["outcome_unknown"]),
        )
    return found


async def record_failure(
    db: Database,
    outbox_id: int,
    *,
    problem: SendProblem,
    detail: str,
    attempts: int,
    retry_at: dt.datetime,
    outcome_unknown: bool,
    now: dt.datetime | None = None,
) -> None:
    """Record a failed try of a message: its count of tries, when to retry, and why."""
    async with db.transaction() as conn:
        await conn.execute(
            """
            UPDATE outbox_messages
            SET attempts = ?, next_attempt_at = ?, last_attempt_at = ?, problem = ?,
                error = ?, outcome_unknown = ?
            WHERE id = ? AND state = 'pending'
            """,
            (
                attempts,
                datetime_text(retry_at),
                datetime_text(now or utc_now()),
                str(problem),
                detail[:DETAIL_MAX],
                int(outcome_unknown),
                outbox_id,
            ),
        )


async def record_attempt(db: Database, outbox_id: int, *, now: dt.datetime | None = None) -> None:
    """Record that a send of the message starts now.

    Written before a send only while the database has been failing: if this write fails,
    the send is not made, so nothing goes out that could not be recorded.
    """
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE outbox_messages SET last_attempt_at = ? WHERE id = ?",
            (datetime_text(now or utc_now()), outbox_id),
        )


async def give_up(db: Database, target: TargetKey) -> int:
    """Set the target's pending messages aside as failed; return how many."""
    async with db.transaction() as conn:
        return await conn.execute(
            "UPDATE outbox_messages SET state = 'failed'"
            " WHERE target_kind = ? AND target_id = ? AND state = 'pending'",
            (str(target.kind), target.id),
        )


async def requeue_failed(db: Database, target: TargetKey) -> int:
    """Queue the target's failed messages again, with a fresh count of tries; return how many.

    Whether Discord may have got one is kept: the channel is still read before it is resent.
    """
    async with db.transaction() as conn:
        return await conn.execute(
            "UPDATE outbox_messages SET state = 'pending', attempts = 0, next_attempt_at = NULL"
            " WHERE target_kind = ? AND target_id = ? AND state = 'failed'",
            (str(target.kind), target.id),
        )


def _problem(text: str | None) -> SendProblem | None:
    """Read a stored send problem; an unknown code reads as a refusal by Discord."""
    if text is None:
        return None
    try:
        return SendProblem(text)
    except ValueError:
        return SendProblem.DISCORD_ERROR
