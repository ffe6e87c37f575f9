"""The pass: every target planned at once, each paper enriched and summarized once.

Real services against the fake arXiv and the fake Anthropic (tests/bot/digest/conftest.py).
Requests are counted where they arrive, at the fakes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from typing import Any

import pytest

from bot.app import Services
from bot.arxiv.calendar import EASTERN
from bot.models import AnnounceType, Paper
from bot.paper_actions import PaperAction, PaperRef
from bot.store import announcements, deliveries, post_queries, targets
from bot.store import papers as papers_store
from bot.store.announcements import EntrySource
from bot.targets.model import PauseReason, Target, TargetKey
from tests.bot.digest.planning import DAY, add_digest, announce, problem, problems
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.arxiv_server import FakeArxiv, make_papers


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Let members' subscriptions (which name no categories) read cs.AI, the papers' category."""
    return {"default_categories": ("cs.AI",)}


async def test_one_pass_enriches_the_union_in_batches_of_100_and_summarizes_once_per_language(
    services: Services, fake_arxiv: FakeArxiv, fake_anthropic: FakeAnthropic
) -> None:
    await announce(services, fake_arxiv, make_papers(250))
    wanted: dict[TargetKey, set[int]] = {}
    languages: dict[TargetKey, str] = {}
    for d in range(30):  # digests: five papers each, half of them in German
        numbers = set(range(5 * d + 1, 5 * d + 6))
        language = "de" if d % 2 else None
        await add_digest(services, 100 + d, problems(sorted(numbers)), language=language)
        wanted[TargetKey.channel(100 + d)] = numbers
        languages[TargetKey.channel(100 + d)] = language or "en"
    for s in range(30):  # subscribers: one paper each, also wanted by a digest
        await targets.add_keywords(services.db, 500 + s, [problem(5 * s + 1)])
        wanted[TargetKey.user(500 + s)] = {5 * s + 1}
        languages[TargetKey.user(500 + s)] = "en"
    feed_requests = len(fake_arxiv.requests_to("/atom/"))

    (report,) = await services.planner.plan_pending()

    union = set().union(*wanted.values())
    calls = {(languages[key], n) for key, numbers in wanted.items() for n in numbers}
    assert len(fake_arxiv.requests_to("/api/query")) == math.ceil(len(union) / 100)
    assert len(fake_arxiv.requests_to("/atom/")) == feed_requests  # the pass fetches no feed
    assert len(fake_anthropic.requests) == len(calls)
    assert (report.targets, report.papers, report.posts) == (60, len(union), 60)
    for key, numbers in wanted.items():
        assert await deliveries.delivered_base_ids(services.db, key) == {
            f"2508.{n:05d}" for n in numbers
        }
    # Nothing is left to plan: a second pass asks nobody anything.
    assert await services.planner.plan_pending() == []
    assert len(fake_anthropic.requests) == len(calls)


async def test_each_planned_paper_is_in_exactly_one_recorded_message(
    services: Services, fake_arxiv: FakeArxiv
) -> None:
    await announce(services, fake_arxiv, make_papers(40))
    await add_digest(services, 100, "synthetic", max_papers=25)

    await services.planner.plan_pending()

    messages = await deliveries.pending_messages(services.db, TargetKey.channel(100))
    carried = [base_id for message in messages for base_id in message.base_ids]
    assert len(carried) == len(set(carried)) == 25
    for message in messages:
        shown = [embed["url"] for embed in json.loads(message.payload)["embeds"]]
        assert shown == [f"https://arxiv.org/abs/{base_id}" for base_id in message.base_ids]


async def test_a_paper_a_target_has_is_never_planned_again(
    services: Services, fake_arxiv: FakeArxiv
) -> None:
    first = make_papers(3)
    await announce(services, fake_arxiv, first)
    await add_digest(services, 100, "synthetic")
    await services.planner.plan_pending()
    # The next day announces paper 1 again (say, cross-listed) with a new one.
    again = [dataclasses.replace(p, announced=DAY + dt.timedelta(days=1)) for p in first[:1]]
    fresh = make_papers(1, first_number=9, announced=DAY + dt.timedelta(days=1))
    fake_arxiv.feed_papers[:] = [*again, *fresh]
    fake_arxiv.add_feed_papers([])
    await services.poller.poll(["cs.AI"])

    (report,) = await services.planner.plan_pending()

    pending = await deliveries.pending_messages(services.db, TargetKey.channel(100))
    second_day = [m for m in pending if m.announcement_date == report.date]
    assert [base_id for m in second_day for base_id in m.base_ids] == ["2508.00009"]
    header = json.loads(second_day[0].payload)["content"]
    assert "1 of 1 new paper matched" in header


async def test_a_bot_that_was_down_catches_up_on_a_week_and_counts_the_older_ones(
    services: Services, fake_arxiv: FakeArxiv
) -> None:
    days = [DAY + dt.timedelta(days=n) for n in range(10)]
    for number, day in enumerate(days, start=1):
        papers = make_papers(1, first_number=number, announced=day)
        await announcements.record_announcement(services.db, day, ["cs.AI"], papers)
    await add_digest(services, 100, "synthetic", start_date=days[0])

    reports = await services.planner.plan_pending()

    assert [report.date for report in reports] == days[2:]  # a week before the newest
    config = await targets.get_digest(services.db, 100)
    assert config is not None and config.planned_date == days[-1]
    pending = await deliveries.pending_messages(services.db, TargetKey.channel(100))
    headers = [json.loads(m.payload)["content"] for m in pending if m.seq == 0]
    assert headers[0] == (
        "arXiv cs.AI for Fri 22 Aug 2025 (catch-up): 1 of 1 new paper matched"
        " · 2 earlier announcements missed more than a week ago are not posted"
    )
    assert all("(catch-up)" in header for header in headers[:-1])
    assert headers[-1] == "arXiv cs.AI for Fri 29 Aug 2025: 1 of 1 new paper matched"


async def test_a_target_whose_stored_keywords_no_longer_parse_costs_only_its_own_post(
    services: Services, fake_arxiv: FakeArxiv
) -> None:
    await announce(services, fake_arxiv, make_papers(3))
    await add_digest(services, 100, "synthetic, -synthetic")  # refused by /digest set today
    await add_digest(services, 101, "synthetic")

    await services.planner.plan_pending()

    assert await deliveries.delivered_base_ids(services.db, TargetKey.channel(100)) == set()
    assert len(await deliveries.delivered_base_ids(services.db, TargetKey.channel(101))) == 3


async def test_paused_digests_and_closed_dms_are_not_planned(
    services: Services, fake_arxiv: FakeArxiv
) -> None:
    await announce(services, fake_arxiv, make_papers(3))
    await add_digest(services, 100, "synthetic")
    await targets.set_paused(services.db, 100, PauseReason.ADMIN)
    await targets.add_keywords(services.db, 500, ["synthetic"])
    await targets.set_dm_blocked(services.db, 500)

    assert await services.planner.plan_pending() == []
    assert await deliveries.pending_messages(services.db) == []


async def test_a_target_without_matches_is_planned_once_and_posts_nothing(
    services: Services, fake_arxiv: FakeArxiv
) -> None:
    await announce(services, fake_arxiv, make_papers(3))
    await add_digest(services, 100, "quantum gravity")

    (report,) = await services.planner.plan_pending()

    assert (report.targets, report.posts) == (1, 0)
    assert await deliveries.pending_messages(services.db) == []
    assert await services.planner.plan_pending() == []


async def test_a_preview_records_nothing(services: Services, fake_arxiv: FakeArxiv) -> None:
    await announce(services, fake_arxiv, make_papers(3))
    target = Target(None, ("cs.AI",), ("synthetic",), "en", max_papers=2)

    post = await services.planner.preview(target, DAY)

    assert [item.paper.base_id for item in post.digest.items] == ["2508.00001", "2508.00002"]
    assert post.messages[0].content is not None
    assert "3 of 3 new papers matched; showing the top 2" in post.messages[0].content
    assert await deliveries.pending_messages(services.db) == []


async def test_papers_found_after_a_post_are_offered_once_in_a_post_marked_late(
    services: Services, fake_arxiv: FakeArxiv
) -> None:
    # Late papers of the last week only: this announcement is today's (the services' clock).
    today = services.now().astimezone(EASTERN).date()
    first, missed = make_papers(2, announced=today)
    fake_arxiv.add_api_papers([first, missed])
    await announcements.record_announcement(services.db, today, ["cs.AI"], [first])
    await add_digest(services, 100, "synthetic", start_date=today)
    await services.planner.plan_pending()
    # The cross-check records what the feed left out into the same announcement.
    await announcements.record_announcement(
        services.db, today, ["cs.AI"], [missed], source=EntrySource.CROSS_CHECK
    )

    (report,) = await services.planner.plan_pending()

    assert report.late and report.date == today
    pending = await deliveries.pending_messages(services.db, TargetKey.channel(100))
    assert [m.base_ids for m in pending] == [("2508.00001",), ("2508.00002",)]
    header = json.loads(pending[1].payload)["content"]
    assert ", found late (missing from arXiv's feed): 1 of 1 new paper matched" in header
    assert await services.planner.plan_pending() == []


async def test_a_new_version_gets_a_reply_to_the_paper_where_versions_are_asked(
    services: Services, fake_arxiv: FakeArxiv
) -> None:
    (paper,) = make_papers(1)
    await announce(services, fake_arxiv, [paper])
    await add_digest(services, 100, "synthetic", versions=True)
    await add_digest(services, 200, "synthetic")
    await services.planner.plan_pending()
    (carrier,) = await deliveries.pending_messages(services.db, TargetKey.channel(100))
    next_day = DAY + dt.timedelta(days=1)
    v2 = dataclasses.replace(
        paper,
        version=2,
        comment="camera-ready, 12 pages",
        announce_type=AnnounceType.REPLACE,
        announced=next_day,
    )
    await announcements.record_announcement(services.db, next_day, ["cs.AI"], [v2])

    await services.planner.plan_pending()

    (reply,) = [
        m
        for m in await deliveries.pending_messages(services.db, TargetKey.channel(100))
        if m.announcement_date == next_day
    ]
    assert reply.reply_to == carrier.id and reply.base_ids == ()
    assert json.loads(reply.payload)["content"] == "v2: camera-ready, 12 pages"
    others = await deliveries.pending_messages(services.db, TargetKey.channel(200))
    assert [m.announcement_date for m in others] == [DAY]  # no reply, no second item


# --- members' marks and "Show all" ---------------------------------------------------------


def topic_paper(number: int, title: str, abstract: str) -> Paper:
    """Return a paper of DAY in cs.AI whose abstract says "deep learning" once."""
    return dataclasses.replace(
        make_papers(1, first_number=number)[0], title=title, abstract=abstract
    )


async def test_a_members_marks_reorder_their_personal_digest(
    services: Services, fake_arxiv: FakeArxiv
) -> None:
    member = 42
    marked = topic_paper(
        900,
        "Diffusion models for high-resolution image generation",
        "Denoising diffusion models generate images; deep learning samplers upscale pixels.",
    )
    await papers_store.save_enriched(services.db, [marked])
    await services.feedback.mark(
        member, PaperRef(marked.base_id, 1), PaperAction.MORE_LIKE_THIS, channel_id=None
    )
    await targets.add_keywords(services.db, member, ["deep learning"])
    day = [
        topic_paper(1, "Graph networks for molecules", "Molecule graphs meet deep learning."),
        topic_paper(2, "Speech recognition at the edge", "Phonemes and deep learning on chips."),
        topic_paper(
            3,
            "Diffusion models for image generation",
            "Denoising diffusion models generate images with deep learning samplers.",
        ),
    ]

    await announce(services, fake_arxiv, day)
    await services.planner.plan_pending([TargetKey.user(member)])

    [message] = await deliveries.pending_messages(services.db, TargetKey.user(member))
    shown = [embed["url"] for embed in json.loads(message.payload)["embeds"]]
    assert shown[0] == "https://arxiv.org/abs/2508.00003"  # close to the paper marked up
    assert sorted(shown) == [f"https://arxiv.org/abs/2508.0000{n}" for n in (1, 2, 3)]


async def test_without_marks_a_personal_digest_keeps_the_keyword_ranking(
    services: Services, fake_arxiv: FakeArxiv
) -> None:
    member = 43
    await targets.add_keywords(services.db, member, ["deep learning"])
    day = [
        topic_paper(1, "Graph networks for molecules", "Molecule graphs meet deep learning."),
        topic_paper(2, "Speech recognition at the edge", "Phonemes and deep learning on chips."),
    ]

    await announce(services, fake_arxiv, day)
    await services.planner.plan_pending([TargetKey.user(member)])

    [message] = await deliveries.pending_messages(services.db, TargetKey.user(member))
    shown = [embed["url"] for embed in json.loads(message.payload)["embeds"]]
    assert shown == ["https://arxiv.org/abs/2508.00001", "https://arxiv.org/abs/2508.00002"]


async def test_a_post_cut_by_max_papers_keeps_its_query_for_show_all(
    services: Services, fake_arxiv: FakeArxiv
) -> None:
    await announce(services, fake_arxiv, make_papers(5))
    await add_digest(services, 100, "study", max_papers=2)
    await add_digest(services, 101, "study", max_papers=5)

    await services.planner.plan_pending()

    cut = await post_queries.get(services.db, TargetKey.channel(100), DAY)
    whole = await post_queries.get(services.db, TargetKey.channel(101), DAY)
    assert cut is not None
    assert (cut.matched, cut.keywords, cut.categories) == (5, ("study",), ("cs.AI",))
    assert whole is None  # everything was shown: no button, nothing kept
    [first] = await deliveries.pending_messages(services.db, TargetKey.channel(100))
    rows = json.loads(first.payload)["components"]
    labels = [item.get("label") for row in rows for item in row["components"]]
    assert "Show all 5" in labels
