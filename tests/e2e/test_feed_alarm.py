"""A feed behind on an announcement night: the papers still come, the server is told once.

The simulated arXiv rebuilds its feed six hours late (at 06:00 New York time instead of
midnight), so from midnight to 06:00 the feed still shows the previous announcement. The
bot runs on the simulated clock (tests/e2e/simulation.py): its polls find the feed
unchanged, the backfill lists the announcement from the query API once the rebuild's grace
is over, and at 04:00 the server's system channel is told once; the polls that follow keep
quiet about it, and the papers reach the digest once, whichever of the API and the feed
brought them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.e2e.simulation import lab_with_a_digest, new_york
from tests.fakes.arxiv_archive import SimulatedArchive, SimulatedClock
from tests.fakes.arxiv_generator import generate_papers
from tests.fakes.discord_server import FakeChannel, FakeDiscord

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

DAY = dt.date(2026, 11, 4)  # a Wednesday: the announcement of Tuesday evening


async def test_a_feed_behind_on_an_announcement_night_is_told_once_and_papers_still_come(
    tmp_path: Path,
) -> None:
    clock = SimulatedClock(new_york(DAY - dt.timedelta(days=1), 12))
    archive = SimulatedArchive(clock, rebuild_delay=dt.timedelta(hours=6))
    archive.add(generate_papers(7, DAY - dt.timedelta(days=3), 4, scale=0.3))
    async with lab_with_a_digest(tmp_path, archive, clock) as lab:
        await lab.jobs.run_until(new_york(DAY, 3))
        told_before_4 = notices(lab.discord, lab.guild.channel("general"))
        await lab.jobs.run_until(new_york(DAY, 10))
        told = notices(lab.discord, lab.guild.channel("general"))
        delivered = [
            str(embed["url"]).removeprefix("https://arxiv.org/abs/")
            for message in lab.discord.messages(lab.guild.channel("papers"))
            for embed in message.embeds
        ]

    assert told_before_4 == []
    assert len(told) == 1
    assert "still does not show the announcement of Wed 4 Nov 2026" in told[0]
    assert "listed from arXiv's API instead" in told[0]
    wanted = {
        entry.paper.base_id
        for entry in archive.entries(DAY)
        if entry.is_first and entry.paper.primary == "cs.CL"
    }
    assert wanted, "the scenario needs papers on the day"
    assert sorted(delivered) == sorted(
        {*wanted, *first_day_papers(archive, DAY - dt.timedelta(days=1))}
    )


def first_day_papers(archive: SimulatedArchive, day: dt.date) -> set[str]:
    """Return the cs.CL papers of the announcement the new digest starts from."""
    return {
        entry.paper.base_id
        for entry in archive.entries(day)
        if entry.is_first and entry.paper.primary == "cs.CL"
    }


def notices(discord: FakeDiscord, channel: FakeChannel) -> list[str]:
    """Return what the bot said in a channel about the feed."""
    return [
        message.content
        for message in discord.messages(channel)
        if "announcement feed" in message.content
    ]
