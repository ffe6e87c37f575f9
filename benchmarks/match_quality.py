"""Precision and recall of keyword matching on two real arXiv days, against judged relevance.

Data: the 1,162 papers of tests/fixtures/real-days/ and the relevance judgments of
tests/fixtures/match-judgments.json (made by reading every word that contains each keyword's
letters; see that file's "about"). For each keyword, the papers the Matcher returns are
compared with the judged ones, and so are those of naive matching: the keyword as a
case-insensitive substring of the raw title and abstract (of the author names for `au:`),
what a simple bot does.

Target (README, "Keyword matching quality"): every keyword >= 0.95 precision and >= 0.95
recall; the mean of each >= 0.97. tests/bot/test_match_quality.py holds the Matcher to it.

Run: `.venv/bin/python benchmarks/match_quality.py [--markdown]`
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.matching import Matcher, parse_keywords  # noqa: E402
from bot.matching.text import normalize  # noqa: E402
from bot.models import Author, Paper  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


@dataclass(frozen=True)
class Score:
    """Precision and recall of one way of matching, for one keyword."""

    precision: float
    recall: float

    @classmethod
    def of(cls, found: set[str], relevant: set[str]) -> Score:
        """Score the ids `found` against the `relevant` ones (1.0 when there is nothing)."""
        hits = len(found & relevant)
        return cls(hits / len(found) if found else 1.0, hits / len(relevant) if relevant else 1.0)


def load_papers() -> list[Paper]:
    """Return the papers of both real days, as the feed would give them."""
    papers = []
    for path in sorted((FIXTURES / "real-days").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            papers.append(
                Paper(
                    base_id=row["id"],
                    version=1,
                    title=row["title"],
                    abstract=row["abstract"],
                    authors=tuple(Author(name) for name in row["authors"]),
                    categories=tuple(row["categories"]),
                )
            )
    return papers


def load_judgments() -> dict[str, set[str]]:
    """Return {keyword as typed: the ids of the papers judged relevant}."""
    data = json.loads((FIXTURES / "match-judgments.json").read_text(encoding="utf-8"))
    return {keyword: set(entry["relevant"]) for keyword, entry in data["keywords"].items()}


def matcher_found(keywords: list[str], papers: list[Paper]) -> dict[str, set[str]]:
    """Return the ids the Matcher finds for each keyword (one target per keyword)."""
    matcher = Matcher({keyword: parse_keywords(keyword) for keyword in keywords})
    found = matcher.match(papers)
    return {keyword: {match.paper.base_id for match in found[keyword]} for keyword in keywords}


def naive_found(keyword: str, papers: list[Paper]) -> set[str]:
    """Return the ids whose raw text (or author names) holds the keyword, in any case."""
    if keyword.startswith("au:"):
        name = normalize(keyword[3:])
        return {p.base_id for p in papers if any(name in normalize(a.name) for a in p.authors)}
    needle = keyword.strip('"').lower()
    return {p.base_id for p in papers if needle in f"{p.title}\n{p.abstract}".lower()}


def evaluate() -> dict[str, tuple[int, Score, Score]]:
    """Return {keyword: (judged relevant papers, Matcher's score, naive score)}."""
    papers = load_papers()
    judged = load_judgments()
    found = matcher_found(list(judged), papers)
    return {
        keyword: (
            len(relevant),
            Score.of(found[keyword], relevant),
            Score.of(naive_found(keyword, papers), relevant),
        )
        for keyword, relevant in judged.items()
    }


def main() -> None:
    """Print the table (plain or markdown) and the means."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args()
    results = evaluate()
    if args.markdown:
        print("| keyword | relevant | precision | recall | naive precision | naive recall |")
        print("|---|---:|---:|---:|---:|---:|")
        row = "| `{}` | {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} |"
    else:
        print(f"{'keyword':26} {'relevant':>8} {'P':>6} {'R':>6} {'naive P':>8} {'naive R':>8}")
        row = "{:26} {:>8} {:>6.2f} {:>6.2f} {:>8.2f} {:>8.2f}"
    for keyword, (relevant, ours, naive) in results.items():
        print(
            row.format(
                keyword, relevant, ours.precision, ours.recall, naive.precision, naive.recall
            )
        )
    scores = [score for _, score, _ in results.values()]
    naive = [score for _, _, score in results.values()]
    print(
        f"\nmean: precision {statistics.mean(s.precision for s in scores):.3f}, "
        f"recall {statistics.mean(s.recall for s in scores):.3f} "
        f"(naive: {statistics.mean(s.precision for s in naive):.3f}, "
        f"{statistics.mean(s.recall for s in naive):.3f}) over {len(results)} keywords"
    )
    below = [k for k, (_, s, _) in results.items() if min(s.precision, s.recall) < 0.95]
    print("every keyword >= 0.95:", "yes" if not below else f"no ({', '.join(below)})")


if __name__ == "__main__":
    main()
