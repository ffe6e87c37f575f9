"""The SDK wrapper against the fake API: what it sends, and how failures become reasons."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest

from bot.errors import SummaryError
from bot.models import FallbackReason
from bot.summarize.claude import ClaudeClient, open_sdk_client
from bot.summarize.prompts import PromptSet, RenderedPrompt
from bot.summarize.schema import output_json_schema
from tests.bot.summarize.conftest import make_paper, make_settings, packaged_prompt_folder
from tests.fakes.anthropic_server import FakeAnthropic, Reply

ClientFactory = Callable[..., Awaitable[ClaudeClient]]


@pytest.fixture
async def claude(fake_anthropic: FakeAnthropic) -> AsyncIterator[ClientFactory]:
    """Yield a factory of ClaudeClients on the fake; Settings overrides as keywords."""
    async with AsyncExitStack() as stack:

        async def factory(**overrides: Any) -> ClaudeClient:
            settings = make_settings(fake_anthropic, **overrides)
            sdk = await stack.enter_async_context(open_sdk_client(settings))
            assert sdk is not None
            return ClaudeClient(sdk, model=settings.anthropic_model)

        yield factory


@pytest.fixture
def prompt(prompts: PromptSet) -> RenderedPrompt:
    return prompts.render(make_paper(3, comment="9 pages"), "fr")


async def test_request_names_the_model_from_settings(
    claude: ClientFactory, fake_anthropic: FakeAnthropic, prompt: RenderedPrompt
) -> None:
    client = await claude(anthropic_model="claude-opus-4-6")
    await client.summarize(prompt)
    assert fake_anthropic.requests[0].body["model"] == "claude-opus-4-6"


async def test_request_carries_the_system_prompt_from_the_prompt_file(
    claude: ClientFactory, fake_anthropic: FakeAnthropic, prompt: RenderedPrompt
) -> None:
    await (await claude()).summarize(prompt)
    system_file = (packaged_prompt_folder() / "summary.system.md").read_text()
    sent = fake_anthropic.requests[0].system_text
    assert sent.startswith("You write short, faithful summaries of arXiv papers")
    assert sent.strip() in system_file


async def test_request_puts_the_paper_inside_its_delimiters(
    claude: ClientFactory, fake_anthropic: FakeAnthropic, prompt: RenderedPrompt
) -> None:
    await (await claude()).summarize(prompt)
    block = fake_anthropic.requests[0].paper_block
    paper = make_paper(3)
    assert paper.abstract in block
    assert f"Title: {paper.title}" in block
    assert "Comment: 9 pages" in block


async def test_request_names_the_language(
    claude: ClientFactory, fake_anthropic: FakeAnthropic, prompt: RenderedPrompt
) -> None:
    await (await claude()).summarize(prompt)
    assert fake_anthropic.requests[0].language == "fr"


async def test_request_asks_for_the_output_schema(
    claude: ClientFactory, fake_anthropic: FakeAnthropic, prompt: RenderedPrompt
) -> None:
    await (await claude()).summarize(prompt)
    output_format = fake_anthropic.requests[0].body["output_config"]["format"]
    assert output_format == {"type": "json_schema", "schema": output_json_schema()}


async def test_request_sends_the_api_key(
    claude: ClientFactory, fake_anthropic: FakeAnthropic, prompt: RenderedPrompt
) -> None:
    await (await claude()).summarize(prompt)
    assert fake_anthropic.requests[0].api_key == "test-key"


async def test_valid_answer_returns_output_and_usage(
    claude: ClientFactory, prompt: RenderedPrompt
) -> None:
    reply = await (await claude()).summarize(prompt)
    assert reply.output is not None
    assert reply.problem is None
    assert reply.usage.input_tokens > 0
    assert reply.usage.output_tokens > 0


async def test_malformed_json_is_a_problem_with_usage(
    claude: ClientFactory, fake_anthropic: FakeAnthropic, prompt: RenderedPrompt
) -> None:
    fake_anthropic.script(Reply.raw_text('{"tldr": "unterminated'))
    reply = await (await claude()).summarize(prompt)
    assert reply.output is None
    assert reply.problem is not None
    assert reply.usage.output_tokens > 0


async def test_output_breaking_the_schema_is_a_problem(
    claude: ClientFactory, fake_anthropic: FakeAnthropic, prompt: RenderedPrompt
) -> None:
    fake_anthropic.script(Reply.output({"tldr": "Only a TL;DR.", "extra": 1}))
    reply = await (await claude()).summarize(prompt)
    assert reply.output is None
    assert reply.problem is not None and reply.problem.startswith("schema")


async def test_answer_cut_by_max_tokens_is_a_problem(
    claude: ClientFactory, fake_anthropic: FakeAnthropic, prompt: RenderedPrompt
) -> None:
    fake_anthropic.script(Reply.output({"tldr": "x"}, stop_reason="max_tokens"))
    reply = await (await claude()).summarize(prompt)
    assert reply.problem == "stop reason max_tokens"


@pytest.mark.parametrize(
    "reply, reason",
    [
        (Reply.rate_limited(), FallbackReason.RATE_LIMITED),
        (Reply.overloaded(), FallbackReason.OVERLOADED),
        (Reply.server_error(), FallbackReason.API_ERROR),
    ],
    ids=["429", "529", "500"],
)
async def test_api_errors_become_fallback_reasons(
    claude: ClientFactory,
    fake_anthropic: FakeAnthropic,
    prompt: RenderedPrompt,
    reply: Reply,
    reason: FallbackReason,
) -> None:
    fake_anthropic.script(reply)
    with pytest.raises(SummaryError) as raised:
        await (await claude()).summarize(prompt)
    assert raised.value.reason == reason


async def test_slow_answer_is_a_timeout(
    claude: ClientFactory, fake_anthropic: FakeAnthropic, prompt: RenderedPrompt
) -> None:
    fake_anthropic.script(Reply.slow())
    client = await claude(anthropic_timeout_seconds=0.2)
    with pytest.raises(SummaryError) as raised:
        await client.summarize(prompt)
    assert raised.value.reason == FallbackReason.TIMEOUT


async def test_unreachable_api_is_an_api_error(prompt: RenderedPrompt) -> None:
    async with FakeAnthropic.running() as gone:
        settings = make_settings(gone)
    async with open_sdk_client(settings) as sdk:
        assert sdk is not None
        with pytest.raises(SummaryError) as raised:
            await ClaudeClient(sdk, model="claude-haiku-4-5").summarize(prompt)
    assert raised.value.reason == FallbackReason.API_ERROR


async def test_wrapper_adds_no_retries_of_its_own(
    claude: ClientFactory, fake_anthropic: FakeAnthropic, prompt: RenderedPrompt
) -> None:
    fake_anthropic.script(Reply.server_error(), Reply.server_error())
    with pytest.raises(SummaryError):
        await (await claude(anthropic_max_retries=0)).summarize(prompt)
    assert len(fake_anthropic.requests) == 1


async def test_sdk_retries_honour_retry_after_then_succeed(
    claude: ClientFactory, fake_anthropic: FakeAnthropic, prompt: RenderedPrompt
) -> None:
    # retry-after in (fractional) seconds, which the SDK accepts; kept tiny for a fast test.
    fake_anthropic.script(Reply.rate_limited(retry_after="0.01"))
    reply = await (await claude(anthropic_max_retries=1)).summarize(prompt)
    assert reply.output is not None
    assert len(fake_anthropic.requests) == 2


async def test_no_api_key_opens_no_client() -> None:
    async with (
        FakeAnthropic.running() as fake,
        open_sdk_client(make_settings(fake, api_key=False)) as sdk,
    ):
        assert sdk is None
