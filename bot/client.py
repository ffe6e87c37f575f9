"""The Discord bot process (`arxiv-digest-bot run`): holds the services, loads the cogs.

Resources (database, HTTP clients, Claude client) are opened once in `run_bot` and passed
in; async set-up happens in `setup_hook`, teardown in `close` (never in `on_ready`, which
fires again on every reconnect).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import signal
from collections.abc import Callable

import aiohttp
import discord
import yarl
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

from bot import words
from bot.app import Services, open_services
from bot.clock import Clock
from bot.config import Settings
from bot.delivery.courier import Courier
from bot.delivery.retry import RetryPolicy
from bot.delivery.service import Delivery
from bot.discord_sender import DiscordSender
from bot.errors import ConfigError, DigestBotError, UserInputError
from bot.store import poll_state
from bot.targets.schedule import TargetSchedule
from bot.targets.service import LostTargets, TargetService
from bot.timeutil import utc_now

log = logging.getLogger(__name__)

EXTENSIONS = ("cogs.summarize", "cogs.digest", "cogs.subscriptions", "cogs.status")
_SYNC_KEY = "commands.global_hash"


class DigestBot(commands.Bot):
    """discord.py bot with the project's services; slash commands only, no privileged intents."""

    def __init__(
        self,
        services: Services,
        *,
        guild_ready_timeout: float = 2.0,
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        """Wire the bot's own services on `services`.

        `now` is the clock delivery decides by (which targets are due, when a retry may
        come); tests move it on instead of waiting.
        """
        intents = discord.Intents.none()
        intents.guilds = True  # channels and permissions; not a privileged intent
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=guild_ready_timeout,
        )
        self.services = services
        self.settings = settings = services.settings
        db = services.db
        self.clock = Clock(AsyncIOScheduler(timezone="UTC"))
        # A timed target's job sends what was planned for it; `self.delivery` exists by the
        # time any job runs (the clock starts in setup_hook).
        schedule = TargetSchedule(self.clock, db, lambda key: self.delivery.flush(key))
        courier = Courier(
            db,
            DiscordSender(self),
            LostTargets(db, schedule),
            policy=RetryPolicy.of(settings),
            clock=now,
        )
        self.delivery = Delivery(
            db, services.poller, services.planner, courier, self.clock, settings, now=now
        )
        self.schedule = schedule
        self.targets = TargetService(db, settings, schedule, self.delivery)
        self.tree.error(self.on_app_command_error)

    async def setup_hook(self) -> None:
        """Load cogs, sync commands, settle interrupted posts, then start the clock."""
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands()
        await self.delivery.reconcile()
        await self.schedule.sync_all()
        self.delivery.start()
        self.clock.start()

    async def close(self) -> None:
        """Stop the clock and let running jobs end, then disconnect."""
        await self.clock.stop()
        await super().close()

    async def sync_commands(self) -> None:
        """Sync to DISCORD_GUILD_ID at once when set; globally only when the commands changed.

        Global syncs are rate limited and slow to propagate, so an unchanged command set
        (compared by a hash of its definitions) is not synced again.
        """
        guild_id = self.settings.discord_guild_id
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
            log.info("synced commands to guild %s", guild_id)
            return
        definitions = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        digest = hashlib.sha256(
            json.dumps(definitions, sort_keys=True, default=str).encode()
        ).hexdigest()
        if await poll_state.get_value(self.services.db, _SYNC_KEY) == digest:
            log.info("commands unchanged since the last sync; not syncing")
            return
        await self.tree.sync()
        await poll_state.set_value(self.services.db, _SYNC_KEY, digest)
        log.info("synced %d global commands", len(definitions))

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Answer every failed command ephemerally: the reason for user mistakes, else a notice."""
        original = getattr(error, "original", error)
        if isinstance(original, UserInputError):
            message = str(original)
        elif isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
            message = words.NEEDS_MANAGE_SERVER
        else:
            log.error(
                "command %s failed",
                interaction.command.qualified_name if interaction.command else "?",
                exc_info=original,
            )
            message = words.SOMETHING_WENT_WRONG
        await reply_ephemeral(interaction, message)


async def reply_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """Send an ephemeral message whether or not the interaction was acknowledged yet."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await interaction.response.send_message(
                message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException:
        log.warning("could not tell the user about an error (interaction expired?)")


def point_discord_at(settings: Settings) -> None:
    """Honour DISCORD_API_BASE_URL and DISCORD_GATEWAY_URL (proxies and test doubles).

    discord.py has no option for these; it reads the class attributes below. A test guards
    that they still exist in the pinned discord.py.
    """
    discord.http.Route.BASE = settings.discord_api_base_url.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


async def run_bot(settings: Settings) -> int:
    """Run the bot until SIGINT/SIGTERM; return the exit code."""
    if settings.discord_token is None:
        raise ConfigError("DISCORD_TOKEN is required for run (see .env.example)")
    point_discord_at(settings)
    async with open_services(settings) as services:
        bot = DigestBot(services)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, lambda: asyncio.ensure_future(bot.close()))
        try:
            async with bot:
                await bot.start(settings.discord_token.get_secret_value())
        except discord.LoginFailure:
            raise ConfigError("DISCORD_TOKEN was rejected by Discord") from None
        except discord.PrivilegedIntentsRequired:
            raise DigestBotError("Discord refused the bot's intents") from None
        except (aiohttp.ClientError, OSError, discord.GatewayNotFound) as exc:
            raise DigestBotError(
                f"cannot reach Discord at {settings.discord_api_base_url}: {exc}"
            ) from None
    log.info("stopped cleanly")
    return 0
