"""The fake Discord's interactions (slash commands, autocomplete), driven by real discord.py.

The fake dispatches INTERACTION_CREATE built from the commands the bot registered; the bot's
answers go through discord.py's own HTTP code. What is asserted is what a user would see and
the refusals Discord gives (deadlines, double acknowledgements, limits, permissions).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.fakes.discord_server import (
    MANAGE_GUILD,
    FakeDiscord,
    FakeGuild,
    ManualClock,
    connected,
    minimal_bot,
)

pytestmark = pytest.mark.usefixtures("no_leaked_resources")


@asynccontextmanager
async def fake_with_guild(clock: ManualClock) -> AsyncIterator[tuple[FakeDiscord, FakeGuild]]:
    """Start a fake on a hand-moved clock, with one guild, and discord.py pointed at it."""
    async with FakeDiscord(clock=clock) as fake:
        guild = fake.add_guild()
        with fake.patch_discord_py():
            yield fake, guild


async def test_slash_command_defer_then_followup_is_the_reply(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()

    @bot.tree.command(description="Summarize one paper.")
    async def summarize(interaction: discord.Interaction, paper: str) -> None:
        await interaction.response.defer()
        await interaction.followup.send(f"Summary of {paper}")

    async with connected(bot, fake_discord):
        await bot.tree.sync()
        papers = discord_guild.channel("papers")
        handle = await fake_discord.run_slash("summarize", {"paper": "2401.00001"}, channel=papers)
        reply = await handle.wait_reply()
        shown = await fake_discord.wait_for_messages(papers, 1)

    assert handle.callback is not None and handle.callback.type == 5
    assert reply.content == "Summary of 2401.00001"
    assert [message.content for message in shown] == ["Summary of 2401.00001"]


async def test_first_followup_after_a_public_defer_is_public_even_if_sent_ephemeral(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()

    @bot.tree.command(description="Fail politely.")
    async def oops(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.followup.send("That is not an arXiv id.", ephemeral=True)

    async with connected(bot, fake_discord):
        await bot.tree.sync()
        handle = await fake_discord.run_slash("oops", channel=discord_guild.channel("papers"))
        reply = await handle.wait_reply()

    assert not reply.ephemeral  # Discord keeps the deferral's visibility (api-docs #2742).


async def test_subcommand_options_arrive_typed_with_resolved_channel(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()
    received: asyncio.Future[tuple[int, str, int]] = asyncio.get_running_loop().create_future()
    digest = app_commands.Group(name="digest", description="Channel digests.")

    @digest.command(name="set", description="Set the channel's digest.")
    async def digest_set(
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        categories: str,
        max_papers: app_commands.Range[int, 1, 25] = 10,
    ) -> None:
        received.set_result((channel.id, categories, max_papers))
        await interaction.response.send_message("saved", ephemeral=True)

    bot.tree.add_command(digest)
    async with connected(bot, fake_discord):
        await bot.tree.sync()
        papers = discord_guild.channel("papers")
        handle = await fake_discord.run_slash(
            "digest set",
            {"channel": papers, "categories": "cs.CL", "max_papers": 5},
            guild=discord_guild,
        )
        reply = await handle.wait_reply()
        got = await asyncio.wait_for(received, 5)

    assert got == (papers.id, "cs.CL", 5)
    assert reply.ephemeral
    assert fake_discord.messages(papers) == []  # An ephemeral reply is not in the channel.


async def test_admin_command_is_hidden_from_members_without_manage_server(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()

    @bot.tree.command(description="Show status.")
    @app_commands.default_permissions(manage_guild=True)
    async def status(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok", ephemeral=True)

    member = fake_discord.add_member(discord_guild, "reader")
    admin = fake_discord.add_member(discord_guild, "moderator", permissions=MANAGE_GUILD)
    async with connected(bot, fake_discord):
        await bot.tree.sync()
        with pytest.raises(PermissionError):
            await fake_discord.run_slash("status", user=member, guild=discord_guild)
        handle = await fake_discord.run_slash("status", user=admin, guild=discord_guild)
        reply = await handle.wait_reply()
    assert reply.content == "ok"


async def test_a_callback_after_the_deadline_is_an_unknown_interaction() -> None:
    clock = ManualClock()
    proceed = asyncio.Event()
    outcome: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()
    bot = minimal_bot()

    @bot.tree.command(description="Think too long.")
    async def slow(interaction: discord.Interaction) -> None:
        await proceed.wait()
        try:
            await interaction.response.defer()
        except discord.HTTPException as exc:
            outcome.set_result(exc)
        else:
            outcome.set_result(None)

    async with fake_with_guild(clock) as (fake, guild), connected(bot, fake):
        await bot.tree.sync()
        await fake.run_slash("slow", guild=guild)
        clock.advance(3.01)
        proceed.set()
        error = await asyncio.wait_for(outcome, 5)

    assert isinstance(error, discord.NotFound)
    assert error.code == 10062


async def test_a_second_acknowledgement_is_refused(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()

    @bot.tree.command(description="Answer once.")
    async def once(interaction: discord.Interaction) -> None:
        await interaction.response.defer()

    async with connected(bot, fake_discord):
        await bot.tree.sync()
        handle = await fake_discord.run_slash("once", guild=discord_guild)
        await handle.wait_callback()
        # The same interaction answered again, as a second process holding it would.
        twin = discord.Interaction(data=handle.payload, state=bot._connection)  # type: ignore[arg-type]
        with pytest.raises(discord.HTTPException) as refused:
            await twin.response.defer()
    assert (refused.value.status, refused.value.code) == (400, 40060)


async def test_autocomplete_with_more_than_25_choices_is_refused(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()

    async def zones(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=f"{current}/{n}", value=f"{current}/{n}") for n in range(26)
        ]

    @bot.tree.command(description="Pick a timezone.")
    @app_commands.autocomplete(zone=zones)
    async def timezone(interaction: discord.Interaction, zone: str) -> None:
        await interaction.response.send_message(zone)

    async with connected(bot, fake_discord):
        await bot.tree.sync()
        handle = await fake_discord.run_autocomplete(
            "timezone", {"zone": "Europe"}, focused="zone", guild=discord_guild
        )
        path = f"/interactions/{handle.id}/{handle.token}/callback"
        answered = await fake_discord.wait_for_request("POST", path)
    assert answered.status == 400
    assert handle.callback is None


async def test_autocomplete_choices_are_recorded(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()

    async def zones(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in ("Europe/Paris", "Europe/Rome")]

    @bot.tree.command(description="Pick a timezone.")
    @app_commands.autocomplete(zone=zones)
    async def timezone(interaction: discord.Interaction, zone: str) -> None:
        await interaction.response.send_message(zone)

    async with connected(bot, fake_discord):
        await bot.tree.sync()
        handle = await fake_discord.run_autocomplete(
            "timezone", {"zone": "Eur"}, focused="zone", guild=discord_guild
        )
        choices = await handle.wait_choices()
    assert [choice["value"] for choice in choices] == ["Europe/Paris", "Europe/Rome"]


async def test_editing_the_deferred_response_is_the_reply(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()

    @bot.tree.command(description="Summarize one paper.")
    async def summarize(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        await interaction.edit_original_response(content="Not an arXiv id: try 2401.00001")

    async with connected(bot, fake_discord):
        await bot.tree.sync()
        handle = await fake_discord.run_slash("summarize", guild=discord_guild)
        reply = await handle.wait_reply()

    assert reply.content == "Not an arXiv id: try 2401.00001"
    assert reply.ephemeral


async def test_limits_apply_to_interaction_responses(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()
    outcome: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()

    @bot.tree.command(description="Say too much.")
    async def verbose(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        try:
            await interaction.edit_original_response(content="x" * 2001)
        except discord.HTTPException as exc:
            outcome.set_result(exc)

    async with connected(bot, fake_discord):
        await bot.tree.sync()
        handle = await fake_discord.run_slash("verbose", guild=discord_guild)
        error = await asyncio.wait_for(outcome, 5)

    assert isinstance(error, discord.HTTPException)
    assert error.code == 50035
    assert handle.original is not None and handle.original.loading  # Still "thinking".


async def test_a_followup_after_the_token_expired_is_refused() -> None:
    clock = ManualClock()
    proceed = asyncio.Event()
    outcome: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()
    bot = minimal_bot()

    @bot.tree.command(description="Answer far too late.")
    async def late(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await proceed.wait()
        try:
            await interaction.followup.send("done")
        except discord.HTTPException as exc:
            outcome.set_result(exc)
        else:
            outcome.set_result(None)

    async with fake_with_guild(clock) as (fake, guild), connected(bot, fake):
        await bot.tree.sync()
        handle = await fake.run_slash("late", guild=guild)
        await handle.wait_callback()
        clock.advance(15 * 60 + 1)
        proceed.set()
        error = await asyncio.wait_for(outcome, 5)

    assert isinstance(error, discord.HTTPException)
    assert (error.status, error.code) == (401, 50027)


async def test_a_command_runs_in_the_users_dm(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    reader = fake_discord.add_member(discord_guild, "reader")
    bot = minimal_bot()

    @bot.tree.command(description="List my subscriptions.")
    async def subscriptions(interaction: discord.Interaction) -> None:
        where = "guild" if interaction.guild is not None else "dm"
        await interaction.response.send_message(f"{where} {interaction.user.id}")

    async with connected(bot, fake_discord):
        await bot.tree.sync()
        handle = await fake_discord.run_slash("subscriptions", user=reader)
        reply = await handle.wait_reply()

    assert reply.content == f"dm {reader.id}"


async def test_a_guild_only_command_cannot_be_run_in_a_dm(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    reader = fake_discord.add_member(discord_guild, "reader")
    bot = minimal_bot()

    @bot.tree.command(description="Set a digest.")
    @app_commands.guild_only()
    async def digest(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    async with connected(bot, fake_discord):
        await bot.tree.sync()
        with pytest.raises(PermissionError):
            await fake_discord.run_slash("digest", user=reader)


async def test_a_bot_without_intents_still_answers_slash_commands(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.none(), guild_ready_timeout=0.05)

    @bot.tree.command(description="Where am I?")
    async def where(interaction: discord.Interaction) -> None:
        channel = interaction.channel
        name = channel.name if isinstance(channel, discord.TextChannel) else "?"
        await interaction.response.send_message(name)

    async with connected(bot, fake_discord):
        await bot.tree.sync()
        handle = await fake_discord.run_slash("where", channel=discord_guild.channel("papers"))
        reply = await handle.wait_reply()
    assert reply.content == "papers"
