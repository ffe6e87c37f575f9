"""Posts in threads and forums, and posts that ping a role, stay within Discord's limits.

The digests are tests/bot/test_render_properties.py's: hostile titles, abstracts, author
lists and keywords. The limits are Discord's documented numbers, written out here: a thread
name is 1 to 100 characters, a forum post takes at most 5 tags, content at most 2,000
characters (https://discord.com/developers/docs/resources/channel#start-thread-in-forum-or-media-channel,
https://discord.com/developers/docs/resources/message#create-message).
"""

from __future__ import annotations

from typing import Any

import discord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.discord_sender import allowed_mentions, forum_tags
from bot.models import Digest
from bot.render import render_digest
from bot.render.places import forum_labels, header_apart, ping_role, thread_name
from tests.bot.test_render_properties import assert_within_discord_limits, digests, noisy

THREAD_NAME = 100
APPLIED_TAGS = 5
CONTENT = 2_000
SNOWFLAKES = st.integers(1, 2**63 - 1)
SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(digest=digests())
def test_a_thread_name_fits_and_always_shows_the_date_and_count(digest: Digest) -> None:
    name = thread_name(digest)

    assert 1 <= len(name) <= THREAD_NAME
    count = len(digest.items)
    assert name.endswith(f" · {digest.date.isoformat()} · {count} paper{'s' * (count != 1)}")


@SLOW
@given(digest=digests(), role=st.none() | SNOWFLAKES, threaded=st.booleans())
def test_a_post_pings_at_most_its_role_and_carries_every_paper_once(
    digest: Digest, role: int | None, threaded: bool
) -> None:
    messages = ping_role(render_digest(digest), role)
    if threaded:
        messages = header_apart(messages)
    payloads = [message.to_payload() for message in messages]

    header, *rest = payloads
    assert 0 < len(header["content"]) <= CONTENT  # type: ignore[arg-type]
    if role is None:
        assert header["allowed_mentions"] == {"parse": []}
    else:
        assert str(header["content"]).startswith(f"<@&{role}> ")
        assert header["allowed_mentions"] == {"parse": [], "roles": [role]}
    if threaded:
        assert header["embeds"] == [] and messages[0].paper_ids == ()
    for payload in rest:
        assert_within_discord_limits(payload)  # pings nobody
    for payload in payloads:
        unpinged = {**payload, "allowed_mentions": {"parse": []}}
        assert_within_discord_limits(unpinged)
    carried = [base_id for message in messages for base_id in message.paper_ids]
    assert carried == [item.paper.base_id for item in digest.items]


@SLOW
@given(digest=digests(), role=SNOWFLAKES)
def test_the_sender_pings_only_the_role_the_payload_names(digest: Digest, role: int) -> None:
    (first, *_) = ping_role(render_digest(digest), role)

    mentions = allowed_mentions(first.to_payload()).to_dict()

    assert mentions == {"parse": [], "roles": [role]}


def tag(tag_id: int, name: str, *, moderated: bool = False) -> discord.ForumTag:
    """Return a forum tag as discord.py builds it from Discord's Forum Tag object."""
    data: Any = {
        "id": str(tag_id),
        "name": name,
        "moderated": moderated,
        "emoji_id": None,
        "emoji_name": None,
    }
    return discord.ForumTag.from_data(state=None, data=data)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    names=st.lists(
        st.sampled_from(["cs.CL", "CS.cl", "llm", "LLM", "cs.LG"]) | noisy(3), max_size=20
    ),
    moderated=st.lists(st.booleans(), max_size=20),
    labels=st.lists(st.sampled_from(["cs.CL", "llm", "cs.LG", "rag"]) | noisy(3), max_size=30),
)
def test_forum_tags_are_at_most_5_of_the_forums_named_like_the_labels(
    names: list[str], moderated: list[bool], labels: list[str]
) -> None:
    available = [
        tag(i + 1, name, moderated=i < len(moderated) and moderated[i])
        for i, name in enumerate(names)
    ]

    chosen = forum_tags(available, labels)

    assert len(chosen) <= APPLIED_TAGS
    assert len({t.id for t in chosen}) == len(chosen)
    assert all(t in available and not t.moderated for t in chosen)
    wanted = [label.casefold() for label in labels]
    assert all(t.name.casefold() in wanted for t in chosen)
    order = [wanted.index(t.name.casefold()) for t in chosen]
    assert order == sorted(order)


@SLOW
@given(digest=digests())
def test_forum_labels_are_the_digests_categories_in_its_papers_then_keywords(
    digest: Digest,
) -> None:
    labels = forum_labels(digest)

    assert len(labels) == len(set(labels))
    in_papers = {c for item in digest.items for c in item.paper.categories}
    keywords = {k for item in digest.items for k in item.keywords}
    assert all(label in in_papers or label in keywords for label in labels)
    categories = [c for c in digest.categories if c in in_papers]
    assert list(labels[: len(dict.fromkeys(categories))]) == list(dict.fromkeys(categories))
