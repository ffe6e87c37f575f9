"""The threads-and-roles migration keeps what a digest made before it meant."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.store import targets
from bot.store.db import load_migrations, open_database
from bot.targets.model import PostPlace
from tests.bot.store.test_migrations import database_at

MINE = "_threads_roles_server_settings.sql"


async def test_digests_made_before_it_still_post_in_their_channel_and_ping_nobody(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    before = next(i for i, (_, name, _) in enumerate(load_migrations()) if name.endswith(MINE))
    database_at(path, before)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO digests (channel_id, guild_id, categories, created_at, updated_at)"
            " VALUES (5, 1, '[\"cs.CL\"]', '2026-04-01T00:00:00+00:00',"
            " '2026-04-01T00:00:00+00:00')"
        )

    async with open_database(path) as db:
        config = await targets.get_digest(db, 5)

    assert config is not None
    assert (config.place, config.mention_role) == (PostPlace.CHANNEL, None)
