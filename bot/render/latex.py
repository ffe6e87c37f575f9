"""Turn the LaTeX in arXiv titles, abstracts and names into plain Unicode.

arXiv stores titles and abstracts as their authors typed them: `$\\Gamma$-converge`,
`Andr\\'e`, `\\emph{oracle problem}`, `25\\%`. Readers on Discord should see `Γ-converge`,
`André`, `oracle problem`, `25%`. pylatexenc does the conversion; this module decides when to
call it and protects the plain text around the LaTeX, because most abstracts are not LaTeX
documents: a bare `%` ("16-20% in English") would start a comment and swallow the rest of the
line, a bare `&` would become column padding, a lone `$` ("awarded $35,000") would open math
mode.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import Any, Final

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

log = logging.getLogger(__name__)

# arXiv caps abstracts at 1,920 characters (https://info.arxiv.org/help/prep.html#abstracts);
# anything much longer is not arXiv metadata, and pylatexenc is recursive and slow on large
# pathological input (a 20,000-backslash string takes ~0.2 s), so such text is shown raw.
LATEX_INPUT_MAX: Final = 10_000

# Only text with a macro or math shift is worth parsing; everything else passes untouched
# (so "C++", "50%" and "3--5 day periods" in plain abstracts stay exactly as written).
_LOOKS_LIKE_LATEX: Final = re.compile(r"[\\$]")
# A character not already escaped: preceded by an even number of backslashes.
_UNESCAPED = r"(?<!\\)((?:\\\\)*)"
_BARE_PERCENT_OR_AMP: Final = re.compile(_UNESCAPED + r"([%&])")
_BARE_DOLLAR: Final = re.compile(_UNESCAPED + r"\$")
# `~` is a non-breaking space between words ("set of~$X$") but "about" before a number
# (" ~10 times"); keep the latter as a tilde.
_APPROX_TILDE: Final = re.compile(r"(?:(?<=\s)|^)~")


# The same paper is rendered once per channel and subscriber it goes to, and parsing costs
# ~7 µs a character (13 ms for a LaTeX-heavy abstract): remember recent results.
@functools.lru_cache(maxsize=1_024)
def latex_to_unicode(text: str) -> str:
    """Return `text` with its LaTeX rendered as Unicode, or unchanged if it has none.

    Never raises: on any parser error, or input too large to parse safely, the raw text
    is returned, which is still readable.
    """
    if len(text) > LATEX_INPUT_MAX or not _LOOKS_LIKE_LATEX.search(text):
        return text
    try:
        return str(_converter().latex_to_text(_protect_plain_text(text)))
    except Exception:  # pylatexenc raises IndexError, RecursionError, ... on odd input
        log.debug("LaTeX left as is: pylatexenc failed on %.80r", text, exc_info=True)
        return text


def _protect_plain_text(text: str) -> str:
    """Escape the characters that mean something to LaTeX but not to the author."""
    text = _BARE_PERCENT_OR_AMP.sub(r"\1\\\2", text)
    if len(_BARE_DOLLAR.findall(text)) % 2:
        # An odd number of `$` cannot be math ("awarded $35,000 in total"): keep them all.
        text = _BARE_DOLLAR.sub(r"\1\\$", text)
    return _APPROX_TILDE.sub(r"\\textasciitilde{}", text)


@functools.cache
def _converter() -> Any:
    """Build the converter once: pylatexenc's macro table takes ~0.3 ms to assemble.

    The converter holds configuration only (each call parses with a fresh walker), so
    sharing it is safe; it is a cache, not a resource.
    """
    context = get_default_latex_context_db()
    context.add_context_category(
        "arxiv-digest",
        macros=[MacroTextSpec("colon", simplify_repl=":")],  # `f\colon X \to Y`
        prepend=True,
    )
    return LatexNodes2Text(latex_context=context, math_mode="text")
