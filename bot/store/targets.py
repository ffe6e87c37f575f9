"""Queries for delivery targets: channel digests (`/digest`) and DM subscriptions (`/subscribe`).

Both start from the latest recorded announcement when created, never from a backlog
(docs/behaviour.md, "No flood"): `start_date` defaults to it. What was delivered to a target is
kept by `bot.store.deliveries`, not here, so removing and re-creating a digest or a
subscription never sends a paper twice. The types are `bot.targets.model`'s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from typing import TypeVar

from bot.models import DigestStyle
from bot.store.codec import (
    date_text,
    datetime_text,
    fetch_all,
    fetch_one,
    json_text,
    parse_date,
    parse_datetime,
    parse_strings,
    parse_time,
    time_text,
    unique,
)
from bot.store.db import Connection, Database, Row
from bot.targets.model import (
    DigestConfig,
    PauseReason,
    PostPlace,
    Subscription,
    TargetKey,
    TargetKind,
)
from bot.timeutil import utc_now


class _Unset(enum.Enum):
    """The type of UNSET: lets `update_settings` tell "leave as is" from None ("default")."""

    UNSET = enum.auto()


UNSET = _Unset.UNSET

T = TypeVar("T")


# --- digests ------------------------------------------------------------------------------

_DIGEST_COLUMNS_SQL = """
SELECT channel_id, guild_id, categories, keywords, post_time, timezone, language, max_papers,
       include_cross_lists, paused, pause_reason, start_date, planned_date, last_posted_date,
       last_posted_at, created_at, updated_at,
       place, mention_role_id, style, quiet, versions
FROM digests
"""

# A new digest starts from the latest announcement recorded, unless the caller says.
_UPSERT_DIGEST = """
INSERT INTO digests (channel_id, guild_id, categories, keywords, post_time, timezone, language,
                     max_papers, include_cross_lists, start_date, created_at, updated_at,
                     place, mention_role_id, style, quiet, versions)
VALUES (:channel_id, :guild_id, :categories, :keywords, :post_time, :timezone, :language,
        :max_papers, :include_cross_lists,
        coalesce(:start_date, (SELECT max(announced_on) FROM announcements)), :now, :now,
        :place, :mention_role_id, :style, :quiet, :versions)
ON CONFLICT (channel_id) DO UPDATE SET
    guild_id = excluded.guild_id,
    categories = excluded.categories,
    keywords = excluded.keywords,
    post_time = excluded.post_time,
    timezone = excluded.timezone,
    language = excluded.language,
    max_papers = excluded.max_papers,
    include_cross_lists = excluded.include_cross_lists,
    updated_at = excluded.updated_at,
    place = excluded.place,
    mention_role_id = excluded.mention_role_id,
    style = excluded.style,
    quiet = excluded.quiet,
    versions = excluded.versions
"""


async def upsert_digest(
    db: Database,
    *,
    guild_id: int,
    channel_id: int,
    categories: Sequence[str],
    keywords: str = "",
    time: dt.time | None = None,
    timezone: str = "UTC",
    language: str | None = None,
    max_papers: int = 10,
    include_cross_lists: bool = False,
    style: DigestStyle = DigestStyle.COMPACT,
    quiet: bool = True,
    versions: bool = False,
    start_date: dt.date | None = None,
    now: dt.datetime | None = None,
    place: PostPlace = PostPlace.CHANNEL,
    mention_role: int | None = None,
) -> DigestConfig:
    """Create the channel's digest or replace its settings; return the stored digest.

    A new digest starts from `start_date`, by default the latest recorded announcement. An
    update keeps the start, the progress and any pause (resuming is `set_paused`'s job).
    """
    params = {
        "channel_id": channel_id,
        "guild_id": guild_id,
        "categories": json_text(unique(categories)),
        "keywords": keywords,
        "post_time": time_text(time),
        "timezone": timezone,
        "language": language,
        "max_papers": max_papers,
        "include_cross_lists": int(include_cross_lists),
        "style": str(style),
        "quiet": int(quiet),
        "versions": int(versions),
        "start_date": date_text(start_date),
        "now": datetime_text(now or utc_now()),
        "place": str(place),
        "mention_role_id": mention_role,
    }
    async with db.transaction() as conn:
        await conn.execute(_UPSERT_DIGEST, params)
    stored = await get_digest(db, channel_id)
    if stored is None:  # written just above
        raise LookupError(f"digest for channel {channel_id} was not stored")
    return stored


async def get_digest(db: Database, channel_id: int) -> DigestConfig | None:
    """Return the digest of a channel, if it has one."""
    row = await fetch_one(db, _DIGEST_COLUMNS_SQL + " WHERE channel_id = ?", (channel_id,))
    return None if row is None else _digest_from_row(row)


async def list_digests(db: Database, guild_id: int | None = None) -> list[DigestConfig]:
    """Return the digests of one server, or of every server, by server then channel."""
    rows = await fetch_all(
        db,
        _DIGEST_COLUMNS_SQL + " WHERE CAST(:guild_id AS BIGINT) IS NULL OR guild_id = :guild_id"
        " ORDER BY guild_id, channel_id",
        {"guild_id": guild_id},
    )
    return [_digest_from_row(row) for row in rows]


async def set_paused(
    db: Database,
    channel_id: int,
    reason: PauseReason | None,
    *,
    now: dt.datetime | None = None,
) -> bool:
    """Pause a digest for `reason` (shown in `/status`), or resume it (None); say if it exists.

    The bot pauses a digest itself when it can no longer post in the channel (403/404,
    docs/behaviour.md, "Failures people cause").
    """
    async with db.transaction() as conn:
        changed = await conn.execute(
            "UPDATE digests SET paused = ?, pause_reason = ?, updated_at = ? WHERE channel_id = ?",
            (
                int(reason is not None),
                None if reason is None else str(reason),
                datetime_text(now or utc_now()),
                channel_id,
            ),
        )
        return changed > 0


async def remove_digest(db: Database, channel_id: int) -> bool:
    """Delete a channel's digest; say whether there was one. Delivery history is kept."""
    async with db.transaction() as conn:
        changed = await conn.execute("DELETE FROM digests WHERE channel_id = ?", (channel_id,))
        return changed > 0


def _digest_from_row(row: Row) -> DigestConfig:
    """Build a DigestConfig from a digests row."""
    return DigestConfig(
        channel_id=int(row["channel_id"]),
        guild_id=int(row["guild_id"]),
        categories=parse_strings(row["categories"]),
        keywords=str(row["keywords"]),
        time=parse_time(row["post_time"]),
        timezone=str(row["timezone"]),
        language=row["language"],
        max_papers=int(row["max_papers"]),
        include_cross_lists=bool(row["include_cross_lists"]),
        style=_style(row["style"]),
        quiet=bool(row["quiet"]),
        versions=bool(row["versions"]),
        paused=bool(row["paused"]),
        pause_reason=_pause_reason(row["pause_reason"]),
        start_date=parse_date(row["start_date"]),
        planned_date=parse_date(row["planned_date"]),
        last_posted_date=parse_date(row["last_posted_date"]),
        last_posted_at=parse_datetime(row["last_posted_at"]),
        created_at=parse_datetime(row["created_at"]),
        updated_at=parse_datetime(row["updated_at"]),
        place=PostPlace(row["place"]),
        mention_role=row["mention_role_id"],
    )


def _style(text: str) -> DigestStyle:
    """Read a stored style; anything unknown reads as the default, compact."""
    try:
        return DigestStyle(text)
    except ValueError:
        return DigestStyle.COMPACT


def _pause_reason(text: str | None) -> PauseReason | None:
    """Read a stored pause reason; an unknown code reads as a pause by an admin."""
    if text is None:
        return None
    try:
        return PauseReason(text)
    except ValueError:
        return PauseReason.ADMIN


# --- subscriptions ------------------------------------------------------------------------

_SUBSCRIPTION_COLUMNS_SQL = """
SELECT user_id, keywords, categories, post_time, timezone, language, style, paused, dm_blocked_at,
       start_date, planned_date, last_sent_date, last_sent_at, created_at, updated_at
FROM subscriptions
"""

# Like a digest, a new subscription starts from the latest announcement recorded.
_CREATE_SUBSCRIPTION = """
INSERT INTO subscriptions (user_id, start_date, created_at, updated_at)
VALUES (:user_id, coalesce(:start_date, (SELECT max(announced_on) FROM announcements)),
        :now, :now)
ON CONFLICT (user_id) DO NOTHING
"""

_WRITE_SUBSCRIPTION = """
UPDATE subscriptions
SET keywords = ?, categories = ?, post_time = ?, timezone = ?, language = ?, style = ?,
    paused = ?, updated_at = ?
WHERE user_id = ?
"""


async def get_subscription(db: Database, user_id: int) -> Subscription | None:
    """Return a member's subscription, if they have one."""
    row = await fetch_one(db, _SUBSCRIPTION_COLUMNS_SQL + " WHERE user_id = ?", (user_id,))
    return None if row is None else _subscription_from_row(row)


async def list_subscriptions(db: Database) -> list[Subscription]:
    """Return every subscription, by user id (a pass keeps the `deliverable` ones)."""
    rows = await fetch_all(db, _SUBSCRIPTION_COLUMNS_SQL + " ORDER BY user_id")
    return [_subscription_from_row(row) for row in rows]


async def add_keywords(
    db: Database,
    user_id: int,
    keywords: Iterable[str],
    *,
    start_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> list[str]:
    """Add keywords to a member's subscription (creating it); return the full list.

    Keywords are kept as written, in order; one equal to a kept one but for case is dropped,
    the first spelling wins. A new subscription starts from `start_date`, by default the
    latest recorded announcement.
    """
    async with db.transaction() as conn:
        current = await _ensure_subscription(db, conn, user_id, start_date, now)
        merged = _dedup_keywords([*current.keywords, *keywords])
        await _write(conn, dataclasses.replace(current, keywords=tuple(merged)), now)
    return merged


async def remove_keyword(
    db: Database, user_id: int, keyword: str, *, now: dt.datetime | None = None
) -> list[str]:
    """Remove one keyword (compared case-insensitively); return the keywords left.

    The list comes back unchanged when the keyword was not there, empty without a subscription.
    """
    async with db.transaction() as conn:
        current = await get_subscription(db, user_id)
        if current is None:
            return []
        target = keyword.strip().casefold()
        left = [kept for kept in current.keywords if kept.casefold() != target]
        if len(left) != len(current.keywords):
            await _write(conn, dataclasses.replace(current, keywords=tuple(left)), now)
    return left


async def remove_all(db: Database, user_id: int) -> bool:
    """Delete a member's subscription and settings; say whether there was one.

    Delivery history is kept, so subscribing again never re-sends a paper.
    """
    async with db.transaction() as conn:
        changed = await conn.execute("DELETE FROM subscriptions WHERE user_id = ?", (user_id,))
        return changed > 0


async def update_settings(
    db: Database,
    user_id: int,
    *,
    categories: Sequence[str] | _Unset | None = UNSET,
    time: dt.time | _Unset | None = UNSET,
    timezone: str | _Unset = UNSET,
    language: str | _Unset | None = UNSET,
    style: DigestStyle | _Unset = UNSET,
    paused: bool | _Unset = UNSET,
    start_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Subscription:
    """Change the settings given (UNSET leaves one as is), creating the subscription if needed.

    None means the bot's default for `categories` and `language`, and "at once" for `time`.
    """
    async with db.transaction() as conn:
        current = await _ensure_subscription(db, conn, user_id, start_date, now)
        if not isinstance(categories, _Unset) and categories is not None:
            categories = tuple(unique(categories))
        updated = dataclasses.replace(
            current,
            categories=_given(categories, current.categories),
            time=_given(time, current.time),
            timezone=_given(timezone, current.timezone),
            language=_given(language, current.language),
            style=_given(style, current.style),
            paused=_given(paused, current.paused),
        )
        await _write(conn, updated, now)
    stored = await get_subscription(db, user_id)
    if stored is None:  # written just above
        raise LookupError(f"subscription of user {user_id} was not stored")
    return stored


async def set_dm_blocked(db: Database, user_id: int, *, now: dt.datetime | None = None) -> None:
    """Record that a DM to the member failed with 403/50007: stop sending until they return.

    A member already marked keeps the first time.
    """
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE subscriptions SET dm_blocked_at = coalesce(dm_blocked_at, ?) WHERE user_id = ?",
            (datetime_text(now or utc_now()), user_id),
        )


async def clear_dm_blocked(db: Database, user_id: int) -> bool:
    """Try DMs again (the member ran a command); say whether they had been marked blocked.

    The member is told why at that moment (`TargetService.returning_member`), so clearing
    the mark is also what makes the notice go out once.
    """
    async with db.transaction() as conn:
        changed = await conn.execute(
            "UPDATE subscriptions SET dm_blocked_at = NULL"
            " WHERE user_id = ? AND dm_blocked_at IS NOT NULL",
            (user_id,),
        )
        return changed > 0


async def _ensure_subscription(
    db: Database,
    conn: Connection,
    user_id: int,
    start_date: dt.date | None,
    now: dt.datetime | None,
) -> Subscription:
    """Return the member's subscription, creating an empty one (inside the caller's transaction)."""
    await conn.execute(
        _CREATE_SUBSCRIPTION,
        {
            "user_id": user_id,
            "start_date": date_text(start_date),
            "now": datetime_text(now or utc_now()),
        },
    )
    current = await get_subscription(db, user_id)
    if current is None:  # inserted just above
        raise LookupError(f"subscription of user {user_id} was not stored")
    return current


async def _write(conn: Connection, subscription: Subscription, now: dt.datetime | None) -> None:
    """Store a subscription's keywords and settings (inside the caller's transaction)."""
    categories = subscription.categories
    await conn.execute(
        _WRITE_SUBSCRIPTION,
        (
            json_text(list(subscription.keywords)),
            None if categories is None else json_text(list(categories)),
            time_text(subscription.time),
            subscription.timezone,
            subscription.language,
            str(subscription.style),
            int(subscription.paused),
            datetime_text(now or utc_now()),
            subscription.user_id,
        ),
    )


# --- progress of both kinds ------------------------------------------------------------------

# A date column moves forward only: the later of what it holds and :date (CASE rather than
# SQLite's scalar max(a, b), which PostgreSQL spells greatest(a, b)).
_MARK_SENT = {
    TargetKind.CHANNEL: """
        UPDATE digests
        SET last_posted_date = CASE WHEN last_posted_date > :date
                                    THEN last_posted_date ELSE :date END,
            last_posted_at = :now
        WHERE channel_id = :id
    """,
    TargetKind.USER: """
        UPDATE subscriptions
        SET last_sent_date = CASE WHEN last_sent_date > :date THEN last_sent_date ELSE :date END,
            last_sent_at = :now
        WHERE user_id = :id
    """,
}

_MARK_PLANNED = {
    TargetKind.CHANNEL: """
        UPDATE digests
        SET planned_date = CASE WHEN planned_date > :date THEN planned_date ELSE :date END
        WHERE channel_id = :id
    """,
    TargetKind.USER: """
        UPDATE subscriptions
        SET planned_date = CASE WHEN planned_date > :date THEN planned_date ELSE :date END
        WHERE user_id = :id
    """,
}


async def mark_posted(
    db: Database, key: TargetKey, date: dt.date, *, now: dt.datetime | None = None
) -> None:
    """Record that a post of announcement `date` went out to the target (never moves back)."""
    async with db.transaction() as conn:
        await conn.execute(
            _MARK_SENT[key.kind],
            {"date": date.isoformat(), "now": datetime_text(now or utc_now()), "id": key.id},
        )


async def mark_planned_in_transaction(
    conn: Connection, date: dt.date, keys: Iterable[TargetKey]
) -> None:
    """Record that announcement `date` is planned for these targets (never moves back).

    Runs inside the caller's transaction: the outbox records a pass's posts and their
    targets' planned date together (bot.store.deliveries.record_posts).
    """
    by_kind: dict[TargetKind, list[dict[str, object]]] = {}
    for key in keys:
        by_kind.setdefault(key.kind, []).append({"date": date.isoformat(), "id": key.id})
    for kind, rows in by_kind.items():
        await conn.executemany(_MARK_PLANNED[kind], rows)


def _given(value: T | _Unset, current: T) -> T:
    """Return `value`, or `current` when the caller left it UNSET."""
    return current if isinstance(value, _Unset) else value


def _dedup_keywords(keywords: Iterable[str]) -> list[str]:
    """Strip keywords, drop empty ones and repeats that differ only in case (first one wins)."""
    kept: dict[str, str] = {}
    for keyword in keywords:
        written = keyword.strip()
        if written:
            kept.setdefault(written.casefold(), written)
    return list(kept.values())


def _subscription_from_row(row: Row) -> Subscription:
    """Build a Subscription from a subscriptions row."""
    categories = row["categories"]
    return Subscription(
        user_id=int(row["user_id"]),
        keywords=parse_strings(row["keywords"]),
        categories=None if categories is None else parse_strings(categories),
        time=parse_time(row["post_time"]),
        timezone=str(row["timezone"]),
        language=row["language"],
        style=_style(row["style"]),
        paused=bool(row["paused"]),
        dm_blocked_at=parse_datetime(row["dm_blocked_at"]),
        start_date=parse_date(row["start_date"]),
        planned_date=parse_date(row["planned_date"]),
        last_sent_date=parse_date(row["last_sent_date"]),
        last_sent_at=parse_datetime(row["last_sent_at"]),
        created_at=parse_datetime(row["created_at"]),
        updated_at=parse_datetime(row["updated_at"]),
    )
