"""arXiv's announcement feed (`https://rss.arxiv.org/atom/cs.AI+cs.CL`): fetch and parse.

One conditional GET covers all the categories the bot watches (categories joined with `+`,
https://info.arxiv.org/help/rss.html). A request is split only when its URL gets too long or
its response holds the feed's 2,000-entry limit
(https://info.arxiv.org/help/rss_specifications.html); then its categories are split by
archive, and the log says so. Every request goes through the shared RateLimiter.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import re
import xml.etree.ElementTree as StdET  # only for its ParseError; parsing goes through defusedxml
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby

import defusedxml
import defusedxml.ElementTree as SafeET
import httpx

from bot.arxiv.limiter import RateLimiter, RetryPolicy, TryAgain, parse_retry_after, retrying
from bot.arxiv.taxonomy import archive_of
from bot.arxiv.transfer import ACCEPT_ENCODING, read_httpx_body
from bot.errors import ArxivError, ArxivParseError
from bot.ids import split_version
from bot.models import AnnounceType, Author, Paper

log = logging.getLogger(__name__)

FEED_ENTRY_CAP = 2000
"""A feed response holds at most this many entries (arXiv's RSS specification); more are cut off."""

MAX_REDIRECTS = 5
"""Redirects followed per request; a loop ends as one error instead of twenty requests."""

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_OAI_PREFIX = "oai:arXiv.org:"
# `<summary>` starts "arXiv:2203.01250v3 Announce Type: replace-cross Abstract: ..." (the
# recorded feed, tests/fixtures/arxiv-feed/).
_SUMMARY_PREFIX = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s+Abstract:\s*", re.I)
_RETRY_STATUSES = frozenset({408, 429})  # plus every 5xx


@dataclass(frozen=True, slots=True)
class FeedValidators:
    """What a server said about a feed version, sent back for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FeedResult:
    """One feed request's outcome. A 304 (`not_modified`) parses nothing and changes nothing."""

    categories: tuple[str, ...]
    not_modified: bool
    papers: tuple[Paper, ...]
    announced: dt.date | None
    validators: FeedValidators


@dataclass(frozen=True, slots=True)
class FeedFetch:
    """Every request of one poll, keyed by request URL, plus their papers merged.

    Store `validators` per URL for the next poll. `papers` is deduplicated by base id
    (first wins) in request and feed order; `announced` is the latest announcement date
    among the responses that had entries.
    """

    results: Mapping[str, FeedResult]
    papers: tuple[Paper, ...] = ()
    announced: dt.date | None = None

    @property
    def not_modified(self) -> bool:
        """Return True when every request was answered 304: nothing changed anywhere."""
        return all(result.not_modified for result in self.results.values())

    @property
    def validators(self) -> dict[str, FeedValidators]:
        """Return the validators to store, per request URL."""
        return {url: result.validators for url, result in self.results.items()}


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed body parsed: its papers, its announcement date and its raw entry count.

    `entry_count` counts at most FEED_ENTRY_CAP entries; `truncated` says the body held
    more, which were not read.
    """

    papers: tuple[Paper, ...]
    announced: dt.date | None
    entry_count: int
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class _Answer:
    """One feed request's answer: status, headers, and the body (read only for a 200)."""

    status: int
    headers: httpx.Headers
    body: bytes = b""


class FeedClient:
    """Poll the announcement feed with conditional GETs, retries and the shared limiter."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        limiter: RateLimiter,
        base_url: str,
        *,
        user_agent: str,
        max_url_length: int = 2000,
        max_attempts: int = 5,
        backoff_base: float = 1.0,
        max_wait: float = 600.0,
        timeout: float = 60.0,
        max_bytes: int = 20_000_000,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._http = http
        self._limiter = limiter
        self._base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._user_agent = user_agent
        self._max_url_length = max_url_length
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._retry = RetryPolicy(
            max_attempts=max_attempts, backoff_base=backoff_base, max_wait=max_wait
        )
        self._now = now
        # Category groups that hit the entry cap in this process, and how they were split,
        # so later polls go straight to the smaller requests (whose validators are stored).
        self._splits: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}

    def url_for(self, categories: Iterable[str]) -> str:
        """Return the feed URL for exactly these categories, in the order given."""
        return self._base_url + "+".join(categories)

    async def fetch(
        self,
        categories: Sequence[str],
        validators: Mapping[str, FeedValidators] | None = None,
    ) -> FeedFetch:
        """Fetch the feed for `categories`, sending the stored `validators` per URL.

        Raise ArxivUnavailableError when arXiv keeps failing, ArxivParseError for a body
        that is not an Atom feed, ArxivError for any other refusal.
        """
        wanted = tuple(sorted(set(categories)))  # a stable URL keeps its validators useful
        if not wanted:
            raise ValueError("fetch() needs at least one category")
        results: dict[str, FeedResult] = {}
        for group in self._chunks_by_url_length(wanted):
            await self._fetch_group(group, validators or {}, results)
        return _merge(results)

    def _chunks_by_url_length(self, categories: tuple[str, ...]) -> list[tuple[str, ...]]:
        """Pack categories greedily into requests whose URL fits `max_url_length`."""
        chunks: list[tuple[str, ...]] = []
        current: list[str] = []
        for category in categories:
            if current and len(self.url_for([*current, category])) > self._max_url_length:
                chunks.append(tuple(current))
                current = []
            current.append(category)
        chunks.append(tuple(current))
        if len(chunks) > 1:
            log.info(
                "feed URL too long for %d categories: %d requests", len(categories), len(chunks)
            )
        return chunks

    async def _fetch_group(
        self,
        group: tuple[str, ...],
        validators: Mapping[str, FeedValidators],
        results: dict[str, FeedResult],
    ) -> None:
        """Fetch one request's categories; split and recurse when the response is capped."""
        if group in self._splits:
            for part in self._splits[group]:
                await self._fetch_group(part, validators, results)
            return
        url = self.url_for(group)
        result, parsed = await self._fetch_one(url, group, validators.get(url))
        if parsed is None or parsed.entry_count < FEED_ENTRY_CAP:
            results[url] = result
            return
        if len(group) == 1:
            log.warning(
                "arXiv feed %s alone holds %s entries, the feed's limit; keeping %d",
                group[0],
                f"more than {FEED_ENTRY_CAP}" if parsed.truncated else parsed.entry_count,
                parsed.entry_count,
            )
            results[url] = result
            return
        parts = _split_by_archive(group)
        self._splits[group] = parts
        log.warning(
            "arXiv feed for %s hit the %d-entry limit; splitting it into %d requests: %s",
            "+".join(group),
            FEED_ENTRY_CAP,
            len(parts),
            ", ".join("+".join(part) for part in parts),
        )
        for part in parts:
            await self._fetch_group(part, validators, results)

    async def _fetch_one(
        self, url: str, group: tuple[str, ...], known: FeedValidators | None
    ) -> tuple[FeedResult, ParsedFeed | None]:
        """GET one feed URL conditionally; return its result and the parsed body (None: 304)."""
        answer = await self._get(url, known)
        if answer.status == httpx.codes.NOT_MODIFIED:
            kept = known or FeedValidators()
            validators = FeedValidators(
                etag=answer.headers.get("ETag", kept.etag),
                last_modified=answer.headers.get("Last-Modified", kept.last_modified),
            )
            return FeedResult(group, True, (), None, validators), None
        # A 2,000-entry body takes a noticeable time to parse: off the event loop.
        parsed = await asyncio.to_thread(parse_feed, answer.body, source=url)
        validators = FeedValidators(
            etag=answer.headers.get("ETag"),
            last_modified=answer.headers.get("Last-Modified"),
        )
        result = FeedResult(group, False, parsed.papers, parsed.announced, validators)
        return result, parsed

    async def _get(self, url: str, known: FeedValidators | None) -> _Answer:
        """GET through the limiter, retrying 408/429/5xx, transport errors and slow answers.

        Each attempt has a total deadline (connect, redirects, every byte of the body) and
        the body a size cap after decompression.
        """
        headers = {"User-Agent": self._user_agent, "Accept-Encoding": ACCEPT_ENCODING}
        if known is not None and known.etag:
            headers["If-None-Match"] = known.etag
        if known is not None and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified

        async def attempt() -> _Answer:
            try:
                async with asyncio.timeout(self._timeout):
                    answer = await self._get_following_redirects(url, headers)
            except TimeoutError:
                raise TryAgain(f"no complete answer within {self._timeout:g} s") from None
            except httpx.TransportError as exc:
                raise TryAgain(f"{type(exc).__name__} {exc}".strip()) from exc
            except httpx.HTTPError as exc:
                raise ArxivError(f"arXiv feed {url}: {type(exc).__name__} {exc}") from exc
            status = answer.status
            if status in (httpx.codes.OK, httpx.codes.NOT_MODIFIED):
                return answer
            if status in _RETRY_STATUSES or status >= 500:
                asked = parse_retry_after(answer.headers.get("Retry-After"), self._now())
                raise TryAgain(f"HTTP {status}", asked)
            raise ArxivError(f"arXiv feed {url} answered HTTP {status}")

        return await retrying(self._limiter, self._retry, f"arXiv feed {url}", attempt)

    async def _get_following_redirects(self, url: str, headers: Mapping[str, str]) -> _Answer:
        """Send the GET, following at most MAX_REDIRECTS redirects; read a 200's body.

        Redirects are followed here rather than by httpx, which would read each redirect's
        body without a cap.
        """
        request = self._http.build_request("GET", url, headers=headers)
        for _ in range(MAX_REDIRECTS + 1):
            response = await self._http.send(request, stream=True, follow_redirects=False)
            try:
                if response.next_request is None:
                    body = b""
                    if response.status_code == httpx.codes.OK:
                        body = await read_httpx_body(response, self._max_bytes, f"arXiv feed {url}")
                    return _Answer(response.status_code, response.headers, body)
                request = response.next_request
            finally:
                await response.aclose()
        raise ArxivError(
            f"arXiv feed {url} redirected more than {MAX_REDIRECTS} times (a redirect loop?)"
        )


def _split_by_archive(group: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Split categories by archive (cs.*, math.*); one archive splits into single categories."""
    parts = tuple(tuple(items) for _, items in groupby(group, key=archive_of))
    if len(parts) > 1:
        return parts
    return tuple((category,) for category in group)


def _merge(results: Mapping[str, FeedResult]) -> FeedFetch:
    """Merge per-URL results: papers deduplicated by base id, the latest announcement date."""
    seen: set[str] = set()
    papers: list[Paper] = []
    for result in results.values():
        for paper in result.papers:
            if paper.base_id not in seen:
                seen.add(paper.base_id)
                papers.append(paper)
    dates = [r.announced for r in results.values() if r.announced is not None]
    return FeedFetch(
        results=dict(results), papers=tuple(papers), announced=max(dates, default=None)
    )


# --- parsing -------------------------------------------------------------------------------


def parse_feed(body: bytes | str, *, source: str = "feed") -> ParsedFeed:
    """Parse an announcement feed body; raise ArxivParseError if it is not an Atom feed.

    defusedxml refuses entity expansion and external references: the body comes from the
    network. Entries without a usable id are logged and skipped. Parsing stops after
    FEED_ENTRY_CAP entries (the real feed never holds more), so an oversized feed costs no
    more than a full one.
    """
    data = body.encode() if isinstance(body, str) else body
    seen: set[str] = set()
    papers: list[Paper] = []
    count = 0
    truncated = False
    feed_updated: str | None = None
    try:
        for element, root in _feed_children(data, source):
            if element.tag == f"{_ATOM}updated":
                feed_updated = element.text
            elif element.tag == f"{_ATOM}entry":
                if count == FEED_ENTRY_CAP:
                    truncated = True
                    break
                count += 1
                paper = _parse_entry(element)
                if paper is not None and paper.base_id not in seen:
                    seen.add(paper.base_id)
                    papers.append(paper)
                root.remove(element)  # parsed: keep memory flat however long the feed is
    except (StdET.ParseError, defusedxml.DefusedXmlException) as exc:
        raise ArxivParseError(f"arXiv {source} is not well-formed XML: {exc}") from exc
    dates = [paper.announced for paper in papers if paper.announced is not None]
    announced = max(dates, default=None)
    if announced is None and papers:
        announced = _date_of(feed_updated)
    return ParsedFeed(
        papers=tuple(papers), announced=announced, entry_count=count, truncated=truncated
    )


def _feed_children(data: bytes, source: str) -> Iterator[tuple[StdET.Element, StdET.Element]]:
    """Yield each child of the root `<feed>` as soon as it is parsed whole, with the root.

    Raise ArxivParseError as soon as the root turns out not to be an Atom feed.
    """
    depth = 0
    root: StdET.Element | None = None
    for event, element in SafeET.iterparse(io.BytesIO(data), events=("start", "end")):
        if event == "start":
            depth += 1
            if root is None:
                root = element
                if root.tag != f"{_ATOM}feed":
                    raise ArxivParseError(f"arXiv {source} is not an Atom feed (root <{root.tag}>)")
            continue
        depth -= 1
        if depth == 1 and root is not None:
            yield element, root


def _parse_entry(entry: StdET.Element) -> Paper | None:
    """Turn one `<entry>` into a Paper, or None (logged) when it has no id."""
    raw_id = _text(entry, f"{_ATOM}id") or ""
    short = raw_id.removeprefix(_OAI_PREFIX).strip()
    if not short:
        log.warning("skipping a feed entry without an id")
        return None
    base_id, version = split_version(short)
    announce_text = (_text(entry, f"{_ARXIV}announce_type") or "").strip().lower()
    try:
        announce_type: AnnounceType | None = AnnounceType(announce_text)
    except ValueError:
        log.warning("feed entry %s has unknown announce type %r", short, announce_text)
        announce_type = None
    abstract = _SUMMARY_PREFIX.sub("", _text(entry, f"{_ATOM}summary") or "", count=1)
    return Paper(
        base_id=base_id,
        version=version or 1,
        title=_squash(_text(entry, f"{_ATOM}title")),
        abstract=_squash(abstract),
        authors=split_authors(_text(entry, f"{_DC}creator") or ""),
        categories=tuple(
            term for c in entry.findall(f"{_ATOM}category") if (term := c.get("term"))
        ),
        announce_type=announce_type,
        announced=_date_of(_text(entry, f"{_ATOM}published")),
        journal_ref=_squash(_text(entry, f"{_ARXIV}journal_reference")) or None,
        doi=_squash(_text(entry, f"{_ARXIV}DOI")) or None,
    )


def split_authors(creators: str) -> tuple[Author, ...]:
    """Split `<dc:creator>` ("A, B, C" or "A, B and C") into authors, names as written."""
    names = [_squash(part) for part in creators.split(",")]
    last = names[-1] if names else ""
    if last.startswith("and "):
        names[-1] = last.removeprefix("and ").strip()
    elif " and " in last:
        names[-1:] = [part.strip() for part in last.rsplit(" and ", 1)]
    return tuple(Author(name) for name in names if name)


def _text(element: StdET.Element, path: str) -> str | None:
    """Return the text of the first child at `path`, or None."""
    found = element.find(path)
    return found.text if found is not None else None


def _squash(text: str | None) -> str:
    """Collapse runs of whitespace (the feed wraps lines) into single spaces."""
    return " ".join(text.split()) if text else ""


def _date_of(timestamp: str | None) -> dt.date | None:
    """Return the calendar date of an RFC 3339 timestamp, in the timestamp's own offset."""
    if not timestamp:
        return None
    try:
        return dt.datetime.fromisoformat(timestamp.strip().replace("Z", "+00:00")).date()
    except ValueError:
        log.warning("unreadable feed timestamp %r", timestamp)
        return None


__all__ = [
    "FEED_ENTRY_CAP",
    "FeedClient",
    "FeedFetch",
    "FeedResult",
    "FeedValidators",
    "ParsedFeed",
    "parse_feed",
    "split_authors",
]
