"""Run a real discord.py client against the fake for the length of a test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeVar

import discord
from discord.ext import commands

from tests.fakes.discord_server.server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


def minimal_bot() -> commands.Bot:
    """Return a bot with default (non-privileged) intents, ready 50 ms after its guilds."""
    return commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=discord.Intents.default(),
        guild_ready_timeout=0.05,
    )


@asynccontextmanager
async def connected(
    client: ClientT,
    fake: FakeDiscord,
    *,
    timeout: float = 10.0,  # noqa: ASYNC109
) -> AsyncIterator[ClientT]:
    """Start `client` on the fake, yield once it is ready, and close it cleanly after.

    Build the client with a small `guild_ready_timeout` (e.g. 0.05): discord.py waits that
    long after the last GUILD_CREATE before `on_ready`. A client that fails to start (a
    refused token, disallowed intents) raises here instead of timing out.
    """
    async with client:  # Sets up the client's loop and ready event before it starts.
        starting = asyncio.create_task(client.start(fake.token), name="fake-discord-client")
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {starting, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        try:
            if starting in done:
                starting.result()  # Raises what stopped the client.
                raise RuntimeError("the client stopped before it was ready")
            if ready not in done:
                raise TimeoutError(f"the client was not ready within {timeout} s")
            yield client
        finally:
            ready.cancel()
            await client.close()
            await asyncio.gather(starting, ready, return_exceptions=True)
