"""`/status`: how the bot is doing, for the admins of a server, as one ephemeral embed.

Polling (last poll and its result, last announcement, next poll), today's papers and
summaries, Claude's tokens and estimated cost today and this month against the caps, and the
recent problems: failed polls, paused digests with their reason, papers that went out
abstract-only.
"""

from __future__ import annotations

import datetime as dt

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import DigestBot
from bot.status import FeedPoll, StatusReport, status_report
from bot.summarize.service import UsageReport
from cogs.common import guild_id, member_notice

#: Discord's embed field value limit (SPEC section 3).
FIELD_MAX = 1024
RECENT_FALLBACKS_SHOWN = 5
_COLOUR = 0xB31B1B  # arXiv red


class StatusCog(commands.Cog):
    """The bot's health for server admins."""

    def __init__(self, bot: DigestBot) -> None:
        self.bot = bot

    @app_commands.command(name="status")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def status(self, interaction: discord.Interaction) -> None:
        """Show polling, papers, Claude usage and cost, and recent problems."""
        async with member_notice(self.bot, interaction):
            services = self.bot.services
            report = await status_report(
                services.db, self.bot.clock, services.summarizer, guild_id(interaction)
            )
            await interaction.response.send_message(
                embed=status_embed(report),
                ephemeral=True,
                allowed_mentions=discord.AllowedMentions.none(),
            )


def status_embed(report: StatusReport) -> discord.Embed:
    """Lay a status report out as one embed: polling, Claude, recent problems."""
    embed = discord.Embed(title="arXiv digest status", colour=_COLOUR)
    embed.add_field(name="Polling", value=_cut(_polling(report)), inline=False)
    embed.add_field(name="Claude", value=_cut(_claude(report.usage)), inline=False)
    embed.add_field(name="Recent problems", value=_cut(_problems(report) or "None."), inline=False)
    return embed


def _polling(report: StatusReport) -> str:
    """Say when arXiv was last polled and with what result, what came, what comes next."""
    last = report.last_poll
    lines = [f"Last poll: {_when(last.at)}, {_result(last)}" if last else "Last poll: not yet"]
    if report.last_announcement is None:
        lines.append("Last announcement: none recorded yet")
    else:
        lines.append(f"Last announcement: {report.last_announcement.isoformat()}")
    if report.papers_that_day is not None:
        lines.append(f"Papers in this server's categories that day: {report.papers_that_day:,}")
    next_poll = report.next_poll
    lines.append(f"Next poll: {_when(next_poll) if next_poll else 'not scheduled'}")
    return "\n".join(lines)


def _problems(report: StatusReport) -> str:
    """List failed polls, paused digests of this server and recent abstract-only papers."""
    lines: list[str] = []
    if report.last_poll_error:
        lines.append(f"Last poll failed: {report.last_poll_error}")
    lines += [f"Feed poll failed {_when(poll.at)}: {poll.result}" for poll in report.failed_polls]
    lines += [
        f"Digest of <#{paused.channel_id}> paused: {paused.reason}"
        for paused in report.paused_digests
    ]
    lines += [
        f"Digest of <#{skipped.channel_id}> not scheduled: unknown timezone"
        f" {skipped.timezone[:40]!r}; set one with /digest set"
        for skipped in report.unscheduled_digests
    ]
    for fallback in report.usage.recent_fallbacks[:RECENT_FALLBACKS_SHOWN]:
        lines.append(
            f"{fallback.base_id}v{fallback.version} went out abstract-only"
            f" {_when(fallback.at)}: {fallback.reason}"
        )
    return "\n".join(lines)


def _claude(usage: UsageReport) -> str:
    """Say whether Claude is set up, and its usage and estimated cost against the caps."""
    if not usage.configured:
        head = "Not configured (no ANTHROPIC_API_KEY): every paper goes out abstract-only."
    else:
        head = f"Model: {usage.model}"
    lines = [
        head,
        f"Summaries written today: {usage.summaries_today:,}",
        f"Abstract-only today: {_fallback_counts(usage)}",
        f"Today: {_tokens(usage.today.input_tokens, usage.today.output_tokens)},"
        f" ≈ ${usage.today.cost_usd:.2f}{_cap(usage.daily_budget_usd)}",
        f"This month: {_tokens(usage.month.input_tokens, usage.month.output_tokens)},"
        f" ≈ ${usage.month.cost_usd:.2f}{_cap(usage.monthly_budget_usd)}",
    ]
    for hit in usage.budget_hits:
        lines.append(
            f"Budget reached ({hit.scope}, {hit.period}): {hit.papers_skipped:,} paper(s)"
            " went out abstract-only"
        )
    return "\n".join(lines)


def _fallback_counts(usage: UsageReport) -> str:
    """Say how many papers went out abstract-only today, and why."""
    counts = usage.fallbacks_today
    if not counts:
        return "0"
    total = sum(count for _, count in counts)
    return f"{total:,} (" + ", ".join(f"{reason} {count:,}" for reason, count in counts) + ")"


def _tokens(input_tokens: int, output_tokens: int) -> str:
    """Say how many tokens went in and out."""
    return f"{input_tokens:,} input + {output_tokens:,} output tokens"


def _cap(cap: float | None) -> str:
    """Show a spending cap, if any."""
    return "" if cap is None else f" of ${cap:.2f}"


def _result(poll: FeedPoll) -> str:
    """Say what a poll's result means."""
    if poll.fetched:
        return "feed fetched"
    if poll.not_modified:
        return "no change (304)"
    return f"failed: {poll.result}" if poll.result else "no result"


def _when(moment: dt.datetime) -> str:
    """Return a relative Discord timestamp, shown in each reader's timezone."""
    return discord.utils.format_dt(moment, "R")


def _cut(text: str, limit: int = FIELD_MAX) -> str:
    """Keep a field value within Discord's limit, cutting at a line where possible."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    return (head.rsplit("\n", 1)[0] if "\n" in head else head) + "…"


async def setup(bot: DigestBot) -> None:
    """Load the cog (discord.py's extension entry point)."""
    await bot.add_cog(StatusCog(bot))
