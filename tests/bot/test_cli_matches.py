"""`arxiv-digest-bot matches` end to end, on a real announcement day served by the fake arXiv."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from functools import cache
from pathlib import Path

import pytest

from bot.models import AnnounceType, Paper
from tests.bot import real_days, test_cli
from tests.bot.test_cli import run_cli
from tests.fakes.arxiv_server import FakeArxiv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DAY = dt.date(2026, 3, 10)
# The environment of `python -m bot` against the fake arXiv (a fixture of test_cli.py).
cli_env = test_cli.cli_env
JUDGED = json.loads((FIXTURES / "match-judgments.json").read_text(encoding="utf-8"))["keywords"]


@cache
def real_day() -> tuple[Paper, ...]:
    """Return the papers announced on 2026-03-10 (tests/fixtures/real-days/), as in the feed."""
    return tuple(
        dataclasses.replace(paper, announce_type=AnnounceType.NEW, announced=DAY)
        for paper in real_days.real_day(str(DAY))
    )


def judged(keyword: str, categories: set[str], *, cross_lists: bool = False) -> set[str]:
    """Return the ids judged relevant to `keyword` among the day's papers in `categories`."""
    return {
        paper.base_id
        for paper in real_day()
        if paper.base_id in JUDGED[keyword]["relevant"]
        and (
            paper.categories[0] in categories
            or (cross_lists and not categories.isdisjoint(paper.categories))
        )
    }


@pytest.fixture
def served_day(fake_arxiv: FakeArxiv) -> FakeArxiv:
    """Serve the real day as the latest announcement."""
    fake_arxiv.add_feed_papers(real_day())
    return fake_arxiv


async def test_matches_json_lists_every_matching_paper_best_first(
    served_day: FakeArxiv, cli_env: dict[str, str]
) -> None:
    run = await run_cli(
        "matches", "--categories", "cs.CL,cs.AI", "--keywords", "qwen, RAG, rag", "--json",
        env=cli_env,
    )  # fmt: skip

    assert run.code == 0, run.err
    rows = json.loads(run.out)
    categories = {"cs.CL", "cs.AI"}
    wanted = judged("qwen", categories) | judged("rag", categories)
    assert {row["id"] for row in rows} == wanted
    assert len(rows) == len(wanted) > 10  # no cap
    # Best first: papers with more keywords come before those with fewer; keywords as typed.
    counts = [len(row["matched"]) for row in rows]
    assert counts == sorted(counts, reverse=True)
    assert {k for row in rows for k in row["matched"]} == {"qwen", "RAG", "rag"}
    for row in rows:
        assert set(row) == {"id", "title", "matched"}
        assert "\\" not in row["title"] and "$" not in row["title"]  # as readers see it


async def test_matches_text_is_one_line_per_paper_with_its_keywords(
    served_day: FakeArxiv, cli_env: dict[str, str]
) -> None:
    run = await run_cli(
        "matches", "--categories", "cs.CL", "cs.AI", "--keywords", "qwen, rag", env=cli_env
    )

    assert run.code == 0, run.err
    lines = run.out.splitlines()
    wanted = judged("qwen", {"cs.CL", "cs.AI"}) | judged("rag", {"cs.CL", "cs.AI"})
    assert sorted(line.split("  ")[0] for line in lines) == sorted(wanted)
    assert all(line.endswith(("  [qwen]", "  [rag]")) for line in lines)
    # What the JSON shows, as text: the same papers in the same order.
    as_json = await run_cli(
        "matches", "--categories", "cs.CL", "cs.AI", "--keywords", "qwen, rag", "--json",
        env=cli_env,
    )  # fmt: skip
    rows = json.loads(as_json.out)
    assert lines == [f"{r['id']}  {r['title']}  [{', '.join(r['matched'])}]" for r in rows]


async def test_matches_includes_cross_lists_only_when_asked(
    served_day: FakeArxiv, cli_env: dict[str, str]
) -> None:
    args = ("matches", "--categories", "cs.CL", "--keywords", "llm", "--json")
    without = await run_cli(*args, env=cli_env)
    with_cross = await run_cli(*args, "--include-cross-lists", env=cli_env)

    assert without.code == with_cross.code == 0, without.err + with_cross.err
    assert {r["id"] for r in json.loads(without.out)} == judged("llm", {"cs.CL"})
    assert {r["id"] for r in json.loads(with_cross.out)} == judged(
        "llm", {"cs.CL"}, cross_lists=True
    )


async def test_matches_of_an_empty_feed_prints_no_papers_and_says_why(
    cli_env: dict[str, str],
) -> None:
    run = await run_cli(
        "matches", "--categories", "cs.CL", "--keywords", "llm", "--json", env=cli_env
    )

    assert run.code == 0, run.err
    assert json.loads(run.out) == []
    assert run.err.strip().splitlines() == [
        "arxiv-digest-bot: no announcement in the feed for cs.CL (normal on weekends and holidays)"
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--categories", "cs.CL", "--keywords", 'kv "cache'), "quotes"),
        (("--categories", "cs.XX", "--keywords", "llm"), "cs.XX"),
        (("--categories", "cs.CL"), "--keywords"),
    ],
)
async def test_matches_bad_input_exits_2_with_one_line(
    args: tuple[str, ...], expected: str, cli_env: dict[str, str]
) -> None:
    run = await run_cli("matches", *args, env=cli_env)

    assert run.code == 2
    assert run.out == ""
    assert len(run.err.strip().splitlines()) == 1
    assert expected in run.err
