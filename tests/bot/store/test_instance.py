"""One bot per database: the lock names its holder and never outlives the process."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import StorageError
from bot.store.instance import InstanceRunningError, instance_lock

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
