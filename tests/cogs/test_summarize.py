"""`/summarize`: one paper, summarized, posted in the channel; mistakes answered privately.

Papers come from the recorded arXiv API responses (tests/fixtures/arxiv-api/) served by the
fake arXiv; summaries from the fake Anthropic API.
"""

from __future__ import annotations

import pytest

from tests.cogs.conftest import WAIT, Harness

pytestmark = pytest.mark.usefixtures("no_leaked_resources")


@pytest.mark.parametrize(
    ("paper", "abs_url"),
    [
        ("1605.08386", "https://arxiv.org/abs/1605.08386"),
        ("astro-ph/0601001", "https://arxiv.org/abs/astro-ph/0601001"),
        ("https://arxiv.org/pdf/1605.08386v1.pdf", "https://arxiv.org/abs/1605.08386"),
        ("<arXiv:2104.12255v1>", "https://arxiv.org/abs/2104.12255"),
    ],
    ids=["new-style id", "old-style id", "pdf URL", "prefixed id in brackets"],
)
async def test_summarize_posts_one_embed_in_the_channel(
    harness: Harness, paper: str, abs_url: str
) -> None:
    reply = await harness.reply("summarize", {"paper": paper}, channel=harness.papers)

    assert not reply.ephemeral
    assert [embed["url"] for embed in reply.embeds] == [abs_url]
    assert [m.id for m in harness.discord.messages(harness.papers)] == [reply.id]


async def test_summarize_shows_claudes_summary_with_the_model_in_the_footer(
    harness: Harness,
) -> None:
    reply = await harness.reply("summarize", {"paper": "1605.08386"}, channel=harness.papers)

    (embed,) = reply.embeds
    assert embed["description"].startswith("**TL;DR:**")
    assert "claude-haiku-4-5" in embed["footer"]["text"]


async def test_summarize_pings_nobody(harness: Harness) -> None:
    reply = await harness.reply("summarize", {"paper": "1605.08386"}, channel=harness.papers)

    assert reply.allowed_mentions == {"parse": []}


async def test_summarize_asks_claude_for_the_language_given(harness: Harness) -> None:
    await harness.reply(
        "summarize", {"paper": "1605.08386", "language": "German"}, channel=harness.papers
    )

    assert harness.anthropic.requests[-1].language.lower() == "german"


async def test_a_bad_id_gets_a_private_error_showing_a_valid_example(harness: Harness) -> None:
    reply = await harness.reply("summarize", {"paper": "not-an-id"}, channel=harness.papers)

    assert reply.ephemeral
    assert "not an arXiv id: 'not-an-id'" in reply.content
    assert "2401.12345" in reply.content
    assert harness.discord.messages(harness.papers) == []
    assert harness.arxiv.requests_to("/api") == []  # refused before asking arXiv


async def test_a_bad_language_gets_a_private_error(harness: Harness) -> None:
    reply = await harness.reply(
        "summarize", {"paper": "1605.08386", "language": "<@&123>"}, channel=harness.papers
    )

    assert reply.ephemeral
    assert "a language is a name or tag" in reply.content
    assert harness.discord.messages(harness.papers) == []


async def test_an_unknown_id_gets_a_private_answer_and_nothing_in_the_channel(
    harness: Harness,
) -> None:
    handle = await harness.slash("summarize", {"paper": "2401.99999"}, channel=harness.papers)
    followup = f"/webhooks/{harness.discord.bot.id}/{handle.token}"
    await harness.discord.wait_for_request("POST", followup, timeout=WAIT)

    (answer,) = handle.followups
    assert answer.ephemeral
    assert answer.content == "arXiv has no paper 2401.99999"
    assert harness.discord.messages(harness.papers) == []


async def test_summarize_keeps_the_full_layout_with_the_papers_buttons(harness: Harness) -> None:
    reply = await harness.reply("summarize", {"paper": "1605.08386"}, channel=harness.papers)

    (embed,) = reply.embeds
    assert {"Method", "Results"} <= {field["name"] for field in embed["fields"]}
    [row] = reply.components
    labels = [button["label"] for button in row["components"]]
    assert labels == ["Deep dive", "Save", "Not interested", "More like this"]  # details shown
    assert row["components"][1]["custom_id"] == "paper:save:1605.08386v1"
