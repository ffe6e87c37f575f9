"""Matching on two real arXiv days finds what researchers mean (README, "Keyword matching quality").

tests/fixtures/match-judgments.json holds, per keyword, the papers of
tests/fixtures/real-days/ judged relevant by reading every word that contains the keyword's
letters (never by running the matcher). benchmarks/match_quality.py prints the same table,
with naive substring matching beside it.
"""

from __future__ import annotations

import json
import statistics
from functools import cache
from pathlib import Path

import pytest

from bot.matching import Matcher, parse_keywords
from bot.models import Author, Match, Paper

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
JUDGMENTS = json.loads((FIXTURES / "match-judgments.json").read_text(encoding="utf-8"))["keywords"]
TARGET = 0.95
MEAN_TARGET = 0.97
# The 34 keywords that must be judged at least; more are judged in the file.
REQUIRED_KEYWORDS = [
    "rag", "llm", "agent", "kv cache", "diffusion", "reinforcement learning",
    "mixture of experts", "moe", "lora", "graph neural network", "vision transformer",
    "speculative decoding", "in-context learning", "chain-of-thought", "state space model",
    "mamba", "qwen", "llama", "gpt", "yolo", "clip", "CLIP", "vit", "gan", "bert",
    "fine-tuning", "quantization", "world model", "reward model", "transformers", "datasets",
    "policies", "au:Wang", "au:Muller",
]  # fmt: skip


@cache
def real_papers() -> tuple[Paper, ...]:
    """Return the papers of both real days, as the feed gives them (LaTeX and all)."""
    papers = []
    for path in sorted((FIXTURES / "real-days").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            authors = tuple(Author(name) for name in row["authors"])
            papers.append(Paper(row["id"], 1, row["title"], row["abstract"], authors=authors))
    return tuple(papers)


@cache
def found() -> dict[str, list[Match]]:
    """Match every judged keyword (one target each) against both days, with one Matcher."""
    matcher = Matcher({keyword: parse_keywords(keyword) for keyword in JUDGMENTS})
    return matcher.match(real_papers())


def scores(keyword: str) -> tuple[float, float]:
    """Return (precision, recall) of the Matcher for `keyword` against the judgments."""
    relevant = set(JUDGMENTS[keyword]["relevant"])
    returned = {match.paper.base_id for match in found()[keyword]}
    hits = len(returned & relevant)
    return hits / len(returned) if returned else 1.0, hits / len(relevant)


def test_every_keyword_the_issue_names_is_judged() -> None:
    assert set(REQUIRED_KEYWORDS) <= set(JUDGMENTS)
    assert all(JUDGMENTS[keyword]["relevant"] for keyword in JUDGMENTS)


@pytest.mark.parametrize("keyword", [k for k in JUDGMENTS if "known_gap" not in JUDGMENTS[k]])
def test_keyword_finds_what_researchers_mean(keyword: str) -> None:
    precision, recall = scores(keyword)
    assert precision >= TARGET, f"{keyword}: precision {precision:.3f}"
    assert recall >= TARGET, f"{keyword}: recall {recall:.3f}"


def test_known_gaps_do_not_get_worse() -> None:
    # `distillation`: a keyword in -ation does not match its verb ("distilled"); see the
    # judgments' known_gap. Its precision holds; recall was 0.86 when judged.
    gaps = [keyword for keyword in JUDGMENTS if "known_gap" in JUDGMENTS[keyword]]
    assert gaps == ["distillation"]
    precision, recall = scores("distillation")
    assert precision >= TARGET
    assert recall >= 42 / 49


def test_mean_precision_and_recall_reach_the_target() -> None:
    all_scores = [scores(keyword) for keyword in JUDGMENTS]
    assert statistics.mean(p for p, _ in all_scores) >= MEAN_TARGET
    assert statistics.mean(r for _, r in all_scores) >= MEAN_TARGET
