"""The checks that need no network: the settings and the database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.check import words
from bot.check.report import Checklist, Mark
from bot.errors import DatabaseError
from bot.store import targets
from bot.store.inspection import inspect_database
from bot.targets.model import DigestConfig

SETTINGS = "settings"
DATABASE = "database"


def check_settings(checks: Checklist, env_file: Path) -> None:
    """Report valid settings (invalid ones never get this far: see `report_bad_settings`)."""
    checks.add(Mark.OK, SETTINGS, words.settings_ok(env_file))


async def check_database(checks: Checklist, where: Path | str) -> list[DigestConfig] | None:
    """Report what the database holds; return its digests (None when they cannot be read).

    Nothing is created or migrated (bot/store/inspection.py).
    """
    async with inspect_database(where) as found:
        path = found.path  # a PostgreSQL URL without its password
        if found.problem is not None:
            checks.add(Mark.FAIL, DATABASE, words.database_bad(path, found.problem))
            return None
        if not found.exists:
            checks.add(Mark.OK, DATABASE, words.database_new(path))
            return []
        if found.db is None:
            checks.add(Mark.OK, DATABASE, words.database_empty(path))
            return []
        schema = found.schema or 0
        sqlite = not isinstance(path, str)  # quick_check and the copy are SQLite's
        if schema < found.latest:
            line = words.database_older(path, schema, found.latest, sqlite)
        else:
            line = words.database_ok(path, schema, sqlite)
        checks.add(Mark.OK, DATABASE, line)
        try:
            return await targets.list_digests(found.db)
        except (DatabaseError, sqlite3.Error):
            return None  # an older schema this release reads only after migrating it
