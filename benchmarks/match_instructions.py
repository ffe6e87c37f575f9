"""Count the instructions of benchmarks/match_benchmark.py's matching, which load does not change.

Times on a shared machine move with its load; instruction counts do not. This runs the
workload of match_benchmark.py (same seed: 2,000 papers, 10,000 keywords of 500 targets)
under `valgrind --tool=callgrind` twice per checkout: once only setting up (imports,
workload, keyword parsing) and once also building the Matcher and matching every paper,
with the readable-text caches empty as for a new announcement. The difference is the
matcher's work (neither run frees what it built: the process ends at once, and
match_benchmark.py does not time freeing either). `--against PATH` counts another
checkout's matcher on the same workload (e.g. `git worktree add /tmp/matcher-0f3aa5f
0f3aa5f`, the matcher before the real-text rules) and prints the ratio.

Needs valgrind (`apt install valgrind`); each count takes a few minutes.

`--parts` also counts each step's share (compiling the keywords, reading LaTeX, tokenizing,
scanning), by stopping after each step in a run of its own: three more runs per checkout.

Run: `.venv/bin/python benchmarks/match_instructions.py [--papers N] [--against PATH] [--parts]`
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_workload(path: Path, seed: int) -> None:
    """Write match_benchmark.py's papers (id, title, abstract) and keywords for `seed`."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import match_benchmark  # this checkout's bot, imported only here

    rng = random.Random(seed)
    entries = match_benchmark.load_entries()
    papers = match_benchmark.build_papers(entries, rng)
    keywords = match_benchmark.build_keywords(entries, rng)
    rows = [(paper.base_id, paper.title, paper.abstract) for paper in papers]
    path.write_text(json.dumps([rows, keywords, match_benchmark.PER_TARGET]), encoding="utf-8")


# What a child run does after setting up, in the order the matcher does it; each step's
# count less the one before it is that step's share (`--parts`). "match" is the whole work.
STEPS = ("setup", "build", "read", "tokenize", "match")


def child(root: Path, workload: Path, papers: int, step: str) -> None:
    """Set up the workload with `root`'s bot, then do `step` (see STEPS)."""
    sys.path.insert(0, str(root))
    from bot.matching import Matcher, parse_keywords
    from bot.models import Paper

    rows, keywords, per_target = json.loads(workload.read_text(encoding="utf-8"))
    batch = [Paper(i, 1, title, abstract, categories=("cs.AI",)) for i, title, abstract in rows]
    batch = batch[:papers]
    targets = {
        number: parse_keywords(keywords[start : start + per_target])
        for number, start in enumerate(range(0, len(keywords), per_target))
    }
    if step == "match":
        Matcher(targets).match(batch)
        return
    if step in ("build", "read", "tokenize"):
        Matcher(targets)
    if step in ("read", "tokenize"):
        read, tokenize = _reading(root)
        texts = [read(text) for paper in batch for text in (paper.title, paper.abstract)]
        if step == "tokenize":
            for text in texts:
                tokenize(text)


def _reading(root: Path) -> tuple[Callable[[str], str], Callable[[str], list[str]]]:
    """Return how `root`'s matcher reads a text and splits it into tokens."""
    try:
        from bot.matching.text import tokenize_cased
        from bot.render.latex import readable_text
    except ImportError:  # a matcher from before LaTeX reading: raw text, lower-case tokens
        from bot.matching.keywords import tokenize

        return str, tokenize
    return readable_text, tokenize_cased


def count(root: Path, workload: Path, papers: int, step: str) -> int:
    """Return the instructions callgrind counts for one `child` run."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={folder}/callgrind.out",
            sys.executable,
            __file__,
            "--child",
            str(root),
            str(workload),
            str(papers),
            step,
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dict layouts every run
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)  # noqa: S603 (our own command)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found[1])


def report(name: str, root: Path, workload: Path, papers: int, parts: bool) -> int:
    """Print the matcher's instructions at `root` (and each step's, with `parts`); return them."""
    steps = STEPS if parts else ("setup", "match")
    counts = {step: count(root, workload, papers, step) for step in steps}
    total = counts["match"] - counts["setup"]
    print(f"{name} ({root}): {total / 1e6:,.0f} M instructions for {papers} papers")
    if parts:
        shares = {
            "compiling the keywords": counts["build"] - counts["setup"],
            "reading LaTeX": counts["read"] - counts["build"],
            "tokenizing": counts["tokenize"] - counts["read"],
            "scanning and fanning out to targets": counts["match"] - counts["tokenize"],
        }
        for share, instructions in shares.items():
            print(f"  {share}: {instructions / 1e6:,.0f} M")
    return total


def main() -> None:
    """Count this checkout's matcher, and another's if asked; print both and their ratio."""
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
        # Leave without freeing anything: match_benchmark.py does not time freeing either.
        os._exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--papers", type=int, default=2_000)
    parser.add_argument("--against", type=Path, help="another checkout to count the same way")
    parser.add_argument("--parts", action="store_true", help="also count each step's share")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt install valgrind)")
    with tempfile.TemporaryDirectory() as folder:
        workload = Path(folder) / "workload.json"
        write_workload(workload, args.seed)
        ours = report("this matcher", ROOT, workload, args.papers, args.parts)
        if args.against is not None:
            theirs = report("the other", args.against.resolve(), workload, args.papers, args.parts)
            print(f"this / the other: {ours / theirs:.2f}")


if __name__ == "__main__":
    main()
