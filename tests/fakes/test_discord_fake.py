"""The fake Discord's gateway and command registry, driven by the real discord.py client.

Every test runs a real `commands.Bot` over loopback HTTP and websocket; nothing in discord.py
is mocked. What is asserted is what a bot author relies on: the bot logs in, connects with
the intents it asked for, sees its guilds, and registers its commands.
"""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord.ext import commands

from tests.fakes.discord_server import FakeDiscord, FakeGuild, connected, minimal_bot

pytestmark = pytest.mark.usefixtures("no_leaked_resources")


def test_discord_py_still_has_the_seams_the_bot_points_at_the_fake() -> None:
    assert isinstance(discord.http.Route.BASE, str)
    assert discord.http.Route.BASE.endswith("/api/v10")
    assert hasattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY")


async def test_bot_connects_and_sees_its_guild_with_channels(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()
    async with connected(bot, fake_discord, timeout=5):
        guild = bot.get_guild(discord_guild.id)
        assert guild is not None
        assert guild.system_channel is not None
        assert guild.system_channel.id == discord_guild.channel("general").id
        assert guild.me.guild_permissions.send_messages
        assert bot.application_id == fake_discord.bot.id


async def test_gateway_answers_heartbeats_over_zlib_stream(fake_discord: FakeDiscord) -> None:
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        session = fake_discord.gateway.current
        assert session is not None
        assert session.compressor is not None  # discord.py asked for compress=zlib-stream
        assert fake_discord.gateway.heartbeats >= 1  # discord.py beats once right after HELLO


async def test_privileged_intents_the_app_lacks_stop_the_client(fake_discord: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    bot = commands.Bot(command_prefix="!", intents=intents, guild_ready_timeout=0.05)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with connected(bot, fake_discord):
            pass


async def test_tree_sync_registers_commands_with_ids(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()

    @bot.tree.command(description="Summarize one paper.")
    async def summarize(interaction: discord.Interaction, paper: str) -> None:
        await interaction.response.send_message(paper)

    async with connected(bot, fake_discord):
        synced = await bot.tree.sync(guild=discord.Object(discord_guild.id))
        await bot.tree.sync()

    assert [sync.guild_id for sync in fake_discord.command_syncs] == [discord_guild.id, None]
    assert synced == []  # Nothing was copied to the guild; the command is global.
    (command,) = fake_discord.commands()
    assert command["name"] == "summarize"
    assert command["options"][0]["name"] == "paper"
    assert int(command["id"]) > 0


async def test_a_command_description_over_100_characters_is_refused(
    fake_discord: FakeDiscord,
) -> None:
    bot = minimal_bot()

    @bot.tree.command(name="long", description="x" * 100)
    async def long_command(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    async with connected(bot, fake_discord):
        payload = [long_command.to_dict(bot.tree)]
        payload[0]["description"] = "x" * 101  # What a bot bypassing discord.py's check sends.
        with pytest.raises(discord.HTTPException) as refused:
            await bot.http.bulk_upsert_global_commands(fake_discord.bot.id, payload)
    assert refused.value.code == 50035


async def test_a_reconnect_request_is_answered_by_a_resume(fake_discord: FakeDiscord) -> None:
    bot = minimal_bot()
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)
    async with connected(bot, fake_discord):
        await fake_discord.gateway.request_reconnect()
        await asyncio.wait_for(resumed.wait(), 5)
    assert fake_discord.gateway.resumes == 1
    assert fake_discord.gateway.identifies == 1


async def test_a_wrong_token_fails_login(fake_discord: FakeDiscord) -> None:
    bot = minimal_bot()
    async with bot:
        with pytest.raises(discord.LoginFailure):
            await bot.login("not-the-token")


async def test_without_the_guilds_intent_no_guild_data_arrives(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none(), guild_ready_timeout=0.05)
    async with connected(bot, fake_discord):
        guild = bot.get_guild(discord_guild.id)
        channel = bot.get_channel(discord_guild.channel("papers").id)
    assert guild is not None and guild.unavailable  # Known from READY only.
    assert channel is None  # A bot without the intent must fetch channels.
