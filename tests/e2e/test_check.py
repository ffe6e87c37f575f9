"""`arxiv-digest-bot check` as an operator runs it: the real command against the fakes.

One line per item, ✓ or ✗ and what to do; exit 0 when all pass, 1 otherwise; never a
traceback, never a secret; no gateway, no instance lock, nothing changed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import targets
from bot.store.db import open_database
from bot.store.instance import instance_lock
from tests.cli_runner import Run, run_cli
from tests.e2e.cli import cli_env
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord, FakeGuild
from tests.fakes.discord_server.state import (
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
)

KEY = "sk-ant-api03-check-key"


@pytest.fixture
async def claude() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic.running(keys={KEY}) as fake:
        yield fake


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


def env(
    tmp_path: Path, arxiv: FakeArxiv, discord: FakeDiscord, claude: FakeAnthropic, **extra: str
) -> dict[str, str]:
    return cli_env(tmp_path, arxiv) | {
        "DISCORD_TOKEN": discord.token,
        "DISCORD_API_BASE_URL": discord.api_base,
        "ANTHROPIC_API_KEY": KEY,
        "ANTHROPIC_BASE_URL": claude.base_url,
        **extra,
    }


async def add_digest(tmp_path: Path, guild_id: int, channel_id: int) -> None:
    async with open_database(tmp_path / "bot.sqlite3") as db:
        await targets.upsert_digest(
            db, guild_id=guild_id, channel_id=channel_id, categories=["cs.CL"], keywords="llm"
        )


def lines_of(run: Run) -> dict[str, str]:
    """Return the checklist as {item: mark and text}; fail on anything but checklist lines."""
    *items, verdict = run.out.splitlines()
    assert verdict.endswith(("checks passed.", "fix them and run check again.")), run.out
    found = {}
    for line in items:
        mark, rest = line.split(" ", 1)
        item, text = rest.split(": ", 1)
        assert mark in "✓✗!–", line
        found[item] = f"{mark} {text}"
    return found


def guild_with_digest(discord: FakeDiscord) -> FakeGuild:
    return discord.add_guild("arXiv lab")


@pytest.mark.timeout(120)
async def test_a_good_setup_passes_every_check_without_the_gateway_or_the_lock(
    fake_arxiv: FakeArxiv, discord: FakeDiscord, claude: FakeAnthropic, tmp_path: Path
) -> None:
    guild = guild_with_digest(discord)
    await add_digest(tmp_path, guild.id, guild.channel("papers").id)
    settings = env(tmp_path, fake_arxiv, discord, claude, ARXIV_REQUEST_INTERVAL_SECONDS="1")

    with instance_lock(tmp_path / "bot.sqlite3"):  # a bot runs on this database meanwhile
        run = await run_cli("check", env=settings)

    assert run.code == 0, run.out + run.err
    assert run.err == ""
    found = lines_of(run)
    assert all(text.startswith("✓") for text in found.values()), run.out
    assert list(found) == [
        "settings",
        "database",
        "arXiv feed",
        "arXiv API",
        "Discord token",
        "Discord servers",
        "digest #papers (arXiv lab)",
        "Claude",
        "price table",
    ]
    assert "the bot is arxiv-digest-bot" in found["Discord token"]
    assert "in 1 server: arXiv lab" in found["Discord servers"]
    assert "claude-haiku-4-5 (claude-haiku-4-5-20251001) is available" in found["Claude"]
    assert run.out.endswith("all 9 checks passed.\n")
    # One request to each arXiv service, spaced by the one limiter the bot also uses.
    [feed] = fake_arxiv.requests_to("/atom")
    [api] = fake_arxiv.requests_to("/api")
    assert api.time - feed.time >= 0.8  # 1 s apart when sent; a load can only add to it
    assert claude.requests == []  # no tokens spent: only the Models API was asked
    assert discord.gateway.sessions == []
    assert KEY not in run.out
    assert discord.token not in run.out


@pytest.mark.timeout(120)
async def test_each_problem_is_a_failed_line_saying_what_to_do(
    fake_arxiv: FakeArxiv, discord: FakeDiscord, claude: FakeAnthropic, tmp_path: Path
) -> None:
    guild = guild_with_digest(discord)
    papers, general = guild.channel("papers"), guild.channel("general")
    discord.world.deny_bot(papers, EMBED_LINKS | READ_MESSAGE_HISTORY)
    discord.world.deny_bot(general, VIEW_CHANNEL)
    await add_digest(tmp_path, guild.id, papers.id)
    await add_digest(tmp_path, guild.id, general.id)
    await add_digest(tmp_path, guild.id, 1234567)  # a channel deleted since
    await add_digest(tmp_path, 7654321, 7654322)  # a server the bot was removed from
    fake_arxiv.fail_next(404, prefix="/atom")
    settings = env(
        tmp_path,
        fake_arxiv,
        discord,
        claude,
        ANTHROPIC_MODEL="claude-haiku-9",
        DISCORD_GUILD_ID="999",
    )

    run = await run_cli("check", env=settings)

    assert run.code == 1, run.out + run.err
    assert "Traceback" not in run.out + run.err
    found = lines_of(run)
    assert found["arXiv feed"].startswith("✗")
    assert "answered HTTP 404; check ARXIV_FEED_URL" in found["arXiv feed"]
    assert found["arXiv API"].startswith("✓")
    assert found["DISCORD_GUILD_ID"] == (
        "✗ DISCORD_GUILD_ID is 999, a server the bot is not in; invite it there"
        f" (https://discord.com/oauth2/authorize?client_id={discord.bot.id}"
        "&scope=bot+applications.commands&permissions=309237763072) or clear DISCORD_GUILD_ID"
    )
    assert found["digest #papers (arXiv lab)"] == (
        "✗ Embed Links and Read Message History denied in this channel; allow them for the"
        " bot's role in the channel's settings (Edit Channel, Permissions)"
    )
    assert found["digest #general (arXiv lab)"].startswith("✗ View Channel denied")
    assert found["digest channel 1234567 (arXiv lab)"] == (
        "✗ the channel no longer exists; /digest remove it, or set a new channel"
    )
    assert found["digest channel 7654322 (server 7654321)"].startswith(
        "✗ the bot is not in this server any more"
    )
    assert found["Claude"].startswith("✗ the API key works, but the API knows no model")
    assert found["price table"].startswith("✗ no price for claude-haiku-9")
    assert 'ANTHROPIC_PRICES={"claude-haiku-9": [input, output]}' in found["price table"]
    assert run.out.endswith("8 of 13 checks failed: fix them and run check again.\n")


@pytest.mark.timeout(120)
async def test_a_digest_channel_without_thread_rights_is_a_note_for_deep_dives(
    fake_arxiv: FakeArxiv, discord: FakeDiscord, claude: FakeAnthropic, tmp_path: Path
) -> None:
    guild = guild_with_digest(discord)
    papers = guild.channel("papers")
    discord.world.deny_bot(papers, CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS)
    await add_digest(tmp_path, guild.id, papers.id)

    run = await run_cli("check", env=env(tmp_path, fake_arxiv, discord, claude))

    assert run.code == 0, run.out + run.err  # the digest itself works
    assert lines_of(run)["digest #papers (arXiv lab)"] == (
        "! can view, post, embed links and read history there; but a Deep dive cannot be"
        " posted in a thread under its paper and is shown only to the member who clicked:"
        " Create Public Threads and Send Messages in Threads denied in this channel; allow"
        " them for the bot's role in the channel's settings (Edit Channel, Permissions)"
    )


@pytest.mark.timeout(120)
async def test_refused_keys_fail_and_what_depends_on_them_is_not_checked(
    fake_arxiv: FakeArxiv, discord: FakeDiscord, claude: FakeAnthropic, tmp_path: Path
) -> None:
    settings = env(
        tmp_path,
        fake_arxiv,
        discord,
        claude,
        DISCORD_TOKEN="a-token-discord-refuses",
        ANTHROPIC_API_KEY="sk-ant-a-key-anthropic-refuses",
    )
    run = await run_cli("check", env=settings)
    assert run.code == 1, run.out + run.err
    found = lines_of(run)
    assert found["Discord token"].startswith("✗ Discord refused DISCORD_TOKEN")
    assert found["Discord servers and digests"].startswith("– not checked")
    assert found["Claude"] == (
        "✗ the API refused ANTHROPIC_API_KEY (HTTP 401 authentication_error); make a key at"
        " console.anthropic.com"
    )
    for secret in ("a-token-discord-refuses", "sk-ant-a-key-anthropic-refuses"):
        assert secret not in run.out + run.err


@pytest.mark.timeout(120)
async def test_without_token_or_key_the_token_fails_and_claude_is_a_note(
    fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    run = await run_cli("check", env=cli_env(tmp_path, fake_arxiv))
    assert run.code == 1, run.out + run.err
    found = lines_of(run)
    assert found["Discord token"].startswith("✗ DISCORD_TOKEN is not set")
    assert found["Claude"].startswith("! ANTHROPIC_API_KEY is not set: papers go out with")
    assert found["database"].startswith("✓")
    assert not (tmp_path / "bot.sqlite3").exists()  # a check creates nothing


async def test_an_invalid_setting_is_the_first_failed_line(
    fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    run = await run_cli("check", env=cli_env(tmp_path, fake_arxiv, POLL_INTERVAL_SECONDS="0"))
    assert run.code == 1
    assert run.err == ""
    assert run.out.splitlines() == [
        "✗ settings: invalid setting POLL_INTERVAL_SECONDS: Input should be greater than or"
        " equal to 1 (got '0'); fix it in .env or the environment (.env.example documents"
        " every setting)",
        "– everything else: not checked: the settings are not valid",
        "1 of 1 checks failed: fix them and run check again.",
    ]
