"""`/digest set|show|preview|post|pause|resume|remove|defaults`: a server's channel digests.

Admin commands: the group is guild-only and needs Manage Server by default (server admins
can change who may use it in Server Settings > Integrations). Answers are ephemeral; the
digest itself is what the channel sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import paper_words, words
from bot.client import DigestBot
from bot.discord_sender import view_of
from bot.errors import UserInputError
from bot.targets.changes import NO_ROLE, ChannelRights, DigestChange
from bot.targets.model import DigestConfig
from cogs.common import (
    complete_categories,
    complete_languages,
    complete_timezones,
    guild_id,
    member_notice,
)

#: Discord's cap on a message's content (docs/behaviour.md, "Discord's limits").
CONTENT_MAX = 2000
_MENTIONS_OFF = discord.AllowedMentions.none()
#: A digest's channel: text and announcement channels (discord.TextChannel) and forums.
DigestChannel = discord.TextChannel | discord.ForumChannel


class DigestChannelOption(app_commands.Transformer):
    """The channel picker of a digest: text, announcement and forum channels.

    Not media channels, which discord.py's ForumChannel also stands for: their posts must
    carry an image or video (https://support.discord.com/hc/en-us/articles/14346342766743).
    """

    @property
    def type(self) -> discord.AppCommandOptionType:
        """Return the option type: a channel."""
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        """Return the channel types the picker offers (0, 5 and 15)."""
        return [discord.ChannelType.text, discord.ChannelType.news, discord.ChannelType.forum]

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> DigestChannel:
        """Return the channel picked, as the bot's cache holds it."""
        resolved = value.resolve()
        if isinstance(resolved, discord.TextChannel | discord.ForumChannel):
            return resolved
        raise app_commands.TransformerError(value, self.type, self)


PickedChannel = app_commands.Transform[DigestChannel, DigestChannelOption]


async def complete_server_language(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Offer "default" (the bot's language) first, then the common languages."""
    choices = await complete_languages(interaction, current)
    if not current.strip() or "default".startswith(current.strip().casefold()):
        choices.insert(0, app_commands.Choice(name=words.BOT_LANGUAGE_CHOICE, value="default"))
    return choices[:25]


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
        language="Language of the summaries, e.g. German or pt-BR (default: the server's)",
        max_papers="Most papers per post, 1 to 25 (default 10)",
        include_cross_lists="Include papers cross-listed from other categories (default: no)",
        thread="Post each day's papers in a thread under its header (default: no)",
        mention_role="The one role each post pings (pick @everyone to ping nobody)",
        style="compact: title, authors, TL;DR, links (default); full: the whole summary",
        quiet="On a day without matches: post nothing (default) or, if false, one line saying so",
        versions="Reply to a posted paper when arXiv announces a new version of it (default: no)",
    )
    @app_commands.autocomplete(
        categories=complete_categories, timezone=complete_timezones, language=complete_languages
    )
    async def set_digest(
        self,
        interaction: discord.Interaction,
        channel: PickedChannel,
        categories: str,
        keywords: str | None = None,
        time: str | None = None,
        timezone: str | None = None,
        language: str | None = None,
        max_papers: app_commands.Range[int, 1, 25] | None = None,
        include_cross_lists: bool | None = None,
        thread: bool | None = None,
        mention_role: discord.Role | None = None,
        style: Literal["compact", "full"] | None = None,
        quiet: bool | None = None,
        versions: bool | None = None,
    ) -> None:
        """Create or change a channel's digest (a text, announcement or forum channel)."""
        async with member_notice(self.bot, interaction):
            change = DigestChange(
                categories,
                keywords,
                time,
                timezone,
                language,
                max_papers,
                include_cross_lists,
                forum=isinstance(channel, discord.ForumChannel),
                thread=thread,
                mention_role=_role_id(mention_role),
                rights=channel_rights(channel),
                style=style,
                quiet=quiet,
                versions=versions,
            )
            # What the keywords find may need the feed of new categories: answer later.
            await interaction.response.defer(ephemeral=True, thinking=True)
            saved = await self.bot.targets.set_digest(guild_id(interaction), channel.id, change)
            text = words.digest_set(saved.config, saved.next_post, created=saved.created)
            if mention_role is not None and not _can_ping(mention_role):
                text += "\n" + words.role_not_mentionable(mention_role.id)
            outlook = await self.bot.outlooks.for_target(saved.config.key)
            if outlook is not None:
                text += "\n" + words.outlook_text(outlook)
            await send_pages(interaction, [text])

    @digest.command(name="show")
    async def show(self, interaction: discord.Interaction) -> None:
        """List this server's digests with their settings, last and next post."""
        async with member_notice(self.bot, interaction):
            server = guild_id(interaction)
            configs = await self.bot.targets.digests(server)
            language = await self.bot.targets.server_language(server)
            defaults = words.server_language_line(language, self.bot.settings.default_language)
            blocks = [await self._describe(config) for config in configs]
            await send_pages(interaction, [*blocks, defaults] if configs else [words.NO_DIGESTS])

    @digest.command(name="preview")
    @app_commands.describe(channel="The channel whose next post to preview")
    async def preview(self, interaction: discord.Interaction, channel: PickedChannel) -> None:
        """Show (only to you) what the channel's next post would hold; nothing is posted."""
        async with member_notice(self.bot, interaction):
            config = await self.bot.targets.digest(channel.id)
            await interaction.response.defer(ephemeral=True, thinking=True)
            preview = await self.bot.delivery.preview(config.key)
            if preview is None:
                await interaction.followup.send(
                    words.no_announcement_yet(config.categories),
                    ephemeral=True,
                    allowed_mentions=_MENTIONS_OFF,
                )
                return
            for payload in with_intro(words.preview_intro(channel.id), preview.payloads):
                await send_followup(interaction, payload)

    @digest.command(name="post")
    @app_commands.describe(channel="The channel to post the pending papers in")
    async def post(self, interaction: discord.Interaction, channel: PickedChannel) -> None:
        """Post the channel's pending papers now (papers already posted are never repeated)."""
        async with member_notice(self.bot, interaction):
            config = await self.bot.targets.digest(channel.id)
            if config.refuses_posts:
                raise UserInputError(words.digest_is_paused(config))
            await interaction.response.defer(ephemeral=True, thinking=True)
            result = await self.bot.delivery.post_now(config.key)
            await interaction.followup.send(
                words.post_result(channel.id, result),
                ephemeral=True,
                allowed_mentions=_MENTIONS_OFF,
            )

    @digest.command(name="pause")
    @app_commands.describe(channel="The channel whose digest to pause")
    async def pause(self, interaction: discord.Interaction, channel: PickedChannel) -> None:
        """Stop a channel's digest for now; it keeps its settings."""
        async with member_notice(self.bot, interaction):
            await self.bot.targets.pause_digest(channel.id)
            await send_pages(interaction, [words.digest_paused(channel.id)])

    @digest.command(name="resume")
    @app_commands.describe(channel="The channel whose digest to resume")
    async def resume(self, interaction: discord.Interaction, channel: PickedChannel) -> None:
        """Restart a paused digest; messages that could not be posted are sent again."""
        async with member_notice(self.bot, interaction):
            config = await self.bot.targets.resume_digest(channel.id)
            text = words.digest_resumed(config, self.bot.targets.next_post(config.key))
            await send_pages(interaction, [text])

    @digest.command(name="remove")
    @app_commands.describe(channel="The channel whose digest to delete")
    async def remove(self, interaction: discord.Interaction, channel: PickedChannel) -> None:
        """Delete a channel's digest (papers it posted are never posted there again)."""
        async with member_notice(self.bot, interaction):
            await self.bot.targets.remove_digest(channel.id)
            await send_pages(interaction, [words.digest_removed(channel.id)])

    @digest.command(name="defaults")
    @app_commands.describe(
        language='Summary language of digests that set none, e.g. German; "default" for the bot\'s',
    )
    @app_commands.autocomplete(language=complete_server_language)
    async def defaults(self, interaction: discord.Interaction, language: str | None = None) -> None:
        """Show or change this server's defaults for its digests."""
        async with member_notice(self.bot, interaction):
            server = guild_id(interaction)
            targets = self.bot.targets
            if language is None:
                current = await targets.server_language(server)
            else:
                current = await targets.set_server_language(server, language)
            text = words.server_defaults(
                current, self.bot.settings.default_language, changed=language is not None
            )
            await send_pages(interaction, [text])

    async def _describe(self, config: DigestConfig) -> str:
        """Describe a digest: next post, latest announcement, how its buttons were used."""
        tally = await self.bot.services.feedback.tally(config.channel_id)
        described = words.describe_digest(
            config,
            self.bot.targets.next_post(config.key),
            await self.bot.targets.progress(config.key),
        )
        return f"{described}\n{paper_words.tally(tally)}"


def channel_rights(channel: DigestChannel) -> ChannelRights:
    """Return what the bot may do in a digest's channel (Discord works it out, overwrites too)."""
    allowed = channel.permissions_for(channel.guild.me)
    return ChannelRights(
        view=allowed.view_channel,
        send=allowed.send_messages,
        embed=allowed.embed_links,
        read_history=allowed.read_message_history,
        create_threads=allowed.create_public_threads,
        send_in_threads=allowed.send_messages_in_threads,
    )


def _role_id(role: discord.Role | None) -> int | None:
    """Return the role a digest should ping: @everyone means nobody (it is never pinged)."""
    if role is None:
        return None
    return NO_ROLE if role.is_default() else role.id


def _can_ping(role: discord.Role) -> bool:
    """Say whether the bot's mention of `role` notifies its members."""
    if role.is_default():
        return True  # nothing is pinged, nothing to warn about
    return role.mentionable or role.guild.me.guild_permissions.mention_everyone


def with_intro(intro: str, payloads: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Put `intro` above the first message's content when it fits, else in its own message."""
    first, *rest = payloads
    content = first.get("content")
    combined = f"{intro}\n{content}" if content else intro
    if len(combined) <= CONTENT_MAX:
        return [{**first, "content": combined}, *rest]
    return [{"content": intro, "embeds": []}, first, *rest]


async def send_followup(interaction: discord.Interaction, payload: Mapping[str, Any]) -> None:
    """Send one message payload as an ephemeral followup, with its buttons, mentions off."""
    embeds = [discord.Embed.from_dict(embed) for embed in payload.get("embeds", [])]
    content = payload.get("content")
    options: dict[str, Any] = {"ephemeral": True, "allowed_mentions": _MENTIONS_OFF}
    if payload.get("components"):
        options["view"] = view_of(payload)
    if content:
        await interaction.followup.send(content, embeds=embeds, **options)
    else:
        await interaction.followup.send(embeds=embeds, **options)


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


async def setup(bot: DigestBot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(DigestCog(bot))
