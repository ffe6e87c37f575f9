"""The one wrapper of the Anthropic SDK: send a summary prompt, get back checked JSON and usage.

The `AsyncAnthropic` client is opened once in `main()` (see `open_sdk_client`) and passed in;
its own `timeout` and `max_retries` handle transient failures, and this module adds no retry
loop of its own (STYLE habit 4). SDK errors become `SummaryError` with a `FallbackReason`.

Structured output: the request carries `output_config.format` with our pydantic model's JSON
schema, transformed by the SDK's `transform_schema`, which is exactly what `messages.parse`
sends. We call `messages.create` and validate the text ourselves instead of `parse` because
`parse` raises on invalid JSON before we can read the response's token usage, and a budget
must count the tokens of every answer it paid for.

`read_pdf` does the same for a prompt that comes with a paper's PDF, which the API fetches
from its arXiv URL itself (deep dives, bot/deep_dive/). `look_up_model` asks the Models API
about the configured model, which costs nothing (`arxiv-digest-bot check`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

import anthropic
from anthropic import transform_schema
from anthropic.types import (
    DocumentBlockParam,
    Message,
    MessageParam,
    OutputConfigParam,
    TextBlock,
    TextBlockParam,
)
from pydantic import BaseModel, ValidationError

from bot.config import Settings
from bot.errors import SummaryError
from bot.models import FallbackReason
from bot.summarize.budget import TokenUsage
from bot.summarize.prompts import RenderedPrompt
from bot.summarize.schema import SummaryOutput, output_json_schema

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

# Room for four bounded fields (400 + 3 x 600 characters) in any script, plus JSON syntax.
DEFAULT_MAX_TOKENS = 2_000


@dataclass(frozen=True, slots=True)
class ClaudeReply:
    """One answer: the parsed output, or why it does not fit the schema; and its usage."""

    output: SummaryOutput | None
    problem: str | None
    usage: TokenUsage


@dataclass(frozen=True, slots=True)
class StructuredReply(Generic[M]):
    """One answer to a request with its own output type (`read_pdf`); as ClaudeReply."""

    output: M | None
    problem: str | None
    usage: TokenUsage


@asynccontextmanager
async def open_sdk_client(settings: Settings) -> AsyncIterator[anthropic.AsyncAnthropic | None]:
    """Open the process's one `AsyncAnthropic` client, or yield None without an API key.

    `base_url` None lets the SDK use `ANTHROPIC_BASE_URL` or its default.
    """
    if settings.anthropic_api_key is None:
        yield None
        return
    client = anthropic.AsyncAnthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=settings.anthropic_base_url,
        timeout=settings.anthropic_timeout_seconds,
        max_retries=settings.anthropic_max_retries,
    )
    async with client:
        yield client


class ModelLookup(StrEnum):
    """What the Models API said about the configured key and model."""

    FOUND = "found"
    KEY_REFUSED = "key refused"
    UNKNOWN_MODEL = "unknown model"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ModelCheck:
    """The answer of `look_up_model`: the outcome, the model's id, its lifecycle, a detail."""

    outcome: ModelLookup
    model_id: str | None = None
    #: "active", "deprecated" (still callable, headed for retirement) or "retired".
    lifecycle: str | None = None
    detail: str = ""


async def look_up_model(
    sdk: anthropic.AsyncAnthropic,
    model: str,
    *,
    timeout: float,  # noqa: ASYNC109  (the SDK's own per-request timeout)
) -> ModelCheck:
    """Ask the Models API about `model` (an id or an alias): a free call that also shows
    whether the API key is accepted (https://platform.claude.com/docs/en/api/models/retrieve).
    """
    try:
        info = await sdk.with_options(timeout=timeout, max_retries=1).models.retrieve(model)
    except (anthropic.AuthenticationError, anthropic.PermissionDeniedError) as exc:
        return ModelCheck(ModelLookup.KEY_REFUSED, detail=f"HTTP {exc.status_code} {exc.type}")
    except anthropic.NotFoundError as exc:
        return ModelCheck(ModelLookup.UNKNOWN_MODEL, detail=f"HTTP {exc.status_code} {exc.type}")
    except (anthropic.APITimeoutError, anthropic.APIConnectionError) as exc:
        return ModelCheck(ModelLookup.UNREACHABLE, detail=_short(exc))
    except anthropic.APIStatusError as exc:
        return ModelCheck(ModelLookup.FAILED, detail=f"HTTP {exc.status_code} {exc.type or ''}")
    except anthropic.AnthropicError as exc:
        return ModelCheck(ModelLookup.FAILED, detail=_short(exc))
    lifecycle = getattr(info, "lifecycle", None)
    return ModelCheck(ModelLookup.FOUND, model_id=info.id, lifecycle=lifecycle)


class ClaudeClient:
    """Ask Claude for one structured summary per call."""

    def __init__(
        self,
        sdk: anthropic.AsyncAnthropic,
        *,
        model: str,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        self._sdk = sdk
        self.model = model
        self._max_tokens = max_tokens
        self._schema = output_json_schema()

    async def summarize(self, prompt: RenderedPrompt) -> ClaudeReply:
        """Send `prompt`; return the schema-checked output and the tokens it cost.

        Raise `SummaryError` (reason: a `FallbackReason`) when the API gives no answer, or
        an answer that is not a message ("invalid answer": an HTML page, JSON of another
        shape, no usage, a truncated body).
        """
        message = await self._create(
            model=self.model,
            max_tokens=self._max_tokens,
            system=prompt.system,
            messages=[{"role": "user", "content": prompt.user}],
            output_config={"format": {"type": "json_schema", "schema": self._schema}},
        )
        output, problem, usage = _read(message, SummaryOutput)
        return ClaudeReply(output=output, problem=problem, usage=usage)

    async def read_pdf(
        self, pdf_url: str, prompt: RenderedPrompt, output_type: type[M], *, max_tokens: int
    ) -> StructuredReply[M]:
        """Send `prompt` with the PDF at `pdf_url`, which the API fetches itself; return the
        output checked against `output_type` and the tokens it cost (the PDF's included).

        The PDF goes first as a document block with a URL source, then the prompt's text
        (https://platform.claude.com/docs/en/build-with-claude/pdf-support: at most 100
        pages and 32 MB, or the API refuses the request). Raise `SummaryError` like
        `summarize`.
        """
        content: list[DocumentBlockParam | TextBlockParam] = [
            {"type": "document", "source": {"type": "url", "url": pdf_url}},
            {"type": "text", "text": prompt.user},
        ]
        message = await self._create(
            model=self.model,
            max_tokens=max_tokens,
            system=prompt.system,
            messages=[{"role": "user", "content": content}],
            output_config={
                "format": {"type": "json_schema", "schema": transform_schema(output_type)}
            },
        )
        output, problem, usage = _read(message, output_type)
        return StructuredReply(output=output, problem=problem, usage=usage)

    async def _create(
        self,
        *,
        model: str,
        max_tokens: int,
        system: str,
        messages: list[MessageParam],
        output_config: OutputConfigParam,
    ) -> Message:
        """Make one Messages API call; turn every way it can fail into a SummaryError."""
        try:
            return await self._sdk.messages.create(
                model=model,
                max_tokens=max_tokens,
                system=system,
                messages=messages,
                output_config=output_config,
            )
        except anthropic.APIResponseValidationError as exc:
            raise SummaryError(FallbackReason.INVALID_ANSWER, _short(exc)) from exc
        except anthropic.AnthropicError as exc:
            raise _translate(exc) from exc
        except Exception as exc:
            # The SDK reads the body itself: a truncated or non-JSON one fails in there.
            raise SummaryError(FallbackReason.INVALID_ANSWER, _short(exc)) from exc


def _read(message: Message, output_type: type[M]) -> tuple[M | None, str | None, TokenUsage]:
    """Return the answer's output (or why it does not fit `output_type`) and its usage.

    Raise an "invalid answer" SummaryError when the answer is not a message at all.
    """
    try:
        usage = _usage(message)
        output, problem = _parse_as(message, output_type)
    except Exception as exc:
        # The SDK does not validate a 200's body: an HTML page arrives as a str and JSON
        # of another shape as a Message missing its fields.
        raise SummaryError(FallbackReason.INVALID_ANSWER, _not_a_message(message, exc)) from exc
    return output, problem, usage


def _usage(message: Message) -> TokenUsage:
    """Return the billed tokens; prompt-cache reads and writes count as input (conservative).

    Raise ValueError when the answer carries no usable token counts.
    """
    usage = message.usage
    counts = [
        usage.input_tokens,
        usage.output_tokens,
        usage.cache_creation_input_tokens or 0,
        usage.cache_read_input_tokens or 0,
    ]
    if not all(isinstance(count, int) and count >= 0 for count in counts):
        raise ValueError(f"usage is not token counts: {counts!r}"[:120])
    inputs, outputs, created, read = counts
    return TokenUsage(input_tokens=inputs + created + read, output_tokens=outputs)


def _parse_as(message: Message, output_type: type[M]) -> tuple[M | None, str | None]:
    """Validate the answer's text against `output_type`; return it or the reason it fails."""
    if message.stop_reason not in ("end_turn", "stop_sequence"):
        return None, f"stop reason {message.stop_reason}"
    text = "".join(block.text for block in message.content if isinstance(block, TextBlock))
    try:
        return output_type.model_validate_json(text), None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "output"
        return None, f"schema: {where}: {first['msg']}"


def _translate(exc: anthropic.AnthropicError) -> SummaryError:
    """Map an SDK error to the fallback reason readers see.

    Status codes and error types: https://docs.anthropic.com/en/api/errors
    (429 rate_limit_error, 529 overloaded_error, 504 timeout_error, 500 api_error).
    """
    if isinstance(exc, anthropic.APITimeoutError):
        return SummaryError(FallbackReason.TIMEOUT, "no answer within the timeout")
    if isinstance(exc, anthropic.APIStatusError):
        error_type = exc.type or ""
        detail = f"HTTP {exc.status_code} {error_type}".strip()
        if isinstance(exc, anthropic.RateLimitError) or error_type == "rate_limit_error":
            return SummaryError(FallbackReason.RATE_LIMITED, detail)
        if exc.status_code == 529 or error_type == "overloaded_error":
            return SummaryError(FallbackReason.OVERLOADED, detail)
        if exc.status_code in (408, 504) or error_type == "timeout_error":
            return SummaryError(FallbackReason.TIMEOUT, detail)
        if isinstance(exc, anthropic.AuthenticationError | anthropic.PermissionDeniedError):
            log.error("Claude refused the API key (%s); check ANTHROPIC_API_KEY", detail)
        return SummaryError(FallbackReason.API_ERROR, detail)
    if isinstance(exc, anthropic.APIConnectionError):
        return SummaryError(FallbackReason.API_ERROR, "cannot reach the API")
    return SummaryError(FallbackReason.API_ERROR, type(exc).__name__)


def _not_a_message(answer: object, exc: Exception) -> str:
    """Say what came back instead of a message, briefly (an HTML page, a wrong shape)."""
    if isinstance(answer, str | bytes):
        start = " ".join(str(answer)[:60].split())
        return f"the API answered with text, not a message: {start!r}"
    return f"the API's answer is not a message: {_short(exc)}"


def _short(exc: BaseException) -> str:
    """Return an exception as one line of at most 160 characters."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 160 else text[:159] + "…"
