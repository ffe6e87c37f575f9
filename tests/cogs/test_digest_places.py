"""`/digest set` into forums and threads, with a role to ping, and `/digest defaults`.

Forum channels and roles are created while the bot runs (it hears CHANNEL_CREATE and
GUILD_ROLE_CREATE from the fake, as from Discord); a server without thread permissions is one
the bot is invited to during the test (GUILD_CREATE).
"""

from __future__ import annotations

import pytest

from bot.store import targets
from bot.targets.model import PostPlace
from tests.cogs.conftest import Harness, announce, far_time
from tests.fakes.discord_server.state import (
    BOT_PERMISSIONS,
    CREATE_PUBLIC_THREADS,
    GUILD_ANNOUNCEMENT,
    GUILD_FORUM,
    MEMBER_PERMISSIONS,
    SEND_MESSAGES_IN_THREADS,
)

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

NO_THREADS = ~(CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS)


async def test_set_takes_a_forum_channel_and_posts_there_as_forum_posts(harness: Harness) -> None:
    forum = await harness.discord.create_channel(harness.guild, "arxiv-forum", type=GUILD_FORUM)

    reply = await harness.reply(
        "digest set", {"channel": forum, "categories": "cs.CL", "time": far_time()}
    )

    assert reply.content.startswith("Digest created"), reply.content
    assert "posts: one forum post per announcement" in reply.content
    config = await targets.get_digest(harness.db, forum.id)
    assert config is not None and config.place is PostPlace.FORUM


async def test_set_takes_an_announcement_channel(harness: Harness) -> None:
    news = await harness.discord.create_channel(harness.guild, "news", type=GUILD_ANNOUNCEMENT)

    reply = await harness.reply("digest set", {"channel": news, "categories": "cs.CL"})

    assert reply.content.startswith("Digest created"), reply.content


async def test_thread_true_puts_the_papers_in_a_thread_and_false_takes_them_back(
    harness: Harness,
) -> None:
    options = {"channel": harness.papers, "categories": "cs.CL", "time": far_time()}
    reply = await harness.reply("digest set", {**options, "thread": True})
    assert "the papers in a thread under it" in reply.content
    config = await targets.get_digest(harness.db, harness.papers.id)
    assert config is not None and config.place is PostPlace.THREAD

    await harness.reply("digest set", options)  # thread left out: stays as it was
    config = await targets.get_digest(harness.db, harness.papers.id)
    assert config is not None and config.place is PostPlace.THREAD

    await harness.reply("digest set", {**options, "thread": False})
    config = await targets.get_digest(harness.db, harness.papers.id)
    assert config is not None and config.place is PostPlace.CHANNEL


@pytest.mark.parametrize(
    ("make_forum", "thread", "missing"),
    [
        (False, True, "Send Messages in Threads and Create Public Threads"),
        (True, None, "Send Messages in Threads"),
    ],
    ids=["thread", "forum"],
)
async def test_set_refuses_a_thread_or_forum_where_the_bot_may_not_post_in_threads(
    harness: Harness, make_forum: bool, thread: bool | None, missing: str
) -> None:
    guild = await harness.discord.join_guild(
        "strict lab",
        bot_permissions=BOT_PERMISSIONS & NO_THREADS,
        everyone_permissions=MEMBER_PERMISSIONS & NO_THREADS,
    )
    channel = (
        await harness.discord.create_channel(guild, "forum", type=GUILD_FORUM)
        if make_forum
        else guild.channel("papers")
    )
    options = {"channel": channel, "categories": "cs.CL"}
    if thread is not None:
        options["thread"] = thread

    reply = await harness.reply("digest set", options, guild=guild)

    assert reply.ephemeral
    assert f"give me {missing} there" in reply.content
    assert await targets.get_digest(harness.db, channel.id) is None


async def test_the_same_server_without_thread_rights_may_still_post_in_the_channel(
    harness: Harness,
) -> None:
    guild = await harness.discord.join_guild(
        "strict lab",
        bot_permissions=BOT_PERMISSIONS & NO_THREADS,
        everyone_permissions=MEMBER_PERMISSIONS & NO_THREADS,
    )

    reply = await harness.reply(
        "digest set", {"channel": guild.channel("papers"), "categories": "cs.CL"}, guild=guild
    )

    assert reply.content.startswith("Digest created"), reply.content


# --- mention_role ------------------------------------------------------------------------


async def test_mention_role_is_stored_and_shown(harness: Harness) -> None:
    readers = await harness.discord.create_role(harness.guild, "paper-readers")

    reply = await harness.reply(
        "digest set",
        {"channel": harness.papers, "categories": "cs.CL", "mention_role": readers},
    )

    assert f"pings: <@&{readers.id}>" in reply.content
    assert "not mentionable" not in reply.content
    config = await targets.get_digest(harness.db, harness.papers.id)
    assert config is not None and config.mention_role == readers.id


async def test_picking_everyone_as_mention_role_stops_the_pings(harness: Harness) -> None:
    readers = await harness.discord.create_role(harness.guild, "paper-readers")
    options = {"channel": harness.papers, "categories": "cs.CL", "time": far_time()}
    await harness.reply("digest set", {**options, "mention_role": readers})
    everyone = harness.guild.roles[0]
    assert everyone.id == harness.guild.id  # Discord's @everyone role

    reply = await harness.reply("digest set", {**options, "mention_role": everyone})

    assert "pings: nobody" in reply.content
    config = await targets.get_digest(harness.db, harness.papers.id)
    assert config is not None and config.mention_role is None


async def test_a_role_nobody_may_mention_is_taken_with_a_warning(harness: Harness) -> None:
    quiet = await harness.discord.create_role(harness.guild, "quiet", mentionable=False)

    reply = await harness.reply(
        "digest set", {"channel": harness.papers, "categories": "cs.CL", "mention_role": quiet}
    )

    assert reply.content.startswith("Digest created")
    assert f"<@&{quiet.id}> is not mentionable" in reply.content
    assert "Allow anyone to @mention this role" in reply.content


async def test_a_digest_post_pings_its_role_and_nobody_else(harness: Harness) -> None:
    readers = await harness.discord.create_role(harness.guild, "paper-readers")
    await harness.reply(
        "digest set",
        {"channel": harness.papers, "categories": "cs.AI", "mention_role": readers},
    )
    await announce(harness, 3)
    await harness.bot.delivery.poll_and_deliver()

    header, *papers = harness.discord.messages(harness.papers)
    assert header.content.startswith(f"<@&{readers.id}> arXiv cs.AI")
    assert header.allowed_mentions == {"parse": [], "roles": [readers.id]}
    assert harness.discord.pings(header).roles == (readers.id,)
    assert all(harness.discord.pings(message).roles == () for message in papers)


# --- /digest defaults ----------------------------------------------------------------------


async def test_defaults_language_is_used_by_digests_without_a_language(harness: Harness) -> None:
    reply = await harness.reply("digest defaults", {"language": "German"})
    assert reply.ephemeral
    assert "Server default language: german." in reply.content
    await harness.reply("digest set", {"channel": harness.papers, "categories": "cs.AI"})
    await announce(harness, 1)

    await harness.bot.delivery.poll_and_deliver()

    assert harness.anthropic.requests
    assert {r.language for r in harness.anthropic.requests} == {"german"}


async def test_a_digest_language_beats_the_server_default(harness: Harness) -> None:
    await harness.reply("digest defaults", {"language": "German"})
    await harness.reply(
        "digest set", {"channel": harness.papers, "categories": "cs.AI", "language": "fr"}
    )
    await announce(harness, 1)

    await harness.bot.delivery.poll_and_deliver()

    assert {r.language for r in harness.anthropic.requests} == {"fr"}


async def test_defaults_language_default_goes_back_to_the_bots_language(harness: Harness) -> None:
    await harness.reply("digest defaults", {"language": "German"})

    reply = await harness.reply("digest defaults", {"language": "default"})

    assert "none set, so the bot's (en)" in reply.content
    shown = await harness.reply("digest defaults")
    assert "none set, so the bot's (en)" in shown.content


async def test_defaults_refuses_what_is_not_a_language(harness: Harness) -> None:
    reply = await harness.reply("digest defaults", {"language": "@everyone"})

    assert reply.ephemeral
    assert "a language is a name or tag" in reply.content
    assert "none set" in (await harness.reply("digest defaults")).content


async def test_defaults_are_per_server(harness: Harness) -> None:
    other = await harness.discord.join_guild("other lab")
    await harness.reply("digest defaults", {"language": "ja"})

    reply = await harness.reply("digest defaults", guild=other)

    assert "none set" in reply.content


async def test_language_autocomplete_offers_common_languages_by_name_and_tag(
    harness: Harness,
) -> None:
    by_name = await harness.choices(
        "digest set",
        {"channel": harness.papers, "categories": "cs.CL", "language": "germ"},
        "language",
    )
    by_tag = await harness.choices("summarize", {"language": "pt"}, "language")

    assert by_name[0] == {"name": "German · Deutsch (de)", "value": "de"}
    assert {"pt-BR", "pt-PT"} <= {choice["value"] for choice in by_tag}


async def test_server_language_autocomplete_offers_the_bots_default_first(
    harness: Harness,
) -> None:
    choices = await harness.choices("digest defaults", {"language": ""}, "language")

    assert choices[0]["value"] == "default"
    assert len(choices) <= 25
