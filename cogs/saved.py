"""`/saved list|remove|export`: a member's saved papers, shown to them alone.

The list is ten papers a page, newest first, with "Previous" and "Next" buttons that turn the
page in place and a "Choose a paper" menu for the page's papers (the same as a digest's).
The page buttons carry only the page number: the list is always the clicker's own. Exports
are files (BibTeX, RIS, CSV; bot.saved.export) attached to an ephemeral answer.
"""

from __future__ import annotations

import io
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import paper_words
from bot.client import DigestBot
from bot.discord_sender import StoredComponents
from bot.ids import parse_arxiv_id
from bot.paper_actions import PAGES_MAX, parse_saved_page
from bot.render.components import saved_page_buttons
from bot.render.messages import OutgoingMessage
from bot.render.replies import ListEntry, paper_list_message
from bot.render.text import plain_line, truncate
from bot.saved import ExportFormat, RemoveResult, SavedPage
from cogs.common import CHOICE_MAX, MAX_CHOICES, answer, answering_failures, member_notice
from cogs.papers import digest_bot

Button = discord.ui.Button[discord.ui.View]


def saved_message(page: SavedPage) -> OutgoingMessage | str:
    """Lay out one page of a member's saved papers (a line when there are none)."""
    if not page.entries:
        return paper_words.NO_SAVED
    entries = [ListEntry(item.paper, paper_words.saved_on(item.saved_at)) for item in page.entries]
    return paper_list_message(
        paper_words.SAVED_TITLE,
        entries,
        first_number=page.first_number,
        intro=paper_words.saved_intro(page.total, page.number, page.pages),
        page_row=saved_page_buttons(page.number, page.pages),
    )


class SavedPageButton(discord.ui.DynamicItem[Button], template=r"saved:page:(?P<page>\d{1,4})"):
    """ "Previous" and "Next" on a page of `/saved list`: the clicker's own list."""

    def __init__(self, page: int | None, custom_id: str) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id, label="page"))
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> SavedPageButton:
        """Read the page number (strictly)."""
        return cls(parse_saved_page(match.string), match.string)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Turn the list's page in place."""
        if self.page is None:
            await answer(interaction, paper_words.NOT_MY_BUTTON)
            return
        async with answering_failures(interaction, f"saved papers page {self.page}"):
            await interaction.response.defer()
            saved = digest_bot(interaction).services.saved
            shown = saved_message(await saved.page(interaction.user.id, self.page))
            if isinstance(shown, str):
                await interaction.edit_original_response(content=shown, embeds=[], view=None)
                return
            await interaction.edit_original_response(
                embeds=list(shown.embeds), view=StoredComponents(shown.components)
            )


class SavedCog(commands.Cog):
    """Papers members saved from digests, to read later or export."""

    saved = app_commands.Group(name="saved", description="Your saved arXiv papers")

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot

    @saved.command(name="list")
    @app_commands.describe(page="Which page, ten papers each (default: the first)")
    async def list_saved(
        self,
        interaction: discord.Interaction,
        page: app_commands.Range[int, 1, PAGES_MAX] | None = None,
    ) -> None:
        """Show your saved papers (only you see them)."""
        async with member_notice(self.bot, interaction):
            shown = await self.bot.services.saved.page(interaction.user.id, page or 1)
            await answer(interaction, saved_message(shown))

    @saved.command(name="remove")
    @app_commands.describe(paper="The arXiv id or link of a paper you saved")
    async def remove(self, interaction: discord.Interaction, paper: str) -> None:
        """Remove a paper from your saved papers."""
        async with member_notice(self.bot, interaction):
            shown = f"arXiv:{parse_arxiv_id(paper).base}"  # a bad id is answered as such
            result = await self.bot.services.saved.remove(interaction.user.id, paper)
            await answer(interaction, paper_words.removed(shown, result is RemoveResult.REMOVED))

    @remove.autocomplete("paper")
    async def _own_papers(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the caller's saved papers whose id or title contains what they typed."""
        found = await self.bot.services.saved.find(interaction.user.id, current, MAX_CHOICES)
        return [
            app_commands.Choice(
                name=truncate(
                    f"{item.paper.versioned_id} · {plain_line(item.paper.title)}", CHOICE_MAX
                ),
                value=item.paper.base_id,
            )
            for item in found
        ]

    @saved.command(name="export")
    @app_commands.describe(format="BibTeX for LaTeX, RIS for reference managers, CSV for sheets")
    @app_commands.choices(
        format=[
            app_commands.Choice(name="BibTeX (.bib)", value=ExportFormat.BIBTEX.value),
            app_commands.Choice(name="RIS (.ris)", value=ExportFormat.RIS.value),
            app_commands.Choice(name="CSV (.csv)", value=ExportFormat.CSV.value),
        ]
    )
    async def export(
        self, interaction: discord.Interaction, format: app_commands.Choice[str]
    ) -> None:
        """Get your saved papers as a BibTeX, RIS or CSV file (only you see it)."""
        async with member_notice(self.bot, interaction):
            await interaction.response.defer(ephemeral=True, thinking=True)
            fmt = ExportFormat(format.value)
            made = await self.bot.services.saved.export(interaction.user.id, fmt)
            if made is None:
                await answer(interaction, paper_words.NOTHING_TO_EXPORT)
                return
            await interaction.followup.send(
                paper_words.exported(made.papers, fmt),
                file=discord.File(io.BytesIO(made.data), filename=made.filename),
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )


async def setup(bot: DigestBot) -> None:
    """Load the cog and its page buttons (discord.py's extension entry point)."""
    bot.add_dynamic_items(SavedPageButton)
    await bot.add_cog(SavedCog(bot))


async def teardown(bot: DigestBot) -> None:
    """Unregister the page buttons when the extension is unloaded."""
    bot.remove_dynamic_items(SavedPageButton)
