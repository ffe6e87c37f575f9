"""Digests and single papers -> Discord messages: a header, then embeds packed tightly.

A digest post is a short header followed by the paper embeds, "packed into as few messages as
the limits allow" (SPEC section 3): at most 10 embeds and 6,000 embed characters per message.
The header is the content of the first message; content counts apart from the embed total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import discord

from bot.models import Digest, DigestItem
from bot.render import limits
from bot.render.embeds import render_item
from bot.render.text import defuse_mentions, truncate

# English names, not strftime's %a/%b, which follow the process locale.
_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message to send: optional content and up to 10 embeds, mentions disabled."""

    content: str | None
    embeds: tuple[discord.Embed, ...] = ()

    @property
    def allowed_mentions(self) -> discord.AllowedMentions:
        """Return the mention policy every message uses: nobody is pinged (SPEC section 3)."""
        return discord.AllowedMentions.none()

    def to_payload(self) -> dict[str, object]:
        """Return the JSON body of Discord's Create Message call for this message.

        Matches what discord.py builds for `channel.send(content=..., embeds=[...],
        allowed_mentions=AllowedMentions.none())` (`discord.http.handle_message_parameters`),
        minus `"tts": false`, which is Discord's default: the shape SPEC section 7 prints.
        """
        return {
            "content": self.content,
            "embeds": [embed.to_dict() for embed in self.embeds],
            "allowed_mentions": self.allowed_mentions.to_dict(),
        }


def header_text(digest: Digest) -> str:
    """Return e.g. "arXiv cs.CL, cs.LG for Tue 28 Apr 2026: 10 of 137 new papers matched"."""
    categories = ", ".join(digest.categories)
    lead = (
        f"arXiv {categories} for {_day(digest.date)}"
        if categories
        else f"arXiv for {_day(digest.date)}"
    )
    text = f"{lead}: {_counts(digest)}"
    return truncate(discord.utils.escape_markdown(defuse_mentions(text)), limits.CONTENT_MAX)


def render_digest(digest: Digest) -> list[OutgoingMessage]:
    """Return the messages of one digest post, in order: header first, then every paper.

    The header rides on the first message together with as many embeds as fit; an empty
    digest is one header-only message that says nothing matched.
    """
    header = header_text(digest)
    groups = pack_embeds([render_item(item) for item in digest.items])
    if not groups:
        return [OutgoingMessage(header)]
    first, *rest = groups
    return [OutgoingMessage(header, first), *(OutgoingMessage(None, g) for g in rest)]


def render_single(item: DigestItem) -> OutgoingMessage:
    """Return the one-embed message for `/summarize` and the `summarize` command."""
    return OutgoingMessage(None, (render_item(item),))


def pack_embeds(embeds: Sequence[discord.Embed]) -> list[tuple[discord.Embed, ...]]:
    """Split embeds, in order, into as few groups as the per-message limits allow.

    Greedy filling is optimal here: the order is fixed and both limits only get harder as
    a group grows. Each embed is already within the total on its own (`render_item`).
    `len(embed)` counts exactly the fields Discord counts toward the 6,000.
    """
    groups: list[tuple[discord.Embed, ...]] = []
    current: list[discord.Embed] = []
    size = 0
    for embed in embeds:
        full = len(current) == limits.EMBEDS_PER_MESSAGE_MAX
        if current and (full or size + len(embed) > limits.EMBEDS_TOTAL_MAX):
            groups.append(tuple(current))
            current, size = [], 0
        current.append(embed)
        size += len(embed)
    if current:
        groups.append(tuple(current))
    return groups


def _day(day: dt.date) -> str:
    """Return "Tue 28 Apr 2026"."""
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _counts(digest: Digest) -> str:
    """Say how many papers were announced, matched and shown."""
    total, matched, shown = digest.total, digest.matched, len(digest.items)
    papers = "paper" if total == 1 else "papers"
    if total == 0:
        return "no new papers announced"
    if matched == 0:
        return f"none of the {total:,} new {papers} matched"
    text = f"{matched:,} of {total:,} new {papers} matched"
    if shown == 0:
        return f"{text}; none left to post"
    if shown < matched:
        return f"{text}; showing the top {shown:,}"
    return text
