"""One digest item -> one compact embed: what a researcher skims on a phone each morning.

A compact item (README, "Digest styles") shows the title linked to the abstract page, the
authors (the first three, "…", the last, and the count), the TL;DR with its key numbers, the
primary category and the keywords that matched, arXiv's comment when it says something else
than page counts (venue, code link), and the PDF and HTML links; a footer names the version
and who wrote the TL;DR. Motivation, method, results and affiliations are one click away
("Details"). An abstract-only item shows the notice and the abstract's first sentences.

Every text is capped well below Discord's limits, so ten compact papers fit in two messages
(benchmarks/discord_benchmark.py).
"""

from __future__ import annotations

import re
from typing import Final

import discord

from bot.models import DigestItem, Paper
from bot.render.comment import fit_comment, highlights
from bot.render.embeds import LINK_SEPARATOR, author_line, colour_for
from bot.render.text import join_items, markdown_line, plain_line, truncate
from bot.words import fallback_notice, fallback_reason

#: The author line: three names, the last one and the count fit comfortably.
AUTHORS_MAX: Final = 160
#: A TL;DR is one or two sentences (the schema allows 400 characters); a longer text from
#: another model or prompt is cut rather than let it grow the post.
TLDR_MAX: Final = 500
#: An abstract-only item shows this much of the abstract: its first sentences.
ABSTRACT_LEAD_MAX: Final = 400
KEYWORDS_MAX: Final = 200
COMMENT_MAX: Final = 160
FOOTER_MAX: Final = 120
COMMENT_LABEL: Final = "**Comment:** "
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


def render_compact(item: DigestItem) -> discord.Embed:
    """Build the compact embed of one paper; it fits Discord's limits with room to spare."""
    paper = item.paper
    embed = discord.Embed(
        title=truncate(markdown_line(paper.title) or f"arXiv:{paper.versioned_id}", 256),
        url=paper.abs_url,
        description=compact_description(item),
        colour=discord.Colour(colour_for(paper.archive)),
    )
    authors = author_line(paper.authors, AUTHORS_MAX)
    if authors:
        embed.set_author(name=authors)
    embed.set_footer(text=compact_footer(item))
    return embed


def compact_description(item: DigestItem) -> str:
    """Return the lines of a compact item: TL;DR (or notice and lead), why, comment, links."""
    paper = item.paper
    lines = [_gist(item), _why(item)]
    comment = fit_comment(markdown_line(highlights(paper.comment)), COMMENT_MAX)
    if comment:
        lines.append(COMMENT_LABEL + comment)
    lines.append(compact_links(paper))
    return "\n".join(line for line in lines if line)


def compact_links(paper: Paper) -> str:
    """Return the PDF and HTML links (the title already links to the abstract page)."""
    return LINK_SEPARATOR.join((f"[PDF]({paper.pdf_url})", f"[HTML]({paper.html_url})"))


def compact_footer(item: DigestItem) -> str:
    """Return "arXiv:<id>v<n> · summary by <model>", or "· abstract only (why)"."""
    paper = item.paper
    if item.summary is not None:
        by = f"summary by {item.summary.model}"
    elif item.fallback is not None:
        by = f"abstract only ({fallback_reason(item.fallback)})"
    else:
        by = "abstract only (no summarizer configured)"
    return truncate(plain_line(f"arXiv:{paper.versioned_id} · {by}"), FOOTER_MAX)


def _gist(item: DigestItem) -> str:
    """Return the TL;DR, or the notice in italics over the abstract's first sentences."""
    if item.summary is not None:
        tldr = markdown_line(item.summary.tldr)
        if tldr:
            return truncate(tldr, TLDR_MAX)
    notice = fallback_notice(item) or ""
    lead = _lead(markdown_line(item.paper.abstract), ABSTRACT_LEAD_MAX)
    return "\n".join(part for part in (f"*{notice}*" if notice else "", lead) if part)


def _why(item: DigestItem) -> str:
    """Return "**cs.CL** · matched: llm, kv cache": where it comes from and why it is here."""
    paper = item.paper
    primary = paper.primary_category or (paper.categories[0] if paper.categories else "")
    parts = []
    category = markdown_line(primary)
    if category:
        parts.append(f"**{category}**")
    keywords = [k for k in (markdown_line(k) for k in item.keywords) if k]
    if keywords:
        parts.append("matched: " + join_items(keywords, ", ", KEYWORDS_MAX))
    return LINK_SEPARATOR.join(parts)


def _lead(text: str, limit: int) -> str:
    """Return the whole sentences of `text` that fit in `limit`, or its words cut with "…"."""
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in _SENTENCE_END.split(text):
        joined = f"{kept} {sentence}" if kept else sentence
        if len(joined) + 2 > limit:
            break
        kept = joined
    return kept + " …" if kept else truncate(text, limit)
