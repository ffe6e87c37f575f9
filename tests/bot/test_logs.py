"""Logging: secrets never reach the log output, in either format."""

from __future__ import annotations

import json
import logging

import pytest

from bot.logs import configure_logging


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_secrets_are_masked_in_messages_and_tracebacks(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", fmt, secrets=["sk-ant-supersecret"])
    log = logging.getLogger("test")
    log.info("calling with key %s", "sk-ant-supersecret")
    try:
        raise RuntimeError("header x-api-key: sk-ant-supersecret")
    except RuntimeError:
        log.exception("failed")
    err = capsys.readouterr().err
    assert "sk-ant-supersecret" not in err
    assert "***" in err
    if fmt == "json":
        lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
        assert [entry["message"] for entry in lines][:1] == ["calling with key ***"]
