"""Conversions between Python values and the text the schema stores, shared by the query modules.

The schema's conventions (see migrations/0001_init.sql): times are ISO-8601 text in UTC, dates
ISO text, times of day `HH:MM`, lists JSON text, booleans 0/1. Keeping every conversion here
means one format on disk, so stored times compare correctly as text.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from bot.store.db import Database, Params, Row, Sql


def datetime_text(value: dt.datetime) -> str:
    """Return `value` as ISO-8601 text in UTC; refuse naive times, which would be ambiguous."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: the store keeps timezone-aware UTC times")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def optional_datetime_text(value: dt.datetime | None) -> str | None:
    """Return `datetime_text(value)`, or None for None."""
    return None if value is None else datetime_text(value)


def parse_datetime(text: str | None) -> dt.datetime | None:
    """Read a stored time back as an aware UTC datetime."""
    return None if text is None else dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def date_text(value: dt.date | None) -> str | None:
    """Return a date as ISO text (`2026-04-28`)."""
    return None if value is None else value.isoformat()


def parse_date(text: str | None) -> dt.date | None:
    """Read a stored ISO date back."""
    return None if text is None else dt.date.fromisoformat(text)


def time_text(value: dt.time | None) -> str | None:
    """Return a local time of day as `HH:MM`, the form users type."""
    return None if value is None else value.strftime("%H:%M")


def parse_time(text: str | None) -> dt.time | None:
    """Read a stored `HH:MM` back."""
    return None if text is None else dt.time.fromisoformat(text)


def json_text(value: Any) -> str:
    """Serialize to compact JSON, keeping non-ASCII text readable in the database."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def parse_strings(text: str | None) -> tuple[str, ...]:
    """Read a stored JSON list of strings back as a tuple (empty for NULL)."""
    if text is None:
        return ()
    return tuple(str(item) for item in json.loads(text))


def unique(values: Iterable[str]) -> list[str]:
    """Return `values` without repeats, in first-seen order."""
    return list(dict.fromkeys(values))


async def fetch_one(db: Database, sql: Sql, params: Params = ()) -> Row | None:
    """Run a query and return its first row, if any (see `Database.fetch_one`)."""
    return await db.fetch_one(sql, params)


async def fetch_all(db: Database, sql: Sql, params: Params = ()) -> list[Row]:
    """Run a query and return all its rows (see `Database.fetch_all`)."""
    return await db.fetch_all(sql, params)
