"""One digest item -> one Discord embed, within every limit Discord enforces.

What an embed shows: the title linked to the abstract page, an author line, the TL;DR and
motivation (or the abstract and why), fields for affiliations, categories, matched keywords,
method, results and links, and a footer naming the arXiv id, version, date and who wrote the
summary. The links are never cut: everything else shrinks first (docs/behaviour.md,
"Discord's limits").
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field, replace
from typing import Final

import discord

from bot.models import Author, DigestItem, Paper
from bot.render import limits
from bot.render.text import (
    join_items,
    join_sections,
    markdown_line,
    markdown_paragraphs,
    plain_line,
    truncate,
)
from bot.words import fallback_notice, fallback_reason

# Colour by archive (arXiv's archives: https://arxiv.org/category_taxonomy).
ARCHIVE_COLOURS: Final[Mapping[str, int]] = {
    "cs": 0x3B82F6,
    "math": 0x8B5CF6,
    "physics": 0x10B981,
    "astro-ph": 0x1E3A8A,
    "cond-mat": 0x14B8A6,
    "stat": 0xF59E0B,
    "q-bio": 0x22C55E,
    "q-fin": 0xEAB308,
    "eess": 0xF97316,
    "econ": 0xA16207,
    "hep-*": 0xEC4899,  # hep-ex, hep-lat, hep-ph, hep-th
    "quant-ph": 0x6366F1,
    "gr-qc": 0x0EA5E9,
    "nlin": 0x84CC16,
    "nucl-*": 0xEF4444,  # nucl-ex, nucl-th
    "math-ph": 0xA855F7,
}
DEFAULT_COLOUR: Final = 0xB31B1B  # arXiv's red

AUTHORS_IN_FULL_MAX: Final = 5  # up to this many authors, all are named
AUTHORS_BEFORE_ELLIPSIS: Final = 3  # past it, the first three, "…", the last, and the count

SUMMARY_LABELS: Final = ("**TL;DR:** ", "**Motivation:** ")
LINK_SEPARATOR: Final = " · "

# (slot, field name, inline) in display order; the Links field always comes last.
_OPTIONAL_FIELDS: Final = (
    ("affiliations", "Affiliations", False),
    ("categories", "Categories", True),
    ("keywords", "Matched keywords", True),
    ("method", "Method", False),
    ("results", "Results", False),
)
_LINKS_NAME: Final = "Links"

# When one embed is over the 6,000-character total, slots shrink in this order, each down
# to its floor before the next one gives anything up. The floors add up to well under
# 6,000 minus the fixed parts (field names and links, ~200), so the total always fits.
_SHRINK_ORDER: Final = (
    "results",
    "method",
    "affiliations",
    "description",
    "categories",
    "keywords",
    "footer",
    "author",
    "title",
)
_FLOORS: Final[Mapping[str, int]] = {
    "results": 100,
    "method": 100,
    "affiliations": 100,
    "description": 1_000,
    "categories": 100,
    "keywords": 100,
    "footer": 100,
    "author": 64,
    "title": 64,
}


#: Texts of an embed without its keywords field, by paper and summary, and their size toward
#: the 6,000 total: shared by every target that shows the paper (see `render_item`).
Frames = MutableMapping[Hashable, tuple[dict[str, str], int]]


def render_item(item: DigestItem, frames: Frames | None = None) -> discord.Embed:
    """Build the embed for one paper; its text fits every one of Discord's limits.

    With `frames` (one mapping per pass), the texts that do not depend on the matched
    keywords are worked out once per paper and summary; an embed that needs shrinking to
    fit the 6,000 total is worked out in full, as without `frames`.
    """
    paper = item.paper
    texts = _from_frame(item, frames) if frames is not None else None
    if texts is None:
        texts = {key: slot.text for key, slot in _fit_total(_slots(item), paper).items()}
    embed = discord.Embed(
        title=texts["title"],
        url=paper.abs_url,
        description=texts["description"] or None,
        colour=discord.Colour(colour_for(paper.archive)),
    )
    if texts["author"]:
        embed.set_author(name=texts["author"])
    for name, value, inline in _fields(texts, paper):
        embed.add_field(name=name, value=value, inline=inline)
    embed.set_footer(text=texts["footer"])
    return embed


def _from_frame(item: DigestItem, frames: Frames) -> dict[str, str] | None:
    """Return the item's texts from its paper's frame, or None when they need shrinking."""
    paper = item.paper
    key = (paper.base_id, paper.version, item.summary, item.fallback)
    frame = frames.get(key)
    if frame is None:
        texts = {k: slot.text for k, slot in _slots(replace(item, keywords=())).items()}
        frame = frames[key] = (texts, _fixed_size(paper) + sum(map(len, texts.values())))
    texts, size = frame
    keywords = [k for k in (markdown_line(k) for k in item.keywords) if k]
    value = join_items(keywords, ", ", limits.FIELD_VALUE_MAX)
    if size + len(value) > limits.EMBEDS_TOTAL_MAX:
        return None
    return {**texts, "keywords": value}


def colour_for(archive: str) -> int:
    """Return the embed colour of an archive (`cs`, `hep-th`, ...), or arXiv red."""
    family = archive.split("-", 1)[0] + "-*"
    return ARCHIVE_COLOURS.get(archive, ARCHIVE_COLOURS.get(family, DEFAULT_COLOUR))


def links_value(paper: Paper) -> str:
    """Return the Links field: abstract, PDF and HTML pages (arXiv asks to link, not host)."""
    return LINK_SEPARATOR.join(
        (f"[abs]({paper.abs_url})", f"[PDF]({paper.pdf_url})", f"[HTML]({paper.html_url})")
    )


def author_line(authors: tuple[Author, ...], limit: int = limits.AUTHOR_NAME_MAX) -> str:
    """Return "A, B, C" or, past five authors, "A, B, C, …, Z (3,000 authors)" within `limit`.

    The last author is kept (README, "Digest styles"): in many fields it is the senior author
    a reader recognises. When even that is too long, first authors go before the last one.
    """
    count = len(authors)
    if count <= AUTHORS_IN_FULL_MAX:
        names = _names(authors)
        if len(", ".join(names)) <= limit:
            return ", ".join(names)
    if count < 2:
        return truncate(", ".join(_names(authors)), limit) if count else ""
    suffix = f" ({count:,} authors)"
    first = _names(authors[: min(AUTHORS_BEFORE_ELLIPSIS, count - 1)])
    last = _names(authors[-1:])
    while True:
        text = ", ".join([*first, limits.ELLIPSIS, *last]) if first or last else ""
        if not text:
            return f"{count:,} authors"
        if len(text + suffix) <= limit or len(first) <= 1:
            break
        first.pop()
    room = max(limit - len(suffix), len(limits.ELLIPSIS))
    return truncate(text, room) + suffix


def _names(authors: tuple[Author, ...]) -> list[str]:
    """Return the authors' names as shown, leaving out names that are blank once cleaned."""
    return [name for name in (plain_line(author.name) for author in authors) if name]


def footer_text(item: DigestItem) -> str:
    """Return "arXiv:<id> v<n> · <date> · summary by <model>" or "· abstract only (why)"."""
    paper = item.paper
    parts = [f"arXiv:{paper.base_id} v{paper.version}"]
    day = paper.announced or (paper.published.date() if paper.published else None)
    if day is not None:
        parts.append(day.isoformat())
    if item.summary is not None:
        parts.append(f"summary by {item.summary.model}")
    elif item.fallback is not None:
        parts.append(f"abstract only ({fallback_reason(item.fallback)})")
    else:
        parts.append("abstract only (no summarizer configured)")
    return plain_line(" · ".join(parts))


@dataclass
class _Slot:
    """One piece of embed text that can be re-rendered shorter: `fit(n)` has <= n chars."""

    fit: Callable[[int], str]
    limit: int
    text: str = field(init=False)

    def __post_init__(self) -> None:
        self.text = self.fit(self.limit)

    def shrink(self, excess: int, floor: int) -> int:
        """Give up to `excess` characters, staying at or above `floor`; return how many."""
        target = max(floor, len(self.text) - excess)
        if target >= len(self.text):
            return 0
        before = len(self.text)
        self.text = self.fit(target)
        return before - len(self.text)


def _slots(item: DigestItem) -> dict[str, _Slot]:
    """Render every shrinkable piece of the embed at its own Discord limit."""
    paper, summary = item.paper, item.summary
    title = markdown_line(paper.title) or f"arXiv:{paper.versioned_id}"
    sections = _description_sections(item)
    affiliations = _affiliations(paper.authors, limits.FIELD_VALUE_MAX)
    categories = _categories(paper)
    keywords = [k for k in (markdown_line(k) for k in item.keywords) if k]
    method = markdown_line(summary.method) if summary else ""
    results = markdown_line(summary.results) if summary else ""
    footer = footer_text(item)
    value_max = limits.FIELD_VALUE_MAX
    return {
        "title": _Slot(lambda n: truncate(title, n), limits.TITLE_MAX),
        "author": _Slot(lambda n: author_line(paper.authors, n), limits.AUTHOR_NAME_MAX),
        "description": _Slot(lambda n: join_sections(sections, n), limits.DESCRIPTION_MAX),
        "affiliations": _Slot(lambda n: join_items(affiliations, "; ", n), value_max),
        "categories": _Slot(lambda n: join_items(categories, " · ", n), value_max),
        "keywords": _Slot(lambda n: join_items(keywords, ", ", n), value_max),
        "method": _Slot(lambda n: truncate(method, n), value_max),
        "results": _Slot(lambda n: truncate(results, n), value_max),
        "footer": _Slot(lambda n: truncate(footer, n), limits.FOOTER_MAX),
    }


def _description_sections(item: DigestItem) -> list[tuple[str, str]]:
    """Return the description as (label, body) sections: summary, or notice and abstract."""
    if item.summary is not None:
        bodies = (markdown_line(item.summary.tldr), markdown_line(item.summary.motivation))
        return [(label, body) for label, body in zip(SUMMARY_LABELS, bodies, strict=True) if body]
    sections = [(f"*{fallback_notice(item)}*", "")]
    abstract = markdown_paragraphs(item.paper.abstract)
    if abstract:
        sections.append(("", abstract))
    return sections


def _affiliations(authors: tuple[Author, ...], limit: int) -> list[str]:
    """Return distinct affiliations in author order, stopping once past `limit` characters.

    A 3,000-author paper need not have every affiliation cleaned: once the list overflows
    the field, `join_items` shows the rest as "…".
    """
    seen: set[str] = set()
    found: list[str] = []
    size = 0
    for affiliation in _all_affiliations(authors):
        clean = markdown_line(affiliation)
        if clean and clean.casefold() not in seen:
            seen.add(clean.casefold())
            found.append(clean)
            size += len(clean) + 2
            if size > limit:
                break
    return found


def _all_affiliations(authors: tuple[Author, ...]) -> Iterator[str]:
    """Yield each raw affiliation string once, in author order."""
    seen: set[str] = set()
    for author in authors:
        for affiliation in author.affiliations:
            if affiliation not in seen:
                seen.add(affiliation)
                yield affiliation


def _categories(paper: Paper) -> list[str]:
    """Return the categories, escaped, primary first and in bold."""
    ordered = [paper.primary_category] if paper.primary_category else []
    ordered += [c for c in paper.categories if c not in ordered]
    cleaned = [c for c in (markdown_line(c) for c in dict.fromkeys(ordered)) if c]
    if cleaned:
        cleaned[0] = f"**{cleaned[0]}**"
    return cleaned


def _fields(texts: Mapping[str, str], paper: Paper) -> Iterator[tuple[str, str, bool]]:
    """Yield (name, value, inline) for each non-empty field, links last and whole."""
    for key, name, inline in _OPTIONAL_FIELDS:
        if texts[key]:
            yield name, texts[key], inline
    yield _LINKS_NAME, links_value(paper), False


def _fixed_size(paper: Paper) -> int:
    """Return what counts toward the 6,000 total whatever the texts: field names and links."""
    names = sum(len(name) for _, name, _ in _OPTIONAL_FIELDS) + len(_LINKS_NAME)
    return names + len(links_value(paper))


def _fit_total(slots: dict[str, _Slot], paper: Paper) -> dict[str, _Slot]:
    """Shrink slots in `_SHRINK_ORDER` until the embed is within the 6,000-character total."""
    excess = _fixed_size(paper) + sum(len(s.text) for s in slots.values()) - limits.EMBEDS_TOTAL_MAX
    for key in _SHRINK_ORDER:
        if excess <= 0:
            break
        excess -= slots[key].shrink(excess, _FLOORS[key])
    return slots
