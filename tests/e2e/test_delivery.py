"""Delivery end to end: digests and DMs reach Discord once, failures users cause are handled.

The bot's own job bodies (`Delivery.poll_and_deliver`, `Delivery.post_now`) are called
directly instead of waiting for the scheduler: the same code, without waiting on a clock.
Targets are arranged in the store, as `/digest set` and `/subscribe` leave them (those
commands also start a first post, which is tests/cogs' subject).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.outcomes import NotPosted
from bot.store import targets
from bot.store.db import Database
from bot.targets.model import PauseReason, TargetKey
from tests.e2e.harness import make_settings, paper, running_bot
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord, FakeGuild
from tests.fakes.discord_server.state import ChannelAccess

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

LLM_PAPERS = [paper(i, f"LLM paper number {i}", "A large LLM study.") for i in range(1, 13)]
OTHER = [paper(100, "Graph colouring", "Nothing about language models.")]


async def set_digest(db: Database, guild: FakeGuild, channel_id: int) -> None:
    """Give the channel a cs.CL digest for the keyword "llm", posted as soon as announced."""
    await targets.upsert_digest(
        db, guild_id=guild.id, channel_id=channel_id, categories=["cs.CL"], keywords="llm"
    )


async def test_digest_is_posted_after_an_announcement_and_only_once(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    papers_channel = discord_guild.channel("papers")
    settings = make_settings(tmp_path, fake_arxiv)
    async with running_bot(settings, fake_discord) as bot:
        await set_digest(bot.services.db, discord_guild, papers_channel.id)
        fake_arxiv.add_feed_papers([*LLM_PAPERS, *OTHER])
        await bot.delivery.poll_and_deliver()
        posted = fake_discord.messages(papers_channel)
        embeds = [embed for message in posted for embed in message.embeds]
        assert posted[0].content.startswith("arXiv cs.CL for Tue 28 Apr 2026: 12 of 13 new papers")
        assert len(embeds) == 10  # max_papers default
        assert len(posted) < len(embeds)  # packed, not one message per paper
        assert all(message.allowed_mentions == {"parse": []} for message in posted)
        # The next poll and an explicit post bring nothing new.
        await bot.delivery.poll_and_deliver()
        result = await bot.delivery.post_now(TargetKey.channel(papers_channel.id))
        assert (result.sent, result.complete) == (0, True)
        assert len(fake_discord.messages(papers_channel)) == len(posted)


async def test_subscriber_gets_a_dm_with_the_matched_paper(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    member = fake_discord.add_member(discord_guild, "reader")
    settings = make_settings(tmp_path, fake_arxiv)
    async with running_bot(settings, fake_discord) as bot:
        await targets.add_keywords(bot.services.db, member.id, ["graph colouring"])
        fake_arxiv.add_feed_papers([*LLM_PAPERS, *OTHER])
        await bot.delivery.poll_and_deliver()
        dm = fake_discord.messages(fake_discord.dm_channel(member))
        titles = [embed["title"] for message in dm for embed in message.embeds]
        assert titles == ["Graph colouring"]
        # A DM is compact by default: why it matched is on the category line.
        assert "· matched: graph colouring\n" in dm[0].embeds[0]["description"]


async def test_closed_dms_are_recorded_not_retried_and_told_on_the_next_command(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    member = fake_discord.add_member(discord_guild, "private", dms_closed=True)
    settings = make_settings(tmp_path, fake_arxiv)
    async with running_bot(settings, fake_discord) as bot:
        await targets.add_keywords(bot.services.db, member.id, ["llm"])
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.delivery.poll_and_deliver()
        sub = await targets.get_subscription(bot.services.db, member.id)
        assert sub is not None and sub.dm_blocked_at is not None
        attempts = len([r for r in fake_discord.requests if r.status == 403])
        await bot.delivery.poll_and_deliver()
        assert len([r for r in fake_discord.requests if r.status == 403]) == attempts
        assert await bot.targets.returning_member(member.id)
        assert not await bot.targets.returning_member(member.id)  # told once


async def test_a_channel_that_answers_403_pauses_its_digest(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    papers_channel = discord_guild.channel("papers")
    settings = make_settings(tmp_path, fake_arxiv)
    async with running_bot(settings, fake_discord) as bot:
        await set_digest(bot.services.db, discord_guild, papers_channel.id)
        fake_discord.forbid_channel(papers_channel)
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.delivery.poll_and_deliver()
        config = await targets.get_digest(bot.services.db, papers_channel.id)
        assert config is not None and config.paused
        assert config.pause_reason is PauseReason.NO_PERMISSION
        # /digest post says why nothing went out; the papers wait for the resume.
        result = await bot.delivery.post_now(config.key)
        assert result.not_posted is NotPosted.PAUSED
        # The server is told in its system channel.
        general = fake_discord.messages(discord_guild.channel("general"))
        assert any("paused" in message.content for message in general)


async def test_a_resumed_digest_sends_what_waited_exactly_once(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    papers_channel = discord_guild.channel("papers")
    settings = make_settings(tmp_path, fake_arxiv)
    async with running_bot(settings, fake_discord) as bot:
        await set_digest(bot.services.db, discord_guild, papers_channel.id)
        fake_discord.forbid_channel(papers_channel)
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.delivery.poll_and_deliver()
        fake_discord.channel(papers_channel).access = ChannelAccess.OPEN

        await bot.targets.resume_digest(papers_channel.id)
        await bot.delivery.deliver(TargetKey.channel(papers_channel.id), fetch_first=False)
        await bot.delivery.poll_and_deliver()

    posted = fake_discord.messages(papers_channel)
    urls = [e["url"] for m in posted for e in m.embeds]
    assert len(urls) == 10
    assert len(set(urls)) == 10
    assert [bool(m.content) for m in posted].count(True) == 1  # one header


async def test_a_429_on_the_channel_route_still_delivers_each_paper_once(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    papers_channel = discord_guild.channel("papers")
    fake_discord.rate_limit_next(
        "POST", f"/channels/{papers_channel.id}/messages", times=2, retry_after=0.01
    )
    settings = make_settings(tmp_path, fake_arxiv)
    async with running_bot(settings, fake_discord) as bot:
        await set_digest(bot.services.db, discord_guild, papers_channel.id)
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.delivery.poll_and_deliver()
    urls = [e["url"] for m in fake_discord.messages(papers_channel) for e in m.embeds]
    assert len(urls) == 10
    assert len(set(urls)) == len(urls)
