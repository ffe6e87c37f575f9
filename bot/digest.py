"""The pipeline (SPEC section 2, steps 3-5): announcement -> matches -> enrichment -> summaries.

One `DigestBuilder` serves the scheduler, the slash commands and the CLI. `build_many` does
the work for every target of an announcement at once, so each matched paper is enriched once
and summarized once per language however many digests and subscribers want it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TypeVar

from bot.arxiv.api import ArxivApi
from bot.errors import ArxivError
from bot.ids import ArxivId
from bot.matching import KeywordQuery, Matcher
from bot.models import AnnounceType, Digest, DigestItem, Match, Paper
from bot.store import announcements, papers
from bot.store.db import Database
from bot.summarize.service import Summarizer, SummaryOutcome

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)

#: A replacement is a new version of a paper announced before: versions are tracked, never
#: delivered as new papers (SPEC section 2, "Record").
_DELIVERED_TYPES = frozenset({AnnounceType.NEW, AnnounceType.CROSS})

#: Called with a step name, work done and work total, e.g. ("summarizing", 3, 10).
Progress = Callable[[str, int, int], None]


def no_progress(step: str, done: int, total: int) -> None:
    """Ignore progress (the default outside a terminal)."""


@dataclasses.dataclass(frozen=True, slots=True)
class DigestRequest:
    """What one target (a channel digest or a subscriber) wants from an announcement."""

    categories: tuple[str, ...]
    query: KeywordQuery
    language: str
    max_papers: int = 10
    include_cross_lists: bool = False
    #: Base ids the target already received: never delivered twice (SPEC section 8).
    exclude_base_ids: frozenset[str] = frozenset()


class DigestBuilder:
    """Turn the recorded announcement into ranked, summarized digests per target."""

    def __init__(
        self,
        db: Database,
        api: ArxivApi,
        summarizer: Summarizer,
        *,
        progress: Progress = no_progress,
    ) -> None:
        self._db = db
        self._api = api
        self._summarizer = summarizer
        self._progress = progress

    async def build(self, request: DigestRequest, date: dt.date) -> Digest:
        """Build the digest of one target for the announcement of `date`."""
        return (await self.build_many({0: request}, date))[0]

    async def build_many(
        self, requests: Mapping[K, DigestRequest], date: dt.date
    ) -> dict[K, Digest]:
        """Build every target's digest for `date`; enrich and summarize each paper once."""
        candidates: dict[K, list[Paper]] = {}
        for key, request in requests.items():
            entries = await announcements.entries_for(
                self._db, date, request.categories, include_cross_lists=request.include_cross_lists
            )
            candidates[key] = [
                paper
                for paper in entries
                if paper.announce_type in _DELIVERED_TYPES
                and paper.base_id not in request.exclude_base_ids
            ]
        matches = self._match(requests, candidates)
        chosen = {key: found[: requests[key].max_papers] for key, found in matches.items()}
        enriched = await self._enrich(m.paper for found in chosen.values() for m in found)
        outcomes = await self._summarize(requests, chosen, enriched)
        digests: dict[K, Digest] = {}
        for key, request in requests.items():
            items = tuple(
                _item(enriched[m.paper.base_id], m, outcomes[(request.language, m.paper.base_id)])
                for m in chosen[key]
            )
            digests[key] = Digest(
                categories=request.categories,
                date=date,
                items=items,
                matched=len(matches[key]),
                total=len(candidates[key]),
            )
        return digests

    async def summarize_id(
        self, arxiv_id: ArxivId, language: str, *, interactive: bool = False
    ) -> DigestItem:
        """Return the item `/summarize` shows for one paper: stored if known, else fetched.

        Raise PaperNotFoundError for an id arXiv does not know, ArxivError when it fails
        (`interactive`: soon, with `retry_in`, rather than after every retry).
        """
        paper = await papers.get_paper(self._db, arxiv_id.base, arxiv_id.version)
        if paper is None or arxiv_id.base in await papers.papers_needing_enrichment(
            self._db, [arxiv_id.base]
        ):
            self._progress("fetching metadata", 0, 1)
            paper = await self._api.get(arxiv_id, interactive=interactive)
            await papers.save_enriched(self._db, [paper])
        self._progress("summarizing", 0, 1)
        outcome = await self._summarizer.summarize(paper, language)
        self._progress("summarizing", 1, 1)
        return DigestItem(paper=paper, summary=outcome.summary, fallback=outcome.fallback)

    def _match(
        self, requests: Mapping[K, DigestRequest], candidates: Mapping[K, list[Paper]]
    ) -> dict[K, list[Match]]:
        """Match every target against the union of candidates with one compiled matcher."""
        union: dict[str, Paper] = {}
        for papers_of_target in candidates.values():
            for paper in papers_of_target:
                union.setdefault(paper.base_id, paper)
        everyone = Matcher({key: request.query for key, request in requests.items()})
        hits = everyone.match(list(union.values()))
        result: dict[K, list[Match]] = {}
        for key, found in hits.items():
            own = {paper.base_id: position for position, paper in enumerate(candidates[key])}
            # Order within the target's own announcement order (the ranking's last criterion).
            mine = [
                dataclasses.replace(m, order=own[m.paper.base_id])
                for m in found
                if m.paper.base_id in own
            ]
            result[key] = sorted(mine, key=lambda m: m.rank_key)
        return result

    async def _enrich(self, chosen: Iterable[Paper]) -> dict[str, Paper]:
        """Add API metadata (affiliations, comment, DOI, ...) to the chosen papers, once each.

        A failing API is logged and the feed's data used: a paper is never held back for it.
        """
        wanted = {paper.base_id: paper for paper in chosen}
        missing = await papers.papers_needing_enrichment(self._db, wanted)
        if missing:
            self._progress("fetching metadata", 0, len(missing))
            try:
                fetched = await self._api.fetch(missing)
            except ArxivError as exc:
                log.warning(
                    "enrichment of %d papers failed, using feed data: %s", len(missing), exc
                )
            else:
                await papers.save_enriched(self._db, fetched.values())
            self._progress("fetching metadata", len(missing), len(missing))
        result: dict[str, Paper] = {}
        for base_id, paper in wanted.items():
            stored = await papers.get_paper(self._db, base_id)
            result[base_id] = _with_metadata(paper, stored) if stored else paper
        return result

    async def _summarize(
        self,
        requests: Mapping[K, DigestRequest],
        chosen: Mapping[K, list[Match]],
        enriched: Mapping[str, Paper],
    ) -> dict[tuple[str, str], SummaryOutcome]:
        """Summarize every chosen paper once per language; key outcomes by (language, base id)."""
        by_language: dict[str, dict[str, Paper]] = {}
        for key, found in chosen.items():
            bucket = by_language.setdefault(requests[key].language, {})
            for match in found:
                bucket[match.paper.base_id] = enriched[match.paper.base_id]
        total = sum(len(bucket) for bucket in by_language.values())
        done = 0
        outcomes: dict[tuple[str, str], SummaryOutcome] = {}
        self._progress("summarizing", 0, total)
        for language, bucket in by_language.items():
            results = await self._summarizer.summarize_many(list(bucket.values()), language)
            for paper in bucket.values():
                outcomes[(language, paper.base_id)] = results[(paper.base_id, paper.version)]
            done += len(bucket)
            self._progress("summarizing", done, total)
        return outcomes


def _with_metadata(announced: Paper, stored: Paper) -> Paper:
    """Return the announced version with the API's metadata (kept when the API lacks it)."""
    return dataclasses.replace(
        announced,
        authors=stored.authors or announced.authors,
        categories=stored.categories or announced.categories,
        primary_category=stored.primary_category or announced.primary_category,
        comment=stored.comment or announced.comment,
        journal_ref=stored.journal_ref or announced.journal_ref,
        doi=stored.doi or announced.doi,
        published=stored.published or announced.published,
        updated=stored.updated or announced.updated,
    )


def _item(paper: Paper, match: Match, outcome: SummaryOutcome) -> DigestItem:
    """Return the item for one matched paper and its summary outcome."""
    return DigestItem(
        paper=paper, keywords=match.keywords, summary=outcome.summary, fallback=outcome.fallback
    )
