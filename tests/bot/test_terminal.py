"""CLI output: progress only on a terminal; readable digests drawn from the payloads."""

from __future__ import annotations

import io

from bot.terminal import TerminalProgress, print_readable


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


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
