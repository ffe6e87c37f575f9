"""Time ranking a member's digest with their feedback marks (bot/feedback/ranking.py).

Workload: the real announcement of 2026-03-10 (tests/fixtures/real-days/, 484 papers) as
the candidates, the worst case of a subscription without keywords that matches every paper,
and marks on papers of 2026-02-03, half "More like this" and half "Not interested", up to
the 200 that count (bot/feedback/service.py, MARKS_USED). Also a typical digest: the 49
matches of `diffusion` with 20 marks. Ranking runs once per member and announcement.

Run: `.venv/bin/python benchmarks/feedback_benchmark.py [--repeat N]`
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.feedback import FeedbackProfile, rank_with_feedback  # noqa: E402
from bot.matching import match_papers, parse_keywords  # noqa: E402
from bot.models import Match  # noqa: E402
from tests.bot.real_days import real_day  # noqa: E402


def profile(marks: int) -> FeedbackProfile:
    """Return `marks` marks on papers of the earlier day, alternating more and less."""
    earlier = [Match(paper) for paper in real_day("2026-02-03")[:marks]]
    return FeedbackProfile(more=tuple(earlier[0::2]), less=tuple(earlier[1::2]))


def timed(candidates: list[Match], marks: FeedbackProfile, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        rank_with_feedback(candidates, marks)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    everything = [Match(paper, order=i) for i, paper in enumerate(real_day("2026-03-10"))]
    diffusion = match_papers(parse_keywords("diffusion"), real_day("2026-03-10"))
    cases = [
        ("typical: 49 matches, 20 marks", diffusion, profile(20)),
        ("worst: 484 matches, 200 marks", everything, profile(200)),
        ("no marks: 484 matches", everything, FeedbackProfile()),
    ]
    for label, candidates, marks in cases:
        times = timed(candidates, marks, args.repeat)
        print(f"{label}")
        median, worst = statistics.median(times) * 1000, max(times) * 1000
        print(f"  median {median:8.1f} ms   max {worst:8.1f} ms")


if __name__ == "__main__":
    main()
