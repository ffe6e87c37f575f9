"""The fake Anthropic API takes document blocks as the real one does, through the real SDK.

A fake that accepted a malformed document block would let a client bug through to
production, where the API answers 400.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anthropic
import pytest

from tests.fakes.anthropic_server import FakeAnthropic

PDF = "https://arxiv.org/pdf/2604.00001v1"


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic.running() as server:
        server.serve_pdf(PDF, "Table 1: 93.5% accuracy.")
        yield server


async def ask(fake: FakeAnthropic, document: dict[str, Any]) -> anthropic.types.Message:
    async with anthropic.AsyncAnthropic(
        api_key="test", base_url=fake.base_url, max_retries=0
    ) as client:
        return await client.messages.create(
            model="claude-haiku-4-5",
            max_tokens=100,
            messages=[
                {"role": "user", "content": [document, {"type": "text", "text": "Read it."}]}
            ],
        )


async def test_a_served_pdf_is_read(fake: FakeAnthropic) -> None:
    message = await ask(fake, {"type": "document", "source": {"type": "url", "url": PDF}})
    assert message.usage.input_tokens > 0
    assert fake.requests[0].documents == ("Table 1: 93.5% accuracy.",)


@pytest.mark.parametrize(
    "document",
    [
        {"type": "document", "source": {"type": "url"}},
        {"type": "document", "source": {"type": "url", "url": PDF, "media_type": "x"}},
        {"type": "document", "source": {"type": "url", "url": "arxiv.org/pdf/1"}},
        {"type": "document", "source": {"type": "link", "url": PDF}},
        {"type": "document", "source": {"type": "base64", "media_type": "text/html", "data": ""}},
        {"type": "document", "url": PDF},
        {"type": "document", "source": {"type": "url", "url": PDF}, "colour": "red"},
    ],
)
async def test_a_malformed_document_block_is_refused(
    fake: FakeAnthropic, document: dict[str, Any]
) -> None:
    with pytest.raises(anthropic.BadRequestError):
        await ask(fake, document)


async def test_a_pdf_that_cannot_be_downloaded_is_refused(fake: FakeAnthropic) -> None:
    with pytest.raises(anthropic.BadRequestError, match="Unable to download"):
        await ask(fake, {"type": "document", "source": {"type": "url", "url": PDF + "0"}})
