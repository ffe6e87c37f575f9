"""The fake Discord's network faults, as real discord.py meets them.

A send that hangs, a reset connection and a lost answer all look alike to the client (no
answer); what differs is whether the message exists afterwards, which is what the bot must
find out by reading the channel.
"""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest

from tests.fakes.discord_server import FakeDiscord, FakeGuild, connected, minimal_bot

pytestmark = pytest.mark.usefixtures("no_leaked_resources")


def text_channel(bot: discord.Client, channel_id: int) -> discord.TextChannel:
    """Return the bot's cached text channel (discord.py built it from GUILD_CREATE)."""
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_a_hung_send_gets_no_answer_and_creates_nothing(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    papers = discord_guild.channel("papers")
    fake_discord.hang_next("POST", f"/channels/{papers.id}/messages")
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await text_channel(bot, papers.id).send("hello")
    assert fake_discord.messages(papers) == []
    assert [r.status for r in fake_discord.requests if r.method == "POST"] == [0]


async def test_a_reset_connection_is_an_os_error_and_creates_nothing(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    papers = discord_guild.channel("papers")
    fake_discord.reset_next("POST", f"/channels/{papers.id}/messages")
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        with pytest.raises(aiohttp.ClientOSError) as reset:
            await text_channel(bot, papers.id).send("hello")
    assert "reset" in str(reset.value).lower()
    assert fake_discord.messages(papers) == []


async def test_a_lost_answer_is_a_disconnect_but_the_message_exists(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    papers = discord_guild.channel("papers")
    fake_discord.lose_answer_next("POST", f"/channels/{papers.id}/messages")
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await text_channel(bot, papers.id).send("hello")
    assert [m.content for m in fake_discord.messages(papers)] == ["hello"]


async def test_a_held_send_is_handled_once_released(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    papers = discord_guild.channel("papers")
    held = fake_discord.hold_next("POST", f"/channels/{papers.id}/messages")
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        sending = asyncio.create_task(text_channel(bot, papers.id).send("hello"))
        await held.wait_arrived()
        assert fake_discord.messages(papers) == []  # held: nothing yet
        held.release()
        sent = await sending
    assert [m.id for m in fake_discord.messages(papers)] == [sent.id]
