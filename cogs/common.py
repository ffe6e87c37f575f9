"""What the cogs share.

The server a command runs in, the notice for members whose DMs had failed (docs/behaviour.md,
"Failures people cause"), the autocompletes for categories, timezones and languages, and how
an action on a paper is answered.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord
from discord import app_commands

from bot.actions import Place
from bot.arxiv.taxonomy import CATEGORY_NAMES, suggest
from bot.client import DigestBot, reply_ephemeral
from bot.discord_sender import StoredComponents
from bot.errors import UserInputError
from bot.languages import suggest_languages
from bot.render.messages import OutgoingMessage
from bot.validate import suggest_timezones
from bot.words import DMS_CLOSED_NOTICE, SOMETHING_WENT_WRONG

log = logging.getLogger(__name__)

#: Discord's caps on autocomplete: 25 choices, names and string values of 1-100 characters.
#: Source: https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-choice-structure
MAX_CHOICES = 25
CHOICE_MAX = 100
_LAST_ITEM = re.compile(r"(?P<head>.*[,\s])?(?P<last>[^,\s]*)", re.DOTALL)


def guild_id(interaction: discord.Interaction) -> int:
    """Return the server the command runs in (for guild-only commands)."""
    if interaction.guild_id is None:
        raise UserInputError("use this command in a server")
    return interaction.guild_id


@asynccontextmanager
async def member_notice(bot: DigestBot, interaction: discord.Interaction) -> AsyncIterator[None]:
    """Run a command's body, then tell a member whose DMs had failed why (ephemerally).

    `returning_member` also lets DMs be tried again, so the notice goes out even when the
    command itself fails (the error answer follows it).
    """
    returning = await bot.targets.returning_member(interaction.user.id)
    try:
        yield
    finally:
        if returning:
            await reply_ephemeral(interaction, DMS_CLOSED_NOTICE)


async def complete_timezones(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Offer IANA timezone names containing what the user typed."""
    return [
        app_commands.Choice(name=name, value=name)
        for name in suggest_timezones(current, MAX_CHOICES)
        if len(name) <= CHOICE_MAX
    ]


async def complete_languages(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Offer common languages (by tag, English or own name) matching what the user typed."""
    return [
        app_commands.Choice(name=cut_choice(language.label), value=language.tag)
        for language in suggest_languages(current, MAX_CHOICES)
        if len(language.tag) <= CHOICE_MAX
    ]


async def complete_categories(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Complete the last category of a comma- or space-separated list, keeping the others."""
    found = _LAST_ITEM.fullmatch(current)
    head, last = (found["head"] or "", found["last"]) if found else ("", current)
    earlier = [part for part in re.split(r"[,\s]+", head) if part]
    choices = []
    for code in suggest(last, MAX_CHOICES + len(earlier)):
        if code in earlier:
            continue
        value = ", ".join([*earlier, code])
        if len(value) > CHOICE_MAX:
            continue
        name = f"{value} ({CATEGORY_NAMES[code]})"
        choices.append(app_commands.Choice(name=cut_choice(name), value=value))
    return choices[:MAX_CHOICES]


def cut_choice(text: str, limit: int = CHOICE_MAX) -> str:
    """Shorten a choice name to Discord's limit."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def place_of(interaction: discord.Interaction) -> Place:
    """Return where an interaction happened: a server's channel, or a DM with the bot.

    A click in a thread or a forum post counts for the channel it is in: a digest posted in
    a thread or a forum is that channel's digest.
    """
    in_server = interaction.guild_id is not None
    paying = interaction.guild_id if in_server and interaction.is_guild_integration() else None
    channel = interaction.channel
    if isinstance(channel, discord.Thread) and channel.parent_id is not None:
        return Place(channel.parent_id, in_server, paying)
    return Place(interaction.channel_id or 0, in_server, paying)


async def answer(
    interaction: discord.Interaction, message: OutgoingMessage | str, *, ephemeral: bool = True
) -> None:
    """Answer an interaction with a line or a message, whether or not it was acknowledged.

    Ephemeral by default: what a member does with a paper is theirs. Mentions are off.
    """
    if isinstance(message, str):
        message = OutgoingMessage(message)
    options: dict[str, Any] = {
        "embeds": list(message.embeds),
        "ephemeral": ephemeral,
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    if message.components:
        options["view"] = StoredComponents(message.components)
    if interaction.response.is_done():
        await interaction.followup.send(message.content or "", **options)
    else:
        await interaction.response.send_message(message.content, **options)


@asynccontextmanager
async def answering_failures(interaction: discord.Interaction, what: str) -> AsyncIterator[None]:
    """Answer whoever clicked when a button's work fails, as slash commands are answered.

    discord.py only logs an error of a component's callback, and the member would see
    "This interaction failed": a mistake of theirs gets its reason, anything else is logged
    here and they are told it was on the bot's side.
    """
    try:
        yield
    except UserInputError as exc:
        await reply_ephemeral(interaction, str(exc))
    except Exception:
        log.exception("%s failed", what)
        await reply_ephemeral(interaction, SOMETHING_WENT_WRONG)
