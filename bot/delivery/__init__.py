"""Delivery, exactly once: send what the pass planned, in order, and settle crashes.

- `sender`: what delivery needs from Discord (`Sender`), and how a send fails (`SendError`);
- `courier`: send a target's pending messages in order, mark each sent, react to closed DMs
  and lost channels; after a crash, find what went out before sending again;
- `service`: the poll's work (poll, plan, send), a target's first post, `/digest post` and
  `/digest preview`.

Nothing here imports discord.py: bot/discord_sender.py is the `Sender` over it.
"""
