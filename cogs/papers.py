"""The buttons and menu on every delivered paper, and "Show all N": Discord adapters only.

Each is a discord.py `DynamicItem`: its template matches the custom ids the renderer writes
(bot.paper_actions), on any message, so a button keeps working after a restart with nothing
kept in memory. Each callback reads the id, asks one service (bot.actions) and answers:
Details, Save and the marks at once (the database is quick), only to whoever clicked; Deep
dive and "Show all" acknowledge first, since Claude or a day's matching can take longer than
Discord's 3 seconds. A deep dive goes into a thread under the digest message (cogs/threads.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any, cast

import discord

from bot import paper_words
from bot.actions import OthersPage, may_see
from bot.client import DigestBot
from bot.discord_sender import StoredComponents
from bot.models import FallbackReason
from bot.paper_actions import (
    CHOOSE_CUSTOM_ID,
    ActionRequest,
    ListPage,
    PaperAction,
    PaperRef,
    list_page_custom_id,
    parse_choice,
    parse_custom_id,
    parse_list_page,
)
from bot.render.components import page_buttons
from bot.render.messages import OutgoingMessage
from bot.render.replies import ListEntry, deep_dive_message, details_message, paper_list_message
from bot.render.text import markdown_line
from cogs.common import answer, answering_failures, place_of
from cogs.threads import post_deep_dive

log = logging.getLogger(__name__)

Button = discord.ui.Button[discord.ui.View]
Select = discord.ui.Select[discord.ui.View]


def digest_bot(interaction: discord.Interaction) -> DigestBot:
    """Return the bot an interaction reached (the one process runs one DigestBot)."""
    return cast(DigestBot, interaction.client)


class PaperButton(
    discord.ui.DynamicItem[Button], template=r"paper:(?P<action>[a-z-]{1,20}):(?P<paper>[^:]{1,90})"
):
    """Details, Deep dive, Save, Not interested or More like this, on one paper version."""

    def __init__(self, request: ActionRequest | None, custom_id: str) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id, label="paper"))
        self.request = request

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PaperButton:
        """Read the id strictly; anything that is not one of ours gets a polite refusal."""
        return cls(parse_custom_id(match.string), match.string)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Do what the button says, for whoever clicked it."""
        if self.request is None:
            await answer(interaction, paper_words.NOT_MY_BUTTON)
            return
        action, ref = self.request.action, self.request.paper
        async with answering_failures(interaction, f"{action} on {ref}"):
            if action is PaperAction.DEEP_DIVE:
                await deep_dive(interaction, ref)
            elif action is PaperAction.DETAILS:
                await details(interaction, ref)
            elif action is PaperAction.SAVE:
                await save(interaction, ref)
            else:
                await mark(interaction, ref, action)


class PaperChoice(discord.ui.DynamicItem[Select], template=re.escape(CHOOSE_CUSTOM_ID)):
    """ "Choose a paper": the chosen paper's details, with its other buttons."""

    def __init__(self) -> None:
        super().__init__(discord.ui.Select(custom_id=CHOOSE_CUSTOM_ID))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> PaperChoice:
        """Every menu of ours has the same id: the options carry the papers."""
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        """Show the chosen paper's details (the option's value names the version)."""
        values = self.item.values
        ref = parse_choice(values[0]) if len(values) == 1 else None
        if ref is None:
            await answer(interaction, paper_words.NOT_MY_BUTTON)
            return
        async with answering_failures(interaction, f"choosing {ref}"):
            await details(interaction, ref)


class OthersButton(
    discord.ui.DynamicItem[Button],
    template=r"posted:(?P<kind>[a-z]{1,10}):(?P<id>\d{1,20}):(?P<date>[\d-]{10}):(?P<page>\d{1,4})",
):
    """ "Show all N" on a post's first message, and the page buttons of the list it opens."""

    def __init__(self, request: ListPage | None, custom_id: str) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id, label="page"))
        self.request = request

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> OthersButton:
        """Read the target, announcement and page the id names (strictly)."""
        return cls(parse_list_page(match.string), match.string)

    async def callback(self, interaction: discord.Interaction) -> None:
        """Open the list (only for the clicker), or turn its page in place."""
        request = self.request
        if request is None:
            await answer(interaction, paper_words.NOT_MY_BUTTON)
            return
        async with answering_failures(interaction, f"page {request.page} of {request.target}"):
            await self._show(interaction, request)

    async def _show(self, interaction: discord.Interaction, request: ListPage) -> None:
        """Answer with the page asked for."""
        place = place_of(interaction)
        if not may_see(request.target, place, interaction.user.id):
            await answer(interaction, paper_words.list_belongs_elsewhere(request.target))
            return
        source = interaction.message
        turning = source is not None and source.flags.ephemeral
        if turning:
            await interaction.response.defer()  # the list itself changes page
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
        page = await digest_bot(interaction).others.page(request, place, interaction.user.id)
        if page is None:
            await answer(interaction, paper_words.LIST_GONE)
            return
        message = others_message(page)
        if turning:
            await interaction.edit_original_response(
                embeds=list(message.embeds), view=StoredComponents(message.components)
            )
        else:
            await answer(interaction, message)


def others_message(page: OthersPage) -> OutgoingMessage:
    """Lay out one page of a post's other papers."""
    last = page.number == page.pages

    def page_id(number: int) -> str:
        return list_page_custom_id(page.target, page.date, number)

    row = page_buttons(
        page_id(page.number - 1) if page.number > 1 else None,
        page_id(page.number + 1) if not last else None,
        f"posted:{page.target.kind}:{page.target.id}:{page.date.isoformat()}",
    )
    entries = [ListEntry(match.paper, _matched(match.keywords)) for match in page.entries]
    return paper_list_message(
        paper_words.others_title(page.categories, page.date),
        entries,
        first_number=page.first_number,
        intro=paper_words.others_intro(page.matched, page.total, page.number, page.pages),
        page_row=row,
    )


async def details(interaction: discord.Interaction, ref: PaperRef) -> None:
    """Answer with the paper's full summary from the cache (never a new Claude call)."""
    bot = digest_bot(interaction)
    item = await bot.actions.details(place_of(interaction), interaction.user.id, ref)
    if item is None:
        await answer(interaction, paper_words.UNKNOWN_PAPER)
        return
    await answer(interaction, details_message(item))


async def save(interaction: discord.Interaction, ref: PaperRef) -> None:
    """Save the paper for whoever clicked, and say so to them alone."""
    bot = digest_bot(interaction)
    result = await bot.actions.save(place_of(interaction), interaction.user.id, ref)
    paper = await bot.actions.paper(ref)
    title = _title(paper.title if paper else str(ref))
    limit = bot.services.saved.limit
    await answer(interaction, paper_words.saved(result, title, str(ref), limit))


async def mark(interaction: discord.Interaction, ref: PaperRef, action: PaperAction) -> None:
    """Record (or undo) a "More like this" or "Not interested" mark."""
    bot = digest_bot(interaction)
    change = await bot.actions.mark(place_of(interaction), interaction.user.id, ref, action)
    paper = await bot.actions.paper(ref)
    title = _title(paper.title if paper else str(ref))
    await answer(interaction, paper_words.marked(change, action, title))


async def deep_dive(interaction: discord.Interaction, ref: PaperRef) -> None:
    """Acknowledge at once, then post the deep dive, or say plainly why there is none.

    In a server the wait and any failure are shown only to the clicker, and the deep dive
    goes into a thread under the digest message; in a DM, where nobody else reads, it is
    simply posted there.
    """
    place = place_of(interaction)
    await interaction.response.defer(ephemeral=place.in_server, thinking=True)
    found = await digest_bot(interaction).actions.deep_dive(place, interaction.user.id, ref)
    if found is None:
        await answer(interaction, paper_words.UNKNOWN_PAPER)
        return
    reading, reason = found.outcome.deep_dive, found.outcome.fallback
    if reading is None or reason is not None:
        why = reason or FallbackReason.INVALID_ANSWER  # an outcome holds one or the other
        await answer(interaction, paper_words.deep_dive_failed(why, _title(found.paper.title)))
        return
    message = deep_dive_message(found.paper, reading)
    if not place.in_server:
        await answer(interaction, message, ephemeral=False)
        return
    await post_deep_dive(interaction, found, message)


def _matched(keywords: tuple[str, ...]) -> str:
    """Say which keywords a listed paper matched."""
    shown = ", ".join(markdown_line(k) for k in keywords if markdown_line(k))
    return f"matched: {shown}" if shown else ""


def _title(text: str) -> str:
    """Return a title as it reads in a sentence: rendered, escaped, not too long."""
    title = markdown_line(text)
    return title if len(title) <= 200 else title[:199] + "…"


async def setup(bot: DigestBot) -> None:
    """Register the dynamic items (discord.py's extension entry point)."""
    bot.add_dynamic_items(PaperButton, PaperChoice, OthersButton)


async def teardown(bot: DigestBot) -> None:
    """Unregister them when the extension is unloaded."""
    bot.remove_dynamic_items(PaperButton, PaperChoice, OthersButton)
