"""The real announcement days of tests/fixtures/real-days/ as `Paper`s (see its README)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from bot.models import Author, Paper

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "real-days"
DAYS = ("2026-02-03", "2026-03-10")


@functools.cache
def real_day(day: str) -> tuple[Paper, ...]:
    """Return the papers announced on `day` (one of DAYS), in the file's order, as version 1."""
    papers = []
    with (FOLDER / f"{day}.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            papers.append(
                Paper(
                    base_id=item["id"],
                    version=1,
                    title=item["title"],
                    abstract=item["abstract"],
                    authors=tuple(Author(name) for name in item["authors"]),
                    categories=tuple(item["categories"]),
                    primary_category=item["categories"][0] if item["categories"] else None,
                    comment=item["comment"],
                )
            )
    return tuple(papers)


def real_paper(base_id: str) -> Paper:
    """Return one real paper by id, from either day."""
    for day in DAYS:
        for paper in real_day(day):
            if paper.base_id == base_id:
                return paper
    raise KeyError(base_id)
