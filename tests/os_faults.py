"""Real operating-system faults for tests: immutable files, full disks (root only), skip reasons."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest


def root_with(tool: str) -> str | None:
    """Return why a root-only fault cannot be made here, or None when it can."""
    if os.geteuid() != 0:
        return f"needs root for {tool} (CI runs as root); as another user the fault cannot be made"
    if shutil.which(tool) is None:
        return f"needs the {tool} tool"
    return None


def set_immutable(path: Path, on: bool) -> None:
    """Set or clear the file's immutable flag: then even root cannot write it."""
    made = subprocess.run(
        ["chattr", "+i" if on else "-i", str(path)], capture_output=True, check=False
    )
    if made.returncode != 0:
        pytest.skip(f"no immutable flag on this file system: {made.stderr.decode().strip()}")


def fill(path: Path, chunk: int = 64 * 1024) -> int:
    """Write zeros to `path` until its file system is full; return how many bytes fitted."""
    written = 0
    with path.open("wb", buffering=0) as filler:
        while True:
            try:
                written += filler.write(bytes(chunk))
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                if chunk == 1:
                    return written
                chunk = max(1, chunk // 16)  # fill the last pages too
