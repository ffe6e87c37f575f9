"""`/status`: the bot's health as one private embed for a server's admins."""

from __future__ import annotations

from typing import Any

import pytest

from bot.store import targets
from bot.targets.model import PauseReason
from tests.cogs.conftest import WAIT, Harness, announce, set_timed_digest

pytestmark = pytest.mark.usefixtures("no_leaked_resources")


def fields(embed: dict[str, Any]) -> dict[str, str]:
    """Return an embed's fields as {name: value}."""
    return {field["name"]: field["value"] for field in embed.get("fields", [])}


async def test_status_is_one_private_embed(harness: Harness) -> None:
    reply = await harness.reply("status")

    assert reply.ephemeral
    (embed,) = reply.embeds
    assert list(fields(embed)) == ["Polling", "Delivery", "Digests", "Claude", "Recent problems"]


async def test_status_shows_the_last_poll_and_the_latest_announcement(harness: Harness) -> None:
    await set_timed_digest(harness)
    await announce(harness, 4)

    (embed,) = (await harness.reply("status")).embeds
    polling = fields(embed)["Polling"]

    assert "Last poll: <t:" in polling
    assert "feed fetched" in polling
    assert "Last announcement: 2025-08-20" in polling
    assert "Papers in this server's categories that day: 4" in polling
    assert "Next poll: <t:" in polling


async def test_status_shows_claude_tokens_and_cost_after_a_summary(harness: Harness) -> None:
    await harness.reply("summarize", {"paper": "1605.08386"}, channel=harness.papers)

    (embed,) = (await harness.reply("status")).embeds
    claude = fields(embed)["Claude"]

    assert "Model: claude-haiku-4-5" in claude
    assert "Summaries written today: 1" in claude
    assert "Today: 0 input" not in claude
    assert "≈ $" in claude


async def test_status_shows_why_a_digest_was_paused(harness: Harness) -> None:
    await set_timed_digest(harness)
    await targets.set_paused(harness.db, harness.papers.id, PauseReason.NO_PERMISSION)

    (embed,) = (await harness.reply("status")).embeds

    problems = fields(embed)["Recent problems"]
    assert f"Digest of <#{harness.papers.id}> paused: no permission to post" in problems


async def test_status_says_every_planned_post_went_out_when_nothing_waits(harness: Harness) -> None:
    await set_timed_digest(harness)

    (embed,) = (await harness.reply("status")).embeds

    assert fields(embed)["Delivery"] == "Every planned post went out."


async def test_status_shows_a_post_planned_and_waiting_for_its_time(harness: Harness) -> None:
    await set_timed_digest(harness)
    await announce(harness, 3)
    await harness.bot.delivery.poll_and_deliver()  # planned for the digest's time

    (embed,) = (await harness.reply("status")).embeds

    assert (
        fields(embed)["Delivery"]
        == f"<#{harness.papers.id}>: 1 message planned, waiting to be sent"
    )


async def test_status_shows_per_digest_the_last_announcement_seen_matched_and_posted(
    harness: Harness,
) -> None:
    await announce(harness, 4)
    await harness.reply(
        "digest set", {"channel": harness.papers, "categories": "cs.AI", "keywords": "paper 1"}
    )
    await harness.discord.wait_for_messages(harness.papers, 1, timeout=WAIT)
    await harness.reply("digest post", {"channel": harness.papers})  # all sent and recorded

    (embed,) = (await harness.reply("status")).embeds

    assert fields(embed)["Digests"] == (
        f"<#{harness.papers.id}>: last announcement: Wed 20 Aug 2025 · 4 papers seen"
        " · 1 matched · 1 posted"
    )
    assert (
        "From arXiv's API over the last week: 0 missed announcements listed"
        in (fields(embed)["Polling"])
    )
