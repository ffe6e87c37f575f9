"""Channel digests as admins manage them: validate, store, reschedule (the /digest commands).

Every function validates everything before it changes anything, so bad input changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from bot.arxiv.taxonomy import normalize_categories
from bot.errors import UserInputError
from bot.matching import parse_keywords
from bot.store import deliveries, targets
from bot.store.db import Database
from bot.store.targets import DigestConfig as DigestConfig  # re-exported for the cogs
from bot.summarize.service import normalize_language
from bot.timeutil import known_zone
from bot.validate import check_max_papers, parse_time, parse_timezone

if TYPE_CHECKING:  # a type only: digests are managed without the delivery machinery loaded
    from bot.delivery import Delivery


@dataclasses.dataclass(frozen=True, slots=True)
class DigestChange:
    """The options of `/digest set`; None leaves a setting as it is (or the default)."""

    categories: str
    keywords: str | None = None
    time: str | None = None
    timezone: str | None = None
    language: str | None = None
    max_papers: int | None = None
    include_cross_lists: bool | None = None


class NoDigestError(UserInputError):
    """The channel has no digest."""

    def __init__(self, channel_id: int) -> None:
        super().__init__(f"<#{channel_id}> has no digest; create one with /digest set")


async def set_digest(
    db: Database, guild_id: int, channel_id: int, change: DigestChange, default_language: str
) -> tuple[DigestConfig, bool]:
    """Create or update a channel's digest; return it and whether it is new."""
    current = await targets.get_digest(db, channel_id)
    categories = normalize_categories(change.categories)
    keywords = (
        change.keywords if change.keywords is not None else (current.keywords if current else "")
    )
    parse_keywords(keywords)  # validate; stored as written
    time = (
        parse_time(change.time) if change.time is not None else (current.time if current else None)
    )
    timezone = parse_timezone(change.timezone, current.timezone if current else "UTC")
    language = (
        normalize_language(change.language, default_language)
        if change.language is not None
        else (current.language if current else None)
    )
    max_papers = check_max_papers(
        change.max_papers
        if change.max_papers is not None
        else (current.max_papers if current else 10)
    )
    cross = (
        change.include_cross_lists
        if change.include_cross_lists is not None
        else (current.include_cross_lists if current else False)
    )
    stored = await targets.upsert_digest(
        db,
        guild_id=guild_id,
        channel_id=channel_id,
        categories=categories,
        keywords=keywords,
        time=time,
        timezone=timezone,
        language=language,
        max_papers=max_papers,
        include_cross_lists=cross,
    )
    return stored, current is None


async def require_digest(db: Database, channel_id: int) -> DigestConfig:
    """Return the channel's digest or raise NoDigestError."""
    config = await targets.get_digest(db, channel_id)
    if config is None:
        raise NoDigestError(channel_id)
    return config


async def list_for_guild(db: Database, guild_id: int) -> list[DigestConfig]:
    """Return the digests of one server (for /digest show and /status)."""
    return await targets.list_digests(db, guild_id)


async def pause(db: Database, channel_id: int, reason: str = "paused by an admin") -> None:
    """Pause a digest (it keeps its settings and what it delivered)."""
    await require_digest(db, channel_id)
    await targets.set_paused(db, channel_id, True, reason=reason)


async def resume(db: Database, channel_id: int) -> int:
    """Resume a digest; messages that failed while it could not post are queued again."""
    await require_digest(db, channel_id)
    await targets.set_paused(db, channel_id, False)
    return await deliveries.requeue_failed(db, deliveries.TargetKind.CHANNEL, channel_id)


async def send_requeued(delivery: Delivery, channel_id: int) -> None:
    """Send, in order, the messages `resume` queued again for the channel."""
    await delivery.flush(deliveries.TargetKind.CHANNEL, channel_id)


async def remove(db: Database, channel_id: int) -> None:
    """Delete a digest (its delivery history stays, so re-creating it never re-posts)."""
    await require_digest(db, channel_id)
    await targets.remove_digest(db, channel_id)


def describe(config: DigestConfig, next_post: dt.datetime | None) -> str:
    """Return a digest's settings as a few readable lines (for replies and /digest show)."""
    when = f"{config.time:%H:%M} {config.timezone}" if config.time else "as soon as announced"
    lines = [
        f"<#{config.channel_id}>: {', '.join(config.categories)}",
        f"keywords: {config.keywords or '(all papers)'}",
        f"time: {when} · language: {config.language or 'default'}"
        f" · max papers: {config.max_papers}"
        f" · cross-lists: {'yes' if config.include_cross_lists else 'no'}",
    ]
    if config.paused:
        lines.append(f"paused: {config.pause_reason or 'yes'}")
    last = f"{config.last_posted_at:%Y-%m-%d %H:%M} UTC" if config.last_posted_at else "never"
    upcoming = (
        discord_time(next_post)
        if next_post
        else ("after the next announcement" if not config.paused else "—")
    )
    if config.time and known_zone(config.timezone) is None:
        upcoming = "none: this host does not know the timezone; set one with /digest set"
    lines.append(f"last post: {last} · next post: {upcoming}")
    return "\n".join(lines)


def discord_time(moment: dt.datetime) -> str:
    """Return Discord's timestamp markup, shown in each reader's own timezone."""
    return f"<t:{int(moment.timestamp())}:f>"
