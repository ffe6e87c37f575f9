"""Read one answer from arXiv whole, within a total deadline and a cap on its size.

httpx's and requests' timeouts apply to each read, not to the request: a server that trickles
one byte every few seconds never trips them, and holds the process-wide limiter (one
connection to arXiv at a time) for as long as it likes. Both clients also decompress without
a limit, so a 50 kB gzip bomb grows to gigabytes in memory. The readers here take the raw
bytes, give up at a deadline, and decompress in bounded steps, counting what comes out.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable

import httpx
import urllib3

from bot.errors import ArxivError

#: The only compression we ask for, and the one we can decompress in bounded steps.
ACCEPT_ENCODING = "gzip"
_CHUNK = 64 * 1024


class ResponseTooLargeError(ArxivError):
    """An answer from arXiv is larger than the cap (after decompression)."""


class DeadlineExceededError(ArxivError):
    """An answer from arXiv did not arrive whole within the request's deadline."""


class BodyDecoder:
    """Decompress a body chunk by chunk, refusing to produce more than `max_bytes`.

    `zlib`'s `max_length` bounds each step, so even a single 64 kB chunk of a gzip bomb
    yields at most `max_bytes + 1` bytes before the decoder refuses it.
    """

    def __init__(self, content_encoding: str | None, max_bytes: int, source: str) -> None:
        self._max = max_bytes
        self._source = source
        self._size = 0
        encoding = (content_encoding or "identity").strip().lower()
        if encoding in ("", "identity"):
            self._inflater = None
        elif encoding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise ArxivError(f"{source} answered with an unsupported encoding {encoding[:30]!r}")

    @property
    def compressed(self) -> bool:
        """Say whether the body is compressed (its Content-Length is then not its size)."""
        return self._inflater is not None

    def feed(self, raw: bytes) -> bytes:
        """Return the bytes `raw` decompresses to; raise ResponseTooLargeError past the cap."""
        if self._inflater is None:
            self._count(len(raw))
            return raw
        out = bytearray()
        data = raw
        while data and not self._inflater.eof:
            try:
                piece = self._inflater.decompress(data, self._max - self._size + 1)
            except zlib.error as exc:
                raise ArxivError(f"{self._source} sent a damaged compressed body: {exc}") from exc
            self._count(len(piece))
            out += piece
            data = self._inflater.unconsumed_tail
        return bytes(out)

    def finish(self) -> bytes:
        """Return what the decompressor still holds (normally nothing)."""
        if self._inflater is None:
            return b""
        rest = self._inflater.flush(self._max - self._size + 1)
        self._count(len(rest))
        return rest

    def _count(self, produced: int) -> None:
        self._size += produced
        if self._size > self._max:
            raise ResponseTooLargeError(
                f"{self._source} answered with more than {self._max / 1e6:g} MB;"
                " refused (ARXIV_MAX_RESPONSE_MB)"
            )


async def read_httpx_body(response: httpx.Response, max_bytes: int, source: str) -> bytes:
    """Read a streamed httpx response whole, decompressing with a cap.

    The caller bounds the time (`asyncio.timeout` around the whole request).
    """
    decoder = BodyDecoder(response.headers.get("Content-Encoding"), max_bytes, source)
    _refuse_declared_size(response.headers.get("Content-Length"), decoder, max_bytes, source)
    parts = [decoder.feed(chunk) async for chunk in response.aiter_raw(_CHUNK)]
    parts.append(decoder.finish())
    return b"".join(parts)


def read_urllib3_body(
    raw: urllib3.BaseHTTPResponse,
    *,
    content_encoding: str | None,
    max_bytes: int,
    deadline: float,
    source: str,
    monotonic: Callable[[], float] = time.monotonic,
) -> bytes:
    """Read a streamed urllib3 response whole by `deadline` (a `monotonic()` time), with a cap.

    `read1` returns whatever bytes have arrived, so a trickling server is noticed between
    two reads; a silent one is cut by the socket's read timeout, which the caller sets to at
    most the time left.
    """
    decoder = BodyDecoder(content_encoding, max_bytes, source)
    parts: list[bytes] = []
    while True:
        if monotonic() > deadline:
            raise DeadlineExceededError(f"{source} did not answer in full within the deadline")
        chunk = raw.read1(_CHUNK, decode_content=False)
        if not chunk:
            break
        parts.append(decoder.feed(chunk))
    parts.append(decoder.finish())
    return b"".join(parts)


def _refuse_declared_size(
    declared: str | None, decoder: BodyDecoder, max_bytes: int, source: str
) -> None:
    """Refuse at once an uncompressed body whose Content-Length is over the cap."""
    if decoder.compressed or declared is None or not declared.strip().isdigit():
        return
    if int(declared) > max_bytes:
        raise ResponseTooLargeError(
            f"{source} announced {int(declared) / 1e6:g} MB, more than {max_bytes / 1e6:g} MB;"
            " refused (ARXIV_MAX_RESPONSE_MB)"
        )
