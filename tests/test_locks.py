"""The lock files match pyproject.toml: the runtime alone, the development set on top of it.

`scripts/lock` writes both from pyproject.toml; these tests catch a dependency changed in
pyproject.toml without running it, and a lock edited by hand out of step with the other.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# One locked requirement: `name==version [; markers] \` and its `--hash=` lines.
_ENTRY = re.compile(
    r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)(?P<rest>[^\\\n]*)\\?\n(?P<hashes>(?:\s+--hash=\S+.*\n)*)",
    re.MULTILINE,
)


def locked(name: str) -> dict[str, tuple[str, str, int]]:
    """Return {canonical name: (version, markers, number of hashes)} of a lock file."""
    text = (ROOT / name).read_text(encoding="utf-8")
    return {
        canonicalize_name(m["name"]): (
            m["version"],
            m["rest"].strip(),
            m["hashes"].count("--hash="),
        )
        for m in _ENTRY.finditer(text)
    }


def pins(requirements: list[str]) -> dict[str, str]:
    """Return {canonical name: pinned version} of pyproject requirement strings."""
    found = {}
    for line in requirements:
        requirement = Requirement(line)
        [spec] = requirement.specifier
        assert spec.operator == "==", f"pin {line} exactly in pyproject.toml"
        found[canonicalize_name(requirement.name)] = spec.version
    return found


RUNTIME = pins(PYPROJECT["project"]["dependencies"])
BUILD = pins(PYPROJECT["dependency-groups"]["build"])
DEV = pins(PYPROJECT["dependency-groups"]["dev"])


def test_both_locks_come_from_the_documented_command() -> None:
    for name in ("requirements.lock", "requirements-dev.lock"):
        header = (ROOT / name).read_text(encoding="utf-8").splitlines()[:2]
        assert header[-1].strip() == "#    scripts/lock", f"{name}: run scripts/lock"


def test_runtime_lock_pins_the_runtime_and_build_backend_as_pyproject_says() -> None:
    lock = locked("requirements.lock")
    wanted = RUNTIME | BUILD
    assert {name: lock[name][0] for name in wanted if name in lock} == wanted


def test_runtime_lock_holds_no_development_tool() -> None:
    assert sorted(DEV.keys() & locked("requirements.lock").keys()) == []


def test_development_lock_is_the_runtime_lock_plus_the_tools() -> None:
    runtime, dev = locked("requirements.lock"), locked("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime
    assert {name: dev[name][0] for name in DEV if name in dev} == DEV


def test_every_locked_package_carries_hashes() -> None:
    for name in ("requirements.lock", "requirements-dev.lock"):
        lock = locked(name)
        assert len(lock) > 20
        assert [package for package, (_, _, hashes) in lock.items() if hashes == 0] == []
