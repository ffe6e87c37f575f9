"""What a keyword list finds in one announcement: for the reply to `/subscribe` and `/digest set`.

Nothing silent (docs/behaviour.md): setting up a digest or a subscription says how many papers
of the latest announcement the keywords match, 0 included. The report also shows the first
few titles and names the keywords that matched nothing, so a person can tune their list
(`arxiv-digest-bot matches` lists every paper).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.matching.keywords import KeywordQuery
from bot.matching.matcher import match_papers
from bot.models import Match, Paper
from bot.render.latex import readable_text

TOP_TITLES = 3


@dataclass(frozen=True, slots=True)
class KeywordReport:
    """How a keyword list fares on one announcement's papers."""

    matched: int  # papers matched, exclusions applied
    total: int  # papers looked at
    top_titles: tuple[str, ...]  # the best matches' titles, as readers see them
    unmatched: tuple[str, ...]  # positive keywords, as written, that no matched paper shows

    def describe(self) -> str:
        """Return the report as one or two plain sentences for the person who set it up."""
        if self.matched == 0:
            text = f"None of the latest announcement's {self.total} papers matches these keywords."
        else:
            titles = [f"“{title}”" for title in self.top_titles]
            if self.matched > len(titles):
                titles.append(f"and {self.matched - len(titles)} more")
            text = (
                f"{self.matched} of the latest announcement's {self.total} papers match, "
                f"best first: {'; '.join(titles)}."
            )
        if self.unmatched and self.matched:
            text += " No paper matched " + ", ".join(f"`{k}`" for k in self.unmatched) + "."
        return text


def keyword_report(
    query: KeywordQuery, papers: Sequence[Paper], *, top: int = TOP_TITLES
) -> KeywordReport:
    """Match `query` against one announcement's `papers` and report what it finds."""
    found = match_papers(query, papers)
    shown = {keyword for match in found for keyword in match.keywords}
    unmatched = tuple(term.text for term in query.positive if term.text not in shown)
    return KeywordReport(
        matched=len(found),
        total=len(papers),
        top_titles=tuple(_title(match) for match in found[:top]),
        unmatched=unmatched,
    )


def _title(match: Match) -> str:
    """Return a matched paper's title as readers see it, on one line."""
    return " ".join(readable_text(match.paper.title).split())
