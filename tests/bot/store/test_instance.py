"""One bot per database: the lock names its holder and never outlives the process."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.store.instance import InstanceRunningError, instance_lock, shard_locks

ROOT = Path(__file__).resolve().parents[3]
SINCE = dt.datetime(2026, 4, 28, 9, 30, tzinfo=dt.UTC)

HOLD_LOCK = """
import sys, time
from bot.store.instance import instance_lock
with instance_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(600)
"""


def hold_in_another_process(database: Path) -> subprocess.Popen[str]:
    """Start a process that takes the lock and keeps it; return once it holds it."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(database)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_second_holder_is_refused_with_the_first_ones_pid_host_and_start(
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.sqlite3"
    with (
        instance_lock(database, clock=lambda: SINCE),
        pytest.raises(InstanceRunningError) as excinfo,
        instance_lock(database),
    ):
        pass
    assert str(excinfo.value) == (
        f"another arxiv-digest-bot is already running on {database}"
        f" (pid {os.getpid()} on host {socket.gethostname()}, since 2026-04-28 09:30:00 UTC);"
        " one bot per database: stop it first"
    )


def test_the_lock_is_free_again_after_a_clean_exit(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    with instance_lock(database):
        pass
    with instance_lock(database) as holder:
        assert holder is not None
        assert holder.pid == os.getpid()


def test_a_process_killed_with_sigkill_leaves_no_stale_lock(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    process = hold_in_another_process(database)
    try:
        with (
            pytest.raises(InstanceRunningError, match=f"pid {process.pid} on host"),
            instance_lock(database),
        ):
            pass
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    with instance_lock(database) as holder:  # the kernel released it with the process
        assert holder is not None


def test_a_lock_file_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a file")
    with pytest.raises(StorageError) as excinfo, instance_lock(tmp_path / "notes.txt" / "db"):
        pass
    assert "notes.txt is a file, not a folder" in str(excinfo.value)


def test_two_paths_to_one_database_share_one_lock(tmp_path: Path) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    database.parent.mkdir()
    database.touch()
    (tmp_path / "link.sqlite3").symlink_to(database)
    with (
        instance_lock(database),
        pytest.raises(InstanceRunningError),
        instance_lock(tmp_path / "link.sqlite3"),
    ):
        pass


HOLD_SHARDS = """
import asyncio, sys
from bot.store.instance import shard_locks

async def main():
    async with shard_locks(sys.argv[1], [int(s) for s in sys.argv[2:]]):
        print("locked", flush=True)
        await asyncio.sleep(600)

asyncio.run(main())
"""


def hold_shards_in_another_process(url: str, *shards: int) -> subprocess.Popen[str]:
    """Start a process that serves `shards` on PostgreSQL; return once it holds them."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_SHARDS, url, *map(str, shards)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    return process


async def test_on_postgres_two_processes_may_serve_different_shards(postgres_url: str) -> None:
    other = hold_shards_in_another_process(postgres_url, 0)
    try:
        async with shard_locks(postgres_url, [1]):
            pass
    finally:
        other.kill()
        other.wait()


async def test_on_postgres_a_shard_already_served_is_refused_naming_the_process(
    postgres_url: str,
) -> None:
    other = hold_shards_in_another_process(postgres_url, 0, 1)
    try:
        with pytest.raises(InstanceRunningError) as excinfo:
            async with shard_locks(postgres_url, [1, 2]):
                pass
    finally:
        other.kill()
        other.wait()
    message = str(excinfo.value)
    assert message.startswith("another arxiv-digest-bot already serves shard 1 on postgresql://")
    assert f"(arxiv-digest-bot {other.pid}@{socket.gethostname()}, since " in message


async def test_on_postgres_a_sigkilled_process_leaves_its_shards_free(postgres_url: str) -> None:
    other = hold_shards_in_another_process(postgres_url, 0)
    other.send_signal(signal.SIGKILL)
    other.wait()
    # The server ends the dead process's session when it sees its socket close: at once,
    # though not necessarily before our first try.
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        try:
            async with shard_locks(postgres_url, [0]):
                return
        except InstanceRunningError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)
