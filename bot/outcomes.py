"""What the bot's work came to, as types: polls, posts, and why a send stopped.

Services return these; `bot.words` turns them into the sentences people read. Nothing here is
parsed back from text (the Anthropic SDK's advice for its own errors: match on types and
status codes, never on message text).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import StrEnum


class PollStatus(StrEnum):
    """How a poll of the announcement feed ended (the value is stored per feed URL)."""

    FETCHED = "ok"
    NOT_MODIFIED = "not-modified"
    #: Normal on weekends and holidays; on an announcement day it is flagged as this instead.
    EMPTY_ON_ANNOUNCEMENT_DAY = "empty-on-announcement-day"
    FAILED = "failed"

    @property
    def is_problem(self) -> bool:
        """Say whether an admin should hear about it (in `/status`)."""
        return self in (PollStatus.FAILED, PollStatus.EMPTY_ON_ANNOUNCEMENT_DAY)


@dataclasses.dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll found.

    `latest` is the latest announcement date recorded for the polled categories after this
    poll (it may come from an earlier poll when the feed answered 304 or was empty);
    `is_new` says the poll brought an announcement newer than any recorded before it.
    `error` says why a FAILED poll failed (for logs and `/status`).
    """

    status: PollStatus
    latest: dt.date | None = None
    is_new: bool = False
    papers: int = 0
    error: str | None = None

    @property
    def not_modified(self) -> bool:
        """Say whether every feed request was answered 304 (nothing changed)."""
        return self.status is PollStatus.NOT_MODIFIED


class SendProblem(StrEnum):
    """Why sending to a target stopped; what was not sent stays pending."""

    #: The member does not accept DMs from the bot (403, code 50007): held until they return.
    DMS_CLOSED = "dms-closed"
    #: The bot may no longer post in the channel (403): the digest is paused.
    NO_PERMISSION = "no-permission"
    #: The channel is gone (404) or cannot hold messages: the digest is paused.
    CHANNEL_GONE = "channel-gone"
    #: The thread or forum post a post was going into is gone (404): the rest of that
    #: post is dropped, the digest goes on.
    THREAD_GONE = "thread-gone"
    #: Discord refused the message (another 4xx, a rate limit we will not wait out): it did
    #: not arrive; tried again later, with backoff.
    DISCORD_ERROR = "discord-error"
    #: Discord did not answer (no answer within the deadline, a lost connection, a 5xx): the
    #: message may have arrived, so the target's recent messages are read before a retry.
    NO_ANSWER = "no-answer"
    #: The message went out but the database could not record it (a full disk): nothing more
    #: is sent to the target until it is found in the channel and recorded.
    STORAGE_ERROR = "storage-error"

    @property
    def may_have_arrived(self) -> bool:
        """Say whether the message may be in the channel although the send failed."""
        return self in (SendProblem.NO_ANSWER, SendProblem.STORAGE_ERROR)


class NotPosted(StrEnum):
    """Why nothing was even tried for a target."""

    NO_TARGET = "no-target"
    PAUSED = "paused"
    #: A subscription without keywords, or whose DMs are known to be closed.
    NOT_DELIVERABLE = "not-deliverable"
    #: Another bot process is sending this target's post right now (PostgreSQL, bot/fleet.py).
    BEING_SENT = "being-sent"
    #: The target belongs to another live bot process's shard, which sends it (bot/fleet.py).
    ELSEWHERE = "elsewhere"


@dataclasses.dataclass(frozen=True, slots=True)
class PostResult:
    """What one post to one target did: messages sent, papers they carried, and any stop.

    `not_posted` says why nothing was tried; `problem` why sending stopped part-way (the
    rest stays pending and goes out later). Both None: everything pending went out.
    `retry_at` is when a retried failure is tried next; `gave_up` says the failure was the
    last of DELIVERY_MAX_FAILURES in a row: the target is paused (a member's DMs held).
    """

    sent: int = 0
    papers: int = 0
    not_posted: NotPosted | None = None
    problem: SendProblem | None = None
    retry_at: dt.datetime | None = None
    gave_up: bool = False

    @property
    def complete(self) -> bool:
        """Say whether nothing is left pending for the target."""
        return self.not_posted is None and self.problem is None
