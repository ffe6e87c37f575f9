"""Digests in threads and forum posts, end to end: once each, across lost answers and restarts.

The bot runs on the fake Discord, whose forum channels take posts with tags and whose text
channels take threads under a message. Faults come from outside: an answer the fake never
sends after acting (the connection lost), a moderator deleting a thread. The delivery job
bodies are called directly, as in tests/e2e/test_delivery.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path

import pytest

from bot.outcomes import SendProblem
from bot.store import deliveries, targets
from bot.targets.model import PostPlace, TargetKey
from tests.e2e.harness import make_settings, paper, running_bot
from tests.e2e.thread_digests import digest_channel, paper_urls, papers_in_the_thread, set_digest
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord, FakeGuild
from tests.fakes.discord_server.state import GUILD_FORUM

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

LLM_PAPERS = [paper(i, f"LLM paper number {i}", "A large LLM study.") for i in range(1, 13)]
WAIT = 10.0


# The request whose answer is lost: a forum post opened, or a thread opened under the header.
LOST_THREAD_ANSWERS = pytest.mark.parametrize(
    ("place", "lost"),
    [
        (PostPlace.FORUM, r"/channels/\d+/threads"),
        (PostPlace.THREAD, r"/channels/\d+/messages/\d+/threads"),
    ],
    ids=["forum-post", "thread-under-header"],
)


async def test_a_forum_digest_is_one_post_per_announcement_with_matching_tags(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    forum = fake_discord.world.add_channel(
        discord_guild, "papers-forum", type=GUILD_FORUM, tags=("cs.LG", "LLM", "cs.CL", "misc")
    )
    async with running_bot(make_settings(tmp_path, fake_arxiv), fake_discord) as bot:
        await set_digest(bot.services.db, discord_guild, forum, PostPlace.FORUM)
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.delivery.poll_and_deliver()
        await bot.delivery.poll_and_deliver()  # nothing new: no second post

    (post,) = fake_discord.threads(forum)
    assert post.name == "cs.CL · 2026-04-28 · 10 papers"
    tags = {int(tag["id"]): tag["name"] for tag in forum.available_tags}
    assert [tags[tag] for tag in post.applied_tags] == ["cs.CL", "LLM"]
    first, *rest = fake_discord.messages(post)
    assert first.id == post.id  # the post's own first message: the header
    assert first.content.startswith("arXiv cs.CL for Tue 28 Apr 2026: 12 of 12 new papers")
    assert first.embeds == []
    urls = paper_urls(rest)
    assert len(urls) == len(set(urls)) == 10


async def test_a_thread_digest_posts_the_header_in_the_channel_and_papers_under_it(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = discord_guild.channel("papers")
    async with running_bot(make_settings(tmp_path, fake_arxiv), fake_discord) as bot:
        await set_digest(bot.services.db, discord_guild, channel, PostPlace.THREAD)
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.delivery.poll_and_deliver()

    (header,) = fake_discord.messages(channel)
    assert header.content.startswith("arXiv cs.CL for Tue 28 Apr 2026")
    assert header.embeds == []
    (thread,) = fake_discord.threads(channel)
    assert thread.id == header.id  # opened under the header
    assert thread.name == "cs.CL · 2026-04-28 · 10 papers"
    urls = paper_urls(fake_discord.messages(thread))
    assert len(urls) == len(set(urls)) == 10


@LOST_THREAD_ANSWERS
async def test_a_thread_whose_answer_was_lost_is_found_after_a_restart_not_opened_twice(
    fake_discord: FakeDiscord,
    discord_guild: FakeGuild,
    fake_arxiv: FakeArxiv,
    tmp_path: Path,
    place: PostPlace,
    lost: str,
) -> None:
    channel = digest_channel(fake_discord, discord_guild, place)
    settings = make_settings(tmp_path, fake_arxiv)
    fake_discord.act_then_hang_next("POST", re.compile(lost))
    async with running_bot(settings, fake_discord) as bot:
        await set_digest(bot.services.db, discord_guild, channel, place)
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        delivering = asyncio.create_task(bot.delivery.poll_and_deliver())
        await fake_discord.notifier.wait_for(
            lambda: fake_discord.threads(channel) or None, timeout=WAIT, what="a thread"
        )
        # The thread exists on Discord; the bot never heard back. It stops here (a crash).
        delivering.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await delivering
        pending = await deliveries.pending_messages(bot.services.db, TargetKey.channel(channel.id))
        assert pending and all(m.thread and m.thread.thread_id is None for m in pending)

    async with running_bot(settings, fake_discord) as bot:  # reconciles at start-up
        await bot.delivery.poll_and_deliver()

    urls = papers_in_the_thread(fake_discord, channel)
    assert len(urls) == len(set(urls)) == 10
    headers = [m for m in fake_discord.messages(channel) if m.content]
    assert len(headers) == (0 if place is PostPlace.FORUM else 1)


async def test_a_deleted_thread_drops_the_rest_of_its_post_and_the_digest_goes_on(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = discord_guild.channel("papers")
    key = TargetKey.channel(channel.id)
    # Any message into a thread (a channel other than #papers) fails once: the papers wait.
    into_a_thread = re.compile(rf"/channels/(?!{channel.id}/)\d+/messages")
    fake_discord.fail_next("POST", into_a_thread, status=400, code=50035, message="Refused")
    settings = make_settings(tmp_path, fake_arxiv)
    async with running_bot(settings, fake_discord) as bot:
        db = bot.services.db
        await set_digest(db, discord_guild, channel, PostPlace.THREAD)
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.services.poller.poll(("cs.CL",))
        first = await bot.delivery.post_now(key)
        assert first.problem is SendProblem.DISCORD_ERROR
        (thread,) = fake_discord.threads(channel)
        fake_discord.delete_thread(thread)  # a moderator removes today's thread

        second = await bot.delivery.post_now(key)

        assert second.problem is SendProblem.THREAD_GONE
        assert await deliveries.pending_messages(db, key) == []  # not retried forever
        config = await targets.get_digest(db, channel.id)
        assert config is not None and not config.paused  # the next announcement still comes
    assert len(fake_discord.messages(channel)) == 1  # the header, never posted again


@LOST_THREAD_ANSWERS
async def test_a_thread_whose_answer_was_lost_while_running_is_reused_by_the_retry(
    fake_discord: FakeDiscord,
    discord_guild: FakeGuild,
    fake_arxiv: FakeArxiv,
    tmp_path: Path,
    place: PostPlace,
    lost: str,
) -> None:
    channel = digest_channel(fake_discord, discord_guild, place)
    key = TargetKey.channel(channel.id)
    # Discord opens the thread, then the connection drops before its answer arrives.
    fake_discord.lose_answer_next("POST", re.compile(lost))
    settings = make_settings(tmp_path, fake_arxiv)
    async with running_bot(settings, fake_discord) as bot:
        await set_digest(bot.services.db, discord_guild, channel, place)
        fake_arxiv.add_feed_papers(LLM_PAPERS)
        await bot.services.poller.poll(("cs.CL",))
        first = await bot.delivery.post_now(key)
        assert first.problem is SendProblem.NO_ANSWER  # retried later, with backoff

        again = await bot.delivery.post_now(key)  # an admin's /digest post: the retry

        assert again.problem is None
        assert await deliveries.pending_messages(bot.services.db, key) == []
    urls = papers_in_the_thread(fake_discord, channel)
    assert len(urls) == len(set(urls)) == 10
