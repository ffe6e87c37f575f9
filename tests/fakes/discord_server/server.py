"""FakeDiscord: Discord's REST API and gateway on 127.0.0.1 for the real discord.py client.

Start it, point discord.py at it (`patch_discord_py()` sets `discord.http.Route.BASE` and
`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`, or pass `api_base` / `gateway_url` to a
bot's settings), build guilds and users, run slash commands, script failures, and wait for
what the bot posts. One instance serves one bot, the way a token does.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

import discord
import yarl
from aiohttp import web

from tests.fakes.discord_server.commands import (
    CommandRegistry,
    CommandSync,
    OptionBuilder,
    check_visible,
)
from tests.fakes.discord_server.faults import Fault, Hold
from tests.fakes.discord_server.gateway import Gateway
from tests.fakes.discord_server.installs import (
    MESSAGE_COMMAND,
    check_installed,
    context_of,
    message_command_data,
    owners,
)
from tests.fakes.discord_server.interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    FakeInteraction,
    command_data,
    component_data,
    interaction_payload,
)
from tests.fakes.discord_server.limits import BUTTON, STRING_SELECT, RateLimiter, too_many_requests
from tests.fakes.discord_server.messages import Composer
from tests.fakes.discord_server.responses import InteractionResponses
from tests.fakes.discord_server.rest import RecordedRequest, RestApi, ScriptedFailure
from tests.fakes.discord_server.scenery import ChannelRef, Scenery
from tests.fakes.discord_server.snowflake import SnowflakeFactory
from tests.fakes.discord_server.state import (
    BOT_PERMISSIONS,
    JSON,
    MEMBER_PERMISSIONS,
    ChannelAccess,
    FakeChannel,
    FakeGuild,
    FakeUser,
    StoredMessage,
    Timing,
)
from tests.fakes.discord_server.waiting import Notifier
from tests.fakes.discord_server.world import World

FAKE_TOKEN = "fake-discord-token"  # Any string works; the fake checks the bot sends it back.


class FakeDiscord(Scenery):
    """A loopback Discord for one bot: REST under `/api/v10`, the gateway at `/`."""

    def __init__(
        self,
        *,
        token: str = FAKE_TOKEN,
        clock: Callable[[], float] = time.monotonic,
        heartbeat_interval_ms: int = 41_250,
        privileged_intents: int = 0,
        rate_limit: int = 1000,
        rate_window: float = 1.0,
        timing: Timing | None = None,
    ) -> None:
        self.token = token
        self.clock = clock
        self.timing = timing or Timing()
        self.notifier = Notifier()
        self.new_id = SnowflakeFactory()
        self.world = World(self.new_id, _utcnow)
        self.registry = CommandRegistry(self.new_id, self.world.application_id)
        self.composer = Composer(self.new_id, clock, _utcnow, self.timing)
        self.responses = InteractionResponses(
            self.world, self.composer, self.notifier, self.timing, clock
        )
        self.gateway = Gateway(
            self.world,
            self.notifier,
            token=token,
            url=lambda: self.gateway_url,
            heartbeat_interval_ms=heartbeat_interval_ms,
            privileged_intents=privileged_intents,
        )
        self.rest = RestApi(
            world=self.world,
            registry=self.registry,
            composer=self.composer,
            responses=self.responses,
            notifier=self.notifier,
            limiter=RateLimiter(clock, limit=rate_limit, window=rate_window),
            token=token,
            gateway_url=lambda: self.gateway_url,
        )
        self._runner: web.AppRunner | None = None
        self._silent: asyncio.Server | None = None
        #: Connections a silent outage accepted (and never answered).
        self.silent_connections = 0
        self._port = 0

    # -- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1 (on the same port again after `go_down`)."""
        app = web.Application()
        self.rest.install(app)
        app.router.add_get("/", self.gateway.handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        host_port = self._runner.addresses[0]
        self._port = int(host_port[1])

    async def stop(self) -> None:
        """End scripted hangs, close gateway connections, then the server."""
        self.rest.faults.stop()
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._silent is not None:
            self._silent.close()
            self._silent = None

    async def go_down(self, *, silent: bool = False) -> None:
        """Start an outage: connections drop and new ones are refused, until `come_back()`.

        `silent`: new connections are accepted but never answered instead (a network that
        drops packets), so a client's connection attempt hangs until its own timeout.
        """
        await self.stop()
        if silent:

            async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                self.silent_connections += 1
                await self.notifier.notify()
                await reader.read()  # until the client gives up; nothing is ever answered
                writer.close()

            self._silent = await asyncio.start_server(hold, "127.0.0.1", self._port)

    async def come_back(self) -> None:
        """End an outage: serve again on the same port, with the same world."""
        if self._silent is not None:
            self._silent.close()
            await self._silent.wait_closed()
            self._silent = None
        await self.start()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        """Return the REST base URL, `/api/v10` included (what `DISCORD_API_BASE_URL` takes)."""
        return f"http://127.0.0.1:{self._port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Return the gateway URL (what `DISCORD_GATEWAY_URL` takes)."""
        return f"ws://127.0.0.1:{self._port}/"

    @contextmanager
    def patch_discord_py(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway here, and restore them after."""
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    # -- the world -----------------------------------------------------------------------

    @property
    def bot(self) -> FakeUser:
        """Return the bot's user (its id is also the application id)."""
        return self.world.bot

    def add_guild(
        self,
        name: str = "arXiv lab",
        *,
        text_channels: tuple[str, ...] = ("general", "papers"),
        system_channel: str | None = "general",
        bot_permissions: int = BOT_PERMISSIONS,
        everyone_permissions: int = MEMBER_PERMISSIONS,
        shard: tuple[int, int] | None = None,
        with_bot: bool = True,
    ) -> FakeGuild:
        """Create a guild (owner, bot member, text channels); add guilds before connecting.

        With `shard` ([shard_id, num_shards]) its id puts it on that gateway shard.
        `with_bot=False`: a server the bot was never invited to (only user installs reach it).
        """
        return self.world.add_guild(
            name,
            text_channels=text_channels,
            system_channel=system_channel,
            bot_permissions=bot_permissions,
            everyone_permissions=everyone_permissions,
            shard=shard,
            with_bot=with_bot,
        )

    def add_member(
        self, guild: FakeGuild, username: str, *, permissions: int = 0, dms_closed: bool = False
    ) -> FakeUser:
        """Create a member of `guild` with extra `permissions` (e.g. MANAGE_GUILD)."""
        return self.world.add_member(
            guild, username, permissions=permissions, dms_closed=dms_closed
        )

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        """Return the bot's DM channel with a user."""
        return self.world.dm_channel(user)

    # -- scripting failures --------------------------------------------------------------

    def rate_limit_next(
        self,
        method: str,
        path: str | re.Pattern[str],
        *,
        times: int = 1,
        retry_after: float = 0.01,
        is_global: bool = False,
    ) -> None:
        """Answer the next `times` requests to `method path` (below /api/v10) with 429.

        `path` may be a compiled pattern for the whole path (e.g. every channel's messages).
        """
        body, headers = too_many_requests("scripted", retry_after, is_global=is_global)
        self.rest.scripted.append(ScriptedFailure(method, path, times, 429, body, headers))

    def fail_next(
        self,
        method: str,
        path: str | re.Pattern[str],
        *,
        status: int,
        code: int,
        message: str,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests to `method path` with a JSON error.

        `path` may be a compiled pattern for the whole path (e.g. any thread's messages).
        """
        body = {"message": message, "code": code}
        self.rest.scripted.append(ScriptedFailure(method, path, times, status, body))

    def hang_next(self, method: str, path: str | re.Pattern[str], *, times: int = 1) -> None:
        """Never answer the next `times` requests to `method path`; nothing is done."""
        self.rest.faults.script(method, path, Fault.HANG, times)

    def reset_next(self, method: str, path: str | re.Pattern[str], *, times: int = 1) -> None:
        """Reset the connection of the next `times` requests before handling them."""
        self.rest.faults.script(method, path, Fault.RESET, times)

    def lose_answer_next(self, method: str, path: str | re.Pattern[str], *, times: int = 1) -> None:
        """Handle the next `times` requests (a message is created), then drop the answer."""
        self.rest.faults.script(method, path, Fault.LOSE_ANSWER, times)

    def hold_next(self, method: str, path: str, *, skip: int = 0) -> Hold:
        """Hold the next request to `method path` (after `skip` others) until released."""
        return self.rest.faults.hold(method, path, skip=skip)

    def act_then_hang_next(self, method: str, path: str | re.Pattern[str]) -> None:
        """Handle the next request to `method path` (a thread is opened), then never answer.

        `path` may be a compiled pattern for the whole path below /api/v10, e.g.
        `re.compile(r"/channels/\\d+/messages/\\d+/threads")`. What the request did stays done.
        """
        self.rest.faults.script(method, path, Fault.ACT_THEN_HANG, 1)

    def forbid_channel(self, ref: ChannelRef) -> None:
        """Make the channel refuse the bot: 403 (50013 to post, 50001 to read)."""
        self.channel(ref).access = ChannelAccess.FORBIDDEN

    def remove_channel(self, ref: ChannelRef) -> None:
        """Make the channel answer 404 (10003 Unknown Channel); no gateway event is sent."""
        self.channel(ref).access = ChannelAccess.GONE

    # -- what the bot did ------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Return every REST request the bot made, in order."""
        return self.rest.requests

    @property
    def command_syncs(self) -> list[CommandSync]:
        """Return every bulk command overwrite (`tree.sync()`), in order."""
        return self.registry.syncs

    def commands(self, guild: FakeGuild | None = None) -> list[JSON]:
        """Return the commands registered globally or in a guild, as Discord stores them."""
        return self.registry.commands(None if guild is None else guild.id)

    def messages(self, ref: ChannelRef) -> list[StoredMessage]:
        """Return what users see in a channel, oldest first (no placeholders, no ephemerals)."""
        return [m for m in self.channel(ref).visible_messages() if not m.loading]

    async def wait_for_messages(
        self,
        ref: ChannelRef,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[StoredMessage]:
        """Wait until a channel shows at least `count` messages; return them, oldest first."""
        channel = self.channel(ref)

        def shown() -> list[StoredMessage] | None:
            found = self.messages(channel)
            return found if len(found) >= count else None

        return await self.notifier.wait_for(
            shown,
            timeout=timeout,
            what=f"{count} message(s) in channel {channel.name or channel.id}",
        )

    async def wait_for_request(
        self,
        method: str,
        path: str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> RecordedRequest:
        """Wait until the bot made (and the fake answered) a request; return the first one."""

        def made() -> RecordedRequest | None:
            matching = (r for r in self.requests if (r.method, r.path) == (method, path))
            return next((r for r in matching if r.status), None)

        return await self.notifier.wait_for(made, timeout=timeout, what=f"{method} {path}")

    async def wait_until_ready(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until a bot identified (or resumed) and received its guilds."""
        await self.notifier.wait_for(
            lambda: self.gateway.current is not None, timeout=timeout, what="a ready session"
        )

    # -- interactions ------------------------------------------------------------------------

    async def run_slash(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: FakeUser | None = None,
        guild: FakeGuild | None = None,
        channel: ChannelRef | None = None,
        subcommand: str | None = None,
        user_install: bool = False,
    ) -> FakeInteraction:
        """Dispatch `/name [subcommand] option:value ...` as `user` typed it; return its handle.

        `name` may include the subcommand ("digest set"). Without a channel the command runs
        in the guild's system channel, or in the user's DM when there is no guild either.
        With `user_install` the user runs it from their own install of the app (in a server
        without the bot, or a private channel).
        """
        return await self._invoke(
            APPLICATION_COMMAND,
            name,
            options or {},
            user,
            guild,
            channel,
            subcommand,
            None,
            user_install,
        )

    async def run_autocomplete(
        self,
        name: str,
        options: Mapping[str, Any],
        *,
        focused: str,
        user: FakeUser | None = None,
        guild: FakeGuild | None = None,
        channel: ChannelRef | None = None,
        subcommand: str | None = None,
    ) -> FakeInteraction:
        """Dispatch an autocomplete request while `user` types option `focused`."""
        return await self._invoke(
            AUTOCOMPLETE, name, options, user, guild, channel, subcommand, focused
        )

    async def run_message_command(
        self,
        name: str,
        message: StoredMessage,
        *,
        user: FakeUser,
        user_install: bool = False,
    ) -> FakeInteraction:
        """Run the message command `name` (a message's Apps menu) on `message` as `user`."""
        channel = self.channel(message.channel_id)
        guild = self.world.guild_of(channel)
        command = self.registry.find(name, None if guild is None else guild.id, MESSAGE_COMMAND)
        data = message_command_data(command, message)
        return await self._dispatch(
            APPLICATION_COMMAND, command, data, user, guild, channel, user_install
        )

    async def _invoke(
        self,
        kind: int,
        name: str,
        options: Mapping[str, Any],
        user: FakeUser | None,
        guild: FakeGuild | None,
        channel_ref: ChannelRef | None,
        subcommand: str | None,
        focused: str | None,
        user_install: bool = False,
    ) -> FakeInteraction:
        top, *path = name.split()
        path += subcommand.split() if subcommand else []
        channel = self._where(guild, channel_ref, user)
        guild = self.world.guild_of(channel)
        invoker = user or (guild.owner if guild is not None else None)
        if invoker is None:
            raise ValueError("a DM command needs a user")
        scope = None if guild is None or user_install else guild.id
        command = self.registry.find(top, scope)
        builder = OptionBuilder(self.world, invoker, guild)
        built = builder.build(command, path, options, focused=focused)
        data = command_data(command, built, builder.resolved)
        return await self._dispatch(kind, command, data, invoker, guild, channel, user_install)

    async def _dispatch(
        self,
        kind: int,
        command: JSON,
        data: JSON,
        invoker: FakeUser,
        guild: FakeGuild | None,
        channel: FakeChannel,
        user_install: bool,
    ) -> FakeInteraction:
        """Check that Discord would offer the command there, then send the interaction."""
        if guild is not None and invoker.id not in guild.members:
            raise ValueError(f"{invoker.username} is not a member of {guild.name}")
        if guild is not None and not user_install and self.world.bot.id not in guild.members:
            raise PermissionError(f"the bot is not in {guild.name}: only a user install works")
        context = context_of(channel, guild, self.world.is_bot_dm(channel))
        check_installed(command, context=context, user_install=user_install)
        check_visible(command, invoker, guild)
        interaction_id, token = self.new_id(), "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        payload = interaction_payload(
            interaction_id=interaction_id,
            token=token,
            kind=kind,
            application_id=self.world.application_id,
            data=data,
            user=invoker,
            guild=guild,
            channel=channel,
            bot=self.world.bot,
            context=context,
            owners=owners(invoker, guild, user_install=user_install),
        )
        interaction = FakeInteraction(
            interaction_id, token, kind, payload, invoker, channel, self.clock(), self.notifier
        )
        self.responses.add(interaction)
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        # The 3-second clock starts once the event is on the wire.
        interaction.dispatched_at = self.clock()
        return interaction

    async def click(
        self,
        message: StoredMessage,
        custom_id: str,
        *,
        user: FakeUser,
        values: list[str] | None = None,
    ) -> FakeInteraction:
        """Dispatch a click on a message's button, or a choice in its menu (`values`).

        As in Discord's client, only what the message shows can be used: a custom id it
        does not have, a disabled button, a value its menu does not offer, or someone else's
        ephemeral message raise instead of reaching the bot.
        """
        component = message.component(custom_id)
        if component is None:
            raise LookupError(f"message {message.id} has no component {custom_id!r}")
        if component.get("disabled"):
            raise PermissionError(f"{custom_id!r} is disabled")
        if message.ephemeral and message.shown_to is not user:
            raise PermissionError(f"{user.username} cannot see ephemeral message {message.id}")
        if component["type"] == STRING_SELECT:
            offered = [option["value"] for option in component.get("options") or []]
            chosen = values or []
            high = component.get("max_values", 1)
            if not chosen or len(chosen) > high or any(v not in offered for v in chosen):
                raise ValueError(f"{chosen!r} is not a choice of menu {custom_id!r}")
        elif component["type"] != BUTTON or values is not None:
            raise ValueError(f"{custom_id!r} is not a button to click")
        channel = self.world.channels[message.channel_id]
        guild = self.world.guild_of(channel)
        if guild is not None and user.id not in guild.members:
            raise ValueError(f"{user.username} is not a member of {guild.name}")
        interaction_id, token = self.new_id(), "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(48)
        payload = interaction_payload(
            interaction_id=interaction_id,
            token=token,
            kind=MESSAGE_COMPONENT,
            application_id=self.world.application_id,
            data=component_data(component, values),
            user=user,
            guild=guild,
            channel=channel,
            bot=self.world.bot,
            message=message,
        )
        interaction = FakeInteraction(
            interaction_id,
            token,
            MESSAGE_COMPONENT,
            payload,
            user,
            channel,
            self.clock(),
            self.notifier,
            source=message,
        )
        self.responses.add(interaction)
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        interaction.dispatched_at = self.clock()
        return interaction

    def _where(
        self, guild: FakeGuild | None, ref: ChannelRef | None, user: FakeUser | None
    ) -> FakeChannel:
        if ref is not None:
            channel = self.channel(ref)
            if guild is not None and channel.guild_id != guild.id:
                raise ValueError(f"channel {channel.name} is not in guild {guild.name}")
            return channel
        if guild is not None:
            return guild.system_channel or next(iter(guild.channels.values()))
        if user is None:
            raise ValueError("say where the command runs: a channel, a guild or a DM user")
        return self.world.dm_channel(user)

    # -- gateway control ------------------------------------------------------------------------

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's gateway connection with `code` (it should reconnect and resume)."""
        await self.gateway.drop(code)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
