"""BibTeX entries in arXiv's own form, with values that cannot break the entry or the document.

arXiv's "Export BibTeX citation" writes, for example:

    @misc{vaswani2023attentionneed,
          title={Attention Is All You Need},
          author={Ashish Vaswani and Noam Shazeer and ...},
          year={2023},
          eprint={1706.03762},
          archivePrefix={arXiv},
          primaryClass={cs.CL},
          url={https://arxiv.org/abs/1706.03762},
    }

The key is the first author's surname, the year and the first significant words of the title;
the year is that of the version (arXiv uses the latest). We write the same fields.

Titles and names on arXiv are LaTeX source (`$\\alpha$-divergence`, `G\\"odel`), which is what
a `.bib` file wants, so LaTeX is kept. What is escaped is what would break something
(README, "Saved papers"):

- BibTeX ends a braced field at the brace that balances the opening one, and counts `\\{`
  too, so every brace is matched with its own kind (and a group opened inside a formula
  must close in it); an unmatched one becomes `\\textbraceleft{}` / `\\textbraceright{}`;
- `%` starts a LaTeX comment (eating the closing brace), `&` and `#` are errors: escaped;
- `_` and `^` outside math are errors: escaped; dollar signs that do not pair up into
  `$...$` or `$$...$$` formulas are prices, so all of them are escaped;
- a backslash that starts no command, or an accent with nothing after it, is written out
  (`\\textbackslash{}`); line breaks, `\\\\` included, become spaces.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from bot.models import Paper
from bot.saved.citation import MAX_AUTHORS, paper_year

# Symbols a backslash escapes in LaTeX text (`\%`, `\{`, accents like `\'` and `\"`, `\\`).
_ESCAPABLE = set("\\{}$&%#_^~'\"`=.,;:!-|@ ^")
# Accents take the next letter or group as their argument (`\'e`, `\"{o}`).
_ACCENTS = set("'\"`=.^~")
_COMMAND = re.compile(r"\\[A-Za-z]+\*?")
_ALWAYS_ESCAPED = {"%": r"\%", "&": r"\&", "#": r"\#"}
_OUTSIDE_MATH = {"_": r"\_", "^": r"\^{}"}
_LEFT, _RIGHT = r"\textbraceleft{}", r"\textbraceright{}"
_KEY_WORDS = 5
# Words arXiv leaves out of its keys ("Attention Is All You Need" -> attentionneed).
# fmt: off
_STOPWORDS = frozenset({
    "a", "about", "after", "all", "an", "and", "are", "as", "at", "be", "beyond", "between",
    "by", "can", "do", "does", "for", "from", "how", "i", "in", "into", "is", "it", "its", "not",
    "of", "on", "or", "our", "over", "so", "than", "that", "the", "their", "this", "to",
    "toward", "towards", "under", "up", "us", "using", "via", "vs", "we", "what", "when",
    "where", "which", "who", "why", "will", "with", "without", "you", "your",
})
# fmt: on


def bibtex_entries(papers: Sequence[Paper]) -> str:
    """Return one `@misc` entry per paper, with keys made unique by a letter suffix."""
    seen: dict[str, int] = {}
    entries = []
    for paper in papers:
        key = citation_key(paper)
        count = seen.get(key, 0)
        seen[key] = count + 1
        entries.append(bibtex_entry(paper, key + _suffix(count)))
    return "\n".join(entries)


def bibtex_entry(paper: Paper, key: str) -> str:
    """Return the `@misc` entry of one paper under `key`, in arXiv's field order."""
    fields = [
        ("title", bibtex_value(paper.title)),
        ("author", bibtex_authors(author.name for author in paper.authors)),
        ("year", str(paper_year(paper))),
        ("eprint", paper.base_id),
        ("archivePrefix", "arXiv"),
    ]
    primary = paper.primary_category or (paper.categories[0] if paper.categories else None)
    if primary:
        fields.append(("primaryClass", bibtex_value(primary)))
    fields.append(("url", paper.abs_url))
    body = "".join(f"      {name}={{{value}}},\n" for name, value in fields)
    return f"@misc{{{key},\n{body}}}\n"


def citation_key(paper: Paper) -> str:
    """Return arXiv's style of key: surname, year, first significant title words (ASCII)."""
    names = [author.name for author in paper.authors if author.name.strip()]
    surname = _ascii_words(names[0].split()[-1]) if names else []
    words = [word for word in _ascii_words(paper.title) if word not in _STOPWORDS]
    return "".join(surname or ["arxiv"]) + str(paper_year(paper)) + "".join(words[:_KEY_WORDS])


def bibtex_authors(names: Iterable[str]) -> str:
    """Join author names with ` and `; past the cap, end with BibTeX's `and others`."""
    kept = [name for name in (" ".join(name.split()) for name in names) if name]
    parts = [_author(name) for name in kept[:MAX_AUTHORS]]
    if len(kept) > MAX_AUTHORS:
        parts.append("others")
    return " and ".join(parts)


def bibtex_value(text: str) -> str:
    """Return `text` as the inside of a braced BibTeX field: one line, LaTeX kept, safe."""
    pieces = _squeezed(_pieces(_one_line(text)))
    _check_math(pieces)
    in_math = False
    for i, piece in enumerate(pieces):
        if piece in ("$", "$$"):
            in_math = not in_math
        elif piece in _ALWAYS_ESCAPED:
            pieces[i] = _ALWAYS_ESCAPED[piece]
        elif piece in _OUTSIDE_MATH and not in_math:
            pieces[i] = _OUTSIDE_MATH[piece]
    _balance_groups(pieces)
    _balance_literal_braces(pieces)
    _drop_dangling_accents(pieces)
    return "".join(pieces)


def _author(name: str) -> str:
    """Escape one name; brace a name holding the word "and", which would split it in two."""
    value = bibtex_value(name)
    return f"{{{value}}}" if re.search(r"\band\b", value, re.IGNORECASE) else value


def _pieces(text: str) -> list[str]:
    """Split text into LaTeX commands, backslash pairs and single characters."""
    pieces: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if text.startswith("$$", i):  # display math, one delimiter
            pieces.append("$$")
            i += 2
            continue
        if char != "\\":
            pieces.append(char)
            i += 1
            continue
        if text.startswith("\\\\", i):  # a forced line break: a space in one-line metadata
            pieces.append(" ")
            i += 2
            continue
        command = _COMMAND.match(text, i)
        if command is not None:
            pieces.append(command.group(0))
            i = command.end()
        elif i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            pieces.append(text[i : i + 2])
            i += 2
        else:  # a backslash that starts nothing LaTeX knows, or ends the text
            pieces.append(r"\textbackslash{}")
            i += 1
    return pieces


def _squeezed(pieces: list[str]) -> list[str]:
    """Return `pieces` with no space piece at either end or after another (`\\\\` -> space)."""
    kept: list[str] = []
    for piece in pieces:
        if piece != " " or (kept and kept[-1] != " "):
            kept.append(piece)
    while kept and kept[-1] == " ":
        kept.pop()
    return kept


def _check_math(pieces: list[str]) -> None:
    """Escape every dollar sign unless they pair up into `$...$` and `$$...$$` formulas."""
    state = ""
    for piece in pieces:
        if piece in ("$", "$$"):
            if not state:
                state = piece
            elif state == piece:
                state = ""
            else:
                state = "broken"
                break
    if state:
        for i, piece in enumerate(pieces):
            if piece in ("$", "$$"):
                pieces[i] = r"\$" * len(piece)


def _balance_groups(pieces: list[str]) -> None:
    """Write out every `{` or `}` that opens or closes no group, as text commands.

    A group opened outside math may hold whole formulas; one opened inside a formula must
    close inside it (`{$}$` is broken, `{$x$}` is not).
    """
    stack: list[tuple[int, int | None]] = []  # (opening index, formula it opened in)
    formula: int | None = None
    for i, piece in enumerate(pieces):
        if piece in ("$", "$$"):
            if formula is None:
                formula = i
                continue
            while stack and stack[-1][1] == formula:  # groups left open in the formula
                pieces[stack.pop()[0]] = _LEFT
            formula = None
        elif piece == "{":
            stack.append((i, formula))
        elif piece == "}":
            if stack and stack[-1][1] == formula:
                stack.pop()
            else:
                pieces[i] = _RIGHT
    for i, _ in stack:
        pieces[i] = _LEFT


def _balance_literal_braces(pieces: list[str]) -> None:
    """Pair `\\{` with `\\}`: LaTeX prints them, but BibTeX counts them as braces."""
    stack: list[int] = []
    for i, piece in enumerate(pieces):
        if piece == r"\{":
            stack.append(i)
        elif piece == r"\}":
            if stack:
                stack.pop()
            else:
                pieces[i] = _RIGHT
    for i in stack:
        pieces[i] = _LEFT


def _drop_dangling_accents(pieces: list[str]) -> None:
    """Write out an accent command with nothing to put its accent on (`x\'` at the end).

    LaTeX would take the field's closing brace as its argument and fail.
    """
    for i, piece in enumerate(pieces):
        if len(piece) == 2 and piece[0] == "\\" and piece[1] in _ACCENTS:
            following = pieces[i + 1] if i + 1 < len(pieces) else ""
            if not (following.isalpha() or following.startswith(("{", "\\"))):
                pieces[i] = r"\textbackslash{}" + piece[1]


def _one_line(text: str) -> str:
    """Return `text` with control characters as spaces and whitespace runs collapsed."""
    spaced = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join(spaced.split())


def _ascii_words(text: str) -> list[str]:
    """Return the lower-case ASCII letter-and-digit runs of `text` (accents dropped)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    # Hyphenated and LaTeX-wrapped words split into their parts, as arXiv's keys do.
    return re.findall(r"[a-z0-9]+", folded.replace("\\", " ").lower())


def _suffix(count: int) -> str:
    """Return '' for the first use of a key, then a, b, ..., z, aa, ab, ..."""
    if count == 0:
        return ""
    letters = ""
    number = count
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters
