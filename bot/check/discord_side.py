"""The Discord checks, over discord.py's REST client only: no gateway, no cache.

Log in (`GET /users/@me`: the token), list the bot's servers, then for each digest read its
server (roles, owner), the bot's membership (roles, a timeout) and the server's channels
(overwrites) and compute the bot's permissions there as Discord does (bot/check/permissions.py).
`GET /guilds/{id}/channels` lists every channel with its overwrites, also one the bot may not
see; a thread is not listed, and is read on its own, with its parent's overwrites.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from itertools import groupby
from typing import Any

import aiohttp
import discord

from bot.check import words
from bot.check.permissions import THREAD_TYPES, channel_access, deep_dive_needs
from bot.check.report import Checklist, Mark
from bot.client import point_discord_at
from bot.config import Settings
from bot.targets.model import DigestConfig, PostPlace
from bot.timeutil import utc_now
from bot.words import pause_reason

LOGIN = "Discord token"
SERVERS = "Discord servers"
GUILD_ID = "DISCORD_GUILD_ID"
DIGESTS = "digests"
#: `GET /users/@me/guilds` answers at most this many servers per page.
GUILD_PAGE = 200

JSON = dict[str, Any]


async def check_discord(
    checks: Checklist, settings: Settings, digests: Sequence[DigestConfig] | None
) -> None:
    """Check the token, the servers, DISCORD_GUILD_ID and every digest's channel."""
    if settings.discord_token is None:
        checks.add(Mark.FAIL, LOGIN, words.NO_TOKEN)
        return
    point_discord_at(settings)
    intents = discord.Intents.none()
    intents.guilds = True  # as the bot's own; no gateway is opened, but discord.py warns without
    client = discord.Client(intents=intents)
    try:
        try:
            await client.login(settings.discord_token.get_secret_value())
        except discord.LoginFailure:
            checks.add(Mark.FAIL, LOGIN, words.TOKEN_REFUSED)
            checks.add(Mark.SKIP, f"{SERVERS} and {DIGESTS}", words.NOT_CHECKED_DISCORD)
            return
        except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
            url = settings.discord_api_base_url
            checks.add(Mark.FAIL, LOGIN, words.discord_unreachable(url, _short(exc)))
            checks.add(Mark.SKIP, f"{SERVERS} and {DIGESTS}", words.NOT_CHECKED_DISCORD)
            return
        assert client.user is not None and client.application_id is not None  # noqa: S101
        checks.add(Mark.OK, LOGIN, words.logged_in(str(client.user), client.user.id))
        await _check_servers(checks, client, settings, digests)
    finally:
        await client.close()


async def _check_servers(
    checks: Checklist,
    client: discord.Client,
    settings: Settings,
    digests: Sequence[DigestConfig] | None,
) -> None:
    """Report the servers, DISCORD_GUILD_ID, then each digest's channel."""
    app_id = client.application_id or 0
    try:
        guilds = await _all_guilds(client.http)
    except (aiohttp.ClientError, OSError, discord.HTTPException) as exc:
        url = settings.discord_api_base_url
        checks.add(Mark.FAIL, SERVERS, words.discord_unreachable(url, _short(exc)))
        return
    names = {int(guild["id"]): str(guild["name"]) for guild in guilds}
    if names:
        checks.add(Mark.OK, SERVERS, words.servers(list(names.values())))
    else:
        checks.add(Mark.FAIL, SERVERS, words.no_server(app_id))
    wanted = settings.discord_guild_id
    if wanted is not None and wanted in names:
        checks.add(Mark.OK, GUILD_ID, words.guild_id_ok(names[wanted]))
    elif wanted is not None:
        checks.add(Mark.FAIL, GUILD_ID, words.guild_id_missing(wanted, app_id))
    if digests is None:
        checks.add(Mark.SKIP, DIGESTS, words.NOT_CHECKED_DATABASE)
    elif not digests:
        checks.add(Mark.OK, DIGESTS, words.NO_DIGESTS)
    for guild_id, group in groupby(digests or [], key=lambda digest: digest.guild_id):
        await _check_guild(checks, client, guild_id, names.get(guild_id), list(group))


async def _all_guilds(http: discord.http.HTTPClient) -> list[JSON]:
    """Return every server the bot is in, page by page."""
    found: list[JSON] = []
    after: int | None = None
    while True:
        page: list[Any] = await http.get_guilds(GUILD_PAGE, after=after, with_counts=False)
        found.extend(page)
        if len(page) < GUILD_PAGE:
            return found
        after = int(page[-1]["id"])


async def _check_guild(
    checks: Checklist,
    client: discord.Client,
    guild_id: int,
    name: str | None,
    digests: list[DigestConfig],
) -> None:
    """Check the digests of one server (three requests, then one per thread)."""
    server = name or f"server {guild_id}"
    if name is None:
        for digest in digests:
            item = words.digest_item(f"channel {digest.channel_id}", server)
            checks.add(Mark.FAIL, item, words.not_in_server(client.application_id or 0))
        return
    http = client.http
    me = client.user
    assert me is not None  # noqa: S101  (logged in)
    guild: JSON = dict(await http.get_guild(guild_id, with_counts=False))
    member: JSON = dict(await http.get_member(guild_id, me.id))
    channels = {int(c["id"]): dict(c) for c in await http.get_all_guild_channels(guild_id)}
    now = utc_now()
    for digest in digests:
        await _check_digest(checks, http, guild, member, me.id, channels, digest, server, now)


async def _check_digest(
    checks: Checklist,
    http: discord.http.HTTPClient,
    guild: JSON,
    member: JSON,
    bot_id: int,
    channels: dict[int, JSON],
    digest: DigestConfig,
    server: str,
    now: dt.datetime,
) -> None:
    """Report what the bot lacks in one digest's channel, and where it is taken away.

    What the digest needs fails the line; what only "Deep dive" needs (a thread under the
    paper) is a note: the deep dive still reaches the member who clicked.
    """
    channel = channels.get(digest.channel_id)
    if channel is None:  # a thread, or a channel that is gone
        try:
            channel = dict(await http.get_channel(digest.channel_id))
        except discord.NotFound:
            item = words.digest_item(f"channel {digest.channel_id}", server)
            checks.add(Mark.FAIL, item, words.CHANNEL_GONE)
            return
        except discord.Forbidden:
            item = words.digest_item(f"channel {digest.channel_id}", server)
            checks.add(Mark.FAIL, item, words.CHANNEL_HIDDEN)
            return
    parent = None
    if int(channel.get("type", 0)) in THREAD_TYPES:
        parent = channels.get(int(channel.get("parent_id") or 0))
    item = words.digest_item(f"#{channel.get('name', digest.channel_id)}", server)
    if int(channel.get("type", 0)) in THREAD_TYPES and parent is None:
        checks.add(Mark.FAIL, item, words.CHANNEL_HIDDEN)
        return
    threaded = digest.place is PostPlace.THREAD
    access = channel_access(
        guild, member, bot_id, channel, parent=parent, threaded=threaded, now=now
    )
    paused = None if not digest.paused else pause_reason(digest.pause_reason)
    deep_dive = dataclasses.replace(
        access, needed=deep_dive_needs(int(channel.get("type", 0)), threaded=threaded)
    )
    if not access.missing and deep_dive.missing:
        text = words.digest_ok_without_deep_dive_threads(
            paused, deep_dive.missing_in_roles, deep_dive.missing_by_overwrite
        )
        checks.add(Mark.NOTE, item, text)
    elif not access.missing:
        checks.add(Mark.OK, item, words.digest_ok(paused))
    elif access.timed_out:
        checks.add(Mark.FAIL, item, words.TIMED_OUT)
    else:
        text = words.digest_missing(access.missing_in_roles, access.missing_by_overwrite)
        checks.add(Mark.FAIL, item, text)


def _short(exc: BaseException) -> str:
    """Return an exception as one short line."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"
