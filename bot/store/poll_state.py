"""What the poller remembers between runs: per feed URL, and a few key/value facts of the bot.

Per feed URL it keeps the validators of the last 200 answer (ETag, Last-Modified) so the next
poll is a conditional request that costs a 304 when nothing changed (docs/behaviour.md,
"The announcement feed"), and what the last poll saw, for `/status`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.outcomes import PollStatus
from bot.store.codec import (
    date_text,
    datetime_text,
    fetch_all,
    fetch_one,
    optional_datetime_text,
    parse_date,
    parse_datetime,
)
from bot.store.db import Database, Row
from bot.timeutil import utc_now


@dataclasses.dataclass(frozen=True, slots=True)
class PollState:
    """The state of one feed URL: validators, and how its last poll ended (`error` if FAILED)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_poll_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    last_result: PollStatus | None = None
    last_error: str | None = None
    last_announcement_date: dt.date | None = None


_SAVE = """
INSERT INTO poll_state (url, etag, last_modified, last_poll_at, last_success_at, last_result,
                        last_error, last_announcement_date)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (url) DO UPDATE SET
    etag = excluded.etag,
    last_modified = excluded.last_modified,
    last_poll_at = excluded.last_poll_at,
    last_success_at = excluded.last_success_at,
    last_result = excluded.last_result,
    last_error = excluded.last_error,
    last_announcement_date = excluded.last_announcement_date
"""


async def get_poll_state(db: Database, url: str) -> PollState:
    """Return the state of `url`; a URL never polled gets an empty state (no validators)."""
    row = await fetch_one(
        db,
        """SELECT url, etag, last_modified, last_poll_at, last_success_at, last_result,
                  last_error, last_announcement_date FROM poll_state WHERE url = ?""",
        (url,),
    )
    return PollState(url=url) if row is None else _from_row(row)


async def list_poll_states(db: Database) -> list[PollState]:
    """Return the state of every feed URL polled so far, most recently polled first."""
    rows = await fetch_all(
        db,
        """SELECT url, etag, last_modified, last_poll_at, last_success_at, last_result,
                  last_error, last_announcement_date
           FROM poll_state ORDER BY last_poll_at DESC NULLS LAST, url""",
    )
    return [_from_row(row) for row in rows]


async def save_poll_state(db: Database, state: PollState) -> None:
    """Store the state of one feed URL, replacing the previous one.

    Callers start from `get_poll_state` and `dataclasses.replace` what changed: an error
    keeps the validators of the last good answer.
    """
    async with db.transaction() as conn:
        await conn.execute(
            _SAVE,
            (
                state.url,
                state.etag,
                state.last_modified,
                optional_datetime_text(state.last_poll_at),
                optional_datetime_text(state.last_success_at),
                None if state.last_result is None else str(state.last_result),
                state.last_error,
                date_text(state.last_announcement_date),
            ),
        )


async def get_value(db: Database, key: str) -> str | None:
    """Return the value stored under `key` in the bot's key/value state, if any."""
    row = await fetch_one(db, "SELECT value FROM bot_state WHERE key = ?", (key,))
    return None if row is None else str(row["value"])


async def set_value(db: Database, key: str, value: str, *, now: dt.datetime | None = None) -> None:
    """Store `value` under `key` (e.g. the hash of the last synced command tree)."""
    async with db.transaction() as conn:
        await conn.execute(
            """
            INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """,
            (key, value, datetime_text(now or utc_now())),
        )


def _from_row(row: Row) -> PollState:
    """Build a PollState from a poll_state row."""
    return PollState(
        url=str(row["url"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_poll_at=parse_datetime(row["last_poll_at"]),
        last_success_at=parse_datetime(row["last_success_at"]),
        last_result=_status(row["last_result"]),
        last_error=row["last_error"],
        last_announcement_date=parse_date(row["last_announcement_date"]),
    )


def _status(text: str | None) -> PollStatus | None:
    """Read a stored poll result; an unknown code reads as a failure."""
    if text is None:
        return None
    try:
        return PollStatus(text)
    except ValueError:
        return PollStatus.FAILED
