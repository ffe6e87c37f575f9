"""`/help`: the commands, the keyword syntax with examples, and links, for one reader only.

Installable by users too, like `/summarize`, so it works wherever that does.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import help_text
from bot.client import DigestBot
from cogs.common import member_notice

_COLOUR = 0xB31B1B  # arXiv red


class HelpCog(commands.Cog):
    """What the bot does and how to ask it."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def help_command(self, interaction: discord.Interaction) -> None:
        """Show the commands and how to write keywords (only you see it)."""
        async with member_notice(self.bot, interaction):
            await interaction.response.send_message(
                embed=help_embed(interaction.application_id),
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )


def help_embed(application_id: int | None) -> discord.Embed:
    """Lay the help out as one embed (each section is within Discord's field limit)."""
    embed = discord.Embed(
        title=help_text.HELP_TITLE, description=help_text.HELP_INTRO, colour=_COLOUR
    )
    for name, value in help_text.help_fields(application_id):
        embed.add_field(name=name, value=value, inline=False)
    return embed


async def setup(bot: DigestBot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(HelpCog(bot))
