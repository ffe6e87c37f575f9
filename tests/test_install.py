"""The production install works anywhere: the Dockerfile's install stage, reproduced here.

No container engine runs on the development and CI machines (and base images cannot be
pulled there), so this module does what the Dockerfile's first stage does: copy the files its
COPY lines name into a fresh build folder and run its one RUN line, `scripts/install-app`,
with the venv in a temporary folder. A different install step in the Dockerfile fails here;
so does a file the install needs that the Dockerfile does not copy.

The result is a venv outside the checkout holding the project as a wheel. Its
`arxiv-digest-bot` runs `summarize`, `preview` and `check` against the loopback fakes from a
folder with no checkout in sight, and the systemd units are verified against it.

Offline: pip runs with --no-index and finds every locked dependency already satisfied,
because the test venv's own site-packages are on PYTHONPATH. That folder holds no `bot`
package (the test venv has the project as an editable install, whose `.pth` hook a
PYTHONPATH entry does not run): the first test checks that `bot` comes from the wheel.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from bot.models import AnnounceType, Author, Paper
from tests.cli_runner import base_env, run_command
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv
from tests.fakes.discord_server import FakeDiscord

ROOT = Path(__file__).resolve().parents[1]
IMAGE_PREFIX = "/opt/arxiv-digest-bot"
DEPLOY = ROOT / "deploy"


def build_stage(dockerfile: str) -> list[str]:
    """Return the instructions of the Dockerfile's first stage, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    lines = [line.strip() for line in joined.splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    stages = [i for i, line in enumerate(instructions) if line.upper().startswith("FROM ")]
    end = stages[1] if len(stages) > 1 else len(instructions)
    return instructions[stages[0] + 1 : end]


def copy_like_docker(instruction: str, context: Path) -> None:
    """Do what `COPY SRC... DEST` does in the build folder (WORKDIR is the folder)."""
    *sources, dest = shlex.split(instruction)[1:]
    for source in sources:
        origin = ROOT / source
        target = context / dest
        if dest.endswith("/") or len(sources) > 1:
            target = target / origin.name if origin.is_file() else target
        if origin.is_dir():
            shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)


def offline_env() -> dict[str, str]:
    """Return an environment where pip cannot download and sees the test venv's packages."""
    return base_env(
        PIP_NO_INDEX="1",
        PIP_CONFIG_FILE=os.devnull,  # the machine's pip.conf may name local indexes
        PYTHONPATH=sysconfig.get_path("purelib"),
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the Dockerfile's build stage in a temporary folder; return the venv it made."""
    stage = build_stage((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    runs = [line for line in stage if line.upper().startswith("RUN ")]
    assert runs == [f"RUN scripts/install-app {IMAGE_PREFIX}"], "the image must use install-app"
    context = tmp_path_factory.mktemp("build")
    for line in stage:
        if line.upper().startswith("COPY "):
            copy_like_docker(line, context)
    venv = tmp_path_factory.mktemp("install") / "arxiv-digest-bot"
    done = subprocess.run(
        [str(context / "scripts" / "install-app"), str(venv)],
        cwd=context,
        env=offline_env() | {"PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return venv


def feed_paper() -> Paper:
    return Paper(
        base_id="2604.00042",
        version=1,
        title="Compressing the KV cache of LLMs",
        abstract="We compress the KV cache of large language models by 4x at 1% loss.",
        authors=(Author("Ada Lovelace"),),
        categories=("cs.CL",),
        announce_type=AnnounceType.NEW,
        announced=dt.date(2026, 4, 28),
    )


async def test_the_installed_wheel_summarizes_previews_and_checks_outside_the_checkout(
    installed: Path, fake_arxiv: FakeArxiv, tmp_path: Path
) -> None:
    async with FakeAnthropic.running() as fake_anthropic, FakeDiscord() as fake_discord:
        fake_discord.add_guild("arXiv lab")
        env = offline_env() | {
            "ARXIV_FEED_URL": fake_arxiv.feed_url,
            "ARXIV_API_URL": fake_arxiv.api_url,
            "ARXIV_REQUEST_INTERVAL_SECONDS": "0",
            "ANTHROPIC_API_KEY": "test-key",
            "ANTHROPIC_BASE_URL": fake_anthropic.base_url,
            "DISCORD_TOKEN": fake_discord.token,
            "DISCORD_API_BASE_URL": fake_discord.api_base,
        }
        where = await run_command(
            [str(installed / "bin" / "python"), "-c", "import bot; print(bot.__file__)"],
            env=env,
            cwd=tmp_path,
        )
        assert Path(where.out.strip()).is_relative_to(installed), where.out + where.err

        bot = str(installed / "bin" / "arxiv-digest-bot")
        one = await run_command([bot, "summarize", "1605.08386", "--json"], env=env, cwd=tmp_path)
        assert one.code == 0, one.err
        [embed] = one.payloads()[0]["embeds"]
        assert embed["url"] == "https://arxiv.org/abs/1605.08386"
        assert "claude-haiku-4-5" in embed["footer"]["text"]  # summarized with the packaged prompts

        fake_arxiv.add_feed_papers([feed_paper()])
        digest = await run_command(
            [bot, "preview", "--categories", "cs.CL", "--keywords", "kv cache", "--json"],
            env=env,
            cwd=tmp_path,
        )
        assert digest.code == 0, digest.err
        titles = [e["title"] for p in digest.payloads() for e in p["embeds"]]
        assert titles == ["Compressing the KV cache of LLMs"]
        assert len(fake_anthropic.requests) == 2

        checked = await run_command([bot, "check"], env=env, cwd=tmp_path)
        assert checked.code == 0, checked.out + checked.err
        assert checked.out.endswith("all 9 checks passed.\n"), checked.out
        assert "✓ digests: none set up yet" in checked.out
    # The default DATABASE_PATH is relative to the working folder, as the image and unit expect.
    assert (tmp_path / "data" / "arxiv-digest.sqlite3").is_file()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_the_systemd_units_verify_against_the_installed_command(
    installed: Path, tmp_path: Path
) -> None:
    units = sorted(DEPLOY.glob("arxiv-digest-bot*"))
    assert [unit.name for unit in units] == [
        "arxiv-digest-bot-backup.service",
        "arxiv-digest-bot-backup.timer",
        "arxiv-digest-bot.service",
    ]
    for unit in units:
        text = unit.read_text(encoding="utf-8")
        (tmp_path / unit.name).write_text(text.replace(IMAGE_PREFIX, str(installed)))
    done = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / unit.name) for unit in units)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # verify warns about unknown keys and bad values on stderr but may still exit 0; it fails
    # on a command that does not exist, so the units must name the installed one.
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
