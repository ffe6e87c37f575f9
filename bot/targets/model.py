"""What a target is: its typed key, its stored settings and progress, and what a pass plans for.

A target is where papers go: a channel (a digest set up by `/digest set`) or a member's DMs (a
subscription set up by `/subscribe`). Everything else (the outbox, the schedule, the pass)
refers to one by its `TargetKey`, never by a bare id or a string built on the spot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from enum import StrEnum

from bot.models import DigestStyle


class TargetKind(StrEnum):
    """Where a post goes: a digest's channel or a member's DMs (the value is stored)."""

    CHANNEL = "channel"
    USER = "user"


@dataclasses.dataclass(frozen=True, slots=True, order=True)
class TargetKey:
    """One target: a channel id or a user id, never mistaken for the other."""

    kind: TargetKind
    id: int

    @classmethod
    def channel(cls, channel_id: int) -> TargetKey:
        """Return the key of a channel's digest."""
        return cls(TargetKind.CHANNEL, channel_id)

    @classmethod
    def user(cls, user_id: int) -> TargetKey:
        """Return the key of a member's DM subscription."""
        return cls(TargetKind.USER, user_id)

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


class PostPlace(StrEnum):
    """Where a digest's posts go (the value is stored).

    CHANNEL: header and papers in the channel. THREAD: the header in the channel and the
    papers in a thread under it (`/digest set ... thread:true`). FORUM: one forum post per
    announcement, the header as its first message (the channel is a forum channel).
    """

    CHANNEL = "channel"
    THREAD = "thread"
    FORUM = "forum"


class PauseReason(StrEnum):
    """Why a digest is paused (the value is stored; `bot.words` says it to people)."""

    ADMIN = "admin"
    NO_PERMISSION = "no-permission"
    CHANNEL_GONE = "channel-gone"
    #: Discord failed DELIVERY_MAX_FAILURES times in a row to take the digest's messages.
    SEND_FAILURES = "send-failures"


@dataclasses.dataclass(frozen=True, slots=True)
class DigestConfig:
    """A channel's digest: its settings (as `/digest set` gave them) and its progress.

    `time` None posts as soon as an announcement is processed; `language` None means the
    bot's DEFAULT_LANGUAGE; `keywords` is the text the admin wrote, parsed by bot.matching.
    `planned_date` is the latest announcement whose post is planned (in the outbox, or found
    empty); `last_posted_*` say when something last went out.
    """

    channel_id: int
    guild_id: int
    categories: tuple[str, ...]
    keywords: str = ""
    time: dt.time | None = None
    timezone: str = "UTC"
    language: str | None = None
    max_papers: int = 10
    include_cross_lists: bool = False
    style: DigestStyle = DigestStyle.COMPACT
    #: False: a day without matches posts a one-line "No matches today".
    quiet: bool = True
    #: True: a delivered paper gets a one-line reply when a new version is announced.
    versions: bool = False
    paused: bool = False
    pause_reason: PauseReason | None = None
    start_date: dt.date | None = None
    planned_date: dt.date | None = None
    last_posted_date: dt.date | None = None
    last_posted_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    # Where posts go and whom they ping (README, "Discord commands", `/digest set`):
    # `mention_role` is the one role a post's header mentions, None for nobody.
    place: PostPlace = PostPlace.CHANNEL
    mention_role: int | None = None

    @property
    def key(self) -> TargetKey:
        """Return the digest's target key."""
        return TargetKey.channel(self.channel_id)

    @property
    def refuses_posts(self) -> bool:
        """Say whether `/digest post` must refuse: the digest is paused, unless the bot paused
        it after repeated send failures (asking to post is asking it to try again)."""
        return self.paused and self.pause_reason is not PauseReason.SEND_FAILURES


@dataclasses.dataclass(frozen=True, slots=True)
class Subscription:
    """A member's DM subscription. `categories` None means the bot's DEFAULT_CATEGORIES."""

    user_id: int
    keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] | None = None
    time: dt.time | None = None
    timezone: str = "UTC"
    language: str | None = None
    style: DigestStyle = DigestStyle.COMPACT
    paused: bool = False
    dm_blocked_at: dt.datetime | None = None
    start_date: dt.date | None = None
    planned_date: dt.date | None = None
    last_sent_date: dt.date | None = None
    last_sent_at: dt.datetime | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None

    @property
    def key(self) -> TargetKey:
        """Return the subscription's target key."""
        return TargetKey.user(self.user_id)

    @property
    def dm_blocked(self) -> bool:
        """Say whether the member's DMs were found closed (403/50007) and not retried since."""
        return self.dm_blocked_at is not None

    @property
    def deliverable(self) -> bool:
        """Say whether DMs should be planned and sent: keywords set, not paused, DMs open.

        Without keywords nothing is sent: an empty list would match every paper
        (docs/behaviour.md, "Matching").
        """
        return bool(self.keywords) and not self.paused and not self.dm_blocked


#: A subscriber's DM holds at most this many papers per announcement.
SUBSCRIPTION_MAX_PAPERS = 25


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    """What a pass plans for one target: its wishes, with the bot's defaults filled in.

    `key` is None for a preview that exists nowhere (the CLI's `preview`): it has received
    nothing and records nothing. `keywords` holds comma-separated lists as written.
    """

    key: TargetKey | None
    categories: tuple[str, ...]
    keywords: tuple[str, ...]
    language: str
    max_papers: int
    include_cross_lists: bool = False
    style: DigestStyle = DigestStyle.COMPACT
    start_date: dt.date | None = None
    planned_date: dt.date | None = None
    #: None: sent as soon as planned; else the local time of day its job sends at.
    time: dt.time | None = None
    timezone: str = "UTC"
    # A digest's server (whose budget share its summaries spend), where its posts go and
    # whom they ping; a member's subscription has none of these.
    guild_id: int | None = None
    place: PostPlace = PostPlace.CHANNEL
    mention_role: int | None = None
    quiet: bool = True
    versions: bool = False

    @classmethod
    def of_digest(cls, config: DigestConfig, default_language: str) -> Target:
        """Return what a channel digest asks of each announcement.

        `default_language` is the language of a digest that set none: its server's default
        (`/digest defaults`), else the bot's.
        """
        return cls(
            key=config.key,
            categories=config.categories,
            keywords=(config.keywords,),
            language=config.language or default_language,
            max_papers=config.max_papers,
            include_cross_lists=config.include_cross_lists,
            style=config.style,
            start_date=config.start_date,
            planned_date=config.planned_date,
            time=config.time,
            timezone=config.timezone,
            guild_id=config.guild_id,
            place=config.place,
            mention_role=config.mention_role,
            quiet=config.quiet,
            versions=config.versions,
        )

    @classmethod
    def of_subscription(
        cls, sub: Subscription, default_categories: tuple[str, ...], default_language: str
    ) -> Target:
        """Return what a member's subscription asks of each announcement."""
        return cls(
            key=sub.key,
            categories=sub.categories or default_categories,
            keywords=sub.keywords,
            language=sub.language or default_language,
            max_papers=SUBSCRIPTION_MAX_PAPERS,
            style=sub.style,
            start_date=sub.start_date,
            planned_date=sub.planned_date,
            time=sub.time,
            timezone=sub.timezone,
        )

    def dates_due(self, dates: Mapping[dt.date, frozenset[str]], window_days: int) -> DueDates:
        """Return the announcements still to plan: after `planned_date`, from `start_date`.

        `dates` maps each recorded announcement date to the categories it has entries in;
        only dates with one of this target's categories count, and only those at most
        `window_days` before the newest of them (a bot that was down, or a digest paused
        for a while, catches up on a week, never floods): the older ones are counted.
        """
        wanted = frozenset(self.categories)
        due = [
            date
            for date in sorted(dates)
            if (self.planned_date is None or date > self.planned_date)
            and (self.start_date is None or date >= self.start_date)
            and not wanted.isdisjoint(dates[date])
        ]
        if not due:
            return DueDates()
        first = due[-1] - dt.timedelta(days=window_days)
        kept = tuple(date for date in due if date >= first)
        return DueDates(kept, len(due) - len(kept))


@dataclasses.dataclass(frozen=True, slots=True)
class DueDates:
    """The announcements a target is due, oldest first, and how many older ones it skips."""

    dates: tuple[dt.date, ...] = ()
    skipped: int = 0
