"""The REST API under `/api/v10`: routes, bot authentication, rate limits, scripted failures.

Errors follow https://discord.com/developers/docs/topics/opcodes-and-status-codes#json:
4xx with a JSON `code` and `message`. The fake never answers 5xx on its own, because
discord.py retries 500/502/504 for about 25 s before giving up; a test can still script one,
or a network fault (tests/fakes/discord_server/faults.py).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.discord_server.commands import CommandRegistry
from tests.fakes.discord_server.faults import Faults
from tests.fakes.discord_server.limits import (
    ErrorReply,
    RateLimiter,
    api_error,
    too_many_requests,
    validate_commands,
)
from tests.fakes.discord_server.messages import (
    MISSING_ACCESS,
    NOT_AUTHOR,
    UNKNOWN_MESSAGE,
    Composer,
    channel_refusal,
    history,
)
from tests.fakes.discord_server.replies import (
    BODY,
    FILES,
    no_content,
    read_body,
    reply_error,
    reply_json,
    with_files,
)
from tests.fakes.discord_server.responses import InteractionResponses
from tests.fakes.discord_server.state import (
    JSON,
    ChannelAccess,
    FakeChannel,
    FakeGuild,
    StoredMessage,
)
from tests.fakes.discord_server.threads import ThreadApi
from tests.fakes.discord_server.waiting import Notifier
from tests.fakes.discord_server.world import World

API = "/api/v10"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
UNAUTHORIZED = api_error(401, 0, "401: Unauthorized")
NOT_FOUND = api_error(404, 0, "404: Not Found")
METHOD_NOT_ALLOWED = api_error(405, 0, "405: Method Not Allowed")
UNKNOWN_USER = api_error(404, 10013, "Unknown User")
UNKNOWN_GUILD = api_error(404, 10004, "Unknown Guild")
UNKNOWN_MEMBER = api_error(404, 10007, "Unknown Member")
NOT_THIS_APPLICATION = api_error(
    403, 20012, "You are not authorized to perform this action on this application"
)
TOKEN_ROUTES = ("/interactions/", "/webhooks/")  # Authorized by the token in the path.


@dataclass
class RecordedRequest:
    """One request the bot made: method, path below /api/v10, query, JSON body, status.

    `status` is 0 while a request waits, and for one the fake never answered (a fault).
    """

    method: str
    path: str
    query: dict[str, str]
    body: JSON
    status: int = 0


@dataclass
class ScriptedFailure:
    """Answer the next `times` requests to `method path` with an error instead.

    `path` is the exact path below /api/v10, or a pattern the whole path must match (for
    ids not known in advance, such as a thread's).
    """

    method: str
    path: str | re.Pattern[str]
    times: int
    status: int
    body: JSON
    headers: dict[str, str] = field(default_factory=dict)


class RestApi:
    """Serve Discord's REST routes for one bot over the shared world."""

    def __init__(
        self,
        *,
        world: World,
        registry: CommandRegistry,
        composer: Composer,
        responses: InteractionResponses,
        notifier: Notifier,
        limiter: RateLimiter,
        token: str,
        gateway_url: Callable[[], str],
    ) -> None:
        self._world = world
        self._registry = registry
        self._composer = composer
        self._responses = responses
        self._notifier = notifier
        self._limiter = limiter
        self._token = token
        self._gateway_url = gateway_url
        self.requests: list[RecordedRequest] = []
        self.scripted: list[ScriptedFailure] = []
        self.faults = Faults()
        self.threads = ThreadApi(world, composer, notifier)

    def install(self, app: web.Application) -> None:
        """Add the routes and the middleware to an aiohttp application."""
        app.middlewares.append(self._middleware)
        add = app.router.add_route
        responses = self._responses
        hook = API + "/webhooks/{application_id}/{token}"
        for method, path, handler in (
            ("GET", "/users/@me", self.get_me),
            ("GET", "/users/@me/guilds", self.get_my_guilds),
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.get_guild_channels),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.get_member),
            ("GET", "/users/{user_id}", self.get_user),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway),
            ("GET", "/applications/{application_id}/commands", self.get_commands),
            ("PUT", "/applications/{application_id}/commands", self.put_commands),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands", self.get_commands),
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", self.put_commands),
            ("GET", "/channels/{channel_id}", self.get_channel),
            ("GET", "/channels/{channel_id}/messages", self.get_messages),
            ("POST", "/channels/{channel_id}/messages", self.post_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self.edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self.delete_message),
            ("POST", "/interactions/{interaction_id}/{token}/callback", responses.callback),
            *self.threads.routes(),
        ):
            add(method, API + path, handler)
        add("POST", hook, responses.followup)
        add("GET", hook + "/messages/{message_id}", responses.get_message)
        add("PATCH", hook + "/messages/{message_id}", responses.edit_message)
        add("DELETE", hook + "/messages/{message_id}", responses.delete_message)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        path = request.path.removeprefix(API)
        if not request.path.startswith(API + "/"):
            return await handler(request)  # The gateway websocket lives outside the API.
        body, files = await read_body(request)
        request[BODY], request[FILES] = body, files
        record = RecordedRequest(request.method, path, dict(request.query), body)
        self.requests.append(record)
        await self._notifier.notify()  # a test may wait for a request it holds
        faulty = await self.faults.apply(
            request, path, lambda: self._answer(request, handler, path)
        )
        if faulty is None:
            response = await self._answer(request, handler, path)
            record.status = response.status
        else:
            response, handled = faulty
            record.status = response.status if handled else 0
        await self._notifier.notify()
        return response

    async def _answer(
        self, request: web.Request, handler: Handler, path: str
    ) -> web.StreamResponse:
        failure = self._take_scripted(request.method, path)
        if failure is not None:
            return reply_json(failure.body, failure.status, failure.headers)
        not_routed = request.match_info.http_exception
        if not_routed is not None:
            return reply_error(METHOD_NOT_ALLOWED if not_routed.status == 405 else NOT_FOUND)
        if path.startswith(TOKEN_ROUTES):
            return await handler(request)
        if request.headers.get("Authorization") != f"Bot {self._token}":
            return reply_error(UNAUTHORIZED)
        bucket = _bucket_of(request)
        allowed, headers = self._limiter.take(bucket + _major_parameter(request))
        if not allowed:
            retry_after = float(headers["X-RateLimit-Reset-After"])
            body, limit_headers = too_many_requests(bucket, retry_after)
            return reply_json(body, 429, limit_headers)
        response = await handler(request)
        response.headers.update(headers)
        return response

    def _take_scripted(self, method: str, path: str) -> ScriptedFailure | None:
        for failure in self.scripted:
            wanted = failure.path
            matches = wanted.fullmatch(path) if isinstance(wanted, re.Pattern) else wanted == path
            if failure.method == method and matches and failure.times > 0:
                failure.times -= 1
                return failure
        return None

    async def get_me(self, request: web.Request) -> web.Response:
        """Handle `GET /users/@me` (discord.py's login)."""
        me = {**self._world.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0}
        return reply_json(me)

    async def get_my_guilds(self, request: web.Request) -> web.Response:
        """Handle `GET /users/@me/guilds`: the bot's guilds as partial guilds, by id."""
        bot = self._world.bot
        guilds = sorted(
            (g for g in self._world.guilds.values() if bot.id in g.members), key=lambda g: g.id
        )
        return reply_json([guild.partial_payload(bot) for guild in guilds])

    def _guild(self, request: web.Request) -> FakeGuild | ErrorReply:
        """Return the route's guild, or Discord's error for one the bot is not in."""
        guild = self._world.guilds.get(int(request.match_info["guild_id"]))
        if guild is None:
            return UNKNOWN_GUILD
        return guild if self._world.bot.id in guild.members else MISSING_ACCESS

    async def get_guild(self, request: web.Request) -> web.Response:
        """Handle `GET /guilds/{id}` (with its roles)."""
        guild = self._guild(request)
        return (
            reply_error(guild)
            if isinstance(guild, ErrorReply)
            else reply_json(guild.rest_payload())
        )

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        """Handle `GET /guilds/{id}/channels` (every channel, with its overwrites)."""
        guild = self._guild(request)
        if isinstance(guild, ErrorReply):
            return reply_error(guild)
        live = [c for c in guild.channels.values() if c.access is not ChannelAccess.GONE]
        return reply_json([channel.payload() for channel in live])

    async def get_member(self, request: web.Request) -> web.Response:
        """Handle `GET /guilds/{id}/members/{user id}`."""
        guild = self._guild(request)
        if isinstance(guild, ErrorReply):
            return reply_error(guild)
        member = guild.members.get(int(request.match_info["user_id"]))
        return reply_error(UNKNOWN_MEMBER) if member is None else reply_json(member.payload())

    async def get_user(self, request: web.Request) -> web.Response:
        """Handle `GET /users/{id}`."""
        user = self._world.users.get(int(request.match_info["user_id"]))
        return reply_error(UNKNOWN_USER) if user is None else reply_json(user.payload())

    async def get_application(self, request: web.Request) -> web.Response:
        """Handle `GET /oauth2/applications/@me` (discord.py's `application_info`)."""
        world = self._world
        return reply_json(
            {
                "id": str(world.application_id),
                "name": world.bot.username,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": world.app_owner.payload(),
                "team": None,
                "bot": world.bot.payload(),
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "approximate_guild_count": len(world.guilds),
                "tags": [],
            }
        )

    async def get_gateway(self, request: web.Request) -> web.Response:
        """Handle `GET /gateway` and `GET /gateway/bot` (used by sharded clients)."""
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return reply_json({"url": self._gateway_url(), "shards": 1, "session_start_limit": limit})

    def _scope(self, request: web.Request) -> int | ErrorReply | None:
        if request.match_info["application_id"] != str(self._world.application_id):
            return NOT_THIS_APPLICATION
        raw = request.match_info.get("guild_id")
        if raw is None:
            return None
        return int(raw) if int(raw) in self._world.guilds else UNKNOWN_GUILD

    async def get_commands(self, request: web.Request) -> web.Response:
        """Handle `GET /applications/{id}[/guilds/{id}]/commands`."""
        scope = self._scope(request)
        if isinstance(scope, ErrorReply):
            return reply_error(scope)
        return reply_json(self._registry.commands(scope))

    async def put_commands(self, request: web.Request) -> web.Response:
        """Handle the bulk overwrite of global or guild commands (`tree.sync()`)."""
        scope = self._scope(request)
        if isinstance(scope, ErrorReply):
            return reply_error(scope)
        body: list[JSON] = request[BODY].get("_list", [])
        invalid = validate_commands(body)
        if invalid is not None:
            return reply_error(invalid)
        return reply_json(self._registry.overwrite(scope, body))

    async def create_dm(self, request: web.Request) -> web.Response:
        """Handle `POST /users/@me/channels` (opening a DM always works; sending may not)."""
        user = self._world.users.get(int(request[BODY].get("recipient_id", 0)))
        if user is None:
            return reply_error(UNKNOWN_USER)
        return reply_json(self._world.dm_channel(user).payload())

    def _channel(self, request: web.Request) -> FakeChannel | None:
        return self._world.channels.get(int(request.match_info["channel_id"]))

    async def get_channel(self, request: web.Request) -> web.Response:
        """Handle `GET /channels/{id}`."""
        channel = self._channel(request)
        refused = channel_refusal(channel, writing=False)
        if refused is not None or channel is None:
            return reply_error(refused or NOT_FOUND)
        return reply_json(channel.payload())

    async def get_messages(self, request: web.Request) -> web.Response:
        """Handle `GET /channels/{id}/messages` (newest first; limit, before, after, around)."""
        channel = self._channel(request)
        refused = channel_refusal(channel, writing=False)
        if refused is not None or channel is None:
            return reply_error(refused or NOT_FOUND)
        found = history(channel, dict(request.query))
        if isinstance(found, ErrorReply):
            return reply_error(found)
        return reply_json([message.wire() for message in found])

    async def post_message(self, request: web.Request) -> web.Response:
        """Handle `POST /channels/{id}/messages`, including `enforce_nonce`."""
        channel = self._channel(request)
        if channel is None:
            return reply_error(channel_refusal(None, writing=True) or NOT_FOUND)
        refused = self.threads.refuse_post(channel)
        if refused is not None:
            return reply_error(refused)
        body = with_files(request[BODY], request[FILES])
        created = self._composer.post(channel, self._world.bot, body)
        if isinstance(created, ErrorReply):
            return reply_error(created)
        return reply_json(created.wire(with_nonce=True))

    def _message(self, request: web.Request) -> StoredMessage | ErrorReply:
        channel = self._channel(request)
        refused = channel_refusal(channel, writing=False)
        if refused is not None or channel is None:
            return refused or NOT_FOUND
        wanted = int(request.match_info["message_id"])
        for message in channel.visible_messages():
            if message.id == wanted:
                return message
        return UNKNOWN_MESSAGE

    async def get_message(self, request: web.Request) -> web.Response:
        """Handle `GET /channels/{id}/messages/{id}`."""
        message = self._message(request)
        if isinstance(message, ErrorReply):
            return reply_error(message)
        return reply_json(message.wire())

    async def edit_message(self, request: web.Request) -> web.Response:
        """Handle `PATCH /channels/{id}/messages/{id}` (only the bot's own messages)."""
        message = self._message(request)
        if isinstance(message, ErrorReply):
            return reply_error(message)
        if message.author is not self._world.bot:
            return reply_error(NOT_AUTHOR)
        refused = self._composer.edit(message, with_files(request[BODY], request[FILES]))
        return reply_error(refused) if refused is not None else reply_json(message.wire())

    async def delete_message(self, request: web.Request) -> web.Response:
        """Handle `DELETE /channels/{id}/messages/{id}`."""
        message = self._message(request)
        if isinstance(message, ErrorReply):
            return reply_error(message)
        message.deleted = True
        return no_content()


def _bucket_of(request: web.Request) -> str:
    """Return a stable bucket hash per route, as Discord's X-RateLimit-Bucket is."""
    resource = request.match_info.route.resource
    route = request.method + (resource.canonical if resource is not None else request.path)
    return hashlib.sha256(route.encode()).hexdigest()[:16]


def _major_parameter(request: web.Request) -> str:
    """Return the major parameter (channel, guild or webhook) that splits a bucket."""
    info: dict[str, Any] = dict(request.match_info)
    for key in ("channel_id", "guild_id", "application_id"):
        if key in info:
            return f":{info[key]}"
    return ""
