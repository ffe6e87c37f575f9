"""What the per-paper actions answer: details, a deep dive, and pages of papers.

- `details_message`: the paper's full structured summary (the full layout), with its other
  buttons, shown only to whoever asked;
- `deep_dive_message`: a deep dive as one embed (overview, method, experiments, limitations,
  key numbers with where the paper reports them), within Discord's limits;
- `paper_list_message`: one page of papers (the rest of a post, or saved papers), one line
  each, with the "Choose a paper" menu for that page and page buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import discord

from bot.models import DigestItem, Paper
from bot.render import limits
from bot.render.components import choose_menu, paper_buttons
from bot.render.embeds import LINK_SEPARATOR, colour_for, links_value, render_item
from bot.render.messages import OutgoingMessage
from bot.render.text import join_items, markdown_line, plain_line, truncate

if TYPE_CHECKING:  # bot.deep_dive loads the Anthropic SDK: a type is all this module needs
    from bot.deep_dive import DeepDive

#: A line of a page of papers: its title is cut here, so ten lines fit a description.
LIST_TITLE_MAX: Final = 180
LIST_COLOUR: Final = 0xB31B1B  # arXiv's red
_DEEP_DIVE_FIELDS: Final = ("method", "experiments", "limitations")
_DEEP_DIVE_NAMES: Final = {
    "method": "Method",
    "experiments": "Experiments",
    "limitations": "Limitations",
    "key_numbers": "Key numbers",
}
# Shrunk in this order when the whole embed is over Discord's 6,000 characters.
_SHRINK_ORDER: Final = ("limitations", "experiments", "method", "key_numbers", "overview")


def details_message(item: DigestItem) -> OutgoingMessage:
    """Return the full structured summary of one paper, with its other buttons."""
    buttons = paper_buttons(item.paper, details=False)
    return OutgoingMessage(None, (render_item(item),), (item.paper.base_id,), (buttons,))


def deep_dive_message(paper: Paper, deep_dive: DeepDive) -> OutgoingMessage:
    """Return one paper's deep dive as one embed that Discord accepts."""
    texts = {
        "overview": markdown_line(deep_dive.overview),
        "method": markdown_line(deep_dive.method),
        "experiments": markdown_line(deep_dive.experiments),
        "limitations": markdown_line(deep_dive.limitations),
        "key_numbers": "\n".join(
            f"• {markdown_line(n.value)} ({markdown_line(n.source)})" for n in deep_dive.key_numbers
        ),
    }
    title = truncate(
        "Deep dive: " + (markdown_line(paper.title) or f"arXiv:{paper.versioned_id}"),
        limits.TITLE_MAX,
    )
    footer = plain_line(
        f"arXiv:{paper.versioned_id} · deep dive by {deep_dive.model} from the full text"
    )
    caps = {key: limits.FIELD_VALUE_MAX for key in texts} | {"overview": limits.DESCRIPTION_MAX}
    fixed = len(title) + len(footer) + len(links_value(paper)) + len("Links")
    fixed += sum(len(name) for name in _DEEP_DIVE_NAMES.values())
    fitted = _fit(texts, caps, limits.EMBEDS_TOTAL_MAX - fixed)
    embed = discord.Embed(
        title=title,
        url=paper.abs_url,
        description=fitted["overview"] or None,
        colour=discord.Colour(colour_for(paper.archive)),
    )
    for key in (*_DEEP_DIVE_FIELDS, "key_numbers"):
        if fitted[key]:
            embed.add_field(name=_DEEP_DIVE_NAMES[key], value=fitted[key], inline=False)
    embed.add_field(name="Links", value=links_value(paper), inline=False)
    embed.set_footer(text=footer)
    return OutgoingMessage(None, (embed,), (paper.base_id,))


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One line of a page of papers: the paper, and what to say after its title."""

    paper: Paper
    note: str = ""


def paper_list_message(
    title: str,
    entries: Sequence[ListEntry],
    *,
    first_number: int,
    intro: str = "",
    page_row: dict[str, Any] | None = None,
) -> OutgoingMessage:
    """Return one page of papers: numbered lines, a menu to act on one, page buttons."""
    lines = [_list_line(number, entry) for number, entry in enumerate(entries, first_number)]
    description = join_items(lines, "\n", limits.DESCRIPTION_MAX - len(intro) - 2)
    if intro:
        description = f"{intro}\n\n{description}" if description else intro
    embed = discord.Embed(
        title=truncate(title, limits.TITLE_MAX),
        description=description or None,
        colour=discord.Colour(LIST_COLOUR),
    )
    rows: list[dict[str, Any]] = []
    if entries:
        rows.append(choose_menu([entry.paper for entry in entries], start=first_number))
    if page_row is not None:
        rows.append(page_row)
    return OutgoingMessage(
        None, (embed,), tuple(entry.paper.base_id for entry in entries), tuple(rows)
    )


def _list_line(number: int, entry: ListEntry) -> str:
    """Return "**3.** [Title](abs) · arXiv:2604.01234v2 · note" for one paper."""
    paper = entry.paper
    title = truncate(markdown_line(paper.title) or f"arXiv:{paper.versioned_id}", LIST_TITLE_MAX)
    # A bracket in the title would end the link text early: escape it as Discord reads it.
    title = title.replace("[", "\\[").replace("]", "\\]")
    parts = [f"**{number}.** [{title}]({paper.abs_url})", f"arXiv:{paper.versioned_id}"]
    if entry.note:
        parts.append(entry.note)
    return LINK_SEPARATOR.join(parts)


def _fit(texts: dict[str, str], caps: dict[str, int], room: int) -> dict[str, str]:
    """Cut each text to its cap, then shrink the longest sections until all fit in `room`."""
    fitted = {key: truncate(text, caps[key]) if text else "" for key, text in texts.items()}
    excess = sum(len(text) for text in fitted.values()) - room
    for key in _SHRINK_ORDER:
        if excess <= 0:
            break
        text = fitted[key]
        keep = max(len(text) - excess, min(len(text), 200))
        if keep < len(text):
            fitted[key] = truncate(text, keep)
            excess -= len(text) - len(fitted[key])
    return fitted
