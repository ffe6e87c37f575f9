"""`/summarize paper:<id or URL> [language]` and "Summarize arXiv paper" on a message.

The id and language are checked before anything is acknowledged (parsing is instant), so a
mistake gets an ephemeral answer; then the command defers publicly, because fetching the
paper and asking Claude can take longer than Discord's 3-second deadline.

Both can be installed by users as well as servers (a user install works in any server, in
DMs with the bot and in private channels: Discord's `integration_types` and `contexts`,
https://discord.com/developers/docs/interactions/application-commands#contexts). In a server
with a default language (`/digest defaults`) that language is used when none is given.
"""

from __future__ import annotations

import contextlib
import logging
import math

import discord
from discord import app_commands
from discord.ext import commands

from bot import words
from bot.client import DigestBot
from bot.discord_sender import StoredComponents
from bot.errors import (
    ArxivBadRequestError,
    ArxivError,
    ArxivUnavailableError,
    PaperNotFoundError,
    UserInputError,
)
from bot.ids import ArxivId, find_arxiv_id, parse_arxiv_id
from bot.render import render_single
from bot.summarize.spending import Payers
from bot.validate import normalize_language
from cogs.common import complete_languages, member_notice

log = logging.getLogger(__name__)

#: Minutes to suggest when arXiv failed without saying how long to wait.
DEFAULT_RETRY_MINUTES = 5
#: The message command's name, as members see it in a message's Apps menu.
MESSAGE_COMMAND = "Summarize arXiv paper"
#: Installed to servers and to users; usable in servers, DMs with the bot, private channels.
INSTALLS = app_commands.AppInstallationType(guild=True, user=True)
CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True)


class SummarizeCog(commands.Cog):
    """Summaries of single papers on demand."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(
            name=MESSAGE_COMMAND,
            callback=self.summarize_message,
            allowed_installs=INSTALLS,
            allowed_contexts=CONTEXTS,
        )

    async def cog_load(self) -> None:
        """Add the message command (a context menu cannot live inside a cog)."""
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        """Remove the message command."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @app_commands.command(name="summarize")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.describe(
        paper="An arXiv id or link, e.g. 2401.12345, hep-th/9901001 or arxiv.org/abs/2401.12345",
        language="Language of the summary, e.g. German or pt-BR (default: the server's or bot's)",
    )
    @app_commands.autocomplete(language=complete_languages)
    async def summarize(
        self,
        interaction: discord.Interaction,
        paper: str,
        language: str | None = None,
    ) -> None:
        """Summarize one arXiv paper for everyone in this channel."""
        async with member_notice(self.bot, interaction):
            arxiv_id = parse_arxiv_id(paper)
            wanted = await self._language(interaction, language)
            await interaction.response.defer(thinking=True)
            await self._answer(interaction, arxiv_id, wanted)

    async def summarize_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """Summarize the first arXiv paper a message links to (its text, then its embeds)."""
        async with member_notice(self.bot, interaction):
            texts = [message.content, *(_embed_texts(embed) for embed in message.embeds)]
            arxiv_id = find_arxiv_id(texts)
            if arxiv_id is None:
                raise UserInputError(words.NO_ARXIV_LINK)
            wanted = await self._language(interaction, None)
            await interaction.response.defer(thinking=True)
            await self._answer(interaction, arxiv_id, wanted)

    async def _language(self, interaction: discord.Interaction, language: str | None) -> str:
        """Return the language asked for, else the server's default, else the bot's."""
        default = self.bot.settings.default_language
        if language is None and interaction.guild_id is not None:
            default = await self.bot.targets.server_language(interaction.guild_id) or default
        return normalize_language(language, default)

    async def _answer(
        self, interaction: discord.Interaction, arxiv_id: ArxivId, wanted: str
    ) -> None:
        """Fetch and summarize the paper; post it, or tell only the caller what went wrong."""
        try:
            item = await self.bot.services.papers.summarize_id(
                arxiv_id, wanted, interactive=True, payers=_payers(interaction)
            )
        except (PaperNotFoundError, ArxivBadRequestError) as exc:
            await answer_privately(interaction, str(exc))
            return
        except ArxivError as exc:
            log.warning("/summarize %s: %s", arxiv_id, exc)
            retry_in = exc.retry_in if isinstance(exc, ArxivUnavailableError) else None
            await answer_privately(interaction, arxiv_down(retry_in))
            return
        message = render_single(item)  # the full layout: one paper asked for by name
        await interaction.followup.send(
            embeds=list(message.embeds),
            allowed_mentions=message.allowed_mentions,
            view=StoredComponents(message.components),
        )


def _payers(interaction: discord.Interaction) -> Payers:
    """Return whom a call is made for: the server that installed the bot, if any."""
    if interaction.guild_id is not None and interaction.is_guild_integration():
        return Payers.server(interaction.guild_id)
    return Payers()


def _embed_texts(embed: discord.Embed) -> str:
    """Return an embed's link and texts, where a link preview keeps an arXiv URL."""
    parts = [embed.url, embed.title, embed.description]
    parts += [f"{field.name} {field.value}" for field in embed.fields]
    return "\n".join(part for part in parts if part)


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
