"""The command line's last defence: whatever escapes a command is one line, not a traceback."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Callable

import pytest

from bot.cli import EXIT_ERROR, guarded


def raising(exc: BaseException) -> Callable[[], int]:
    def command() -> int:
        raise exc

    return command


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            OSError(errno.ENOSPC, "No space left on device", "out.json"),
            "arxiv-digest-bot: error: No space left on device (out.json)",
        ),
        (
            sqlite3.OperationalError("database is locked"),
            "arxiv-digest-bot: error: database error: database is locked",
        ),
        (
            KeyError("surprise"),
            "arxiv-digest-bot: error: unexpected KeyError: 'surprise'"
            " (LOG_LEVEL=DEBUG shows where)",
        ),
        (KeyboardInterrupt(), "arxiv-digest-bot: error: interrupted"),
    ],
    ids=["io-error", "database-error", "a-bug", "ctrl-c"],
)
def test_an_escaping_error_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], exc: BaseException, line: str
) -> None:
    assert guarded(raising(exc)) == EXIT_ERROR
    err = capsys.readouterr().err
    assert err.splitlines() == [line]
    assert "Traceback" not in err


def test_a_command_that_succeeds_keeps_its_exit_code() -> None:
    assert guarded(lambda: 0) == 0
