"""The "Deep dive" button: acknowledged at once, posted in a thread under the digest message.

Claude (the fake Anthropic) reads the paper's PDF from its arXiv URL when the fake serves it;
where no thread can be made the deep dive is shown to the clicker alone, and a failure is
said plainly.
"""

from __future__ import annotations

import pytest

from bot.targets.model import TargetKey
from tests.cogs.conftest import WAIT, Harness
from tests.cogs.test_papers import buttons_of, choose, post_digest
from tests.fakes.arxiv_server import make_papers
from tests.fakes.discord_server import FakeUser
from tests.fakes.discord_server.state import CREATE_PUBLIC_THREADS

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

PDF_TEXT = "Section 4. Our method reaches 91.5% accuracy and runs 3.2 times faster (Table 2)."


def serve_pdfs(harness: Harness, count: int) -> None:
    for number in range(1, count + 1):
        harness.anthropic.serve_pdf(f"https://arxiv.org/pdf/2508.{number:05d}v1", PDF_TEXT)


@pytest.fixture
def reader(harness: Harness) -> FakeUser:
    return harness.discord.add_member(harness.guild, "reader")


async def test_deep_dive_is_acknowledged_at_once_then_posted_in_a_thread_under_the_post(
    harness: Harness, reader: FakeUser
) -> None:
    [post] = await post_digest(harness, 1)
    serve_pdfs(harness, 1)

    handle = await harness.discord.click(post, buttons_of(post)["Deep dive"], user=reader)
    callback = await handle.wait_callback(WAIT)
    told = await handle.wait_followup_where(lambda m: "Deep dive posted in" in m.content, WAIT)

    assert callback.type == 5 and callback.data.get("flags") == 64  # deferred, ephemeral
    assert told.ephemeral and told.shown_to is reader
    [thread] = harness.discord.threads(harness.papers)
    assert thread.id == post.id  # started from the digest message
    assert told.content == f"Deep dive posted in <#{thread.id}>."
    assert thread.name == "Deep dive: Synthetic paper 1 on cs.AI"
    [dive] = harness.discord.messages(thread)
    [embed] = dive.embeds
    assert embed["title"] == "Deep dive: Synthetic paper 1 on cs.AI"
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert list(fields) == ["Method", "Experiments", "Limitations", "Key numbers", "Links"]
    assert "91.5% (Table 1)" in fields["Key numbers"]
    assert harness.anthropic.requests[-1].document_sources == [
        {"type": "url", "url": "https://arxiv.org/pdf/2508.00001v1"}
    ]


async def test_deep_dives_of_one_messages_papers_share_its_thread(
    harness: Harness, reader: FakeUser
) -> None:
    [post] = await post_digest(harness, 3)
    serve_pdfs(harness, 3)

    for value in ("2508.00001v1", "2508.00003v1"):
        details = await choose(harness, post, value, reader)  # an ephemeral answer: no thread
        handle = await harness.discord.click(details, buttons_of(details)["Deep dive"], user=reader)
        await handle.wait_followup_where(lambda m: "Deep dive posted in" in m.content, WAIT)

    [thread] = harness.discord.threads(harness.papers)
    assert thread.id == post.id
    assert thread.name == "Deep dives"
    titles = [m.embeds[0]["title"] for m in harness.discord.messages(thread)]
    assert titles == [
        "Deep dive: Synthetic paper 1 on cs.AI",
        "Deep dive: Synthetic paper 3 on cs.AI",
    ]


async def test_without_thread_permission_the_deep_dive_is_shown_to_the_clicker_only(
    harness: Harness, reader: FakeUser
) -> None:
    [post] = await post_digest(harness, 1)
    serve_pdfs(harness, 1)
    for role in harness.guild.roles:  # @everyone's and the bot's own
        role.permissions &= ~CREATE_PUBLIC_THREADS

    handle = await harness.discord.click(post, buttons_of(post)["Deep dive"], user=reader)
    shown = await handle.wait_followup_where(lambda m: bool(m.embeds), WAIT)

    assert shown.ephemeral and shown.shown_to is reader
    assert "cannot start a thread here" in shown.content
    assert shown.embeds[0]["title"] == "Deep dive: Synthetic paper 1 on cs.AI"
    assert harness.discord.threads(harness.papers) == []


async def test_a_deep_dive_that_fails_says_why_plainly(harness: Harness, reader: FakeUser) -> None:
    [post] = await post_digest(harness, 1)  # no PDF served: the API cannot download it

    handle = await harness.discord.click(post, buttons_of(post)["Deep dive"], user=reader)
    said = await handle.wait_followup_where(lambda m: "No deep dive" in m.content, WAIT)

    assert said.ephemeral
    assert said.content.startswith("No deep dive of **Synthetic paper 1 on cs.AI**: Claude could")
    assert harness.discord.threads(harness.papers) == []


@pytest.mark.bot_settings(daily_budget_usd=1.0, guild_daily_budget_share=0.0005)
async def test_a_deep_dive_is_paid_from_the_servers_share_of_the_budget(
    harness: Harness, reader: FakeUser
) -> None:
    # The digest's summary (about $0.0009) already spent this server's share ($0.0005):
    # a deep dive clicked there is refused for the server, though the daily budget has room.
    [post] = await post_digest(harness, 1)
    serve_pdfs(harness, 1)
    calls = len(harness.anthropic.requests)

    handle = await harness.discord.click(post, buttons_of(post)["Deep dive"], user=reader)
    said = await handle.wait_followup_where(lambda m: "No deep dive" in m.content, WAIT)

    assert said.ephemeral
    assert "server budget share reached" in said.content
    assert len(harness.anthropic.requests) == calls
    assert harness.discord.threads(harness.papers) == []


async def test_in_a_dm_the_deep_dive_is_posted_in_the_dm(harness: Harness) -> None:
    member = harness.discord.add_member(harness.guild, "subscriber")
    await harness.reply("subscribe", {"keywords": "synthetic"}, user=member)
    papers = make_papers(1, categories=("cs.AI",))
    harness.arxiv.add_feed_papers(papers)
    harness.arxiv.add_api_papers(papers)
    serve_pdfs(harness, 1)
    await harness.bot.services.poller.poll(("cs.AI",))
    await harness.bot.delivery.post_now(TargetKey.user(member.id))
    dm = harness.discord.dm_channel(member)
    [post] = await harness.discord.wait_for_messages(dm, 1, timeout=WAIT)

    handle = await harness.discord.click(post, buttons_of(post)["Deep dive"], user=member)
    await handle.wait_followup_where(lambda m: bool(m.embeds), WAIT)

    [_, dive] = harness.discord.messages(dm)
    assert not dive.ephemeral
    assert dive.embeds[0]["title"] == "Deep dive: Synthetic paper 1 on cs.AI"
