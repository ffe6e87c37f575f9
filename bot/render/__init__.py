"""Digest items -> Discord message payloads within Discord's limits.

The one place in `bot/` that imports `discord` (in `embeds`, `messages` and `text`):
everything upstream deals in `bot.models`, everything downstream (delivery, cogs, the CLI's
`--json`) sends what this returns. `latex` (readable text) needs no discord, and the keyword
matcher uses it: so the names below are imported on first use, and importing
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
