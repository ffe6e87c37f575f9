"""Where a digest post goes, as messages: the role it pings, its thread or forum post.

A post in a thread or a forum (docs/behaviour.md, "Threads and forums") is its header alone,
then the papers' messages inside the thread: the header is the message the thread is opened
under, or the forum post's first message. Moving the header out of the first message changes
nothing else: message content does not count towards the 6,000 characters of its embeds.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from typing import Final

from bot.models import Digest
from bot.render import limits
from bot.render.components import is_show_all_row
from bot.render.messages import OutgoingMessage
from bot.render.text import truncate

#: Discord's limits on a thread's name: 1 to 100 characters
#: (https://discord.com/developers/docs/resources/channel#start-thread-from-message).
THREAD_NAME_MAX: Final = 100
#: A forum post takes at most 5 tags
#: (https://discord.com/developers/docs/resources/channel#start-thread-in-forum-or-media-channel).
FORUM_TAGS_MAX: Final = 5
_SEPARATOR: Final = " · "


def thread_name(digest: Digest) -> str:
    """Return a post's thread or forum post title: "cs.CL · 2026-11-30 · 12 papers".

    The categories give way first when the title would pass Discord's 100 characters; the
    date and the count always show.
    """
    count = len(digest.items)
    tail = (
        f"{_SEPARATOR}{digest.date.isoformat()}{_SEPARATOR}{count} paper{'' if count == 1 else 's'}"
    )
    categories = ", ".join(digest.categories) or "arXiv"
    room = THREAD_NAME_MAX - len(tail)
    return truncate(categories, room) + tail


def header_apart(messages: Sequence[OutgoingMessage]) -> list[OutgoingMessage]:
    """Return a post with its header as a message of its own, then the papers' messages.

    The header is the first message's content, with the post's "Show all N" button; the
    papers keep the buttons and menu that act on them. A post without embeds is only its
    header.
    """
    if not messages:
        return []
    first, *rest = messages
    show_all = tuple(row for row in first.components if is_show_all_row(row))
    header = OutgoingMessage(first.content, components=show_all, ping_role=first.ping_role)
    if not first.embeds:
        return [header, *rest]
    papers = dataclasses.replace(
        first,
        content=None,
        ping_role=None,
        components=tuple(row for row in first.components if not is_show_all_row(row)),
    )
    return [header, papers, *rest]


def ping_role(messages: Sequence[OutgoingMessage], role_id: int | None) -> list[OutgoingMessage]:
    """Return a post whose header mentions `role_id` and may ping it (and nothing else).

    The mention leads the header, which is cut (at a word) to keep within Discord's 2,000
    characters of content; None leaves the post as it is.
    """
    if role_id is None or not messages:
        return list(messages)
    first, *rest = messages
    content = f"<@&{role_id}> {first.content or ''}".rstrip()
    pinged = dataclasses.replace(
        first, content=truncate(content, limits.CONTENT_MAX), ping_role=role_id
    )
    return [pinged, *rest]


def forum_labels(digest: Digest) -> tuple[str, ...]:
    """Return the names a forum post's tags are chosen by, most telling first.

    The digest's categories that its papers are in (a tag named "cs.CL" marks a post with
    cs.CL papers), then the matched keywords, the most frequent first, as written.
    """
    in_papers = {category for item in digest.items for category in item.paper.categories}
    categories = [category for category in digest.categories if category in in_papers]
    counts = Counter(keyword for item in digest.items for keyword in item.keywords)
    keywords = [keyword for keyword, _ in counts.most_common()]
    return tuple(dict.fromkeys([*categories, *keywords]))
