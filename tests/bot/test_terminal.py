"""CLI output: progress only on a terminal; readable digests drawn from the payloads."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from bot.models import Author, Digest, DigestItem, DigestStyle, Paper
from bot.render import render_digest
from bot.terminal import TerminalProgress, print_matches, print_readable


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


_ANSI = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\")


def shown(text: str) -> str:
    """Return terminal output without its escape sequences (colours, hyperlinks)."""
    return _ANSI.sub("", text)


def digest_payloads(style: DigestStyle = DigestStyle.FULL) -> list[dict[str, object]]:
    """Render a real-looking digest: markdown in the header, title, fields and links."""
    paper = Paper(
        "2604.00001",
        1,
        r"Agents* with $\Gamma$-nets_v2 for @everyone",
        "We compress the extraordinarily-long-named KV cache of agents. " * 12,
        authors=(Author("Ada Lovelace"),),
        categories=("cs.LG", "cs.CL"),
    )
    digest = Digest(("cs.LG",), dt.date(2026, 4, 28), (DigestItem(paper, ("agent*",)),), 1, 5)
    return [message.to_payload() for message in render_digest(digest, style=style)]


def test_progress_is_drawn_on_a_terminal() -> None:
    stream = _Terminal()
    with TerminalProgress(stream) as progress:
        progress("summarizing", 3, 10)
    assert "summarizing" in stream.getvalue()
    assert "3/10" in stream.getvalue()


def test_progress_is_silent_when_piped() -> None:
    stream = io.StringIO()
    with TerminalProgress(stream) as progress:
        progress("summarizing", 3, 10)
    assert stream.getvalue() == ""


def test_readable_output_shows_header_title_link_fields_and_footer() -> None:
    out = io.StringIO()
    payload = {
        "content": "arXiv cs.CL for Tue 28 Apr 2026: 1 of 5 new papers matched",
        "embeds": [
            {
                "title": "A paper [with] brackets",
                "url": "https://arxiv.org/abs/2604.00001",
                "author": {"name": "Ada Lovelace"},
                "description": "**TL;DR:** 95% fewer tokens.",
                "fields": [{"name": "Matched keywords", "value": "llm"}],
                "footer": {"text": "arXiv:2604.00001 v1 · summary by claude-haiku-4-5"},
            }
        ],
        "allowed_mentions": {"parse": []},
    }
    print_readable([payload], out)
    text = out.getvalue()
    for expected in (
        "1 of 5 new papers matched",
        "A paper [with] brackets",
        "https://arxiv.org/abs/2604.00001",
        "Ada Lovelace",
        "95% fewer tokens",
        "Matched keywords: llm",
        "summary by claude-haiku-4-5",
    ):
        assert expected in text


def test_piped_digest_shows_no_discord_markup() -> None:
    out = io.StringIO()
    print_readable(digest_payloads(), out)
    text = out.getvalue()

    assert "Agents* with Γ-nets_v2" in text
    assert "Matched keywords: agent*" in text
    assert "Categories: cs.LG · cs.CL" in text
    assert "**" not in text and "\\" not in text and "](" not in text


def test_piped_compact_digest_shows_no_discord_markup() -> None:
    out = io.StringIO()
    print_readable(digest_payloads(DigestStyle.COMPACT), out)
    text = out.getvalue()

    assert "Agents* with Γ-nets_v2" in text
    assert "cs.LG · matched: agent*" in text
    assert (
        "PDF https://arxiv.org/pdf/2604.00001v1 · HTML https://arxiv.org/html/2604.00001v1" in text
    )
    assert "**" not in text and "\\" not in text and "](" not in text


@pytest.mark.parametrize("style", list(DigestStyle))
def test_each_link_is_printed_once(style: DigestStyle) -> None:
    out = io.StringIO()
    print_readable(digest_payloads(style), out)
    text = out.getvalue()

    for url in (
        "https://arxiv.org/abs/2604.00001",
        "https://arxiv.org/pdf/2604.00001v1",
        "https://arxiv.org/html/2604.00001v1",
    ):
        assert text.count(url) == 1, url


@pytest.mark.parametrize("width", [40, 72])
def test_terminal_output_wraps_at_word_boundaries_to_the_width(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(width))  # the terminal's width, as rich reads it
    out = _Terminal()
    print_readable(digest_payloads(), out)
    lines = shown(out.getvalue()).splitlines()

    assert max(len(line.rstrip()) for line in lines if "https://" not in line) <= width
    words = set(" ".join(lines).split())
    assert "extraordinarily-long-named" in words  # no word was cut at the edge
    assert "compress" in words


def test_piped_matches_are_one_line_per_paper() -> None:
    out = io.StringIO()
    print_matches(
        [("2604.00001", "A title " * 20, ["kv cache", "llm"]), ("2604.00002", "B", [])], out
    )

    assert out.getvalue().splitlines() == [
        "2604.00001  " + ("A title " * 20) + "  [kv cache, llm]",
        "2604.00002  B  []",
    ]


def test_terminal_matches_wrap_titles_beside_the_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    out = _Terminal()
    print_matches([("2604.00001", "Efficient attention " * 6, ["llm"])], out)
    lines = shown(out.getvalue()).splitlines()

    assert len(lines) > 1
    assert lines[0].startswith("2604.00001  Efficient attention")
    assert all(line.startswith(" " * 12) for line in lines[1:])  # under the title
    assert "[llm]" in lines[-1]
