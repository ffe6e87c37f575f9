"""Version replies and "No matches" lines of digests that post in threads and forum posts.

A digest with `versions:true` answers a paper's new version with a one-line reply to the
message that carried the paper; in a thread digest or a forum that message is inside the
thread (or forum post) of the day it came, and a reply can only answer a message of its own
channel (the fake Discord, like Discord, sends one naming a message elsewhere as a plain
message). A digest with `quiet:false` says "No matches" on a day without matches: in the
channel for a thread digest (no empty thread under it), as a forum post of its own in a
forum. A reply sent in the same run as the paper it answers (the paper's post waited for a
retry) still answers it, in any layout. The bot runs on the fake Discord; the delivery job
bodies are called directly, as in tests/e2e/test_threads.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.models import AnnounceType, Paper
from bot.store import targets
from bot.targets.model import PostPlace
from tests.e2e.harness import DAY, make_settings, paper, running_bot
from tests.e2e.thread_digests import digest_channel, set_digest
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeChannel, FakeDiscord, FakeGuild
from tests.fakes.discord_server.state import StoredMessage, Timing

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

NEXT_DAY = DAY + dt.timedelta(days=1)
FIRST_DAY = [paper(i, f"LLM paper number {i}", "A large LLM study.") for i in range(1, 4)]
REVISED = dataclasses.replace(
    FIRST_DAY[1], version=2, announce_type=AnnounceType.REPLACE, announced=NEXT_DAY
)
NEW_MATCH = dataclasses.replace(paper(20, "Another LLM paper", "LLM again."), announced=NEXT_DAY)
NO_MATCH = dataclasses.replace(
    paper(21, "Graphene sheets", "Condensed matter."), announced=NEXT_DAY
)
PLACES = pytest.mark.parametrize("place", [PostPlace.THREAD, PostPlace.FORUM], ids=str)


async def post_two_days(
    discord: FakeDiscord,
    guild: FakeGuild,
    arxiv: FakeArxiv,
    tmp_path: Path,
    place: PostPlace,
    next_day: list[Paper],
    **options: object,
) -> FakeChannel:
    """Post the first day's three papers, then `next_day`'s feed; return the digest's channel."""
    channel = digest_channel(discord, guild, place)
    async with running_bot(make_settings(tmp_path, arxiv), discord) as bot:
        await set_digest(bot.services.db, guild, channel, place, **options)
        arxiv.add_feed_papers(FIRST_DAY)
        await bot.delivery.poll_and_deliver()
        arxiv.feed_papers[:] = next_day
        arxiv.add_feed_papers([])
        await bot.delivery.poll_and_deliver()
        await bot.delivery.poll_and_deliver()  # nothing new: nothing more is sent
    return channel


def everything(discord: FakeDiscord, channel: FakeChannel) -> dict[int, list[StoredMessage]]:
    """Return the messages of a channel and of each of its threads, by channel id."""
    shown = {channel.id: discord.messages(channel)}
    for thread in discord.threads(channel):
        shown[thread.id] = discord.messages(thread)
    return shown


def version_replies(shown: dict[int, list[StoredMessage]]) -> list[tuple[int, StoredMessage]]:
    """Return each "vN: ..." message with the id of the channel or thread it is in."""
    return [
        (where, message)
        for where, messages in shown.items()
        for message in messages
        if message.content.startswith("v2")
    ]


def carrier_of(messages: list[StoredMessage], base_id: str) -> StoredMessage:
    """Return the message whose embeds carry the paper `base_id`."""
    (found,) = [
        message
        for message in messages
        if any(str(embed.get("url", "")).endswith(base_id) for embed in message.embeds)
    ]
    return found


def the_reply_to(shown: dict[int, list[StoredMessage]], base_id: str) -> tuple[int, StoredMessage]:
    """Return the one "vN: ..." message and where it is.

    It is checked to answer the message there that carried the paper `base_id` (a reply can
    only answer a message of its own channel).
    """
    ((where, reply),) = version_replies(shown)
    carrier = carrier_of(shown[where], base_id)
    assert int(reply.payload["message_reference"]["message_id"]) == carrier.id
    return where, reply


@PLACES
async def test_a_new_version_is_answered_once_in_the_thread_that_carried_the_paper(
    fake_discord: FakeDiscord,
    discord_guild: FakeGuild,
    fake_arxiv: FakeArxiv,
    tmp_path: Path,
    place: PostPlace,
) -> None:
    channel = await post_two_days(
        fake_discord,
        discord_guild,
        fake_arxiv,
        tmp_path,
        place,
        [REVISED, NEW_MATCH],
        versions=True,
    )

    first, second = fake_discord.threads(channel)
    assert first.name.endswith(f"{DAY.isoformat()} · 3 papers")
    assert second.name.endswith(f"{NEXT_DAY.isoformat()} · 1 paper")
    shown = everything(fake_discord, channel)
    where, reply = the_reply_to(shown, REVISED.base_id)
    assert where == first.id  # beside the paper, in the first day's thread
    assert reply.embeds == []
    assert [embed["title"] for m in shown[second.id] for embed in m.embeds] == [NEW_MATCH.title]


@pytest.fixture
async def forgetful_discord() -> AsyncIterator[FakeDiscord]:
    """A fake Discord whose nonce window is over at once: only reading a channel dedupes."""
    async with FakeDiscord(timing=Timing(nonce_window=0.0)) as fake:
        fake.add_guild("arXiv lab")
        with fake.patch_discord_py():
            yield fake


@PLACES
async def test_a_version_reply_whose_answer_was_lost_is_found_in_its_thread_not_sent_twice(
    forgetful_discord: FakeDiscord, fake_arxiv: FakeArxiv, tmp_path: Path, place: PostPlace
) -> None:
    fake = forgetful_discord
    guild = next(iter(fake.world.guilds.values()))
    channel = digest_channel(fake, guild, place)
    settings = make_settings(
        tmp_path, fake_arxiv, discord_send_timeout_seconds=0.5, delivery_retry_seconds=0
    )
    async with running_bot(settings, fake) as bot:
        await set_digest(bot.services.db, guild, channel, place, versions=True)
        fake_arxiv.add_feed_papers(FIRST_DAY)
        await bot.delivery.poll_and_deliver()
        (thread,) = fake.threads(channel)
        # Discord takes the reply into the paper's thread; its answer never arrives.
        fake.lose_answer_next("POST", f"/channels/{thread.id}/messages")
        fake_arxiv.feed_papers[:] = [REVISED, NO_MATCH]
        fake_arxiv.add_feed_papers([])
        await bot.delivery.poll_and_deliver()  # the reply's outcome is unknown
        await bot.delivery.poll_and_deliver()  # the retry reads the thread first
        config = await targets.get_digest(bot.services.db, channel.id)

    assert config is not None and not config.paused
    shown = everything(fake, channel)
    where, _ = the_reply_to(shown, REVISED.base_id)
    assert where == thread.id


@PLACES
async def test_a_new_version_on_a_day_without_matches_is_answered_in_the_earlier_thread(
    fake_discord: FakeDiscord,
    discord_guild: FakeGuild,
    fake_arxiv: FakeArxiv,
    tmp_path: Path,
    place: PostPlace,
) -> None:
    channel = await post_two_days(
        fake_discord,
        discord_guild,
        fake_arxiv,
        tmp_path,
        place,
        [REVISED, NO_MATCH],
        versions=True,
    )

    (thread,) = fake_discord.threads(channel)  # the day without matches opens none
    shown = everything(fake_discord, channel)
    where, _ = the_reply_to(shown, REVISED.base_id)
    assert where == thread.id
    if place is PostPlace.THREAD:
        (header,) = shown[channel.id]  # the first day's header, and nothing else
        assert header.id == thread.id


async def test_no_matches_in_a_thread_digest_is_one_line_in_the_channel_without_a_thread(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = await post_two_days(
        fake_discord,
        discord_guild,
        fake_arxiv,
        tmp_path,
        PostPlace.THREAD,
        [NO_MATCH],
        quiet=False,
    )

    (thread,) = fake_discord.threads(channel)  # the first day's only
    header, line = fake_discord.messages(channel)
    assert header.id == thread.id
    assert line.content == "No matches today (0 of 1 paper in cs.CL)"
    assert line.embeds == []
    assert all("No matches" not in m.content for m in fake_discord.messages(thread))


async def test_no_matches_in_a_forum_is_one_post_holding_the_line(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = await post_two_days(
        fake_discord,
        discord_guild,
        fake_arxiv,
        tmp_path,
        PostPlace.FORUM,
        [NO_MATCH],
        quiet=False,
    )

    first, second = fake_discord.threads(channel)
    assert first.name.endswith(f"{DAY.isoformat()} · 3 papers")
    assert second.name == f"cs.CL · {NEXT_DAY.isoformat()} · 0 papers"
    (line,) = fake_discord.messages(second)
    assert line.id == second.id  # the post's own first message
    assert line.content == "No matches today (0 of 1 paper in cs.CL)"
    assert all("No matches" not in m.content for m in fake_discord.messages(first))


async def test_a_version_reply_to_a_paper_whose_thread_was_deleted_is_dropped_alone(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    channel = discord_guild.channel("papers")
    async with running_bot(make_settings(tmp_path, fake_arxiv), fake_discord) as bot:
        await set_digest(bot.services.db, discord_guild, channel, PostPlace.THREAD, versions=True)
        fake_arxiv.add_feed_papers(FIRST_DAY)
        await bot.delivery.poll_and_deliver()
        (first,) = fake_discord.threads(channel)
        fake_discord.delete_thread(first)  # a moderator removes the first day's thread
        fake_arxiv.feed_papers[:] = [REVISED, NEW_MATCH]
        fake_arxiv.add_feed_papers([])
        await bot.delivery.poll_and_deliver()
        await bot.delivery.poll_and_deliver()  # nothing is left to retry
        config = await targets.get_digest(bot.services.db, channel.id)

    assert config is not None and not config.paused
    (second,) = [thread for thread in fake_discord.threads(channel) if thread.id != first.id]
    assert [embed["title"] for m in fake_discord.messages(second) for embed in m.embeds] == [
        NEW_MATCH.title
    ]
    assert version_replies(everything(fake_discord, channel)) == []


@pytest.mark.parametrize("place", [PostPlace.CHANNEL, PostPlace.THREAD], ids=str)
async def test_a_paper_and_the_reply_to_its_new_version_sent_in_one_run_make_a_reply(
    fake_discord: FakeDiscord,
    discord_guild: FakeGuild,
    fake_arxiv: FakeArxiv,
    tmp_path: Path,
    place: PostPlace,
) -> None:
    channel = discord_guild.channel("papers")
    settings = make_settings(tmp_path, fake_arxiv, delivery_retry_seconds=0)
    # The first day's header is refused once: that post waits, and goes out with the reply.
    fake_discord.fail_next(
        "POST", f"/channels/{channel.id}/messages", status=400, code=50035, message="Refused"
    )
    async with running_bot(settings, fake_discord) as bot:
        await set_digest(bot.services.db, discord_guild, channel, place, versions=True)
        fake_arxiv.add_feed_papers(FIRST_DAY)
        await bot.delivery.poll_and_deliver()
        assert fake_discord.messages(channel) == []
        fake_arxiv.feed_papers[:] = [REVISED, NO_MATCH]
        fake_arxiv.add_feed_papers([])
        await bot.delivery.poll_and_deliver()  # the first day's post, then the reply

    shown = everything(fake_discord, channel)
    where, _ = the_reply_to(shown, REVISED.base_id)
    assert (where == channel.id) is (place is PostPlace.CHANNEL)
