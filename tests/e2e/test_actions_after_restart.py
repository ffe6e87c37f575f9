"""A digest's buttons after the bot restarted: the ids carry what they need, nothing is in memory.

The first bot posts a digest and stops; a second bot, started afresh on the same database
(new discord.py client, nothing registered but the dynamic items), answers clicks on the old
message: its menu, its "Show all" button (which lists what the post answered, though the
keywords changed since) and the buttons of the answers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store import saved, targets
from tests.e2e.harness import make_settings, paper, running_bot
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord, FakeGuild

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

PAPERS = [paper(i, f"LLM paper number {i}", "A large LLM study.") for i in range(1, 8)]
WAIT = 10.0


async def test_buttons_of_an_old_post_work_after_a_restart(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = discord_guild.channel("papers")
    reader = fake_discord.add_member(discord_guild, "reader")
    async with FakeAnthropic.running() as anthropic:
        settings = make_settings(
            tmp_path,
            fake_arxiv,
            anthropic_api_key="test-key",
            anthropic_base_url=anthropic.base_url,
            anthropic_max_retries=0,
        )
        fake_arxiv.add_feed_papers(PAPERS)
        async with running_bot(settings, fake_discord) as first:
            await targets.upsert_digest(
                first.services.db,
                guild_id=discord_guild.id,
                channel_id=channel.id,
                categories=["cs.CL"],
                keywords="llm",
                max_papers=3,
            )
            await first.delivery.poll_and_deliver()
            # The admin changes the keywords: "Show all" still lists what the post answered.
            await targets.upsert_digest(
                first.services.db,
                guild_id=discord_guild.id,
                channel_id=channel.id,
                categories=["cs.CL"],
                keywords="graph colouring",
            )
        [post] = fake_discord.messages(channel)
        calls = len(anthropic.requests)

        async with running_bot(settings, fake_discord) as second:
            chose = await fake_discord.click(
                post, "paper:choose", user=reader, values=["2604.00002v1"]
            )
            details = await chose.wait_followup_where(lambda m: bool(m.embeds), WAIT)
            saving = await fake_discord.click(details, "paper:save:2604.00002v1", user=reader)
            confirmed = await saving.wait_followup_where(lambda m: True, WAIT)
            show_all = f"posted:channel:{channel.id}:2026-04-28:1"
            listing_click = await fake_discord.click(post, show_all, user=reader)
            listing = await listing_click.wait_followup_where(lambda m: bool(m.embeds), WAIT)
            kept = await saved.saved_papers(second.services.db, reader.id)

    assert details.embeds[0]["url"] == "https://arxiv.org/abs/2604.00002"
    assert details.embeds[0]["description"].startswith("**TL;DR:**")  # the summary, cached
    assert len(anthropic.requests) == calls  # no Claude call for details
    assert confirmed.content.startswith("Saved **LLM paper number 2**")
    assert [item.paper.base_id for item in kept] == ["2604.00002"]
    assert "7 matched; 3 were posted, these are the other 4." in listing.embeds[0]["description"]
