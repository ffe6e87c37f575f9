"""LaTeX in real arXiv titles, abstracts and names reads as Unicode; plain text is untouched."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Final

import pytest
from defusedxml import ElementTree

from bot.render import latex
from bot.render.latex import LATEX_INPUT_MAX, latex_to_unicode, readable_text
from bot.render.latex_tables import TEXT_MACROS

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
        ("2106.13414v2", "abstract", "over {1, …, n}, is it ε₁-close to or ε₂-far"),
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
        (r"runs in $O(n^2)$ time", "runs in O(n²) time"),
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


# Titles and abstracts that used to garble or drop text (pylatexenc 2.11's defaults).
@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"Code is available at \href{https://github.com/x/y}{our repository}.",
         "Code is available at our repository."),
        (r"see \url{https://example.org/a_b}", "see https://example.org/a_b"),
        (r"models such as \texttt{GPT-4o-mini} and exhibit",
         "models such as GPT-4o-mini and exhibit"),
        (r"an \emph{oracle} and \textsc{Bramah} cells", "an oracle and Bramah cells"),
        (r"$\mathrm{Att}(Q, K, V)$ and $\operatorname{polylog}(n)$", "Att(Q, K, V) and polylog(n)"),
        (r"regret $\tilde{\mathcal{O}}(\sqrt{d}T^{3/4})$", "regret 𝒪̃(√dT^(3/4))"),
        (r"primes $p^{m}\equiv1 \pmod 4$", "primes p^m≡1 (mod 4)"),
        (r"$n \equiv 1 \pmod{3}$", "n ≡ 1 (mod 3)"),
        (r"error $10^{-6}$ with $x_{ij}$", "error 10⁻⁶ with x_ij"),
        (r"$\textbf{Freq}$uency", "Frequency"),
        (r"We introduce \Ours, which \nameA{} beats", "We introduce Ours, which nameA beats"),
        (r"behaviour \rev{below $T_{\rm N}$} holds", "behaviour below T_N holds"),
        (r"{\it fragile} systems", "fragile systems"),
        (r"$\mathbb{R}^d$ and $\mathcal{G}$", "ℝ^d and 𝒢"),
        (r"\enquote{LLM-as-a-Judge}", "“LLM-as-a-Judge”"),
        (r"costs $5 and $10 each", "costs $5 and $10 each"),
    ],
)  # fmt: skip
def test_issue_cases_read_as_readers_expect(latex: str, expected: str) -> None:
    assert latex_to_unicode(latex) == expected


def test_pathologically_nested_input_is_read_without_commands() -> None:
    text = "{" * 3_000 + r"\alpha"

    assert latex_to_unicode(text) == "α"


def test_readable_text_drops_invisible_characters() -> None:
    assert readable_text("A S\u200burvey of bi\u00addirectional \u202eRAG") == (
        "A Survey of bidirectional RAG"
    )


# Zero-width characters, bidi controls, the soft hyphen and the byte order mark.
_INVISIBLES: Final = (
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2065\u2066\u2067\u2068\u2069\ufeff"
)


@pytest.mark.parametrize("invisible", list(_INVISIBLES))
@pytest.mark.parametrize("rest", ["", " in Zürich", " of $\\alpha$-tests"])
def test_readable_text_drops_each_invisible_character(invisible: str, rest: str) -> None:
    expected = {
        "": "A Survey",
        " in Zürich": "A Survey in Zürich",
        " of $\\alpha$-tests": "A Survey of α-tests",
    }

    assert readable_text(f"A S{invisible}urvey{rest}") == expected[rest]


def test_readable_text_leaves_plain_text_as_is() -> None:
    text = "50% of {C++} code -- with ~ and & and #tags"

    assert readable_text(text) is text


def test_oversized_input_is_not_parsed() -> None:
    text = r"$\alpha$ " * (LATEX_INPUT_MAX // 9 + 1)

    assert latex_to_unicode(text) == text


# A formula and the same characters between two formulas: math, then prose (a dash, a caret).
_MATH_AND_PROSE: Final = {
    "the operator $--$ is": "the operator -- is",
    "bounds $a$--$b$ hold": "bounds a–b hold",
    "the square $^2$ of": "the square ² of",
    "the $x$^2$y$ text": "the x^2y text",
}


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("the operator $--$ is", "bounds $a$--$b$ hold"),
        ("bounds $a$--$b$ hold", "the operator $--$ is"),
        ("the square $^2$ of", "the $x$^2$y$ text"),
        ("the $x$^2$y$ text", "the square $^2$ of"),
    ],
)
def test_same_characters_read_as_math_in_a_formula_and_as_prose_outside_in_either_order(
    first: str, then: str
) -> None:
    # A formula's rendering is remembered: the same characters outside a formula must not be
    # taken for it, whichever is read first.
    assert [readable_text(first), readable_text(then)] == [
        _MATH_AND_PROSE[first],
        _MATH_AND_PROSE[then],
    ]


def test_many_distinct_formulas_are_remembered_within_a_bound_and_still_read_right() -> None:
    # The bot runs for months: the formulas it remembers must not grow without limit, and
    # one forgotten to make room reads the same when it comes back.
    remembered = latex._formula.cache_info().maxsize
    assert remembered is not None
    texts = [f"error $O(n^{{{number}}})$ shown" for number in range(remembered + 100)]
    raised = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

    first = [latex_to_unicode(text) for text in texts]
    again = latex_to_unicode.__wrapped__(texts[0])

    assert latex._formula.cache_info().currsize <= remembered
    assert first[0] == again == "error O(n⁰) shown"
    assert first[-1] == f"error O(n{str(remembered + 99).translate(raised)}) shown"


# --- both real announcement days (tests/fixtures/real-days/) ------------------------------

_COMMAND = re.compile(r"\\[A-Za-z]+")
# A text macro with a plain argument: `\texttt{GPT-4o-mini}`, `\href{url}{text}`.
_TEXT_MACRO = re.compile(r"\\(?P<name>[A-Za-z]+)(?P<args>(?:\{[^{}$]*\})+)")


@cache
def real_texts() -> list[tuple[str, str]]:
    """Return (id, text) for every title and abstract of both real days."""
    texts = []
    for path in sorted((FIXTURES / "real-days").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            texts += [(row["id"], row["title"]), (row["id"], row["abstract"])]
    return texts


def test_no_real_title_or_abstract_keeps_a_backslash_command() -> None:
    left = [(paper, _COMMAND.findall(readable_text(text))) for paper, text in real_texts()]

    assert [(paper, commands) for paper, commands in left if commands] == []


def test_no_real_title_or_abstract_loses_a_word_of_a_text_macro() -> None:
    lost = []
    checked = 0
    for paper, text in real_texts():
        rendered = readable_text(text)
        for macro in _TEXT_MACRO.finditer(text):
            if macro["name"] not in TEXT_MACROS:
                continue
            args = re.findall(r"\{([^{}]*)\}", macro["args"])
            # The text of \href{url}{text} and \textcolor{colour}{text} is the last argument.
            shown = args[-1] if macro["name"] in ("href", "textcolor", "colorbox") else args[0]
            for word in re.findall(r"[^\W_]+", shown):
                checked += 1
                if word not in rendered:
                    lost.append((paper, macro.group(), word))
    assert checked > 300  # the days hold some 200 text macros (\textbf, \emph, \texttt, ...)
    assert lost == []
