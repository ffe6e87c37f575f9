"""What each target saw of each announcement it was planned for: offered, matched, chosen, posted.

A pass writes one row per target and announcement, in the transaction that records the
target's post (bot.store.deliveries.record_posts): the papers its categories were offered,
how many its keywords matched, how many it was given (cut at `max_papers`), and the last
recording of the announcement it saw (`seen_batch`, bot.store.announcements). A later
recording of the same announcement (papers a cross-check found) is planned for the target
once: a late pass adds to the row and moves `seen_batch` on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from bot.store.codec import datetime_text, fetch_all, fetch_one
from bot.store.db import Connection, Database
from bot.targets.model import TargetKey, TargetKind


@dataclasses.dataclass(frozen=True, slots=True)
class TargetPass:
    """One target's pass over one announcement, as a pass records it."""

    target: TargetKey
    seen_batch: int
    offered: int
    matched: int
    chosen: int


@dataclasses.dataclass(frozen=True, slots=True)
class Progress:
    """A target's latest announcement as `/digest show` and `/status` tell it.

    `posted` counts the papers of that announcement that went out (not just planned).
    """

    date: dt.date
    offered: int
    matched: int
    chosen: int
    posted: int


_INSERT = """
INSERT INTO target_passes
    (target_kind, target_id, announcement_date, seen_batch, offered, matched, chosen, planned_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""

# A late pass adds what it found to the row (the papers it was offered were new to it).
_ADD_LATE = """
UPDATE target_passes
SET seen_batch = ?, offered = offered + ?, matched = matched + ?, chosen = chosen + ?,
    planned_at = ?
WHERE target_kind = ? AND target_id = ? AND announcement_date = ? AND seen_batch < ?
"""

# Targets planned for an announcement from :first on before the latest recording that
# brought it a new paper (each paper counts from the first recording that brought it).
_BEHIND = """
SELECT tp.target_kind, tp.target_id, tp.announcement_date, tp.seen_batch
FROM target_passes AS tp
JOIN (SELECT f.announced_on, max(f.first_batch) AS latest
      FROM (SELECT a.announced_on, e.base_id, min(e.batch) AS first_batch
            FROM announcements AS a
            JOIN announcement_entries AS e ON e.announcement_id = a.id
            WHERE a.announced_on >= :first
            GROUP BY a.announced_on, e.base_id) AS f
      GROUP BY f.announced_on) AS d ON d.announced_on = tp.announcement_date
WHERE tp.seen_batch < d.latest
ORDER BY tp.announcement_date, tp.target_kind, tp.target_id
"""

_LATEST = """
SELECT tp.announcement_date, tp.offered, tp.matched, tp.chosen,
       (SELECT count(*) FROM delivered_papers AS d
        JOIN outbox_messages AS o ON o.id = d.outbox_id
        WHERE d.target_kind = tp.target_kind AND d.target_id = tp.target_id
          AND d.announcement_date = tp.announcement_date AND o.state = 'sent') AS posted
FROM target_passes AS tp
WHERE tp.target_kind = ? AND tp.target_id = ?
ORDER BY tp.announcement_date DESC
LIMIT 1
"""


async def seen_batches(
    conn: Connection, date: dt.date, keys: Sequence[TargetKey]
) -> dict[TargetKey, int]:
    """Return the recording each of `keys` has seen of `date` (inside the caller's transaction)."""
    wanted = set(keys)
    rows = await conn.fetch_all(
        "SELECT target_kind, target_id, seen_batch FROM target_passes WHERE announcement_date = ?",
        (date.isoformat(),),
    )
    found = {TargetKey(TargetKind(row[0]), int(row[1])): int(row[2]) for row in rows}
    return {key: batch for key, batch in found.items() if key in wanted}


async def write_in_transaction(
    conn: Connection,
    date: dt.date,
    passes: Iterable[TargetPass],
    *,
    late: bool,
    now: dt.datetime,
) -> None:
    """Store the passes of `date` (a first pass inserts, a late pass adds to the row)."""
    stamp = datetime_text(now)
    day = date.isoformat()
    if late:
        await conn.executemany(
            _ADD_LATE,
            [
                (p.seen_batch, p.offered, p.matched, p.chosen, stamp, *_row_key(p, day))
                for p in passes
            ],
        )
        return
    await conn.executemany(
        _INSERT,
        [(*_row_key(p, day), p.offered, p.matched, p.chosen, stamp) for p in passes],
    )


async def behind(db: Database, first: dt.date) -> list[tuple[TargetKey, dt.date, int]]:
    """Return (target, date, seen recording) for passes that a later recording outdates.

    Only announcements dated `first` or later count: a late paper of an older one is no
    longer news.
    """
    rows = await fetch_all(db, _BEHIND, {"first": first.isoformat()})
    return [
        (
            TargetKey(TargetKind(row[0]), int(row[1])),
            dt.date.fromisoformat(str(row[2])),
            int(row[3]),
        )
        for row in rows
    ]


async def latest_progress(db: Database, key: TargetKey) -> Progress | None:
    """Return the target's latest planned announcement and what became of it."""
    row = await fetch_one(db, _LATEST, (str(key.kind), key.id))
    if row is None:
        return None
    return Progress(
        date=dt.date.fromisoformat(str(row[0])),
        offered=int(row[1]),
        matched=int(row[2]),
        chosen=int(row[3]),
        posted=int(row[4]),
    )


def _row_key(p: TargetPass, day: str) -> tuple[str, int, str, int]:
    """Return a row's key columns and its recording (a late pass updates rows seen before it)."""
    return (str(p.target.kind), p.target.id, day, p.seen_batch)
