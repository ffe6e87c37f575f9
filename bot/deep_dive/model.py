"""What a deep dive is, and what asking for one comes to."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import FallbackReason


@dataclass(frozen=True, slots=True)
class KeyNumber:
    """A number the paper reports (`value`, with its unit and meaning) and where (`source`)."""

    value: str
    source: str


@dataclass(frozen=True, slots=True)
class DeepDive:
    """Claude's full-text reading of one paper version in one language."""

    overview: str
    method: str
    experiments: str
    limitations: str
    key_numbers: tuple[KeyNumber, ...]
    model: str
    language: str


@dataclass(frozen=True, slots=True)
class DeepDiveOutcome:
    """A deep dive, or the reason there is none (exactly one), as for summaries."""

    deep_dive: DeepDive | None = None
    fallback: FallbackReason | None = None

    def __post_init__(self) -> None:
        if (self.deep_dive is None) == (self.fallback is None):
            raise ValueError("a DeepDiveOutcome holds either a deep dive or a fallback reason")
