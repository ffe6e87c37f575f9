"""The summarizer: one summary per (paper version, language, prompt version, model), shared.

Every digest, DM and `/summarize` asks this service. It serves the database cache, makes one
Claude call for concurrent requests of the same key (single-flight), keeps at most
`summary_concurrency` calls in flight, refuses calls past the daily or monthly budget, and
turns every failure into a `FallbackReason` so the paper still goes out with its abstract
(docs/behaviour.md, "Summaries"). Fallbacks are recorded for `/status`, never
cached.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.config import Settings
from bot.errors import SummaryError
from bot.models import FallbackReason, Paper, Summary
from bot.store import summaries as store
from bot.store.db import Database
from bot.store.summaries import BudgetHit, CallUsage, FallbackRecord, SummaryKey, UsageTotals
from bot.summarize.budget import TokenUsage, day_key, estimate_cost_usd, month_key
from bot.summarize.claude import ClaudeClient
from bot.summarize.prompts import PromptSet, source_text
from bot.summarize.schema import SummaryOutput, output_problems
from bot.summarize.spending import Payers, check_budget
from bot.timeutil import utc_now
from bot.validate import InvalidLanguageError as InvalidLanguageError  # re-exported
from bot.validate import normalize_language as normalize_language  # re-exported

log = logging.getLogger(__name__)

# Output that fails validation is asked again once, then the paper falls back to its abstract
# (docs/behaviour.md, "Summaries"): a second bad answer is unlikely to be a fluke.
OUTPUT_ATTEMPTS = 2
RECENT_FALLBACKS = 10
_MAX_DETAIL = 500


@dataclass(frozen=True, slots=True)
class SummaryOutcome:
    """A summary, or the reason the paper goes out with its abstract instead (exactly one)."""

    summary: Summary | None = None
    fallback: FallbackReason | None = None

    def __post_init__(self) -> None:
        if (self.summary is None) == (self.fallback is None):
            raise ValueError("a SummaryOutcome holds either a summary or a fallback reason")


@dataclass(frozen=True, slots=True)
class UsageReport:
    """What `/status` shows about summaries: spending, caps, and recent fallbacks."""

    configured: bool
    model: str
    prompt_version: str
    today: UsageTotals
    month: UsageTotals
    summaries_today: int
    daily_budget_usd: float | None
    monthly_budget_usd: float | None
    budget_hits: tuple[BudgetHit, ...]
    recent_fallbacks: tuple[FallbackRecord, ...]
    #: Papers that went out abstract-only today (UTC), per reason, most frequent first.
    fallbacks_today: tuple[tuple[FallbackReason, int], ...] = ()

    @property
    def budget_reached(self) -> bool:
        """Return whether a cap stopped calls today or this month."""
        return bool(self.budget_hits)


@dataclass(frozen=True, slots=True)
class ServerUsage:
    """What one server was charged for Claude today, and its share of the daily cap (if any)."""

    spent_today_usd: float
    share_usd: float | None

    @property
    def share_reached(self) -> bool:
        """Say whether the server's digests now go out abstract-only for today."""
        return self.share_usd is not None and self.spent_today_usd >= self.share_usd


class Summarizer:
    """Summaries for the whole process: cache, single-flight, concurrency, budget, fallback."""

    def __init__(
        self,
        db: Database,
        client: ClaudeClient | None,
        settings: Settings,
        *,
        prompts: PromptSet,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._db = db
        self._client = client
        self._settings = settings
        self._prompts = prompts
        self._clock = clock
        self.model = client.model if client is not None else settings.anthropic_model
        self._limit = asyncio.Semaphore(settings.summary_concurrency)
        self._inflight: dict[SummaryKey, asyncio.Task[SummaryOutcome]] = {}

    @property
    def configured(self) -> bool:
        """Return whether Claude is configured (an API key is set); without it, no summaries."""
        return self._client is not None

    async def summarize(
        self, paper: Paper, language: str, *, payers: Payers | None = None
    ) -> SummaryOutcome:
        """Return the summary of `paper` in `language`, or why there is none.

        `payers` are whom a Claude call would be made for (the servers charged against their
        share of the daily budget); a cached summary costs nobody anything. Never raises for
        API failures, timeouts, budget or invalid output: those are fallbacks. Raise
        InvalidLanguageError for a `language` that is not one.
        """
        language = normalize_language(language, self._settings.default_language)
        if self._client is None:
            return SummaryOutcome(fallback=FallbackReason.NO_API_KEY)
        key = SummaryKey(paper.base_id, paper.version, language, self._prompts.version, self.model)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(
                self._produce(key, paper, self._client, payers or Payers()),
                name=f"summarize {key}",
            )
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._forget(key, done))
        # Shielded: a caller that gives up (a cancelled command) does not cancel the call
        # that other digests are waiting for.
        return await asyncio.shield(task)

    async def cached(self, paper: Paper, language: str) -> Summary | None:
        """Return the stored summary of `paper` in `language`, never calling Claude.

        "Details" shows what the digest showed: the summary written for it, if there was one.
        """
        language = normalize_language(language, self._settings.default_language)
        key = SummaryKey(paper.base_id, paper.version, language, self._prompts.version, self.model)
        return await store.get_summary(self._db, key)

    async def summarize_many(
        self,
        papers: Sequence[Paper],
        language: str,
        payers: Mapping[str, Payers] | None = None,
    ) -> dict[tuple[str, int], SummaryOutcome]:
        """Summarize every distinct paper version, concurrently; key the outcomes by version.

        `payers` maps a base id to whom its call would be made for (default: nobody in
        particular).
        """
        unique = {(paper.base_id, paper.version): paper for paper in papers}
        by_id = payers or {}
        outcomes = await asyncio.gather(
            *(self.summarize(p, language, payers=by_id.get(p.base_id)) for p in unique.values())
        )
        return dict(zip(unique, outcomes, strict=True))

    async def usage_report(self) -> UsageReport:
        """Return tokens and estimated cost today and this month, caps reached, last fallbacks."""
        now = self._now()
        start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        return UsageReport(
            configured=self.configured,
            model=self.model,
            prompt_version=self._prompts.version,
            today=await store.usage_for_day(self._db, day_key(now)),
            month=await store.usage_for_month(self._db, month_key(now)),
            summaries_today=await store.count_summaries_since(self._db, start_of_day),
            daily_budget_usd=self._settings.daily_budget_usd,
            monthly_budget_usd=self._settings.monthly_budget_usd,
            budget_hits=tuple(
                await store.budget_hits(self._db, day=day_key(now), month=month_key(now))
            ),
            recent_fallbacks=tuple(await store.recent_fallbacks(self._db, RECENT_FALLBACKS)),
            fallbacks_today=tuple(await store.fallbacks_since(self._db, start_of_day)),
        )

    async def server_usage(self, guild_id: int) -> ServerUsage:
        """Return what a server was charged today, against its share (GUILD_DAILY_BUDGET_SHARE)."""
        spent = await store.server_spending(self._db, day_key(self._now()))
        share, cap = self._settings.guild_daily_budget_share, self._settings.daily_budget_usd
        return ServerUsage(
            spent_today_usd=spent.get(guild_id, 0.0),
            share_usd=None if share is None or cap is None else share * cap,
        )

    async def aclose(self) -> None:
        """Cancel the calls still in flight (at shutdown) and wait for them to end."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- one key ------------------------------------------------------------------------------

    async def _produce(
        self, key: SummaryKey, paper: Paper, client: ClaudeClient, payers: Payers
    ) -> SummaryOutcome:
        """Summarize one key; whatever goes wrong, the paper falls back to its abstract.

        This is the boundary that keeps a digest going: an API failure or budget arrives as
        a SummaryError with its reason; anything else (an answer the SDK or our parsing
        chokes on, a bug) becomes "invalid answer". Each fallback is logged once and
        recorded for /status, and never cached, so a later run asks Claude again.
        """
        try:
            return await self._summary_or_error(key, paper, client, payers)
        except SummaryError as exc:
            log.warning("summary of %s (%s) fell back: %s", paper.versioned_id, key.language, exc)
            reason, detail = exc.reason, exc.detail
        except Exception as exc:
            detail = _describe(exc)
            log.warning(
                "summary of %s (%s) fell back: %s: %s",
                paper.versioned_id,
                key.language,
                FallbackReason.INVALID_ANSWER,
                detail,
            )
            log.debug("where the summary of %s failed", paper.versioned_id, exc_info=exc)
            reason = FallbackReason.INVALID_ANSWER
        await self._record_fallback(key, reason, detail)
        return SummaryOutcome(fallback=reason)

    async def _summary_or_error(
        self, key: SummaryKey, paper: Paper, client: ClaudeClient, payers: Payers
    ) -> SummaryOutcome:
        """Serve the cache, or call Claude within the concurrency limit; store a valid summary.

        Bot processes sharing a PostgreSQL database take the key's lock around the call, so
        Claude is asked once per key across all of them: the second finds the first's
        summary in the cache (bot/fleet.py). The concurrency slot is taken first, so a
        waiting call never holds a database connection.
        """
        cached = await store.get_summary(self._db, key)
        if cached is not None:
            return SummaryOutcome(summary=cached)
        async with self._limit, self._db.exclusive(f"summary:{_lock_name(key)}"):
            cached = await store.get_summary(self._db, key)
            if cached is not None:
                return SummaryOutcome(summary=cached)
            output, usage = await self._checked_output(key, paper, client, payers)
            summary = Summary(
                tldr=output.tldr,
                motivation=output.motivation,
                method=output.method,
                results=output.results,
                model=key.model,
                language=key.language,
            )
            # Within the limit, as every usage record: the next call's budget check sees it.
            await self._store(key, summary, usage, paper)
        return SummaryOutcome(summary=summary)

    async def _store(
        self, key: SummaryKey, summary: Summary, usage: CallUsage, paper: Paper
    ) -> None:
        """Cache a valid summary with its call's usage record, in one transaction (one commit).

        If that fails, the summary is still good and paid for: it is used now and not cached
        (a later run asks again), and its usage is recorded on its own, since its cost counts
        against the budget; if that fails too, the paper falls back, as when any usage record
        cannot be written.
        """
        try:
            await store.put_summary(self._db, key, summary, self._now(), usage=usage)
        except Exception as exc:
            log.warning("could not cache the summary of %s: %s", paper.versioned_id, exc)
            await self._record_usage(key, usage)

    async def _record_fallback(self, key: SummaryKey, reason: FallbackReason, detail: str) -> None:
        """Record a fallback for /status; if the store refuses, the warning logged is enough."""
        try:
            await store.record_fallback(self._db, key, reason, detail[:_MAX_DETAIL], self._now())
        except Exception as exc:
            log.debug("could not record the fallback of %s: %s", key.base_id, exc)

    async def _checked_output(
        self, key: SummaryKey, paper: Paper, client: ClaudeClient, payers: Payers
    ) -> tuple[SummaryOutput, CallUsage]:
        """Call Claude until an answer passes every check (at most twice).

        Record each rejected call's usage here; return the passing answer with its call's
        usage record, which the caller writes with the summary.
        """
        prompt = self._prompts.render(paper, key.language)
        source = source_text(paper)
        problems: list[str] = []
        for attempt in range(1, OUTPUT_ATTEMPTS + 1):
            charged = await check_budget(self._db, self._settings, self._now(), payers)
            reply = await client.summarize(prompt)
            if reply.output is None:
                problems = [reply.problem or "no output"]
            else:
                problems = output_problems(reply.output, source)
            usage = self._call_usage(key, reply.usage, valid=not problems, servers=charged)
            if reply.output is not None and not problems:
                return reply.output, usage
            await self._record_usage(key, usage)
            log.info(
                "rejected output for %s, attempt %d: %s", paper.versioned_id, attempt, problems
            )
        raise SummaryError(FallbackReason.INVALID_OUTPUT, "; ".join(problems))

    async def _record_usage(self, key: SummaryKey, usage: CallUsage) -> None:
        """Record one call's usage on its own (a rejected answer, or a summary not cached)."""
        await store.record_usage(
            self._db,
            key,
            now=self._now(),
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=usage.cost_usd,
            valid=usage.valid,
            servers=usage.servers,
        )

    def _call_usage(
        self, key: SummaryKey, usage: TokenUsage, *, valid: bool, servers: Sequence[int]
    ) -> CallUsage:
        """Return one call's usage record: its tokens, their estimated cost, who pays."""
        cost = estimate_cost_usd(usage, key.model, self._settings)
        return CallUsage(usage.input_tokens, usage.output_tokens, cost, valid, tuple(servers))

    def _now(self) -> dt.datetime:
        now = self._clock()
        if now.utcoffset() is None:
            raise ValueError("the summarizer's clock must return timezone-aware times")
        return now.astimezone(dt.UTC)

    def _forget(self, key: SummaryKey, task: asyncio.Task[SummaryOutcome]) -> None:
        """Drop a finished call from the in-flight map; mark its error as seen by its callers."""
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()


def _describe(exc: BaseException) -> str:
    """Return an exception as one short line: its type and the start of its message."""
    text = " ".join(str(exc).split())
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line if len(line) <= 200 else line[:199] + "…"


def _lock_name(key: SummaryKey) -> str:
    """Return the name of a summary key's lock across processes."""
    return f"{key.base_id}v{key.version}:{key.language}:{key.prompt_version}:{key.model}"
