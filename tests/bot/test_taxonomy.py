"""arXiv categories as people type them: validation, canonical case, autocomplete."""

from __future__ import annotations

import re

import pytest

from bot.arxiv.taxonomy import (
    CATEGORIES,
    CATEGORY_NAMES,
    archive_of,
    normalize_categories,
    suggest,
)
from bot.errors import InvalidCategoryError, UserInputError


@pytest.mark.parametrize(
    "category",
    [
        "cs.CL", "cs.LG", "cs.AI", "math.AP", "hep-th", "quant-ph", "gr-qc", "math-ph",
        "astro-ph.GA", "cond-mat.str-el", "physics.flu-dyn", "nlin.CD", "q-bio.NC",
        "q-fin.TR", "stat.ML", "econ.EM", "eess.IV", "nucl-th",
    ],
)  # fmt: skip
def test_current_categories_are_known(category: str) -> None:
    assert category in CATEGORIES


def test_every_category_has_the_taxonomy_shape() -> None:
    shape = re.compile(r"[a-z]+(-[a-z]+)?(\.([A-Z]{2}|[a-z]+(-[a-z]+)?))?")
    assert [c for c in CATEGORIES if not shape.fullmatch(c)] == []


def test_every_category_has_a_name() -> None:
    assert all(CATEGORY_NAMES[c] for c in CATEGORIES)


def test_lookup_ignores_case_and_returns_canonical_case() -> None:
    assert normalize_categories("CS.cl") == ("cs.CL",)


def test_subject_class_with_hyphen_is_canonicalized() -> None:
    assert normalize_categories("COND-MAT.STR-EL") == ("cond-mat.str-el",)


def test_comma_and_space_separated_string_is_split() -> None:
    assert normalize_categories("cs.CL, cs.LG hep-th") == ("cs.CL", "cs.LG", "hep-th")


def test_separate_words_are_accepted() -> None:
    assert normalize_categories(["cs.CL", "math.ap,stat.ML"]) == ("cs.CL", "math.AP", "stat.ML")


def test_duplicates_are_dropped_keeping_first_order() -> None:
    assert normalize_categories("cs.LG cs.CL cs.lg") == ("cs.LG", "cs.CL")


def test_unknown_category_names_itself_and_gives_examples() -> None:
    with pytest.raises(InvalidCategoryError) as error:
        normalize_categories("cs.CL cs.XX")
    assert str(error.value) == (
        "unknown arXiv category 'cs.XX' (expected e.g. cs.CL, hep-th, math.AP)"
    )


def test_unknown_category_is_a_user_input_error() -> None:
    with pytest.raises(UserInputError):
        normalize_categories("machine-learning")


@pytest.mark.parametrize("raw", ["", "  , ", []])
def test_no_category_at_all_is_refused(raw: str | list[str]) -> None:
    with pytest.raises(InvalidCategoryError, match="no arXiv category given"):
        normalize_categories(raw)


@pytest.mark.parametrize(
    ("category", "archive"),
    [
        ("cs.CL", "cs"),
        ("hep-th", "hep-th"),
        ("cond-mat.str-el", "cond-mat"),
        ("astro-ph", "astro-ph"),
    ],
)
def test_archive_of(category: str, archive: str) -> None:
    assert archive_of(category) == archive


def test_suggest_completes_a_code_prefix_case_insensitively() -> None:
    assert suggest("HEP") == ["hep-ex", "hep-lat", "hep-ph", "hep-th"]


def test_suggest_returns_at_most_the_limit() -> None:
    assert len(suggest("cs.")) == 25
    assert len(suggest("math", limit=5)) == 5


def test_suggest_finds_categories_by_name() -> None:
    assert suggest("machine learn") == ["cs.LG", "stat.ML"]


def test_suggest_completes_a_subject_class() -> None:
    assert suggest("lg")[0] == "cs.LG"


def test_suggest_lists_code_matches_before_name_matches() -> None:
    found = suggest("stat")
    assert found[:6] == ["stat.AP", "stat.CO", "stat.ME", "stat.ML", "stat.OT", "stat.TH"]
    assert "q-fin.ST" in found  # "Statistical Finance"


def test_suggest_with_nothing_typed_offers_categories() -> None:
    assert len(suggest("")) == 25
