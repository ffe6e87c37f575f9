"""The fake Discord's buttons and menus, driven by real discord.py.

Messages with components are checked against Discord's limits; a click reaches the bot as a
component interaction with the clicked message, whose answer (a deferred update, an
ephemeral followup, an update of the message) lands where Discord puts it. (Threads started
from a message: tests/fakes/test_discord_fake_threads.py.)
"""

from __future__ import annotations

import re
from typing import Any

import discord
import pytest

from tests.fakes.discord_server import FakeDiscord, FakeGuild, connected, minimal_bot

pytestmark = pytest.mark.usefixtures("no_leaked_resources")


def button(custom_id: str, label: str = "Save") -> dict[str, Any]:
    return {"type": 2, "style": 2, "label": label, "custom_id": custom_id}


def row(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": 1, "components": list(items)}


class RawView(discord.ui.View):
    """Send rows of components as JSON (what the bot's outbox holds)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__(timeout=None)
        self._rows = rows

    def to_components(self) -> list[dict[str, Any]]:
        return self._rows

    def is_dispatchable(self) -> bool:
        return False


class Saver(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"save:(?P<n>\d+)"
):
    """A persistent button that acknowledges quietly, then answers only the clicker."""

    def __init__(self, n: int) -> None:
        super().__init__(discord.ui.Button(label="Save", custom_id=f"save:{n}"))
        self.n = n

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Saver:
        return cls(int(match["n"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=False)
        await interaction.followup.send(f"Saved {self.n}", ephemeral=True)


@pytest.mark.parametrize(
    ("rows", "path"),
    [
        ([row(button(f"b{i}")) for i in range(6)], "components"),
        ([row(*(button(f"b{i}") for i in range(6)))], "components.0.components"),
        ([row(button("same"), button("same"))], "components.0.components.1.custom_id"),
        ([row(button("x" * 101))], "components.0.components.0.custom_id"),
        ([row(button("b", label="L" * 81))], "components.0.components.0.label"),
        (
            [row({"type": 3, "custom_id": "menu", "options": [{"label": "a", "value": "v"}] * 2})],
            "components.0.components.0.options.1.value",
        ),
        (
            [
                row(
                    {"type": 3, "custom_id": "m", "options": [{"label": "a", "value": "v"}]},
                    button("b"),
                )
            ],
            "components.0.components",
        ),
    ],
    ids=[
        "six-rows",
        "six-buttons",
        "duplicate-id",
        "long-id",
        "long-label",
        "same-value",
        "menu-and-button",
    ],
)
async def test_components_past_discords_limits_are_refused(
    fake_discord: FakeDiscord, discord_guild: FakeGuild, rows: list[dict[str, Any]], path: str
) -> None:
    bot = minimal_bot()
    async with connected(bot, fake_discord):
        channel = bot.get_channel(discord_guild.channel("papers").id)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send("hello", view=RawView(rows))

    assert refused.value.code == 50035
    assert path.split(".")[0] in str(refused.value.text)


async def test_a_click_reaches_a_dynamic_item_which_answers_the_clicker_only(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()
    bot.add_dynamic_items(Saver)
    member = fake_discord.add_member(discord_guild, "reader")
    papers = discord_guild.channel("papers")
    async with connected(bot, fake_discord):
        channel = bot.get_channel(papers.id)
        assert isinstance(channel, discord.TextChannel)
        await channel.send("a paper", view=RawView([row(button("save:7"))]))
        [posted] = await fake_discord.wait_for_messages(papers, 1)
        click = await fake_discord.click(posted, "save:7", user=member)
        [answer] = await click.wait_followups(1)

    assert click.callback is not None and click.callback.type == 6  # deferred update
    assert answer.content == "Saved 7"
    assert answer.ephemeral and answer.shown_to is member
    assert [m.content for m in fake_discord.messages(papers)] == ["a paper"]


async def test_only_what_the_message_shows_can_be_clicked(
    fake_discord: FakeDiscord, discord_guild: FakeGuild
) -> None:
    bot = minimal_bot()
    papers = discord_guild.channel("papers")
    async with connected(bot, fake_discord):
        channel = bot.get_channel(papers.id)
        assert isinstance(channel, discord.TextChannel)
        menu = {"type": 3, "custom_id": "menu", "options": [{"label": "A", "value": "a"}]}
        await channel.send("x", view=RawView([row(menu)]))
        [posted] = await fake_discord.wait_for_messages(papers, 1)

        with pytest.raises(LookupError):
            await fake_discord.click(posted, "save:1", user=discord_guild.owner)
        with pytest.raises(ValueError, match="not a choice"):
            await fake_discord.click(posted, "menu", user=discord_guild.owner, values=["b"])
