"""Keep the developer's settings out of the test suite.

The bot reads its settings from the environment and from `.env` in the working folder, and
the SDKs it wraps read variables of their own (`ANTHROPIC_LOG`, proxies). A developer who
followed the README has a filled `.env` in the checkout, and maybe exported a token: none of
it may change a test's result (issue 10: a copied `.env.example` set LOG_LEVEL and broke
`preview`'s piped-output test). So before any test runs, the session removes every variable
the bot or its clients would read and moves to an empty working folder, where neither the
tests nor the CLI subprocesses they start find a `.env`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
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


def isolate_from_developer_settings() -> Path:
    """Remove the developer's variables and move to a new empty folder; return that folder."""
    for name in developer_variables(os.environ):
        del os.environ[name]
    folder = Path(tempfile.mkdtemp(prefix="arxiv-digest-bot-tests-"))
    os.chdir(folder)
    return folder


def remove_folder(folder: Path) -> None:
    """Delete the session's working folder (and whatever a test left in it)."""
    shutil.rmtree(folder, ignore_errors=True)
