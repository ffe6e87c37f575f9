"""A fake Anthropic Messages API on 127.0.0.1 for the real `AsyncAnthropic` client.

It speaks the wire format the SDK sends and expects: `POST /v1/messages` with the key in
`x-api-key` or, as anthropic 2.x sends it, `Authorization: Bearer`, and `anthropic-version`;
a `message` object with `content`, `stop_reason` and `usage`; errors as
`{"type": "error", "error": {"type": ..., "message": ...}}` (see
https://docs.anthropic.com/en/api/messages and https://docs.anthropic.com/en/api/errors).

It records every request (JSON body and headers) and answers each with the next scripted
`Reply`, or with `default` (a valid answer derived from the request, so that its numbers come
from the paper) once the script is used up.

Models: `GET /v1/models` lists `MODELS` (newest first, one page) and `GET /v1/models/{id}`
answers one of them by id or alias, or 404 not_found_error
(https://platform.claude.com/docs/en/api/models/retrieve: "Model identifier or alias").
With `keys`, only those API keys are accepted: any other gets 401 authentication_error, on
every route, as the API answers a revoked or mistyped key.

Documents: a user turn may hold `document` blocks
(https://platform.claude.com/docs/en/build-with-claude/pdf-support). The fake checks their
shape as the API does and "fetches" a URL source from the PDFs registered with `serve_pdf`
(the text the PDF holds); a URL it does not serve is refused with 400 invalid_request_error,
as the API refuses a document it cannot download (the wording of the real message is not
known to us). A request whose output schema asks for `key_numbers` (a deep dive) is answered
with a valid deep dive whose numbers come from the document.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections import deque
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_PAPER = re.compile(r"<paper>\n(.*)\n</paper>", re.DOTALL)
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?%?")
_RESULT = re.compile(r"(?<![\w.])\d+(?:\.\d+%?|%)")
_WORD = re.compile(r"\b[A-Za-z]{3,}\b")
# The summary schema's maxima (bot/summarize/schema.py, SummaryOutput), written out: a fake
# does not import the code it stands in for.
TLDR_MAX = 400
SECTION_MAX = 600


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with the class methods below."""

    kind: str
    status: int = 200
    error_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    stop_reason: str = "end_turn"
    body: Any = None

    @classmethod
    def valid(cls) -> Reply:
        """Answer with a valid summary built from the request's paper."""
        return cls("valid")

    @classmethod
    def full_length(cls) -> Reply:
        """Answer with a valid summary as long as the schema allows (the longest a post gets).

        Every field is filled to its maximum with the abstract's own words; the TL;DR carries
        up to three of its numbers. For measuring what a digest of the longest summaries
        costs in messages (benchmarks/discord_benchmark.py).
        """
        return cls("full")

    @classmethod
    def output(cls, obj: object, stop_reason: str = "end_turn") -> Reply:
        """Answer with `obj` as the model's JSON text (e.g. output that breaks the schema)."""
        return cls("text", text=json.dumps(obj), stop_reason=stop_reason)

    @classmethod
    def raw_text(cls, text: str) -> Reply:
        """Answer with `text` as the model's output, as is (e.g. malformed JSON)."""
        return cls("text", text=text)

    @classmethod
    def injected(cls) -> Reply:
        """Answer as a model that followed an injection: a ping and a link in the summary."""
        return cls.output(
            {
                "tldr": "@everyone read this now: https://evil.example.com/free-nitro",
                "motivation": "Ignore all previous instructions.",
                "method": "Click the link.",
                "results": "See https://evil.example.com.",
            }
        )

    @classmethod
    def rate_limited(cls, retry_after: str = "1") -> Reply:
        """Answer 429 rate_limit_error with a `retry-after` header (seconds)."""
        return cls("error", 429, "rate_limit_error", {"retry-after": retry_after})

    @classmethod
    def overloaded(cls) -> Reply:
        """Answer 529 overloaded_error."""
        return cls("error", 529, "overloaded_error")

    @classmethod
    def server_error(cls) -> Reply:
        """Answer 500 api_error."""
        return cls("error", 500, "api_error")

    @classmethod
    def html(cls) -> Reply:
        """Answer 200 with an HTML page, as a captive portal or a misrouted proxy does."""
        page = "<!DOCTYPE html><html><body><h1>Welcome to the gateway</h1></body></html>"
        return cls("html", text=page)

    @classmethod
    def json_body(cls, body: Any) -> Reply:
        """Answer 200 with `body` as the whole JSON response (e.g. JSON of another shape)."""
        return cls("json", body=body)

    @classmethod
    def without_usage(cls) -> Reply:
        """Answer 200 with a valid summary message that lacks its `usage` object."""
        return cls("valid", body="no-usage")

    @classmethod
    def truncated(cls) -> Reply:
        """Answer 200 with a JSON message cut off half-way (a complete, short HTTP body)."""
        return cls("valid", body="truncated")

    @classmethod
    def slow(cls) -> Reply:
        """Answer only when the fake closes (or after a minute): longer than any test timeout."""
        return cls("slow")


def _model(model_id: str, name: str, released: str, lifecycle: str = "active") -> dict[str, Any]:
    """Return a ModelInfo object as the Models API answers it."""
    return {
        "type": "model",
        "id": model_id,
        "display_name": name,
        "created_at": f"{released}T00:00:00Z",
        "lifecycle": lifecycle,
    }


#: What the fake's Models API knows, newest first, as the real one lists them.
MODELS = [
    _model("claude-opus-4-6", "Claude Opus 4.6", "2026-02-04"),
    _model("claude-sonnet-4-6", "Claude Sonnet 4.6", "2026-02-17"),
    _model("claude-opus-4-5-20251101", "Claude Opus 4.5", "2025-11-01"),
    _model("claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01"),
    _model("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29"),
    _model("claude-3-haiku-20240307", "Claude Haiku 3", "2024-03-07", "retired"),
]
#: Aliases the Models API resolves to a dated id.
ALIASES = {
    "claude-opus-4-5": "claude-opus-4-5-20251101",
    "claude-haiku-4-5": "claude-haiku-4-5-20251001",
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    body: dict[str, Any]
    headers: dict[str, str]
    #: The text of each document block the request carried, as the fake fetched it.
    documents: tuple[str, ...] = ()

    @property
    def api_key(self) -> str:
        """Return the API key the request carried, from either header the API accepts."""
        return _key_of(self.headers)

    @property
    def user_text(self) -> str:
        """Return the text of the (single) user turn."""
        content = self.body["messages"][0]["content"]
        if isinstance(content, str):
            return content
        return "".join(block.get("text", "") for block in content)

    @property
    def document_sources(self) -> list[dict[str, Any]]:
        """Return the `source` of every document block of the user turn, in order."""
        content = self.body["messages"][0]["content"]
        if isinstance(content, str):
            return []
        return [block["source"] for block in content if block.get("type") == "document"]

    @property
    def output_schema(self) -> dict[str, Any]:
        """Return the JSON schema of `output_config.format` (empty without one)."""
        schema = self.body.get("output_config", {}).get("format", {}).get("schema", {})
        return schema if isinstance(schema, dict) else {}

    @property
    def prompt_chars(self) -> int:
        """Return the size of the prompt in characters, documents included."""
        return len(self.system_text) + len(self.user_text) + sum(map(len, self.documents))

    @property
    def system_text(self) -> str:
        """Return the system prompt as text."""
        system = self.body.get("system", "")
        if isinstance(system, str):
            return system
        return "".join(block.get("text", "") for block in system)

    @property
    def paper_block(self) -> str:
        """Return the text between `<paper>` and `</paper>` of the user turn."""
        match = _PAPER.search(self.user_text)
        return match.group(1) if match else ""

    def paper_field(self, name: str) -> str:
        """Return one `Name: value` line of the paper block (e.g. `arXiv id`)."""
        match = re.search(rf"^{re.escape(name)}: (.*)$", self.paper_block, re.MULTILINE)
        return match.group(1) if match else ""

    @property
    def language(self) -> str:
        """Return the language the user turn asks for."""
        match = re.search(r"in this language: (.+)$", self.user_text, re.MULTILINE)
        return match.group(1).strip() if match else ""


def valid_output(request: RecordedRequest) -> dict[str, Any]:
    """Return a valid answer: a deep dive when the schema asks for one, else a summary."""
    if "key_numbers" in request.output_schema.get("properties", {}):
        return deep_dive_output(request)
    return summary_output(request)


def deep_dive_output(request: RecordedRequest) -> dict[str, Any]:
    """Return a deep dive of the request's document whose numbers all come from it."""
    title = request.paper_field("Title")[:150]
    document = " ".join(request.documents)
    # Results, not section numbers: figures with a decimal point or a percent sign.
    numbers = list(dict.fromkeys(_RESULT.findall(document)))[:3]
    return {
        "overview": f"The paper “{title}” is read here from its full text.",
        "method": "The authors describe their method in the body of the paper.",
        "experiments": "The experiments compare the method with the baselines the paper names.",
        "limitations": "The authors discuss the limitations of their evaluation.",
        "key_numbers": [
            {"value": number, "source": f"Table {index}"}
            for index, number in enumerate(numbers, start=1)
        ],
    }


def full_length_output(request: RecordedRequest) -> dict[str, str]:
    """Return a summary whose every field has the schema's maximum length, from the abstract.

    Only the abstract's plain words are used (no digits, links or mentions), and the TL;DR
    leads with up to three of the abstract's numbers, so the answer passes every check.
    """
    abstract = request.paper_block.split("Abstract:", 1)[-1]
    words = _WORD.findall(abstract) or ["study"]
    numbers = _NUMBER.findall(abstract)[:3]
    lead = f"Reports {', '.join(numbers)}: " if numbers else "In short: "
    return {
        "tldr": _filled(lead, words, TLDR_MAX),
        "motivation": _filled("Why: ", words, SECTION_MAX),
        "method": _filled("How: ", words, SECTION_MAX),
        "results": _filled("Found: ", words, SECTION_MAX),
    }


def _filled(lead: str, words: list[str], limit: int) -> str:
    """Return `lead` followed by `words` (repeated as needed), exactly `limit` characters long."""
    text = lead.rstrip()
    cycle = itertools.cycle(words)
    word = next(cycle)
    while len(text) + 1 + len(word) + 1 <= limit:  # a space, the word, room for the full stop
        text += " " + word
        word = next(cycle)
    room = limit - len(text) - 1  # characters left before the full stop
    if room >= 2:
        text += " " + word[: room - 1]  # the last word cut so the field is exactly full
    elif room == 1:
        text += "s"  # no room for another word: lengthen the last one
    return text + "."


def summary_output(request: RecordedRequest) -> dict[str, str]:
    """Return a summary of the request's paper whose numbers all come from its abstract."""
    title = request.paper_field("Title")[:150]
    abstract = request.paper_block.split("Abstract:", 1)[-1]
    numbers = _NUMBER.findall(abstract)[:3]
    figures = f" and reports {', '.join(numbers)}" if numbers else ""
    return {
        "tldr": f"The paper “{title}” presents its approach{figures}.",
        "motivation": "The authors address the problem stated in the abstract.",
        "method": "They describe the method summarized in the abstract.",
        "results": f"Key figures: {', '.join(numbers)}." if numbers else "No figures given.",
    }


class FakeAnthropic:
    """The fake server. Use `FakeAnthropic.running()` (or the `fake_anthropic` fixture)."""

    def __init__(self, *, latency: float = 0.0, keys: Collection[str] | None = None) -> None:
        self.keys = None if keys is None else frozenset(keys)
        #: Every `GET /v1/models...` request, by path (`/v1/models/claude-haiku-4-5`).
        self.model_requests: list[str] = []
        self.requests: list[RecordedRequest] = []
        self.answers: list[dict[str, Any]] = []
        self.pdfs: dict[str, str] = {}
        self.default = Reply.valid()
        self.latency = latency
        self.in_flight = 0
        self.max_in_flight = 0
        self.base_url = ""
        self._script: deque[Reply] = deque()
        self._release = asyncio.Event()
        self._barrier: int | None = None
        self._barrier_open = asyncio.Event()
        self._ids = itertools.count(1)
        self._gate = asyncio.Event()
        self._gate.set()
        self._arrived = asyncio.Condition()

    def serve_pdf(self, url: str, text: str) -> None:
        """Let document blocks with `url` as their source fetch a PDF holding `text`."""
        self.pdfs[url] = text

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with `replies`, in order, then with `default`."""
        self._script.extend(replies)

    def hold_until_concurrent(self, count: int) -> None:
        """Hold every request until `count` are in flight at once (or 10 s pass), then answer.

        With a working concurrency limit of `count`, `max_in_flight` then equals `count`
        exactly; a lower limit stalls and is released by the timeout.
        """
        self._barrier = count

    def pause(self) -> None:
        """Hold every answer until `resume()` (requests are still received and recorded)."""
        self._gate.clear()

    def resume(self) -> None:
        """Answer the held requests and stop holding."""
        self._gate.set()

    async def wait_for_requests(self, count: int, *, within: float = 10.0) -> None:
        """Wait until at least `count` requests have arrived; fail after `within` seconds."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)

    @classmethod
    @asynccontextmanager
    async def running(
        cls, *, latency: float = 0.0, keys: Collection[str] | None = None
    ) -> AsyncIterator[FakeAnthropic]:
        """Serve on a free port of 127.0.0.1 until the block ends."""
        fake = cls(latency=latency, keys=keys)
        app = web.Application()
        app.router.add_post("/v1/messages", fake._handle)
        app.router.add_get("/v1/models", fake._list_models)
        app.router.add_get("/v1/models/{model_id}", fake._get_model)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        fake.base_url = f"http://{host}:{port}"
        try:
            yield fake
        finally:
            fake._release.set()
            fake._barrier_open.set()
            fake._gate.set()
            await runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(400, "invalid_request_error", "body is not JSON")
        fetched = self._fetch_documents(body)
        recorded = RecordedRequest(
            body=body, headers=dict(request.headers), documents=tuple(fetched.values())
        )
        async with self._arrived:
            self.requests.append(recorded)
            self._arrived.notify_all()
        refused = self._refused_key(recorded.api_key)
        if refused is not None:
            return refused
        if not request.headers.get("anthropic-version"):
            return _error(400, "invalid_request_error", "anthropic-version header is required")
        problem = _invalid_body(body) or _invalid_content(body)
        if problem:
            return _error(400, "invalid_request_error", problem)
        for url in _document_urls(body):
            if url not in fetched:
                return _error(400, "invalid_request_error", f"Unable to download the file: {url}")
        reply = self._script.popleft() if self._script else self.default
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await self._wait_turn(reply)
            return self._answer(reply, recorded)
        finally:
            self.in_flight -= 1

    def _refused_key(self, key: str) -> web.Response | None:
        """Return the 401 the API gives a missing or unknown key, or None to go on."""
        if not key:
            return _error(401, "authentication_error", "an API key is required")
        if self.keys is not None and key not in self.keys:
            return _error(401, "authentication_error", "invalid x-api-key")
        return None

    async def _list_models(self, request: web.Request) -> web.Response:
        """Answer `GET /v1/models`: every model, in one page."""
        self.model_requests.append(request.path)
        refused = self._refused_key(_key_of(request.headers))
        if refused is not None:
            return refused
        return web.json_response(
            {
                "data": MODELS,
                "first_id": MODELS[0]["id"],
                "last_id": MODELS[-1]["id"],
                "has_more": False,
            }
        )

    async def _get_model(self, request: web.Request) -> web.Response:
        """Answer `GET /v1/models/{id}` by id or alias."""
        self.model_requests.append(request.path)
        refused = self._refused_key(_key_of(request.headers))
        if refused is not None:
            return refused
        wanted = request.match_info["model_id"]
        wanted = ALIASES.get(wanted, wanted)
        for model in MODELS:
            if model["id"] == wanted:
                return web.json_response(model)
        return _error(404, "not_found_error", f"model: {request.match_info['model_id']}")

    def _fetch_documents(self, body: object) -> dict[str, str]:
        """Return the text of each URL document the body names that this fake serves."""
        return {url: self.pdfs[url] for url in _document_urls(body) if url in self.pdfs}

    async def _wait_turn(self, reply: Reply) -> None:
        await self._gate.wait()
        if self._barrier is not None:
            if self.in_flight >= self._barrier:
                self._barrier_open.set()
            try:
                await asyncio.wait_for(self._barrier_open.wait(), timeout=10)
            except TimeoutError:
                self._barrier_open.set()
        if reply.kind == "slow":
            with suppress(TimeoutError):
                await asyncio.wait_for(self._release.wait(), timeout=60)
        elif self.latency:
            await asyncio.sleep(self.latency)

    def _answer(self, reply: Reply, request: RecordedRequest) -> web.Response:
        if reply.kind == "error":
            return _error(reply.status, reply.error_type, "scripted error", reply.headers)
        if reply.kind == "html":
            return web.Response(text=reply.text, content_type="text/html")
        if reply.kind == "json":
            return web.json_response(reply.body)
        if reply.kind == "full":
            text = json.dumps(full_length_output(request))
        else:
            text = reply.text if reply.text is not None else json.dumps(valid_output(request))
        prompt_chars = request.prompt_chars
        message = {
            "id": f"msg_fake_{next(self._ids):06d}",
            "type": "message",
            "role": "assistant",
            "model": request.body["model"],
            "content": [{"type": "text", "text": text}],
            "stop_reason": reply.stop_reason,
            "stop_sequence": None,
            "usage": {
                # About four characters per token, as Anthropic's docs estimate for English.
                "input_tokens": prompt_chars // 4 + 1,
                "output_tokens": len(text) // 4 + 1,
            },
        }
        self.answers.append(message)
        headers = {"request-id": message["id"]}
        if reply.body == "no-usage":
            del message["usage"]
        elif reply.body == "truncated":
            whole = json.dumps(message)
            cut = whole[: len(whole) // 2]
            return web.Response(text=cut, content_type="application/json", headers=headers)
        return web.json_response(message, headers=headers)


def _invalid_body(body: object) -> str | None:
    """Return what the real API would refuse in `body` (the checks a client bug would trip)."""
    if not isinstance(body, dict):
        return "body must be an object"
    if not isinstance(body.get("model"), str):
        return "model: field required"
    if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] < 1:
        return "max_tokens: must be a positive integer"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    return None


# The source types of a document block, and the fields each requires
# (https://docs.anthropic.com/en/api/messages: base64, text, content, url and file sources).
_DOCUMENT_SOURCES = {
    "base64": {"type", "media_type", "data"},
    "text": {"type", "media_type", "data"},
    "content": {"type", "content"},
    "url": {"type", "url"},
    "file": {"type", "file_id"},
}
_DOCUMENT_FIELDS = {"type", "source", "title", "context", "citations", "cache_control"}


def _invalid_content(body: dict[str, Any]) -> str | None:
    """Return what the API would refuse in the content blocks of the messages."""
    for m, message in enumerate(body["messages"]):
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            continue
        if not isinstance(content, list) or not content:
            return f"messages.{m}.content: a string or a non-empty list of blocks is required"
        for b, block in enumerate(content):
            where = f"messages.{m}.content.{b}"
            problem = _invalid_block(block, where)
            if problem:
                return problem
    return None


def _invalid_block(block: object, where: str) -> str | None:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        return f"{where}.type: field required"
    if block["type"] == "text":
        return None if isinstance(block.get("text"), str) else f"{where}.text: field required"
    if block["type"] != "document":
        return None  # images, tool results and the rest: not used by this project
    extra = set(block) - _DOCUMENT_FIELDS
    if extra:
        return f"{where}.{sorted(extra)[0]}: Extra inputs are not permitted"
    source = block.get("source")
    if not isinstance(source, dict) or source.get("type") not in _DOCUMENT_SOURCES:
        return f"{where}.source: one of {sorted(_DOCUMENT_SOURCES)} sources is required"
    fields = _DOCUMENT_SOURCES[source["type"]]
    if set(source) != fields:
        return f"{where}.source: a {source['type']} source has exactly {sorted(fields)}"
    if source["type"] == "url" and not re.match(r"https?://\S+$", str(source["url"])):
        return f"{where}.source.url: an absolute http(s) URL is required"
    if source["type"] == "base64" and source["media_type"] != "application/pdf":
        return f"{where}.source.media_type: must be application/pdf"
    return None


def _document_urls(body: object) -> list[str]:
    """Return the URL of every URL-sourced document block of the body's messages."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return []
    urls = []
    for message in body["messages"]:
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else []:
            if not isinstance(block, dict) or block.get("type") != "document":
                continue
            source = block.get("source")
            if isinstance(source, dict) and source.get("type") == "url" and "url" in source:
                urls.append(str(source["url"]))
    return urls


def _key_of(headers: Mapping[str, str]) -> str:
    """Return the API key of a request, from either header the API accepts."""
    bearer = headers.get("Authorization", "")
    return (
        bearer.removeprefix("Bearer ")
        if bearer.startswith("Bearer ")
        else headers.get("x-api-key", "")
    )


def _error(
    status: int, error_type: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"type": "error", "error": {"type": error_type, "message": message}},
        status=status,
        headers={"request-id": "req_fake_error", **(headers or {})},
    )
