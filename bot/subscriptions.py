"""Personal keyword subscriptions as members manage them (/subscribe, /unsubscribe, ...).

Validation comes first, so bad input changes nothing. A member whose DMs were closed is
told so the next time they run a command, and DMs are tried again from then on.
"""

from __future__ import annotations

import dataclasses

from bot.arxiv.taxonomy import normalize_categories
from bot.errors import UserInputError
from bot.matching import MAX_KEYWORDS, parse_keywords
from bot.store import targets
from bot.store.db import Database
from bot.store.targets import UNSET
from bot.store.targets import Subscription as Subscription  # re-exported for the cogs
from bot.summarize.service import normalize_language
from bot.validate import parse_time, parse_timezone

DMS_CLOSED_NOTICE = (
    "I could not DM you your digest: your DMs are closed to me. Allow direct messages from"
    " server members (Privacy Settings), and I will send it again."
)


@dataclasses.dataclass(frozen=True, slots=True)
class SubscriptionChange:
    """The options of `/subscriptions`; None leaves a setting as it is."""

    categories: str | None = None
    time: str | None = None
    timezone: str | None = None
    language: str | None = None
    paused: bool | None = None


async def get(db: Database, user_id: int) -> Subscription | None:
    """Return the member's subscription, if they have one."""
    return await targets.get_subscription(db, user_id)


def split_keywords(text: str) -> list[str]:
    """Split and validate a comma-separated keyword list; keep each keyword as written."""
    parse_keywords(text)  # raises with a clear line for anything malformed
    return [" ".join(part.split()) for part in text.split(",") if part.strip()]


async def subscribe(db: Database, user_id: int, text: str) -> list[str]:
    """Add keywords to the member's subscription; return all of them."""
    new = split_keywords(text)
    if not new:
        raise UserInputError("give at least one keyword, e.g. llm, kv cache, -survey")
    current = await targets.get_subscription(db, user_id)
    merged = {k.casefold(): k for k in (current.keywords if current else ())}
    merged.update({k.casefold(): k for k in new if k.casefold() not in merged})
    if len(merged) > MAX_KEYWORDS:
        raise UserInputError(
            f"a subscription holds at most {MAX_KEYWORDS} keywords; remove some with /unsubscribe"
        )
    return await targets.add_keywords(db, user_id, new)


async def unsubscribe(db: Database, user_id: int, keyword: str) -> list[str] | None:
    """Remove one keyword, or everything for "all"; return what is left (None: all gone)."""
    if keyword.strip().casefold() == "all":
        await targets.remove_all(db, user_id)
        return None
    current = await targets.get_subscription(db, user_id)
    if current is None or keyword.strip().casefold() not in {
        k.casefold() for k in current.keywords
    }:
        raise UserInputError(f"you are not subscribed to {keyword.strip()[:100]!r}")
    return await targets.remove_keyword(db, user_id, keyword)


async def update(
    db: Database, user_id: int, change: SubscriptionChange, default_language: str
) -> Subscription:
    """Change the member's settings (validated first); return the result."""
    categories = normalize_categories(change.categories) if change.categories is not None else UNSET
    time = parse_time(change.time) if change.time is not None else UNSET
    timezone = parse_timezone(change.timezone) if change.timezone is not None else UNSET
    language = (
        normalize_language(change.language, default_language)
        if change.language is not None
        else UNSET
    )
    paused = change.paused if change.paused is not None else UNSET
    return await targets.update_settings(
        db,
        user_id,
        categories=categories,
        time=time,
        timezone=timezone,
        language=language,
        paused=paused,
    )


async def returning_member(db: Database, user_id: int) -> str | None:
    """Call on every command a member runs: if their DMs had failed, retry and say why."""
    sub = await targets.get_subscription(db, user_id)
    if sub is None or sub.dm_blocked_at is None:
        return None
    await targets.clear_dm_blocked(db, user_id)
    return DMS_CLOSED_NOTICE


def describe(sub: Subscription | None, default_categories: tuple[str, ...]) -> str:
    """Return a member's subscription as readable lines."""
    if sub is None or not sub.keywords:
        return "You have no keyword subscription. Add one with /subscribe keywords:llm, kv cache"
    when = f"{sub.time:%H:%M} {sub.timezone}" if sub.time else "as soon as announced"
    categories = ", ".join(sub.categories or default_categories)
    return "\n".join(
        [
            f"Keywords: {', '.join(sub.keywords)}",
            f"Categories: {categories}{'' if sub.categories else ' (default)'}",
            f"Time: {when} · language: {sub.language or 'default'}"
            f"{' · paused' if sub.paused else ''}",
        ]
    )
