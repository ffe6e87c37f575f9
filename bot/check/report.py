"""The checklist `check` prints: one line per item, marked, printed as soon as it is known."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from typing import TextIO


class Mark(enum.Enum):
    """How an item came out. Only FAIL makes `check` exit 1."""

    OK = "✓"
    FAIL = "✗"
    #: Works, but an optional part is off (no Anthropic key: abstracts instead of summaries).
    NOTE = "!"
    #: Not checked, because an item it depends on failed (that item says why).
    SKIP = "–"


#: Marks for an output that cannot show the symbols above (an ASCII-only terminal).
ASCII = {Mark.OK: "ok", Mark.FAIL: "FAIL", Mark.NOTE: "note", Mark.SKIP: "skip"}


@dataclasses.dataclass(frozen=True, slots=True)
class Line:
    """One item: its mark, its name, and what was found (and, if it failed, what to do)."""

    mark: Mark
    item: str
    text: str


class Checklist:
    """Print lines as they come; count them; say at the end how it went."""

    def __init__(self, out: TextIO, *, mask: Callable[[str], str] = lambda text: text) -> None:
        self._out = out
        self._mask = mask  # secrets never reach the output, whatever an error message holds
        self.lines: list[Line] = []
        self._symbols = {mark: mark.value for mark in Mark}
        try:  # an in-memory stream has no encoding: it holds any text
            "".join(self._symbols.values()).encode(out.encoding or "utf-8")
        except (UnicodeEncodeError, LookupError):
            self._symbols = dict(ASCII)

    def add(self, mark: Mark, item: str, text: str) -> None:
        """Print one line now: `✓ item: text`."""
        line = Line(mark, item, " ".join(text.split()))
        self.lines.append(line)
        self._out.write(self._mask(f"{self._symbols[mark]} {line.item}: {line.text}") + "\n")
        self._out.flush()

    @property
    def failed(self) -> int:
        """Return how many items failed."""
        return sum(line.mark is Mark.FAIL for line in self.lines)

    def finish(self) -> int:
        """Print the verdict; return the exit code (0 when nothing failed, else 1)."""
        checked = sum(line.mark is not Mark.SKIP for line in self.lines)
        if self.failed:
            verdict = f"{self.failed} of {checked} checks failed: fix them and run check again."
        else:
            verdict = f"all {checked} checks passed."
        self._out.write(self._mask(verdict) + "\n")
        self._out.flush()
        return 1 if self.failed else 0
