"""Digests and single papers -> Discord messages: a header, then embeds packed tightly.

A digest post is a short header followed by the paper embeds, packed into as few messages as
the limits allow (docs/behaviour.md, "Discord's limits"): at most 10 embeds and 6,000 embed
characters per message. The header is the content of the first message; content counts apart
from the embed total. Each message says which papers it carries (`paper_ids`): the outbox
records exactly that, so "exactly once" never depends on how embeds were packed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Hashable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Final

import discord

from bot.models import Digest, DigestItem, Paper
from bot.render import limits
from bot.render.embeds import Frames, render_item
from bot.render.text import defuse_mentions, markdown_line, truncate
from bot.words import catch_up_note, late_note, no_matches_line, skipped_note, version_note

# English names, not strftime's %a/%b, which follow the process locale.
_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message to send: optional content and up to 10 embeds, mentions disabled.

    `paper_ids` are the base ids of the papers the embeds show, one per embed, in order.
    `ping_role` is the one role the message may ping (a digest's `mention_role`, on its
    header); every other mention in it pings nobody.
    """

    content: str | None
    embeds: tuple[discord.Embed, ...] = ()
    paper_ids: tuple[str, ...] = ()
    ping_role: int | None = None

    @property
    def allowed_mentions(self) -> discord.AllowedMentions:
        """Return the mention policy: nobody is pinged, except `ping_role` when it is set.

        Never @everyone or @here, and never a role named only in the text (a title that
        says `<@&id>` pings nobody): Discord pings exactly what `allowed_mentions` lists
        (https://discord.com/developers/docs/resources/message#allowed-mentions-object).
        """
        if self.ping_role is None:
            return discord.AllowedMentions.none()
        return discord.AllowedMentions(
            everyone=False,
            users=False,
            roles=[discord.Object(self.ping_role)],
            replied_user=False,
        )

    def to_payload(self) -> dict[str, object]:
        """Return the JSON body of Discord's Create Message call for this message.

        Matches what discord.py builds for `channel.send(content=..., embeds=[...],
        allowed_mentions=AllowedMentions.none())` (`discord.http.handle_message_parameters`),
        minus `"tts": false`, which is Discord's default: the shape `preview --json` prints.
        """
        return {
            "content": self.content,
            "embeds": [embed.to_dict() for embed in self.embeds],
            "allowed_mentions": self.allowed_mentions.to_dict(),
        }

    def to_json(self, encoded: MutableMapping[int, str] | None = None) -> str:
        """Return `to_payload()` as JSON text; with `encoded`, encode each embed only once.

        `encoded` maps an embed's `id()` to its JSON: a pass shows one embed to many
        targets, and the embeds outlive the pass's use of the mapping (RenderCache holds them).
        """
        if encoded is None:
            return json.dumps(self.to_payload(), ensure_ascii=False)
        embeds = []
        for embed in self.embeds:
            text = encoded.get(id(embed))
            if text is None:
                text = encoded[id(embed)] = json.dumps(embed.to_dict(), ensure_ascii=False)
            embeds.append(text)
        content = json.dumps(self.content, ensure_ascii=False)
        mentions = json.dumps(self.allowed_mentions.to_dict())
        return (
            f'{{"content": {content}, "embeds": [{", ".join(embeds)}],'
            f' "allowed_mentions": {mentions}}}'
        )


def header_text(digest: Digest) -> str:
    """Return e.g. "arXiv cs.CL, cs.LG for Tue 28 Apr 2026: 10 of 137 new papers matched".

    A catch-up says so after the date ("(catch-up)", and how many older announcements it
    leaves out); papers found late say they were missing from arXiv's feed.
    """
    categories = ", ".join(digest.categories)
    lead = (
        f"arXiv {categories} for {_day(digest.date)}"
        if categories
        else f"arXiv for {_day(digest.date)}"
    )
    if digest.late:
        lead += f", {late_note()}"
    elif digest.catch_up:
        lead += f" ({catch_up_note()})"
    text = f"{lead}: {_counts(digest)}"
    if digest.skipped:
        text += f" · {skipped_note(digest.skipped)}"
    return truncate(discord.utils.escape_markdown(defuse_mentions(text)), limits.CONTENT_MAX)


def render_no_matches(digest: Digest) -> OutgoingMessage:
    """Return the one line a `quiet:false` digest posts on a day without matches.

    "No matches today (0 of 412 papers in cs.CL)"; a catch-up names its date instead.
    """
    day = _day(digest.date) if digest.catch_up else None
    text = no_matches_line(digest.total, digest.categories, day)
    if digest.skipped:
        text += f" · {skipped_note(digest.skipped)}"
    return OutgoingMessage(
        truncate(discord.utils.escape_markdown(defuse_mentions(text)), limits.CONTENT_MAX)
    )


def render_version_reply(paper: Paper) -> OutgoingMessage:
    """Return the one-line reply to a delivered paper's message: "v3: <the authors' comment>".

    The comment comes from arXiv and is untrusted: cleaned, escaped and cut like any title.
    """
    comment = markdown_line(paper.comment) if paper.comment else None
    return OutgoingMessage(truncate(version_note(paper.version, comment), limits.CONTENT_MAX))


class RenderCache:
    """What one pass renders once for many targets: embeds by item, and their shared texts.

    An item is told apart by paper id and version, keywords and summary (`item_key`): within
    one pass a paper id and version stand for one text. Use one cache per pass.
    """

    def __init__(self) -> None:
        self.embeds: dict[Hashable, discord.Embed] = {}
        self.frames: Frames = {}

    def embed(self, item: DigestItem) -> discord.Embed:
        """Return the item's embed, rendering it the first time."""
        key = item_key(item)
        embed = self.embeds.get(key)
        if embed is None:
            embed = self.embeds[key] = render_item(item, self.frames)
        return embed


def item_key(item: DigestItem) -> Hashable:
    """Return what tells items apart within one pass, cheaply (no hashing of author lists)."""
    paper = item.paper
    return (paper.base_id, paper.version, item.keywords, item.summary, item.fallback)


def render_digest(digest: Digest, cache: RenderCache | None = None) -> list[OutgoingMessage]:
    """Return the messages of one digest post, in order: header first, then every paper.

    The header rides on the first message together with as many embeds as fit; an empty
    digest is one header-only message that says nothing matched. Each message lists the
    papers its embeds show.
    """
    header = header_text(digest)
    render = cache.embed if cache is not None else render_item
    groups = pack_embeds([(item.paper.base_id, render(item)) for item in digest.items])
    messages = [
        OutgoingMessage(
            None if index else header,
            tuple(embed for _, embed in group),
            tuple(base_id for base_id, _ in group),
        )
        for index, group in enumerate(groups)
    ]
    return messages or [OutgoingMessage(header)]


def render_single(item: DigestItem) -> OutgoingMessage:
    """Return the one-embed message for `/summarize` and the `summarize` command."""
    return OutgoingMessage(None, (render_item(item),), (item.paper.base_id,))


def pack_embeds(
    papers: Sequence[tuple[str, discord.Embed]],
) -> list[tuple[tuple[str, discord.Embed], ...]]:
    """Split (base id, embed) pairs, in order, into as few messages as the limits allow.

    Greedy filling is optimal here: the order is fixed and both limits only get harder as
    a group grows. Each embed is already within the total on its own (`render_item`).
    `len(embed)` counts exactly the fields Discord counts toward the 6,000. Each paper's id
    travels with its embed, so a message knows which papers it carries.
    """
    groups: list[tuple[tuple[str, discord.Embed], ...]] = []
    current: list[tuple[str, discord.Embed]] = []
    size = 0
    for paper in papers:
        length = len(paper[1])
        full = len(current) == limits.EMBEDS_PER_MESSAGE_MAX
        if current and (full or size + length > limits.EMBEDS_TOTAL_MAX):
            groups.append(tuple(current))
            current, size = [], 0
        current.append(paper)
        size += length
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
