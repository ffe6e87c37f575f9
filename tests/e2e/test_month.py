"""A simulated month: every target holds exactly the papers it should, whatever happened.

Thirty days of arXiv's real calendar, from Wed 28 Oct to Fri 27 Nov 2026: weekends, the
daylight-saving change of Sun 1 Nov and the Thanksgiving holiday of Thu 26 Nov. The fake
arXiv serves the feed and the query API from one simulated archive (tests/fakes/
arxiv_archive.py) on a simulated clock; the real bot (discord.py against the fake Discord,
the real `arxiv` package, the real Anthropic SDK against the fake Anthropic) runs its own
scheduled jobs on that clock (tests/e2e/simulation.py). Three channel digests (one posting as
soon as announced, one at 09:00 Berlin time, one with `quiet:false`) and ten subscribers are
set up through the slash commands. Along the way:

- the bot is down for two days (it backfills the missed announcement from the API);
- Claude answers 500 for one day (those papers go out with their abstract);
- the feed leaves three matching entries out one day (the cross-check finds them);
- Discord answers 429 to every message for an hour (the posts go out at a later poll).

The digest with `versions:true` must reply exactly once to the message of each paper it got,
per new version the feed announced later; the `quiet:false` digest must post its one line on
each announcement that brought it nothing, and no other target either of these.

What each target should hold is computed from the archive alone: its papers' topics, their
categories and the day each was first announced; never from the bot's code. The test prints
expected, delivered, duplicates and missed per target, and each must be exact: all expected
papers delivered, once, and nothing else.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_services
from bot.client import DigestBot
from bot.config import Settings
from tests.e2e.simulation import SimulatedJobs, paused_scheduler
from tests.fakes.anthropic_server import FakeAnthropic, Reply
from tests.fakes.arxiv_archive import NEW_YORK, SimPaper, SimulatedArchive, SimulatedClock
from tests.fakes.arxiv_generator import generate_papers
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeChannel, FakeDiscord, FakeGuild, FakeUser, connected
from tests.fakes.settings import settings_for_fakes

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

WAIT = 15.0
SEED = 2026


def new_york(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    """Return a wall-clock time in New York as an aware UTC instant."""
    return dt.datetime.combine(day, dt.time(hour, minute), NEW_YORK).astimezone(dt.UTC)


START = new_york(dt.date(2026, 10, 28), 12)
END = new_york(dt.date(2026, 11, 27), 12)
DOWN = (new_york(dt.date(2026, 11, 11), 20), new_york(dt.date(2026, 11, 13), 20))
CLAUDE_DOWN = (new_york(dt.date(2026, 11, 17)), new_york(dt.date(2026, 11, 18)))
FEED_DROPS_ON = dt.date(2026, 11, 19)
DISCORD_429 = (new_york(dt.date(2026, 11, 24)), new_york(dt.date(2026, 11, 24), 1))
DEFAULT_CATEGORIES = ("cs.AI", "cs.CL", "cs.LG")


@dataclass(frozen=True)
class Wish:
    """One target as set up, and what it asks of each announcement (topics are keywords)."""

    name: str
    keywords: tuple[str, ...]
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    cross_lists: bool = False
    options: tuple[tuple[str, Any], ...] = ()

    def wants(self, paper: SimPaper) -> bool:
        """Say whether the target should get `paper` (by what the archive knows of it)."""
        shown = paper.categories if self.cross_lists else paper.categories[:1]
        return bool(set(shown) & set(self.categories)) and bool(
            set(paper.topics) & set(self.keywords)
        )


DIGESTS = (
    Wish("papers", ("llm", "rag"), ("cs.CL",), options=(("versions", True),)),
    Wish(
        "timed",
        ("reinforcement learning", "kv cache"),
        ("cs.LG", "cs.AI"),
        cross_lists=True,
        options=(("time", "09:00"), ("timezone", "Europe/Berlin")),
    ),
    Wish("quantum", ("quantum error correction",), ("quant-ph",), options=(("quiet", False),)),
)
SUBSCRIBERS = (
    Wish("ada", ("llm",)),
    Wish("alan", ("rag", "kv cache")),
    Wish("grace", ("agent",), options=(("time", "07:30"), ("timezone", "America/New_York"))),
    Wish("juergen", ("reinforcement learning",)),
    Wish("soren", ("diffusion",), ("cs.CV",)),
    Wish("li", ("graph neural network", "federated learning"), ("cs.LG", "stat.ML")),
    Wish("amara", ("speculative decoding",)),
    Wish(
        "mateo",
        ("optimal transport",),
        ("math.OC", "stat.ML"),
        options=(("time", "18:00"), ("timezone", "Asia/Tokyo")),
    ),
    Wish("yuki", ("quantum error correction",), ("quant-ph",)),
    Wish("nadia", ("quantization",), ("cs.LG", "cs.CV")),
)


@dataclass
class World:
    """The simulated arXiv, Discord and Claude around the bot."""

    clock: SimulatedClock
    archive: SimulatedArchive
    arxiv: FakeArxiv
    discord: FakeDiscord
    claude: FakeAnthropic
    guild: FakeGuild
    members: dict[str, FakeUser]
    settings: Settings


@asynccontextmanager
async def bot_on(world: World) -> AsyncIterator[tuple[DigestBot, SimulatedJobs]]:
    """Start the bot on the simulated clock; yield it with its job driver; stop it after."""
    scheduler = paused_scheduler()
    async with open_services(world.settings, now=world.clock.now) as services:
        bot = DigestBot(services, guild_ready_timeout=0.05, scheduler=scheduler)
        async with connected(bot, world.discord, timeout=WAIT):
            yield bot, SimulatedJobs(scheduler, world.clock)


async def set_up_targets(world: World, jobs: SimulatedJobs) -> list[str]:
    """Create the digests and subscriptions with the slash commands; return their replies."""
    replies = []
    for wish in DIGESTS:
        options = {
            "channel": world.guild.channel(wish.name),
            "categories": ", ".join(wish.categories),
            "keywords": ", ".join(wish.keywords),
            "max_papers": 25,
            "include_cross_lists": wish.cross_lists,
            **dict(wish.options),
        }
        handle = await world.discord.run_slash("digest set", options, guild=world.guild)
        replies.append((await handle.wait_reply(WAIT)).content)
    for wish in SUBSCRIBERS:
        member = world.members[wish.name]
        handle = await world.discord.run_slash(
            "subscribe", {"keywords": ", ".join(wish.keywords)}, user=member, guild=world.guild
        )
        replies.append((await handle.wait_reply(WAIT)).content)
        settings = dict(wish.options)
        if wish.categories != DEFAULT_CATEGORIES:
            settings["categories"] = ", ".join(wish.categories)
        if settings:
            handle = await world.discord.run_slash(
                "subscriptions", settings, user=member, guild=world.guild
            )
            await handle.wait_reply(WAIT)
    await jobs.run_until(world.clock.now())  # the first posts
    return replies


def expected_papers(archive: SimulatedArchive, wish: Wish, first: dt.date) -> set[str]:
    """Return what a target should hold: every paper first announced from `first` it wants."""
    last = END.astimezone(NEW_YORK).date()
    return {
        paper.base_id
        for paper in archive.papers.values()
        if first <= archive.first_announced(paper.base_id) <= last and wish.wants(paper)
    }


def delivered_ids(channel: FakeChannel, discord: FakeDiscord) -> list[str]:
    """Return the arXiv id of every paper embed in a channel, in order, repeats kept."""
    prefix = "https://arxiv.org/abs/"
    return [
        embed["url"].removeprefix(prefix)
        for message in discord.messages(channel)
        for embed in message.embeds
        if str(embed.get("url", "")).startswith(prefix)
    ]


class _Failures(logging.Handler):
    """Collect the errors the bot logs (a job that failed, a command that crashed)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("bot", "cogs")):
            self.messages.append(record.getMessage())


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = SimulatedClock(START)
    archive = SimulatedArchive(clock, rebuild_delay=dt.timedelta(minutes=20))
    archive.add(generate_papers(SEED, dt.date(2026, 10, 26), 34, scale=0.4))
    async with (
        FakeArxiv(archive=archive) as arxiv,
        FakeDiscord() as discord,
        FakeAnthropic.running() as claude,
    ):
        guild = discord.add_guild("lab", text_channels=("general", "papers", "timed", "quantum"))
        members = {wish.name: discord.add_member(guild, wish.name) for wish in SUBSCRIBERS}
        settings = settings_for_fakes(
            tmp_path,
            arxiv,
            discord=discord,
            anthropic=claude,
            default_categories=DEFAULT_CATEGORIES,
            poll_interval_seconds=1800,
        )
        with discord.patch_discord_py():
            yield World(clock, archive, arxiv, discord, claude, guild, members, settings)


# Thirty simulated days take about 50 s on two quiet cores; the limit only catches a hang,
# with room for a machine busy with other work.
@pytest.mark.timeout(360)
async def test_a_month_of_announcements_reaches_every_target_exactly(world: World) -> None:
    check_scenario(world.archive)
    failures = _Failures()
    logging.getLogger().addHandler(failures)
    try:
        first_day, replies, dropped = await simulate(world)
    finally:
        logging.getLogger().removeHandler(failures)

    rows = []
    late: set[str] = set()
    for wish, channel in targets_of(world):
        expected = expected_papers(world.archive, wish, first_day)
        delivered = delivered_ids(channel, world.discord)
        duplicates = len(delivered) - len(set(delivered))
        missed = expected - set(delivered)
        extra = set(delivered) - expected
        rows.append((wish.name, len(expected), len(set(delivered)), duplicates, missed, extra))
        late |= late_ids(channel, world.discord)
    print_table(rows)
    assert failures.messages == []
    for name, expected, delivered, duplicates, missed, extra in rows:
        assert (duplicates, sorted(missed), sorted(extra)) == (0, [], []), name
        assert expected == delivered > 0, name
    # The three papers the feed left out reached their targets late, and said so.
    assert dropped <= late
    # The digest with versions:true replied once to each paper's message per new version the
    # feed announced; no other target got a reply.
    papers = world.guild.channel("papers")
    replies_due = expected_replies(papers, world)
    assert replies_due, "the scenario needs new versions of delivered papers"
    replied = version_replies(papers, world.discord)
    count, due = sum(map(len, replied.values())), sum(map(len, replies_due.values()))
    print(f"version replies: {count} (expected {due})")
    assert replied == replies_due
    assert all(
        not version_replies(channel, world.discord)
        for wish, channel in targets_of(world)
        if wish.name != "papers"
    )
    # The quiet:false digest said so on each day without a match; the others stayed silent.
    quantum = world.guild.channel("quantum")
    quiet_days = days_without(world, DIGESTS[2], first_day)
    assert quiet_days > 0, "the scenario needs days without a match"
    print(f"'No matches' lines: {no_match_days(quantum, world.discord)} (expected {quiet_days})")
    assert no_match_days(quantum, world.discord) == quiet_days
    assert all(
        not no_match_days(channel, world.discord)
        for wish, channel in targets_of(world)
        if wish.name != "quantum"
    )
    # Every setup reply said what the latest announcement held for it, and when the next comes.
    assert all("Latest announcement of" in reply for reply in replies), replies
    assert all("Next arXiv announcement: <t:" in reply for reply in replies), replies


def targets_of(world: World) -> list[tuple[Wish, FakeChannel]]:
    """Return each target with the channel (or DM) it is delivered to."""
    found = [(wish, world.guild.channel(wish.name)) for wish in DIGESTS]
    found += [(wish, world.discord.dm_channel(world.members[wish.name])) for wish in SUBSCRIBERS]
    return found


def late_ids(channel: FakeChannel, discord: FakeDiscord) -> set[str]:
    """Return the papers a channel got in posts headed as found late."""
    return {
        embed["url"].removeprefix("https://arxiv.org/abs/")
        for message in discord.messages(channel)
        if "found late" in message.content
        for embed in message.embeds
    }


def version_replies(channel: FakeChannel, discord: FakeDiscord) -> dict[int, list[int]]:
    """Return, per message replied to, the versions the replies name ("v3: ..."), sorted."""
    found: dict[int, list[int]] = {}
    for message in discord.messages(channel):
        reference = message.payload.get("message_reference")
        if reference:
            version = int(message.content.split(":", 1)[0].removeprefix("v"))
            found.setdefault(int(reference["message_id"]), []).append(version)
    return {key: sorted(versions) for key, versions in found.items()}


def expected_replies(channel: FakeChannel, world: World) -> dict[int, list[int]]:
    """Return, per message that carried papers, the new versions the feed announced later.

    A version announced on a day whose feed the bot never saw (it was down all that day) is
    not replied to: the query API that fills such a day in lists new papers, not versions.
    """
    archive, last = world.archive, END.astimezone(NEW_YORK).date()
    never_seen = feeds_missed_while_down(world)
    expected: dict[int, list[int]] = {}
    for message in world.discord.messages(channel):
        for embed in message.embeds:
            base_id = str(embed.get("url", "")).removeprefix("https://arxiv.org/abs/")
            if base_id not in archive.papers:
                continue
            first = archive.first_announced(base_id)
            for mailing in archive.schedule.mailings(first + dt.timedelta(days=1), last):
                if mailing.date in never_seen:
                    continue
                for entry in archive.entries(mailing.date):
                    if entry.paper.base_id == base_id and not entry.is_first:
                        expected.setdefault(message.id, []).append(entry.version.number)
    return {key: sorted(versions) for key, versions in expected.items()}


def feeds_missed_while_down(world: World) -> set[dt.date]:
    """Return the announcement dates whose feed was shown only while the bot was down."""
    delay = world.archive.rebuild_delay
    missed = set()
    for mailing in world.archive.schedule.mailings(
        DOWN[0].astimezone(NEW_YORK).date(), DOWN[1].astimezone(NEW_YORK).date()
    ):
        shown = dt.datetime.combine(mailing.date, dt.time(), NEW_YORK) + delay
        if DOWN[0] <= shown and shown + dt.timedelta(days=1) <= DOWN[1]:
            missed.add(mailing.date)
    return missed


def no_match_days(channel: FakeChannel, discord: FakeDiscord) -> int:
    """Return how many "No matches" lines a channel got."""
    return sum(message.content.startswith("No matches") for message in discord.messages(channel))


def days_without(world: World, wish: Wish, first: dt.date) -> int:
    """Return the announcements from `first` on that concern `wish` but bring it no paper.

    An announcement concerns a digest when one of its entries is in the digest's categories
    (a day whose feed the bot never saw is known from the API: its new papers only).
    """
    last = END.astimezone(NEW_YORK).date()
    never_seen = feeds_missed_while_down(world)
    count = 0
    for mailing in world.archive.schedule.mailings(first, last):
        entries = [
            entry
            for entry in world.archive.entries(mailing.date)
            if entry.is_first or mailing.date not in never_seen
        ]
        concerned = any(set(entry.paper.categories) & set(wish.categories) for entry in entries)
        wanted = any(entry.is_first and wish.wants(entry.paper) for entry in entries)
        count += concerned and not wanted
    return count


def check_scenario(archive: SimulatedArchive) -> None:
    """Check the month is what this test says: its edges, and no post cut by max_papers."""
    days = {(START + dt.timedelta(days=n)).astimezone(NEW_YORK).date() for n in range(31)}
    assert {dt.date(2026, 11, 1), dt.date(2026, 11, 26), dt.date(2026, 11, 7)} <= days
    assert archive.schedule.mailing_dated(dt.date(2026, 11, 27)) is None  # Thanksgiving
    per_day: dict[tuple[str, dt.date], int] = {}
    for paper in archive.papers.values():
        for wish in (*DIGESTS, *SUBSCRIBERS):
            if wish.wants(paper):
                key = (wish.name, archive.first_announced(paper.base_id))
                per_day[key] = per_day.get(key, 0) + 1
    assert max(per_day.values()) <= 25, "a post would be cut at max_papers"


async def simulate(world: World) -> tuple[dt.date, list[str], set[str]]:
    """Run the month; return the first announcement, the setup replies, the dropped papers."""
    archive, clock = world.archive, world.clock
    first_day = archive.feed_date()
    assert first_day == dt.date(2026, 10, 28)
    dropped = choose_dropped(archive)
    archive.drop_from_feed(FEED_DROPS_ON, dropped)
    async with bot_on(world) as (_, jobs):
        replies = await set_up_targets(world, jobs)
        await jobs.run_until(DOWN[0])
    clock.advance_to(DOWN[1])  # the bot is down: nothing runs
    async with bot_on(world) as (_, jobs):
        await jobs.run_until(CLAUDE_DOWN[0])
        world.claude.default = Reply.server_error()
        await jobs.run_until(CLAUDE_DOWN[1])
        world.claude.default = Reply.valid()
        await jobs.run_until(DISCORD_429[0])
        world.discord.rate_limit_next(
            "POST", re.compile(r"/channels/\d+/messages"), times=1_000_000, retry_after=0.01
        )
        await jobs.run_until(DISCORD_429[1])
        world.discord.rest.scripted.clear()
        await jobs.run_until(END)
    return first_day, replies, dropped


def choose_dropped(archive: SimulatedArchive) -> set[str]:
    """Pick three papers of FEED_DROPS_ON that targets want: the feed will leave them out."""
    wanted = [
        entry.paper.base_id
        for entry in archive.entries(FEED_DROPS_ON)
        if entry.is_first and any(wish.wants(entry.paper) for wish in (*DIGESTS, *SUBSCRIBERS))
    ]
    assert len(wanted) >= 3, "the scenario needs three wanted papers that day"
    return set(wanted[:3])


def print_table(rows: Sequence[tuple[str, int, int, int, set[str], set[str]]]) -> None:
    """Print expected, delivered, duplicates and missed per target (pytest -s shows it)."""
    print(f"\n{'target':<10} {'expected':>8} {'delivered':>9} {'duplicates':>10} {'missed':>6}")
    for name, expected, delivered, duplicates, missed, extra in rows:
        more = f"  (unexpected: {len(extra)})" if extra else ""
        print(f"{name:<10} {expected:>8} {delivered:>9} {duplicates:>10} {len(missed):>6}{more}")
