"""`/digest set|show|preview|post|pause|resume|remove`, as a server admin uses them.

Digests that should not post on their own during a test get a time 12 hours away; papers
are announced on the fake arXiv and recorded by the bot's real poller.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.clock import JobKey
from bot.store import targets
from bot.targets.model import TargetKey
from tests.cogs.conftest import WAIT, Harness, announce, set_timed_digest
from tests.fakes.arxiv_server import make_papers
from tests.fakes.discord_server import MANAGE_GUILD

pytestmark = pytest.mark.usefixtures("no_leaked_resources")


# --- set: bad input changes nothing ------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"categories": "cs.XX"}, "unknown arXiv category 'cs.XX'"),
        ({"categories": "cs.CL", "time": "25:00"}, "is not HH:MM"),
        ({"categories": "cs.CL", "timezone": "Mars/Olympus"}, "unknown timezone"),
        ({"categories": "cs.CL", "keywords": "llm, -llm"}, "both include and exclude"),
        ({"categories": "cs.CL", "language": "<@&1>"}, "a language is a name or tag"),
    ],
    ids=["category", "time", "timezone", "keywords", "language"],
)
async def test_set_with_a_bad_option_answers_privately_and_stores_nothing(
    harness: Harness, options: dict[str, str], says: str
) -> None:
    reply = await harness.reply("digest set", {"channel": harness.papers, **options})

    assert reply.ephemeral
    assert says in reply.content
    assert await targets.get_digest(harness.db, harness.papers.id) is None


async def test_set_with_a_bad_option_leaves_an_existing_digest_as_it_was(harness: Harness) -> None:
    await set_timed_digest(harness, keywords="llm")
    before = await targets.get_digest(harness.db, harness.papers.id)

    reply = await harness.reply(
        "digest set", {"channel": harness.papers, "categories": "cs.CL", "time": "7 am"}
    )

    assert "is not HH:MM" in reply.content
    assert await targets.get_digest(harness.db, harness.papers.id) == before


@pytest.mark.parametrize("max_papers", [0, 26])
async def test_discord_refuses_max_papers_outside_1_to_25(
    harness: Harness, max_papers: int
) -> None:
    options = {"channel": harness.papers, "categories": "cs.CL", "max_papers": max_papers}
    with pytest.raises(ValueError, match="out of range"):
        await harness.slash("digest set", options)


async def test_set_refuses_a_channel_the_bot_cannot_post_in(harness: Harness) -> None:
    guild = harness.read_only_guild
    reply = await harness.reply(
        "digest set", {"channel": guild.channel("papers"), "categories": "cs.CL"}, guild=guild
    )

    assert reply.ephemeral
    assert "I cannot post in" in reply.content
    assert await targets.get_digest(harness.db, guild.channel("papers").id) is None


# --- set, show, reschedule ---------------------------------------------------------------


async def test_set_answers_privately_with_the_settings_and_the_next_post(
    harness: Harness,
) -> None:
    reply = await harness.reply(
        "digest set",
        {
            "channel": harness.papers,
            "categories": "cs.cl, cs.LG",
            "keywords": "llm, kv cache",
            "time": "08:30",
            "timezone": "europe/berlin",
            "max_papers": 5,
        },
    )

    assert reply.ephemeral
    assert f"<#{harness.papers.id}>: cs.CL, cs.LG" in reply.content
    assert "keywords: llm, kv cache" in reply.content
    assert "time: 08:30 Europe/Berlin" in reply.content
    assert "max papers: 5" in reply.content
    assert "next post: <t:" in reply.content


async def test_set_then_show_lists_the_digest(harness: Harness) -> None:
    await set_timed_digest(harness, keywords="rag, -survey")

    reply = await harness.reply("digest show")

    assert reply.ephemeral
    assert f"<#{harness.papers.id}>: cs.AI" in reply.content
    assert "keywords: rag, -survey" in reply.content


async def test_show_without_digests_says_how_to_create_one(harness: Harness) -> None:
    reply = await harness.reply("digest show")

    assert "no digests yet" in reply.content
    assert "/digest set" in reply.content


async def test_changing_the_time_reschedules_the_digest_at_once(harness: Harness) -> None:
    await set_timed_digest(harness)
    await harness.reply(
        "digest set",
        {"channel": harness.papers, "categories": "cs.AI", "time": "06:15", "timezone": "UTC"},
    )

    next_run = harness.bot.clock.next_run(JobKey.post(TargetKey.channel(harness.papers.id)))
    assert next_run is not None
    assert (next_run.astimezone(dt.UTC).hour, next_run.minute) == (6, 15)


@pytest.mark.parametrize("word", ["now", "Off"])
async def test_a_word_clears_the_time_so_the_digest_posts_as_soon_as_announced(
    harness: Harness, word: str
) -> None:
    await set_timed_digest(harness)

    reply = await harness.reply(
        "digest set", {"channel": harness.papers, "categories": "cs.AI", "time": word}
    )

    assert "time: as soon as announced" in reply.content
    assert harness.bot.clock.next_run(JobKey.post(TargetKey.channel(harness.papers.id))) is None
    config = await targets.get_digest(harness.db, harness.papers.id)
    assert config is not None
    assert config.time is None


async def test_a_new_digest_without_time_posts_the_latest_announcement_at_once(
    harness: Harness,
) -> None:
    papers = make_papers(3, categories=("cs.AI",))
    harness.arxiv.add_feed_papers(papers)
    harness.arxiv.add_api_papers(papers)

    await harness.reply("digest set", {"channel": harness.papers, "categories": "cs.AI"})
    (post,) = await harness.discord.wait_for_messages(harness.papers, 1, timeout=WAIT)

    assert post.content.startswith("arXiv cs.AI for Wed 20 Aug 2025: 3 of 3 new papers matched")
    assert len(post.embeds) == 3


async def test_pausing_a_timed_digest_drops_its_job_and_resuming_brings_it_back(
    harness: Harness,
) -> None:
    await set_timed_digest(harness)
    job = JobKey.post(TargetKey.channel(harness.papers.id))
    assert harness.bot.clock.next_run(job) is not None

    paused = await harness.reply("digest pause", {"channel": harness.papers})
    assert harness.bot.clock.next_run(job) is None
    resumed = await harness.reply("digest resume", {"channel": harness.papers})

    assert "Paused the digest" in paused.content
    assert harness.bot.clock.next_run(job) is not None
    assert "next post: <t:" in resumed.content


async def test_a_timed_digest_posts_what_was_planned_when_its_job_runs(harness: Harness) -> None:
    await set_timed_digest(harness)
    await announce(harness, 3)
    await harness.bot.delivery.poll_and_deliver()  # the pass plans; the digest waits its time
    assert harness.discord.messages(harness.papers) == []

    job = harness.bot.clock.scheduler.get_job(JobKey.post(TargetKey.channel(harness.papers.id)).id)
    job.modify(next_run_time=dt.datetime.now(dt.UTC))  # its time comes
    (post,) = await harness.discord.wait_for_messages(harness.papers, 1, timeout=WAIT)

    assert post.content.startswith("arXiv cs.AI for Wed 20 Aug 2025: 3 of 3 new papers matched")
    assert len(post.embeds) == 3


# --- preview and post --------------------------------------------------------------------


async def test_preview_of_a_planned_post_shows_exactly_what_waits(harness: Harness) -> None:
    await set_timed_digest(harness, max_papers=2)
    await announce(harness, 3)
    await harness.bot.delivery.poll_and_deliver()  # planned, waiting for the digest's time

    reply = await harness.reply("digest preview", {"channel": harness.papers})

    assert "3 of 3 new papers matched; showing the top 2" in reply.content
    assert len(reply.embeds) == 2
    assert harness.discord.messages(harness.papers) == []


async def test_preview_is_private_and_posts_nothing(harness: Harness) -> None:
    await set_timed_digest(harness)
    await announce(harness, 3)

    reply = await harness.reply("digest preview", {"channel": harness.papers})

    assert reply.ephemeral
    assert reply.content.startswith(f"Preview of the next post in <#{harness.papers.id}>")
    assert len(reply.embeds) == 3
    assert harness.discord.messages(harness.papers) == []


async def test_preview_of_more_than_ten_papers_spans_several_private_messages(
    harness: Harness,
) -> None:
    await set_timed_digest(harness, max_papers=12)
    await announce(harness, 12)

    handle = await harness.slash("digest preview", {"channel": harness.papers})
    await handle.wait_followups(1, timeout=WAIT)

    assert [len(m.embeds) for m in handle.messages] == [10, 2]
    assert all(m.ephemeral for m in handle.messages)


async def test_preview_marks_nothing_as_posted(harness: Harness) -> None:
    await set_timed_digest(harness)
    await announce(harness, 3)
    await harness.reply("digest preview", {"channel": harness.papers})

    reply = await harness.reply("digest post", {"channel": harness.papers})

    assert reply.content == f"Posted 3 papers in <#{harness.papers.id}>."


async def test_post_posts_pending_papers_in_the_channel(harness: Harness) -> None:
    await set_timed_digest(harness)
    await announce(harness, 3)

    reply = await harness.reply("digest post", {"channel": harness.papers})
    (post,) = harness.discord.messages(harness.papers)

    assert reply.ephemeral
    assert reply.content == f"Posted 3 papers in <#{harness.papers.id}>."
    assert post.content.startswith("arXiv cs.AI for Wed 20 Aug 2025")
    assert len(post.embeds) == 3


async def test_post_again_posts_nothing_new(harness: Harness) -> None:
    await set_timed_digest(harness)
    await announce(harness, 3)
    await harness.reply("digest post", {"channel": harness.papers})

    reply = await harness.reply("digest post", {"channel": harness.papers})

    assert reply.content == f"Nothing new to post in <#{harness.papers.id}>."
    assert len(harness.discord.messages(harness.papers)) == 1


async def test_post_for_a_channel_without_digest_says_how_to_create_one(harness: Harness) -> None:
    reply = await harness.reply("digest post", {"channel": harness.papers})

    assert reply.ephemeral
    assert reply.content == f"<#{harness.papers.id}> has no digest; create one with /digest set"


# --- pause, resume, remove -----------------------------------------------------------------


async def test_a_paused_digest_is_not_posted(harness: Harness) -> None:
    await set_timed_digest(harness)
    await announce(harness, 3)
    await harness.reply("digest pause", {"channel": harness.papers})

    reply = await harness.reply("digest post", {"channel": harness.papers})

    assert "is paused (paused by an admin)" in reply.content
    assert harness.discord.messages(harness.papers) == []


async def test_resume_lets_the_digest_post_again(harness: Harness) -> None:
    await set_timed_digest(harness)
    await announce(harness, 3)
    await harness.reply("digest pause", {"channel": harness.papers})
    resumed = await harness.reply("digest resume", {"channel": harness.papers})

    reply = await harness.reply("digest post", {"channel": harness.papers})

    assert "paused" not in resumed.content
    assert reply.content == f"Posted 3 papers in <#{harness.papers.id}>."


async def test_remove_deletes_the_digest_and_its_schedule(harness: Harness) -> None:
    await set_timed_digest(harness)

    reply = await harness.reply("digest remove", {"channel": harness.papers})

    assert reply.content == f"Removed the digest of <#{harness.papers.id}>."
    assert await targets.get_digest(harness.db, harness.papers.id) is None
    assert harness.bot.clock.next_run(JobKey.post(TargetKey.channel(harness.papers.id))) is None


# --- who may use it --------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["digest show", "status"])
async def test_members_without_manage_server_cannot_run_admin_commands(
    harness: Harness, command: str
) -> None:
    member = harness.discord.add_member(harness.guild, "reader")

    with pytest.raises(PermissionError):
        await harness.slash(command, user=member)


async def test_members_with_manage_server_can_run_digest_commands(harness: Harness) -> None:
    moderator = harness.discord.add_member(harness.guild, "moderator", permissions=MANAGE_GUILD)

    reply = await harness.reply("digest show", user=moderator)

    assert "no digests yet" in reply.content


@pytest.mark.parametrize("command", ["digest show", "status"])
async def test_admin_commands_are_not_offered_in_direct_messages(
    harness: Harness, command: str
) -> None:
    with pytest.raises(PermissionError, match="cannot be used in DMs"):
        await harness.discord.run_slash(command, user=harness.guild.owner)


# --- autocomplete ----------------------------------------------------------------------------


async def test_timezone_autocomplete_offers_at_most_25_matching_zones(harness: Harness) -> None:
    choices = await harness.choices("digest set", {"timezone": "europe/"}, "timezone")

    assert len(choices) == 25
    assert all(choice["value"].startswith("Europe/") for choice in choices)


async def test_category_autocomplete_completes_the_last_of_several(harness: Harness) -> None:
    choices = await harness.choices("digest set", {"categories": "cs.CL, lg"}, "categories")

    assert choices[0]["value"] == "cs.CL, cs.LG"
    assert all(choice["value"].startswith("cs.CL, ") for choice in choices)


async def test_category_autocomplete_offers_at_most_25_choices(harness: Harness) -> None:
    choices = await harness.choices("digest set", {"categories": ""}, "categories")

    assert len(choices) == 25


# --- nothing silent ------------------------------------------------------------------------


async def test_set_says_what_the_keywords_find_in_the_latest_announcement_and_when_the_next_comes(
    harness: Harness,
) -> None:
    await announce(harness, 4)

    reply = await harness.reply(
        "digest set",
        {
            "channel": harness.papers,
            "categories": "cs.AI",
            "keywords": "synthetic, graphene",
            "time": "08:30",
        },
    )

    assert "Latest announcement of cs.AI (Wed 20 Aug 2025):" in reply.content
    assert "4 of the latest announcement's 4 papers match" in reply.content
    assert "“Synthetic paper 1 on cs.AI”" in reply.content
    assert "No paper matched `graphene`." in reply.content
    assert "Next arXiv announcement: <t:" in reply.content


async def test_set_says_so_when_nothing_matches(harness: Harness) -> None:
    await announce(harness, 4)

    reply = await harness.reply(
        "digest set",
        {"channel": harness.papers, "categories": "cs.AI", "keywords": "graphene", "time": "08:30"},
    )

    assert "None of the latest announcement's 4 papers matches these keywords." in reply.content


async def test_quiet_false_posts_one_line_on_a_day_without_matches(harness: Harness) -> None:
    await announce(harness, 3)

    await harness.reply(
        "digest set",
        {"channel": harness.papers, "categories": "cs.AI", "keywords": "graphene", "quiet": False},
    )
    (post,) = await harness.discord.wait_for_messages(harness.papers, 1, timeout=WAIT)

    assert post.content == "No matches today (0 of 3 papers in cs.AI)"
    assert post.embeds == []


async def test_a_quiet_digest_posts_nothing_on_a_day_without_matches(harness: Harness) -> None:
    await announce(harness, 3)

    await harness.reply(
        "digest set", {"channel": harness.papers, "categories": "cs.AI", "keywords": "graphene"}
    )
    # `/digest post` runs the same pass and send: once it answered, nothing more is coming.
    reply = await harness.reply("digest post", {"channel": harness.papers})

    assert harness.discord.messages(harness.papers) == []
    assert reply.ephemeral


async def test_show_tells_quiet_and_versions_and_the_last_announcement_seen_matched_posted(
    harness: Harness,
) -> None:
    await announce(harness, 3)
    await harness.reply(
        "digest set",
        {"channel": harness.papers, "categories": "cs.AI", "quiet": False, "versions": True},
    )
    await harness.discord.wait_for_messages(harness.papers, 1, timeout=WAIT)

    reply = await harness.reply("digest show")

    assert "days without matches: say so (quiet: off)" in reply.content
    assert "new versions: reply to the paper" in reply.content
    assert (
        "last announcement: Wed 20 Aug 2025 · 3 papers seen · 3 matched · 3 posted" in reply.content
    )


# --- style -------------------------------------------------------------------------------


async def test_a_digest_is_compact_by_default(harness: Harness) -> None:
    await set_timed_digest(harness)
    await announce(harness, 2)

    await harness.reply("digest post", {"channel": harness.papers})
    [post] = harness.discord.messages(harness.papers)

    assert all("fields" not in embed for embed in post.embeds)
    assert all("[PDF](https://arxiv.org/pdf/" in embed["description"] for embed in post.embeds)


async def test_style_full_posts_the_whole_summary(harness: Harness) -> None:
    await set_timed_digest(harness, style="full")
    await announce(harness, 2)

    await harness.reply("digest post", {"channel": harness.papers})
    [post] = harness.discord.messages(harness.papers)
    shown = await harness.reply("digest show")

    assert "style: full" in shown.content
    for embed in post.embeds:
        assert {"Method", "Results", "Links"} <= {field["name"] for field in embed["fields"]}


async def test_discord_offers_only_the_two_styles(harness: Harness) -> None:
    options = {"channel": harness.papers, "categories": "cs.CL", "style": "tiny"}
    with pytest.raises(ValueError, match="not a choice"):
        await harness.slash("digest set", options)
