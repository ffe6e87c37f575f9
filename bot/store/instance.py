"""One running bot per SQLite database, one per shard on PostgreSQL, held while `run` runs.

Two bots on one database would both post every paper (only Discord's short nonce window
stops some duplicates). The lock is an `flock` on `<database>.lock`: the kernel drops it when
the process ends in any way, SIGKILL included, so a crash never leaves a stale lock. The file
names the holder (pid, host, start time) for the one-line refusal a second `run` prints.
The CLI's other commands do not take it: they work beside a running bot (WAL mode).

On PostgreSQL several processes share the database, each serving some of Discord's shards
(README, "Past one machine"): each holds an advisory lock per shard instead, which the
server frees when the process's connection ends, SIGKILL included.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import json
import os
import socket
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path

from bot.errors import StorageError
from bot.store.db import describe_error, make_database_folder
from bot.timeutil import utc_now


@dataclasses.dataclass(frozen=True, slots=True)
class Holder:
    """The process that runs the bot on a database."""

    pid: int
    host: str
    since: dt.datetime

    def describe(self) -> str:
        """Say who holds the lock, for the refusal line."""
        return f"pid {self.pid} on host {self.host}, since {self.since:%Y-%m-%d %H:%M:%S} UTC"


class InstanceRunningError(StorageError):
    """Another `run` process holds this database."""


def lock_path(database: Path | str) -> Path:
    """Return the lock file of `database`: beside the real file, whatever path names it."""
    real = Path(database).resolve()
    return real.with_name(real.name + ".lock")


@contextlib.contextmanager
def instance_lock(
    database: Path | str, *, clock: Callable[[], dt.datetime] = utc_now
) -> Iterator[Holder | None]:
    """Hold the database's instance lock for the body; yield our Holder record.

    Raise InstanceRunningError naming the running instance when another process holds it,
    StorageError when the lock file cannot be made. An in-memory database needs no lock.
    """
    if str(database) == ":memory:":
        yield None
        return
    path = lock_path(database)
    make_database_folder(Path(database))
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise _lock_file_error(database, path, exc) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            who = f" ({holder.describe()})" if holder else ""
            raise InstanceRunningError(
                f"another arxiv-digest-bot is already running on {database}{who};"
                " one bot per database: stop it first"
            ) from None
        me = Holder(pid=os.getpid(), host=socket.gethostname(), since=clock())
        try:
            _write_holder(fd, me)
        except OSError as exc:
            raise _lock_file_error(database, path, exc) from exc
        yield me
    finally:
        # Closing releases the lock. The file stays: unlinking it could let a process that
        # opened it just before lock an orphaned inode while a third creates a new file.
        os.close(fd)


def _lock_file_error(database: Path | str, path: Path, exc: OSError) -> StorageError:
    """Return the one-line error for a lock file that cannot be made or written."""
    return StorageError(
        f"cannot use database {database}: cannot write its lock file {path}: {describe_error(exc)}"
    )


def _write_holder(fd: int, holder: Holder) -> None:
    """Replace the lock file's content with `holder` (we hold the lock)."""
    record = {"pid": holder.pid, "host": holder.host, "since": holder.since.isoformat()}
    data = json.dumps(record).encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


def _read_holder(fd: int) -> Holder | None:
    """Return the holder named in the lock file, or None if it cannot be read."""
    try:
        record = json.loads(os.pread(fd, 4096, 0))
        return Holder(
            pid=int(record["pid"]),
            host=str(record["host"])[:100],
            since=dt.datetime.fromisoformat(record["since"]).astimezone(dt.UTC),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


#: The advisory lock of shard N is INSTANCE_LOCK + N (an arbitrary base, the same everywhere:
#: "shrd" in ASCII, shifted past the other locks' numbers).
INSTANCE_LOCK = 0x73687264 << 8


@contextlib.asynccontextmanager
async def shard_locks(url: str, shards: Sequence[int]) -> AsyncIterator[None]:
    """Hold, on PostgreSQL, one lock per Discord shard this process serves, while it runs.

    Processes that share a PostgreSQL database divide the shards between them; two serving
    one shard would both answer its commands. Raise InstanceRunningError naming the process
    that holds a shard already. The server frees the locks when this process ends.
    """
    from bot.store.postgres import LockSession  # asyncpg only when PostgreSQL is used

    session = await LockSession.open(url)
    try:
        for shard in shards:
            if not await session.try_lock(INSTANCE_LOCK + shard):
                holder = await session.holder(INSTANCE_LOCK + shard)
                who = f" ({holder})" if holder else ""
                raise InstanceRunningError(
                    f"another arxiv-digest-bot already serves shard {shard} on {session.name}{who};"
                    " give each process its own SHARD_IDS, or stop that one first"
                )
        yield
    finally:
        await session.close()
