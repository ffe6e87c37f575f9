"""What each LaTeX macro found in arXiv titles and abstracts turns into (used by latex.py).

Symbols (`\\alpha`, `\\leq`, `\\ss`, ~800 of them) come from pylatexenc's table; the macros
that take arguments, and the few symbols where pylatexenc's text is meant for documents rather
than for one line of an abstract (`\\ref` as "<ref>", `\\\\` as a line break), are listed here.
"""

from __future__ import annotations

import functools
import unicodedata
from enum import Enum, auto
from typing import Final


class Arg(Enum):
    """What a macro does with its argument(s)."""

    KEEP = auto()  # \textbf{words}: the words, as text
    KEEP_MATH = auto()  # \mathrm{d}, \boldsymbol{x}: the content, in the current mode
    DROP = auto()  # \label{x}, \vspace{1em}: nothing
    SECOND = auto()  # \href{url}{text}, \textcolor{blue}{text}: the second argument
    FOOTNOTE = auto()  # \footnote{text}: " (text)"
    QUOTE = auto()  # \enquote{text}: “text”
    REF = auto()  # \ref{sec:x}: the label as written
    CITE = auto()  # \cite{key}: "[key]"
    SQRT = auto()
    FRAC = auto()
    BINOM = auto()
    PMOD = auto()  # \pmod{4}: "(mod 4)"
    ALPHABET = auto()  # \mathbb{R}: ℝ
    ACCENT = auto()  # \'e, \hat{x}: a combining mark


# Macros whose argument is read as text: a word inside one must never be lost.
TEXT_MACROS: Final = frozenset(
    {
        "text", "textbf", "textit", "textsl", "textsc", "texttt", "textrm", "textsf",
        "textup", "textmd", "textnormal", "emph", "underline", "uline", "mbox", "hbox",
        "fbox", "textsuperscript", "textsubscript", "enquote", "footnote", "href", "url",
        "textcolor", "colorbox", "operatorname", "mathrm", "mathit", "mathsf", "mathtt",
        "mathbf", "mathnormal", "boldsymbol", "bm", "pmb",
    }
)  # fmt: skip

ARGUMENTS: Final[dict[str, Arg]] = {
    **{name: Arg.KEEP for name in TEXT_MACROS},
    **{name: Arg.KEEP_MATH for name in ("mathrm", "mathit", "mathsf", "mathtt", "mathbf")},
    **{name: Arg.KEEP_MATH for name in ("mathnormal", "boldsymbol", "bm", "pmb")},
    "operatorname": Arg.KEEP_MATH,
    "href": Arg.SECOND,
    "textcolor": Arg.SECOND,
    "colorbox": Arg.SECOND,
    "footnote": Arg.FOOTNOTE,
    "enquote": Arg.QUOTE,
    **{name: Arg.DROP for name in ("label", "vspace", "hspace", "color", "begin", "end")},
    **{name: Arg.DROP for name in ("includegraphics", "bibliography", "thanks", "phantom")},
    **{name: Arg.REF for name in ("ref", "eqref", "autoref", "cref", "Cref", "pageref")},
    **{name: Arg.CITE for name in ("cite", "citep", "citet", "citealp", "citeauthor")},
    "sqrt": Arg.SQRT,
    **{name: Arg.FRAC for name in ("frac", "dfrac", "tfrac", "cfrac")},
    **{name: Arg.BINOM for name in ("binom", "dbinom", "tbinom")},
    "pmod": Arg.PMOD,
    **{name: Arg.ALPHABET for name in ("mathbb", "mathcal", "mathfrak", "mathscr", "mathbbm")},
}

# Unicode's name for each alphabet (`MATHEMATICAL DOUBLE-STRUCK CAPITAL R`), and the older
# name of the letters Unicode had before (ℝ is `DOUBLE-STRUCK CAPITAL R`).
ALPHABETS: Final = {
    "mathbb": ("DOUBLE-STRUCK", "DOUBLE-STRUCK"),
    "mathbbm": ("DOUBLE-STRUCK", "DOUBLE-STRUCK"),
    "mathcal": ("SCRIPT", "SCRIPT"),
    "mathscr": ("SCRIPT", "SCRIPT"),
    "mathfrak": ("FRAKTUR", "BLACK-LETTER"),
}

# Accents: the combining mark each one puts on the letter after it.
ACCENTS: Final = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "b": "\u0331", "d": "\u0323", "t": "\u0361",
    "acute": "\u0301", "grave": "\u0300", "hat": "\u0302", "widehat": "\u0302",
    "tilde": "\u0303", "widetilde": "\u0303", "bar": "\u0304", "overline": "\u0305",
    "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308", "check": "\u030c", "breve": "\u0306",
    "mathring": "\u030a",
}  # fmt: skip

# Macros that change the font or size of what follows (`{\it fragile}`, `{\rm N}`) or only
# the size of a delimiter (`\left(`): nothing to show.
DECLARATIONS: Final = frozenset(
    {
        "it", "bf", "rm", "sf", "tt", "sc", "sl", "em", "up", "md", "normalfont", "itshape",
        "bfseries", "rmfamily", "sffamily", "ttfamily", "scshape", "upshape", "mdseries",
        "tiny", "scriptsize", "footnotesize", "small", "normalsize", "large", "Large", "LARGE",
        "huge", "Huge", "displaystyle", "textstyle", "scriptstyle", "left", "right", "middle",
        "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
        "Biggl", "Biggr", "limits", "nolimits", "centering", "noindent", "par", "relax",
        "protect", "nonumber", "notag", "maketitle", "newline", "linebreak", "allowbreak",
        "xspace", "ignorespaces", "hfill", "vfill", "smallskip", "medskip", "bigskip",
    }
)  # fmt: skip

# Symbols where one line of an abstract wants other text than pylatexenc's (or it has none).
SYMBOLS: Final = {
    "\\": " ", "newline": " ", "-": "", "/": "", "today": "", ",": " ", ";": " ", ":": " ",
    ">": " ", " ": " ", "quad": " ", "qquad": " ", "enspace": " ", "thinspace": " ",
    "prime": "′", "colon": ":", "bmod": "mod", "mod": "mod", "item": "•", "S": "§",
    "P": "¶", "LaTeX": "LaTeX", "TeX": "TeX", "BibTeX": "BibTeX", "ensuremath": "",
    "star": "⋆", "top": "⊤", "bot": "⊥", "perp": "⊥", "lfloor": "⌊", "rfloor": "⌋",
    "lceil": "⌈", "rceil": "⌉", "argmax": "argmax", "argmin": "argmin", "arg": "arg",
    "det": "det", "dim": "dim", "ker": "ker", "Pr": "Pr", "deg": "deg", "gcd": "gcd",
    "poly": "poly", "polylog": "polylog", "lg": "lg", "sgn": "sgn", "tr": "tr",
    "Tr": "Tr", "diag": "diag", "rank": "rank", "var": "var", "Var": "Var", "E": "E",
    "iff": "⟺", "implies": "⟹", "land": "∧", "lor": "∨", "lnot": "¬", "neg": "¬",
    "ne": "≠", "gets": "←", "Rightarrow": "⇒", "Leftarrow": "⇐", "Leftrightarrow": "⇔",
    "leftrightarrow": "↔", "mapsto": "↦", "hookrightarrow": "↪", "Longrightarrow": "⟹",
    "varepsilon": "ε", "epsilon": "ϵ", "phi": "ϕ", "varphi": "φ", "degree": "°",
    "checkmark": "✓", "textbar": "|", "textless": "<", "textgreater": ">", "lbrace": "{",
    "rbrace": "}", "textbraceleft": "{", "textbraceright": "}", "textunderscore": "_",
    "textasciitilde": "~", "dots": "…", "ldots": "…", "cdots": "⋯", "vdots": "⋮",
}  # fmt: skip

SUPERSCRIPTS: Final = str.maketrans("0123456789+-−=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾")
SUBSCRIPTS: Final = str.maketrans("0123456789+-−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎")
SCRIPT_DIGITS: Final = frozenset("0123456789+-−=()")


@functools.cache
def symbols() -> dict[str, str]:
    """Return every macro that stands for fixed text: ours over pylatexenc's ~800.

    Built once, on first use: importing pylatexenc and assembling its table takes ~30 ms,
    which commands that never meet LaTeX need not pay. It is a cache, not a resource.
    """
    from pylatexenc.latex2text import get_default_latex_context_db

    table: dict[str, str] = {}
    for spec in get_default_latex_context_db().iter_macro_specs():
        text = spec.simplify_repl
        if isinstance(text, str) and "%" not in text and "<" not in text:
            table[spec.macroname] = text
    table.update(SYMBOLS)
    return table


@functools.cache
def alphabet_letter(alphabet: str, letter: str) -> str:
    """Return `letter` in a mathematical alphabet (`mathbb`, R: ℝ), or as is if it has none."""
    if not (letter.isascii() and letter.isalpha()):
        return letter
    new_name, old_name = ALPHABETS[alphabet]
    case = "CAPITAL" if letter.isupper() else "SMALL"
    for name in (
        f"MATHEMATICAL {new_name} {case} {letter.upper()}",
        f"{old_name} {case} {letter.upper()}",
    ):
        try:
            return unicodedata.lookup(name)
        except KeyError:
            continue
    return letter
