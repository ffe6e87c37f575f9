"""Real operating-system faults for tests: immutable files (root only) and their skip reasons."""

from __future__ import annotations

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
