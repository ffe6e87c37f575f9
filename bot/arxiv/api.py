"""Full metadata by id from arXiv's query API, through the `arxiv` package.

The package is synchronous (`requests`, `time.sleep`), so every call runs in a worker
thread, and only while holding the process-wide RateLimiter: its own spacing and retries
are switched off (`delay_seconds=0`, `num_retries=0`) and ours apply, which honour
`Retry-After` and pause the feed too. Results come back as `bot.models.Paper`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import math
import threading
import time
import xml.etree.ElementTree as StdET  # only for its ParseError; parsing goes through defusedxml
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import arxiv
import defusedxml
import defusedxml.ElementTree as SafeET
import requests

from bot.arxiv.calendar import SubmissionWindow
from bot.arxiv.limiter import RateLimiter, RetryPolicy, TryAgain, parse_retry_after, retrying
from bot.arxiv.listing import (
    QUERY_RESULT_LIMIT,
    WindowListing,
    category_groups,
    typed_as_in_feed,
    window_query,
)
from bot.arxiv.transfer import ACCEPT_ENCODING, DeadlineExceededError, read_urllib3_body
from bot.errors import ArxivBadRequestError, ArxivError, ArxivParseError, PaperNotFoundError
from bot.ids import ArxivId, split_version
from bot.models import Author, Paper

log = logging.getLogger(__name__)

T = TypeVar("T")

API_MAX_RESULTS = 2000
"""The query API returns at most this many results per call (its user manual, section 3.1.1.2:
https://info.arxiv.org/help/api/user-manual.html)."""

_ATOM = "{http://www.w3.org/2005/Atom}"
_ERROR_ID_MARK = "/api/errors"  # error entries have ids like https://arxiv.org/api/errors#...
_RETRY_STATUSES = frozenset({408, 429})  # plus every 5xx
_ID_EXAMPLES = "2203.01250, 2203.01250v3 or hep-th/9901001"
#: Redirects followed per request (a mirror may redirect; a loop ends as one error).
MAX_REDIRECTS = 5


class _ArxivSession(requests.Session):
    """A requests.Session for arXiv: our User-Agent, a total deadline, a size cap, few redirects.

    arxiv 4.0.2 calls `session.get(url, headers={"user-agent": "arxiv.py/..."})`
    (`Client.__try_parse_feed`), and per-request headers beat session headers, so the
    User-Agent is replaced on the prepared request. It passes no timeout either, and
    requests' timeout is per read: every body is read here, in steps, until `deadline` (a
    `time.monotonic()` the caller sets before each attempt), and decompressed with a cap.
    Redirects are followed here too, so each redirect's body is read the same bounded way.
    The last response lets us read `Retry-After` and the body, which `arxiv.HTTPError` does
    not carry.
    """

    def __init__(self, user_agent: str, timeout: float, max_bytes: int) -> None:
        super().__init__()
        self.headers["User-Agent"] = user_agent
        self.max_redirects = MAX_REDIRECTS
        self._user_agent = user_agent
        self.timeout = timeout
        self._max_bytes = max_bytes
        self.deadline = math.inf
        self.last_response: requests.Response | None = None

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Send with our User-Agent; read the whole body by the deadline; remember it."""
        request.headers["User-Agent"] = self._user_agent
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
        follow = kwargs.pop("allow_redirects", True)
        left = min(self.deadline - time.monotonic(), self.timeout)
        if left <= 0:
            raise requests.Timeout(f"no complete answer within {self.timeout:g} s")
        kwargs["timeout"] = left  # connect and each read; the whole is bounded below
        kwargs["stream"] = True
        self.last_response = None
        response = super().send(request, allow_redirects=False, **kwargs)
        try:
            # requests keeps the body in `_content` once read; we read it ourselves.
            response._content = read_urllib3_body(
                response.raw,
                content_encoding=response.headers.get("Content-Encoding"),
                max_bytes=self._max_bytes,
                deadline=min(self.deadline, time.monotonic() + left),
                source="arXiv API",
            )
        except DeadlineExceededError as exc:
            raise requests.Timeout(f"no complete answer within {self.timeout:g} s") from exc
        finally:
            response.close()
        if follow and response.is_redirect:
            chain = [response, *self.resolve_redirects(response, request, **kwargs)]
            response = chain.pop()
            response.history = chain
        self.last_response = response
        return response


class ArxivApi:
    """The query API: `fetch()` by id in batches, `get()` one paper, `list_window()` a window."""

    def __init__(
        self,
        limiter: RateLimiter,
        *,
        api_url: str,
        user_agent: str,
        batch_size: int = 100,
        page_size: int = 500,
        timeout: float = 60.0,
        max_bytes: int = 20_000_000,
        max_attempts: int = 4,
        backoff_base: float = 1.0,
        max_wait: float = 600.0,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        for name, size in (("batch_size", batch_size), ("page_size", page_size)):
            if not 1 <= size <= API_MAX_RESULTS:
                raise ValueError(f"{name} must be 1 to {API_MAX_RESULTS}, got {size}")
        self._limiter = limiter
        self._batch_size = batch_size
        self._page_size = page_size
        self._retry = RetryPolicy(
            max_attempts=max_attempts, backoff_base=backoff_base, max_wait=max_wait
        )
        # Someone is waiting (/summarize): wait for the connection no longer than another
        # request may keep it (its own deadline), then one answer, a retry if time is left,
        # and otherwise say when to come back.
        patience = timeout + limiter.interval + 1.0
        self._interactive = RetryPolicy(
            max_attempts=2,
            backoff_base=backoff_base,
            max_wait=patience,
            deadline=patience + timeout,
        )
        self._now = now
        self._session = _ArxivSession(user_agent, timeout, max_bytes)
        # Our limiter spaces and retries requests; the package must not sleep or retry.
        self._client = arxiv.Client(page_size=batch_size, delay_seconds=0, num_retries=0)
        # `query_url_format` is a class attribute; the instance copy points at api_url.
        # Braces are escaped because the package calls .format() on it.
        escaped = api_url.replace("{", "{{").replace("}", "}}")
        self._client.query_url_format = escaped + "?{}"
        # The package exposes no way to pass a session; `_session` is its only one.
        self._client._session = self._session

    def close(self) -> None:
        """Close the HTTP connections (call once, at shutdown)."""
        self._session.close()

    async def fetch(self, ids: Sequence[str]) -> dict[str, Paper]:
        """Return papers by base id for `ids` (with or without version); unknown ids are absent.

        Ask in batches of at most `batch_size` ids, one request each, through the limiter.
        """
        unique = list(dict.fromkeys(text.strip() for text in ids if text.strip()))
        papers: dict[str, Paper] = {}
        for start in range(0, len(unique), self._batch_size):
            for paper in await self._query(unique[start : start + self._batch_size]):
                papers.setdefault(paper.base_id, paper)
        return papers

    async def get(self, arxiv_id: ArxivId, *, interactive: bool = False) -> Paper:
        """Return one paper (the given version, or the latest); raise PaperNotFoundError.

        `interactive` (someone is waiting) bounds the whole lookup, waits included, to about
        two request timeouts, and fails at once when arXiv asked for a longer pause.
        """
        policy = self._interactive if interactive else self._retry
        papers = await self._query([str(arxiv_id)], policy)
        if not papers:
            raise PaperNotFoundError(f"arXiv has no paper {arxiv_id}")
        return papers[0]

    async def list_window(
        self,
        categories: Sequence[str],
        window: SubmissionWindow,
        *,
        announced: dt.date | None = None,
    ) -> WindowListing:
        """List the papers first submitted in `window` in any of `categories`.

        One query per group of categories (`bot.arxiv.listing`), sorted by submission date
        and paged `page_size` at a time, each page one request through the limiter with
        the usual retries, deadline and size cap. Papers come typed `new` or `cross` as the
        feed for `categories` would type them, dated `announced`; replacements are not
        listed (see `bot.arxiv.listing`). Raise as `fetch()` does.
        """
        wanted = tuple(sorted(set(categories)))
        if not wanted:
            raise ValueError("list_window() needs at least one category")
        found: dict[str, Paper] = {}
        requests = 0
        for group in category_groups(wanted):
            query = window_query(group, window)
            start, total = 0, 1
            while start < min(total, QUERY_RESULT_LIMIT):
                results, total = await self._page(query, start)
                requests += 1
                start += len(results)
                for paper in map(_to_paper, results):
                    if paper.published in window:  # the query's minutes may reach outside
                        found.setdefault(paper.base_id, paper)
            if total > QUERY_RESULT_LIMIT:
                log.warning(
                    "arXiv lists %d papers for %s, more than the %d one query can page through",
                    total,
                    query,
                    QUERY_RESULT_LIMIT,
                )
        papers = typed_as_in_feed(found.values(), wanted, announced)
        return WindowListing(window, wanted, papers, requests)

    async def _page(self, query: str, start: int) -> tuple[list[Any], int]:
        """Fetch one page of a search's results; return them and the total the API reports."""
        search = arxiv.Search(
            query=query,
            max_results=None,
            sort_by=arxiv.SortCriterion.SubmittedDate,
            sort_order=arxiv.SortOrder.Ascending,
        )
        # One request per page, each through the limiter: `Client.results()` would fetch the
        # next page itself, inside one slot and without spacing.
        url = self._client._format_url(search, start, self._page_size)
        what = f"arXiv API listing {query} from {start}"
        feed, body = await self._request(
            functools.partial(self._run_page, url, start), what, f"the query {query}"
        )
        _check_atom(body)
        return list(feed.results), feed.header.total_results

    def _run_page(self, url: str, start: int) -> tuple[Any, bytes]:
        """Fetch and parse one page on this (worker) thread; return it and the raw body.

        An empty page before the reported total is the API's known hiccup: retried, as the
        package itself does (`UnexpectedEmptyPageError`).
        """
        feed = self._client._parse_feed(url, first_page=True)
        response = self._session.last_response
        body = response.content if response is not None else b""
        if not feed.results and start < feed.header.total_results and not feed.malformed:
            raise arxiv.UnexpectedEmptyPageError(url, 0, feed)
        return feed, body

    async def _query(self, batch: list[str], policy: RetryPolicy | None = None) -> list[Paper]:
        """Run one id_list query (retried through the limiter) and convert its results."""
        search = arxiv.Search(id_list=batch, max_results=len(batch))
        more = f" and {len(batch) - 1} more" if len(batch) > 1 else ""
        shown = ", ".join(batch[:3]) + (", ..." if len(batch) > 3 else "")
        results, body = await self._request(
            functools.partial(self._run, search),
            f"arXiv API query for {batch[0]}{more}",
            f"the id list {shown}",
            policy,
            hint=f" (valid ids look like {_ID_EXAMPLES})",
        )
        _check_atom(body)
        return [_to_paper(result) for result in results]

    async def _request(
        self,
        call: Callable[[], T],
        what: str,
        refused: str,
        policy: RetryPolicy | None = None,
        *,
        hint: str = "",
    ) -> T:
        """Run `call` (one request) in a worker thread inside the limiter, retrying failures.

        408, 429, 5xx, transport errors and slow answers are retried (honouring
        `Retry-After`); a 400 is ArxivBadRequestError naming `refused`, with `hint`.
        """

        async def attempt() -> T:
            self._session.deadline = time.monotonic() + self._session.timeout
            try:
                return await _in_thread_holding_the_slot(call)
            except arxiv.HTTPError as exc:
                raise self._http_failure(exc.status, refused, hint) from exc
            except arxiv.UnexpectedEmptyPageError as exc:
                raise TryAgain("unexpected empty page") from exc
            except requests.TooManyRedirects as exc:
                raise ArxivError(
                    f"{what}: redirected more than {MAX_REDIRECTS} times (a redirect loop?)"
                ) from exc
            except requests.RequestException as exc:
                raise TryAgain(f"{type(exc).__name__} {exc}".strip()) from exc

        return await retrying(self._limiter, policy or self._retry, what, attempt)

    def _run(self, search: arxiv.Search) -> tuple[list[Any], bytes]:
        """Run the search on this (worker) thread; return the results and the raw body."""
        results = list(self._client.results(search))
        response = self._session.last_response
        return results, response.content if response is not None else b""

    def _http_failure(self, status: int, refused: str, hint: str) -> Exception:
        """Return what to raise for an HTTP error: TryAgain for 408/429/5xx, else ours."""
        response = self._session.last_response
        if status in _RETRY_STATUSES or status >= 500:
            header = response.headers.get("Retry-After") if response is not None else None
            return TryAgain(f"HTTP {status}", parse_retry_after(header, self._now()))
        if status == 400:
            detail = _error_summary(response.content) if response is not None else ""
            return ArxivBadRequestError(f"arXiv refused {refused}: {detail or 'HTTP 400'}{hint}")
        return ArxivError(f"arXiv API answered HTTP {status}")


async def _in_thread_holding_the_slot(call: Callable[[], T]) -> T:
    """Run `call()` in a daemon thread; if cancelled, still wait for the thread to end.

    A thread cannot be stopped, so leaving early would release the limiter while the request
    is still on the wire: two connections at once, which arXiv forbids. Cancelled a second
    time (at shutdown, once the grace period is over), it stops waiting: the thread is a
    daemon, so the process can exit without waiting up to ARXIV_TIMEOUT_SECONDS for an
    answer nobody needs, and the connection ends with it. `asyncio.to_thread` would not do:
    the interpreter waits for its executor's threads at exit.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def run() -> None:
        try:
            result = call()
        except BaseException as exc:  # handed over to the awaiting task, as to_thread does
            _settle(loop, done, exc)
        else:
            _settle(loop, done, result)

    threading.Thread(target=run, name="arxiv-api", daemon=True).start()
    try:
        return await asyncio.shield(done)
    except asyncio.CancelledError:
        await asyncio.wait({done})
        raise


def _settle(loop: asyncio.AbstractEventLoop, future: asyncio.Future[T], outcome: object) -> None:
    """From a worker thread, give `future` its result (or exception) on the loop's thread."""

    def settle() -> None:
        if future.done():
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)  # type: ignore[arg-type]

    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
        loop.call_soon_threadsafe(settle)


def _check_atom(body: bytes) -> None:
    """Raise ArxivParseError unless `body` is an Atom feed without an error entry.

    The package parses with `recover=True` and turns a broken body into "no results",
    which would read as "paper not found"; this check tells the two apart.
    """
    try:
        root = SafeET.fromstring(body)
    except (StdET.ParseError, defusedxml.DefusedXmlException) as exc:
        raise ArxivParseError(f"arXiv API answer is not well-formed XML: {exc}") from exc
    if root.tag != f"{_ATOM}feed":
        raise ArxivParseError(f"arXiv API answer is not an Atom feed (root <{root.tag}>)")
    for entry in root.findall(f"{_ATOM}entry"):
        if _ERROR_ID_MARK in (entry.findtext(f"{_ATOM}id") or ""):
            summary = " ".join((entry.findtext(f"{_ATOM}summary") or "").split())
            raise ArxivBadRequestError(f"arXiv refused the query: {summary or 'error entry'}")


def _error_summary(body: bytes) -> str:
    """Return the `<summary>` of the API's error entry ("incorrect id format for abc")."""
    try:
        root = SafeET.fromstring(body)
    except (StdET.ParseError, defusedxml.DefusedXmlException):
        return ""
    for entry in root.findall(f"{_ATOM}entry"):
        if _ERROR_ID_MARK in (entry.findtext(f"{_ATOM}id") or ""):
            return " ".join((entry.findtext(f"{_ATOM}summary") or "").split())
    return ""


def _to_paper(result: Any) -> Paper:
    """Convert an `arxiv.Result` into a Paper: primary category first, whitespace squashed."""
    base_id, version = split_version(result.get_short_id())
    if not base_id:
        raise ArxivParseError(f"arXiv API entry without a usable id: {result.entry_id!r}")
    primary: str | None = result.primary_category or None
    categories = list(result.categories)
    if primary is None and categories:
        primary = categories[0]
    if primary is not None:
        categories = [primary, *(c for c in categories if c != primary)]
    return Paper(
        base_id=base_id,
        version=version or 1,
        title=_squash(result.title),
        abstract=_squash(result.summary),
        authors=tuple(
            Author(_squash(author.name), tuple(_squash(a) for a in author.affiliation if a))
            for author in result.authors
        ),
        categories=tuple(categories),
        primary_category=primary,
        comment=_squash(result.comment) or None,
        journal_ref=_squash(result.journal_ref) or None,
        doi=_squash(result.doi) or None,
        published=result.published,
        updated=result.updated,
    )


def _squash(text: str | None) -> str:
    """Collapse runs of whitespace (the API wraps long lines) into single spaces."""
    return " ".join(text.split()) if text else ""
