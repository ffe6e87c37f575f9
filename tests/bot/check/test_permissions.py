"""The bot's permissions in a channel, computed as Discord's permissions page says.

Each case is a rule of https://discord.com/developers/docs/topics/permissions, with objects
shaped as Discord's REST API answers them; the expected results are worked out by hand from
that page, not by the code under test.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import discord
import pytest

from bot.check.permissions import (
    ADMINISTRATOR,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    channel_access,
    deep_dive_needs,
)

GUILD, OWNER, BOT = 100, 200, 300
BOT_ROLE, MUTED, HELPERS = 400, 500, 600
NOW = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
DIGEST = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY


def guild(everyone: int = DIGEST, bot_role: int = 0, **roles: int) -> dict[str, Any]:
    all_roles = [
        {"id": str(GUILD), "permissions": str(everyone)},
        {"id": str(BOT_ROLE), "permissions": str(bot_role)},
        {"id": str(MUTED), "permissions": str(roles.get("muted", 0))},
        {"id": str(HELPERS), "permissions": str(roles.get("helpers", 0))},
    ]
    return {"id": str(GUILD), "owner_id": str(OWNER), "roles": all_roles}


def member(*roles: int, timed_out_until: str | None = None) -> dict[str, Any]:
    return {
        "user": {"id": str(BOT)},
        "roles": [str(role) for role in roles or (BOT_ROLE,)],
        "communication_disabled_until": timed_out_until,
    }


def overwrite(target: int, *, allow: int = 0, deny: int = 0, kind: int = 0) -> dict[str, Any]:
    return {"id": str(target), "type": kind, "allow": str(allow), "deny": str(deny)}


def channel(*overwrites: dict[str, Any], kind: int = 0) -> dict[str, Any]:
    return {"id": "900", "type": kind, "name": "papers", "permission_overwrites": list(overwrites)}


def missing(g: dict[str, Any], m: dict[str, Any], c: dict[str, Any], **kw: Any) -> list[str]:
    """Return the names of what the bot lacks, or fail if it lacks something unnamed."""
    access = channel_access(g, m, BOT, c, now=NOW, **kw)
    named = access.missing_in_roles + access.missing_by_overwrite
    assert bool(named) == bool(access.missing)
    return named


def test_everything_granted_by_everyone_leaves_nothing_missing() -> None:
    assert missing(guild(), member(), channel()) == []


def test_a_denial_for_everyone_in_the_channel_takes_a_permission_away() -> None:
    access = channel_access(
        guild(), member(), BOT, channel(overwrite(GUILD, deny=EMBED_LINKS)), now=NOW
    )
    assert access.missing_by_overwrite == ["Embed Links"]
    assert access.missing_in_roles == []


def test_a_role_allowing_in_the_channel_beats_everyones_denial() -> None:
    # Steps 3-4 (@everyone) come before steps 5-6 (roles).
    c = channel(overwrite(GUILD, deny=EMBED_LINKS), overwrite(BOT_ROLE, allow=EMBED_LINKS))
    assert missing(guild(), member(), c) == []


def test_one_role_allowing_beats_another_denying_whatever_their_order() -> None:
    # The docs' #coolstuff example: A denies VIEW_CHANNEL, B allows it: the user sees it.
    c = channel(overwrite(MUTED, deny=VIEW_CHANNEL), overwrite(HELPERS, allow=VIEW_CHANNEL))
    assert missing(guild(), member(MUTED, HELPERS), c) == []


def test_the_member_overwrite_comes_last() -> None:
    c = channel(
        overwrite(BOT_ROLE, allow=READ_MESSAGE_HISTORY),
        overwrite(BOT, deny=READ_MESSAGE_HISTORY, kind=1),
    )
    assert missing(guild(), member(), c) == ["Read Message History"]


def test_a_permission_no_role_grants_is_missing_in_the_roles() -> None:
    g = guild(everyone=VIEW_CHANNEL | SEND_MESSAGES)
    access = channel_access(g, member(), BOT, channel(), now=NOW)
    assert access.missing_in_roles == ["Embed Links", "Read Message History"]
    assert access.missing_by_overwrite == []


def test_the_bots_own_role_can_grant_what_everyone_lacks() -> None:
    g = guild(everyone=VIEW_CHANNEL, bot_role=SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY)
    assert missing(g, member(), channel()) == []


def test_administrator_ignores_every_overwrite() -> None:
    c = channel(overwrite(GUILD, deny=DIGEST), overwrite(BOT, deny=DIGEST, kind=1))
    assert missing(guild(everyone=0, bot_role=ADMINISTRATOR), member(), c) == []


def test_the_owner_has_every_permission() -> None:
    owner = {**member(), "user": {"id": str(OWNER)}}
    access = channel_access(
        guild(everyone=0), owner, OWNER, channel(overwrite(GUILD, deny=DIGEST)), now=NOW
    )
    assert access.missing == 0


def test_without_view_channel_nothing_else_counts() -> None:
    access = channel_access(
        guild(), member(), BOT, channel(overwrite(BOT_ROLE, deny=VIEW_CHANNEL)), now=NOW
    )
    assert access.permissions == 0
    assert access.missing == DIGEST
    # The cause is named; what it takes with it is not listed as if denied one by one.
    assert access.missing_by_overwrite == ["View Channel"]


def test_without_send_messages_embed_links_does_not_count() -> None:
    access = channel_access(
        guild(), member(), BOT, channel(overwrite(GUILD, deny=SEND_MESSAGES)), now=NOW
    )
    assert access.missing == SEND_MESSAGES | EMBED_LINKS
    assert access.missing_by_overwrite == ["Send Messages"]
    assert access.permissions & READ_MESSAGE_HISTORY


@pytest.mark.parametrize(
    ("until", "timed_out"),
    [("2026-05-01T13:00:00+00:00", True), ("2026-05-01T11:00:00.000000+00:00", False)],
)
def test_a_timed_out_bot_keeps_only_view_and_history(until: str, timed_out: bool) -> None:
    access = channel_access(guild(), member(timed_out_until=until), BOT, channel(), now=NOW)
    assert access.timed_out is timed_out
    if timed_out:
        assert access.permissions == VIEW_CHANNEL | READ_MESSAGE_HISTORY
        assert access.missing == SEND_MESSAGES | EMBED_LINKS
    else:
        assert access.missing == 0


def test_a_thread_takes_its_parents_overwrites_and_needs_send_in_threads() -> None:
    parent = channel(overwrite(GUILD, deny=EMBED_LINKS))
    thread = {"id": "901", "type": 11, "parent_id": "900"}
    g = guild(everyone=DIGEST | SEND_MESSAGES_IN_THREADS)
    access = channel_access(g, member(), BOT, thread, parent=parent, now=NOW)
    assert access.missing_by_overwrite == ["Embed Links"]
    # Send Messages is not what counts in a thread; Send Messages in Threads is.
    g = guild(everyone=DIGEST)
    access = channel_access(g, member(), BOT, thread, parent=channel(), now=NOW)
    assert access.missing == SEND_MESSAGES_IN_THREADS | EMBED_LINKS
    assert access.missing_in_roles == ["Send Messages in Threads"]


def test_a_forum_also_needs_send_in_threads_to_write_in_the_post() -> None:
    access = channel_access(guild(), member(), BOT, channel(kind=15), now=NOW)
    assert access.missing_in_roles == ["Send Messages in Threads"]


def test_the_bits_are_discords() -> None:
    # discord.py's own table, an independent copy of the same Discord page.
    assert discord.Permissions(view_channel=True).value == VIEW_CHANNEL
    assert discord.Permissions(send_messages=True).value == SEND_MESSAGES
    assert discord.Permissions(embed_links=True).value == EMBED_LINKS
    assert discord.Permissions(read_message_history=True).value == READ_MESSAGE_HISTORY
    assert discord.Permissions(send_messages_in_threads=True).value == SEND_MESSAGES_IN_THREADS
    assert discord.Permissions(administrator=True).value == ADMINISTRATOR


def test_a_digest_posting_in_threads_also_needs_to_open_them_and_write_in_them() -> None:
    # Discord's page: starting a thread needs Create Public Threads, writing in it Send
    # Messages in Threads; everyone here has only what a plain digest needs.
    access = channel_access(guild(), member(), BOT, channel(), threaded=True, now=NOW)
    assert access.missing_in_roles == ["Create Public Threads", "Send Messages in Threads"]
    assert channel_access(guild(), member(), BOT, channel(), now=NOW).missing == 0


def test_create_public_threads_is_discords_bit() -> None:
    assert discord.Permissions(create_public_threads=True).value == CREATE_PUBLIC_THREADS


@pytest.mark.parametrize(
    ("kind", "threaded", "needs_threads"),
    [(0, False, True), (5, False, True), (0, True, False), (15, False, False), (11, False, False)],
    ids=["text", "announcement", "thread-digest", "forum", "thread"],
)
def test_deep_dive_needs_to_open_a_thread_only_under_a_message_in_the_channel_itself(
    kind: int, threaded: bool, needs_threads: bool
) -> None:
    # A deep dive starts a public thread under the paper's message and posts in it; a thread
    # digest needs that already, and a message inside a thread or forum post holds none.
    wanted = CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS if needs_threads else 0
    assert deep_dive_needs(kind, threaded=threaded) == wanted
