"""Bounded reading of arXiv answers: decompression stops at the cap, whatever the ratio."""

from __future__ import annotations

import gzip
import tracemalloc

import pytest

from bot.arxiv.transfer import BodyDecoder, ResponseTooLargeError
from bot.errors import ArxivError
from tests.fakes.arxiv_server import gzip_bomb

MB = 1_000_000


def test_a_gzip_bomb_fed_at_once_is_refused_without_inflating_it() -> None:
    bomb = gzip_bomb()  # 1 MB that inflates to 1 GB
    decoder = BodyDecoder("gzip", 5 * MB, "arXiv feed")
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLargeError, match="more than 5 MB"):
            decoder.feed(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * MB  # what reaches memory is bounded by the cap, not by the bomb


def test_an_honest_gzip_body_comes_out_whole_across_chunks() -> None:
    body = b"<feed>" + b"<entry/>" * 50_000 + b"</feed>"
    packed = gzip.compress(body)
    decoder = BodyDecoder("gzip", 5 * MB, "arXiv feed")
    out = b"".join(decoder.feed(packed[i : i + 1000]) for i in range(0, len(packed), 1000))
    assert out + decoder.finish() == body


def test_an_uncompressed_body_over_the_cap_is_refused() -> None:
    decoder = BodyDecoder(None, 10, "arXiv API")
    decoder.feed(b"0123456789")
    with pytest.raises(ResponseTooLargeError):
        decoder.feed(b"x")


def test_a_damaged_gzip_body_is_one_arxiv_error() -> None:
    decoder = BodyDecoder("gzip", MB, "arXiv feed")
    with pytest.raises(ArxivError, match="damaged compressed body"):
        decoder.feed(b"\x1f\x8b\x08\x00garbage that is not deflate")


def test_an_unknown_encoding_is_one_arxiv_error() -> None:
    with pytest.raises(ArxivError, match="unsupported encoding 'br'"):
        BodyDecoder("br", MB, "arXiv feed")
