"""Finding the paper a message talks about (the "Summarize arXiv paper" message command)."""

from __future__ import annotations

import pytest

from bot.ids import find_arxiv_id


@pytest.mark.parametrize(
    ("texts", "found"),
    [
        (["see https://arxiv.org/abs/2401.12345v2."], "2401.12345v2"),
        (["(https://arxiv.org/pdf/1605.08386v1.pdf)"], "1605.08386v1"),
        (["<https://www.arxiv.org/abs/2401.12345>"], "2401.12345"),
        (["https://arxiv.org/html/2401.12345v1#S3"], "2401.12345v1"),
        (["https://arxiv.org/abs/2401.12345?context=cs"], "2401.12345"),
        (["as in arXiv:2401.12345, we"], "2401.12345"),
        (["paper 1706.03762 is great"], "1706.03762"),
        (["old: hep-th/9901001 and new 2401.12345"], "hep-th/9901001"),
        (["math.CA/0611800v2"], "math/0611800v2"),
        (["first 2401.00001", "then 2401.00002"], "2401.00001"),
        (["no id here", "https://arxiv.org/abs/2401.12345"], "2401.12345"),
    ],
    ids=[
        "abs link with version and full stop",
        "pdf link in brackets",
        "link in angle brackets",
        "html link with anchor",
        "link with a query",
        "arXiv: prefix",
        "bare id",
        "the first of two",
        "old style with subject class",
        "content before embeds",
        "an embed's link",
    ],
)
def test_the_first_arxiv_id_is_found(texts: list[str], found: str) -> None:
    arxiv_id = find_arxiv_id(texts)

    assert arxiv_id is not None
    assert str(arxiv_id) == found


@pytest.mark.parametrize(
    "text",
    [
        "nothing to see",
        "version 2.1 of 2023.10123",  # no month 23
        "call 1234.56789",  # no month 34
        "foo2401.12345 and 12401.12345",  # parts of longer words and numbers
        "a/1234567",  # not an archive
        "https://arxiv.org/abs/",
        "https://example.org/abs/2401.12345x",
    ],
)
def test_text_without_an_arxiv_id_finds_none(text: str) -> None:
    assert find_arxiv_id([text]) is None


def test_only_a_messages_worth_of_text_is_searched() -> None:
    text = "x" * 20_000 + " 2401.12345"

    assert find_arxiv_id([text]) is None
