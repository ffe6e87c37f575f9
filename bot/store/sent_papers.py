"""Where a delivered paper went: the Discord message that carries it in a target.

A deep dive asked for from a menu's answer (an ephemeral message, which cannot hold a thread)
is posted in a thread under the digest message that carries the paper; this finds it.
"""

from __future__ import annotations

from bot.store.codec import fetch_one
from bot.store.db import Database
from bot.targets.model import TargetKey

_MESSAGE_OF = """
SELECT o.message_id FROM delivered_papers AS d
JOIN outbox_messages AS o ON o.id = d.outbox_id
WHERE d.target_kind = ? AND d.target_id = ? AND d.base_id = ? AND o.state = 'sent'
"""


async def message_carrying(db: Database, target: TargetKey, base_id: str) -> int | None:
    """Return the Discord id of the sent message that carries `base_id` to `target`, if any."""
    row = await fetch_one(db, _MESSAGE_OF, (str(target.kind), target.id, base_id))
    return None if row is None or row[0] is None else int(row[0])
