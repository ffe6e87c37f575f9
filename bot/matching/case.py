"""Keywords whose case counts: what a keyword asks of the capitals of the text it matches.

A word of a keyword typed with two or more capitals (`CLIP`, `MoE`, the `KV` of `KV cache`)
matches that case only (README "Keywords"); the others match any case. The index matches
in lower case and then checks, on the same text with its case kept, the capitals a form
asks for.
"""

from __future__ import annotations

from bot.matching.keywords import Term

# Words whose case counts, as (where in the joined form it starts, the text it must show).
CaseChecks = tuple[tuple[int, str], ...]


def case_checks(term: Term, stem_end: int) -> CaseChecks:
    """Return the case checks of a term's form whose ending starts at `stem_end`.

    A word written with two or more capitals must show them; its ending may vary (`LLMs`
    also finds "LLM"), so the check covers only what the form shares with the keyword.
    """
    if not term.case_sensitive:
        return ()
    checks = []
    offset = 0
    for token, written in zip(term.tokens, term.case_sensitive, strict=True):
        if written and offset < stem_end:
            checks.append((offset, written[: stem_end - offset]))
        offset += len(token)
    return tuple(checks)


def case_fits(checks: CaseChecks, cased: str) -> bool:
    """Return whether text (its tokens joined, case kept) shows the capitals a form asks for."""
    return all(cased.startswith(text, offset) for offset, text in checks)


def same_case(written: str, seen: str) -> bool:
    """Return whether a phrase word whose case counts (`written`, or "") is `seen` as written."""
    if not written:
        return True
    common = min(len(written), len(seen))
    return written[:common] == seen[:common]
