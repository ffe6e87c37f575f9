"""`/metrics`: what the bot counts, read back as a Prometheus server parses the page."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.delivery.sender import SendError
from bot.errors import SummaryError
from bot.metrics import CountingClaude, CountingSender, Metrics
from bot.outcomes import PollResult, PollStatus, SendProblem
from bot.store.db import Database
from bot.store.deliveries import OutboxMessage, PostRecord, record_posts
from bot.summarize.claude import open_sdk_client
from bot.summarize.prompts import load_prompts
from bot.targets.model import TargetKey
from tests.bot.summarize.conftest import make_paper, make_settings
from tests.fakes.anthropic_server import FakeAnthropic, Reply

CHANNEL = TargetKey.channel(222)
MEMBER = TargetKey.user(333)

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(metrics: Metrics, db: Database) -> Samples:
    """Return every sample of the page, by name and sorted labels."""
    page = (await metrics.render(db)).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }


class Channel:
    """A Sender that takes messages for one target and refuses the other, as Discord would."""

    def __init__(self, refusal: SendProblem) -> None:
        self.refusal = refusal
        self.sent: list[Mapping[str, Any]] = []

    async def send(
        self,
        target: TargetKey,
        payload: Mapping[str, Any],
        nonce: str,
        *,
        thread_id: int | None = None,
    ) -> int:
        if target == MEMBER:
            raise SendError(self.refusal, "refused")
        self.sent.append(payload)
        return len(self.sent)

    async def find_sent(
        self,
        target: TargetKey,
        messages: Sequence[OutboxMessage],
        *,
        thread_id: int | None = None,
    ) -> dict[int, int]:
        return {}

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> int:
        return message_id

    async def open_forum_post(
        self, channel_id: int, name: str, payload: Mapping[str, Any], labels: Sequence[str]
    ) -> int:
        self.sent.append(payload)
        return len(self.sent)

    async def find_forum_post(self, channel_id: int, name: str) -> int | None:
        return None

    async def notify_guild(self, guild_id: int, text: str) -> bool:
        return True


async def test_every_series_a_reader_expects_exists_from_the_start(db: Database) -> None:
    samples = await scrape(Metrics(), db)
    for status in ("fetched", "not_modified", "empty_on_announcement_day", "failed"):
        assert samples[("arxiv_digest_polls_total", (("result", status),))] == 0
    for problem in ("dms_closed", "no_permission", "channel_gone", "discord_error"):
        assert (
            samples[
                ("arxiv_digest_send_failures_total", (("problem", problem), ("target", "user")))
            ]
            == 0
        )
    assert samples[("arxiv_digest_outbox_pending_messages", ())] == 0
    assert samples[("arxiv_digest_last_poll_timestamp_seconds", ())] == 0


async def test_polls_count_by_result_with_the_papers_they_read(db: Database) -> None:
    metrics = Metrics(clock=lambda: 1_800_000_000.0)
    metrics.observe_poll(PollResult(PollStatus.FETCHED, papers=120))
    metrics.observe_poll(PollResult(PollStatus.NOT_MODIFIED))
    metrics.observe_poll(PollResult(PollStatus.FAILED, error="HTTP 503"))
    metrics.observe_poll(None)  # nothing to poll: not a poll
    samples = await scrape(metrics, db)
    assert samples[("arxiv_digest_polls_total", (("result", "fetched"),))] == 1
    assert samples[("arxiv_digest_polls_total", (("result", "not_modified"),))] == 1
    assert samples[("arxiv_digest_polls_total", (("result", "failed"),))] == 1
    assert samples[("arxiv_digest_papers_recorded_total", ())] == 120
    assert samples[("arxiv_digest_last_poll_timestamp_seconds", ())] == 1_800_000_000


async def test_sent_and_refused_messages_count_by_target_and_problem(db: Database) -> None:
    metrics = Metrics()
    channel = Channel(SendProblem.DMS_CLOSED)
    sender = CountingSender(channel, metrics)
    for number in range(3):
        await sender.send(CHANNEL, {"content": f"part {number}"}, f"nonce-{number}")
    with pytest.raises(SendError):
        await sender.send(MEMBER, {"content": "hello"}, "nonce-dm")
    samples = await scrape(metrics, db)
    assert len(channel.sent) == 3
    assert samples[("arxiv_digest_messages_sent_total", (("target", "channel"),))] == 3
    assert samples[("arxiv_digest_messages_sent_total", (("target", "user"),))] == 0
    refused = (("problem", "dms_closed"), ("target", "user"))
    assert samples[("arxiv_digest_send_failures_total", refused)] == 1


async def test_a_forum_post_and_the_papers_in_its_thread_count_as_messages_sent(
    db: Database,
) -> None:
    metrics = Metrics()
    sender = CountingSender(Channel(SendProblem.DMS_CLOSED), metrics)
    post = await sender.open_forum_post(CHANNEL.id, "cs.CL · 2026-04-28 · 2 papers", {}, [])
    await sender.send(CHANNEL, {"content": "papers"}, "nonce-1", thread_id=post)
    samples = await scrape(metrics, db)
    assert samples[("arxiv_digest_messages_sent_total", (("target", "channel"),))] == 2


async def test_the_queue_depth_is_what_waits_in_the_outbox(db: Database) -> None:
    body = json.dumps({"content": "arXiv cs.CL: 2 papers", "embeds": []})
    posts = [PostRecord(CHANNEL, ((body, ("2604.00001",)), (body, ("2604.00002",))))]
    when = dt.datetime(2026, 4, 28, 1, tzinfo=dt.UTC)
    await record_posts(db, dt.date(2026, 4, 28), posts, [CHANNEL], now=when)
    samples = await scrape(Metrics(), db)
    assert samples[("arxiv_digest_outbox_pending_messages", ())] == 2


async def test_claude_calls_count_results_tokens_and_cost(db: Database) -> None:
    async with FakeAnthropic.running() as fake:
        settings = make_settings(fake)
        metrics = Metrics()
        prompt = load_prompts(None).render(make_paper(7), "en")
        fake.script(Reply.valid(), Reply.output({"tldr": 1}), Reply.overloaded())
        async with open_sdk_client(settings) as sdk:
            assert sdk is not None
            claude = CountingClaude(
                sdk, model="claude-haiku-4-5", settings=settings, metrics=metrics
            )
            good = await claude.summarize(prompt)
            bad = await claude.summarize(prompt)
            with pytest.raises(SummaryError):
                await claude.summarize(prompt)
        samples = await scrape(metrics, db)
        billed = [answer["usage"] for answer in fake.answers]
    assert good.output is not None and bad.output is None
    assert (
        samples[("arxiv_digest_claude_calls_total", (("kind", "summary"), ("result", "ok")))] == 1
    )
    invalid = (("kind", "summary"), ("result", "invalid_output"))
    assert samples[("arxiv_digest_claude_calls_total", invalid)] == 1
    overloaded = (("kind", "summary"), ("result", "overloaded"))
    assert samples[("arxiv_digest_claude_calls_total", overloaded)] == 1
    inputs = sum(usage["input_tokens"] for usage in billed)
    outputs = sum(usage["output_tokens"] for usage in billed)
    assert samples[("arxiv_digest_claude_tokens_total", (("direction", "input"),))] == inputs
    assert samples[("arxiv_digest_claude_tokens_total", (("direction", "output"),))] == outputs
    # claude-haiku-4-5: $1 in, $5 out per million tokens (the default price table).
    expected = (inputs * 1.0 + outputs * 5.0) / 1_000_000
    assert samples[("arxiv_digest_claude_cost_usd_total", ())] == pytest.approx(expected)


def readme_metrics() -> list[str]:
    """Return the metric names of README's table (README, "Operating", "Metrics")."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Metrics", 1)[1].split("\n#", 1)[0]
    return re.findall(r"^\| `(arxiv_digest_\w+)` \|", table, re.MULTILINE)


async def test_readme_lists_every_metric_the_page_has(db: Database) -> None:
    listed = readme_metrics()
    served = {name for name, _ in await scrape(Metrics(), db) if not name.endswith("_created")}
    assert sorted(listed) == sorted(served)
