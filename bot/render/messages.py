"""Digests and single papers -> Discord messages: a header, then embeds packed tightly.

A digest post is a short header followed by the paper embeds, packed into as few messages as
the limits allow (docs/behaviour.md, "Discord's limits"): at most 10 embeds and 6,000 embed
characters per message. The header is the content of the first message; content counts apart
from the embed total. Each message says which papers it carries (`paper_ids`): the outbox
records exactly that, so "exactly once" never depends on how embeds were packed. Each message
also carries its papers' actions (`components`, bot.render.components), and the first one a
"Show all N" button when fewer papers are shown than matched.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Hashable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import discord

from bot.models import Digest, DigestItem, DigestStyle, Paper
from bot.render import limits
from bot.render.compact import render_compact
from bot.render.components import paper_actions, paper_buttons, show_all_button
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

    `paper_ids` are the base ids of the papers the embeds show, one per embed, in order;
    `components` the message's action rows, as Discord's JSON. `ping_role` is the one role
    the message may ping (a digest's `mention_role`, on its header); every other mention in
    it pings nobody.
    """

    content: str | None
    embeds: tuple[discord.Embed, ...] = ()
    paper_ids: tuple[str, ...] = ()
    components: tuple[dict[str, Any], ...] = field(default=(), hash=False)
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
        `components` is there only when the message has some.
        """
        payload: dict[str, object] = {
            "content": self.content,
            "embeds": [embed.to_dict() for embed in self.embeds],
            "allowed_mentions": self.allowed_mentions.to_dict(),
        }
        if self.components:
            payload["components"] = list(self.components)
        return payload

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
        components = (
            f', "components": {json.dumps(list(self.components), ensure_ascii=False)}'
            if self.components
            else ""
        )
        return (
            f'{{"content": {content}, "embeds": [{", ".join(embeds)}],'
            f' "allowed_mentions": {mentions}{components}}}'
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

    An item is told apart by paper id and version, keywords and summary (`item_key`) and the
    style: within one pass a paper id and version stand for one text. One cache per pass.
    """

    def __init__(self) -> None:
        self.embeds: dict[Hashable, discord.Embed] = {}
        self.frames: Frames = {}

    def embed(self, item: DigestItem, style: DigestStyle = DigestStyle.COMPACT) -> discord.Embed:
        """Return the item's embed in `style`, rendering it the first time."""
        key = (style, item_key(item))
        embed = self.embeds.get(key)
        if embed is None:
            embed = self.embeds[key] = render_embed(item, style, self.frames)
        return embed


def render_embed(
    item: DigestItem, style: DigestStyle = DigestStyle.COMPACT, frames: Frames | None = None
) -> discord.Embed:
    """Return the item's embed in `style` (bot.render.compact or bot.render.embeds)."""
    if style is DigestStyle.COMPACT:
        return render_compact(item)
    return render_item(item, frames)


def item_key(item: DigestItem) -> Hashable:
    """Return what tells items apart within one pass, cheaply (no hashing of author lists)."""
    paper = item.paper
    return (paper.base_id, paper.version, item.keywords, item.summary, item.fallback)


def render_digest(
    digest: Digest,
    cache: RenderCache | None = None,
    *,
    style: DigestStyle = DigestStyle.COMPACT,
    show_all_id: str | None = None,
) -> list[OutgoingMessage]:
    """Return the messages of one digest post, in order: header first, then every paper.

    The header rides on the first message together with as many embeds as fit; an empty
    digest is one header-only message that says nothing matched. Each message lists the
    papers its embeds show and carries their actions; with `show_all_id` (the custom id of
    the post's other papers), the first message also has a "Show all N" button when fewer
    papers are shown than matched.
    """
    header = header_text(digest)
    cache = cache if cache is not None else RenderCache()
    papers = {item.paper.base_id: item.paper for item in digest.items}
    groups = pack_embeds([(item.paper.base_id, cache.embed(item, style)) for item in digest.items])
    messages = []
    for index, group in enumerate(groups):
        base_ids = tuple(base_id for base_id, _ in group)
        rows = paper_actions(
            [papers[base_id] for base_id in base_ids], details=style is DigestStyle.COMPACT
        )
        if index == 0 and show_all_id is not None and 0 < len(digest.items) < digest.matched:
            rows.append(show_all_button(show_all_id, digest.matched))
        messages.append(
            OutgoingMessage(
                None if index else header,
                tuple(embed for _, embed in group),
                base_ids,
                tuple(rows),
            )
        )
    return messages or [OutgoingMessage(header)]


def render_single(item: DigestItem, style: DigestStyle = DigestStyle.FULL) -> OutgoingMessage:
    """Return the one-embed message for `/summarize` and the `summarize` command.

    It carries the paper's buttons; Details only in the compact style (the full one already
    shows everything Details would).
    """
    return OutgoingMessage(
        None,
        (render_embed(item, style),),
        (item.paper.base_id,),
        (paper_buttons(item.paper, details=style is DigestStyle.COMPACT),),
    )


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
