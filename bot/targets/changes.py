"""The options of `/digest set` and `/subscriptions`, checked before anything changes.

Every option is validated here, all of them before the service stores one, so bad input
changes nothing and the person gets one line saying what was wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.arxiv.taxonomy import normalize_categories
from bot.errors import UserInputError
from bot.matching import MAX_KEYWORDS, parse_keywords
from bot.models import DigestStyle
from bot.targets.model import DigestConfig, PostPlace
from bot.validate import (
    check_max_papers,
    normalize_language,
    parse_style,
    parse_time,
    parse_timezone,
)
from bot.words import cannot_post_in


@dataclasses.dataclass(frozen=True, slots=True)
class ChannelRights:
    """What the bot may do in a digest's channel, as Discord computes it for the bot there.

    A digest needs to see the channel, post embeds and read back its own messages (to find
    what a crash left unmarked); in a thread or a forum also to post in threads, and under a
    header to open one. A forum's Send Messages is shown as "Create Posts".
    """

    view: bool = True
    send: bool = True
    embed: bool = True
    read_history: bool = True
    create_threads: bool = True
    send_in_threads: bool = True

    def missing(self, place: PostPlace) -> list[str]:
        """Return the names of the permissions `place` needs that the bot lacks."""
        needed = [
            (self.view, "View Channel"),
            (self.send, "Create Posts" if place is PostPlace.FORUM else "Send Messages"),
            (self.embed, "Embed Links"),
            (self.read_history, "Read Message History"),
        ]
        if place is not PostPlace.CHANNEL:
            needed.append((self.send_in_threads, "Send Messages in Threads"))
        if place is PostPlace.THREAD:
            needed.append((self.create_threads, "Create Public Threads"))
        return [name for granted, name in needed if not granted]


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
    style: str | None = None
    # Where posts go and whom they ping (docs/behaviour.md, "Threads and forums"). `forum`:
    # the channel is a forum channel (its posts are forum posts, whatever `thread` says);
    # `mention_role` NO_ROLE stops pinging.
    forum: bool = False
    thread: bool | None = None
    mention_role: int | None = None
    #: The bot's permissions in the channel; None skips the check (no Discord at hand).
    rights: ChannelRights | None = None
    # What a day without matches and a new version post (`quiet`, `versions`; README, "How it
    # behaves").
    quiet: bool | None = None
    versions: bool | None = None


#: `DigestChange.mention_role` for "ping nobody" (`/digest set` maps the @everyone role to it:
#: the bot never pings @everyone, and a role option cannot be left empty to clear it).
NO_ROLE = 0


@dataclasses.dataclass(frozen=True, slots=True)
class DigestSettings:
    """A digest's settings after validation, ready to store."""

    categories: tuple[str, ...]
    keywords: str
    time: dt.time | None
    timezone: str
    language: str | None
    max_papers: int
    include_cross_lists: bool
    style: DigestStyle
    place: PostPlace = PostPlace.CHANNEL
    mention_role: int | None = None
    quiet: bool = True
    versions: bool = False


def digest_settings(
    change: DigestChange,
    current: DigestConfig | None,
    default_language: str,
    channel_id: int = 0,
) -> DigestSettings:
    """Validate a `/digest set` against the digest as it is; raise UserInputError if wrong.

    The bot's permissions are checked against where the posts will go (`change.rights`),
    so a thread digest is refused where the bot cannot open threads.
    """
    place = _place(change, current)
    missing = change.rights.missing(place) if change.rights is not None else []
    if missing:
        raise UserInputError(cannot_post_in(channel_id, missing))
    keywords = (
        change.keywords if change.keywords is not None else (current.keywords if current else "")
    )
    parse_keywords(keywords)  # validate; stored as written
    language: str | None = current.language if current else None
    if change.language is not None:
        language = normalize_language(change.language, default_language)
    return DigestSettings(
        categories=tuple(normalize_categories(change.categories)),
        keywords=keywords,
        time=(
            parse_time(change.time)
            if change.time is not None
            else (current.time if current else None)
        ),
        timezone=parse_timezone(change.timezone, current.timezone if current else "UTC"),
        language=language,
        max_papers=check_max_papers(
            change.max_papers
            if change.max_papers is not None
            else (current.max_papers if current else 10)
        ),
        include_cross_lists=_flag(
            change.include_cross_lists, current.include_cross_lists if current else False
        ),
        style=(
            parse_style(change.style)
            if change.style is not None
            else (current.style if current else DigestStyle.COMPACT)
        ),
        place=place,
        mention_role=_mention_role(change, current),
        quiet=_flag(change.quiet, current.quiet if current else True),
        versions=_flag(change.versions, current.versions if current else False),
    )


def _place(change: DigestChange, current: DigestConfig | None) -> PostPlace:
    """Return where posts go: a forum channel gets forum posts; `thread` chooses for the rest."""
    if change.forum:
        return PostPlace.FORUM
    if change.thread is not None:
        return PostPlace.THREAD if change.thread else PostPlace.CHANNEL
    if current is None or current.place is PostPlace.FORUM:
        return PostPlace.CHANNEL
    return current.place


def _mention_role(change: DigestChange, current: DigestConfig | None) -> int | None:
    """Return the role posts ping: the one given, none for NO_ROLE, else the current one."""
    if change.mention_role is None:
        return current.mention_role if current else None
    return None if change.mention_role == NO_ROLE else change.mention_role


def _flag(given: bool | None, current: bool) -> bool:
    """Return an on/off option as given, or as it is when left out."""
    return current if given is None else given


@dataclasses.dataclass(frozen=True, slots=True)
class SubscriptionChange:
    """The options of `/subscriptions`; None leaves a setting as it is."""

    categories: str | None = None
    time: str | None = None
    timezone: str | None = None
    language: str | None = None
    paused: bool | None = None
    style: str | None = None

    @property
    def empty(self) -> bool:
        """Say whether no option was given (the command only shows the settings)."""
        return self == SubscriptionChange()


def split_keywords(text: str) -> list[str]:
    """Split and validate a comma-separated keyword list; keep each keyword as written."""
    parse_keywords(text)  # raises with a clear line for anything malformed
    return [" ".join(part.split()) for part in text.split(",") if part.strip()]


def keywords_to_add(current: tuple[str, ...], text: str) -> list[str]:
    """Return `text`'s keywords, validated; raise UserInputError if none or past the limit."""
    new = split_keywords(text)
    if not new:
        raise UserInputError("give at least one keyword, e.g. llm, kv cache, -survey")
    merged = {k.casefold(): k for k in current}
    merged.update({k.casefold(): k for k in new if k.casefold() not in merged})
    if len(merged) > MAX_KEYWORDS:
        raise UserInputError(
            f"a subscription holds at most {MAX_KEYWORDS} keywords; remove some with /unsubscribe"
        )
    return new
