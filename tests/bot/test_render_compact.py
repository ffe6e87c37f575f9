"""Compact items, as a researcher skims them on a phone: the facts they look for, nothing more.

And the message layout around them: the actions each message carries, "Show all N", and how
many messages a digest takes with summaries at the schema's maximum length.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from bot.models import Author, Digest, DigestItem, DigestStyle, FallbackReason, Paper, Summary
from bot.render import render_digest
from bot.render.comment import fit_comment, highlights
from bot.render.compact import render_compact
from bot.summarize.schema import SECTION_MAX, TLDR_MAX
from tests.bot.real_days import real_day

DAY = dt.date(2026, 3, 10)


def make_paper(**overrides: object) -> Paper:
    fields: dict[str, object] = {
        "base_id": "2603.01234",
        "version": 2,
        "title": "KV Cache Compression for Long Contexts",
        "abstract": "We compress the KV cache. It keeps 95% of accuracy at 20% memory. More.",
        "authors": tuple(
            Author(name, ("MIT",)) for name in ["Ana Ruiz", "Bo Li", "Chen Wei", "Dan Wu"]
        ),
        "categories": ("cs.CL", "cs.LG"),
        "primary_category": "cs.CL",
        "comment": "12 pages, 5 figures. Accepted at ICML 2026. Code: https://github.com/x/kv",
        "announced": DAY,
    }
    fields.update(overrides)
    return Paper(**fields)  # type: ignore[arg-type]


SUMMARY = Summary(
    tldr="Evicting cold entries keeps 95% of accuracy at 20% of the KV memory.",
    motivation="Long contexts are expensive.",
    method="An eviction policy.",
    results="95% accuracy, 20% memory.",
    model="claude-haiku-4-5",
    language="en",
)


def compact(item: DigestItem) -> dict[str, object]:
    return render_compact(item).to_dict()  # type: ignore[return-value]


def test_a_compact_item_is_title_authors_tldr_why_comment_and_links() -> None:
    item = DigestItem(make_paper(), keywords=("kv cache", "llm"), summary=SUMMARY)

    embed = compact(item)

    assert embed["title"] == "KV Cache Compression for Long Contexts"
    assert embed["url"] == "https://arxiv.org/abs/2603.01234"
    assert embed["author"] == {"name": "Ana Ruiz, Bo Li, Chen Wei, Dan Wu"}
    assert embed["description"] == (
        "Evicting cold entries keeps 95% of accuracy at 20% of the KV memory.\n"
        "**cs.CL** · matched: kv cache, llm\n"
        "**Comment:** Accepted at ICML 2026. Code: https://github.com/x/kv\n"
        "[PDF](https://arxiv.org/pdf/2603.01234v2) · [HTML](https://arxiv.org/html/2603.01234v2)"
    )
    assert embed["footer"] == {"text": "arXiv:2603.01234v2 · summary by claude-haiku-4-5"}
    assert "fields" not in embed  # no motivation, method, results, affiliations


def test_a_compact_item_names_the_last_author_of_a_long_list() -> None:
    authors = (*(Author(f"Author {i}") for i in range(11)), Author("Yoshua Bengio"))
    embed = compact(DigestItem(make_paper(authors=authors), summary=SUMMARY))

    assert embed["author"] == {
        "name": "Author 0, Author 1, Author 2, …, Yoshua Bengio (12 authors)"
    }


def test_an_abstract_only_item_says_why_and_shows_the_first_sentences() -> None:
    abstract = "First sentence here. " * 30
    item = DigestItem(make_paper(abstract=abstract), fallback=FallbackReason.TIMEOUT)

    description = str(compact(item)["description"])

    notice, lead = description.split("\n")[:2]
    assert notice == "*Automated summary unavailable (timeout); showing the abstract.*"
    assert lead.startswith("First sentence here. First sentence here.")
    assert lead.endswith("here. …")  # whole sentences, then a mark that there is more
    assert len(lead) <= 400
    assert "abstract only (timeout)" in str(compact(item)["footer"])


def test_a_comment_of_page_counts_only_is_left_out() -> None:
    embed = compact(DigestItem(make_paper(comment="13 pages, 12 figures"), summary=SUMMARY))

    assert "Comment" not in str(embed["description"])


@pytest.mark.parametrize(
    ("comment", "shown"),
    [
        ("16 pages. Accepted, to appear in IJQF", "Accepted, to appear in IJQF"),
        ("Accepted in AAMAS 2026 - main track - 12 pages", "Accepted in AAMAS 2026 - main track"),
        ("Twelve figures, 29 pages", ""),
        ("5 pages + supplement. Comments are welcome!", ""),
        ("Code available at https://github.com/a/b", "Code available at https://github.com/a/b"),
        (None, ""),
    ],
)
def test_highlights_keep_venue_and_code_drop_counts(comment: str | None, shown: str) -> None:
    assert highlights(comment) == shown


def test_a_long_comment_is_cut_but_its_code_link_never_is() -> None:
    url = "https://github.com/some-lab/a-rather-long-repository-name"
    text = "Accepted at the Forty-Third International Conference on Machine Learning " * 3 + url

    cut = fit_comment(text, 160)

    assert len(cut) <= 160
    assert cut.endswith(f"… {url}")


def test_a_link_too_long_to_fit_is_left_out_rather_than_cut() -> None:
    text = "See https://example.org/" + "x" * 200 + " for details and more words"

    assert fit_comment(text, 100) == "See…"


def test_a_second_link_that_does_not_fit_is_left_out_whole() -> None:
    text = "Code https://github.com/a/b and data https://zenodo.org/" + "y" * 50 + " and more"

    assert fit_comment(text, 80) == "Code https://github.com/a/b and data…"


def test_mentions_and_markdown_in_a_comment_stay_harmless() -> None:
    embed = compact(DigestItem(make_paper(comment="@everyone see *this*"), summary=SUMMARY))

    description = str(embed["description"])
    assert "@everyone" not in description  # a zero-width space follows the @
    assert "\\*this\\*" in description


# --- messages ----------------------------------------------------------------------------


def digest(items: tuple[DigestItem, ...], matched: int | None = None) -> Digest:
    return Digest(("cs.CL",), DAY, items, matched=matched or len(items), total=300)


def longest_summary(paper: Paper) -> Summary:
    """A summary at the schema's maximum length, as Claude may write it."""
    words = itertools.cycle(["efficient", "inference", "keeps", "95%", "accuracy", "at", "20%"])
    text = " ".join(next(words) for _ in range(400))
    return Summary(
        tldr=text[:TLDR_MAX].rstrip(),
        motivation=text[:SECTION_MAX],
        method=text[:SECTION_MAX],
        results=text[:SECTION_MAX],
        model="claude-haiku-4-5",
        language="en",
    )


@pytest.mark.parametrize(("count", "most"), [(10, 2), (25, 4)])
def test_real_papers_with_the_longest_summaries_fit_few_messages(count: int, most: int) -> None:
    papers = real_day("2026-03-10")[:count]
    items = tuple(
        DigestItem(p, keywords=("llm", "kv cache"), summary=longest_summary(p)) for p in papers
    )

    messages = render_digest(digest(items), style=DigestStyle.COMPACT)

    assert len(messages) <= most
    assert sum(len(m.embeds) for m in messages) == count


def test_each_message_carries_the_actions_of_its_own_papers() -> None:
    items = tuple(
        DigestItem(make_paper(base_id=f"2603.{i:05d}"), summary=SUMMARY) for i in range(1, 13)
    )

    messages = render_digest(digest(items), style=DigestStyle.COMPACT)

    for message in messages:
        [row] = message.components
        [menu] = row["components"]
        values = [option["value"] for option in menu["options"]]
        assert values == [f"{base_id}v2" for base_id in message.paper_ids]


def test_show_all_is_on_the_first_message_only_when_papers_were_left_out() -> None:
    items = (DigestItem(make_paper(), summary=SUMMARY),)

    cut = render_digest(digest(items, matched=7), show_all_id="posted:channel:1:2026-03-10:1")
    whole = render_digest(digest(items), show_all_id="posted:channel:1:2026-03-10:1")

    labels = [b["label"] for row in cut[0].components for b in row["components"]]
    assert labels[-1] == "Show all 7"
    assert cut[0].components[-1]["components"][0]["custom_id"] == "posted:channel:1:2026-03-10:1"
    assert "Show all" not in str(whole[0].components)


def test_the_full_style_has_no_details_button_it_already_shows_them() -> None:
    items = (DigestItem(make_paper(), summary=SUMMARY),)

    [message] = render_digest(digest(items), style=DigestStyle.FULL)

    labels = [b["label"] for b in message.components[0]["components"]]
    assert labels == ["Deep dive", "Save", "Not interested", "More like this"]
