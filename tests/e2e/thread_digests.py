"""Helpers of the tests of digests in threads and forum posts (test_threads, test_thread_replies).

Each digest is a cs.CL digest for "llm"; a thread digest posts in the server's #papers, a forum
digest in a forum channel of its own.
"""

from __future__ import annotations

from bot.store import targets
from bot.store.db import Database
from bot.targets.model import PostPlace
from tests.fakes.discord_server import FakeChannel, FakeDiscord, FakeGuild
from tests.fakes.discord_server.state import GUILD_FORUM, StoredMessage


async def set_digest(
    db: Database, guild: FakeGuild, channel: FakeChannel, place: PostPlace, **options: object
) -> None:
    """Give the channel a cs.CL digest for "llm" that posts as soon as announced."""
    await targets.upsert_digest(
        db,
        guild_id=guild.id,
        channel_id=channel.id,
        categories=["cs.CL"],
        keywords="llm",
        place=place,
        **options,  # type: ignore[arg-type]
    )


def digest_channel(discord: FakeDiscord, guild: FakeGuild, place: PostPlace) -> FakeChannel:
    """Return the channel a digest of `place` posts in: a new forum, or #papers."""
    if place is PostPlace.FORUM:
        return discord.world.add_channel(guild, "forum", type=GUILD_FORUM)
    return guild.channel("papers")


def paper_urls(messages: list[StoredMessage]) -> list[str]:
    """Return the abstract links of every paper embed, in order."""
    return [embed["url"] for message in messages for embed in message.embeds]


def papers_in_the_thread(discord: FakeDiscord, channel: FakeChannel) -> list[str]:
    """Return the abstract links posted in the channel's one thread (or forum post), in order."""
    (thread,) = discord.threads(channel)
    return paper_urls(discord.messages(thread))
