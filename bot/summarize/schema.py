"""The summary's output schema and the checks its text must pass before anyone sees it.

Claude's answer is untrusted twice over: it is model output, and it was written while reading
untrusted paper text. Output that is not a summary of the paper (docs/behaviour.md, "Summaries")
(instructions followed, links or mentions invented, numbers not in the source) is rejected.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from anthropic import transform_schema
from pydantic import BaseModel, ConfigDict, Field

TLDR_MAX = 400
SECTION_MAX = 600


# The docstring and field descriptions below are sent to the model as part of the schema.
class SummaryOutput(BaseModel):
    """A short summary of one arXiv paper, written only from the paper text given."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    tldr: str = Field(
        min_length=1,
        max_length=TLDR_MAX,
        description="One or two sentences: the main contribution and its key numbers.",
    )
    motivation: str = Field(
        min_length=1, max_length=SECTION_MAX, description="The problem and why it matters."
    )
    method: str = Field(
        min_length=1, max_length=SECTION_MAX, description="What the authors did or built."
    )
    results: str = Field(
        min_length=1, max_length=SECTION_MAX, description="What they found, with numbers."
    )


def output_json_schema() -> dict[str, Any]:
    """Return the schema as the API takes it (the SDK's own transform, as `messages.parse` does)."""
    return transform_schema(SummaryOutput)


# -- checks against the source ---------------------------------------------------------------

_URL = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>()\[\]]+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|org|net|io|ai|gg|ly|xyz|app|dev|info|biz|ru|cn)\b"
    r"(?:/[^\s<>()\[\]]*)?",
    re.IGNORECASE,
)
# Discord mention syntax (https://discord.com/developers/docs/reference#message-formatting).
_MENTION = re.compile(r"@(?:everyone|here)\b|<@[!&]?\d+>|<#\d+>|<@&?\d*", re.IGNORECASE)
_INSTRUCTION = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\b(?:ignore|disregard|forget)\b[^.]{0,40}\b(?:previous|prior|above|earlier|preceding)\b"
        r"[^.]{0,20}\b(?:instructions?|prompts?|messages?|rules)\b",
        r"\bsystem prompt\b",
        r"\b(?:new|updated|real) instructions\b",
        r"\byou are now\b",
        r"\bas an ai\b",
        r"\bI(?:'m| am) sorry\b",
        r"\b(?:click|visit|join|follow) (?:this|the|my|our) (?:link|server|channel)\b",
    )
)
_STRIP_CHARS = re.compile(r"[.,;:!?)\]}>\"']+$")

_NUMBER = re.compile(
    r"(?<![\w.,])"  # not the tail of an identifier (F1, Llama3) or of another number
    r"(?P<int>\d{1,3}(?:[,\u2009\u202f\u00a0]\d{3})+|\d+)"
    r"(?:(?P<sep>[.,])(?P<frac>\d+))?"
    r"(?!\d|[.,]\d)"
    r"\s?(?P<suffix>[kmb](?![a-z])|thousand|million|billion)?",
    re.IGNORECASE,
)
# fmt: off
_SMALL_NUMBER_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)
# fmt: on
_WORD_NUMBERS = {word: Decimal(value) for value, word in enumerate(_SMALL_NUMBER_WORDS)} | {
    "thirty": Decimal(30),
    "forty": Decimal(40),
    "fifty": Decimal(50),
    "hundred": Decimal(100),
    "thousand": Decimal(1000),
    "twice": Decimal(2),
    "double": Decimal(2),
    "half": Decimal("0.5"),
}
_MULTIPLIERS = {
    "k": Decimal(1000),
    "thousand": Decimal(1000),
    "m": Decimal(10**6),
    "million": Decimal(10**6),
    "b": Decimal(10**9),
    "billion": Decimal(10**9),
}


def normalize_text(text: str) -> str:
    """Return `text` in NFKC without invisible format characters (zero-width spaces and such).

    Checks run on this form so that `@every\u200bone` or full-width letters do not slip by.
    """
    folded = unicodedata.normalize("NFKC", text)
    if folded.isascii():  # no format character is ASCII: most abstracts stop here
        return folded
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")


def output_problems(output: SummaryOutput, source: str) -> list[str]:
    """Return why `output` is not a faithful summary of `source` (empty when it is).

    URLs and instruction-like phrases pass only when the source has them too. Mentions never
    pass: no summary needs one, and one that quotes the source's `@everyone` is doing the
    injection's work for it. Every number must come from the source.
    """
    source_norm = normalize_text(source)
    source_lower = source_norm.casefold()
    known = _number_values(source_norm)  # once for all fields
    problems: list[str] = []
    for field_name, value in output.model_dump().items():
        text = normalize_text(value)
        problems += [f"{field_name}: mention {m!r}" for m in _MENTION.findall(text)]
        for url in _URL.findall(text):
            if _STRIP_CHARS.sub("", url).casefold() not in source_lower:
                problems.append(f"{field_name}: link {url!r} not in the source")
        for pattern in _INSTRUCTION:
            found = pattern.search(text)
            if found and not pattern.search(source_norm):
                problems.append(f"{field_name}: instruction-like text {found.group(0)!r}")
        missing = _numbers_not_known(text, known)
        if missing:
            problems.append(f"{field_name}: numbers not in the source: {', '.join(missing)}")
    return problems


def numbers_not_in_source(text: str, source: str) -> list[str]:
    """Return the numbers written in `text` that the source does not contain.

    "1,000" equals "1000", "93.5%" equals "93.5 %", "8B" equals "8 billion", and a rounded
    figure ("93.5" for "93.47") counts as the source's number.
    """
    return _numbers_not_known(text, _number_values(source))


def _numbers_not_known(text: str, known: set[Decimal]) -> list[str]:
    """Return the numbers written in `text` that are not among the `known` values."""
    missing = []
    for match in _NUMBER.finditer(text):
        readings = _readings(match)
        if not any(all(_known(value, known) for value in reading) for reading in readings):
            missing.append(match.group(0).strip())
    return missing


def _number_values(source: str) -> set[Decimal]:
    """Return every numeric value the source states, in digits or as a small number word."""
    values: set[Decimal] = set()
    for match in _NUMBER.finditer(source):
        for reading in _readings(match):
            values.update(reading)
    for word in re.findall(r"[a-z]+", source.casefold()):
        if word in _WORD_NUMBERS:
            values.add(_WORD_NUMBERS[word])
    return values


def _readings(match: re.Match[str]) -> list[list[Decimal]]:
    """Return the plausible readings of one number token, each a list of values.

    "93,5" may be a decimal comma (93.5) or a list (93 and 5); "1.000" may be one or a
    thousand (German grouping); "8B" may be 8 or 8e9.
    """
    whole = re.sub(r"[,\u2009\u202f\u00a0]", "", match.group("int"))
    sep, frac, suffix = match.group("sep"), match.group("frac"), match.group("suffix")
    readings: list[list[Decimal]] = []
    if frac is None:
        readings.append([Decimal(whole)])
    else:
        readings.append([_decimal(f"{whole}.{frac}")])
        if sep == ",":
            readings.append([Decimal(whole), Decimal(frac)])
        if len(frac) == 3:
            readings.append([Decimal(whole + frac)])
    if suffix:
        factor = _MULTIPLIERS[suffix.casefold()]
        readings += [[value * factor for value in reading] for reading in list(readings)]
    return readings


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex only lets digits through
        return Decimal(0)


def _known(value: Decimal, known: set[Decimal]) -> bool:
    """Return whether `value` is a source number, as written or rounded to its precision."""
    if value in known:
        return True
    exponent = value.as_tuple().exponent
    places = Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0)
    for source in known:
        if abs(source - value) >= 1:
            continue
        try:
            if value in (
                source.quantize(places, rounding=ROUND_HALF_UP),
                source.quantize(places, rounding=ROUND_DOWN),
            ):
                return True
        except InvalidOperation:  # more digits than Decimal's precision: not a rounding
            continue
    return False


def injection_problems(field_name: str, text: str, source: str) -> list[str]:
    """Return what in `text` an injection could have put there (empty when nothing).

    The link, mention and instruction checks of `output_problems`, without the number check:
    for text written from a source the bot does not hold (a deep dive reads the PDF), with
    `source` the part it does hold (title, abstract, comment).
    """
    source_norm = normalize_text(source)
    source_lower = source_norm.casefold()
    value = normalize_text(text)
    problems = [f"{field_name}: mention {m!r}" for m in _MENTION.findall(value)]
    for url in _URL.findall(value):
        if _STRIP_CHARS.sub("", url).casefold() not in source_lower:
            problems.append(f"{field_name}: link {url!r} not in the source")
    for pattern in _INSTRUCTION:
        found = pattern.search(value)
        if found and not pattern.search(source_norm):
            problems.append(f"{field_name}: instruction-like text {found.group(0)!r}")
    return problems
