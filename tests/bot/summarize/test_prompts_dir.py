"""PROMPTS_DIR: the bot sends an operator's edited prompts, and says so when the folder is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.summarize.prompts import SYSTEM_FILE
from tests.bot.summarize.conftest import packaged_prompt_folder
from tests.cli_runner import base_env, run_cli
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv


def settings_env(arxiv: FakeArxiv, anthropic: FakeAnthropic, tmp_path: Path) -> dict[str, str]:
    return base_env(
        ARXIV_FEED_URL=arxiv.feed_url,
        ARXIV_API_URL=arxiv.api_url,
        ARXIV_REQUEST_INTERVAL_SECONDS="0",
        ANTHROPIC_API_KEY="test-key",
        ANTHROPIC_BASE_URL=anthropic.base_url,
        DATABASE_PATH=str(tmp_path / "bot.sqlite3"),
    )


async def test_summarize_sends_the_prompts_from_prompts_dir(
    fake_arxiv: FakeArxiv, fake_anthropic: FakeAnthropic, tmp_path: Path
) -> None:
    edited = tmp_path / "my-prompts"
    shutil.copytree(packaged_prompt_folder(), edited)
    system = edited / SYSTEM_FILE
    system.write_text(system.read_text(encoding="utf-8") + "\nPrefer plain words.\n")
    env = settings_env(fake_arxiv, fake_anthropic, tmp_path) | {"PROMPTS_DIR": str(edited)}
    run = await run_cli("summarize", "1605.08386", "--json", env=env)
    assert run.code == 0, run.err
    [request] = fake_anthropic.requests
    assert request.system_text.endswith("Prefer plain words.\n")
    footer = run.payloads()[0]["embeds"][0]["footer"]["text"]
    assert "claude-haiku-4-5" in footer


async def test_a_missing_prompts_dir_exits_2_naming_it(
    fake_arxiv: FakeArxiv, fake_anthropic: FakeAnthropic, tmp_path: Path
) -> None:
    env = settings_env(fake_arxiv, fake_anthropic, tmp_path) | {
        "PROMPTS_DIR": str(tmp_path / "nowhere")
    }
    run = await run_cli("summarize", "1605.08386", env=env)
    assert run.code == 2
    [line] = run.err.strip().splitlines()
    assert "PROMPTS_DIR" in line
    assert fake_anthropic.requests == []
