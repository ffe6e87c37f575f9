"""The gateway: a websocket that says HELLO, answers heartbeats and IDENTIFY, and dispatches.

Protocol: https://discord.com/developers/docs/events/gateway (opcodes, close codes,
`zlib-stream` transport compression, READY and RESUMED). discord.py 2.7.1 connects to
`DiscordWebSocket.DEFAULT_GATEWAY` with `?v=10&encoding=json&compress=zlib-stream` (or
`zstd-stream` when a zstd module is importable), reads `session_id` and `resume_gateway_url`
from READY, and waits `guild_ready_timeout` after the last GUILD_CREATE before `on_ready`.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord_server.state import JSON
from tests.fakes.discord_server.waiting import Notifier
from tests.fakes.discord_server.world import World

DISPATCH, HEARTBEAT, IDENTIFY, RESUME = 0, 1, 2, 6
RECONNECT, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 7, 9, 10, 11
IGNORED_OPS = {3, 4, 8}  # Presence, voice state, request guild members: accepted, no answer.
# Close codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).
UNKNOWN_OPCODE, DECODE_ERROR, AUTHENTICATION_FAILED = 4001, 4002, 4004
INVALID_SHARD, INVALID_API_VERSION, DISALLOWED_INTENTS = 4010, 4012, 4014
# Intents (https://discord.com/developers/docs/events/gateway#list-of-intents).
GUILDS_INTENT = 1 << 0
# GUILD_MEMBERS, GUILD_PRESENCES and MESSAGE_CONTENT must be enabled for the app to be asked for.
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)


@dataclass(eq=False)
class GatewaySession:
    """One websocket connection and the session it identified (or resumed)."""

    socket: web.WebSocketResponse
    compressor: Any | None  # A zlib compress object shared by the whole connection.
    session_id: str | None = None
    sequence: int = 0
    intents: int = 0
    ready: bool = False
    #: [shard_id, num_shards] as IDENTIFY gave it; [0, 1] for an unsharded client.
    shard: tuple[int, int] = (0, 1)
    send_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, op: int, data: Any, event: str | None = None) -> None:
        """Send one payload; dispatches carry the next sequence number."""
        async with self.send_lock:
            sequence = None
            if op == DISPATCH:
                self.sequence += 1
                sequence = self.sequence
            text = json.dumps({"op": op, "d": data, "s": sequence, "t": event})
            if self.compressor is None:
                await self.socket.send_str(text)
            else:
                # zlib-stream: one deflate context per connection, each payload ends with a
                # Z_SYNC_FLUSH (00 00 ff ff), which is how discord.py finds payload boundaries.
                chunk = self.compressor.compress(text.encode()) + self.compressor.flush(
                    zlib.Z_SYNC_FLUSH
                )
                await self.socket.send_bytes(chunk)


class Gateway:
    """Serve gateway connections for the world's bot and dispatch events to the live session."""

    def __init__(
        self,
        world: World,
        notifier: Notifier,
        *,
        token: str,
        url: Callable[[], str],
        heartbeat_interval_ms: int,
        privileged_intents: int,
    ) -> None:
        self._world = world
        self._notifier = notifier
        self._token = token
        self._url = url
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.privileged_intents = privileged_intents
        self.sessions: list[GatewaySession] = []
        #: While True, connections are answered 503 Service Unavailable (counted in `refused`).
        self.refusing = False
        self.refused = 0
        self.identifies = 0
        self.resumes = 0
        self.heartbeats = 0
        self._known: dict[str, GatewaySession] = {}

    @property
    def current(self) -> GatewaySession | None:
        """Return the most recent session that is ready and still connected."""
        for session in reversed(self.sessions):
            if session.ready and not session.socket.closed:
                return session
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Run one gateway connection until either side closes it."""
        if self.refusing:
            self.refused += 1
            await self._notifier.notify()
            return web.Response(status=503, text="the gateway is unavailable (a test's outage)")
        socket = web.WebSocketResponse(max_msg_size=0)
        await socket.prepare(request)
        query = request.query
        if query.get("v") != "10":
            await socket.close(code=INVALID_API_VERSION, message=b"Invalid API version")
            return socket
        if query.get("encoding", "json") != "json":
            await socket.close(code=DECODE_ERROR, message=b"The fake speaks JSON only")
            return socket
        # zstd-stream is not emulated: plain text frames are valid for any client, and
        # discord.py only decompresses binary frames.
        compressor = zlib.compressobj() if query.get("compress") == "zlib-stream" else None
        session = GatewaySession(socket, compressor)
        self.sessions.append(session)
        try:
            await session.send(HELLO, {"heartbeat_interval": self.heartbeat_interval_ms})
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    await socket.close(code=DECODE_ERROR, message=b"Expected a JSON text frame")
                    break
                await self._receive(session, json.loads(message.data))
        finally:
            session.ready = False
            await self._notifier.notify()
        return socket

    async def _receive(self, session: GatewaySession, payload: JSON) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == HEARTBEAT:
            self.heartbeats += 1
            await session.send(HEARTBEAT_ACK, None)
        elif op == IDENTIFY:
            await self._identify(session, data or {})
        elif op == RESUME:
            await self._resume(session, data or {})
        elif op not in IGNORED_OPS:
            await session.socket.close(code=UNKNOWN_OPCODE, message=b"Unknown opcode")

    async def _identify(self, session: GatewaySession, data: JSON) -> None:
        if data.get("token") != self._token:
            await session.socket.close(code=AUTHENTICATION_FAILED, message=b"Authentication failed")
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.privileged_intents:
            await session.socket.close(code=DISALLOWED_INTENTS, message=b"Disallowed intent(s)")
            return
        shard = data.get("shard", [0, 1])
        if not _valid_shard(shard):
            await session.socket.close(code=INVALID_SHARD, message=b"Invalid shard")
            return
        self.identifies += 1
        session.shard = (int(shard[0]), int(shard[1]))
        session.intents = intents
        session.session_id = secrets.token_hex(16)
        self._known[session.session_id] = session
        await session.send(DISPATCH, self._ready(session, data), "READY")
        if intents & GUILDS_INTENT:  # Without it Discord sends no GUILD_CREATE at all.
            for guild in self._world.guilds.values():
                if on_shard(guild.id, session.shard) and self._world.bot.id in guild.members:
                    await session.send(DISPATCH, guild.create_payload(), "GUILD_CREATE")
        session.ready = True
        await self._notifier.notify()

    def _ready(self, session: GatewaySession, identify: JSON) -> JSON:
        ready: JSON = {
            "v": 10,
            "user": {**self._world.bot.payload(), "verified": True, "mfa_enabled": False},
            "user_settings": {},
            "session_type": "normal",
            "session_id": session.session_id,
            "resume_gateway_url": self._url(),
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guilds": [
                {"id": str(guild.id), "unavailable": True}
                for guild in self._world.guilds.values()
                if on_shard(guild.id, session.shard) and self._world.bot.id in guild.members
            ],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "auth": {},
            "application": {"id": str(self._world.application_id), "flags": 0},
            "_trace": ["fake-discord"],
        }
        if "shard" in identify:
            ready["shard"] = identify["shard"]
        return ready

    async def _resume(self, session: GatewaySession, data: JSON) -> None:
        old = self._known.get(str(data.get("session_id")))
        if old is None or data.get("token") != self._token:
            await session.send(INVALID_SESSION, False)
            return
        self.resumes += 1
        session.session_id, session.sequence, session.intents = (
            old.session_id,
            old.sequence,
            old.intents,
        )
        self._known[str(session.session_id)] = session
        await session.send(DISPATCH, {"_trace": ["fake-discord"]}, "RESUMED")
        session.ready = True
        await self._notifier.notify()

    def session_for(self, guild_id: int | None) -> GatewaySession | None:
        """Return the live session that gets a server's events: the one of its shard.

        Discord sends a server's events to shard `(guild_id >> 22) % num_shards`, and DMs
        to shard 0 (https://discord.com/developers/docs/events/gateway#sharding).
        """
        for session in reversed(self.sessions):
            live = session.ready and not session.socket.closed
            if live and on_shard(guild_id or 0, session.shard):
                return session
        return None

    async def dispatch(self, event: str, data: JSON) -> None:
        """Send an event to the live session of its server's shard; fail loudly without one."""
        guild_id = data.get("guild_id")
        session = self.session_for(int(guild_id) if guild_id is not None else None)
        if session is None:
            raise RuntimeError(f"fake Discord: no ready gateway session to send {event} to")
        await session.send(DISPATCH, data, event)

    async def drop(self, code: int = 4000) -> None:
        """Close the live connection with `code`, as Discord does before a client resumes."""
        session = self.current
        if session is not None:
            await session.socket.close(code=code, message=b"Dropped by the test")

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client must reconnect and resume."""
        session = self.current
        if session is not None:
            await session.send(RECONNECT, None)

    async def refuse(self) -> None:
        """Start a gateway outage: drop the live connection, answer new ones with 503."""
        self.refusing = True
        await self.close_all()

    async def close_all(self) -> None:
        """Close every connection (the server is stopping)."""
        for session in self.sessions:
            if not session.socket.closed:
                await session.socket.close(code=1001, message=b"Going away")


def on_shard(guild_id: int, shard: tuple[int, int]) -> bool:
    """Say whether a server's events go to `shard` ([shard_id, num_shards])."""
    return (guild_id >> 22) % shard[1] == shard[0]


def _valid_shard(shard: object) -> bool:
    """Say whether IDENTIFY's `shard` is [shard_id, num_shards] with 0 <= shard_id < num_shards."""
    return (
        isinstance(shard, list)
        and len(shard) == 2
        and all(isinstance(n, int) for n in shard)
        and 0 <= shard[0] < shard[1]
    )
