"""Deep dives: one per (paper version, language, prompt version, model), cached and shared.

The "Deep dive" button asks this service. Like the summarizer, it serves the database cache,
makes one Claude call for concurrent requests of the same key, keeps a concurrency limit,
refuses calls past the daily or monthly budget (which summaries and deep dives share), and
turns every failure into a `FallbackReason` that is never cached, so the next click tries
again (README, "Deep dives").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from bot.config import Settings
from bot.deep_dive.model import DeepDive, DeepDiveOutcome, KeyNumber
from bot.deep_dive.prompts import checked_source
from bot.deep_dive.schema import DeepDiveOutput, deep_dive_problems
from bot.errors import SummaryError
from bot.models import FallbackReason, Paper
from bot.singleflight import SingleFlight
from bot.store import deep_dives as store
from bot.store.db import Database
from bot.store.summaries import SummaryKey, record_usage
from bot.summarize.budget import TokenUsage, estimate_cost_usd
from bot.summarize.claude import ClaudeClient
from bot.summarize.prompts import PromptSet
from bot.summarize.service import OUTPUT_ATTEMPTS, normalize_language
from bot.summarize.spending import Payers, check_budget
from bot.timeutil import utc_now

log = logging.getLogger(__name__)

# Room for the schema's 5,000 characters in any script (up to a token per character in
# Chinese or Japanese) plus JSON syntax.
DEEP_DIVE_MAX_TOKENS = 6_000


class DeepDiver:
    """Deep dives for the whole process: cache, single-flight, concurrency, budget, fallback."""

    def __init__(
        self,
        db: Database,
        client: ClaudeClient | None,
        settings: Settings,
        *,
        prompts: PromptSet,
        clock: Callable[[], dt.datetime] = utc_now,
        concurrency: int | None = None,
    ) -> None:
        self._db = db
        self._client = client
        self._settings = settings
        self._prompts = prompts
        self._clock = clock
        self.model = client.model if client is not None else settings.anthropic_model
        self._limit = asyncio.Semaphore(concurrency or settings.summary_concurrency)
        self._flights: SingleFlight[SummaryKey, DeepDiveOutcome] = SingleFlight()

    @property
    def configured(self) -> bool:
        """Return whether Claude is configured (an API key is set); without it, no deep dives."""
        return self._client is not None

    async def deep_dive(
        self, paper: Paper, language: str, *, payers: Payers | None = None
    ) -> DeepDiveOutcome:
        """Return the deep dive of `paper` in `language`, or why there is none.

        `payers`: whom the call is made for (the server whose member clicked), charged
        against its share of the daily budget like a summary (bot.summarize.spending).
        Never raises for API failures, timeouts, budget or invalid output: those are
        fallbacks. Raise InvalidLanguageError for a `language` that is not one.
        """
        language = normalize_language(language, self._settings.default_language)
        client = self._client
        if client is None:
            return DeepDiveOutcome(fallback=FallbackReason.NO_API_KEY)
        key = SummaryKey(paper.base_id, paper.version, language, self._prompts.version, self.model)
        return await self._flights.run(
            key,
            lambda: self._produce(key, paper, client, payers or Payers()),
            name=f"deep dive {paper.versioned_id} ({language})",
        )

    async def aclose(self) -> None:
        """Cancel the calls still in flight (at shutdown) and wait for them to end."""
        await self._flights.aclose()

    async def _produce(
        self, key: SummaryKey, paper: Paper, client: ClaudeClient, payers: Payers
    ) -> DeepDiveOutcome:
        """Deep-dive one key; whatever goes wrong, the member gets the reason.

        The same boundary as the summarizer's: an API failure or budget arrives as a
        SummaryError with its reason; anything else (an answer the SDK or our parsing chokes
        on, a bug) is "invalid answer". Logged once, never cached.
        """
        try:
            return await self._deep_dive_or_error(key, paper, client, payers)
        except SummaryError as exc:
            log.warning("deep dive of %s (%s) fell back: %s", paper.versioned_id, key.language, exc)
            return DeepDiveOutcome(fallback=FallbackReason(exc.reason))
        except Exception as exc:
            log.warning(
                "deep dive of %s (%s) fell back: %s: %s",
                paper.versioned_id,
                key.language,
                FallbackReason.INVALID_ANSWER,
                _describe(exc),
            )
            log.debug("where the deep dive of %s failed", paper.versioned_id, exc_info=exc)
            return DeepDiveOutcome(fallback=FallbackReason.INVALID_ANSWER)

    async def _deep_dive_or_error(
        self, key: SummaryKey, paper: Paper, client: ClaudeClient, payers: Payers
    ) -> DeepDiveOutcome:
        """Serve the cache, or call Claude within the concurrency limit; store a valid answer."""
        cached = await store.get_deep_dive(self._db, key)
        if cached is not None:
            return DeepDiveOutcome(deep_dive=cached)
        async with self._limit:
            output = await self._checked_output(key, paper, client, payers)
        deep_dive = _deep_dive(output, key)
        try:
            await store.put_deep_dive(self._db, key, deep_dive, self._now())
        except Exception as exc:
            # Good and paid for: show it now; not cached, so a later click asks again.
            log.warning("could not cache the deep dive of %s: %s", paper.versioned_id, exc)
        return DeepDiveOutcome(deep_dive=deep_dive)

    async def _checked_output(
        self, key: SummaryKey, paper: Paper, client: ClaudeClient, payers: Payers
    ) -> DeepDiveOutput:
        """Call Claude until an answer passes every check (at most twice); record each call."""
        prompt = self._prompts.render(paper, key.language)
        source = checked_source(paper)
        problems: list[str] = []
        for attempt in range(1, OUTPUT_ATTEMPTS + 1):
            servers = await check_budget(self._db, self._settings, self._now(), payers)
            reply = await client.read_pdf(
                paper.pdf_url, prompt, DeepDiveOutput, max_tokens=DEEP_DIVE_MAX_TOKENS
            )
            if reply.output is None:
                problems = [reply.problem or "no output"]
            else:
                problems = deep_dive_problems(reply.output, source)
            await self._record_usage(key, reply.usage, valid=not problems, servers=servers)
            if reply.output is not None and not problems:
                return reply.output
            log.info(
                "rejected deep dive of %s, attempt %d: %s", paper.versioned_id, attempt, problems
            )
        raise SummaryError(FallbackReason.INVALID_OUTPUT, "; ".join(problems))

    async def _record_usage(
        self, key: SummaryKey, usage: TokenUsage, *, valid: bool, servers: tuple[int, ...]
    ) -> None:
        await record_usage(
            self._db,
            key,
            now=self._now(),
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cost_usd=estimate_cost_usd(usage, key.model, self._settings),
            valid=valid,
            purpose="deep-dive",
            servers=servers,
        )

    def _now(self) -> dt.datetime:
        now = self._clock()
        if now.utcoffset() is None:
            raise ValueError("the deep diver's clock must return timezone-aware times")
        return now.astimezone(dt.UTC)


def _deep_dive(output: DeepDiveOutput, key: SummaryKey) -> DeepDive:
    return DeepDive(
        overview=output.overview,
        method=output.method,
        experiments=output.experiments,
        limitations=output.limitations,
        key_numbers=tuple(KeyNumber(n.value, n.source) for n in output.key_numbers),
        model=key.model,
        language=key.language,
    )


def _describe(exc: BaseException) -> str:
    """Return an exception as one short line: its type and the start of its message."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 200 else text[:199] + "…"
