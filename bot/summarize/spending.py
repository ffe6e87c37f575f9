"""The budget check before a Claude call, against what the usage records say was spent.

Summaries and deep dives spend from the same daily and monthly caps: both record every call
in `claude_usage` and both ask `check_budget` before calling (README, "How it behaves").

With GUILD_DAILY_BUDGET_SHARE, each server may also spend at most that share of the daily
cap: a call is charged, in even parts, to the servers it is made for that are still under
their share, and a call made only for servers past theirs is refused (.env.example).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.config import Settings
from bot.errors import SummaryError
from bot.models import FallbackReason
from bot.store import summaries as store
from bot.store.db import Database
from bot.summarize.budget import budget_breach, day_key, month_key


@dataclasses.dataclass(frozen=True, slots=True)
class Payers:
    """Whom a Claude call is made for: the servers that asked, and whether anyone else did.

    `servers`: the servers whose digests (or whose members' `/summarize`) want the paper;
    `others`: someone outside any server's share wants it too (a member's DMs, the CLI), so
    the call is not refused for the servers' shares. The default is "nobody in particular".
    """

    servers: frozenset[int] = frozenset()
    others: bool = True

    @classmethod
    def server(cls, guild_id: int) -> Payers:
        """Return the payers of a call made for one server alone."""
        return cls(frozenset({guild_id}), others=False)

    def __or__(self, other: Payers) -> Payers:
        """Return the payers of a call that both would have made."""
        return Payers(self.servers | other.servers, self.others or other.others)


async def check_budget(
    db: Database, settings: Settings, now: dt.datetime, payers: Payers | None = None
) -> tuple[int, ...]:
    """Raise a BUDGET SummaryError (and record the hit for /status) when a cap is reached.

    Return the servers to charge for the call: those of `payers` still under their share
    (all of them without a share). Raise SERVER_BUDGET when the call is made only for
    servers past their share.
    """
    payers = payers or Payers()
    if settings.daily_budget_usd is not None or settings.monthly_budget_usd is not None:
        await _check_caps(db, settings, now)
    share = settings.guild_daily_budget_share
    if share is None or settings.daily_budget_usd is None or not payers.servers:
        return tuple(sorted(payers.servers))
    cap = share * settings.daily_budget_usd
    spent = await store.server_spending(db, day_key(now))
    under = tuple(sorted(s for s in payers.servers if spent.get(s, 0.0) < cap))
    if under or payers.others:
        return under
    raise SummaryError(
        FallbackReason.SERVER_BUDGET,
        f"each of {len(payers.servers)} server(s) spent its share ${cap:.4f} of today's budget",
    )


async def _check_caps(db: Database, settings: Settings, now: dt.datetime) -> None:
    """Raise a BUDGET SummaryError (recording the hit) when the daily or monthly cap is reached."""
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
