"""`/status` counts the papers the feed left out and the cross-check found.

The simulated arXiv (tests/fakes/arxiv_archive.py) leaves chosen entries out of one day's
feed while its query API still lists them, as arXiv's feed sometimes does. The bot runs on
the simulated clock (tests/e2e/simulation.py): the polls of that day record the feed, the
cross-check lists the same window from the API and records what the feed lacked, and an
admin's `/status` says how many papers that was (README, "How it behaves", "Cross-check").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.simulation import REPLY_WAIT, lab_with_a_digest, new_york
from tests.fakes.arxiv_archive import SimulatedArchive, SimulatedClock
from tests.fakes.arxiv_generator import generate_papers
from tests.fakes.discord_server import FakeDiscord, FakeGuild, StoredMessage

pytestmark = pytest.mark.usefixtures("no_leaked_resources")

DAY = dt.date(2026, 11, 4)  # a Wednesday: the announcement of Tuesday evening


def polling_field(embed: dict[str, Any]) -> str:
    """Return the "Polling" field of a `/status` embed."""
    (value,) = [field["value"] for field in embed["fields"] if field["name"] == "Polling"]
    return str(value)


async def test_status_counts_the_papers_the_feed_left_out_that_the_api_listed(
    tmp_path: Path,
) -> None:
    clock = SimulatedClock(new_york(DAY - dt.timedelta(days=1), 12))
    archive = SimulatedArchive(clock, rebuild_delay=dt.timedelta(minutes=20))
    archive.add(generate_papers(11, DAY - dt.timedelta(days=3), 4, scale=0.3))
    new_in_cl = [
        entry.paper.base_id
        for entry in archive.entries(DAY)
        if entry.is_first and entry.paper.primary == "cs.CL"
    ]
    assert len(new_in_cl) >= 4, "the scenario needs papers to drop and papers to keep"
    dropped = new_in_cl[1:4]
    archive.drop_from_feed(DAY, dropped)
    async with lab_with_a_digest(tmp_path, archive, clock) as lab:
        before = polling_field((await status(lab.discord, lab.guild)).embeds[0])
        await lab.jobs.run_until(new_york(DAY, 10))
        after = polling_field((await status(lab.discord, lab.guild)).embeds[0])
        posted = lab.discord.messages(lab.guild.channel("papers"))

    assert "0 papers the feed left out found" in before
    assert "3 papers the feed left out found" in after
    assert "Last announcement: 2026-11-04" in after
    # The papers counted are the ones the channel then got, once, in a post marked late.
    (late,) = [i for i, message in enumerate(posted) if "found late" in message.content]
    assert "3 of 3 new papers matched" in posted[late].content
    assert sorted(paper_ids(posted[late:])) == sorted(dropped)
    assert sorted(paper_ids(posted)) == sorted(set(paper_ids(posted)))


def paper_ids(messages: list[StoredMessage]) -> list[str]:
    """Return the arXiv id of every paper embed in these messages, repeats kept."""
    prefix = "https://arxiv.org/abs/"
    return [
        str(embed["url"]).removeprefix(prefix)
        for message in messages
        for embed in message.embeds
        if str(embed.get("url", "")).startswith(prefix)
    ]


async def status(discord: FakeDiscord, guild: FakeGuild) -> StoredMessage:
    """Run `/status` as the server's owner and return the reply."""
    handle = await discord.run_slash("status", guild=guild)
    return await handle.wait_reply(REPLY_WAIT)
