"""Keep the developer's settings out of the test suite.

The bot reads its settings from the environment and from `.env` in the working folder, and
the SDKs it wraps read variables of their own (`ANTHROPIC_LOG`, proxies). A developer who
followed the README has a filled `.env` in the checkout, and maybe exported a token: none of
it may change a test's result (a copied `.env.example` once set LOG_LEVEL and broke
`preview`'s piped-output test). So the session removes every variable the bot or its
clients would read as soon as pytest starts, and the tests run in an empty working folder,
where neither they nor the CLI subprocesses they start find a `.env`. (The folder is entered
by a session fixture, not at start-up: pytest-xdist starts its workers in the working folder,
and they must find the project's configuration there.)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.config import Settings

# Variables read by the clients the bot wraps rather than by Settings: the Anthropic SDK's
# own (ANTHROPIC_LOG, ANTHROPIC_AUTH_TOKEN, ...), and proxies, which httpx and requests would
# apply to the loopback fakes' traffic.
CLIENT_PREFIXES = ("ANTHROPIC_", "DISCORD_", "ARXIV_")
PROXY_VARIABLES = frozenset({"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"})


def developer_variables(environ: Iterable[str]) -> list[str]:
    """Return the variable names in `environ` that the bot's settings or its clients read.

    Settings are case-insensitive, so `log_level` counts as much as `LOG_LEVEL`.
    """
    settings = {name.upper() for name in Settings.model_fields}
    return [
        name
        for name in environ
        if name.upper() in settings
        or name.upper() in PROXY_VARIABLES
        or name.upper().startswith(CLIENT_PREFIXES)
    ]


def remove_developer_variables() -> None:
    """Remove every variable the bot or its clients would read from this process's environment."""
    for name in developer_variables(os.environ):
        del os.environ[name]


@contextmanager
def empty_working_folder() -> Iterator[Path]:
    """Work in a new empty folder (no `.env` to find); delete it and go back afterwards."""
    previous = Path.cwd()
    folder = Path(tempfile.mkdtemp(prefix="arxiv-digest-bot-tests-"))
    os.chdir(folder)
    try:
        yield folder
    finally:
        os.chdir(previous)
        shutil.rmtree(folder, ignore_errors=True)
