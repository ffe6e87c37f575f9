"""A fake arXiv on 127.0.0.1: the announcement feed and the query API, in their wire format.

Feeds (`/atom/cs.AI+cs.CL`) are built from `Paper`s in the shape of the real feed
(tests/fixtures/arxiv-feed/cs.AI_2025-08-20_atom.xml: namespaces `arxiv` and `dc`,
`oai:arXiv.org:` ids, the `Announce Type` prefix in `<summary>`), capped at 2,000 entries
like the real one, with ETag / Last-Modified and 304s. The query API (`/api/query`) answers
id_list queries from the recorded responses in tests/fixtures/arxiv-api/ and from papers a
test registers, and answers 400 for malformed ids as arXiv does.

With a `SimulatedArchive` (tests/fakes/arxiv_archive.py) the fake is a whole arXiv on a
simulated clock: the feed shows the archive's announcement of the simulated day, and the
query API answers id lookups and `cat:` / `submittedDate:` searches (sorted, paged) from the
same archive.

Failures can be scripted (429 with Retry-After, 503, malformed XML, answers trickled a few
bytes at a time, gzip bombs, oversized bodies, redirect loops), and every request is
recorded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import email.utils
import functools
import gzip
import hashlib
import json
import re
import struct
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.ids import split_version
from bot.models import AnnounceType, Author, Paper
from tests.fakes.arxiv_archive import SimulatedArchive

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
API_FIXTURES = FIXTURES / "arxiv-api"
FEED_FIXTURE = FIXTURES / "arxiv-feed" / "cs.AI_2025-08-20_atom.xml"

FEED_CAP = 2000  # the real feed's entry limit (https://info.arxiv.org/help/rss_specifications.html)
EASTERN = ZoneInfo("America/New_York")  # announcements are dated in US Eastern time

_ENTRY = re.compile(r"<entry>.*?</entry>", re.DOTALL)
_ENTRY_ID = re.compile(r"<id>https?://arxiv\.org/abs/([^<]+)</id>")
_VALID_ID = re.compile(
    r"(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", re.IGNORECASE
)
# The searches the archive answers: `cat:a`, or `(cat:a OR cat:b ...)`, optionally
# `AND submittedDate:[YYYYMMDDHHMM TO YYYYMMDDHHMM]`. Anything else is refused with a 400,
# so a malformed query from the bot fails a test instead of matching nothing.
_CATEGORY = r"cat:[A-Za-z][\w.\-]*"
_SEARCH = re.compile(
    rf"(?P<cats>{_CATEGORY}|\(\s*{_CATEGORY}(?:\s+OR\s+{_CATEGORY})*\s*\))"
    r"(?:\s+AND\s+submittedDate:\[(?P<lo>\d{12})\s+TO\s+(?P<hi>\d{12})\])?"
)


# --- a clock tests can drive -----------------------------------------------------------------


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it (no real waiting)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        """Return the current fake time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Record the sleep, advance the clock, and let other tasks run once."""
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


# --- Atom builders -----------------------------------------------------------------------------


def make_papers(
    count: int,
    *,
    categories: Sequence[str] = ("cs.AI",),
    yymm: str = "2508",
    first_number: int = 1,
    announced: dt.date = dt.date(2025, 8, 20),
    announce_type: AnnounceType = AnnounceType.NEW,
) -> list[Paper]:
    """Return `count` distinct synthetic papers (ids `YYMM.NNNNN`), e.g. for a 2,000-entry feed."""
    return [
        Paper(
            base_id=f"{yymm}.{first_number + i:05d}",
            version=1,
            title=f"Synthetic paper {first_number + i} on {categories[0]}",
            abstract=f"We study problem {first_number + i} in {categories[0]}.",
            authors=(Author("Ada Lovelace"), Author("Alan Turing")),
            categories=tuple(categories),
            announce_type=announce_type,
            announced=announced,
        )
        for i in range(count)
    ]


def feed_entry_xml(paper: Paper) -> str:
    """Return one announcement-feed `<entry>` for `paper`, as rss.arxiv.org writes it."""
    kind = (paper.announce_type or AnnounceType.NEW).value
    announced = paper.announced or dt.date(2025, 8, 20)
    published = dt.datetime.combine(announced, dt.time(), EASTERN).isoformat()
    categories = "".join(f"\n    <category term={quoteattr(c)}/>" for c in paper.categories)
    extras = ""
    if paper.journal_ref:
        extras += (
            f"\n    <arxiv:journal_reference>{escape(paper.journal_ref)}</arxiv:journal_reference>"
        )
    if paper.doi:
        extras += f"\n    <arxiv:DOI>{escape(paper.doi)}</arxiv:DOI>"
    creators = ", ".join(author.name for author in paper.authors)
    return f"""  <entry>
    <id>oai:arXiv.org:{paper.versioned_id}</id>
    <title>{escape(paper.title)}</title>
    <updated>{published}</updated>
    <link href="https://arxiv.org/abs/{paper.base_id}" rel="alternate" type="text/html"/>
    <summary>arXiv:{paper.versioned_id} Announce Type: {kind} 
Abstract: {escape(paper.abstract)}</summary>{categories}
    <published>{published}</published>
    <arxiv:announce_type>{kind}</arxiv:announce_type>
    <dc:rights>http://creativecommons.org/licenses/by/4.0/</dc:rights>
    <dc:creator>{escape(creators)}</dc:creator>{extras}
  </entry>
"""  # noqa: W291  (arXiv's summary has that trailing space before the newline)


def feed_xml(papers: Iterable[Paper], *, name: str, updated: dt.datetime) -> str:
    """Return a whole announcement feed for the category path `name` (`cs.AI+cs.CL`)."""
    entries = "".join(feed_entry_xml(paper) for paper in papers)
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns="http://www.w3.org/2005/Atom" xml:lang="en-us">
  <id>http://rss.arxiv.org/atom/{escape(name)}</id>
  <title>{escape(name)} updates on arXiv.org</title>
  <updated>{updated.isoformat()}</updated>
  <link href="http://rss.arxiv.org/atom/{escape(name)}" rel="self" type="application/atom+xml"/>
  <subtitle>{escape(name)} updates on the arXiv.org e-print archive.</subtitle>
{entries}</feed>
"""  # noqa: E501


def api_entry_xml(paper: Paper) -> str:
    """Return one query-API `<entry>` for `paper`, as export.arxiv.org writes it."""
    vid = paper.versioned_id
    published = paper.published or dt.datetime(2025, 8, 18, 17, 59, 46, tzinfo=dt.UTC)
    updated = paper.updated or published
    primary = paper.primary_category or (paper.categories[0] if paper.categories else "cs.AI")
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <title>{escape(paper.title)}</title>",
        f"    <updated>{_zulu(updated)}</updated>",
        f'    <link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'    <link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf"'
        ' title="pdf"/>',
        f"    <summary>{escape(paper.abstract)}</summary>",
        *(
            f'    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>'
            for c in paper.categories or (primary,)
        ),
        f"    <published>{_zulu(published)}</published>",
    ]
    if paper.comment:
        lines.append(f"    <arxiv:comment>{escape(paper.comment)}</arxiv:comment>")
    lines.append(f"    <arxiv:primary_category term={quoteattr(primary)}/>")
    if paper.journal_ref:
        lines.append(f"    <arxiv:journal_ref>{escape(paper.journal_ref)}</arxiv:journal_ref>")
    if paper.doi:
        lines.append(f"    <arxiv:doi>{escape(paper.doi)}</arxiv:doi>")
    for author in paper.authors:
        lines.append(f"    <author>\n      <name>{escape(author.name)}</name>")
        lines.extend(
            f"      <arxiv:affiliation>{escape(a)}</arxiv:affiliation>" for a in author.affiliations
        )
        lines.append("    </author>")
    lines.append("  </entry>\n")
    return "\n".join(lines)


def api_feed_xml(entries: Sequence[str], *, total: int, start: int, query: str) -> str:
    """Return a query-API answer holding `entries` (already-built `<entry>` elements)."""
    items = "".join(entry if entry.endswith("\n") else entry + "\n" for entry in entries)
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/fake</id>
  <title>arXiv Query: {escape(query)}</title>
  <updated>2026-04-12T22:09:26Z</updated>
  <opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>{start}</opensearch:startIndex>
{items}</feed>
"""  # noqa: E501


def api_error_xml(bad_id: str) -> str:
    """Return the API's 400 body for a malformed id, as recorded for `abc`."""
    anchor = f"https://arxiv.org/api/errors#incorrect_id_format_for_{escape(bad_id)}"
    return f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/</id>
  <title>arXiv Search Results</title>
  <updated>2026-04-12T22:59:06Z</updated>
  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <entry>
    <id>{anchor}</id>
    <title>Error</title>
    <updated>2026-04-12T22:59:06Z</updated>
    <link href="{anchor}" rel="alternate" type="text/html"/>
    <summary>incorrect id format for {escape(bad_id)}</summary>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
"""  # noqa: E501


def _zulu(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the server ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received: what a test asserts on."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    time: float


@dataclass
class ScriptedResponse:
    """An answer to give instead of the normal one, `count` more times, on paths with `prefix`."""

    status: int
    body: str
    headers: dict[str, str]
    prefix: str
    count: int
    #: Bytes sent as they are (a gzip bomb, an oversized body) instead of `body`.
    raw: bytes | None = None


@dataclass
class Trickle:
    """Send the next `count` answers under `prefix` `step` bytes every `interval` seconds."""

    prefix: str
    count: int
    interval: float
    step: int


@dataclass
class Hold:
    """A request kept waiting: `arrived` is set when it comes; it is answered on `release`."""

    prefix: str
    arrived: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    release: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    used: bool = False


@dataclass(frozen=True)
class ApiFixture:
    """One recorded query-API exchange."""

    status: int
    body: str


class FakeArxiv:
    """The fake server. Use `async with FakeArxiv() as arxiv:`; URLs are set once started.

    `clock` stamps recorded requests; tests that drive a FakeClock set it to that clock.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        archive: SimulatedArchive | None = None,
    ) -> None:
        self.clock = clock
        #: When set, the feed and the API answer from this simulated archive.
        self.archive = archive
        self.requests: list[RecordedRequest] = []
        self.feed_papers: list[Paper] = []
        self.feed_updated = dt.datetime(2025, 8, 20, 4, 0, 19, tzinfo=dt.UTC)
        self.modified_at = self.feed_updated  # moves on whenever a test changes the feed
        self.feed_cap = FEED_CAP
        #: Compress answers with gzip when the client accepts it, as arxiv.org does.
        self.gzip_answers = False
        self._feed_bodies: dict[str, str] = {}
        self._scripted: list[ScriptedResponse] = []
        self._trickles: list[Trickle] = []
        self._holds: list[Hold] = []
        self._closing = asyncio.Event()
        self._arrived = asyncio.Condition()
        self._api_papers: dict[str, str] = {}
        self._id_fixtures, self._query_fixtures, self._fixture_entries = _load_api_fixtures()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # lifecycle

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_get("/atom/{categories}", self._feed)
        app.router.add_get("/api/query", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closing.set()  # ends trickling answers at once
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def last_modified(self) -> str:
        """Return the Last-Modified header the feed is served with."""
        return email.utils.format_datetime(self.modified_at, usegmt=True)

    @property
    def feed_url(self) -> str:
        """Return the value for ARXIV_FEED_URL."""
        return f"{self.base_url}/atom/"

    @property
    def api_url(self) -> str:
        """Return the value for ARXIV_API_URL."""
        return f"{self.base_url}/api/query"

    # scripting

    def add_feed_papers(self, papers: Iterable[Paper]) -> None:
        """Announce these papers: each appears in the feed of every one of its categories."""
        self.feed_papers.extend(papers)
        self.modified_at += dt.timedelta(minutes=1)

    def set_feed_body(self, categories: str, body: str) -> None:
        """Serve `body` as is for `/atom/<categories>` (e.g. the recorded fixture)."""
        self._feed_bodies[categories] = body
        self.modified_at += dt.timedelta(minutes=1)

    def add_api_papers(self, papers: Iterable[Paper]) -> None:
        """Let the query API answer for these papers (by base id, newest registration wins)."""
        for paper in papers:
            self._api_papers[paper.base_id] = api_entry_xml(paper)

    def fail_next(
        self,
        status: int,
        *,
        count: int = 1,
        retry_after: str | None = None,
        prefix: str = "/",
        body: str = "",
    ) -> None:
        """Answer the next `count` requests under `prefix` with `status` (and Retry-After)."""
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self._scripted.append(ScriptedResponse(status, body, headers, prefix, count))

    def malformed_next(self, *, count: int = 1, prefix: str = "/") -> None:
        """Answer the next `count` requests under `prefix` with 200 and broken XML."""
        body = "<?xml version='1.0'?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>"
        self._scripted.append(ScriptedResponse(200, body, {}, prefix, count))

    def trickle_next(
        self, *, prefix: str = "/", count: int = 1, interval: float = 0.2, step: int = 1
    ) -> None:
        """Send the next `count` answers under `prefix` a few bytes at a time (a hung server).

        The answer is the normal one, with its Content-Length: every single read succeeds,
        so only a deadline on the whole request notices.
        """
        self._trickles.append(Trickle(prefix, count, interval, step))

    def gzip_bomb_next(self, *, prefix: str = "/", count: int = 1) -> None:
        """Answer the next `count` requests with 1 MB of gzip that inflates to 1 GB of zeros."""
        headers = {"Content-Encoding": "gzip", "Content-Type": "application/atom+xml"}
        self._scripted.append(ScriptedResponse(200, "", headers, prefix, count, gzip_bomb()))

    def huge_next(
        self, megabytes: int, *, prefix: str = "/", count: int = 1, chunked: bool = False
    ) -> None:
        """Answer with a feed padded to `megabytes` MB (with a Content-Length unless `chunked`)."""
        pad = b"<!--" + b"x" * (megabytes * 1_000_000) + b"-->"
        body = feed_xml([], name="huge", updated=self.feed_updated).encode()
        body = body.replace(b"</feed>", pad + b"</feed>")
        headers = {"Content-Type": "application/atom+xml"}
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        self._scripted.append(ScriptedResponse(200, "", headers, prefix, count, body))

    def redirect_loop(self, *, prefix: str = "/", count: int = 1000) -> None:
        """Answer requests under `prefix` with a 302 back to the same URL."""
        self._scripted.append(ScriptedResponse(302, "", {"Location": "<self>"}, prefix, count))

    def hold_next(self, *, prefix: str = "/") -> Hold:
        """Keep the next request under `prefix` waiting until the test releases it."""
        hold = Hold(prefix)
        self._holds.append(hold)
        return hold

    def requests_to(self, prefix: str) -> list[RecordedRequest]:
        """Return the recorded requests whose path starts with `prefix`."""
        return [r for r in self.requests if r.path.startswith(prefix)]

    # handlers

    async def wait_for_requests(self, prefix: str, count: int = 1, *, within: float = 10) -> None:
        """Wait until `count` requests under `prefix` have arrived; fail after `within` s."""
        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests_to(prefix)) >= count)

    async def _record(self, request: web.Request) -> web.StreamResponse | None:
        async with self._arrived:
            self.requests.append(
                RecordedRequest(
                    method=request.method,
                    path=request.path,
                    query=dict(request.query),
                    headers=dict(request.headers),
                    time=self.clock(),
                )
            )
            self._arrived.notify_all()
        for hold in self._holds:
            if not hold.used and request.path.startswith(hold.prefix):
                hold.used = True
                hold.arrived.set()
                await hold.release.wait()
                break
        for scripted in self._scripted:
            if scripted.count > 0 and request.path.startswith(scripted.prefix):
                scripted.count -= 1
                return await self._scripted_answer(request, scripted)
        return None

    async def _scripted_answer(
        self, request: web.Request, scripted: ScriptedResponse
    ) -> web.StreamResponse:
        if scripted.headers.get("Location") == "<self>":
            return web.Response(status=scripted.status, headers={"Location": str(request.rel_url)})
        if scripted.raw is not None:
            return await _send_raw(request, scripted.raw, scripted.headers)
        return web.Response(
            status=scripted.status,
            text=scripted.body,
            headers=scripted.headers,
            content_type="application/atom+xml",
        )

    async def _answer(
        self,
        request: web.Request,
        body: str,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> web.StreamResponse:
        """Answer with `body`, at once or trickled if a test asked for that."""
        trickle = next(
            (t for t in self._trickles if t.count > 0 and request.path.startswith(t.prefix)), None
        )
        if trickle is None:
            if self.gzip_answers and "gzip" in request.headers.get("Accept-Encoding", ""):
                compressed = gzip.compress(body.encode())
                zipped = {**(headers or {}), "Content-Encoding": "gzip"}
                return web.Response(
                    body=compressed,
                    status=status,
                    content_type="application/atom+xml",
                    headers=zipped,
                )
            return web.Response(
                text=body, status=status, content_type="application/atom+xml", headers=headers
            )
        trickle.count -= 1
        data = body.encode()
        response = web.StreamResponse(status=status, headers=headers)
        response.content_type = "application/atom+xml"
        response.content_length = len(data)
        await response.prepare(request)
        for start in range(0, len(data), trickle.step):
            if self._closing.is_set():
                break
            try:
                await response.write(data[start : start + trickle.step])
            except ConnectionError:  # the client gave up: what a deadline does
                break
            await asyncio.sleep(trickle.interval)
        return response

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        scripted = await self._record(request)
        if scripted is not None:
            return scripted
        name = request.match_info["categories"]
        body = self._feed_bodies.get(name)
        last_modified = self.last_modified
        if body is None and self.archive is not None:
            papers, modified = self.archive.feed(name.split("+"))
            body = feed_xml(papers[: self.feed_cap], name=name, updated=modified)
            last_modified = email.utils.format_datetime(modified, usegmt=True)
        elif body is None:
            wanted = set(name.split("+"))
            chosen = [p for p in self.feed_papers if _in_feed(p, wanted)][: self.feed_cap]
            body = feed_xml(chosen, name=name, updated=self.feed_updated)
        etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:20] + '"'
        headers = {"ETag": etag, "Last-Modified": last_modified}
        if _not_modified(request, etag, last_modified):
            return web.Response(status=304, headers=headers)
        return await self._answer(request, body, headers=headers)

    async def _api(self, request: web.Request) -> web.StreamResponse:
        scripted = await self._record(request)
        if scripted is not None:
            return scripted
        id_list = request.query.get("id_list", "")
        search = request.query.get("search_query", "")
        start = int(request.query.get("start", "0"))
        size = int(request.query.get("max_results", "10"))
        recorded = self._id_fixtures.get(id_list) if id_list else None
        if recorded is None and search and not id_list:
            recorded = self._query_fixtures.get((search, start, size))
        if recorded is not None:
            return await self._answer(request, recorded.body, recorded.status)
        if search and not id_list and self.archive is not None:
            return await self._search(request, search, start, size)
        ids = [part for part in id_list.split(",") if part]
        for arxiv_id in ids:
            if not _VALID_ID.fullmatch(arxiv_id):
                return _atom(api_error_xml(arxiv_id), 400)
        found = [entry for arxiv_id in ids if (entry := self._entry_for(arxiv_id))]
        query = f"search_query={search}&id_list={id_list}&start={start}&max_results={size}"
        body = api_feed_xml(found[start : start + size], total=len(found), start=start, query=query)
        return await self._answer(request, body)

    async def _search(
        self, request: web.Request, search: str, start: int, size: int
    ) -> web.StreamResponse:
        """Answer a `cat:`/`submittedDate:` search from the archive, sorted and paged."""
        assert self.archive is not None
        found = _SEARCH.fullmatch(search.strip())
        if found is None:
            return _atom(api_error_xml(f"unsupported query {search}"), 400)
        categories = re.findall(r"cat:([^\s()]+)", found["cats"])
        bounds = [_minute(found[key]) if found[key] else None for key in ("lo", "hi")]
        descending = request.query.get("sortOrder", "descending") == "descending"
        papers = self.archive.search(categories, *bounds, descending=descending)
        page = [api_entry_xml(paper) for paper in papers[start : start + size]]
        query = f"search_query={search}&id_list=&start={start}&max_results={size}"
        body = api_feed_xml(page, total=len(papers), start=start, query=query)
        return await self._answer(request, body)

    def _entry_for(self, arxiv_id: str) -> str | None:
        if self.archive is not None and (paper := self.archive.lookup(arxiv_id)) is not None:
            return api_entry_xml(paper)
        base, _ = split_version(arxiv_id)
        return self._api_papers.get(base) or self._fixture_entries.get(base)


def _minute(stamp: str) -> dt.datetime:
    """Read the API's `YYYYMMDDHHMM` (UTC) as an instant."""
    return dt.datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=dt.UTC)


def _in_feed(paper: Paper, wanted: set[str]) -> bool:
    """Return whether a feed for `wanted` (categories or whole archives) lists `paper`."""
    return any(c in wanted or c.split(".", 1)[0] in wanted for c in paper.categories)


def _not_modified(request: web.Request, etag: str, last_modified: str) -> bool:
    """Apply RFC 9110 section 13.2.2: If-None-Match decides when present."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return etag in [tag.strip() for tag in if_none_match.split(",")]
    since = request.headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        return email.utils.parsedate_to_datetime(since) >= email.utils.parsedate_to_datetime(
            last_modified
        )
    except (TypeError, ValueError):
        return False


async def _send_raw(
    request: web.Request, body: bytes, headers: Mapping[str, str]
) -> web.StreamResponse:
    """Send `body` as is (already compressed, say), chunked when the headers ask for it."""
    if headers.get("Transfer-Encoding") != "chunked":
        return web.Response(body=body, headers=headers)
    response = web.StreamResponse(headers={"Content-Type": headers["Content-Type"]})
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        for start in range(0, len(body), 1 << 20):
            await response.write(body[start : start + (1 << 20)])
    except ConnectionError:  # the client stopped reading at its cap
        pass
    return response


@functools.cache
def gzip_bomb(megabytes: int = 1024) -> bytes:
    """Return a well-formed gzip body of ~1 kB per MB that inflates to `megabytes` MB of zeros.

    After a full flush, deflate encodes each identical 1 MB block identically, so the block
    is compressed once and repeated; only the CRC needs the whole length.
    """
    block = b"\0" * (1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    deflate.compress(block)
    deflate.flush(zlib.Z_FULL_FLUSH)
    repeated = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (megabytes << 20) & 0xFFFFFFFF)
    return header + repeated * megabytes + deflate.flush() + trailer


def _atom(body: str, status: int) -> web.Response:
    return web.Response(text=body, status=status, content_type="application/atom+xml")


def _load_api_fixtures() -> tuple[
    dict[str, ApiFixture], dict[tuple[str, int, int], ApiFixture], dict[str, str]
]:
    """Index the recorded exchanges by id_list, by (query, start, size), and entries by id."""
    by_ids: dict[str, ApiFixture] = {}
    by_query: dict[tuple[str, int, int], ApiFixture] = {}
    entries: dict[str, str] = {}
    for path in sorted(API_FIXTURES.glob("*.json")):
        exchange = json.loads(path.read_text(encoding="utf-8"))
        fixture = ApiFixture(exchange["status_code"], exchange["body"])
        parsed = parse_qs(urlsplit(exchange["url"]).query, keep_blank_values=True)
        query = {key: values[0] for key, values in parsed.items()}
        if query.get("id_list"):
            by_ids[query["id_list"]] = fixture
        else:
            key = (query.get("search_query", ""), int(query["start"]), int(query["max_results"]))
            by_query[key] = fixture
        if fixture.status == 200:
            for entry in _ENTRY.findall(fixture.body):
                found = _ENTRY_ID.search(entry)
                if found:
                    entries.setdefault(split_version(found.group(1))[0], "  " + entry + "\n")
    return by_ids, by_query, entries


def recorded_feed() -> str:
    """Return the recorded cs.AI feed of 2025-08-20."""
    return FEED_FIXTURE.read_text(encoding="utf-8")
