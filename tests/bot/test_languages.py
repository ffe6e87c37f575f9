"""The languages offered while a `language` option is typed."""

from __future__ import annotations

import pytest

from bot.languages import COMMON, suggest_languages
from bot.validate import normalize_language


def test_every_offered_tag_is_a_language_the_bot_accepts() -> None:
    for language in COMMON:
        assert normalize_language(language.tag, "en") == language.tag.lower()


def test_every_label_fits_an_autocomplete_choice() -> None:
    assert all(1 <= len(language.label) <= 100 for language in COMMON)


@pytest.mark.parametrize(
    ("typed", "first"),
    [("germ", "de"), ("Deutsch", "de"), ("pt-b", "pt-BR"), ("日本", "ja"), ("  ", "en")],
)
def test_typing_a_name_own_name_or_tag_finds_the_language(typed: str, first: str) -> None:
    assert suggest_languages(typed)[0].tag == first


def test_a_language_not_in_the_list_is_offered_as_typed() -> None:
    (offered,) = suggest_languages("Swahili")

    assert offered.tag == "swahili"


def test_what_is_not_a_language_is_not_offered() -> None:
    assert suggest_languages("<@&1>") == []


def test_at_most_the_limit_is_offered() -> None:
    assert len(suggest_languages("", 25)) == 25
    assert len(suggest_languages("a", 5)) == 5
