"""A fake Discord (REST and gateway on 127.0.0.1) that the real discord.py client talks to.

Start with `FakeDiscord` (or the `fake_discord` fixture), then `connected(client, fake)`.
"""

from tests.fakes.discord_server.client import connected, minimal_bot
from tests.fakes.discord_server.clock import ManualClock
from tests.fakes.discord_server.commands import CommandSync
from tests.fakes.discord_server.faults import Hold
from tests.fakes.discord_server.interactions import Callback, FakeInteraction
from tests.fakes.discord_server.rest import RecordedRequest
from tests.fakes.discord_server.server import FakeDiscord
from tests.fakes.discord_server.state import (
    ADMINISTRATOR,
    MANAGE_GUILD,
    FakeChannel,
    FakeGuild,
    FakeUser,
    StoredMessage,
    Timing,
)

__all__ = [
    "ADMINISTRATOR",
    "MANAGE_GUILD",
    "Callback",
    "CommandSync",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeUser",
    "Hold",
    "ManualClock",
    "RecordedRequest",
    "StoredMessage",
    "Timing",
    "connected",
    "minimal_bot",
]
