"""`arxiv-digest-bot check`: everything a new operator must get right, as one checklist.

One line per item, marked ✓ (fine), ✗ (fix it: the line says how), ! (works, an optional part
is off) or – (not checked: an item it depends on failed). Settings; the database (opened as
it is: nothing created or migrated); arXiv's feed and API (one request each, through one
limiter); the Discord token, the bot's servers, DISCORD_GUILD_ID and every digest's channel
(the bot's permissions there, computed from its roles and the channel's overwrites); the
Anthropic key and model (the free Models API) and the model's price. It never starts the
gateway nor takes the instance lock, so it runs beside the bot. Exit 0 when nothing failed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.check import words
from bot.check.report import Checklist, Mark
from bot.config import Settings
from bot.logs import SecretMaskFilter

__all__ = ["report_bad_settings", "run_check"]


async def run_check(
    settings: Settings, *, env_file: Path = Path(".env"), out: TextIO | None = None
) -> int:
    """Run every check in order, printing each line as it is known; return the exit code."""
    from bot.check.discord_side import check_discord
    from bot.check.local import check_database, check_settings
    from bot.check.remote import check_arxiv, check_claude

    checks = _checklist(out, settings.secret_values())
    check_settings(checks, env_file)
    digests = await check_database(checks, settings.database)
    await check_arxiv(checks, settings)
    await check_discord(checks, settings, digests)
    await check_claude(checks, settings)
    return checks.finish()


def report_bad_settings(error: str, *, out: TextIO | None = None) -> int:
    """Print the checklist of settings that do not load: the one line saying why."""
    checks = _checklist(out, ())
    checks.add(Mark.FAIL, "settings", words.settings_bad(error))
    checks.add(Mark.SKIP, "everything else", words.NOT_CHECKED_SETTINGS)
    return checks.finish()


def _checklist(out: TextIO | None, secrets: Iterable[str]) -> Checklist:
    return Checklist(out or sys.stdout, mask=SecretMaskFilter(secrets).mask)
