"""The process's metrics, in Prometheus' text format (`GET /metrics`, README "Operating").

One `Metrics` per process, made in `open_services` and passed in (no module-level registry):
the poll job reports each poll, a `CountingSender` wraps the Discord sender and a
`CountingClaude` the Claude client, so the services they serve need no metrics code of their
own. The outbox's queue depth is read from the database when `/metrics` is asked for.
Counters start at zero for every label value a reader can expect, so that a rate over a
label that never happened yet is 0 rather than missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import anthropic
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)
from pydantic import BaseModel

from bot.config import Settings
from bot.delivery.sender import Sender, SendError
from bot.errors import SummaryError
from bot.models import FallbackReason
from bot.outcomes import PollResult, PollStatus, SendProblem
from bot.store import deliveries
from bot.store.db import Database
from bot.store.deliveries import OutboxMessage
from bot.summarize.budget import TokenUsage, estimate_cost_usd
from bot.summarize.claude import ClaudeClient, ClaudeReply, StructuredReply
from bot.summarize.prompts import RenderedPrompt
from bot.targets.model import TargetKey, TargetKind

M = TypeVar("M", bound=BaseModel)

#: The Content-Type of `render()`'s output.
CONTENT_TYPE = CONTENT_TYPE_LATEST

#: What a Claude call came to: "ok" (an answer that fits the schema), "invalid_output"
#: (an answer that does not), or the fallback reason of a call that got no usable answer.
_NOT_CALLS = (FallbackReason.NO_API_KEY, FallbackReason.BUDGET, FallbackReason.INVALID_OUTPUT)
CALL_RESULTS = (
    "ok",
    "invalid_output",
    *(reason.name.lower() for reason in FallbackReason if reason not in _NOT_CALLS),
)
CALL_KINDS = ("summary", "deep_dive")


def label(value: PollStatus | SendProblem | FallbackReason | TargetKind) -> str:
    """Return an enum member as a label value: its name in lower case (`not_modified`)."""
    return value.name.lower()


class Metrics:
    """Every metric of the process, in its own registry."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.registry = CollectorRegistry()
        registry = self.registry
        self.polls = Counter(
            "arxiv_digest_polls",
            "Polls of the announcement feed, by result.",
            ["result"],
            registry=registry,
        )
        self.papers = Counter(
            "arxiv_digest_papers_recorded",
            "Papers read from feed answers that had entries (a 304 records none).",
            registry=registry,
        )
        self.last_poll = Gauge(
            "arxiv_digest_last_poll_timestamp_seconds",
            "When the last poll of the feed ended (Unix time; 0 before the first).",
            registry=registry,
        )
        self.messages_sent = Counter(
            "arxiv_digest_messages_sent",
            "Messages Discord accepted, by target kind (channel digest or member DM).",
            ["target"],
            registry=registry,
        )
        self.send_failures = Counter(
            "arxiv_digest_send_failures",
            "Messages Discord did not take, by target kind and problem.",
            ["target", "problem"],
            registry=registry,
        )
        self.claude_calls = Counter(
            "arxiv_digest_claude_calls",
            "Calls to the Claude Messages API, by kind and result.",
            ["kind", "result"],
            registry=registry,
        )
        self.claude_tokens = Counter(
            "arxiv_digest_claude_tokens",
            "Tokens billed by Claude, by direction (input or output).",
            ["direction"],
            registry=registry,
        )
        self.claude_cost = Counter(
            "arxiv_digest_claude_cost_usd",
            "Estimated cost of the Claude calls, in USD (the price table of the settings).",
            registry=registry,
        )
        self.queue_depth = Gauge(
            "arxiv_digest_outbox_pending_messages",
            "Messages recorded in the outbox and not sent yet (read at each scrape).",
            registry=registry,
        )
        self.discord_connected = Gauge(
            "arxiv_digest_discord_connected",
            "1 while the gateway connection to Discord is up, else 0.",
            registry=registry,
        )
        for status in PollStatus:
            self.polls.labels(label(status))
        for kind in TargetKind:
            self.messages_sent.labels(label(kind))
            for problem in SendProblem:
                self.send_failures.labels(label(kind), label(problem))
        for call_kind in CALL_KINDS:
            for result in CALL_RESULTS:
                self.claude_calls.labels(call_kind, result)
        for direction in ("input", "output"):
            self.claude_tokens.labels(direction)

    def observe_poll(self, result: PollResult | None) -> None:
        """Count one poll of the feed by its result (None: nothing was polled)."""
        if result is None:
            return
        self.polls.labels(label(result.status)).inc()
        self.papers.inc(result.papers)
        self.last_poll.set(self._clock())

    def observe_sent(self, target: TargetKey) -> None:
        """Count one message Discord accepted."""
        self.messages_sent.labels(label(target.kind)).inc()

    def observe_send_failure(self, target: TargetKey, problem: SendProblem) -> None:
        """Count one message Discord did not take."""
        self.send_failures.labels(label(target.kind), label(problem)).inc()

    def observe_claude_call(self, kind: str, result: str, usage: TokenUsage, cost: float) -> None:
        """Count one Claude call, the tokens it was billed and their estimated cost."""
        self.claude_calls.labels(kind, result).inc()
        self.claude_tokens.labels("input").inc(usage.input_tokens)
        self.claude_tokens.labels("output").inc(usage.output_tokens)
        self.claude_cost.inc(cost)

    def observe_discord(self, *, connected: bool) -> None:
        """Record whether the gateway connection is up."""
        self.discord_connected.set(1 if connected else 0)

    async def render(self, db: Database) -> bytes:
        """Read the queue depth from the database, then return every metric as text."""
        self.queue_depth.set(await deliveries.count_pending(db))
        return generate_latest(self.registry)


class CountingSender:
    """A `Sender` that counts what Discord accepted and refused, then passes everything on."""

    def __init__(self, sender: Sender, metrics: Metrics) -> None:
        self._sender = sender
        self._metrics = metrics

    async def send(
        self,
        target: TargetKey,
        payload: Mapping[str, Any],
        nonce: str,
        *,
        thread_id: int | None = None,
    ) -> int:
        """Send through the wrapped sender; count the message or its failure."""
        try:
            message_id = await self._sender.send(target, payload, nonce, thread_id=thread_id)
        except SendError as exc:
            self._metrics.observe_send_failure(target, exc.problem)
            raise
        self._metrics.observe_sent(target)
        return message_id

    async def find_sent(
        self,
        target: TargetKey,
        messages: Sequence[OutboxMessage],
        *,
        thread_id: int | None = None,
    ) -> dict[int, int]:
        """Pass on: reading history is not a post."""
        return await self._sender.find_sent(target, messages, thread_id=thread_id)

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> int:
        """Pass on: opening a thread sends no message."""
        return await self._sender.open_thread(channel_id, message_id, name)

    async def open_forum_post(
        self, channel_id: int, name: str, payload: Mapping[str, Any], labels: Sequence[str]
    ) -> int:
        """Create the post through the wrapped sender; its first message counts as sent."""
        target = TargetKey.channel(channel_id)
        try:
            post_id = await self._sender.open_forum_post(channel_id, name, payload, labels)
        except SendError as exc:
            self._metrics.observe_send_failure(target, exc.problem)
            raise
        self._metrics.observe_sent(target)
        return post_id

    async def find_forum_post(self, channel_id: int, name: str) -> int | None:
        """Pass on: looking for a post is not a post."""
        return await self._sender.find_forum_post(channel_id, name)

    async def notify_guild(self, guild_id: int, text: str) -> bool:
        """Pass on: a notice to a server is not a digest message."""
        return await self._sender.notify_guild(guild_id, text)


class CountingClaude(ClaudeClient):
    """The Claude client, counting every call it makes: result, tokens and estimated cost."""

    def __init__(
        self, sdk: anthropic.AsyncAnthropic, *, model: str, settings: Settings, metrics: Metrics
    ) -> None:
        super().__init__(sdk, model=model)
        self._settings = settings
        self._metrics = metrics

    async def summarize(self, prompt: RenderedPrompt) -> ClaudeReply:
        """Summarize as the client does; count the call."""
        try:
            reply = await super().summarize(prompt)
        except SummaryError as exc:
            self._count("summary", label(exc.reason), TokenUsage(0, 0))
            raise
        self._count("summary", _result(reply.output), reply.usage)
        return reply

    async def read_pdf(
        self, pdf_url: str, prompt: RenderedPrompt, output_type: type[M], *, max_tokens: int
    ) -> StructuredReply[M]:
        """Read a PDF as the client does; count the call."""
        try:
            reply = await super().read_pdf(pdf_url, prompt, output_type, max_tokens=max_tokens)
        except SummaryError as exc:
            self._count("deep_dive", label(exc.reason), TokenUsage(0, 0))
            raise
        self._count("deep_dive", _result(reply.output), reply.usage)
        return reply

    def _count(self, kind: str, result: str, usage: TokenUsage) -> None:
        cost = estimate_cost_usd(usage, self.model, self._settings) if usage.input_tokens else 0.0
        self._metrics.observe_claude_call(kind, result, usage, cost)


def _result(output: object | None) -> str:
    """Return the result label of a call that got an answer: did it fit the schema?"""
    return "ok" if output is not None else "invalid_output"
