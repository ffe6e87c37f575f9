"""Queries for a server's own defaults (`/digest defaults`), table `guild_settings`.

Today one default: the summary language of the server's digests that set none (and of
`/summarize` run in the server without a language). NULL means the bot's DEFAULT_LANGUAGE.
"""

from __future__ import annotations

import datetime as dt

from bot.store.codec import datetime_text, fetch_all, fetch_one
from bot.store.db import Database
from bot.timeutil import utc_now

_SET_LANGUAGE = """
INSERT INTO guild_settings (guild_id, language, updated_at) VALUES (:guild_id, :language, :now)
ON CONFLICT (guild_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at
"""


async def get_language(db: Database, guild_id: int) -> str | None:
    """Return the server's default summary language, None when it set none."""
    row = await fetch_one(db, "SELECT language FROM guild_settings WHERE guild_id = ?", (guild_id,))
    return None if row is None or row["language"] is None else str(row["language"])


async def languages(db: Database) -> dict[int, str]:
    """Return {server id: default language} for every server that set one (one query)."""
    rows = await fetch_all(
        db, "SELECT guild_id, language FROM guild_settings WHERE language IS NOT NULL"
    )
    return {int(row["guild_id"]): str(row["language"]) for row in rows}


async def set_language(
    db: Database, guild_id: int, language: str | None, *, now: dt.datetime | None = None
) -> None:
    """Set the server's default summary language (None: back to the bot's)."""
    params = {
        "guild_id": guild_id,
        "language": language,
        "now": datetime_text(now or utc_now()),
    }
    async with db.transaction() as conn:
        await conn.execute(_SET_LANGUAGE, params)
