"""BibTeX as arXiv writes it, and values that can break neither the .bib file nor the document.

BibTeX ends a braced field at the brace that balances the opening one (counting `\\{` too);
LaTeX then reads the value. `bibtex_ok` checks both with tools that are not ours: brace
counting as BibTeX does it, and pylatexenc's strict LaTeX parser.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pylatexenc import latexwalker

from bot.models import Author, Paper
from bot.saved.bibtex import bibtex_entries, bibtex_entry, bibtex_value, citation_key
from tests.bot.real_days import DAYS, real_day


def bibtex_ok(value: str) -> None:
    """Fail unless `value` is safe inside `field={...}` for BibTeX and then LaTeX."""
    assert "\n" not in value and "\r" not in value
    depth = 0
    for char in value:  # BibTeX counts every brace, escaped or not
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, f"a brace closes the field early: {value!r}"
    assert depth == 0, f"a brace stays open: {value!r}"
    nodes, _, _ = latexwalker.LatexWalker(value, tolerant_parsing=False).get_latex_nodes()
    assert not _has(nodes, latexwalker.LatexCommentNode), f"a % comment eats the rest: {value!r}"
    assert not _has(nodes, latexwalker.LatexSpecialsNode, "&#"), f"& or # unescaped: {value!r}"


def _has(nodes: list[latexwalker.LatexNode] | None, kind: type, chars: str | None = None) -> bool:
    for node in nodes or []:
        if isinstance(node, kind) and (chars is None or node.specials_chars in chars):
            return True
        for child in (getattr(node, "nodelist", None), getattr(node, "nodeargd", None)):
            if isinstance(child, list) and _has(child, kind, chars):
                return True
            argd = getattr(child, "argnlist", None)
            if argd and _has([a for a in argd if a is not None], kind, chars):
                return True
    return False


def attention() -> Paper:
    """Return 1706.03762v7 as arXiv describes it (its latest version is from 2023)."""
    names = (
        "Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones,"
        " Aidan N. Gomez, Lukasz Kaiser, Illia Polosukhin"
    )
    return Paper(
        base_id="1706.03762",
        version=7,
        title="Attention Is All You Need",
        abstract="The dominant sequence transduction models ...",
        authors=tuple(Author(name.strip()) for name in names.split(",")),
        categories=("cs.CL", "cs.LG"),
        primary_category="cs.CL",
        published=dt.datetime(2017, 6, 12, 17, 57, 34, tzinfo=dt.UTC),
        updated=dt.datetime(2023, 8, 2, 0, 41, 18, tzinfo=dt.UTC),
    )


def test_an_entry_is_what_arxiv_exports() -> None:
    # arXiv's own "Export BibTeX citation" of 1706.03762, with its two trailing spaces removed.
    assert bibtex_entry(attention(), citation_key(attention())) == (
        "@misc{vaswani2023attentionneed,\n"
        "      title={Attention Is All You Need},\n"
        "      author={Ashish Vaswani and Noam Shazeer and Niki Parmar and Jakob Uszkoreit and"
        " Llion Jones and Aidan N. Gomez and Lukasz Kaiser and Illia Polosukhin},\n"
        "      year={2023},\n"
        "      eprint={1706.03762},\n"
        "      archivePrefix={arXiv},\n"
        "      primaryClass={cs.CL},\n"
        "      url={https://arxiv.org/abs/1706.03762},\n"
        "}\n"
    )


@pytest.mark.parametrize(
    ("author", "year", "title", "key"),
    [  # keys arXiv gave these papers
        ("Rami Al-Rfou", 2018, "Character-Level Language Modeling with Deeper Self-Attention",
         "alrfou2018characterlevellanguagemodelingdeeper"),
        ("Jordan Hoffmann", 2022, "Training Compute-Optimal Large Language Models",
         "hoffmann2022trainingcomputeoptimallargelanguage"),
        ("Peter Shaw", 2018, "Self-Attention with Relative Position Representations",
         "shaw2018selfattentionrelativepositionrepresentations"),
    ],
)  # fmt: skip
def test_keys_follow_arxivs_pattern(author: str, year: int, title: str, key: str) -> None:
    when = dt.datetime(year, 5, 1, tzinfo=dt.UTC)
    paper = Paper("1808.04444", 1, title, "", authors=(Author(author),), updated=when)
    assert citation_key(paper) == key


def test_an_old_style_paper_without_dates_takes_its_year_from_the_id() -> None:
    paper = Paper("hep-th/9901001", 2, "Branes and {Gauge} Theories", "", categories=("hep-th",))
    entry = bibtex_entry(paper, citation_key(paper))
    assert "eprint={hep-th/9901001}," in entry
    assert "year={1999}," in entry
    assert "primaryClass={hep-th}," in entry
    assert entry.startswith("@misc{arxiv1999branesgaugetheories,")


def test_equal_keys_get_letters() -> None:
    entries = bibtex_entries([attention(), attention(), attention()])
    keys = re.findall(r"@misc\{([^,]+),", entries)
    assert keys == [
        "vaswani2023attentionneed",
        "vaswani2023attentionneeda",
        "vaswani2023attentionneedb",
    ]


@pytest.mark.parametrize(
    ("title", "written"),
    [
        (r"Li$_2$FeSiO$_4$, $\ell_{\infty}$", r"Li$_2$FeSiO$_4$, $\ell_{\infty}$"),
        (r"{$x$}-stable, $$y$$ and \\ breaks \\", r"{$x$}-stable, $$y$$ and breaks"),
        ("Gains of 16-20% in English", r"Gains of 16-20\% in English"),
        (r"Already escaped: 25\% & more", r"Already escaped: 25\% \& more"),
        ("Q&A for #1 snake_case x^2", r"Q\&A for \#1 snake\_case x\^{}2"),
        ("Awarded $35,000", r"Awarded \$35,000"),
        ("A } too many", r"A \textbraceright{} too many"),
        ("{An unclosed group", r"\textbraceleft{}An unclosed group"),
        ("{BERT} stays", "{BERT} stays"),
        ("Ends in a backslash \\", r"Ends in a backslash \textbackslash{}"),
        ("Two\nlines\tand\x00 control", "Two lines and control"),
        (r"G\"odel and \'{e}", r"G\"odel and \'{e}"),
    ],
)  # fmt: skip
def test_values_keep_latex_and_escape_what_breaks(title: str, written: str) -> None:
    assert bibtex_value(title) == written
    bibtex_ok(bibtex_value(title))


def test_a_name_with_the_word_and_is_one_author() -> None:
    paper = Paper("2604.00001", 1, "T", "", authors=(Author("Ben and Jerry"), Author("Ada L")))
    assert "author={{Ben and Jerry} and Ada L}," in bibtex_entry(paper, "k")


def test_long_author_lists_end_with_and_others() -> None:
    authors = tuple(Author(f"Author Number{n}") for n in range(150))
    entry = bibtex_entry(Paper("2604.00001", 1, "T", "", authors=authors), "k")
    author_field = re.search(r"author=\{(.*)\},\n", entry)
    assert author_field is not None
    names = author_field.group(1).split(" and ")
    assert len(names) == 101 and names[-1] == "others" and names[-2] == "Author Number99"


@pytest.mark.parametrize("day", DAYS)
def test_every_real_title_and_author_list_is_valid_bibtex(day: str) -> None:
    for paper in real_day(day):
        bibtex_ok(bibtex_value(paper.title))
        for author in paper.authors:
            bibtex_ok(bibtex_value(author.name))
        assert re.fullmatch(r"[a-z0-9]+", citation_key(paper)), paper.base_id


def test_real_latex_titles_keep_their_math() -> None:
    [paper] = [p for p in real_day("2026-02-03") if p.base_id == "2602.01105"]
    assert r"$\ell_{\infty}$" in bibtex_value(paper.title)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("xy {}$%&#_^~\\\"'\n@=,.`"), max_size=40))
def test_no_text_can_break_the_field(text: str) -> None:
    bibtex_ok(bibtex_value(text))
