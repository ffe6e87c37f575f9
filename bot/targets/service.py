"""Create, change, pause, resume and remove targets; each call also brings the schedule in line.

Every call validates first (bot.targets.changes), then stores, then asks the schedule to
match the stored row (bot.targets.schedule), so a caller never has to remember to reschedule.
A new target's first post and a resumed digest's catch-up are started here too: through
`Deliveries`, which the delivery side provides, so this package never imports it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from typing import Protocol

from bot.arxiv.taxonomy import normalize_categories
from bot.config import Settings
from bot.errors import UserInputError
from bot.store import guild_settings, passes, targets
from bot.store.db import Database
from bot.store.passes import Progress
from bot.store.targets import UNSET
from bot.targets.changes import (
    DigestChange,
    SubscriptionChange,
    digest_settings,
    keywords_to_add,
)
from bot.targets.model import DigestConfig, PauseReason, Subscription, TargetKey
from bot.targets.schedule import TargetSchedule
from bot.timeutil import utc_now
from bot.validate import normalize_language, parse_style, parse_time, parse_timezone
from bot.words import no_digest

log = logging.getLogger(__name__)

#: Words that set a server's default language back to the bot's.
NO_LANGUAGE_WORDS = frozenset({"default", "none", "off"})


class Deliveries(Protocol):
    """What the service needs from delivery: start a target's posts without waiting."""

    def deliver_soon(self, key: TargetKey, *, fetch_first: bool) -> None:
        """Plan the target's pending announcements soon (fetching its feed first if asked),
        then send them at once if it has no time of its own."""


class NoDigestError(UserInputError):
    """The channel has no digest."""

    def __init__(self, channel_id: int) -> None:
        super().__init__(no_digest(channel_id))


@dataclasses.dataclass(frozen=True, slots=True)
class DigestSaved:
    """What `/digest set` did: the digest as stored, whether it is new, its next post."""

    config: DigestConfig
    created: bool
    next_post: dt.datetime | None


@dataclasses.dataclass(frozen=True, slots=True)
class Subscribed:
    """What `/subscribe` did: the subscription as stored, and whether its DMs start now."""

    subscription: Subscription
    started: bool


class TargetService:
    """Targets as people manage them, with their schedule kept in line."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        schedule: TargetSchedule,
        deliveries: Deliveries,
        *,
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._db = db
        self._settings = settings
        self._schedule = schedule
        self._deliveries = deliveries
        self._now = now

    def next_post(self, key: TargetKey) -> dt.datetime | None:
        """Return when a timed target posts next (None: after each announcement, or never)."""
        return self._schedule.next_post(key)

    async def progress(self, key: TargetKey) -> Progress | None:
        """Return the target's latest announcement: papers seen, matched and posted."""
        return await passes.latest_progress(self._db, key)

    # --- channel digests ----------------------------------------------------------------

    async def set_digest(self, guild_id: int, channel_id: int, change: DigestChange) -> DigestSaved:
        """Create or update a channel's digest; a new one posts the latest announcement."""
        current = await targets.get_digest(self._db, channel_id)
        wanted = digest_settings(change, current, self._settings.default_language, channel_id)
        stored = await targets.upsert_digest(
            self._db,
            guild_id=guild_id,
            channel_id=channel_id,
            categories=wanted.categories,
            keywords=wanted.keywords,
            time=wanted.time,
            timezone=wanted.timezone,
            language=wanted.language,
            max_papers=wanted.max_papers,
            include_cross_lists=wanted.include_cross_lists,
            style=wanted.style,
            place=wanted.place,
            mention_role=wanted.mention_role,
            quiet=wanted.quiet,
            versions=wanted.versions,
            now=self._now(),
        )
        await self._schedule.sync(stored.key)
        if current is None:
            self._deliveries.deliver_soon(stored.key, fetch_first=True)
        return DigestSaved(stored, current is None, self.next_post(stored.key))

    async def digest(self, channel_id: int) -> DigestConfig:
        """Return the channel's digest or raise NoDigestError."""
        config = await targets.get_digest(self._db, channel_id)
        if config is None:
            raise NoDigestError(channel_id)
        return config

    async def digests(self, guild_id: int) -> list[DigestConfig]:
        """Return the digests of one server (for /digest show)."""
        return await targets.list_digests(self._db, guild_id)

    async def pause_digest(self, channel_id: int) -> DigestConfig:
        """Pause a digest (it keeps its settings and what it delivered)."""
        await self.digest(channel_id)
        await targets.set_paused(self._db, channel_id, PauseReason.ADMIN)
        await self._schedule.sync(TargetKey.channel(channel_id))
        return await self.digest(channel_id)

    async def resume_digest(self, channel_id: int) -> DigestConfig:
        """Resume a digest: it catches up on what it missed, and sends what was waiting."""
        await self.digest(channel_id)
        await targets.set_paused(self._db, channel_id, None)
        key = TargetKey.channel(channel_id)
        await self._schedule.sync(key)
        self._deliveries.deliver_soon(key, fetch_first=False)
        return await self.digest(channel_id)

    async def remove_digest(self, channel_id: int) -> None:
        """Delete a digest (its delivery history stays, so re-creating it never re-posts)."""
        await self.digest(channel_id)
        await targets.remove_digest(self._db, channel_id)
        await self._schedule.sync(TargetKey.channel(channel_id))

    # --- a server's defaults -------------------------------------------------------------

    async def server_language(self, guild_id: int) -> str | None:
        """Return the server's default summary language (None: the bot's DEFAULT_LANGUAGE)."""
        return await guild_settings.get_language(self._db, guild_id)

    async def set_server_language(self, guild_id: int, text: str) -> str | None:
        """Set the server's default summary language; a word in NO_LANGUAGE_WORDS clears it.

        Return the language now in force for the server's digests that set none (None: the
        bot's). Raise UserInputError for a value that is not a language.
        """
        language = (
            None
            if text.strip().casefold() in NO_LANGUAGE_WORDS
            else normalize_language(text, self._settings.default_language)
        )
        await guild_settings.set_language(self._db, guild_id, language)
        return language

    # --- personal subscriptions ---------------------------------------------------------

    async def subscription(self, user_id: int) -> Subscription | None:
        """Return the member's subscription, if they have one."""
        return await targets.get_subscription(self._db, user_id)

    async def subscribe(self, user_id: int, text: str) -> Subscribed:
        """Add keywords to the member's subscription; a first keyword starts the DMs."""
        before = await targets.get_subscription(self._db, user_id)
        new = keywords_to_add(before.keywords if before else (), text)
        await targets.add_keywords(self._db, user_id, new, now=self._now())
        sub = await targets.get_subscription(self._db, user_id)
        if sub is None:  # written just above
            raise LookupError(f"subscription of user {user_id} was not stored")
        await self._schedule.sync(sub.key)
        started = before is None or not before.keywords
        if started:
            self._deliveries.deliver_soon(sub.key, fetch_first=True)
        return Subscribed(sub, started)

    async def unsubscribe(self, user_id: int, keyword: str) -> list[str] | None:
        """Remove one keyword, or everything for "all"; return what is left (None: all gone)."""
        key = TargetKey.user(user_id)
        if keyword.strip().casefold() == "all":
            await targets.remove_all(self._db, user_id)
            await self._schedule.sync(key)
            return None
        current = await targets.get_subscription(self._db, user_id)
        if current is None or keyword.strip().casefold() not in {
            k.casefold() for k in current.keywords
        }:
            raise UserInputError(f"you are not subscribed to {keyword.strip()[:100]!r}")
        left = await targets.remove_keyword(self._db, user_id, keyword)
        await self._schedule.sync(key)
        return left

    async def update_subscription(self, user_id: int, change: SubscriptionChange) -> Subscription:
        """Change the member's settings (validated first); return the result."""
        default_language = self._settings.default_language
        sub = await targets.update_settings(
            self._db,
            user_id,
            categories=(
                tuple(normalize_categories(change.categories))
                if change.categories is not None
                else UNSET
            ),
            time=parse_time(change.time) if change.time is not None else UNSET,
            timezone=parse_timezone(change.timezone) if change.timezone is not None else UNSET,
            language=(
                normalize_language(change.language, default_language)
                if change.language is not None
                else UNSET
            ),
            style=parse_style(change.style) if change.style is not None else UNSET,
            paused=change.paused if change.paused is not None else UNSET,
            now=self._now(),
        )
        await self._schedule.sync(sub.key)
        return sub

    async def returning_member(self, user_id: int) -> bool:
        """Call on every command a member runs: say whether their DMs had failed.

        DMs are tried again from then on (the pending ones go out after the next poll), and
        the member is told why once: the mark is cleared here.
        """
        if not await targets.clear_dm_blocked(self._db, user_id):
            return False
        await self._schedule.sync(TargetKey.user(user_id))
        return True


class LostTargets:
    """What sending learns about targets: a channel the bot lost, a member's closed DMs.

    Each change is stored and the target's schedule brought in line, as for the service's
    own calls; the courier (bot.delivery.courier) reports these as it meets them.
    """

    def __init__(self, db: Database, schedule: TargetSchedule) -> None:
        self._db = db
        self._schedule = schedule

    async def channel_lost(self, channel_id: int, reason: PauseReason) -> DigestConfig | None:
        """Pause a digest the bot cannot post in (lost access, or failures); return it (if any)."""
        if await targets.get_digest(self._db, channel_id) is None:
            return None
        await targets.set_paused(self._db, channel_id, reason)
        await self._schedule.sync(TargetKey.channel(channel_id))
        log.warning("digest of channel %s paused: %s", channel_id, reason)
        return await targets.get_digest(self._db, channel_id)

    async def channel_back(self, channel_id: int) -> None:
        """Resume a digest the bot paused after repeated failures (`/digest post` asked)."""
        await targets.set_paused(self._db, channel_id, None)
        await self._schedule.sync(TargetKey.channel(channel_id))
        log.info("digest of channel %s resumed to post now", channel_id)

    async def dms_closed(self, user_id: int) -> None:
        """Hold a member's DMs: they failed with 403/50007 (tried again when they return)."""
        await targets.set_dm_blocked(self._db, user_id)
        await self._schedule.sync(TargetKey.user(user_id))
        log.info("user %s does not accept DMs; holding their digest", user_id)

    async def dms_failing(self, user_id: int) -> None:
        """Hold a member's DMs after repeated failures, as for closed DMs, until they return."""
        await targets.set_dm_blocked(self._db, user_id)
        await self._schedule.sync(TargetKey.user(user_id))
        log.warning("DMs to user %s kept failing; holding their digest", user_id)
