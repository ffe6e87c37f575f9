"""The fake Discord's channel messages, DMs, limits and rate limits, driven by real discord.py.

Each refusal is Discord's documented one (status and JSON code), so the bot's error handling
is exercised exactly as in production.
"""

from __future__ import annotations

import io

import discord
import pytest

from tests.fakes.discord_server import FakeDiscord, FakeGuild, connected, minimal_bot

pytestmark = pytest.mark.usefixtures("no_leaked_resources")


async def text_channel(bot: discord.Client, channel_id: int) -> discord.TextChannel:
    """Return the bot's cached text channel (discord.py built it from GUILD_CREATE)."""
    channel = bot.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


async def test_a_too_long_embed_is_refused_with_invalid_form_body(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await text_channel(bot, discord_guild.channel("papers").id)
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send(embed=discord.Embed(description="x" * 4097))
    assert (refused.value.status, refused.value.code) == (400, 50035)
    assert fake_discord.messages(discord_guild.channel("papers")) == []


async def test_embeds_over_6000_characters_together_are_refused(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()
    embeds = [discord.Embed(title="t" * 200, description="d" * 2900) for _ in range(2)]
    async with connected(bot, fake_discord):
        channel = await text_channel(bot, discord_guild.channel("papers").id)
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send(embeds=embeds)
    assert refused.value.code == 50035
    assert "6000" in refused.value.text


async def test_a_reply_answers_a_message_of_the_same_channel(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await text_channel(bot, discord_guild.channel("papers").id)
        carrier = await channel.send("a paper")
        reply = await channel.send("v2: camera-ready", reference=carrier, mention_author=False)
    stored = fake_discord.messages(discord_guild.channel("papers"))[-1]
    assert stored.id == reply.id
    assert int(stored.payload["message_reference"]["message_id"]) == carrier.id


@pytest.mark.parametrize("fail_if_not_exists", [True, False])
async def test_a_reply_to_a_message_of_another_channel_is_refused_or_sent_as_no_reply(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, fail_if_not_exists: bool
) -> None:
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        general = await text_channel(bot, discord_guild.channel("general").id)
        papers = await text_channel(bot, discord_guild.channel("papers").id)
        elsewhere = await general.send("a paper")
        reference = discord.MessageReference(
            message_id=elsewhere.id, channel_id=papers.id, fail_if_not_exists=fail_if_not_exists
        )
        if fail_if_not_exists:
            with pytest.raises(discord.HTTPException) as refused:
                await papers.send("v2: camera-ready", reference=reference)
            assert (refused.value.status, refused.value.code) == (400, 50035)
        else:
            await papers.send("v2: camera-ready", reference=reference)
    sent = fake_discord.messages(discord_guild.channel("papers"))
    if fail_if_not_exists:
        assert sent == []
    else:
        (normal,) = sent
        assert "message_reference" not in normal.payload


async def test_a_429_on_the_channel_route_is_waited_out_and_retried(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    papers = discord_guild.channel("papers")
    path = f"/channels/{papers.id}/messages"
    fake_discord.rate_limit_next("POST", path, times=2, retry_after=0.01)
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await text_channel(bot, papers.id)
        sent = await channel.send("arXiv cs.CL for today")

    statuses = [r.status for r in fake_discord.requests if (r.method, r.path) == ("POST", path)]
    assert statuses == [429, 429, 200]
    assert [m.id for m in fake_discord.messages(papers)] == [sent.id]


async def test_same_nonce_with_enforce_nonce_returns_the_existing_message(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    papers = discord_guild.channel("papers")
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await text_channel(bot, papers.id)
        first = await channel.send("header", nonce="d1-2026-04-28-0")
        again = await channel.send("header", nonce="d1-2026-04-28-0")
    assert again.id == first.id
    assert len(fake_discord.messages(papers)) == 1
    assert fake_discord.messages(papers)[0].nonce == "d1-2026-04-28-0"


async def test_a_nonce_longer_than_25_characters_is_refused(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await text_channel(bot, discord_guild.channel("papers").id)
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send("header", nonce="n" * 26)
    assert refused.value.code == 50035


async def test_history_is_read_newest_first_with_limit(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await text_channel(bot, discord_guild.channel("papers").id)
        for text in ("one", "two", "three"):
            await channel.send(text)
        newest = [m.content async for m in channel.history(limit=2)]
        first = await anext(channel.history(limit=1, oldest_first=True))
        after_first = [m.content async for m in channel.history(after=first)]
    assert newest == ["three", "two"]
    assert after_first == ["two", "three"]


async def test_a_dm_to_a_user_with_closed_dms_is_forbidden(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    private = fake_discord.add_member(discord_guild, "private", dms_closed=True)
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        user = await bot.fetch_user(private.id)
        with pytest.raises(discord.Forbidden) as refused:
            await user.send("Your papers for today")
    assert refused.value.code == 50007


async def test_a_dm_to_an_open_user_is_recorded_in_their_dm_channel(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    reader = fake_discord.add_member(discord_guild, "reader")
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        user = await bot.fetch_user(reader.id)
        await user.send("Your papers for today")
        received = await fake_discord.wait_for_messages(fake_discord.dm_channel(reader), 1)
    assert received[0].content == "Your papers for today"


async def test_a_forbidden_channel_refuses_posts_with_missing_permissions(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    papers = discord_guild.channel("papers")
    fake_discord.forbid_channel(papers)
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await text_channel(bot, papers.id)
        with pytest.raises(discord.Forbidden) as refused:
            await channel.send("digest")
    assert refused.value.code == 50013


async def test_a_removed_channel_answers_unknown_channel(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    papers = discord_guild.channel("papers")
    fake_discord.remove_channel(papers)
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await text_channel(bot, papers.id)
        with pytest.raises(discord.NotFound) as refused:
            await channel.send("digest")
    assert refused.value.code == 10003


async def test_a_message_is_recorded_as_sent_with_allowed_mentions_and_nonce(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    papers = discord_guild.channel("papers")
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await text_channel(bot, papers.id)
        await channel.send(
            "@everyone reads this",
            embed=discord.Embed(title="A paper", url="https://arxiv.org/abs/2401.00001"),
            allowed_mentions=discord.AllowedMentions.none(),
            nonce="d1-0",
        )
    (recorded,) = fake_discord.messages(papers)
    assert recorded.allowed_mentions == {"parse": []}
    assert recorded.nonce == "d1-0"
    assert recorded.embeds[0]["url"] == "https://arxiv.org/abs/2401.00001"


async def test_a_message_with_a_file_is_read_from_payload_json(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    papers = discord_guild.channel("papers")
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await text_channel(bot, papers.id)
        sent = await channel.send("digest", file=discord.File(io.BytesIO(b"abc"), "papers.txt"))
    (recorded,) = fake_discord.messages(papers)
    assert recorded.content == "digest"
    assert [a.filename for a in sent.attachments] == ["papers.txt"]


async def test_an_exhausted_bucket_is_waited_out_before_the_next_post() -> None:
    async with FakeDiscord(rate_limit=1, rate_window=0.2) as fake:
        guild = fake.add_guild()
        papers = guild.channel("papers")
        bot = minimal_bot()
        with fake.patch_discord_py():
            async with connected(bot, fake):
                channel = await text_channel(bot, papers.id)
                await channel.send("one")
                await channel.send("two")
    path = f"/channels/{papers.id}/messages"
    statuses = [r.status for r in fake.requests if (r.method, r.path) == ("POST", path)]
    assert statuses == [200, 200]  # discord.py read X-RateLimit-Remaining: 0 and waited.


async def test_fetched_messages_carry_no_nonce_as_discord_stores_none(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = await text_channel(bot, discord_guild.channel("papers").id)
        sent = await channel.send("header", nonce="d1-0")
        fetched = [m async for m in channel.history(limit=1)]
    assert sent.nonce == "d1-0"  # The answer to the create request echoes it ...
    assert [(m.id, m.nonce) for m in fetched] == [(sent.id, None)]  # ... history does not.
