"""Whatever arXiv, Claude or a user throws at the renderer, Discord accepts every message.

Discord rejects a whole message (50035) if any limit is exceeded, so these properties check
the JSON payloads themselves against Discord's documented numbers (written out here, not
imported from the code under test), for random digests with hostile text, in both styles,
buttons and menus included.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.deep_dive.model import DeepDive, KeyNumber
from bot.models import Author, Digest, DigestItem, DigestStyle, FallbackReason, Paper, Summary
from bot.paper_actions import parse_choice, parse_custom_id
from bot.paper_words import others_intro, others_title
from bot.render import render_digest, render_single
from bot.render.components import saved_page_buttons
from bot.render.embeds import SUMMARY_LABELS, Frames, footer_text, render_item
from bot.render.messages import RenderCache
from bot.render.replies import ListEntry, deep_dive_message, details_message, paper_list_message
from bot.render.text import markdown_line, markdown_paragraphs, plain_line
from bot.words import fallback_notice

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT = 2_000
EMBEDS = 10
TITLE = 256
DESCRIPTION = 4_096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1_024
FOOTER = 2_048
AUTHOR = 256
TOTAL = 6_000
# Components (https://discord.com/developers/docs/components/reference).
ROWS = 5
PER_ROW = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
OPTIONS = 25
OPTION_TEXT = 100
PLACEHOLDER = 150

NOISE = [
    "@everyone",
    "@here",
    "@Everyone",
    "<@123456789012345678>",
    "<@!42>",
    "<@&7>",
    "*",
    "**",
    "_",
    "~~",
    "||",
    "> ",
    "`",
    "```",
    "# ",
    "-# ",
    "- ",
    "\\",
    "$",
    "$\\alpha$",
    "$x^2$",
    "\\textbf{",
    "}",
    "{",
    "%",
    "&",
    "~",
    "\n",
    "\n  ",
    "  ",
    "\x00",
    "\u200d",
    "\u0301",
    "https://example.com/a_b*c",
    "[click](https://evil.example)",
    "Andr\\'e",
    "\\\\",
    "…",
]
PING = re.compile(r"@(everyone|here)|<@[!&]?\d+>", re.IGNORECASE)
CATEGORIES = ["cs.CL", "cs.LG", "hep-th", "math.AP", "astro-ph.GA", "q-bio.NC", "stat.ML"]


def noisy(max_fragments: int, repeat: int = 1, max_size: int | None = None) -> Any:
    """Text mixing any Unicode (no surrogates) with markdown, mention and LaTeX noise.

    Long texts repeat a drawn chunk up to `repeat` times: Hypothesis cannot draw 20,000
    independent characters cheaply, and repetition exercises the same limits.
    """
    chunk = st.lists(
        st.one_of(st.text(max_size=12), st.sampled_from(NOISE)), max_size=max_fragments
    ).map("".join)
    text = st.tuples(chunk, st.integers(1, repeat)).map(lambda t: t[0] * t[1])
    return text.map(lambda s: s[:max_size]) if max_size else text


def authors() -> Any:
    """Up to 3,000 authors, cycling through a few noisy names and affiliations."""
    return st.builds(
        lambda names, affiliations, count: tuple(
            Author(
                names[i % len(names)] + (f" {i}" if i >= len(names) else ""),
                tuple(affiliations[(i + j) % len(affiliations)] for j in range(i % 3))
                if affiliations
                else (),
            )
            for i in range(count)
        ),
        st.lists(noisy(6, repeat=40, max_size=400), min_size=1, max_size=5),
        st.lists(noisy(6, repeat=20), max_size=5),
        st.integers(0, 3_000),
    )


def papers() -> Any:
    """A paper with hostile text; its id is set per position by `digests`."""
    return st.builds(
        Paper,
        base_id=st.just("2604.00000"),
        version=st.integers(1, 30),
        title=noisy(20, repeat=50, max_size=1_000),
        abstract=noisy(40, repeat=500, max_size=20_000),
        authors=authors(),
        categories=st.lists(st.sampled_from(CATEGORIES) | noisy(3), max_size=12).map(tuple),
        primary_category=st.none() | st.sampled_from(CATEGORIES) | noisy(3),
        announced=st.none() | st.dates(),
    )


summaries = st.builds(
    Summary,
    tldr=noisy(20, repeat=100, max_size=1_000),
    motivation=noisy(20, repeat=100, max_size=1_500),
    method=noisy(10, repeat=100, max_size=1_200),
    results=noisy(10, repeat=100, max_size=1_200),
    model=st.sampled_from(["claude-haiku-4-5", "claude-sonnet-4-5"]) | noisy(5, repeat=400),
    language=st.just("en"),
)

items = st.builds(
    DigestItem,
    paper=papers(),
    keywords=st.lists(noisy(4, repeat=10, max_size=100), max_size=30).map(tuple),
    summary=st.none() | summaries,
    fallback=st.none() | st.sampled_from(FallbackReason),
)


def with_unique_id(item: DigestItem, index: int) -> DigestItem:
    """Give the item's paper an id of its own, so each embed can be traced to its paper."""
    # Valid arXiv ids, as the store only holds: a button must be able to name the paper.
    base_id = f"2604.{index:05}" if index % 2 else f"hep-th/99{index % 12 + 1:02}{index + 1:03}"
    return replace(item, paper=replace(item.paper, base_id=base_id))


@st.composite
def digests(draw: st.DrawFn) -> Digest:
    """1 to 40 items; they cycle through a few drawn ones, which keeps Hypothesis fast."""
    count = draw(st.integers(1, 40))
    distinct = draw(st.lists(items, min_size=1, max_size=min(count, 6)))
    drawn = tuple(with_unique_id(distinct[i % len(distinct)], i) for i in range(count))
    matched = draw(st.integers(count, count + 500))
    return Digest(
        categories=tuple(draw(st.lists(st.sampled_from(CATEGORIES) | noisy(3), max_size=20))),
        date=draw(st.dates()),
        items=drawn,
        matched=matched,
        total=draw(st.integers(matched, matched + 5_000)),
    )


def embed_texts(embed: dict[str, Any]) -> list[str]:
    """Return every string of an embed that counts toward Discord's 6,000 total."""
    texts = [embed.get("title", ""), embed.get("description", "")]
    texts += [t for f in embed.get("fields", []) for t in (f["name"], f["value"])]
    texts += [embed.get("footer", {}).get("text", ""), embed.get("author", {}).get("name", "")]
    return texts


def assert_components_within_limits(payload: dict[str, Any]) -> None:
    rows = payload.get("components", [])
    assert len(rows) <= ROWS
    ids = []
    for row in rows:
        assert row["type"] == 1
        items = row["components"]
        assert 1 <= len(items) <= PER_ROW
        if any(item["type"] == 3 for item in items):
            assert len(items) == 1  # a menu takes its whole row
        for item in items:
            ids.append(item["custom_id"])
            assert 0 < len(item["custom_id"]) <= CUSTOM_ID
            if item["type"] == 2:
                assert 0 < len(item["label"]) <= BUTTON_LABEL
                continue
            assert item["type"] == 3
            assert len(item.get("placeholder", "")) <= PLACEHOLDER
            options = item["options"]
            assert 1 <= len(options) <= OPTIONS
            assert item["max_values"] <= len(options)
            values = [option["value"] for option in options]
            assert len(set(values)) == len(values)
            for option in options:
                assert 0 < len(option["label"]) <= OPTION_TEXT
                assert 0 < len(option["value"]) <= OPTION_TEXT
                assert len(option.get("description", "")) <= OPTION_TEXT
    assert len(set(ids)) == len(ids)


def acted_on(payload: dict[str, Any]) -> list[str]:
    """Return the paper versions a message's buttons and menu act on, in order."""
    found: list[str] = []
    for row in payload.get("components", []):
        for item in row["components"]:
            if item["type"] == 3:
                refs = [parse_choice(option["value"]) for option in item["options"]]
                found += [str(ref) for ref in refs if ref is not None]
            else:
                request = parse_custom_id(item["custom_id"])
                if request is not None and str(request.paper) not in found:
                    found.append(str(request.paper))
    return found


def assert_within_discord_limits(payload: dict[str, Any]) -> None:
    assert_components_within_limits(payload)
    assert payload["allowed_mentions"] == {"parse": []}
    assert payload["content"] is None or 0 < len(payload["content"]) <= CONTENT
    assert len(payload["embeds"]) <= EMBEDS
    assert payload["content"] or payload["embeds"]
    total = 0
    for embed in payload["embeds"]:
        assert 0 < len(embed["title"]) <= TITLE
        assert len(embed.get("description", "")) <= DESCRIPTION
        assert len(embed.get("fields", [])) <= FIELDS
        for f in embed.get("fields", []):
            assert 0 < len(f["name"].strip()) <= len(f["name"]) <= FIELD_NAME
            assert 0 < len(f["value"].strip()) <= len(f["value"]) <= FIELD_VALUE
        if "footer" in embed:  # a paper's embed has one; a list of papers need not
            assert 0 < len(embed["footer"]["text"]) <= FOOTER
        assert len(embed.get("author", {}).get("name", "")) <= AUTHOR
        total += sum(len(t) for t in embed_texts(embed))
    assert total <= TOTAL


def assert_links_survive(embed: dict[str, Any], paper: Paper) -> None:
    assert embed["url"] == f"https://arxiv.org/abs/{paper.base_id}"
    links = [f["value"] for f in embed["fields"] if f["name"] == "Links"]
    assert links == [f"[abs]({paper.abs_url}) · [PDF]({paper.pdf_url}) · [HTML]({paper.html_url})"]


def assert_no_ping_strings(payload: dict[str, Any]) -> None:
    strings = [payload["content"] or ""] + [t for e in payload["embeds"] for t in embed_texts(e)]
    for row in payload.get("components", []):
        for item in row["components"]:
            strings.append(item.get("label", ""))
            for option in item.get("options", []):
                strings += [option["label"], option.get("description", "")]
    assert not any(PING.search(s) for s in strings)


def is_whole_or_cut(shown: str, full: str) -> bool:
    """Return whether `shown` is `full`, or a prefix of it followed by the ellipsis."""
    return shown == full or (shown.endswith("…") and full.startswith(shown[:-1]))


def expected_fields(item: DigestItem) -> dict[str, str]:
    """Return each optional field's full text, before any cut ("" when there is none)."""
    paper, summary = item.paper, item.summary
    affiliations = {}  # casefolded -> shown, in author order
    for raw in dict.fromkeys(a for author in paper.authors for a in author.affiliations):
        clean = markdown_line(raw)
        if clean:
            affiliations.setdefault(clean.casefold(), clean)
    ordered = [paper.primary_category] if paper.primary_category else []
    categories = [c for c in dict.fromkeys(ordered + list(paper.categories)) if markdown_line(c)]
    categories_text = " · ".join(markdown_line(c) for c in categories)
    if categories:
        first = markdown_line(categories[0])
        categories_text = f"**{first}**" + categories_text[len(first) :]
    return {
        "Affiliations": "; ".join(affiliations.values()),
        "Categories": categories_text,
        "Matched keywords": ", ".join(k for k in map(markdown_line, item.keywords) if k),
        "Method": markdown_line(summary.method) if summary else "",
        "Results": markdown_line(summary.results) if summary else "",
    }


def expected_description(item: DigestItem) -> str:
    if item.summary is not None:
        bodies = (markdown_line(item.summary.tldr), markdown_line(item.summary.motivation))
        return "\n\n".join(
            label + body for label, body in zip(SUMMARY_LABELS, bodies, strict=True) if body
        )
    abstract = markdown_paragraphs(item.paper.abstract)
    return f"*{fallback_notice(item)}*" + (f"\n\n{abstract}" if abstract else "")


def assert_cut_only_with_an_ellipsis(embed: dict[str, Any], item: DigestItem) -> None:
    """Every text is whole or visibly cut; no field goes missing."""
    paper = item.paper
    title = markdown_line(paper.title) or f"arXiv:{paper.versioned_id}"
    assert is_whole_or_cut(embed["title"], title)
    assert is_whole_or_cut(embed.get("description", ""), expected_description(item))
    assert is_whole_or_cut(embed["footer"]["text"], footer_text(item))
    shown = {f["name"]: f["value"] for f in embed["fields"]}
    for name, full in expected_fields(item).items():
        assert is_whole_or_cut(shown.get(name, ""), full), name
    line = embed.get("author", {}).get("name", "")
    names = [n for n in (plain_line(a.name) for a in paper.authors[:6]) if n]
    if len(paper.authors) <= 5 and len(", ".join(names)) <= AUTHOR:
        assert line == ", ".join(names)
    elif len(paper.authors) == 1:
        assert is_whole_or_cut(line, names[0] if names else "")
    else:
        count = f"{len(paper.authors):,} authors"
        # "A, B, C, …, Z (N authors)", fewer first names when long, "N authors" when blank.
        assert line.endswith(f" ({count})") or line == count


SETTINGS = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


styles = st.sampled_from(DigestStyle)
SHOW_ALL = "posted:channel:1234567890123456789:2026-04-28:1"


@SETTINGS
@given(digests(), styles)
def test_every_digest_message_is_within_discord_limits(digest: Digest, style: DigestStyle) -> None:
    for message in render_digest(digest, style=style, show_all_id=SHOW_ALL):
        payload = message.to_payload()
        json.dumps(payload, ensure_ascii=False).encode("utf-8")  # sendable as UTF-8 JSON
        assert_within_discord_limits(payload)


@SETTINGS
@given(digests())
def test_every_compact_paper_appears_once_in_order_with_its_links(digest: Digest) -> None:
    messages = render_digest(digest, style=DigestStyle.COMPACT)
    embeds = [e for m in messages for e in m.to_payload()["embeds"]]  # type: ignore[attr-defined]

    assert len(embeds) == len(digest.items)
    for embed, item in zip(embeds, digest.items, strict=True):
        paper = item.paper
        assert embed["url"] == paper.abs_url
        assert embed["description"].endswith(f"[PDF]({paper.pdf_url}) · [HTML]({paper.html_url})")
        title = markdown_line(paper.title) or f"arXiv:{paper.versioned_id}"
        assert is_whole_or_cut(embed["title"], title)
        assert embed["footer"]["text"].startswith(f"arXiv:{paper.versioned_id} · ")
        assert "fields" not in embed


@SETTINGS
@given(digests())
def test_every_paper_appears_once_in_order_with_its_links(digest: Digest) -> None:
    messages = render_digest(digest, style=DigestStyle.FULL)
    embeds = [e for m in messages for e in m.to_payload()["embeds"]]  # type: ignore[attr-defined]

    assert messages[0].content is not None
    assert [m.content for m in messages[1:]] == [None] * (len(messages) - 1)
    assert len(embeds) == len(digest.items)
    for embed, item in zip(embeds, digest.items, strict=True):
        assert_links_survive(embed, item.paper)
        assert_cut_only_with_an_ellipsis(embed, item)


@SETTINGS
@given(digests(), st.booleans(), styles)
def test_every_planned_paper_is_in_exactly_one_message_that_shows_it(
    digest: Digest, shared_cache: bool, style: DigestStyle
) -> None:
    # What the outbox records (delivery's exactly-once): each message's paper ids. Each
    # planned paper must be carried by exactly one message, the one whose embed shows it,
    # and whose buttons act on it, whether or not embeds come from a pass's cache.
    cache = RenderCache() if shared_cache else None
    if cache is not None:
        render_digest(digest, cache, style=style)  # a first target fills the cache
    messages = render_digest(digest, cache, style=style)

    carried = [base_id for message in messages for base_id in message.paper_ids]
    assert sorted(carried) == sorted(item.paper.base_id for item in digest.items)
    assert len(set(carried)) == len(carried)
    encoded: dict[int, str] = {}
    for message in messages:
        payload = message.to_payload()
        shown = [embed["url"] for embed in payload["embeds"]]  # type: ignore[attr-defined]
        assert shown == [f"https://arxiv.org/abs/{base_id}" for base_id in message.paper_ids]
        versions = {item.paper.base_id: item.paper.versioned_id for item in digest.items}
        assert acted_on(payload) == [versions[base_id] for base_id in message.paper_ids]
        # What the outbox stores is that payload, whether embeds are encoded once or not.
        assert json.loads(message.to_json(encoded)) == payload
        assert json.loads(message.to_json()) == payload


@SETTINGS
@given(items, st.lists(st.lists(noisy(4, repeat=10, max_size=100), max_size=30), max_size=4))
def test_an_embed_built_on_a_shared_frame_is_the_embed_rendered_alone(
    item: DigestItem, keyword_lists: list[list[str]]
) -> None:
    # A pass renders a paper's keyword-free texts once and reuses them for every target's
    # keywords; what each target gets must not differ from a fresh rendering.
    frames: Frames = {}
    for keywords in [list(item.keywords), *keyword_lists]:
        variant = replace(item, keywords=tuple(keywords))
        assert render_item(variant, frames).to_dict() == render_item(variant).to_dict()


@SETTINGS
@given(digests(), styles)
def test_no_message_carries_a_ping_string(digest: Digest, style: DigestStyle) -> None:
    for message in render_digest(digest, style=style):
        assert_no_ping_strings(message.to_payload())


@settings(SETTINGS, max_examples=40)
@given(items)
def test_single_paper_message_is_within_limits_and_keeps_its_links(item: DigestItem) -> None:
    item = with_unique_id(item, 1)
    payload = render_single(item).to_payload()
    # What Details shows privately is the same full layout, with the paper's other buttons.
    details = details_message(item).to_payload()

    for shown in (payload, details):
        assert_within_discord_limits(shown)
        assert_no_ping_strings(shown)
        assert_links_survive(shown["embeds"][0], item.paper)  # type: ignore[index]
        assert acted_on(shown) == [item.paper.versioned_id]
    compact = render_single(item, DigestStyle.COMPACT).to_payload()
    assert_within_discord_limits(compact)
    assert compact["embeds"][0]["url"] == item.paper.abs_url  # type: ignore[index]


# --- what the paper buttons answer -----------------------------------------------------------

deep_dives = st.builds(
    DeepDive,
    overview=noisy(10, repeat=60, max_size=500),
    method=noisy(10, repeat=100, max_size=1_000),
    experiments=noisy(10, repeat=100, max_size=1_000),
    limitations=noisy(10, repeat=80, max_size=700),
    key_numbers=st.lists(
        st.builds(KeyNumber, noisy(4, repeat=20, max_size=120), noisy(4, repeat=10, max_size=60)),
        max_size=6,
    ).map(tuple),
    model=st.sampled_from(["claude-haiku-4-5"]) | noisy(5, repeat=40),
    language=st.just("en"),
)


@settings(SETTINGS, max_examples=25)
@given(papers(), deep_dives)
def test_a_deep_dive_is_one_message_discord_accepts(paper: Paper, deep_dive: DeepDive) -> None:
    paper = replace(paper, base_id="2604.00001")
    payload = deep_dive_message(paper, deep_dive).to_payload()

    assert_within_discord_limits(payload)
    assert_no_ping_strings(payload)
    [embed] = payload["embeds"]  # type: ignore[misc]
    links = [f["value"] for f in embed["fields"] if f["name"] == "Links"]
    assert links == [f"[abs]({paper.abs_url}) · [PDF]({paper.pdf_url}) · [HTML]({paper.html_url})"]


@st.composite
def pages_of_papers(draw: st.DrawFn) -> list[ListEntry]:
    """1 to 10 listed papers, cycling through a few drawn ones, each with matched keywords."""
    count = draw(st.integers(1, 10))
    distinct = draw(st.lists(papers(), min_size=1, max_size=min(count, 3)))
    keywords = draw(st.lists(noisy(4, repeat=10, max_size=100), max_size=30))
    # What a page says after a title: the keywords, escaped as every rendered text is.
    note = ", ".join(k for k in map(markdown_line, keywords) if k)
    return [
        ListEntry(replace(distinct[i % len(distinct)], base_id=f"2604.{i + 1:05}"), note)
        for i in range(count)
    ]


@settings(SETTINGS, max_examples=25)
@given(pages_of_papers(), st.integers(1, 990), st.integers(1, 100_000), st.integers(1, 100))
def test_a_page_of_papers_is_one_message_discord_accepts(
    entries: list[ListEntry], first: int, matched: int, pages: int
) -> None:
    number = first % pages + 1
    payload = paper_list_message(
        others_title(tuple(CATEGORIES), dt.date(2026, 4, 28)),
        entries,
        first_number=first,
        intro=others_intro(matched, matched, number, pages),
        page_row=saved_page_buttons(number, pages),
    ).to_payload()

    assert_within_discord_limits(payload)
    assert_no_ping_strings(payload)
    assert acted_on(payload) == [entry.paper.versioned_id for entry in entries]
