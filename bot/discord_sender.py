"""The `Sender` of bot/delivery over discord.py: send with a nonce, find what was sent.

Translates discord.py's errors into delivery's `SendProblem`: 403 code 50007 is a user with
closed DMs; other 403s mean the bot may not post in the channel, 404s that it is gone; a 5xx
or a lost connection is no answer (the message may have arrived); any other refusal is worth
a retry later. The deadline of each call is the courier's (bot.delivery.courier).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp
import discord

from bot.delivery.sender import SendError
from bot.outcomes import SendProblem
from bot.store.deliveries import OutboxMessage
from bot.targets.model import TargetKey, TargetKind

log = logging.getLogger(__name__)

#: Discord's JSON error code for "Cannot send messages to this user".
#: Source: https://discord.com/developers/docs/topics/opcodes-and-status-codes
CANNOT_DM_USER = 50007

#: How far back reconciliation reads a target's history.
HISTORY_LIMIT = 100


class DiscordSender:
    """Send outbox payloads through a connected discord.py client."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def send(self, target: TargetKey, payload: Mapping[str, Any], nonce: str) -> int:
        """Send one payload; discord.py adds `enforce_nonce` whenever a nonce is given.

        A payload with a `message_reference` (a version reply) is sent as a reply to it.
        """
        embeds = [discord.Embed.from_dict(embed) for embed in payload.get("embeds", [])]
        try:
            channel = await self._channel(target)
            reference = _reference(payload, channel)
            if reference is None:
                message = await channel.send(
                    content=payload.get("content"),
                    embeds=embeds,
                    allowed_mentions=discord.AllowedMentions.none(),
                    nonce=nonce,
                )
            else:
                message = await channel.send(
                    content=payload.get("content"),
                    embeds=embeds,
                    allowed_mentions=discord.AllowedMentions.none(),
                    nonce=nonce,
                    reference=reference,
                    mention_author=False,
                )
        except discord.Forbidden as exc:
            if exc.code == CANNOT_DM_USER:
                raise SendError(SendProblem.DMS_CLOSED, f"{target} does not accept DMs") from exc
            raise SendError(
                SendProblem.NO_PERMISSION, f"no permission to post in {target}"
            ) from exc
        except discord.NotFound as exc:
            raise SendError(SendProblem.CHANNEL_GONE, f"{target} no longer exists") from exc
        except discord.DiscordServerError as exc:
            detail = f"Discord failed: {exc.status} {_short(exc.text)}"
            raise SendError(SendProblem.NO_ANSWER, detail) from exc
        except discord.HTTPException as exc:
            detail = f"Discord refused the message: {exc.status} {_short(exc.text)}"
            raise SendError(SendProblem.DISCORD_ERROR, detail) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise SendError(SendProblem.NO_ANSWER, f"connection to Discord lost: {exc!r}") from exc
        return message.id

    async def find_sent(
        self, target: TargetKey, messages: Sequence[OutboxMessage]
    ) -> dict[int, int]:
        """Match pending outbox messages with the bot's recent messages in the target.

        A message matches by nonce when Discord returns it, else by identical content and
        embed links (each digest message has a unique header or set of paper links).
        """
        me = self._client.user
        try:
            channel = await self._channel(target)
            recent = [m async for m in channel.history(limit=HISTORY_LIMIT)]
        except discord.Forbidden as exc:
            raise SendError(SendProblem.NO_PERMISSION, f"cannot read {target}") from exc
        except discord.NotFound as exc:
            raise SendError(SendProblem.CHANNEL_GONE, f"{target} no longer exists") from exc
        except discord.DiscordServerError as exc:
            raise SendError(SendProblem.NO_ANSWER, f"cannot read {target}: {exc.status}") from exc
        except discord.HTTPException as exc:
            raise SendError(
                SendProblem.DISCORD_ERROR, f"cannot read {target}: {exc.status}"
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise SendError(SendProblem.NO_ANSWER, f"cannot read {target}: {exc!r}") from exc
        mine = [m for m in recent if me is not None and m.author.id == me.id]
        found: dict[int, int] = {}
        for pending in messages:
            payload = _loads(pending.payload)
            for message in mine:
                if message.id in found.values():
                    continue
                if (message.nonce is not None and str(message.nonce) == pending.nonce) or (
                    _fingerprint_of_message(message) == _fingerprint_of_payload(payload)
                ):
                    found[pending.id] = message.id
                    break
        return found

    async def notify_guild(self, guild_id: int, text: str) -> bool:
        """Post `text` in the server's system channel, if it has one we may post in."""
        guild = self._client.get_guild(guild_id)
        channel = guild.system_channel if guild is not None else None
        if channel is None:
            return False
        try:
            await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            log.info("could not tell guild %s: %s", guild_id, exc)
            return False
        return True

    async def _channel(self, target: TargetKey) -> discord.abc.Messageable:
        """Return the channel (or the user's DM channel) for a target."""
        if target.kind is TargetKind.USER:
            user = self._client.get_user(target.id) or await self._client.fetch_user(target.id)
            return user.dm_channel or await user.create_dm()
        channel = self._client.get_channel(target.id)
        if channel is None:
            channel = await self._client.fetch_channel(target.id)
        if not isinstance(channel, discord.abc.Messageable):
            raise SendError(SendProblem.CHANNEL_GONE, f"{target} cannot hold messages")
        return channel


def _short(text: str, limit: int = 200) -> str:
    """Cut an error body from Discord to a length a log line and /status can hold."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reference(
    payload: Mapping[str, Any], channel: discord.abc.Messageable
) -> discord.MessageReference | None:
    """Return the message a payload replies to, if it names one."""
    reference = payload.get("message_reference")
    if not isinstance(reference, Mapping) or "message_id" not in reference:
        return None
    return discord.MessageReference(
        message_id=int(reference["message_id"]),
        channel_id=int(getattr(channel, "id", 0)),
        fail_if_not_exists=bool(reference.get("fail_if_not_exists", False)),
    )


def _loads(payload: str) -> dict[str, Any]:
    """Parse a stored payload."""
    data = json.loads(payload)
    return data if isinstance(data, dict) else {}


def _fingerprint_of_payload(payload: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """Return (content, embed urls) of a payload: what identifies a digest message."""
    urls = tuple(str(embed.get("url", "")) for embed in payload.get("embeds", []))
    return (payload.get("content") or "", urls)


def _fingerprint_of_message(message: discord.Message) -> tuple[str, tuple[str, ...]]:
    """Return (content, embed urls) of a message Discord holds."""
    return (message.content or "", tuple(str(embed.url or "") for embed in message.embeds))
