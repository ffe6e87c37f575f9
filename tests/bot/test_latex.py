"""LaTeX in real arXiv titles, abstracts and names reads as Unicode; plain text is untouched."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from defusedxml import ElementTree

from bot.render.latex import LATEX_INPUT_MAX, latex_to_unicode

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ATOM = "{http://www.w3.org/2005/Atom}"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


@cache
def api_entries() -> dict[str, dict[str, str]]:
    """Return {versioned id: {"title", "abstract"}} from the recorded query API responses."""
    entries: dict[str, dict[str, str]] = {}
    for path in sorted((FIXTURES / "arxiv-api").glob("*.json")):
        body: str = json.loads(path.read_text(encoding="utf-8"))["body"]
        # The recorder stored the UTF-8 body decoded as Latin-1 ("$Ï\x89$Test"): undo that.
        xml = body.encode("latin-1").decode("utf-8")
        for entry in ElementTree.fromstring(xml.encode()).iter(f"{ATOM}entry"):
            entry_id = entry.findtext(f"{ATOM}id", "")
            if "/abs/" in entry_id:
                entries[entry_id.split("/abs/", 1)[1]] = {
                    "title": entry.findtext(f"{ATOM}title", ""),
                    "abstract": entry.findtext(f"{ATOM}summary", ""),
                }
    return entries


def feed_creators() -> list[str]:
    """Return the `<dc:creator>` lines of the recorded announcement feed."""
    root = ElementTree.parse(FIXTURES / "arxiv-feed" / "cs.AI_2025-08-20_atom.xml").getroot()
    return [element.text or "" for element in root.iter(DC_CREATOR)]


@pytest.mark.parametrize(
    ("paper", "field", "expected"),
    [
        ("2306.03845v1", "title", "ωTest: WebView-Oriented Testing for Android Applications"),
        ("2004.03322v1", "abstract", "achieve 25% accuracy over infection probabilities"),
        ("2004.03322v1", "abstract", "from 0.001 to 0.5. The"),
        ("2501.17461v1", "abstract", "success rate of 30% for generating correct assertions"),
        ("2403.16981v2", "abstract", "number of i.i.d. samples required"),
        ("2403.16981v2", "abstract", "all 0 ≤ α, β≤ 1/8 in the prior-free setting"),
        ("2106.13414v2", "abstract", "over {1, …, n}, is it ε_1-close to or ε_2-far"),
        ("2405.11454v2", "abstract", "For any smooth f:ℝ^n→ℝ,"),
        ("1904.08007v1", "abstract", "AFP tools face the oracle problem. In this work"),
        (
            "1706.00679v3",
            "abstract",
            "on the index set of\u00a0X and we establish",
        ),  # `~` is a nbsp
        ("2104.12255v1", "abstract", "generously awarded $35,000 in total"),  # a lone `$`
    ],
)
def test_real_arxiv_latex_reads_as_unicode(paper: str, field: str, expected: str) -> None:
    assert expected in latex_to_unicode(api_entries()[paper][field])


@pytest.mark.parametrize(
    "paper", ["astro-ph/0601001v1", "2302.03287v3", "2008.01944v1", "1907.06632v1"]
)
def test_real_text_without_latex_is_left_exactly_as_written(paper: str) -> None:
    entry = api_entries()[paper]
    for text in (entry["title"], entry["abstract"]):
        if "$" not in text and "\\" not in text:
            assert latex_to_unicode(text) == text


def test_plain_abstract_keeps_ampersand_and_double_hyphen() -> None:
    abstract = api_entries()["astro-ph/0601001v1"]["abstract"]

    rendered = latex_to_unicode(abstract)

    assert "Gould & Morgan (2003)" in rendered
    assert "3--5 day periods" in rendered


def test_accented_author_name_from_the_feed_reads_as_unicode() -> None:
    creators = [c for c in feed_creators() if "Andr" in c]

    assert [latex_to_unicode(c) for c in creators] == ["Paulo André Lima de Castro"]


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"$\Gamma$-converge", "Γ-converge"),
        (r"\textbf{x} and \emph{y}", "x and y"),
        (r"Andr\'e and G\"odel", "André and Gödel"),
        (r"runs in $O(n^2)$ time", "runs in O(n^2) time"),
        (r"3--5 days with $\alpha$", "3–5 days with α"),
    ],
)
def test_common_latex_reads_as_unicode(latex: str, expected: str) -> None:
    assert latex_to_unicode(latex) == expected


def test_percent_is_not_a_comment_next_to_latex() -> None:
    text = r"$\alpha$ improves 50% of C++ benchmarks & more"

    assert latex_to_unicode(text) == "α improves 50% of C++ benchmarks & more"


def test_tilde_before_a_number_stays_a_tilde() -> None:
    assert latex_to_unicode(r"$\alpha$ grows ~10 times") == "α grows ~10 times"


def test_text_without_backslash_or_dollar_is_returned_as_is() -> None:
    text = "50% of {C++} code -- with ~ and & and #tags"

    assert latex_to_unicode(text) is text


def test_parser_failure_returns_the_raw_text() -> None:
    text = r"see \href{https://example.org}{our code}"  # pylatexenc 2.11 raises IndexError

    assert latex_to_unicode(text) == text


def test_pathologically_nested_input_returns_the_raw_text() -> None:
    text = "{" * 3_000 + r"\alpha"  # pylatexenc recurses per brace: RecursionError

    assert latex_to_unicode(text) == text


def test_oversized_input_is_not_parsed() -> None:
    text = r"$\alpha$ " * (LATEX_INPUT_MAX // 9 + 1)

    assert latex_to_unicode(text) == text
