"""Digest items -> Discord message payloads within Discord's limits.

The one place in `bot/` that imports `discord`: everything upstream deals in `bot.models`,
everything downstream (delivery, cogs, the CLI's `--json`) sends what this returns.
"""

from bot.render.embeds import render_item
from bot.render.messages import OutgoingMessage, header_text, render_digest, render_single

__all__ = ["OutgoingMessage", "header_text", "render_digest", "render_item", "render_single"]
