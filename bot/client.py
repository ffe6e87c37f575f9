"""The Discord bot process (`arxiv-digest-bot run`): holds the services, loads the cogs.

Resources (database, HTTP clients, Claude client, the health server) are opened once in
`run_bot` and passed in; async set-up happens in `setup_hook`, teardown in `close` (never in
`on_ready`, which fires again on every reconnect). The process says when it is ready, tells
about a Discord outage in one line and its end in another (bot/logs.py), keeps `/healthz`
informed, and ends within about two seconds of SIGTERM or SIGINT whatever it is doing
(README, "Operating").
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import logging
import signal
from collections.abc import Callable
from typing import Any

import aiohttp
import discord
import yarl
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord import app_commands
from discord.ext import commands

from bot import words
from bot.actions import OtherPapers, PaperActions
from bot.app import Services, open_services
from bot.clock import Clock, JobKey
from bot.config import Settings
from bot.delivery.courier import Courier
from bot.delivery.feed_alarm import FeedAlarm
from bot.delivery.retry import RetryPolicy
from bot.delivery.service import Delivery
from bot.discord_sender import DiscordSender
from bot.errors import ConfigError, DigestBotError, UserInputError
from bot.fleet import Fleet, open_fleet
from bot.health import Liveness, serve_health
from bot.logs import DiscordOutages
from bot.metrics import CountingSender
from bot.store import poll_state
from bot.targets.outlook import Outlooks
from bot.targets.schedule import TargetSchedule
from bot.targets.service import LostTargets, TargetService

log = logging.getLogger(__name__)

EXTENSIONS = (
    "cogs.summarize",
    "cogs.digest",
    "cogs.subscriptions",
    "cogs.status",
    "cogs.help",
    "cogs.papers",
    "cogs.saved",
)
_SYNC_KEY = "commands.global_hash"

#: After SIGTERM, how long running jobs get to finish what they are doing (a database write)
#: before they are cancelled outright, and how long closing the connection to Discord may take
#: in all. Both are short: the process must be gone within about two seconds (README,
#: "Operating"), and everything the bot does can be resumed from the database after a restart.
JOB_GRACE_SECONDS = 0.5
CLOSE_SECONDS = 1.5


class DigestBot(commands.Bot):
    """discord.py bot with the project's services; slash commands only, no privileged intents."""

    def __init__(
        self,
        services: Services,
        *,
        fleet: Fleet | None = None,
        guild_ready_timeout: float = 2.0,
        liveness: Liveness | None = None,
        scheduler: AsyncIOScheduler | None = None,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        """Wire the bot's own services on `services`.

        `fleet` is this process's place among the bot's processes (bot/fleet.py; alone by
        default). `liveness` is what `/healthz` reads (one is made when not given).
        `scheduler` runs its jobs (by default a new one, UTC). `now` is the clock delivery
        decides by (which targets are due, when a retry may come), by default the services'
        one; tests move it on instead of waiting.
        """
        intents = discord.Intents.none()
        intents.guilds = True  # channels and permissions; not a privileged intent
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=guild_ready_timeout,
            **shard_options(services.settings),
        )
        self.services = services
        self.settings = settings = services.settings
        self.metrics = metrics = services.metrics
        db = services.db
        #: What /healthz judges (bot/health.py), kept up to date by the events below.
        self.liveness = liveness or Liveness(settings.poll_interval_seconds)
        self.outages = DiscordOutages()
        fleet = fleet or Fleet(db)
        now = now or services.now
        self.clock = Clock(scheduler or AsyncIOScheduler(timezone="UTC"), now=now)
        # A timed target's job sends what was planned for it; `self.delivery` exists by the
        # time any job runs (the clock starts in setup_hook).
        schedule = TargetSchedule(self.clock, db, lambda key: self.delivery.flush(key))
        sender = DiscordSender(self)
        courier = Courier(
            db,
            CountingSender(sender, metrics),
            LostTargets(db, schedule),
            policy=RetryPolicy.of(settings),
            fleet=fleet,
            clock=now,
        )
        self.delivery = Delivery(
            db,
            services.poller,
            services.planner,
            courier,
            self.clock,
            settings,
            backfill=services.backfill,
            alarm=FeedAlarm(db, sender, clock=now),
            fleet=fleet,
            now=now,
            on_poll=metrics.observe_poll,
        )
        self.schedule = schedule
        self.targets = TargetService(db, settings, schedule, self.delivery, now=now)
        self.outlooks = Outlooks(db, services.poller, settings, clock=now)
        self.actions = PaperActions(
            db,
            settings,
            services.summarizer,
            services.saved,
            services.feedback,
            services.deep_diver,
        )
        self.others = OtherPapers(db, settings, services.feedback)
        self.tree.error(self.on_app_command_error)
        self._commands_synced_to = "nowhere yet"
        self._announced_ready = False
        self._cleanup = contextlib.ExitStack()

    async def setup_hook(self) -> None:
        """Load cogs, sync commands, settle interrupted posts, then start the clock."""
        self._cleanup.enter_context(self.outages.installed())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self._commands_synced_to = await self.sync_commands()
        await self.delivery.reconcile()
        await self.schedule.sync_all()
        self.clock.scheduler.add_listener(self._job_ended, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        await self.delivery.start()
        self.clock.start()

    async def close(self) -> None:
        """Stop the clock and give running jobs a moment to end, then disconnect."""
        await self.clock.stop(timeout=JOB_GRACE_SECONDS)
        await super().close()
        self._cleanup.close()

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """Hand an event to its handlers, unless the bot is closing.

        discord.py's `close()` leaves running the task that waits `guild_ready_timeout` after
        READY, and takes the loop its handlers are scheduled on away: a stop in those
        seconds made that task dispatch "ready" into the closed bot, which raised, and the
        process logged a traceback as it stopped. Nothing is to be handled once closing.
        """
        if self.is_closed():
            return
        super().dispatch(event_name, *args, **kwargs)

    async def on_ready(self) -> None:
        """Say once that the bot is ready; a later READY (a new session) means it is back."""
        # discord.py dispatches READY `guild_ready_timeout` after the guilds arrived, even if
        # the connection dropped meanwhile: only an open connection counts as connected.
        if self.ws is not None and self.ws.open:
            self._connected()
        if self._announced_ready:
            return
        self._announced_ready = True
        count = len(self.guilds)
        log.info(
            "ready as %s in %d %s; commands synced to %s",
            self.user,
            count,
            "server" if count == 1 else "servers",
            self._commands_synced_to,
        )

    async def on_resumed(self) -> None:
        """The session resumed after a dropped connection."""
        self._connected()

    async def on_disconnect(self) -> None:
        """The gateway connection dropped (discord.py reconnects on its own)."""
        self.outages.lost()
        self.liveness.discord_lost()
        self.metrics.observe_discord(connected=False)

    def _connected(self) -> None:
        self.outages.back()
        self.liveness.discord_connected()
        self.metrics.observe_discord(connected=True)

    def _job_ended(self, event: JobExecutionEvent) -> None:
        """Tell /healthz that the poll job ran (whatever it found: its result is a metric)."""
        if event.job_id == JobKey.poll().id:
            self.liveness.poll_finished()

    async def sync_commands(self) -> str:
        """Sync to DISCORD_GUILD_ID at once when set; globally only when the commands changed.

        Global syncs are rate limited and slow to propagate, so an unchanged command set
        (compared by a hash of its definitions) is not synced again. Return where the
        commands are, for the ready line.
        """
        guild_id = self.settings.discord_guild_id
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
            log.info("synced commands to guild %s", guild_id)
            return f"server {guild_id} only (DISCORD_GUILD_ID)"
        definitions = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        digest = hashlib.sha256(
            json.dumps(definitions, sort_keys=True, default=str).encode()
        ).hexdigest()
        if await poll_state.get_value(self.services.db, _SYNC_KEY) == digest:
            log.info("commands unchanged since the last sync; not syncing")
            return "every server (unchanged since the last sync)"
        await self.tree.sync()
        await poll_state.set_value(self.services.db, _SYNC_KEY, digest)
        log.info("synced %d global commands", len(definitions))
        return f"every server ({len(definitions)} commands)"

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


class ShardedDigestBot(DigestBot, commands.AutoShardedBot):
    """The bot for a process that serves several of Discord's shards at once."""


def shard_options(settings: Settings) -> dict[str, Any]:
    """Return discord.py's shard options for the shards this process serves (none: unsharded).

    One shard is a plain client's `shard_id`; several need AutoShardedBot's `shard_ids`.
    """
    if settings.shard_count is None:
        return {}
    shards = list(settings.shards_here)
    if len(shards) == 1:
        return {"shard_id": shards[0], "shard_count": settings.shard_count}
    return {"shard_ids": shards, "shard_count": settings.shard_count}


def make_bot(services: Services, fleet: Fleet) -> DigestBot:
    """Build the bot for the shards this process serves."""
    if len(services.settings.shards_here) > 1:
        return ShardedDigestBot(services, fleet=fleet)
    return DigestBot(services, fleet=fleet)


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
    token = settings.discord_token.get_secret_value()
    point_discord_at(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with (
            open_services(settings) as services,
            open_fleet(settings, services.db) as fleet,
        ):
            bot = make_bot(services, fleet)
            async with serve_health(settings, bot.liveness, services.metrics, services.db):
                await _run_until_stopped(bot, token, settings, stop)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    log.info("stopped cleanly")
    return 0


async def _run_until_stopped(
    bot: DigestBot, token: str, settings: Settings, stop: asyncio.Event
) -> None:
    """Run the bot until it ends by itself or `stop` is set, then close it, briefly.

    discord.py's own way out waits for whatever the connection loop is doing (a reconnect
    back-off of up to minutes, a connection attempt of up to 60 s); here the bot is closed
    within CLOSE_SECONDS and the loop is cancelled, in whatever state it is.
    """
    running = asyncio.create_task(bot.start(token), name="discord")
    stopping = asyncio.create_task(stop.wait(), name="stop signal")
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        asked_to_stop = not running.done()
        if asked_to_stop:
            log.info("stopping")
        await _close(bot)
        running.cancel()
        [outcome] = await asyncio.gather(running, return_exceptions=True)
    if isinstance(outcome, Exception) and not asked_to_stop:
        raise _start_failure(outcome, settings) from None
    if isinstance(outcome, Exception):
        # Closing pulls the connection from under whatever discord.py was doing.
        log.debug("the connection loop ended with %r while stopping", outcome)


async def _close(bot: DigestBot) -> None:
    """Close the bot; give up on Discord's side after CLOSE_SECONDS (a dead connection)."""
    closing = asyncio.ensure_future(bot.close())
    done, _ = await asyncio.wait({closing}, timeout=CLOSE_SECONDS)
    if not done:
        log.warning("closing the connection to Discord took over %g s; leaving", CLOSE_SECONDS)
        closing.cancel()
        await asyncio.gather(closing, return_exceptions=True)


def _start_failure(exc: Exception, settings: Settings) -> Exception:
    """Return the one-line error for what ended `bot.start()`."""
    if isinstance(exc, discord.LoginFailure):
        return ConfigError("DISCORD_TOKEN was rejected by Discord")
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return DigestBotError("Discord refused the bot's intents")
    if isinstance(exc, aiohttp.ClientError | OSError | discord.GatewayNotFound):
        return DigestBotError(f"cannot reach Discord at {settings.discord_api_base_url}: {exc}")
    return exc
