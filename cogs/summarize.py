"""`/summarize paper:<id or URL> [language]`: one paper's summary, posted in the channel.

The id and language are checked before anything is acknowledged (parsing is instant), so a
mistake gets an ephemeral answer; then the command defers publicly, because fetching the
paper and asking Claude can take longer than Discord's 3-second deadline.
"""

from __future__ import annotations

import contextlib
import logging
import math

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DigestBot
from bot.errors import (
    ArxivBadRequestError,
    ArxivError,
    ArxivUnavailableError,
    PaperNotFoundError,
)
from bot.ids import parse_arxiv_id
from bot.render import render_single
from bot.validate import normalize_language
from cogs.common import member_notice

log = logging.getLogger(__name__)

#: Minutes to suggest when arXiv failed without saying how long to wait.
DEFAULT_RETRY_MINUTES = 5


class SummarizeCog(commands.Cog):
    """Summaries of single papers on demand."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot

    @app_commands.command(name="summarize")
    @app_commands.describe(
        paper="An arXiv id or link, e.g. 2401.12345, hep-th/9901001 or arxiv.org/abs/2401.12345",
        language="Language of the summary, e.g. German or pt-BR (default: the bot's)",
    )
    async def summarize(
        self,
        interaction: discord.Interaction,
        paper: str,
        language: str | None = None,
    ) -> None:
        """Summarize one arXiv paper for everyone in this channel."""
        async with member_notice(self.bot, interaction):
            arxiv_id = parse_arxiv_id(paper)
            wanted = normalize_language(language, self.bot.settings.default_language)
            await interaction.response.defer(thinking=True)
            try:
                item = await self.bot.services.papers.summarize_id(
                    arxiv_id, wanted, interactive=True
                )
            except (PaperNotFoundError, ArxivBadRequestError) as exc:
                await answer_privately(interaction, str(exc))
                return
            except ArxivError as exc:
                log.warning("/summarize %s: %s", arxiv_id, exc)
                retry_in = exc.retry_in if isinstance(exc, ArxivUnavailableError) else None
                await answer_privately(interaction, arxiv_down(retry_in))
                return
            message = render_single(item)
            await interaction.followup.send(
                embeds=list(message.embeds), allowed_mentions=message.allowed_mentions
            )


def arxiv_down(retry_in: float | None) -> str:
    """Say that arXiv is not answering, and when to try again (whole minutes, at least 1)."""
    minutes = math.ceil(retry_in / 60) if retry_in else DEFAULT_RETRY_MINUTES
    minutes = max(minutes, 1)
    unit = "minute" if minutes == 1 else "minutes"
    return f"arXiv is not answering, try again in {minutes} {unit}."


async def answer_privately(interaction: discord.Interaction, text: str) -> None:
    """Replace a public deferral ("is thinking...") with a message only the caller sees.

    After a public deferral the first followup takes over the deferred message and keeps
    it public (discord/discord-api-docs#2742, #3466); once the deferred message is deleted,
    a followup is a new message (discord/discord-api-docs#2739) and may be ephemeral, so
    nobody else sees the mistake.
    """
    with contextlib.suppress(discord.NotFound):  # already gone: fine, the followup is new
        await interaction.delete_original_response()
    await interaction.followup.send(
        text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )


async def setup(bot: DigestBot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(SummarizeCog(bot))
