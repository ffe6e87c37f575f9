"""The shared part of a pass: enrich and summarize each chosen paper once, whoever chose it.

Enrichment asks the query API for the papers it has not completed yet, at most 100 ids per
request (docs/behaviour.md, "The query API"); summaries are asked once per paper version and
language, the summarizer's cache and single-flight doing the rest. `/summarize` and the CLI's
`summarize` use the same service for one paper.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping

from bot.arxiv.api import ArxivApi
from bot.errors import ArxivError
from bot.ids import ArxivId
from bot.models import DigestItem, Paper
from bot.store import papers
from bot.store.db import Database
from bot.summarize.service import Summarizer, SummaryOutcome
from bot.summarize.spending import Payers

log = logging.getLogger(__name__)

#: Called with a step name, work done and work total, e.g. ("summarizing", 3, 10).
Progress = Callable[[str, int, int], None]


def no_progress(step: str, done: int, total: int) -> None:
    """Ignore progress (the default outside a terminal)."""


class PaperWork:
    """Enrich and summarize papers once each, for every target at once."""

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

    async def enrich(self, chosen: Iterable[Paper]) -> dict[str, Paper]:
        """Add API metadata (affiliations, comment, DOI, ...) to the chosen papers, once each.

        Only papers the API has not completed yet are asked for, in one request per 100.
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
        stored = await papers.latest_papers(self._db, wanted)
        return {
            base_id: _with_metadata(paper, stored[base_id]) if base_id in stored else paper
            for base_id, paper in wanted.items()
        }

    async def summarize(
        self,
        wanted: Mapping[str, Mapping[str, Paper]],
        payers: Mapping[tuple[str, str], Payers] | None = None,
    ) -> dict[tuple[str, str], SummaryOutcome]:
        """Summarize each paper once per language; key the outcomes by (language, base id).

        `wanted` maps each language to the papers (by base id) some target wants in it;
        `payers`, keyed the same way, whom each call would be made for (servers' shares).
        """
        total = sum(len(bucket) for bucket in wanted.values())
        done = 0
        outcomes: dict[tuple[str, str], SummaryOutcome] = {}
        self._progress("summarizing", 0, total)

        async def one_language(language: str, bucket: Mapping[str, Paper]) -> None:
            nonlocal done
            by_id = {
                base_id: payers[(language, base_id)]
                for base_id in bucket
                if payers is not None and (language, base_id) in payers
            }
            results = await self._summarizer.summarize_many(list(bucket.values()), language, by_id)
            for paper in bucket.values():
                outcomes[(language, paper.base_id)] = results[(paper.base_id, paper.version)]
            done += len(bucket)
            self._progress("summarizing", done, total)

        # Languages side by side: the summarizer's concurrency limit spans them all.
        await asyncio.gather(*(one_language(lang, bucket) for lang, bucket in wanted.items()))
        return outcomes

    async def summarize_id(
        self,
        arxiv_id: ArxivId,
        language: str,
        *,
        interactive: bool = False,
        payers: Payers | None = None,
    ) -> DigestItem:
        """Return the item `/summarize` shows for one paper: stored if known, else fetched.

        Raise PaperNotFoundError for an id arXiv does not know, ArxivError when it fails
        (`interactive`: soon, with `retry_in`, rather than after every retry). `payers`: the
        server asking, charged against its share of the daily budget.
        """
        paper = await papers.get_paper(self._db, arxiv_id.base, arxiv_id.version)
        if paper is None or arxiv_id.base in await papers.papers_needing_enrichment(
            self._db, [arxiv_id.base]
        ):
            self._progress("fetching metadata", 0, 1)
            paper = await self._api.get(arxiv_id, interactive=interactive)
            await papers.save_enriched(self._db, [paper])
        self._progress("summarizing", 0, 1)
        outcome = await self._summarizer.summarize(paper, language, payers=payers)
        self._progress("summarizing", 1, 1)
        return DigestItem(paper=paper, summary=outcome.summary, fallback=outcome.fallback)


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
