"""Token cost estimates and the daily / monthly USD budget check (README, "How it behaves").

Costs are estimates: tokens times the per-model price table of `Settings.price_per_mtok`
(which settings can override). Periods are UTC calendar days and months.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.config import DEFAULT_PRICES, Settings

log = logging.getLogger(__name__)


class BudgetScope(StrEnum):
    """Which cap a period's spending is measured against."""

    DAILY = "daily"
    MONTHLY = "monthly"


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens one call consumed, as the API reported them."""

    input_tokens: int
    output_tokens: int


@dataclass(frozen=True, slots=True)
class BudgetBreach:
    """A cap that is reached: no new calls until its period ends."""

    scope: BudgetScope
    period: str
    spent_usd: float
    cap_usd: float


def day_key(now: dt.datetime) -> str:
    """Return the UTC day of `now` as `YYYY-MM-DD` (the daily budget's period)."""
    return now.astimezone(dt.UTC).date().isoformat()


def month_key(now: dt.datetime) -> str:
    """Return the UTC month of `now` as `YYYY-MM` (the monthly budget's period)."""
    return now.astimezone(dt.UTC).strftime("%Y-%m")


def estimate_cost_usd(usage: TokenUsage, model: str, settings: Settings) -> float:
    """Return the estimated USD cost of `usage` on `model`.

    A model missing from the price table is priced at the dearest known model, so that a
    budget errs on the side of stopping early rather than overspending.
    """
    prices = settings.price_per_mtok(model)
    if prices is None:
        log.warning("no price known for model %s; estimating at the highest known price", model)
        table = {**DEFAULT_PRICES, **settings.anthropic_prices}.values()
        prices = (max(p[0] for p in table), max(p[1] for p in table))
    per_input, per_output = prices
    return (usage.input_tokens * per_input + usage.output_tokens * per_output) / 1_000_000


def budget_breach(
    settings: Settings, now: dt.datetime, *, spent_today: float, spent_month: float
) -> BudgetBreach | None:
    """Return the cap that today's or this month's spending has reached, if any.

    A call is refused once spending is at or past a cap; the calls already in flight (at most
    `summary_concurrency`) can still finish, so spending may pass a cap by that much.
    """
    checks = (
        (BudgetScope.DAILY, day_key(now), spent_today, settings.daily_budget_usd),
        (BudgetScope.MONTHLY, month_key(now), spent_month, settings.monthly_budget_usd),
    )
    for scope, period, spent, cap in checks:
        if cap is not None and spent >= cap:
            return BudgetBreach(scope=scope, period=period, spent_usd=spent, cap_usd=cap)
    return None
