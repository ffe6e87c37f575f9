"""Personal keyword subscriptions: `/subscribe`, `/unsubscribe`, `/subscriptions`.

Everything here is about the caller's own settings, so every answer is ephemeral.
"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import words
from bot.client import DigestBot
from bot.targets.changes import SubscriptionChange
from cogs.common import (
    CHOICE_MAX,
    MAX_CHOICES,
    complete_categories,
    complete_languages,
    complete_timezones,
    member_notice,
)


class SubscriptionsCog(commands.Cog):
    """A member's own keyword digest, sent by DM."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot

    @app_commands.command(name="subscribe")
    @app_commands.describe(
        keywords='Comma-separated, e.g. llm, kv cache, "exact phrase", au:Hinton, -survey'
    )
    async def subscribe(self, interaction: discord.Interaction, keywords: str) -> None:
        """Get a DM with new arXiv papers matching your keywords."""
        async with member_notice(self.bot, interaction):
            # What the keywords find may need the feed of new categories: answer later.
            await interaction.response.defer(ephemeral=True, thinking=True)
            done = await self.bot.targets.subscribe(interaction.user.id, keywords)
            sub = done.subscription
            lines = [words.describe_subscription(sub, self.bot.settings.default_categories)]
            if done.started:
                lines.append(words.subscription_start(sub))
            outlook = await self.bot.outlooks.for_target(sub.key)
            if outlook is not None:
                lines.append(words.outlook_text(outlook))
            await interaction.followup.send(
                "\n".join(lines), ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )

    @app_commands.command(name="unsubscribe")
    @app_commands.describe(keyword='One of your keywords, or "all" to stop your DMs')
    async def unsubscribe(self, interaction: discord.Interaction, keyword: str) -> None:
        """Remove a keyword from your subscription, or "all" of them."""
        async with member_notice(self.bot, interaction):
            left = await self.bot.targets.unsubscribe(interaction.user.id, keyword)
            text = words.keywords_left(left) if left else words.NO_KEYWORDS_LEFT
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )

    @unsubscribe.autocomplete("keyword")
    async def _own_keywords(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the caller's own keywords that contain what they typed, and "all"."""
        sub = await self.bot.targets.subscription(interaction.user.id)
        own = sub.keywords if sub else ()
        wanted = current.strip().casefold()
        names = [k for k in own if wanted in k.casefold() and len(k) <= CHOICE_MAX]
        names = names[: MAX_CHOICES - 1]  # room for "all"
        if own and "all".startswith(wanted):
            names.append("all")
        return [app_commands.Choice(name=name, value=name) for name in names]

    @app_commands.command(name="subscriptions")
    @app_commands.describe(
        categories="arXiv categories to watch, e.g. cs.CL, cs.LG (default: the bot's)",
        time=(
            'When to DM you: HH:MM in your timezone, or "now" for as soon as announced (default)'
        ),
        timezone="Your IANA timezone, e.g. Europe/Berlin",
        language="Language of the summaries, e.g. German or pt-BR",
        paused="Pause (true) or resume (false) your DMs",
        style="compact: title, authors, TL;DR, links (default); full: the whole summary",
    )
    @app_commands.autocomplete(
        categories=complete_categories, timezone=complete_timezones, language=complete_languages
    )
    async def subscriptions_command(
        self,
        interaction: discord.Interaction,
        categories: str | None = None,
        time: str | None = None,
        timezone: str | None = None,
        language: str | None = None,
        paused: bool | None = None,
        style: Literal["compact", "full"] | None = None,
    ) -> None:
        """Show your keyword subscription, or change its settings."""
        async with member_notice(self.bot, interaction):
            change = SubscriptionChange(categories, time, timezone, language, paused, style)
            targets, user_id = self.bot.targets, interaction.user.id
            # What the keywords find may need the feed of new categories: answer later.
            await interaction.response.defer(ephemeral=True, thinking=True)
            if change.empty:
                sub = await targets.subscription(user_id)
            else:
                sub = await targets.update_subscription(user_id, change)
            lines = [words.describe_subscription(sub, self.bot.settings.default_categories)]
            if sub is not None and sub.keywords:
                progress = await targets.progress(sub.key)
                if progress is not None:
                    lines.append(words.progress_line(progress))
                outlook = await self.bot.outlooks.for_target(sub.key)
                if outlook is not None:
                    lines.append(words.outlook_text(outlook))
            await interaction.followup.send(
                "\n".join(lines), ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )


async def setup(bot: DigestBot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(SubscriptionsCog(bot))
