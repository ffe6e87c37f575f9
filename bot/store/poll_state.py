"""What the poller remembers between runs: per feed URL, and a few key/value facts of the bot.

Per feed URL it keeps the validators of the last 200 answer (ETag, Last-Modified) so the next
poll is a conditional request that costs a 304 when nothing changed (SPEC section 2), and what
the last poll saw, for `/status`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3

from bot.store.codec import (
    date_text,
    datetime_text,
    fetch_all,
    fetch_one,
    optional_datetime_text,
    parse_date,
    parse_datetime,
)
from bot.store.db import Database
from bot.timeutil import utc_now

POLL_OK = "ok"
POLL_NOT_MODIFIED = "not-modified"


@dataclasses.dataclass(frozen=True, slots=True)
class PollState:
    """The state of one feed URL. `last_result` is `POLL_OK`, `POLL_NOT_MODIFIED` or an error."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_poll_at: dt.datetime | None = None
    last_success_at: dt.datetime | None = None
    last_result: str | None = None
    last_announcement_date: dt.date | None = None

    @property
    def failed(self) -> bool:
        """Say whether the last poll ended in an error."""
        return self.last_result not in (None, POLL_OK, POLL_NOT_MODIFIED)


_SAVE = """
INSERT INTO poll_state (url, etag, last_modified, last_poll_at, last_success_at, last_result,
                        last_announcement_date)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (url) DO UPDATE SET
    etag = excluded.etag,
    last_modified = excluded.last_modified,
    last_poll_at = excluded.last_poll_at,
    last_success_at = excluded.last_success_at,
    last_result = excluded.last_result,
    last_announcement_date = excluded.last_announcement_date
"""


async def get_poll_state(db: Database, url: str) -> PollState:
    """Return the state of `url`; a URL never polled gets an empty state (no validators)."""
    row = await fetch_one(
        db,
        """SELECT url, etag, last_modified, last_poll_at, last_success_at, last_result,
                  last_announcement_date FROM poll_state WHERE url = ?""",
        (url,),
    )
    return PollState(url=url) if row is None else _from_row(row)


async def list_poll_states(db: Database) -> list[PollState]:
    """Return the state of every feed URL polled so far, most recently polled first."""
    rows = await fetch_all(
        db,
        """SELECT url, etag, last_modified, last_poll_at, last_success_at, last_result,
                  last_announcement_date FROM poll_state ORDER BY last_poll_at DESC, url""",
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
                state.last_result,
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


def _from_row(row: sqlite3.Row) -> PollState:
    """Build a PollState from a poll_state row."""
    return PollState(
        url=str(row["url"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_poll_at=parse_datetime(row["last_poll_at"]),
        last_success_at=parse_datetime(row["last_success_at"]),
        last_result=row["last_result"],
        last_announcement_date=parse_date(row["last_announcement_date"]),
    )
