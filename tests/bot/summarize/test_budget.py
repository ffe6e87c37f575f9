"""Cost estimates from the price table, and which cap a period's spending reaches."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bot.config import Settings
from bot.summarize.budget import (
    BudgetScope,
    TokenUsage,
    budget_breach,
    day_key,
    estimate_cost_usd,
    month_key,
)

MILLION = TokenUsage(input_tokens=1_000_000, output_tokens=1_000_000)
NOW = dt.datetime(2026, 4, 30, 23, 30, tzinfo=dt.UTC)


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_cost_uses_the_models_input_and_output_prices() -> None:
    # DEFAULT_PRICES: claude-haiku-4-5 is $1 in, $5 out per million tokens.
    assert estimate_cost_usd(MILLION, "claude-haiku-4-5", settings()) == pytest.approx(6.0)


def test_price_override_from_settings_wins() -> None:
    custom = settings(anthropic_prices='{"claude-haiku-4-5": [2.0, 10.0]}')
    assert estimate_cost_usd(MILLION, "claude-haiku-4-5", custom) == pytest.approx(12.0)


def test_unknown_model_is_priced_at_the_dearest_known_model() -> None:
    # The dearest default is $5 in, $25 out (opus); erring high stops a budget early.
    assert estimate_cost_usd(MILLION, "claude-future-9", settings()) == pytest.approx(30.0)


def test_no_caps_means_no_breach() -> None:
    assert budget_breach(settings(), NOW, spent_today=1e6, spent_month=1e6) is None


def test_spending_below_the_daily_cap_is_allowed() -> None:
    assert (
        budget_breach(settings(daily_budget_usd=1.0), NOW, spent_today=0.99, spent_month=5) is None
    )


def test_spending_at_the_daily_cap_is_a_breach() -> None:
    breach = budget_breach(settings(daily_budget_usd=1.0), NOW, spent_today=1.0, spent_month=1.0)
    assert breach is not None
    assert (breach.scope, breach.period) == (BudgetScope.DAILY, "2026-04-30")


def test_monthly_cap_is_checked_too() -> None:
    capped = settings(daily_budget_usd=5.0, monthly_budget_usd=20.0)
    breach = budget_breach(capped, NOW, spent_today=0.5, spent_month=20.5)
    assert breach is not None
    assert (breach.scope, breach.period) == (BudgetScope.MONTHLY, "2026-04")


def test_periods_are_utc_days_and_months() -> None:
    # 20:30 on 30 April in New York is 00:30 on 1 May in UTC.
    new_york_evening = dt.datetime(2026, 4, 30, 20, 30, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    assert day_key(new_york_evening) == "2026-05-01"
    assert month_key(new_york_evening) == "2026-05"
