"""`/status` shows an admin what their own server spent on Claude today."""

from __future__ import annotations

import re

import pytest

from tests.cogs.conftest import Harness

pytestmark = pytest.mark.usefixtures("no_leaked_resources")


def claude_section(content: dict[str, object]) -> str:
    fields = {field["name"]: field["value"] for field in content["fields"]}  # type: ignore[attr-defined]
    return str(fields["Claude"])


async def test_status_shows_what_this_server_spent_and_not_another_servers(
    harness: Harness,
) -> None:
    await harness.reply("summarize", {"paper": "1605.08386"}, channel=harness.papers)

    ours = await harness.reply("status")
    other_guild = harness.read_only_guild
    theirs = await harness.reply("status", guild=other_guild)

    (embed,) = ours.embeds
    spent = re.search(r"This server today: ≈ \$([0-9.]+)", claude_section(embed))
    assert spent is not None and float(spent.group(1)) > 0
    assert "This server today: ≈ $0.00" in claude_section(theirs.embeds[0])
