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
    """What delivery needs from Discord (bot/discord_sender.py provides it).

    A thread is a channel of its own: `thread_id` sends into (or reads) a thread of the
    target's channel instead of the channel. Threads are opened here too, for digests and
    for anything else that answers under a message (a deep dive, say).
    """

    async def send(
        self,
        target: TargetKey,
        payload: Mapping[str, Any],
        nonce: str,
        *,
        thread_id: int | None = None,
    ) -> int:
        """Send one message payload with `nonce`; return the Discord message id.

        The payload's `allowed_mentions` is honoured, except that @everyone and @here never
        are. Raise SendError, saying why, when Discord does not take it (THREAD_GONE when
        the thread is gone).
        """

    async def find_sent(
        self,
        target: TargetKey,
        messages: Sequence[OutboxMessage],
        *,
        thread_id: int | None = None,
    ) -> dict[int, int]:
        """Return {outbox id: Discord message id} for `messages` already in the target."""

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> int:
        """Open a public thread under a message (or find the one it has); return its id.

        A message holds at most one thread, and that thread's id is the message's id, so
        opening it again after a crash finds the same thread.
        """

    async def open_forum_post(
        self, channel_id: int, name: str, payload: Mapping[str, Any], labels: Sequence[str]
    ) -> int:
        """Create a forum post with `payload` as its first message; return the post's id.

        The post gets the forum's tags whose names are among `labels` (compared without
        case, in the order of `labels`, at most 5). The first message's id is the post's.
        """

    async def find_forum_post(self, channel_id: int, name: str) -> int | None:
        """Return the id of the bot's forum post named `name` in the forum, if it exists.

        Forum posts take no nonce: this is how a post created just before a crash (or whose
        answer was lost) is found instead of created twice.
        """

    async def notify_guild(self, guild_id: int, text: str) -> bool:
        """Tell a server something (its system channel); return whether it was told."""
