"""The fault matrix: what survives what (README, "What survives what").

One test (or one parametrized family) per fault; the database, file-system and settings faults
of every command are in tests/e2e/test_cli_faults.py. Faults come from outside only: the
loopback fakes (an Anthropic API answering HTML, an arXiv that trickles, bombs, redirects
forever or asks for an hour's pause), a database written on another host, a closed pipe, and
a second real process. The bot and the CLI run as they do in production; tests read what a
user or operator sees.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.outcomes import SendProblem
from bot.store import targets
from bot.store.db import open_database
from bot.targets.model import PauseReason, TargetKey
from tests.cli_runner import run_cli, run_command
from tests.e2e.cli import COMMANDS, NO_KEY_NOTE, assert_one_line, cli_env, run_many
from tests.e2e.harness import SteppedClock, add_digest, make_settings, paper, running_bot
from tests.fakes.anthropic_server import FakeAnthropic, Reply
from tests.fakes.arxiv_server import FakeArxiv, make_papers
from tests.fakes.discord_server import (
    FakeChannel,
    FakeDiscord,
    FakeGuild,
    FakeInteraction,
    Hold,
    StoredMessage,
    Timing,
)
from tests.os_faults import fill, root_with

WAIT = 15.0

LLM_PAPERS = [
    paper(i, f"LLM paper number {i}", "A large LLM study of 7 models.") for i in (1, 2, 3)
]


# --- 1. Claude answers 200 with something that is not a message ------------------------------


async def test_claude_answering_html_or_wrong_json_still_posts_every_paper(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = discord_guild.channel("papers")
    async with FakeAnthropic.running() as claude:
        claude.script(Reply.html(), Reply.json_body({"data": {"text": "hi"}}))
        settings = make_settings(
            tmp_path,
            fake_arxiv,
            anthropic_api_key="test-key",
            anthropic_base_url=claude.base_url,
            anthropic_max_retries=0,
            summary_concurrency=1,
        )
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        fake_arxiv.add_api_papers(LLM_PAPERS)
        async with running_bot(settings, fake_discord) as bot:
            await add_digest(bot.services.db, discord_guild.id, channel.id)
            await bot.delivery.poll_and_deliver()

            embeds = [e for m in fake_discord.messages(channel) for e in m.embeds]
            status = await reply(fake_discord, "status", guild=discord_guild)
            # A later run asks Claude again (fallbacks are not cached): /summarize does.
            again = await reply(fake_discord, "summarize", {"paper": "2604.00001"}, channel=channel)

    assert len(embeds) == 3, "the digest went out with every paper"
    notices = [e for e in embeds if "unavailable (invalid answer)" in e["description"]]
    assert len(notices) == 2
    assert all("A large LLM study" in e["description"] for e in notices)
    claude_field = field(status, "Claude")
    assert "Abstract-only today: 2 (invalid answer 2)" in claude_field
    assert again.embeds[0]["description"].startswith("**TL;DR:**")


# --- 2. arXiv trickles its answer, or asks for an hour's pause -------------------------------


async def test_preview_against_a_trickling_feed_ends_instead_of_hanging(
    fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    fake_arxiv.add_feed_papers(LLM_PAPERS)
    fake_arxiv.trickle_next(prefix="/atom/", interval=0.5)  # ~5,000 bytes: ~40 min
    env = cli_env(tmp_path, fake_arxiv, ARXIV_TIMEOUT_SECONDS="1")

    run = await run_cli(*COMMANDS["preview"], "--keywords", "llm", env=env)

    assert run.code == 0, run.err
    assert "LLM paper number 1" in run.out  # the retry after the deadline got the feed
    assert len(fake_arxiv.requests_to("/atom/")) == 2


async def test_summarize_answers_while_the_feed_trickles(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = discord_guild.channel("papers")
    settings = make_settings(tmp_path, fake_arxiv, arxiv_timeout_seconds=1.0)
    fake_arxiv.add_feed_papers(LLM_PAPERS)
    fake_arxiv.trickle_next(prefix="/atom/", count=1000, interval=0.3)
    async with running_bot(settings, fake_discord) as bot:
        await add_digest(bot.services.db, discord_guild.id, channel.id)
        polling = asyncio.create_task(bot.delivery.poll_and_deliver())
        await fake_arxiv.wait_for_requests("/atom/")

        answer = await reply(fake_discord, "summarize", {"paper": "1605.08386"}, channel=channel)

        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
    assert [e["url"] for e in answer.embeds] == ["https://arxiv.org/abs/1605.08386"]


async def test_summarize_against_a_hung_api_ends_with_when_to_try_again(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = discord_guild.channel("papers")
    settings = make_settings(tmp_path, fake_arxiv, arxiv_timeout_seconds=1.0)
    fake_arxiv.trickle_next(prefix="/api/", count=1000, interval=0.3)
    async with running_bot(settings, fake_discord) as bot:
        assert bot.is_ready()
        handle = await fake_discord.run_slash("summarize", {"paper": "1605.08386"}, channel=channel)
        await handle.wait_callback(WAIT)  # acknowledged at once ("is thinking...")
        (answer,) = await handle.wait_followups(1, WAIT)

    assert answer.ephemeral
    assert answer.content == "arXiv is not answering, try again in 1 minute."
    assert fake_discord.messages(channel) == []


async def test_a_feed_retry_after_of_an_hour_skips_the_poll_and_summarize_says_when(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = discord_guild.channel("papers")
    settings = make_settings(tmp_path, fake_arxiv, poll_interval_seconds=1800)
    fake_arxiv.fail_next(429, retry_after="3600", prefix="/atom/")
    async with running_bot(settings, fake_discord) as bot:
        await add_digest(bot.services.db, discord_guild.id, channel.id)
        await asyncio.wait_for(bot.delivery.poll_and_deliver(), WAIT)  # skipped, not sat out
        skipped = bot.delivery.last_poll_error

        handle = await fake_discord.run_slash("summarize", {"paper": "1605.08386"}, channel=channel)
        (answer,) = await handle.wait_followups(1, WAIT)

    assert skipped is not None and "3600" in skipped
    assert answer.ephemeral
    assert answer.content == "arXiv is not answering, try again in 60 minutes."
    assert fake_arxiv.requests_to("/api/") == []  # the pause is honoured
    assert fake_discord.messages(channel) == []


# --- 3. posts that fail are retried, never duplicated -----------------------------------------


@pytest.fixture
async def forgetful_discord() -> AsyncIterator[FakeDiscord]:
    """A fake Discord whose nonce window is over at once.

    As for a retry that comes after Discord forgot the nonce (its window lasts minutes, a
    backoff can last hours): only reading the channel keeps a message from going out twice.
    """
    async with FakeDiscord(timing=Timing(nonce_window=0.0)) as fake:
        fake.add_guild("arXiv lab")
        with fake.patch_discord_py():
            yield fake


def retrying(tmp_path: Path, arxiv: FakeArxiv, **overrides: Any) -> Settings:
    """Settings with a short send deadline and no backoff: the next poll retries."""
    values: dict[str, Any] = {"discord_send_timeout_seconds": 0.5, "delivery_retry_seconds": 0}
    return make_settings(tmp_path, arxiv, **{**values, **overrides})


def the_guild(fake: FakeDiscord) -> FakeGuild:
    return next(iter(fake.world.guilds.values()))


def embed_urls(fake: FakeDiscord, channel: FakeChannel) -> list[str]:
    return [embed["url"] for message in fake.messages(channel) for embed in message.embeds]


def count(fake: FakeDiscord, method: str, path: str) -> int:
    return len([r for r in fake.requests if (r.method, r.path) == (method, path)])


async def test_a_timed_digest_whose_post_hit_a_503_goes_out_at_the_next_poll(
    forgetful_discord: FakeDiscord, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    fake, guild = forgetful_discord, the_guild(forgetful_discord)
    channel = guild.channel("papers")
    route = f"/channels/{channel.id}/messages"
    async with running_bot(retrying(tmp_path, fake_arxiv), fake) as bot:
        await add_digest(bot.services.db, guild.id, channel.id, time=dt.time(8, 0))
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.delivery.poll_and_deliver()  # planned, waiting for 08:00
        assert fake.messages(channel) == []
        fake.fail_next("POST", route, status=503, code=0, message="503: Service Unavailable")

        at_its_time = await bot.delivery.flush(TargetKey.channel(channel.id))  # the daily job
        waited = await reply(fake, "status", guild=guild)
        await bot.delivery.poll_and_deliver()  # the next poll, not the next day

    assert at_its_time.problem is SendProblem.NO_ANSWER
    assert "1 message waiting after 1 failed try" in field(waited, "Delivery")
    assert sorted(embed_urls(fake, channel)) == sorted(p.abs_url for p in LLM_PAPERS)
    # A 503 may come after Discord took the message: the channel was read before the retry.
    reads = [i for i, r in enumerate(fake.requests) if (r.method, r.path) == ("GET", route)]
    posts = [i for i, r in enumerate(fake.requests) if (r.method, r.path) == ("POST", route)]
    assert len(posts) == 2 and reads and posts[0] < reads[0] < posts[1]


#: How a send can fail without saying whether Discord took the message, and whether it did.
UNKNOWN_OUTCOMES = {
    "no answer, never arrived": True,
    "no answer, arrived after the deadline": False,
    "connection reset": True,
    "sent but the answer lost": False,
}


@pytest.mark.parametrize("fault", list(UNKNOWN_OUTCOMES))
async def test_a_send_whose_outcome_is_unknown_is_looked_for_before_it_is_sent_again(
    forgetful_discord: FakeDiscord, fake_arxiv: FakeArxiv, tmp_path: Path, fault: str
) -> None:
    fake, guild = forgetful_discord, the_guild(forgetful_discord)
    channel = guild.channel("papers")
    route = f"/channels/{channel.id}/messages"
    held: Hold | None = None
    if fault == "no answer, never arrived":
        fake.hang_next("POST", route)
    elif fault == "no answer, arrived after the deadline":
        held = fake.hold_next("POST", route)
    elif fault == "connection reset":
        fake.reset_next("POST", route)
    else:
        fake.lose_answer_next("POST", route)
    async with running_bot(retrying(tmp_path, fake_arxiv), fake) as bot:
        await add_digest(bot.services.db, guild.id, channel.id)
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.delivery.poll_and_deliver()  # the send fails
        if held is not None:  # Discord takes it only after the bot gave up waiting
            held.release()
            await fake.wait_for_messages(channel, 1)
        reads = count(fake, "GET", route)

        await bot.delivery.poll_and_deliver()  # the retry

    assert sorted(embed_urls(fake, channel)) == sorted(p.abs_url for p in LLM_PAPERS)
    assert [bool(m.content) for m in fake.messages(channel)] == [True]  # one header, once
    assert count(fake, "GET", route) > reads  # the channel was read before the retry
    assert count(fake, "POST", route) == (2 if UNKNOWN_OUTCOMES[fault] else 1)


async def test_a_post_that_keeps_failing_backs_off_then_pauses_and_post_sends_it(
    forgetful_discord: FakeDiscord, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    fake, guild = forgetful_discord, the_guild(forgetful_discord)
    channel = guild.channel("papers")
    route = f"/channels/{channel.id}/messages"
    clock = SteppedClock()
    settings = retrying(tmp_path, fake_arxiv, delivery_retry_seconds=60, delivery_max_failures=3)
    fake.fail_next("POST", route, status=400, code=50035, message="Invalid Form Body", times=3)
    async with running_bot(settings, fake, now=clock) as bot:
        await add_digest(bot.services.db, guild.id, channel.id)
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.delivery.poll_and_deliver()  # failure 1: next try after 60 s
        clock.advance(59)
        await bot.delivery.poll_and_deliver()  # too early: not tried
        tries_in_backoff = count(fake, "POST", route)
        clock.advance(2)
        await bot.delivery.poll_and_deliver()  # failure 2: next try after 120 s
        clock.advance(121)
        await bot.delivery.poll_and_deliver()  # failure 3: given up, the digest paused
        paused = await targets.get_digest(bot.services.db, channel.id)
        status = await reply(fake, "status", guild=guild)
        clock.advance(24 * 3600)
        await bot.delivery.poll_and_deliver()  # paused: not tried again

        posted = await reply(fake, "digest post", {"channel": channel}, guild=guild)
        resumed = await targets.get_digest(bot.services.db, channel.id)

    assert tries_in_backoff == 1
    assert posted.content == f"Posted 3 papers in <#{channel.id}>."
    assert count(fake, "POST", route) == 4
    assert paused is not None and paused.pause_reason is PauseReason.SEND_FAILURES
    told = [m.content for m in fake.messages(guild.channel("general"))]
    assert told == [
        f"The arXiv digest of <#{channel.id}> is paused: Discord kept failing to take its"
        " posts. Nothing is lost: what waits goes out when you run /digest post or /digest"
        " resume once Discord works again (see /status)."
    ]
    delivery = field(status, "Delivery")
    assert f"<#{channel.id}>: 1 message given up after 3 failed tries:" in delivery
    assert "Invalid Form Body" in delivery
    assert posted.content == f"Posted 3 papers in <#{channel.id}>."
    assert resumed is not None and not resumed.paused
    assert sorted(embed_urls(fake, channel)) == sorted(p.abs_url for p in LLM_PAPERS)


async def test_post_sends_what_waits_for_a_retry_without_waiting_for_the_backoff(
    forgetful_discord: FakeDiscord, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    fake, guild = forgetful_discord, the_guild(forgetful_discord)
    channel = guild.channel("papers")
    route = f"/channels/{channel.id}/messages"
    settings = retrying(tmp_path, fake_arxiv, delivery_retry_seconds=3600)
    fake.fail_next("POST", route, status=503, code=0, message="503: Service Unavailable")
    async with running_bot(settings, fake) as bot:
        await add_digest(bot.services.db, guild.id, channel.id)
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.delivery.poll_and_deliver()  # fails; next try in an hour
        await bot.delivery.poll_and_deliver()  # within the hour: not tried
        held_back = fake.messages(channel)
        posted = await reply(fake, "digest post", {"channel": channel}, guild=guild)

    assert held_back == []
    assert posted.content == f"Posted 3 papers in <#{channel.id}>."
    assert sorted(embed_urls(fake, channel)) == sorted(p.abs_url for p in LLM_PAPERS)


async def test_dms_that_keep_failing_are_held_then_sent_when_the_member_returns(
    forgetful_discord: FakeDiscord, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    fake, guild = forgetful_discord, the_guild(forgetful_discord)
    member = fake.add_member(guild, "reader")
    dm = fake.dm_channel(member)
    route = f"/channels/{dm.id}/messages"
    settings = retrying(tmp_path, fake_arxiv, delivery_max_failures=2)
    fake.fail_next("POST", route, status=503, code=0, message="503: Service Unavailable", times=2)
    async with running_bot(settings, fake) as bot:
        await targets.add_keywords(bot.services.db, member.id, ["llm"])
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.delivery.poll_and_deliver()  # failure 1
        await bot.delivery.poll_and_deliver()  # failure 2: DMs held
        await bot.delivery.poll_and_deliver()  # held: not tried
        tries_while_held = count(fake, "POST", route)
        returned = await bot.targets.returning_member(member.id)  # they run a command
        await bot.delivery.poll_and_deliver()

    assert tries_while_held == 2
    assert returned
    assert sorted(embed_urls(fake, dm)) == sorted(p.abs_url for p in LLM_PAPERS)


# --- 4. two `run` processes on one database ------------------------------------------------


@pytest.mark.timeout(120)
async def test_a_second_run_on_the_same_database_exits_naming_the_first(
    fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    async with FakeDiscord() as discord_fake:
        guild = discord_fake.add_guild("lab")
        channel = guild.channel("papers")
        async with open_database(tmp_path / "bot.sqlite3") as db:
            await add_digest(db, guild.id, channel.id)
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        env = cli_env(
            tmp_path,
            fake_arxiv,
            DISCORD_TOKEN=discord_fake.token,
            DISCORD_API_BASE_URL=discord_fake.api_base,
            DISCORD_GATEWAY_URL=discord_fake.gateway_url,
            DISCORD_GUILD_ID=str(guild.id),
        )
        first = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await discord_fake.wait_until_ready(timeout=60)
            second = await run_cli("run", env=env)
            # The CLI's other commands work beside the running bot (WAL, busy timeout).
            beside = await run_cli(*COMMANDS["preview"], "--keywords", "llm", env=env)
            await discord_fake.wait_for_messages(channel, 1, timeout=60)
        finally:
            first.terminate()
            await asyncio.wait_for(first.wait(), 30)

    assert_one_line(
        second,
        f"another arxiv-digest-bot is already running on {tmp_path / 'bot.sqlite3'}",
        f"(pid {first.pid} on host {socket.gethostname()}, since 20",
        "one bot per database",
    )
    assert beside.code == 0, beside.err
    assert "LLM paper number 1" in beside.out
    posted = [e["title"] for m in discord_fake.messages(channel) for e in m.embeds]
    assert sorted(posted) == sorted(p.title for p in LLM_PAPERS)  # once each, by the first


# --- 5. a full disk while posting ------------------------------------------------------------

#: Runs the bot in a private mount namespace where $MNT is a fresh 3 MB tmpfs holding its
#: database (a copy of $SEED); the test reaches that file system through /proc/PID/root. A
#: SIGTERM stops the bot; its database is then copied to $OUT, before the tmpfs goes away.
BOT_ON_A_TMPFS = """
mount -t tmpfs -o size=3m tmpfs "$MNT" && cp "$SEED" "$MNT/bot.sqlite3" || exit 1
"$PYTHON" -m bot run &
bot=$!
trap 'kill -TERM "$bot"' TERM
wait "$bot"
code=$?
if [ "$code" -gt 128 ]; then wait "$bot"; code=$?; fi
cp "$MNT/bot.sqlite3" "$OUT"
exit "$code"
"""

MANY_LLM_PAPERS = [paper(i, f"LLM inference, part {i}", "An LLM study.") for i in range(1, 26)]


@pytest.mark.skipif(root_with("unshare") is not None, reason=str(root_with("unshare")))
@pytest.mark.timeout(180)
async def test_a_full_disk_after_a_message_was_sent_costs_no_paper_and_repeats_none(
    fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    # The nonce window is over at once: only reading the channel can keep a message single.
    async with FakeDiscord(timing=Timing(nonce_window=0.0)) as fake:
        guild = fake.add_guild("lab")
        channel = guild.channel("papers")
        route = f"/channels/{channel.id}/messages"
        seed = tmp_path / "seed.sqlite3"
        async with open_database(seed) as db:
            await add_digest(db, guild.id, channel.id, max_papers=25)
        fake_arxiv.add_feed_papers(MANY_LLM_PAPERS)
        mount_point = tmp_path / "mnt"
        mount_point.mkdir()
        env = cli_env(
            tmp_path,
            fake_arxiv,
            DISCORD_TOKEN=fake.token,
            DISCORD_API_BASE_URL=fake.api_base,
            DISCORD_GATEWAY_URL=fake.gateway_url,
            DISCORD_GUILD_ID=str(guild.id),
            POLL_INTERVAL_SECONDS="1",
            DELIVERY_RETRY_SECONDS="0",
            MNT=str(mount_point),
            SEED=str(seed),
            OUT=str(tmp_path / "after.sqlite3"),
            PYTHON=sys.executable,
        )
        env["DATABASE_PATH"] = str(mount_point / "bot.sqlite3")
        # The post's second message waits in Discord while the disk fills up.
        held = fake.hold_next("POST", route, skip=1)
        log = tmp_path / "bot.log"
        with log.open("wb") as log_file:
            bot = await asyncio.create_subprocess_exec(
                "unshare", "-m", "sh", "-c", BOT_ON_A_TMPFS, env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log_file, stderr=log_file,
            )  # fmt: skip
        try:
            await held.wait_arrived(timeout=60)
            # The bot's view of its own file system (its mount namespace).
            seen = Path(f"/proc/{bot.pid}/root") / mount_point.relative_to("/")
            filler = seen / "filler"
            fill(filler)
            held.release()  # Discord takes the message; the bot cannot record it
            await fake.wait_for_messages(channel, 2, timeout=30)
            # Polls go on: the bot reads the channel, finds the message, and sends nothing
            # more while it cannot record it.
            read = len([r for r in fake.requests if (r.method, r.path) == ("GET", route)])
            await wait_for_requests(fake, "GET", route, read + 2)
            sent_while_full = [m.id for m in fake.messages(channel)]
            filler.unlink()  # space returns
            await wait_for_papers(fake, channel, len(MANY_LLM_PAPERS))
        finally:
            bot.terminate()
            await asyncio.wait_for(bot.wait(), 30)
        logged = log.read_text(encoding="utf-8", errors="replace")

    assert bot.returncode == 0, logged[-2000:]
    with sqlite3.connect(tmp_path / "after.sqlite3") as conn:
        recorded = conn.execute("SELECT state, message_id FROM outbox_messages").fetchall()

    posted = fake.messages(channel)
    urls = [embed["url"] for message in posted for embed in message.embeds]
    assert len(sent_while_full) == 2
    assert sorted(urls) == sorted(p.abs_url for p in MANY_LLM_PAPERS)  # each paper once
    assert [bool(m.content) for m in posted].count(True) == 1  # one header
    # Nothing is marked sent that was not: every row is one message in the channel.
    assert sorted(recorded) == sorted(("sent", m.id) for m in posted), logged[-6000:]
    assert "went out but could not be recorded (the disk is full)" in logged
    assert "Traceback" not in logged


async def wait_for_requests(fake: FakeDiscord, method: str, path: str, count: int) -> None:
    """Wait until the bot made `count` requests to `method path` (or fail after 30 s)."""

    def made() -> bool:
        return len([r for r in fake.requests if (r.method, r.path) == (method, path)]) >= count

    await fake.notifier.wait_for(made, timeout=30, what=f"{count} x {method} {path}")


async def wait_for_papers(fake: FakeDiscord, channel: FakeChannel, count: int) -> None:
    """Wait until `count` distinct papers are in the channel (or fail after 60 s)."""

    def shown() -> bool:
        urls = {e["url"] for m in fake.messages(channel) for e in m.embeds}
        return len(urls) >= count

    await fake.notifier.wait_for(shown, timeout=60, what=f"{count} papers")


# --- 6. a stored timezone this host does not know -----------------------------------------


async def test_a_row_with_an_unknown_timezone_is_skipped_and_shown_in_status(
    fake_discord: FakeDiscord,
    discord_guild: FakeGuild,
    fake_arxiv: FakeArxiv,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    papers_channel, other = discord_guild.channel("papers"), discord_guild.channel("general")
    member = fake_discord.add_member(discord_guild, "reader")
    settings = make_settings(tmp_path, fake_arxiv)
    async with open_database(settings.database_path) as db:
        await add_digest(db, discord_guild.id, papers_channel.id, time=dt.time(8, 0))
        await add_digest(db, discord_guild.id, other.id)
        await targets.add_keywords(db, member.id, ["llm"])
        await targets.update_settings(db, member.id, time=dt.time(9, 0))
    # As a database written on a host whose tz database has zones this one lacks.
    with sqlite3.connect(settings.database_path) as conn:
        conn.execute(
            "UPDATE digests SET timezone = 'Mars/Olympus_Mons' WHERE channel_id = ?",
            (papers_channel.id,),
        )
        conn.execute("UPDATE subscriptions SET timezone = 'Mars/Olympus_Mons'")
    fake_arxiv.add_feed_papers(LLM_PAPERS)

    with caplog.at_level(logging.WARNING, logger="bot.targets.schedule"):
        async with running_bot(settings, fake_discord) as bot:
            await bot.delivery.poll_and_deliver()
            status = await reply(fake_discord, "status", guild=discord_guild)
            shown = await reply(fake_discord, "digest show", guild=discord_guild)

    assert len([e for m in fake_discord.messages(other) for e in m.embeds]) == 3
    assert fake_discord.messages(papers_channel) == []
    skipped = [r.getMessage() for r in caplog.records if "unknown timezone" in r.getMessage()]
    assert len(skipped) == 2  # the digest and the subscription, once each
    assert (
        f"Digest of <#{papers_channel.id}> not scheduled: unknown timezone 'Mars/Olympus_Mons'"
        in field(status, "Recent problems")
    )
    assert "next post: none: this host does not know the timezone" in shown.content


# --- 7. oversized feeds, bodies and bombs; redirect loops -----------------------------------


async def test_a_40000_entry_feed_is_read_up_to_the_2000_entry_cap(
    fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    fake_arxiv.feed_cap = 40_000
    fake_arxiv.add_feed_papers(make_papers(40_000, categories=("cs.LG",)))
    env = cli_env(tmp_path, fake_arxiv, ARXIV_MAX_RESPONSE_MB="100")

    run = await run_cli("preview", "--categories", "cs.LG", "--limit", "1", "--json", env=env)

    assert run.code == 0, run.err
    [header] = [payload["content"] for payload in json.loads(run.out) if payload["content"]]
    assert header.startswith("arXiv cs.LG for Wed 20 Aug 2025: 2,000 of 2,000 new papers")


async def test_an_oversized_answer_a_gzip_bomb_or_a_redirect_loop_is_one_line_each(
    fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    # Scripted answers are served in order: one per preview below.
    fake_arxiv.huge_next(50, prefix="/atom/", chunked=True)  # 50 MB, no Content-Length
    fake_arxiv.gzip_bomb_next(prefix="/atom/")  # 1 MB that inflates to 1 GB
    fake_arxiv.redirect_loop(prefix="/atom/", count=6)
    commands = [{"args": list(COMMANDS["preview"])}] * 3

    huge, bomb, loop = await run_many(cli_env(tmp_path, fake_arxiv), commands)

    assert_one_line(huge, "arXiv feed", "more than 20 MB", "ARXIV_MAX_RESPONSE_MB")
    assert_one_line(bomb, "arXiv feed", "more than 20 MB", "ARXIV_MAX_RESPONSE_MB")
    assert_one_line(loop, "arXiv feed", "redirected more than 5 times")
    assert len(fake_arxiv.requests_to("/atom/")) == 1 + 1 + 6  # nothing retried


# --- 8. closed pipes (bad settings: in the matrix above) -------------------------------------


async def test_preview_into_a_closed_pipe_exits_quietly(
    fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    fake_arxiv.add_feed_papers(make_papers(25, categories=("cs.CL",)))
    reader, writer = os.pipe()
    os.close(reader)  # `| head` that has already exited
    try:
        run = await run_command(
            [sys.executable, "-m", "bot", "preview", "--categories", "cs.CL", "--json"],
            env=cli_env(tmp_path, fake_arxiv),
            stdout=writer,
        )
    finally:
        os.close(writer)

    assert run.code == 1
    assert run.err_lines == [NO_KEY_NOTE]


# --- helpers for the bot's answers ------------------------------------------------------------


async def reply(
    fake: FakeDiscord,
    command: str,
    options: dict[str, Any] | None = None,
    **where: Any,
) -> StoredMessage:
    """Run a slash command as the server's owner and return the reply they see."""
    handle: FakeInteraction = await fake.run_slash(command, options, **where)
    return await handle.wait_reply(WAIT)


def field(message: StoredMessage, name: str) -> str:
    """Return the value of the embed field `name` of the message's first embed."""
    return next(f["value"] for f in message.embeds[0]["fields"] if f["name"] == name)
