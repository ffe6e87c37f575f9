"""What delivery needs from Discord, and how sending can fail, without importing discord.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from bot.errors import DigestBotError
from bot.outcomes import SendProblem
from bot.store.deliveries import OutboxMessage
from bot.targets.model import TargetKey


class SendError(DigestBotError):
    """Discord did not take a message, for `problem`; it stays pending. `detail` is for logs."""

    def __init__(self, problem: SendProblem, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem


class Sender(Protocol):
    """What delivery needs from Discord (bot/discord_sender.py provides it)."""

    async def send(self, target: TargetKey, payload: Mapping[str, Any], nonce: str) -> int:
        """Send one message payload with `nonce`; return the Discord message id.

        Raise SendError, saying why, when Discord does not take it.
        """

    async def find_sent(
        self, target: TargetKey, messages: Sequence[OutboxMessage]
    ) -> dict[int, int]:
        """Return {outbox id: Discord message id} for `messages` already in the target."""

    async def notify_guild(self, guild_id: int, text: str) -> bool:
        """Tell a server something (its system channel); return whether it was told."""
