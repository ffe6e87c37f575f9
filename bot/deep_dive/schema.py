"""The deep dive's output schema, and the checks its text must pass before anyone sees it.

A deep dive is written from the paper's PDF, which the bot itself never reads: Claude fetches
it from arXiv. So the numbers cannot be checked against the source the way a summary's are
against the abstract; instead every key number must say where in the paper it is reported
(section, table, figure), so a reader can check it. What is checked is what an injection in
the PDF would try (README, "Deep dives"): no mentions ever, no links or instruction-like text
that the paper's own metadata (title, abstract, comment) does not have.

The lengths fit one Discord embed (6,000 characters in all): 500 + 3 x 1,000 + 700 for the
sections and 6 x (120 + 60) for the key numbers.
"""

from __future__ import annotations

from typing import Any

from anthropic import transform_schema
from pydantic import BaseModel, ConfigDict, Field

from bot.summarize.schema import injection_problems

OVERVIEW_MAX = 500
SECTION_MAX = 1_000
LIMITATIONS_MAX = 700
KEY_NUMBERS_MAX = 6
VALUE_MAX = 120
SOURCE_MAX = 60


# The docstrings and field descriptions below are sent to the model as part of the schema.
class KeyNumberOutput(BaseModel):
    """One number the paper reports, and where."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    value: str = Field(
        min_length=1,
        max_length=VALUE_MAX,
        description="The number with its unit and what it measures, as the paper reports it.",
    )
    source: str = Field(
        min_length=1,
        max_length=SOURCE_MAX,
        description="Where the paper reports it: a section, table, figure or page.",
    )


class DeepDiveOutput(BaseModel):
    """A full-text reading of one arXiv paper, written only from the paper given."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    overview: str = Field(
        min_length=1, max_length=OVERVIEW_MAX, description="What the paper does and finds."
    )
    method: str = Field(
        min_length=1, max_length=SECTION_MAX, description="How the method works, concretely."
    )
    experiments: str = Field(
        min_length=1,
        max_length=SECTION_MAX,
        description="The experimental setup: data, baselines, metrics, and what was compared.",
    )
    limitations: str = Field(
        min_length=1,
        max_length=LIMITATIONS_MAX,
        description="Limitations the authors state, and clear gaps in the evaluation.",
    )
    key_numbers: list[KeyNumberOutput] = Field(
        max_length=KEY_NUMBERS_MAX,
        description="The paper's most important reported numbers (none for a paper without).",
    )


def deep_dive_json_schema() -> dict[str, Any]:
    """Return the schema as the API takes it (the SDK's own transform)."""
    return transform_schema(DeepDiveOutput)


def deep_dive_problems(output: DeepDiveOutput, source: str) -> list[str]:
    """Return why `output` cannot be shown (empty when it can); `source` is the metadata."""
    problems: list[str] = []
    for name in ("overview", "method", "experiments", "limitations"):
        problems += injection_problems(name, getattr(output, name), source)
    for index, number in enumerate(output.key_numbers, start=1):
        problems += injection_problems(f"key_numbers[{index}].value", number.value, source)
        problems += injection_problems(f"key_numbers[{index}].source", number.source, source)
    return problems
