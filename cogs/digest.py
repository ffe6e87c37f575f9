"""`/digest set|show|preview|post|pause|resume|remove`: a server's channel digests.

Admin commands: the group is guild-only and needs Manage Server by default (server admins
can change who may use it in Server Settings > Integrations). Answers are ephemeral; the
digest itself is what the channel sees.
"""

from __future__ import annotations

from collections.abc import Iterable

import discord
from discord import app_commands
from discord.ext import commands

from bot import digests
from bot.client import DigestBot
from bot.digests import DigestChange, DigestConfig
from bot.errors import UserInputError
from bot.render import OutgoingMessage, render_digest
from cogs.common import complete_categories, complete_timezones, guild_id, member_notice

#: Discord's cap on a message's content (SPEC section 3).
CONTENT_MAX = 2000
_MENTIONS_OFF = discord.AllowedMentions.none()


class DigestCog(commands.Cog):
    """Daily digests of arXiv announcements, posted in channels."""

    digest = app_commands.Group(
        name="digest",
        description="Daily arXiv digests in this server's channels",
        guild_only=True,
        allowed_contexts=app_commands.AppCommandContext(
            guild=True
        ),  # `contexts`, as Discord now asks
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot

    @digest.command(name="set")
    @app_commands.describe(
        channel="The channel that gets the digest",
        categories="arXiv categories, e.g. cs.CL, cs.LG or hep-th",
        keywords='Comma-separated, e.g. llm, kv cache, "exact phrase", -survey (default: all)',
        time='When to post: HH:MM, or "now" for as soon as the announcement is out (default)',
        timezone="IANA timezone of the time, e.g. Europe/Berlin (default: UTC)",
        language="Language of the summaries, e.g. German or pt-BR (default: the bot's)",
        max_papers="Most papers per post, 1 to 25 (default 10)",
        include_cross_lists="Include papers cross-listed from other categories (default: no)",
    )
    @app_commands.autocomplete(categories=complete_categories, timezone=complete_timezones)
    async def set_digest(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        categories: str,
        keywords: str | None = None,
        time: str | None = None,
        timezone: str | None = None,
        language: str | None = None,
        max_papers: app_commands.Range[int, 1, 25] | None = None,
        include_cross_lists: bool | None = None,
    ) -> None:
        """Create or change a channel's digest."""
        async with member_notice(self.bot, interaction):
            check_can_post(channel)
            change = DigestChange(
                categories, keywords, time, timezone, language, max_papers, include_cross_lists
            )
            config, is_new = await digests.set_digest(
                self.bot.services.db,
                guild_id(interaction),
                channel.id,
                change,
                self.bot.settings.default_language,
            )
            clock = self.bot.clock
            clock.schedule_digest(config.channel_id, config.time, config.timezone)
            lines = [f"Digest {'created' if is_new else 'updated'}.", self._describe(config)]
            if is_new and config.time is None:
                # SPEC section 2: whoever sets a digest up sees what it delivers within a minute.
                clock.run_soon(
                    f"first:{channel.id}",
                    lambda: clock.first_post(config.channel_id, config.categories),
                )
                lines.append("The latest announcement's matches will be posted within a minute.")
            await send_pages(interaction, ["\n".join(lines)])

    @digest.command(name="show")
    async def show(self, interaction: discord.Interaction) -> None:
        """List this server's digests with their settings, last and next post."""
        async with member_notice(self.bot, interaction):
            configs = await digests.list_for_guild(self.bot.services.db, guild_id(interaction))
            if not configs:
                await send_pages(
                    interaction, ["This server has no digests yet. Create one with /digest set."]
                )
                return
            await send_pages(interaction, [self._describe(config) for config in configs])

    @digest.command(name="preview")
    @app_commands.describe(channel="The channel whose next post to preview")
    async def preview(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Show (only to you) what the channel's next post would hold; nothing is posted."""
        async with member_notice(self.bot, interaction):
            config = await digests.require_digest(self.bot.services.db, channel.id)
            await interaction.response.defer(ephemeral=True, thinking=True)
            digest = await self.bot.delivery.preview_digest(channel.id)
            if digest is None:
                await interaction.followup.send(
                    f"No announcement recorded yet for {', '.join(config.categories)};"
                    " the digest will post after the next one.",
                    ephemeral=True,
                    allowed_mentions=_MENTIONS_OFF,
                )
                return
            intro = f"Preview of the next post in {channel.mention} (nothing was posted):"
            for message in with_intro(intro, render_digest(digest)):
                await send_followup(interaction, message)

    @digest.command(name="post")
    @app_commands.describe(channel="The channel to post the pending papers in")
    async def post(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Post the channel's pending papers now (papers already posted are never repeated)."""
        async with member_notice(self.bot, interaction):
            config = await digests.require_digest(self.bot.services.db, channel.id)
            if config.paused:
                reason = config.pause_reason or "paused"
                raise UserInputError(
                    f"the digest of {channel.mention} is paused ({reason});"
                    " resume it with /digest resume"
                )
            await interaction.response.defer(ephemeral=True, thinking=True)
            result = await self.bot.delivery.post_digest(channel.id)
            if result.problem is not None:
                text = f"Could not post in {channel.mention}: {result.problem}"
            elif result.papers:
                text = f"Posted {_papers(result.papers)} in {channel.mention}."
            elif result.sent:
                text = f"Posted {result.sent} waiting message(s) in {channel.mention}."
            else:
                text = f"Nothing new to post in {channel.mention}."
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=_MENTIONS_OFF)

    @digest.command(name="pause")
    @app_commands.describe(channel="The channel whose digest to pause")
    async def pause(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Stop a channel's digest for now; it keeps its settings."""
        async with member_notice(self.bot, interaction):
            await digests.pause(self.bot.services.db, channel.id)
            await send_pages(
                interaction,
                [f"Paused the digest of {channel.mention}. Restart it with /digest resume."],
            )

    @digest.command(name="resume")
    @app_commands.describe(channel="The channel whose digest to resume")
    async def resume(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Restart a paused digest; messages that could not be posted are sent again."""
        async with member_notice(self.bot, interaction):
            db, delivery = self.bot.services.db, self.bot.delivery
            requeued = await digests.resume(db, channel.id)
            if requeued:
                self.bot.clock.run_soon(
                    f"flush:{channel.id}", lambda: digests.send_requeued(delivery, channel.id)
                )
            config = await digests.require_digest(db, channel.id)
            await send_pages(interaction, ["Digest resumed.\n" + self._describe(config)])

    @digest.command(name="remove")
    @app_commands.describe(channel="The channel whose digest to delete")
    async def remove(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        """Delete a channel's digest (papers it posted are never posted there again)."""
        async with member_notice(self.bot, interaction):
            await digests.remove(self.bot.services.db, channel.id)
            self.bot.clock.unschedule(f"digest:{channel.id}")
            await send_pages(interaction, [f"Removed the digest of {channel.mention}."])

    def _describe(self, config: DigestConfig) -> str:
        """Describe a digest with its next scheduled post."""
        return digests.describe(config, self.bot.clock.next_run(f"digest:{config.channel_id}"))


def check_can_post(channel: discord.TextChannel) -> None:
    """Refuse a channel the bot cannot post embeds in, before anything is stored."""
    allowed = channel.permissions_for(channel.guild.me)
    if not (allowed.view_channel and allowed.send_messages and allowed.embed_links):
        raise UserInputError(
            f"I cannot post in {channel.mention}: give me View Channel, Send Messages and"
            " Embed Links there, then try again"
        )


def with_intro(intro: str, messages: list[OutgoingMessage]) -> list[OutgoingMessage]:
    """Put `intro` above the first message's content when it fits, else in its own message."""
    first = messages[0]
    combined = f"{intro}\n{first.content}" if first.content else intro
    if len(combined) <= CONTENT_MAX:
        return [OutgoingMessage(combined, first.embeds), *messages[1:]]
    return [OutgoingMessage(intro), *messages]


async def send_followup(interaction: discord.Interaction, message: OutgoingMessage) -> None:
    """Send one rendered message as an ephemeral followup."""
    if message.content:
        await interaction.followup.send(
            message.content,
            embeds=list(message.embeds),
            ephemeral=True,
            allowed_mentions=message.allowed_mentions,
        )
    else:
        await interaction.followup.send(
            embeds=list(message.embeds), ephemeral=True, allowed_mentions=message.allowed_mentions
        )


async def send_pages(interaction: discord.Interaction, blocks: Iterable[str]) -> None:
    """Answer ephemerally with text blocks, as few messages as Discord's 2,000 limit allows."""
    for page in pages(blocks):
        if interaction.response.is_done():
            await interaction.followup.send(page, ephemeral=True, allowed_mentions=_MENTIONS_OFF)
        else:
            await interaction.response.send_message(
                page, ephemeral=True, allowed_mentions=_MENTIONS_OFF
            )


def pages(blocks: Iterable[str], limit: int = CONTENT_MAX) -> list[str]:
    """Join blocks with blank lines into pages of at most `limit` characters."""
    result: list[str] = []
    for block in blocks:
        block = block if len(block) <= limit else block[: limit - 1] + "…"
        if result and len(result[-1]) + 2 + len(block) <= limit:
            result[-1] += "\n\n" + block
        else:
            result.append(block)
    return result


def _papers(count: int) -> str:
    """Say "1 paper" or "N papers"."""
    return f"{count} paper" if count == 1 else f"{count} papers"


async def setup(bot: DigestBot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(DigestCog(bot))
