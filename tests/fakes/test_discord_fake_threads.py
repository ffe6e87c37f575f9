"""The fake Discord's forums, threads, role pings, user installs and message commands,
driven by real discord.py.

Each refusal is Discord's documented one (status and JSON code), so the bot's handling of
threads and forums is exercised as in production.
"""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from tests.fakes.discord_server import FakeDiscord, FakeGuild, connected, minimal_bot
from tests.fakes.discord_server.state import (
    BOT_PERMISSIONS,
    GUILD_FORUM,
    MENTION_EVERYONE,
    SEND_MESSAGES_IN_THREADS,
)

pytestmark = pytest.mark.usefixtures("no_leaked_resources")


async def forum_of(bot: discord.Client, channel_id: int) -> discord.ForumChannel:
    forum = bot.get_channel(channel_id)
    assert isinstance(forum, discord.ForumChannel)
    return forum


async def test_a_forum_post_gets_its_tags_and_its_first_message_shares_its_id(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    forum = fake_discord.world.add_channel(
        discord_guild, "papers-forum", type=GUILD_FORUM, tags=("cs.CL", "llm")
    )
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await forum_of(bot, forum.id)
        tags = [t for t in channel.available_tags if t.name == "llm"]
        created = await channel.create_thread(name="cs.CL · today", content="hi", applied_tags=tags)
        await created.thread.send("inside")

    (post,) = fake_discord.threads(forum)
    assert created.thread.id == created.message.id == post.id
    assert [m.content for m in fake_discord.messages(post)] == ["hi", "inside"]
    assert post.applied_tags == [tags[0].id]


@pytest.mark.parametrize(
    ("name", "tags", "require_tag", "code"),
    [
        ("x" * 101, 0, False, 50035),
        ("fine", 6, False, 50035),
        ("fine", 0, True, 40067),
    ],
    ids=["name over 100", "six tags", "a tag is required"],
)
async def test_a_forum_refuses_what_discord_refuses(
    fake_discord: FakeDiscord,
    discord_guild: FakeGuild,
    name: str,
    tags: int,
    require_tag: bool,
    code: int,
) -> None:
    names = tuple(f"t{i}" for i in range(6))
    forum = fake_discord.world.add_channel(
        discord_guild, "f", type=GUILD_FORUM, tags=names, require_tag=require_tag
    )
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await forum_of(bot, forum.id)
        with pytest.raises(discord.HTTPException) as refused:
            await channel.create_thread(
                name=name, content="hi", applied_tags=channel.available_tags[:tags]
            )
    assert (refused.value.status, refused.value.code) == (400, code)
    assert fake_discord.threads(forum) == []


async def test_a_forum_takes_no_message_of_its_own(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    forum = fake_discord.world.add_channel(discord_guild, "f", type=GUILD_FORUM)
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        with pytest.raises(discord.HTTPException) as refused:
            await bot.get_partial_messageable(forum.id).send("hello")
    assert refused.value.code == 50008


async def test_a_message_holds_one_thread_whose_id_is_the_messages(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    papers = discord_guild.channel("papers")
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = bot.get_channel(papers.id)
        assert isinstance(channel, discord.TextChannel)
        header = await channel.send("header")
        thread = await header.create_thread(name="today")
        with pytest.raises(discord.HTTPException) as again:
            await header.create_thread(name="today")
    assert thread.id == header.id
    assert (again.value.status, again.value.code) == (400, 160004)
    assert [t.id for t in fake_discord.threads(papers)] == [header.id]


async def test_posting_in_a_thread_needs_send_messages_in_threads(
    fake_discord: FakeDiscord,
) -> None:
    guild = fake_discord.add_guild(
        "strict",
        bot_permissions=BOT_PERMISSIONS & ~SEND_MESSAGES_IN_THREADS,
        everyone_permissions=0,
    )
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = bot.get_channel(guild.channel("papers").id)
        assert isinstance(channel, discord.TextChannel)
        thread = await (await channel.send("header")).create_thread(name="today")
        with pytest.raises(discord.Forbidden) as refused:
            await thread.send("paper")
    assert refused.value.code == 50013


async def test_a_deleted_thread_answers_unknown_channel(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = bot.get_channel(discord_guild.channel("papers").id)
        assert isinstance(channel, discord.TextChannel)
        thread = await (await channel.send("header")).create_thread(name="today")
        fake_discord.delete_thread(thread.id)
        with pytest.raises(discord.NotFound) as refused:
            await bot.get_partial_messageable(thread.id).send("paper")
    assert refused.value.code == 10003


async def test_active_and_archived_posts_are_listed(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    forum = fake_discord.world.add_channel(discord_guild, "f", type=GUILD_FORUM)
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await forum_of(bot, forum.id)
        old = await channel.create_thread(name="old", content="a")
        new = await channel.create_thread(name="new", content="b")
        fake_discord.channel(old.thread.id).archived = True
        active = await channel.guild.active_threads()
        archived = [t async for t in channel.archived_threads()]
    assert [t.id for t in active] == [new.thread.id]
    assert [t.id for t in archived] == [old.thread.id]


async def test_a_role_pings_only_when_allowed_mentions_lists_it(
    fake_discord: FakeDiscord,
) -> None:
    guild = fake_discord.add_guild("admins", bot_permissions=BOT_PERMISSIONS | MENTION_EVERYONE)
    readers = fake_discord.world.add_role(guild, "readers")
    other = fake_discord.world.add_role(guild, "other")
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = bot.get_channel(guild.channel("papers").id)
        assert isinstance(channel, discord.TextChannel)
        text = f"<@&{readers.id}> <@&{other.id}> @everyone"
        only = discord.AllowedMentions(everyone=False, roles=[discord.Object(readers.id)])
        narrow = await channel.send(text, allowed_mentions=only)
        wide = await channel.send(text)  # no allowed_mentions: everything pings
    narrow_msg, wide_msg = fake_discord.messages(guild.channel("papers"))
    assert (narrow_msg.id, wide_msg.id) == (narrow.id, wide.id)
    assert fake_discord.pings(narrow_msg).roles == (readers.id,)
    assert not fake_discord.pings(narrow_msg).everyone
    assert fake_discord.pings(wide_msg).roles == (readers.id, other.id)
    assert fake_discord.pings(wide_msg).everyone


async def test_a_message_command_carries_the_message_and_user_installs_reach_other_servers(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    seen: list[tuple[str, int | None, bool]] = []
    bot = minimal_bot()

    @app_commands.context_menu(name="Read it")
    @app_commands.allowed_installs(guilds=True, users=True)
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def read_it(interaction: discord.Interaction, message: discord.Message) -> None:
        seen.append((message.content, interaction.guild_id, interaction.is_guild_integration()))
        await interaction.response.send_message("read", ephemeral=True)

    @app_commands.context_menu(name="Server only")
    async def server_only(interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.send_message("no")

    bot.tree.add_command(read_it)
    bot.tree.add_command(server_only)
    elsewhere = fake_discord.add_guild("no bot", with_bot=False)
    member = fake_discord.add_member(elsewhere, "reader")
    async with connected(bot, fake_discord):
        await bot.tree.sync()
        here = fake_discord.post_as(discord_guild.owner, discord_guild.channel("papers"), "one")
        there = fake_discord.post_as(member, elsewhere.channel("papers"), "two")
        await (
            await fake_discord.run_message_command("Read it", here, user=discord_guild.owner)
        ).wait_reply()
        await (
            await fake_discord.run_message_command("Read it", there, user=member, user_install=True)
        ).wait_reply()
        with pytest.raises(PermissionError, match="cannot be installed by users"):
            await fake_discord.run_message_command(
                "Server only", there, user=member, user_install=True
            )
        with pytest.raises(PermissionError, match="only a user install works"):
            await fake_discord.run_message_command("Read it", there, user=member)
    assert seen == [("one", discord_guild.id, True), ("two", elsewhere.id, False)]
