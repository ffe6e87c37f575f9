"""Time the keyword Matcher against one compiled regex per keyword (docs/behaviour.md rules).

Workload: 2,000 abstracts of real length, re-mixed from the 100 real ones recorded in
tests/fixtures/arxiv-api/q_testing_s0_m100_*.json, and 10,000 distinct keywords (1-3 words
of their vocabulary, some prefix ones) over 500 targets of 20. The target is build + match
under 0.5 s and at least 20x faster than the baseline.

Matching reads each title and abstract as readers see it (LaTeX rendered, invisible
characters removed: bot/render/latex.py); that conversion is remembered per text, so every
run starts with it forgotten, as for a new announcement, and its share is printed. (The 100
recorded abstracts are LaTeX-heavy: mixed, some 45% of the 2,000 abstracts hold LaTeX,
against ~12% on the real days in tests/fixtures/real-days/.)

The baseline is too slow to run in full on every invocation, so by default it runs on the
first `--baseline-papers` papers and its time is scaled to all of them (its cost is linear in
papers: every keyword's regex runs over every paper). `--baseline-papers 2000` runs it all.

The machine this runs on is often shared and noisy: `--against PATH` times the matcher of
another checkout (e.g. `git worktree add /tmp/old 0f3aa5f`, the matcher before the
real-text rules of README "Keywords") on the same workload, interleaved run by run with this
one, and prints each pair's ratio: a ratio measured under the same load means more than
either time alone. benchmarks/match_instructions.py counts the same work in instructions.

Run: `.venv/bin/python benchmarks/match_benchmark.py [--seed N] [--baseline-papers N]
[--against PATH]`
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import defusedxml.ElementTree as ElementTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.matching import KeywordQuery, Matcher, Term, TermKind, parse_keywords  # noqa: E402
from bot.models import Match, Paper  # noqa: E402
from bot.render import latex  # noqa: E402

ATOM = "{http://www.w3.org/2005/Atom}"
FIXTURES = ROOT / "tests" / "fixtures" / "arxiv-api"
PAPERS = 2_000
KEYWORDS = 10_000
PER_TARGET = 20
ABSTRACT_CHARS = 1_500


def load_entries() -> list[tuple[str, str]]:
    """Return (title, abstract) of every recorded entry of the 100-result query."""
    path = next(FIXTURES.glob("q_testing_s0_m100_*.json"))
    body = json.loads(path.read_text(encoding="utf-8"))["body"]
    feed = ElementTree.fromstring(body.encode("utf-8"))
    return [
        (
            " ".join(entry.findtext(f"{ATOM}title", "").split()),
            " ".join(entry.findtext(f"{ATOM}summary", "").split()),
        )
        for entry in feed.iter(f"{ATOM}entry")
    ]


def build_papers(entries: list[tuple[str, str]], rng: random.Random) -> list[Paper]:
    """Mix real sentences into distinct abstracts of about ABSTRACT_CHARS characters."""
    sentences = [s for _, abstract in entries for s in re.split(r"(?<=\.)\s+", abstract) if s]
    titles = [title.split() for title, _ in entries]
    papers = []
    for number in range(PAPERS):
        parts: list[str] = []
        while sum(map(len, parts)) < ABSTRACT_CHARS:
            words = rng.choice(sentences).split()
            if len(words) > 4:  # swap two words so sentences differ between papers
                i, j = rng.sample(range(len(words)), 2)
                words[i], words[j] = words[j], words[i]
            parts.append(" ".join(words))
        title = rng.choice(titles)[:]
        rng.shuffle(title)
        papers.append(
            Paper(f"2508.{number:05d}", 1, " ".join(title), " ".join(parts), categories=("cs.AI",))
        )
    return papers


def build_keywords(entries: list[tuple[str, str]], rng: random.Random) -> list[str]:
    """Return KEYWORDS distinct keywords made of the abstracts' own words.

    Mixed like real keyword lists, so that a target of PER_TARGET keywords matches about 7%
    of the papers (a typical digest header: "10 of 137 new papers matched"): single
    words and prefixes of words that are not common; runs of words that occur in the
    abstracts (they hit, like `kv cache` on a good day); and combinations of words that
    need not occur together (most keywords hit nothing on a given day). Case and hyphens vary.
    """
    runs = [re.findall(r"[A-Za-z][A-Za-z-]{2,}", abstract) for _, abstract in entries]
    in_abstracts = Counter(word.lower() for run in runs for word in {*run})
    common = {word for word, count in in_abstracts.items() if count >= len(entries) // 20}
    words = sorted(set(in_abstracts) - common)
    rare = [word for word in words if in_abstracts[word] <= 2]
    chosen: dict[tuple[TermKind, tuple[str, ...]], str] = {}

    def add(parts: list[str]) -> None:
        text = rng.choice((" ", " ", "-")).join(parts)
        text = text.capitalize() if rng.random() < 0.2 else text
        term = parse_keywords(text).terms[0]
        chosen.setdefault(term.key, text)

    for word in rng.sample(rare, 600):
        add([word])
    for word in rng.sample([word for word in rare if len(word) > 7], 150):
        add([word[: rng.randint(6, len(word) - 1)] + "*"])
    while len(chosen) < 3_300:
        run = rng.choice(runs)
        size = rng.choice((2, 2, 3))
        start = rng.randrange(max(1, len(run) - size))
        parts = run[start : start + size]
        if (
            len(parts) == size
            and parts[0].lower() not in common
            and parts[-1].lower() not in common
        ):
            add(parts)
    while len(chosen) < KEYWORDS:
        add(rng.sample(words, rng.choice((2, 2, 3))))
    texts = list(chosen.values())
    rng.shuffle(texts)
    return texts


def build_targets(keywords: list[str]) -> dict[int, KeywordQuery]:
    """Spread the keywords over targets of PER_TARGET each."""
    return {
        number: parse_keywords(keywords[start : start + PER_TARGET])
        for number, start in enumerate(range(0, len(keywords), PER_TARGET))
    }


def run_matcher(
    targets: dict[int, KeywordQuery], papers: list[Paper]
) -> tuple[float, float, Matcher[int], dict[int, list[Match]]]:
    """Build the matcher and match every paper, what the bot does once per announcement.

    Return the CPU seconds of each step; the matcher and its result too, so that freeing
    them falls outside the timed part.
    """
    forget_readable_text()
    started = time.process_time()
    matcher = Matcher(targets)
    built = time.process_time()
    result = matcher.match(papers)
    return built - started, time.process_time() - built, matcher, result


def forget_readable_text() -> None:
    """Forget every text and formula converted so far, as for the papers of a new announcement."""
    latex.latex_to_unicode.cache_clear()
    latex._readable.cache_clear()
    latex._formula.cache_clear()


def reading_time(papers: list[Paper]) -> float:
    """Return the CPU seconds of reading every title and abstract as readers see them."""
    forget_readable_text()
    started = time.process_time()
    for paper in papers:
        latex.readable_text(paper.title)
        latex.readable_text(paper.abstract)
    return time.process_time() - started


def python_speed() -> float:
    """Return nanoseconds per iteration of a trivial Python loop: how fast this machine is now."""
    started = time.process_time()
    total = 0
    for number in range(1_000_000):
        total += number
    return (time.process_time() - started) * 1_000


def baseline_regex(term: Term) -> re.Pattern[str]:
    """Compile the naive per-keyword regex: whole words, separators optional, plural allowed."""
    body = r"[\s\-]*".join(re.escape(token) for token in term.tokens)
    if term.kind is TermKind.PREFIX:
        return re.compile(rf"(?<![^\W_]){body}", re.IGNORECASE)
    return re.compile(rf"(?<![^\W_]){body}(?:e?s)?(?![^\W_])", re.IGNORECASE)


def run_baseline(
    targets: dict[int, KeywordQuery], papers: list[Paper]
) -> dict[int, list[tuple[str, ...]]]:
    """Match the slow way: one compiled regex per keyword, run over every paper."""
    compiled = {
        number: [(term.text, baseline_regex(term)) for term in query.terms]
        for number, query in targets.items()
    }
    found: dict[int, list[tuple[str, ...]]] = {number: [] for number in targets}
    for paper in papers:
        for number, regexes in compiled.items():
            hits = tuple(
                text
                for text, regex in regexes
                if regex.search(paper.title) or regex.search(paper.abstract)
            )
            if hits:
                found[number].append(hits)
    return found


def load_other_matching(root: Path) -> ModuleType:
    """Import `bot.matching` of another checkout at `root`, beside this one's `bot`."""
    ours = {name: module for name, module in sys.modules.items() if name.split(".")[0] == "bot"}
    for name in ours:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        other = importlib.import_module("bot.matching")
        if not str(other.__file__).startswith(str(root)):
            raise SystemExit(f"{root} has no bot/matching package")
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if name.split(".")[0] == "bot"]:
            del sys.modules[name]
        sys.modules.update(ours)
    return other


def run_interleaved(
    other: ModuleType, keywords: list[str], papers: list[Paper], repeats: int
) -> None:
    """Time this matcher and `other` alternately (who goes first alternates too); print ratios."""
    ours_targets = build_targets(keywords)
    other_targets: dict[int, Any] = {
        number: other.parse_keywords(keywords[start : start + PER_TARGET])
        for number, start in enumerate(range(0, len(keywords), PER_TARGET))
    }

    def timed(matching: Any, targets: dict[int, Any]) -> tuple[float, int]:
        forget_readable_text()
        started = time.process_time()
        result = matching.Matcher(targets).match(papers)
        spent = time.process_time() - started
        return spent, sum(len(found) for found in result.values())

    pairs = []
    for number in range(repeats):
        if number % 2:
            theirs, their_matches = timed(other, other_targets)
            ours, our_matches = timed(sys.modules["bot.matching"], ours_targets)
        else:
            ours, our_matches = timed(sys.modules["bot.matching"], ours_targets)
            theirs, their_matches = timed(other, other_targets)
        pairs.append((ours, theirs))
        print(
            f"  run {number + 1}: this {ours:.3f} s ({our_matches} matches), "
            f"other {theirs:.3f} s ({their_matches} matches), ratio {ours / theirs:.2f}"
        )
    ratios = sorted(ours / theirs for ours, theirs in pairs)
    print(
        f"this / other: median ratio {statistics.median(ratios):.2f} "
        f"(spread {ratios[0]:.2f}-{ratios[-1]:.2f} over {repeats} pairs); best this "
        f"{min(p[0] for p in pairs):.3f} s, best other {min(p[1] for p in pairs):.3f} s"
    )


def main() -> None:
    """Build the workload, time both approaches, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline-papers", type=int, default=50)
    parser.add_argument("--against", type=Path, help="another checkout to time interleaved")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    entries = load_entries()
    papers = build_papers(entries, rng)
    keywords = build_keywords(entries, rng)
    targets = build_targets(keywords)
    mean_chars = statistics.mean(len(paper.abstract) for paper in papers)
    print(
        f"workload: {len(papers)} papers (mean abstract {mean_chars:.0f} chars), "
        f"{len(keywords)} distinct keywords, {len(targets)} targets"
    )

    print(
        f"machine: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs, "
        f"a trivial Python loop takes {python_speed():.0f} ns per iteration"
    )
    runs = []
    for _ in range(args.repeats):
        build, match, matcher, result = run_matcher(targets, papers)
        runs.append((build + match, build, match))
        matches = sum(len(found) for found in result.values())
        del matcher, result
    matcher_time, build, match = min(runs)
    print(
        f"Matcher: best {matcher_time:.3f} s CPU (build {build:.3f} s + match {match:.3f} s), "
        f"median {statistics.median(run[0] for run in runs):.3f} s over {args.repeats} runs"
    )
    reading = min(reading_time(papers) for _ in range(args.repeats))
    print(f"  of which reading the papers' LaTeX (shared with rendering): {reading:.3f} s")
    print(
        f"  {matches} matches: {matches / len(targets):.0f} papers per target on average "
        f"({matches / len(targets) / len(papers):.1%}), {matches / len(papers):.0f} targets "
        "per paper"
    )

    if args.against is not None:
        print(f"interleaved with the matcher of {args.against}:")
        run_interleaved(load_other_matching(args.against), keywords, papers, max(args.repeats, 6))

    sample = papers[: args.baseline_papers]
    started = time.process_time()
    run_baseline(targets, sample)
    measured = time.process_time() - started
    baseline_time = measured * len(papers) / len(sample)
    scaled = "" if len(sample) == len(papers) else f" (measured {measured:.2f} s on {len(sample)})"
    print(f"baseline (one regex per keyword): {baseline_time:.1f} s CPU{scaled}")
    print(f"speed-up: {baseline_time / matcher_time:.0f}x")
    print(
        f"target: < 0.5 s and >= 20x -> {matcher_time < 0.5 and baseline_time >= 20 * matcher_time}"
    )


if __name__ == "__main__":
    main()
