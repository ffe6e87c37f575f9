"""Deep-dive prompts: files of their own, a version of their own, an edited copy honoured."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.deep_dive import DeepDiver, load_deep_dive_prompts
from bot.deep_dive.prompts import SYSTEM_FILE, USER_FILE
from bot.store.db import Database
from bot.summarize import ClaudeClient, load_prompts, open_sdk_client
from bot.summarize.prompts import PromptError
from tests.bot.deep_dive.conftest import paper, served
from tests.bot.summarize.conftest import make_settings, packaged_prompt_folder
from tests.fakes.anthropic_server import FakeAnthropic


@pytest.fixture
def prompt_copy(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(packaged_prompt_folder(), target)
    return target


def test_deep_dives_have_their_own_prompt_version(prompt_copy: Path) -> None:
    packaged = load_deep_dive_prompts(prompt_copy)
    assert packaged.version != load_prompts(prompt_copy).version
    system = prompt_copy / SYSTEM_FILE
    system.write_text(system.read_text(encoding="utf-8") + "\nBe brief.\n", encoding="utf-8")
    assert load_deep_dive_prompts(prompt_copy).version != packaged.version
    # Summaries are not summarized afresh because the deep-dive prompt changed.
    assert load_prompts(prompt_copy).version == load_prompts().version


async def test_an_edited_prompt_reads_the_paper_afresh(
    prompt_copy: Path, fake_anthropic: FakeAnthropic, db: Database
) -> None:
    settings = make_settings(fake_anthropic)
    async with open_sdk_client(settings) as sdk:
        assert sdk is not None
        client = ClaudeClient(sdk, model=settings.anthropic_model)
        target = served(fake_anthropic, paper(1))
        before = DeepDiver(db, client, settings, prompts=load_deep_dive_prompts(prompt_copy))
        await before.deep_dive(target, "en")
        user = prompt_copy / USER_FILE
        user.write_text(user.read_text(encoding="utf-8") + "\nName the datasets.\n")
        after = DeepDiver(db, client, settings, prompts=load_deep_dive_prompts(prompt_copy))
        await after.deep_dive(target, "en")
    assert len(fake_anthropic.requests) == 2
    assert fake_anthropic.requests[1].user_text.endswith("Name the datasets.\n")


def test_a_prompts_dir_without_the_deep_dive_files_fails_naming_the_file(
    prompt_copy: Path,
) -> None:
    (prompt_copy / USER_FILE).unlink()
    with pytest.raises(PromptError, match=USER_FILE):
        load_deep_dive_prompts(prompt_copy)


def test_an_unknown_placeholder_fails_at_load(prompt_copy: Path) -> None:
    user = prompt_copy / USER_FILE
    user.write_text(user.read_text(encoding="utf-8") + "{{full_text}}\n", encoding="utf-8")
    with pytest.raises(PromptError, match="full_text"):
        load_deep_dive_prompts(prompt_copy)
