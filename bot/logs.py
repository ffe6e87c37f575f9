"""Logging set-up: text or JSON lines on stderr, with secrets masked wherever they appear.

Also `DiscordOutages`, which turns discord.py's traceback per reconnect attempt into one line
per outage.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

_MASK = "***"
_log = logging.getLogger(__name__)


class SecretMaskFilter(logging.Filter):
    """Replace every known secret value in a record's final message with `***`.

    Defence in depth: settings hold secrets as SecretStr, but an exception from a client
    library could still echo a header or URL that contains one.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        """Return `text` with every secret replaced."""
        for secret in self._secrets:
            text = text.replace(secret, _MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message now (args included) and mask it; also mask the traceback."""
        if not self._secrets:
            return True
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and exception text)."""

    def format(self, record: logging.LogRecord) -> str:
        """Serialize the record."""
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str, secrets: Iterable[str] = ()) -> None:
    """Send all logs to stderr in `fmt` ("text" or "json"), masking `secrets`."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(SecretMaskFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py and httpx are chatty at INFO about every request.
    for noisy in ("httpx", "discord.gateway", "discord.http"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # No voice features here; discord.py warns at each start that voice libraries are missing.
    logging.getLogger("discord.client").addFilter(
        lambda record: "voice will NOT be supported" not in record.getMessage()
    )
    # pylatexenc logs each tolerated LaTeX error in an abstract; render falls back itself.
    logging.getLogger("pylatexenc").setLevel(logging.ERROR)


# discord.py's own words (2.7.1, pinned): `Client.connect` logs each failed reconnect attempt
# with its traceback at ERROR, and the gateway's keep-alive warns when heartbeats go
# unanswered. tests/e2e/test_operating.py shows an outage ending up as one line.
_RECONNECT_ATTEMPT = "Attempting a reconnect in %.2fs"
_STOPPED_RESPONDING = "Shard ID %s has stopped responding to the gateway. Closing and restarting."
_OUTAGE_LOGGERS = ("discord.client", "discord.gateway")


class DiscordOutages(logging.Filter):
    """One WARNING line per Discord outage, and one line with its duration when it ends.

    Installed on discord.py's loggers while the bot runs. The first sign of an outage
    (a failed reconnect attempt, or unanswered heartbeats) becomes a WARNING line saying what
    happened, without the traceback; later attempts of the same outage are dropped. The bot
    calls `lost()` when the connection drops and `back()` when it is up again, which logs the
    outage's duration (at INFO: the WARNING already told an operator there was one). A drop
    that Discord asked for and that resumes at once is no outage and logs nothing.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._lost_at: float | None = None
        self._warned = False

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Filter discord.py's connection loggers for the body."""
        loggers = [logging.getLogger(name) for name in _OUTAGE_LOGGERS]
        for logger in loggers:
            logger.addFilter(self)
        try:
            yield
        finally:
            for logger in loggers:
                logger.removeFilter(self)

    def lost(self) -> None:
        """Note when the connection dropped (the first drop of an outage counts)."""
        if self._lost_at is None:
            self._lost_at = self._clock()

    def back(self) -> float | None:
        """Log the end of an outage with its duration; return the duration (None: no outage)."""
        lost_at, warned = self._lost_at, self._warned
        self._lost_at, self._warned = None, False
        if lost_at is None or not warned:
            return None
        duration = self._clock() - lost_at
        _log.info("connected to Discord again after an outage of %s", describe_duration(duration))
        return duration

    def filter(self, record: logging.LogRecord) -> bool:
        """Turn the first sign of an outage into one WARNING line; drop the rest."""
        if record.msg not in (_RECONNECT_ATTEMPT, _STOPPED_RESPONDING):
            return True
        self.lost()
        if self._warned:
            return False
        self._warned = True
        reason = "it stopped answering heartbeats"
        if record.msg == _RECONNECT_ATTEMPT and record.exc_info and record.exc_info[1]:
            reason = _one_line(record.exc_info[1])
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg = "lost the connection to Discord (%s); reconnecting until it is back"
        record.args = (reason,)
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def _one_line(exc: BaseException) -> str:
    """Return an exception as one short line: its type and message."""
    text = " ".join(str(exc).split())
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line if len(line) <= 200 else line[:199] + "…"


def describe_duration(seconds: float) -> str:
    """Return a duration as people say it: `4.2 s`, `3 min 20 s`, `2 h 5 min`."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"
