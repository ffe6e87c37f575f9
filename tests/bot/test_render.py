"""What readers see in a digest post: header, one embed per paper, limits respected."""

from __future__ import annotations

import datetime as dt
import json

import discord
import pytest
from discord.http import handle_message_parameters

from bot.discord_sender import view_of
from bot.models import Author, Digest, DigestItem, DigestStyle, FallbackReason, Paper, Summary
from bot.render import header_text, render_digest, render_item, render_single
from bot.render.embeds import ARCHIVE_COLOURS, DEFAULT_COLOUR, author_line
from bot.render.text import join_items, join_sections, markdown_paragraphs, truncate

TUESDAY = dt.date(2026, 4, 28)


def make_paper(**overrides: object) -> Paper:
    """Return a realistic paper (2604.24039, from the Paper Digest example), with overrides."""
    fields: dict[str, object] = {
        "base_id": "2604.24039",
        "version": 1,
        "title": "AgenticCache: Cache-Driven Asynchronous Planning for Embodied AI Agents",
        "abstract": "We cache plan transitions.\n  Across 4 benchmarks, success rises 22%.",
        "authors": (
            Author("Hojoon Kim", ("Stanford University",)),
            Author("Yuheng Wu", ("Harvard University", "Stanford University")),
            Author("Thierry Tambe"),
        ),
        "categories": ("cs.AI", "cs.CL", "cs.LG"),
        "primary_category": "cs.LG",
        "announced": TUESDAY,
    }
    fields.update(overrides)
    return Paper(**fields)  # type: ignore[arg-type]


def make_summary(**overrides: str) -> Summary:
    fields = {
        "tldr": "Caches 2-gram plan transitions; +22% success, -65% latency.",
        "motivation": "LLM planners are slow.",
        "method": "A local cache with a background LLM updater.",
        "results": "4 benchmarks, 3 model scales.",
        "model": "claude-haiku-4-5",
        "language": "en",
    }
    fields.update(overrides)
    return Summary(**fields)


def field(embed: discord.Embed, name: str) -> str | None:
    """Return the value of the field called `name`, or None."""
    return next((f.value for f in embed.fields if f.name == name), None)


def make_digest(items: tuple[DigestItem, ...], matched: int, total: int) -> Digest:
    return Digest(("cs.CL", "cs.LG"), TUESDAY, items, matched=matched, total=total)


# Header ---------------------------------------------------------------------------------


def test_header_says_categories_day_and_counts() -> None:
    items = tuple(DigestItem(make_paper(base_id=f"2604.{i:05}")) for i in range(10))

    text = header_text(make_digest(items, matched=10, total=137))

    assert text == "arXiv cs.CL, cs.LG for Tue 28 Apr 2026: 10 of 137 new papers matched"


def test_header_says_when_max_papers_cut_the_list() -> None:
    items = tuple(DigestItem(make_paper(base_id=f"2604.{i:05}")) for i in range(5))

    text = header_text(make_digest(items, matched=12, total=137))

    assert text.endswith(": 12 of 137 new papers matched; showing the top 5")


def test_empty_digest_is_one_header_message_saying_nothing_matched() -> None:
    messages = render_digest(make_digest((), matched=0, total=137))

    assert [m.to_payload() for m in messages] == [
        {
            "content": "arXiv cs.CL, cs.LG for Tue 28 Apr 2026: none of the 137 new papers matched",
            "embeds": [],
            "allowed_mentions": {"parse": []},
        }
    ]


def test_header_of_a_day_without_announcement_says_no_new_papers() -> None:
    assert header_text(make_digest((), matched=0, total=0)).endswith(": no new papers announced")


# One embed per paper ------------------------------------------------------------------------


def test_embed_title_links_to_the_abstract_page() -> None:
    embed = render_item(DigestItem(make_paper()))

    assert embed.title == "AgenticCache: Cache-Driven Asynchronous Planning for Embodied AI Agents"
    assert embed.url == "https://arxiv.org/abs/2604.24039"


def test_title_latex_is_rendered_and_markdown_escaped() -> None:
    paper = make_paper(title=r"$\Gamma$-convergence of *deep* nets_v2")

    assert render_item(DigestItem(paper)).title == r"Γ-convergence of \*deep\* nets\_v2"


def test_everyone_in_a_title_does_not_survive_as_a_ping_string() -> None:
    paper = make_paper(title="Hello @everyone and @here, <@123456789012345678> <@&42>")

    title = render_item(DigestItem(paper)).title or ""

    assert "@everyone" not in title
    assert "@here" not in title
    assert "<@1" not in title
    assert "<@&" not in title
    assert (
        title == "Hello @\u200beveryone and @\u200bhere, <@\u200b123456789012345678> <@\u200b&42>"
    )


def test_blank_title_falls_back_to_the_arxiv_id() -> None:
    assert render_item(DigestItem(make_paper(title=" \n "))).title == "arXiv:2604.24039v1"


def test_summary_item_shows_tldr_and_motivation_with_bold_labels() -> None:
    embed = render_item(DigestItem(make_paper(), summary=make_summary()))

    assert embed.description == (
        "**TL;DR:** Caches 2-gram plan transitions; +22% success, -65% latency.\n\n"
        "**Motivation:** LLM planners are slow."
    )
    assert field(embed, "Method") == "A local cache with a background LLM updater."
    assert field(embed, "Results") == "4 benchmarks, 3 model scales."


def test_fallback_item_shows_the_notice_then_the_abstract() -> None:
    item = DigestItem(make_paper(), fallback=FallbackReason.TIMEOUT)

    embed = render_item(item)

    assert embed.description == (
        "*Automated summary unavailable (timeout); showing the abstract.*\n\n"
        "We cache plan transitions.\nAcross 4 benchmarks, success rises 22%."
    )
    assert field(embed, "Method") is None


def test_footer_names_the_model_that_wrote_the_summary() -> None:
    embed = render_item(DigestItem(make_paper(), summary=make_summary()))

    assert embed.footer.text == "arXiv:2604.24039 v1 · 2026-04-28 · summary by claude-haiku-4-5"


def test_footer_says_abstract_only_and_why() -> None:
    embed = render_item(DigestItem(make_paper(version=3), fallback=FallbackReason.BUDGET))

    assert embed.footer.text == "arXiv:2604.24039 v3 · 2026-04-28 · abstract only (budget reached)"


def test_footer_says_when_no_summarizer_is_configured() -> None:
    embed = render_item(DigestItem(make_paper()))

    assert embed.footer.text == (
        "arXiv:2604.24039 v1 · 2026-04-28 · abstract only (no summarizer configured)"
    )
    assert (embed.description or "").startswith("*No summarizer configured; showing the abstract.*")


def test_categories_field_puts_the_primary_first_in_bold() -> None:
    embed = render_item(DigestItem(make_paper()))

    assert field(embed, "Categories") == "**cs.LG** · cs.AI · cs.CL"


def test_matched_keywords_are_listed_as_written_and_escaped() -> None:
    embed = render_item(DigestItem(make_paper(), keywords=("agent*", "KV cache", "au:Kim")))

    assert field(embed, "Matched keywords") == r"agent\*, KV cache, au:Kim"


def test_matched_keywords_field_is_omitted_when_none_matched() -> None:
    assert field(render_item(DigestItem(make_paper())), "Matched keywords") is None


def test_affiliations_are_listed_once_each_in_author_order() -> None:
    embed = render_item(DigestItem(make_paper()))

    assert field(embed, "Affiliations") == "Stanford University; Harvard University"


def test_links_field_points_to_abstract_pdf_and_html() -> None:
    embed = render_item(DigestItem(make_paper(version=2)))

    assert field(embed, "Links") == (
        "[abs](https://arxiv.org/abs/2604.24039) · [PDF](https://arxiv.org/pdf/2604.24039v2)"
        " · [HTML](https://arxiv.org/html/2604.24039v2)"
    )


def test_a_few_authors_are_all_named() -> None:
    assert render_item(DigestItem(make_paper())).author.name == (
        "Hojoon Kim, Yuheng Wu, Thierry Tambe"
    )


def test_a_large_collaboration_is_three_names_the_last_author_and_the_count() -> None:
    authors = tuple(Author(f"Author Number{i}") for i in range(3_000))

    line = author_line(authors)

    assert (
        line
        == "Author Number0, Author Number1, Author Number2, …, Author Number2999 (3,000 authors)"
    )


def test_six_authors_keep_the_last_one_the_senior_author_in_many_fields() -> None:
    authors = tuple(
        Author(name) for name in ["A Ant", "B Bee", "C Cat", "D Dog", "E Eel", "Y Bengio"]
    )

    assert author_line(authors) == "A Ant, B Bee, C Cat, …, Y Bengio (6 authors)"


def test_a_long_author_line_gives_up_first_authors_before_the_last() -> None:
    authors = tuple(Author(f"{'Verylongname ' * 3}{i}") for i in range(8))

    line = author_line(authors, limit=100)

    assert line.endswith(", …, Verylongname Verylongname Verylongname 7 (8 authors)")
    assert len(line) <= 100


def test_author_latex_accents_are_rendered() -> None:
    paper = make_paper(authors=(Author(r"Paulo Andr\'e Lima de Castro"),))

    assert render_item(DigestItem(paper)).author.name == "Paulo André Lima de Castro"


@pytest.mark.parametrize(
    ("primary", "colour"),
    [
        ("cs.CL", ARCHIVE_COLOURS["cs"]),
        ("hep-th", ARCHIVE_COLOURS["hep-*"]),
        ("nucl-ex", ARCHIVE_COLOURS["nucl-*"]),
        ("astro-ph.GA", ARCHIVE_COLOURS["astro-ph"]),
        ("math-ph", ARCHIVE_COLOURS["math-ph"]),
        ("math.AP", ARCHIVE_COLOURS["math"]),
        ("no-such", DEFAULT_COLOUR),
    ],
)
def test_colour_follows_the_primary_archive(primary: str, colour: int) -> None:
    embed = render_item(DigestItem(make_paper(primary_category=primary)))

    assert embed.colour == discord.Colour(colour)


def test_archive_colours_are_distinct() -> None:
    assert len(set(ARCHIVE_COLOURS.values())) == len(ARCHIVE_COLOURS)


# Limits -------------------------------------------------------------------------------------


def test_long_title_is_cut_at_a_word_boundary_with_an_ellipsis() -> None:
    words = [f"word{i}" for i in range(200)]
    # The longest run of whole words that leaves room for the ellipsis within 256.
    kept = max(n for n in range(len(words)) if len(" ".join(words[:n])) + 1 <= 256)

    cut = render_item(DigestItem(make_paper(title=" ".join(words)))).title

    assert cut == " ".join(words[:kept]) + "…"


def test_escaped_title_is_cut_after_escaping_without_splitting_an_escape() -> None:
    title = "_" * 300

    cut = render_item(DigestItem(make_paper(title=title))).title or ""

    assert len(cut) <= 256
    assert cut == "\\_" * 127 + "…"


def test_links_survive_when_everything_else_is_at_its_maximum() -> None:
    huge = " ".join(["lorem"] * 2_000)
    paper = make_paper(
        title=huge,
        abstract=huge,
        authors=tuple(
            Author(f"A{i} {huge[:300]}", (f"Institute {i} {huge[:50]}",)) for i in range(40)
        ),
        categories=tuple(f"cs.{huge[:20]}{i}" for i in range(200)),
    )
    summary = make_summary(tldr=huge, motivation=huge, method=huge, results=huge, model=huge)

    embed = render_item(DigestItem(paper, keywords=(huge,) * 10, summary=summary))

    assert len(embed) <= 6_000
    assert field(embed, "Links") == field(render_item(DigestItem(make_paper())), "Links")
    assert embed.url == "https://arxiv.org/abs/2604.24039"


def test_summary_that_fills_the_description_drops_motivation_with_an_ellipsis() -> None:
    sections = [("**TL;DR:** ", "x " * 2_100), ("**Motivation:** ", "why")]

    text = join_sections(sections, 4_096)

    assert text.startswith("**TL;DR:** x x")
    assert text.endswith("…")
    assert "Motivation" not in text
    assert len(text) <= 4_096


def test_section_label_is_never_cut_in_half() -> None:
    sections = [("**TL;DR:** ", "a" * 80), ("**Motivation:** ", "b" * 100)]

    text = join_sections(sections, 110)

    assert text == "**TL;DR:** " + "a" * 80 + "…"


def test_truncate_leaves_short_text_alone() -> None:
    assert truncate("short", 10) == "short"


def test_truncate_cuts_a_spaceless_word_in_the_middle() -> None:
    assert truncate("x" * 20, 10) == "x" * 9 + "…"


def test_join_items_shows_items_that_did_not_fit_as_an_ellipsis() -> None:
    assert join_items(["alpha", "beta", "gamma"], "; ", 16) == "alpha; beta; …"


def test_abstract_paragraphs_are_kept_and_hard_wraps_joined() -> None:
    abstract = "Context: wrapped\nline.\n  Objective: second paragraph."

    assert markdown_paragraphs(abstract) == "Context: wrapped line.\nObjective: second paragraph."


def test_control_characters_are_dropped() -> None:
    paper = make_paper(title="Null\x00 and bell\x07 title")

    assert render_item(DigestItem(paper)).title == "Null and bell title"


# Messages -----------------------------------------------------------------------------------


def test_digest_of_25_small_papers_packs_into_three_messages() -> None:
    items = tuple(DigestItem(make_paper(base_id=f"2604.{i:05}")) for i in range(25))

    messages = render_digest(make_digest(items, matched=25, total=300))

    assert [len(m.embeds) for m in messages] == [10, 10, 5]
    assert messages[0].content is not None
    assert [m.content for m in messages[1:]] == [None, None]


def test_digest_of_25_long_papers_packs_by_the_6000_character_total() -> None:
    abstract = "word " * 500  # ~2,500 characters: two such embeds per message
    items = tuple(
        DigestItem(make_paper(base_id=f"2604.{i:05}", abstract=abstract)) for i in range(25)
    )

    messages = render_digest(make_digest(items, matched=25, total=300), style=DigestStyle.FULL)

    assert [len(m.embeds) for m in messages] == [2] * 12 + [1]
    assert all(sum(len(e) for e in m.embeds) <= 6_000 for m in messages)


def test_digest_keeps_paper_order_across_messages() -> None:
    ids = [f"2604.{i:05}" for i in range(25)]
    items = tuple(DigestItem(make_paper(base_id=i)) for i in ids)

    messages = render_digest(make_digest(items, matched=25, total=300))

    assert [e.url for m in messages for e in m.embeds] == [
        f"https://arxiv.org/abs/{i}" for i in ids
    ]


def test_single_paper_message_has_one_embed_and_no_header() -> None:
    message = render_single(DigestItem(make_paper(), summary=make_summary()))

    assert message.content is None
    assert len(message.embeds) == 1


@pytest.mark.parametrize("style", list(DigestStyle))
def test_payload_is_what_discord_py_sends_for_channel_send(style: DigestStyle) -> None:
    items = (DigestItem(make_paper(), keywords=("agent",), summary=make_summary()),)
    message = render_digest(make_digest(items, matched=1, total=137), style=style)[0]

    with handle_message_parameters(
        content=message.content,
        embeds=list(message.embeds),
        allowed_mentions=discord.AllowedMentions.none(),
        view=view_of(message.to_payload()),
    ) as params:
        sent = params.payload

    assert sent is not None
    assert sent.pop("tts") is False  # Discord's default; the payload leaves it out
    assert message.to_payload() == sent


def test_payload_is_plain_json_with_mentions_disabled() -> None:
    message = render_single(DigestItem(make_paper(title="@everyone look")))

    payload = json.loads(json.dumps(message.to_payload()))

    assert payload["allowed_mentions"] == {"parse": []}
    assert payload["content"] is None
    assert payload["embeds"][0]["url"] == "https://arxiv.org/abs/2604.24039"
