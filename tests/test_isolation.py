"""The suite ignores the developer's `.env` and environment (tests/isolation.py).

A developer who follows the README copies `.env.example` to `.env` and fills it in. This test
fills in every value of `.env.example` with something that would change a result if it were
read (a log level that mixes log lines into output, unreachable URLs, a zero budget, a missing
prompt folder, slow arXiv spacing), puts it in `.env` and in the environment, and runs the
tests that read settings the way the bot does: they must pass exactly as they do without it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.isolation import developer_variables

ROOT = Path(__file__).resolve().parents[1]

# Tests whose result depends on the settings the bot reads: the CLI subprocesses (which read
# `.env` from their working folder, like the bot), Settings' defaults, and the summarizer.
PROBES = [
    "tests/bot/test_config.py",
    "tests/bot/test_cli.py::test_preview_piped_output_has_no_progress",
    "tests/bot/test_cli.py::test_preview_without_api_key_says_so_and_shows_abstracts",
    "tests/bot/test_cli.py::test_run_without_a_token_exits_2_naming_it",
    "tests/bot/summarize/test_budget.py",
    "tests/bot/summarize/test_prompts.py",
]

_SETTING_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def filled_values(scratch: Path) -> dict[str, str]:
    """Return a value for every setting that differs from its default in a noticeable way."""
    unreachable = "http://127.0.0.1:9"  # the discard port: nothing listens there
    return {
        "DISCORD_TOKEN": "MTIzNDU2Nzg5.developer.token",
        "DISCORD_GUILD_ID": "123456789012345678",
        "DISCORD_API_BASE_URL": f"{unreachable}/api/v10",
        "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/",
        "DISCORD_SEND_TIMEOUT_SECONDS": "0.001",
        "DELIVERY_RETRY_SECONDS": "86400",
        "DELIVERY_MAX_FAILURES": "1",
        "ANTHROPIC_API_KEY": "sk-ant-developer-key",
        "ANTHROPIC_MODEL": "claude-opus-4-6",
        "ANTHROPIC_TIMEOUT_SECONDS": "1",
        "ANTHROPIC_MAX_RETRIES": "5",
        "ANTHROPIC_BASE_URL": unreachable,
        "ANTHROPIC_PRICES": '{"claude-haiku-4-5": [100.0, 500.0]}',
        "SUMMARY_CONCURRENCY": "1",
        "DAILY_BUDGET_USD": "0",
        "MONTHLY_BUDGET_USD": "0",
        "GUILD_DAILY_BUDGET_SHARE": "0.01",
        "DATABASE_PATH": str(scratch / "developer.sqlite3"),
        "DATABASE_URL": f"sqlite:///{scratch / 'developer-url.sqlite3'}",
        "POLL_INTERVAL_SECONDS": "5",
        "DEFAULT_CATEGORIES": "math.AP",
        "DEFAULT_LANGUAGE": "de",
        "SHARD_COUNT": "2",
        "SHARD_IDS": "0 1",
        "ARXIV_CONTACT": "developer@example.org",
        "ARXIV_API_URL": f"{unreachable}/api/query",
        "ARXIV_FEED_URL": f"{unreachable}/atom/",
        "ARXIV_REQUEST_INTERVAL_SECONDS": "7",
        "ARXIV_TIMEOUT_SECONDS": "0.001",
        "ARXIV_MAX_RESPONSE_MB": "1",
        "LOG_LEVEL": "DEBUG",
        "LOG_FORMAT": "json",
        "PROMPTS_DIR": str(scratch / "no-such-prompts"),
        "HEALTH_PORT": "9",  # the discard port: a test that started a server would clash
        "HEALTH_HOST": "192.0.2.1",  # TEST-NET-1: not an address of this host
    }


def test_every_setting_is_one_the_suite_removes() -> None:
    names = _SETTING_LINE.findall((ROOT / ".env.example").read_text(encoding="utf-8"))
    assert names
    assert sorted(developer_variables(names)) == sorted(names)


def test_a_filled_in_env_file_and_environment_change_no_result(tmp_path: Path) -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = _SETTING_LINE.findall(example)
    values = filled_values(tmp_path)
    assert sorted(set(names) - values.keys()) == [], "give each new setting a filled-in value"
    # The developer's checkout: the `.env` README step 1 makes, with every line filled in.
    developer = tmp_path / "checkout"
    developer.mkdir()
    (developer / ".env").write_text(
        "".join(f"{name}={values[name]}\n" for name in names), encoding="utf-8"
    )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--rootdir={ROOT}",
            "-c",
            str(ROOT / "pyproject.toml"),
            *(str(ROOT / probe) for probe in PROBES),
        ],
        cwd=developer,
        env={**os.environ, **{name: values[name] for name in names}},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert re.fullmatch(r"\d+ passed in [\d.]+s(?: \([\d:]+\))?", summary), summary
    assert not (tmp_path / "developer.sqlite3").exists()
    assert not (tmp_path / "developer-url.sqlite3").exists()
