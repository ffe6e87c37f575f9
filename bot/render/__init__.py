"""Digest items -> Discord message payloads within Discord's limits.

With bot/client.py and bot/discord_sender.py, the place in `bot/` that imports `discord`
(`embeds` and `compact`, the two styles of a paper; `messages`; `replies`, what the paper
buttons answer; `components`, their buttons and menus as JSON; `text`): everything upstream
deals in `bot.models`, everything downstream (delivery, cogs, the CLI's `--json`) sends what
this returns. `latex` (readable text) and `comment` need no discord, and the keyword matcher
uses `latex`: so the names below are imported on first use, and importing
`bot.render.latex` does not load discord.py (half a second).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.render.embeds import render_item
    from bot.render.messages import (
        OutgoingMessage,
        header_text,
        render_digest,
        render_embed,
        render_single,
    )

_HOMES = {
    "render_item": "bot.render.embeds",
    "OutgoingMessage": "bot.render.messages",
    "header_text": "bot.render.messages",
    "render_digest": "bot.render.messages",
    "render_embed": "bot.render.messages",
    "render_single": "bot.render.messages",
}


def __getattr__(name: str) -> Any:
    """Import a rendering name from its module on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


__all__ = [
    "OutgoingMessage",
    "header_text",
    "render_digest",
    "render_embed",
    "render_item",
    "render_single",
]
