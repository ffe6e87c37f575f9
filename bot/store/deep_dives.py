"""Queries for the deep-dive cache (table `deep_dives`, migrations/0003).

Keyed like summaries (`SummaryKey`: paper version, language, prompt version, model). Only
valid deep dives are stored; their Claude calls go to `claude_usage` through
`bot.store.summaries.record_usage`, so the budget counts them.
"""

from __future__ import annotations

import datetime as dt
import json

from bot.deep_dive.model import DeepDive, KeyNumber
from bot.store.codec import datetime_text, fetch_one, json_text
from bot.store.db import Database
from bot.store.summaries import SummaryKey


async def get_deep_dive(db: Database, key: SummaryKey) -> DeepDive | None:
    """Return the cached deep dive for `key`, if there is one."""
    row = await fetch_one(
        db,
        "SELECT overview, method, experiments, limitations, key_numbers FROM deep_dives"
        " WHERE base_id = ? AND version = ? AND language = ? AND prompt_version = ? AND model = ?",
        (key.base_id, key.version, key.language, key.prompt_version, key.model),
    )
    if row is None:
        return None
    numbers = tuple(
        KeyNumber(value=str(item["value"]), source=str(item["source"]))
        for item in json.loads(row["key_numbers"])
    )
    return DeepDive(
        overview=row["overview"],
        method=row["method"],
        experiments=row["experiments"],
        limitations=row["limitations"],
        key_numbers=numbers,
        model=key.model,
        language=key.language,
    )


async def put_deep_dive(
    db: Database, key: SummaryKey, deep_dive: DeepDive, now: dt.datetime
) -> None:
    """Store a valid deep dive under `key`; an existing one for the same key is kept."""
    numbers = [{"value": n.value, "source": n.source} for n in deep_dive.key_numbers]
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO deep_dives (base_id, version, language, prompt_version, model, overview,"
            " method, experiments, limitations, key_numbers, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (
                key.base_id,
                key.version,
                key.language,
                key.prompt_version,
                key.model,
                deep_dive.overview,
                deep_dive.method,
                deep_dive.experiments,
                deep_dive.limitations,
                json_text(numbers),
                datetime_text(now),
            ),
        )
