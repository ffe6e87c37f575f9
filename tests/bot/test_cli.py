"""The command line end to end: `arxiv-digest-bot` as a subprocess against the fake arXiv."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.models import AnnounceType, Author, Paper
from tests.fakes.arxiv_server import FakeArxiv

DAY = dt.date(2026, 4, 28)


@dataclasses.dataclass
class Run:
    code: int
    out: str
    err: str

    def payloads(self) -> list[dict[str, Any]]:
        data = json.loads(self.out)
        assert isinstance(data, list)
        return data


def paper(number: int, title: str, abstract: str, categories: tuple[str, ...], **kw: Any) -> Paper:
    return Paper(
        base_id=f"2604.{number:05d}",
        version=kw.pop("version", 1),
        title=title,
        abstract=abstract,
        authors=(Author("Ada Lovelace"), Author("Grace Hopper")),
        categories=categories,
        announce_type=kw.pop("announce_type", AnnounceType.NEW),
        announced=DAY,
        **kw,
    )


ANNOUNCEMENT = [
    paper(1, "Average pooling for storage", "We leverage averages.", ("cs.CL",)),
    paper(2, "RAG-based agents", "An LLM agent with RAG and a KV-cache.", ("cs.CL", "cs.LG")),
    paper(3, "A survey of RAG", "A survey of retrieval.", ("cs.CL",)),
    paper(4, "Efficient serving", "We compress the KV cache of LLMs.", ("cs.LG",)),
    paper(
        5,
        "Cross-listed LLM paper",
        "LLMs for physics.",
        ("physics.comp-ph", "cs.CL"),
        announce_type=AnnounceType.CROSS,
    ),
    paper(
        6,
        "Revised RAG paper",
        "RAG revisited.",
        ("cs.CL",),
        version=3,
        announce_type=AnnounceType.REPLACE,
    ),
]


async def run_cli(*args: str, env: dict[str, str], wait: float = 60) -> Run:
    """Run `python -m bot ARGS` with `env` and wait for it (the fake keeps serving meanwhile)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
    )
    out, err = await asyncio.wait_for(process.communicate(), wait)
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


@pytest.fixture
def cli_env(fake_arxiv: FakeArxiv, tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT")}
    return {
        **keep,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "ARXIV_FEED_URL": fake_arxiv.feed_url,
        "ARXIV_API_URL": fake_arxiv.api_url,
        "ARXIV_REQUEST_INTERVAL_SECONDS": "0",
        "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
    }


def titles(run: Run) -> list[str]:
    return [embed["title"] for payload in run.payloads() for embed in payload["embeds"]]


def matched_field(embed: dict[str, Any]) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"] == "Matched keywords")


async def test_preview_json_shows_matched_papers_ranked_with_keywords(
    fake_arxiv: FakeArxiv, cli_env: dict[str, str]
) -> None:
    fake_arxiv.add_feed_papers(ANNOUNCEMENT)
    run = await run_cli(
        "preview",
        "--categories",
        "cs.CL",
        "cs.LG",
        "--keywords",
        "rag, kv cache, llm, -survey",
        "--style",
        "full",
        "--json",
        env=cli_env,
    )
    assert run.code == 0, run.err
    payloads = run.payloads()
    assert all(p["allowed_mentions"] == {"parse": []} for p in payloads)
    assert payloads[0]["content"].startswith("arXiv cs.CL, cs.LG for Tue 28 Apr 2026: 2 of")
    # Paper 2 matches three keywords, paper 4 two; 1 ("average") does not match rag,
    # 3 is excluded by -survey, 5 is a cross-list, 6 a replacement (not a new paper).
    assert titles(run) == ["RAG-based agents", "Efficient serving"]
    embeds = [e for p in payloads for e in p["embeds"]]
    assert matched_field(embeds[0]) == "rag, kv cache, llm"
    assert embeds[0]["url"] == "https://arxiv.org/abs/2604.00002"


async def test_preview_is_compact_by_default_and_carries_the_paper_actions(
    fake_arxiv: FakeArxiv, cli_env: dict[str, str]
) -> None:
    fake_arxiv.add_feed_papers(ANNOUNCEMENT)
    args = ("preview", "--categories", "cs.CL", "cs.LG", "--keywords", "rag, kv cache, llm")
    run = await run_cli(*args, "--json", env=cli_env)
    assert run.code == 0, run.err
    [payload] = run.payloads()
    first = payload["embeds"][0]
    assert "fields" not in first  # no motivation, method, results or affiliations
    assert "matched: rag, kv cache, llm" in first["description"]
    assert "[PDF](https://arxiv.org/pdf/2604.00002v1)" in first["description"]
    # Several papers in one message: one menu to pick a paper and act on it.
    [row] = payload["components"]
    [menu] = row["components"]
    assert menu["custom_id"] == "paper:choose"
    assert [o["value"] for o in menu["options"]][:1] == ["2604.00002v1"]


async def test_preview_includes_cross_lists_only_when_asked(
    fake_arxiv: FakeArxiv, cli_env: dict[str, str]
) -> None:
    fake_arxiv.add_feed_papers(ANNOUNCEMENT)
    args = ("preview", "--categories", "cs.CL", "--keywords", "llm", "--json")
    without = await run_cli(*args, env=cli_env)
    with_cross = await run_cli(*args, "--include-cross-lists", env=cli_env)
    assert "Cross-listed LLM paper" not in titles(without)
    assert "Cross-listed LLM paper" in titles(with_cross)


async def test_preview_does_not_duplicate_versions(
    fake_arxiv: FakeArxiv, cli_env: dict[str, str]
) -> None:
    fake_arxiv.add_feed_papers(ANNOUNCEMENT)
    fake_arxiv.add_feed_papers([dataclasses.replace(ANNOUNCEMENT[1], version=2)])
    run = await run_cli("preview", "--categories", "cs.CL,cs.LG", "--json", env=cli_env)
    assert run.code == 0, run.err
    assert titles(run).count("RAG-based agents") == 1


async def test_preview_without_api_key_says_so_and_shows_abstracts(
    fake_arxiv: FakeArxiv, cli_env: dict[str, str]
) -> None:
    fake_arxiv.add_feed_papers(ANNOUNCEMENT)
    run = await run_cli("preview", "--categories", "cs.LG", "--json", env=cli_env)
    assert "ANTHROPIC_API_KEY is not set" in run.err
    [embed] = [e for p in run.payloads() for e in p["embeds"] if e["title"] == "Efficient serving"]
    assert "showing the abstract" in embed["description"]
    assert "abstract only" in embed["footer"]["text"]


async def test_preview_second_run_uses_a_conditional_request(
    fake_arxiv: FakeArxiv, cli_env: dict[str, str]
) -> None:
    fake_arxiv.add_feed_papers(ANNOUNCEMENT)
    first = await run_cli("preview", "--categories", "cs.LG", "--json", env=cli_env)
    second = await run_cli("preview", "--categories", "cs.LG", "--json", env=cli_env)
    assert first.out == second.out
    feed_requests = fake_arxiv.requests_to("/atom/")
    assert feed_requests[-1].headers.get("If-None-Match")


async def test_preview_piped_output_has_no_progress(
    fake_arxiv: FakeArxiv, cli_env: dict[str, str]
) -> None:
    fake_arxiv.add_feed_papers(ANNOUNCEMENT)
    run = await run_cli("preview", "--categories", "cs.LG", env=cli_env)
    assert run.code == 0
    assert "Efficient serving" in run.out
    assert run.err.strip().splitlines() == [
        "arxiv-digest-bot: note: ANTHROPIC_API_KEY is not set; items show the abstract"
    ]


async def test_preview_of_an_empty_feed_succeeds_with_a_note(cli_env: dict[str, str]) -> None:
    run = await run_cli("preview", "--categories", "cs.CL", "--json", env=cli_env)
    assert run.code == 0
    assert run.payloads() == []
    assert "no announcement" in run.err


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("preview", "--categories", "cs.XX"), "cs.XX"),
        (("preview", "--categories", "cs.CL", "--limit", "0"), "--limit"),
        (("preview", "--categories", "cs.CL", "--keywords", "x" * 500), "keyword"),
        (("preview",), "--categories"),
        (("summarize", "not-an-id"), "2401.12345"),
        (("summarize", "2401.1234"), "2401.1234"),
        (("frobnicate",), "frobnicate"),
    ],
)
async def test_bad_input_exits_2_with_one_line(
    cli_env: dict[str, str], args: tuple[str, ...], expected: str
) -> None:
    run = await run_cli(*args, env=cli_env)
    assert run.code == 2
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert expected in lines[0]


async def test_invalid_setting_exits_2_naming_it(cli_env: dict[str, str]) -> None:
    run = await run_cli(
        "preview", "--categories", "cs.CL", env={**cli_env, "POLL_INTERVAL_SECONDS": "often"}
    )
    assert run.code == 2
    assert "POLL_INTERVAL_SECONDS" in run.err
    assert len(run.err.strip().splitlines()) == 1


async def test_summarize_json_prints_one_payload_for_a_recorded_paper(
    cli_env: dict[str, str],
) -> None:
    run = await run_cli("summarize", "https://arxiv.org/abs/1605.08386", "--json", env=cli_env)
    assert run.code == 0, run.err
    [payload] = run.payloads()
    [embed] = payload["embeds"]
    assert embed["url"] == "https://arxiv.org/abs/1605.08386"
    assert payload["allowed_mentions"] == {"parse": []}


async def test_summarize_old_style_id(cli_env: dict[str, str]) -> None:
    run = await run_cli("summarize", "arXiv:quant-ph/0201082v1", "--json", env=cli_env)
    assert run.code == 0, run.err
    assert run.payloads()[0]["embeds"][0]["url"] == "https://arxiv.org/abs/quant-ph/0201082"


async def test_summarize_unknown_id_exits_2_saying_so(cli_env: dict[str, str]) -> None:
    run = await run_cli("summarize", "0000.0000", env=cli_env)
    assert run.code != 0


async def test_failing_arxiv_exits_1_with_one_error_line(
    fake_arxiv: FakeArxiv, cli_env: dict[str, str]
) -> None:
    fake_arxiv.fail_next(404, count=5)
    run = await run_cli("preview", "--categories", "cs.CL", env=cli_env)
    assert run.code == 1
    errors = [line for line in run.err.splitlines() if "error:" in line]
    assert len(errors) == 1, run.err
    assert "404" in errors[0]


async def test_help_describes_preview(cli_env: dict[str, str]) -> None:
    run = await run_cli("preview", "--help", env=cli_env)
    assert run.code == 0
    assert "--categories" in run.out
    assert "--json" in run.out


async def test_run_without_a_token_exits_2_naming_it(cli_env: dict[str, str]) -> None:
    run = await run_cli("run", env=cli_env)
    assert run.code == 2
    assert run.err.strip().splitlines() == [
        "arxiv-digest-bot: error: DISCORD_TOKEN is required for run (see .env.example)"
    ]


async def test_run_against_an_unreachable_discord_exits_1_without_leaking_the_token(
    cli_env: dict[str, str],
) -> None:
    env = {
        **cli_env,
        "DISCORD_TOKEN": "MTIzNDU2.secret-token-value",
        "DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10",
    }
    run = await run_cli("run", env=env)
    assert run.code == 1
    assert "secret-token-value" not in run.err
    assert "Traceback" not in run.err
    assert "error: cannot reach Discord" in run.err.strip().splitlines()[-1]
