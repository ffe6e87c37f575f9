"""`/status`: how the bot is doing, for the admins of a server, as one ephemeral embed.

Polling (last poll and its result, last announcement, next poll), messages not sent yet and
why, today's papers and summaries, Claude's tokens and estimated cost today and this month
against the caps, and the recent problems: failed polls, paused digests with their reason,
papers that went out abstract-only.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import words
from bot.client import DigestBot
from bot.status import StatusReport, status_report
from cogs.common import guild_id, member_notice

#: Discord's embed field value limit (docs/behaviour.md, "Discord's limits").
FIELD_MAX = 1024
_COLOUR = 0xB31B1B  # arXiv red


class StatusCog(commands.Cog):
    """The bot's health for server admins."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot

    @app_commands.command(name="status")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def status(self, interaction: discord.Interaction) -> None:
        """Show polling, papers, posts not sent yet, Claude usage and cost, recent problems."""
        async with member_notice(self.bot, interaction):
            services = self.bot.services
            report = await status_report(
                services.db, self.bot.delivery, services.summarizer, guild_id(interaction)
            )
            await interaction.response.send_message(
                embed=status_embed(report),
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )


def status_embed(report: StatusReport) -> discord.Embed:
    """Lay a status report out as one embed: polling, Claude, recent problems."""
    embed = discord.Embed(title=words.STATUS_TITLE, colour=_COLOUR)
    for name, value in words.status_fields(report):
        embed.add_field(name=name, value=_cut(value), inline=False)
    return embed


def _cut(text: str, limit: int = FIELD_MAX) -> str:
    """Keep a field value within Discord's limit, cutting at a line where possible."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    return (head.rsplit("\n", 1)[0] if "\n" in head else head) + "…"


async def setup(bot: DigestBot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(StatusCog(bot))
