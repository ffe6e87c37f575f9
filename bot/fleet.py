"""The bot processes that share one database: who polls, and who sends to which target.

On SQLite there is one process (bot/store/instance.py): it does everything. On PostgreSQL
several processes share the work (README, "Past one machine"):

- **One leader** polls arXiv and runs the pass (so Claude is asked once per paper version and
  language). It is elected by an advisory lock held on a connection of its own, which the
  server frees when the leader's process dies; every other process tries to take it at each
  of its polls, so one of them leads within a poll interval.
- **Each process sends to its shards' targets**: a digest belongs to the shard of its server
  (`(guild_id >> 22) % SHARD_COUNT`, https://discord.com/developers/docs/events/gateway#sharding),
  DMs to the process serving shard 0. A target whose shard no live process serves (its lock,
  bot/store/instance.py, is free) is adopted by whoever sends next, after reconciling: its
  process may have died mid-post.
- **A post is claimed per target** for as long as it is sent, so two processes never send
  the same message, even when one adopts targets while their process comes back.
- After a pass the leader wakes the others (LISTEN/NOTIFY), so a post planned for their
  targets goes out at once rather than at their next poll.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol

from bot.config import Settings
from bot.store import targets
from bot.store.db import Database
from bot.store.instance import INSTANCE_LOCK
from bot.targets.model import TargetKey, TargetKind

log = logging.getLogger(__name__)


class LockSessionLike(Protocol):
    """What the fleet needs of bot.store.postgres.LockSession (asyncpg is imported lazily)."""

    async def try_lock(self, key: int) -> bool: ...

    async def alive(self) -> bool: ...

    async def holder(self, key: int) -> str | None: ...

    async def listen(self, channel: str, wake: Callable[[], None]) -> None: ...

    async def close(self) -> None: ...


#: The advisory lock of the leader ("lead" in ASCII, shifted past the others' numbers).
LEADER_LOCK = 0x6C656164 << 8

#: The channel the leader notifies after a pass.
PLANNED = "arxiv_digest_bot_planned"

#: How long a look at which shards have a live process stays good.
SHARDS_SEEN_SECONDS = 5.0


class Ownership(enum.Enum):
    """Whose posts a target's are, seen from this process."""

    OWN = "own"  # a shard this process serves
    ORPHAN = "orphan"  # a shard no live process serves: this process may adopt it
    OTHER = "other"  # a shard another live process serves


def shard_of(guild_id: int, shard_count: int) -> int:
    """Return the shard Discord gives a server (the same formula as its gateway)."""
    return (guild_id >> 22) % shard_count


class Fleet:
    """This process's place among the processes sharing the database."""

    def __init__(
        self,
        db: Database,
        *,
        shards: Sequence[int] = (0,),
        shard_count: int = 1,
        session: LockSessionLike | None = None,
        reconnect: Callable[[], Awaitable[LockSessionLike]] | None = None,
    ) -> None:
        self._db = db
        self.shards = frozenset(shards)
        self.shard_count = shard_count
        self._session = session
        self._reconnect = reconnect
        self._wake: Callable[[], None] | None = None
        self._leading = session is None
        self._served: tuple[float, frozenset[int]] | None = None

    @property
    def shared(self) -> bool:
        """Say whether other processes may share the database (PostgreSQL)."""
        return self._session is not None

    async def lead(self) -> bool:
        """Say whether this process polls and plans now, taking the lead if it is free."""
        session = self._session
        if session is None:
            return True
        alive = await session.alive()
        if self._leading and alive:
            return True
        was_leading, self._leading = self._leading, False
        if was_leading:
            log.warning("lost the lead (the database connection ended)")
        if not alive:
            # The server restarted, or the network broke: without a new session no process
            # would ever lead again.
            session = await self._new_session(session)
            if session is None:
                return False
        with contextlib.suppress(Exception):
            self._leading = await session.try_lock(LEADER_LOCK)
        if self._leading:
            log.info("leading: this process polls arXiv and plans the posts")
        return self._leading

    async def _new_session(self, dead: LockSessionLike) -> LockSessionLike | None:
        """Replace a session whose connection ended; None if the database cannot be reached."""
        if self._reconnect is None:
            return None
        with contextlib.suppress(Exception):
            await dead.close()
        try:
            self._session = session = await self._reconnect()
            if self._wake is not None:
                await session.listen(PLANNED, self._wake)
        except Exception as exc:
            log.warning("cannot reach the database to take the lead: %s", exc)
            return None
        return session

    async def ownership(self, key: TargetKey) -> Ownership:
        """Say whether this process sends the target's posts."""
        if self._session is None:
            return Ownership.OWN
        shard = await self._shard_of_target(key)
        if shard is None or shard in self.shards:
            return Ownership.OWN
        if shard in await self._served_shards():
            return Ownership.OTHER
        return Ownership.ORPHAN

    async def close(self) -> None:
        """Leave the fleet: the lead, if held, is free for another process at once."""
        if self._session is not None:
            await self._session.close()

    def claim(self, key: TargetKey) -> contextlib.AbstractAsyncContextManager[bool]:
        """Hold the target's sending claim for the body, unless another process holds it."""
        return self._db.try_exclusive(f"send:{key.kind}:{key.id}")

    async def planned(self) -> None:
        """Tell the other processes that a pass planned posts (their targets may have some)."""
        if self._session is not None:
            await self._db.notify(PLANNED)

    async def on_planned(self, wake: Callable[[], None]) -> None:
        """Call `wake` when another process's pass planned posts."""
        self._wake = wake
        if self._session is not None:
            await self._session.listen(PLANNED, wake)

    async def _shard_of_target(self, key: TargetKey) -> int | None:
        """Return the shard whose process sends to the target (None: the target is gone)."""
        if key.kind is TargetKind.USER:
            return 0  # DMs belong to one process: shard 0's
        config = await targets.get_digest(self._db, key.id)
        return None if config is None else shard_of(config.guild_id, self.shard_count)

    async def _served_shards(self) -> frozenset[int]:
        """Return the shards a live process serves (their locks are held), looked at lately."""
        now = time.monotonic()
        if self._served is not None and now - self._served[0] < SHARDS_SEEN_SECONDS:
            return self._served[1]
        session = self._session
        served: set[int] = set(self.shards)
        if session is not None:
            for shard in range(self.shard_count):
                if shard not in served and await session.holder(INSTANCE_LOCK + shard):
                    served.add(shard)
        self._served = (now, frozenset(served))
        return self._served[1]


@contextlib.asynccontextmanager
async def open_fleet(settings: Settings, db: Database) -> AsyncIterator[Fleet]:
    """Join the processes on the settings' database for the body (alone, on SQLite)."""
    if not isinstance(settings.database, str):
        yield Fleet(db)
        return
    from bot.store.postgres import LockSession  # asyncpg only when PostgreSQL is used

    url = settings.database

    async def connect() -> LockSessionLike:
        return await LockSession.open(url)

    fleet = Fleet(
        db,
        shards=settings.shards_here,
        shard_count=settings.shard_count or 1,
        session=await connect(),
        reconnect=connect,
    )
    try:
        yield fleet
    finally:
        await fleet.close()
