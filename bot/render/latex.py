"""Turn arXiv titles, abstracts and names into the text readers should see.

arXiv stores titles and abstracts as their authors typed them: `$\\Gamma$-converge`,
`Andr\\'e`, `\\emph{oracle problem}`, `$T^{3/4}$`, `\\href{url}{our code}`, `25\\%`. Readers
on Discord should see `Γ-converge`, `André`, `oracle problem`, `T^(3/4)`, `our code`, `25%`.
`readable_text` is the one conversion: the renderer shows its result and the keyword matcher
matches on it, so a keyword finds what readers see (`$\\textbf{Freq}$uency` is "Frequency").

Most abstracts are not LaTeX documents, so the parser here is forgiving where LaTeX is strict:
a bare `%` ("16-20% in English") is a percent sign, not a comment; `&` and `#` are
themselves; a lone `$` ("awarded $35,000") is a dollar; an unknown macro (`\\Ours`, an
author's own) shows its name, or its argument if it has one (`\\rev{text}`: "text"); unbalanced
braces end where the text or the formula ends. Symbols come from pylatexenc's table
(latex_tables.py).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from typing import Final

from bot.render.latex_tables import (
    ACCENTS,
    ARGUMENTS,
    DECLARATIONS,
    SCRIPT_DIGITS,
    SUBSCRIPTS,
    SUPERSCRIPTS,
    Arg,
    alphabet_letter,
    symbols,
)

# arXiv caps abstracts at 1,920 characters (https://info.arxiv.org/help/prep.html#abstracts);
# anything much longer is not arXiv metadata and is shown as it is.
LATEX_INPUT_MAX: Final = 10_000
# Deeper brace nesting than this is not LaTeX anyone wrote: further braces are ignored.
_MAX_DEPTH: Final = 50

# Zero-width characters, bidirectional controls and the soft hyphen: invisible, so readers
# see "Survey" where the text holds "S\u200burvey", and a keyword must match it too.
# All of them are format characters (Unicode category Cf, and U+2065 unassigned), which
# `str.isprintable` rejects: a printable text has none, and that test is far faster.
_INVISIBLE: Final = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# Formulas: `$...$` where the first `$` has no space after it and the last none before it
# and no digit after it (pandoc's rule, which keeps "costs $5 and $10" as dollars), `$$...$$`,
# `\(...\)` and `\[...\]`.
_MATH: Final = re.compile(
    # Each branch starts with its delimiter, so the engine skips ahead to a `$` or `\`;
    # the lookbehind after it checks that the `$` is not an escaped `\$`; a formula's text is
    # taken a run of plain characters at a time (`++`), not a character at a time.
    r"\$\$(?<!\\\$\$)(?P<display>.+?)(?<!\\)\$\$"
    r"|\$(?<!\\\$)(?!\s)(?P<inline>(?:[^$\\]++|\\.)+?)(?<![\s\\])\$(?!\d)"
    r"|\\\((?P<paren>.+?)\\\)"
    r"|\\\[(?P<bracket>.+?)\\\]",
    re.DOTALL,
)
# `~` is a non-breaking space between words ("set of~$X$") but "about" before a number
# (" ~10 times"); keep the latter as a tilde.
# (`~` first, a lookbehind after: the engine then jumps from `~` to `~`.)
_APPROX_TILDE: Final = re.compile(r"~(?<!\S~)")
# Tokens: a backslash starts a macro (`\\alpha`, `\\section*`: this follows it), a control
# symbol (`\\%`, `\\'`) or, last in the text, stands alone; each of these characters is one
# token; text is everything between.
_MACRO_NAME: Final = re.compile(r"[A-Za-z]+\*?")
_SPECIAL_KIND: Final = {"{": "open", "}": "close", "^": "sup", "_": "sub", "~": "tilde"}
_TYPOGRAPHY: Final = re.compile(r"---|--|``|''")
# A formula longer than this is rendered afresh each time (see `_formula`).
_FORMULA_REMEMBERED_MAX: Final = 200
# The characters that need parsing: each starts a token (see `_tokens`).
_SPECIAL: Final = ("\\", "{", "}", "^", "_", "~")
_TYPOGRAPHY_TEXT: Final = {"---": "—", "--": "–", "``": "“", "''": "”"}
_SIMPLE_SCRIPT: Final = re.compile(r"√?[\w.′*⋆†∗⊤⊥∞]+")
_DOTLESS: Final = {"ı": "i", "ȷ": "j"}  # an accent goes on the plain letter: \'{\i} is í


def readable_text(text: str) -> str:
    """Return `text` as readers see it: invisible characters removed, LaTeX as Unicode.

    The renderer shows this text and the matcher matches keywords on it.
    """
    if "\\" in text or "$" in text:
        return _readable(text)
    return _visible(text)  # most titles and abstracts: no LaTeX


@functools.lru_cache(maxsize=4_096)
def _readable(text: str) -> str:
    """Return `readable_text` of text with LaTeX; remembered, as `latex_to_unicode`."""
    return latex_to_unicode.__wrapped__(_visible(text))


def _visible(text: str) -> str:
    """Return `text` without its invisible characters."""
    if text.isascii() or text.isprintable():
        return text  # no invisible character (see _INVISIBLE)
    return _INVISIBLE.sub("", text)


# The same paper is matched once and rendered once per channel and subscriber it goes to:
# remember recent results.
@functools.lru_cache(maxsize=1_024)
def latex_to_unicode(text: str) -> str:
    """Return `text` with its LaTeX rendered as Unicode, or unchanged if it has none.

    Never raises and never returns a backslash command for arXiv text (see the module
    docstring); input too large to be arXiv metadata is returned as it is.
    """
    # Only text with a macro or math shift is worth parsing; everything else passes untouched
    # (so "C++", "50%" and "3--5 day periods" in plain abstracts stay exactly as written).
    if len(text) > LATEX_INPUT_MAX or ("\\" not in text and "$" not in text):
        return text
    if "~" in text:
        text = _APPROX_TILDE.sub(r"\\textasciitilde{}", text)
    pieces: list[str] = []
    end = 0
    for formula in _formulas(text):
        pieces.append(_render_text(text[end : formula.start()]))
        pieces.append(_render_formula(formula[formula.lastindex or 0]))  # the group that matched
        end = formula.end()
    pieces.append(_render_text(text[end:]))
    return "".join(pieces)


def _formulas(text: str) -> Iterator[re.Match[str]]:
    """Yield the formulas of `text`, as `_MATH.finditer(text)` would, but faster.

    A formula starts with `$` or `\\`, so only there is `_MATH` tried: finding those with
    `str.find` skips the words between them many times faster than the regex engine can.
    """
    dollar = text.find("$")
    backslash = text.find("\\")
    while dollar >= 0 or backslash >= 0:
        at = dollar if backslash < 0 or 0 <= dollar < backslash else backslash
        formula = _MATH.match(text, at)  # its lookbehinds still see the text before `at`
        if formula is None:
            resume = at + 1
        else:
            yield formula
            resume = formula.end()
        if 0 <= dollar < resume:
            dollar = text.find("$", resume)
        if 0 <= backslash < resume:
            backslash = text.find("\\", resume)


def _render_formula(body: str) -> str:
    """Return the formula `body` (its text between the delimiters) rendered."""
    if _is_plain(body):
        return body  # `k`, `n=13`, `0.5`: math mode keeps plain characters as they are
    if len(body) > _FORMULA_REMEMBERED_MAX:
        return _Parser(body).render(math=True)
    return _formula(body)


# Abstracts repeat their formulas (`$\\times$`, `$\\mathcal{O}(n)$`) and one another's: remember
# how recent ones read (short ones: a long formula seldom comes back, and this keeps what is
# remembered small). A formula is rendered in math mode only, so its text is the key.
@functools.lru_cache(maxsize=4_096)
def _formula(body: str) -> str:
    """Return `_render_formula` of a short formula that needs parsing; remembered."""
    return _Parser(body).render(math=True)


def _is_plain(text: str) -> bool:
    """Return whether `text` has none of the characters that need parsing."""
    # `in` finds a character many times faster than a regex scan does.
    return not (
        "\\" in text or "{" in text or "}" in text or "^" in text or "_" in text or "~" in text
    )


def _render_text(text: str) -> str:
    """Render a stretch of text outside formulas (most of it plain words: no parsing)."""
    if _is_plain(text):
        if "--" in text or "``" in text or "''" in text:
            return _TYPOGRAPHY.sub(_typography, text)
        return text
    return _Parser(text).render(math=False)


def _tokens(text: str) -> list[list[str]]:
    """Split `text` into [kind, value] tokens: text, macro, symbol, other, or a `_SPECIAL_KIND`.

    The characters that start a token other than text are found with `str.find`, far
    faster than a regex engine walking the long runs of words between them.
    """
    starts = []
    for char in _SPECIAL:
        at = text.find(char)
        while at >= 0:
            starts.append(at)
            at = text.find(char, at + 1)
    starts.sort()
    tokens = []
    end = 0
    for at in starts:
        if at < end:
            continue  # the second character of a control symbol: `\{`, `\\`, `\^`
        if at > end:
            tokens.append(["text", text[end:at]])
        char = text[at]
        if char != "\\":
            tokens.append([_SPECIAL_KIND[char], char])
            end = at + 1
            continue
        name = _MACRO_NAME.match(text, at + 1)
        if name is not None:
            end = name.end()
            tokens.append(["macro", text[at:end]])
        elif at + 1 < len(text):
            end = at + 2
            tokens.append(["symbol", text[at:end]])
        else:
            end = at + 1
            tokens.append(["other", char])  # a backslash that ends the text
    if end < len(text):
        tokens.append(["text", text[end:]])
    return tokens


class _Parser:
    """Render one stretch of text, or one formula, token by token."""

    def __init__(self, text: str) -> None:
        # [kind, value]; a text token's value shrinks when a macro takes its first character.
        self._tokens = _tokens(text)
        self._pos = 0
        # Every token is a piece of `text`: without a dash or quote pair in it, none has one.
        self._typography = "--" in text or "``" in text or "''" in text

    def render(self, math: bool) -> str:
        """Return the whole stretch rendered; a stray `}` is dropped."""
        pieces = []
        while self._pos < len(self._tokens):
            pieces.append(self._sequence(math, depth=0))
            self._pos += 1  # a `}` that closes nothing
        return "".join(pieces)

    def _sequence(self, math: bool, depth: int) -> str:
        """Render tokens up to (not including) the `}` that ends this group, or the end."""
        out: list[str] = []
        tokens = self._tokens
        while self._pos < len(tokens):
            kind, value = tokens[self._pos]
            if kind == "close":
                return "".join(out)
            self._pos += 1
            if kind == "text":
                if math or not self._typography:
                    out.append(value)
                else:
                    out.append(_TYPOGRAPHY.sub(_typography, value))
            elif kind == "open":
                out.append(self._group(math, depth + 1))
            elif kind in ("sup", "sub") and math:
                out.append(_script(self._argument(math, depth), superscript=kind == "sup"))
            elif kind == "tilde":
                out.append(" " if math else "\u00a0")
            elif kind == "macro":
                out.append(self._macro(value[1:].rstrip("*"), math, depth))
            elif kind == "symbol":
                out.append(self._control_symbol(value[1], math, depth))
            else:  # `^`, `_` in text, a trailing lone backslash
                out.append(value)
        return "".join(out)

    def _group(self, math: bool, depth: int) -> str:
        """Render a `{...}` group whose `{` was just read; consume its `}`."""
        if depth > _MAX_DEPTH:
            return ""
        inner = self._sequence(math, depth)
        if self._pos < len(self._tokens):
            self._pos += 1  # the `}`
        return inner

    def _skip_spaces(self) -> None:
        """Move past the spaces ahead (LaTeX skips them before an argument)."""
        tokens = self._tokens
        while self._pos < len(tokens) and tokens[self._pos][0] == "text":
            token = tokens[self._pos]
            token[1] = token[1].lstrip()
            if token[1]:
                return
            self._pos += 1

    def _argument(self, math: bool, depth: int) -> str:
        """Read one macro argument: a group, a macro, or the next single character."""
        tokens = self._tokens
        self._skip_spaces()
        if self._pos >= len(tokens):
            return ""
        token = tokens[self._pos]
        kind, value = token
        if kind == "close":
            return ""
        self._pos += 1
        if kind == "open":
            return self._group(math, depth + 1)
        if kind == "macro":
            return self._macro(value[1:].rstrip("*"), math, depth)
        if kind == "symbol":
            return self._control_symbol(value[1], math, depth)
        if kind == "text" and len(value) > 1:
            token[1] = value[1:]  # `x^23` raises only the 2, as LaTeX does
            self._pos -= 1
            return value[0]
        return " " if kind == "tilde" else value

    def _next_is_group(self) -> bool:
        """Return whether the next token, spaces skipped, opens a group."""
        pos = self._pos
        tokens = self._tokens
        while pos < len(tokens) and tokens[pos][0] == "text" and tokens[pos][1].isspace():
            pos += 1
        return pos < len(tokens) and tokens[pos][0] == "open"

    def _optional(self) -> str:
        """Read an optional `[...]` argument (`\\sqrt[3]{x}`) if one follows."""
        tokens = self._tokens
        if self._pos < len(tokens) and tokens[self._pos][0] == "text":
            value = tokens[self._pos][1]
            if value.startswith("[") and "]" in value:
                inside, rest = value[1:].split("]", 1)
                if rest:
                    tokens[self._pos][1] = rest
                else:
                    self._pos += 1
                return inside
        return ""

    def _control_symbol(self, char: str, math: bool, depth: int) -> str:
        """Render `\\%`, `\\,`, `\\'e` and the like."""
        if char in ACCENTS:
            return _accent(self._argument(math, depth), ACCENTS[char], each=False)
        return symbols().get(char, char)

    def _macro(self, name: str, math: bool, depth: int) -> str:
        """Render one macro, reading its arguments."""
        kind = ARGUMENTS.get(name)
        if kind is not None:
            return self._with_arguments(name, kind, math, depth)
        if name in ACCENTS:
            if len(name) == 1 and not self._next_is_group() and self._at_end_of_word():
                return name  # `$\H$`: an author's macro that shares an accent's name
            return _accent(self._argument(math, depth), ACCENTS[name], each=len(name) > 1)
        if name in DECLARATIONS:
            self._skip_spaces()  # `{\it fragile}`: LaTeX eats the space after a declaration
            return ""
        symbol = symbols().get(name)
        if symbol is not None:
            return symbol
        # An author's own macro: its argument if it has one (`\rev{text}`), else its name.
        if self._next_is_group():
            argument = self._argument(math, depth)
            return argument if argument.strip() else name
        return name

    def _at_end_of_word(self) -> bool:
        """Return whether nothing a one-letter accent could take follows (`\\H$`, `\\H.`)."""
        if self._pos >= len(self._tokens):
            return True
        kind, value = self._tokens[self._pos]
        return kind == "close" or (kind == "text" and not value[0].isalpha())

    def _with_arguments(self, name: str, kind: Arg, math: bool, depth: int) -> str:
        """Render a macro that takes arguments (see latex_tables.Arg)."""
        if kind is Arg.KEEP:
            return self._argument(False, depth)
        if kind is Arg.KEEP_MATH:
            return self._argument(math, depth)
        if kind is Arg.SECOND:
            first = self._argument(False, depth)
            second = self._argument(False, depth) if self._next_is_group() else ""
            return second if second.strip() else first
        if kind is Arg.DROP:
            self._argument(math, depth)
            return ""
        if kind is Arg.SQRT:
            index = self._optional()
            radicand = _wrapped(self._argument(True, depth))
            return {"": "√", "3": "∛", "4": "∜"}.get(index, f"{index}√") + radicand
        if kind is Arg.ALPHABET:
            argument = self._argument(True, depth)
            return "".join(alphabet_letter(name, char) for char in argument)
        argument = self._argument(math and kind is not Arg.FOOTNOTE, depth)
        if kind is Arg.FRAC:
            return f"{_wrapped(argument)}/{_wrapped(self._argument(True, depth))}"
        if kind is Arg.BINOM:
            return f"({argument} choose {self._argument(True, depth)})"
        if kind is Arg.PMOD:
            return f"(mod {argument})"
        if kind is Arg.FOOTNOTE:
            return f" ({argument.strip()})"
        if kind is Arg.QUOTE:
            return f"“{argument}”"
        if kind is Arg.CITE:
            return f"[{argument}]"
        return argument  # Arg.REF: the label as written


def _typography(match: re.Match[str]) -> str:
    """Return the dash or quote that `--`, `---`, ``` `` ``` or `''` stands for in text."""
    return _TYPOGRAPHY_TEXT[match.group()]


def _accent(argument: str, mark: str, *, each: bool) -> str:
    """Put `mark` on the first letter of `argument` (on every one for a math accent)."""
    if not argument.strip():
        return mark.strip() or ""
    if each:
        marked = "".join(_DOTLESS.get(c, c) + mark if not c.isspace() else c for c in argument)
    else:
        marked = _DOTLESS.get(argument[0], argument[0]) + mark + argument[1:]
    return unicodedata.normalize("NFC", marked)  # é as one character, as typed text has it


def _script(argument: str, *, superscript: bool) -> str:
    """Render a superscript or subscript: `²`, `^T`, `^(3/4)` (grouping kept)."""
    argument = argument.strip()
    if argument and set(argument) <= SCRIPT_DIGITS and any(c.isdigit() for c in argument):
        return argument.translate(SUPERSCRIPTS if superscript else SUBSCRIPTS)
    if argument and set(argument) <= {"′"}:
        return argument  # f^\prime: f′
    mark = "^" if superscript else "_"
    return mark + _wrapped(argument)


def _wrapped(argument: str) -> str:
    """Return `argument` as is if it reads as one unit (`d`, `2.5`, `θ`), else in parentheses."""
    argument = argument.strip()
    if _SIMPLE_SCRIPT.fullmatch(argument) or not argument:
        return argument
    return f"({argument})"
