"""arXiv identifiers as people paste them: what is accepted and normalized, what is refused."""

from __future__ import annotations

import pytest

from bot.errors import InvalidArxivIdError, UserInputError
from bot.ids import ArxivId, parse_arxiv_id, split_version

VALID = [
    # (input, external form)
    ("0704.0001", "0704.0001"),  # the first new-style id
    ("1412.9999", "1412.9999"),  # the last month of 4-digit numbers
    ("1501.00001", "1501.00001"),  # 5 digits from January 2015
    ("2401.12345", "2401.12345"),
    ("2401.12345v2", "2401.12345v2"),
    ("2203.01250v12", "2203.01250v12"),
    ("arXiv:2401.12345v2", "2401.12345v2"),
    ("ARXIV:2401.12345", "2401.12345"),
    ("arxiv: 2401.12345", "2401.12345"),
    ("  2401.12345\n", "2401.12345"),
    ("<2401.12345>", "2401.12345"),
    ("<https://arxiv.org/abs/2401.12345>", "2401.12345"),
    ("https://arxiv.org/abs/2401.12345", "2401.12345"),
    ("http://arxiv.org/abs/2401.12345v3", "2401.12345v3"),
    ("https://www.arxiv.org/abs/2401.12345", "2401.12345"),
    ("https://export.arxiv.org/abs/2401.12345", "2401.12345"),
    ("arxiv.org/abs/2401.12345", "2401.12345"),
    ("https://arxiv.org/pdf/2401.12345", "2401.12345"),
    ("https://arxiv.org/pdf/2401.12345v1.pdf", "2401.12345v1"),
    ("https://arxiv.org/html/2401.12345v1", "2401.12345v1"),
    ("https://arxiv.org/html/2401.12345v1/", "2401.12345v1"),
    ("https://arxiv.org/abs/2401.12345?context=cs.CL", "2401.12345"),
    ("https://arxiv.org/abs/2401.12345v2#S3", "2401.12345v2"),
    ("hep-th/9901001", "hep-th/9901001"),
    ("math.CA/0611800v2", "math/0611800v2"),
    ("arXiv:hep-th/9901001v1", "hep-th/9901001v1"),
    ("https://arxiv.org/abs/quant-ph/0201082v1", "quant-ph/0201082v1"),
    ("https://arxiv.org/pdf/astro-ph/0601001.pdf", "astro-ph/0601001"),
    ("solv-int/9901001v2", "solv-int/9901001v2"),
    ("cs/0703001", "cs/0703001"),  # the last month of old-style ids
]

INVALID = [
    # (input, words the message must contain)
    ("", "no arXiv id given"),
    ("   ", "no arXiv id given"),
    ("<>", "no arXiv id given"),
    ("abc", "'abc'"),
    ("2401.1234", "5 digits after the dot"),
    ("1412.12345", "4 digits after the dot"),
    ("0703.0001", "start at 0704"),
    ("2413.00001", "not a year and month"),
    ("2400.00001", "not a year and month"),
    ("2401.00000", "start at 1"),
    ("2401.12345v0", "versions are v1"),
    ("2401.12345v01", "versions are v1"),
    ("2401.12345v", "'2401.12345v'"),
    ("2401.123456", "'2401.123456'"),
    ("2401,12345", "'2401,12345'"),
    ("２４０１.１２３４５", "not an arXiv id"),  # full-width digits are not arXiv digits
    ("foo/9901001", "'foo' is not an arXiv archive"),
    ("hep-th/9913001", "not a year and month"),
    ("hep-th/0801001", "end at 0703"),
    ("hep-th/990100", "'hep-th/990100'"),
    ("hep-th/9901001V2", "not an arXiv id"),
    ("https://example.org/abs/2401.12345", "not an arXiv id"),
    ("https://arxiv.org.evil.example/abs/2401.12345", "not an arXiv id"),
    ("https://arxiv.org/list/cs.CL/new", "not an arXiv id"),
    ("https://arxiv.org/abs/2401.12345.pdf", "not an arXiv id"),
    ("arXiv:arXiv:2401.12345", "not an arXiv id"),
    ("2401.12345.", "not an arXiv id"),  # conservative: no punctuation stripping
    ("doi:10.48550/arXiv.2401.12345", "not an arXiv id"),
    ("2401.12345 2402.00001", "not an arXiv id"),
    ("x" * 500, "too long"),
]


@pytest.mark.parametrize(("text", "expected"), VALID)
def test_accepted_forms_normalize_to_the_external_id(text: str, expected: str) -> None:
    assert str(parse_arxiv_id(text)) == expected


@pytest.mark.parametrize(("text", "expected_words"), INVALID)
def test_refused_input_says_what_was_wrong(text: str, expected_words: str) -> None:
    with pytest.raises(InvalidArxivIdError) as caught:
        parse_arxiv_id(text)
    assert expected_words in str(caught.value)


@pytest.mark.parametrize(("text", "_"), INVALID)
def test_refusal_message_is_one_line_with_valid_examples(text: str, _: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_arxiv_id(text)
    message = str(caught.value)
    assert "\n" not in message
    assert "2401.12345v2" in message
    assert "hep-th/9901001" in message


def test_refusal_echo_is_capped_and_free_of_control_characters() -> None:
    pasted = "2401.12345\x1b[31m\r\nplease summarize " + "very " * 100
    with pytest.raises(InvalidArxivIdError) as caught:
        parse_arxiv_id(pasted)
    message = str(caught.value)
    assert "\x1b" not in message
    assert "\r" not in message
    echoed = message.split("(", 1)[0]
    assert len(echoed) < 100
    assert "…" in echoed


def test_version_is_kept_as_a_number() -> None:
    parsed = parse_arxiv_id("2203.01250v3")
    assert parsed == ArxivId("2203.01250", 3)
    assert parsed.versioned


def test_id_without_version_means_latest() -> None:
    parsed = parse_arxiv_id("https://arxiv.org/abs/2203.01250")
    assert parsed.version is None
    assert not parsed.versioned


def test_old_style_archive_is_lowercased_and_subject_class_dropped() -> None:
    assert parse_arxiv_id("Math.CA/0611800v2") == ArxivId("math/0611800", 2)


@pytest.mark.parametrize(
    ("versioned", "expected"),
    [
        ("2203.01250v3", ("2203.01250", 3)),
        ("2203.01250", ("2203.01250", None)),
        ("hep-th/9901001v12", ("hep-th/9901001", 12)),
        ("solv-int/9901001", ("solv-int/9901001", None)),
    ],
)
def test_split_version_separates_feed_ids(versioned: str, expected: tuple[str, int | None]) -> None:
    assert split_version(versioned) == expected
