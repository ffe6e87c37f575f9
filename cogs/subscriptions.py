"""Personal keyword subscriptions: `/subscribe`, `/unsubscribe`, `/subscriptions`.

Everything here is about the caller's own settings, so every answer is ephemeral.
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot import subscriptions
from bot.client import DigestBot
from bot.subscriptions import Subscription, SubscriptionChange
from cogs.common import (
    CHOICE_MAX,
    MAX_CHOICES,
    complete_categories,
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
            db = self.bot.services.db
            before = await subscriptions.get(db, interaction.user.id)
            await subscriptions.subscribe(db, interaction.user.id, keywords)
            sub = await subscriptions.get(db, interaction.user.id)
            lines = [subscriptions.describe(sub, self.bot.settings.default_categories)]
            if sub is not None and (before is None or not before.keywords):
                lines.append(self._start(sub))
            await interaction.response.send_message(
                "\n".join(lines), ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )

    @app_commands.command(name="unsubscribe")
    @app_commands.describe(keyword='One of your keywords, or "all" to stop your DMs')
    async def unsubscribe(self, interaction: discord.Interaction, keyword: str) -> None:
        """Remove a keyword from your subscription, or "all" of them."""
        async with member_notice(self.bot, interaction):
            user_id = interaction.user.id
            left = await subscriptions.unsubscribe(self.bot.services.db, user_id, keyword)
            if not left:
                self.bot.clock.unschedule(f"dm:{user_id}")
                text = "You have no keywords left, so I will not DM you papers any more."
            else:
                text = f"Removed. Your keywords: {', '.join(left)}"
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )

    @unsubscribe.autocomplete("keyword")
    async def _own_keywords(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Offer the caller's own keywords that contain what they typed, and "all"."""
        sub = await subscriptions.get(self.bot.services.db, interaction.user.id)
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
    )
    @app_commands.autocomplete(categories=complete_categories, timezone=complete_timezones)
    async def subscriptions_command(
        self,
        interaction: discord.Interaction,
        categories: str | None = None,
        time: str | None = None,
        timezone: str | None = None,
        language: str | None = None,
        paused: bool | None = None,
    ) -> None:
        """Show your keyword subscription, or change its settings."""
        async with member_notice(self.bot, interaction):
            change = SubscriptionChange(categories, time, timezone, language, paused)
            db, user_id = self.bot.services.db, interaction.user.id
            if change == SubscriptionChange():
                sub = await subscriptions.get(db, user_id)
            else:
                sub = await subscriptions.update(
                    db, user_id, change, self.bot.settings.default_language
                )
                self.bot.clock.schedule_subscription(user_id, sub.time, sub.timezone)
            text = subscriptions.describe(sub, self.bot.settings.default_categories)
            await interaction.response.send_message(
                text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )

    def _start(self, sub: Subscription) -> str:
        """Schedule a new subscriber's DMs; say when the first one comes (SPEC section 2)."""
        clock = self.bot.clock
        clock.schedule_subscription(sub.user_id, sub.time, sub.timezone)
        if sub.time is not None:
            return f"I will DM you matching papers every day at {sub.time:%H:%M} {sub.timezone}."
        categories = sub.categories or self.bot.settings.default_categories
        clock.run_soon(f"first-dm:{sub.user_id}", lambda: clock.first_dm(sub.user_id, categories))
        return (
            "I will DM you the matches of the latest announcement within a minute, then new"
            " ones after each announcement (make sure you accept DMs from server members)."
        )


async def setup(bot: DigestBot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(SubscriptionsCog(bot))
