"""The budget check before a Claude call, against what the usage records say was spent.

Summaries and deep dives spend from the same daily and monthly caps: both record every call
in `claude_usage` and both ask `check_budget` before calling (README, "How it behaves").
"""

from __future__ import annotations

import datetime as dt

from bot.config import Settings
from bot.errors import SummaryError
from bot.models import FallbackReason
from bot.store import summaries as store
from bot.store.db import Database
from bot.summarize.budget import budget_breach, day_key, month_key


async def check_budget(db: Database, settings: Settings, now: dt.datetime) -> None:
    """Raise a BUDGET SummaryError (and record the hit for /status) when a cap is reached."""
    if settings.daily_budget_usd is None and settings.monthly_budget_usd is None:
        return
    today = await store.usage_for_day(db, day_key(now))
    month = await store.usage_for_month(db, month_key(now))
    breach = budget_breach(settings, now, spent_today=today.cost_usd, spent_month=month.cost_usd)
    if breach is None:
        return
    await store.record_budget_hit(
        db,
        scope=breach.scope.value,
        period=breach.period,
        spent_usd=breach.spent_usd,
        cap_usd=breach.cap_usd,
        now=now,
    )
    raise SummaryError(
        FallbackReason.BUDGET,
        f"{breach.scope} cap ${breach.cap_usd:.2f} reached (${breach.spent_usd:.4f} spent)",
    )
