"""Creating, editing and listing messages with Discord's checks and nonce behaviour.

Create Message: https://discord.com/developers/docs/resources/message#create-message.
A reply (`message_reference`) answers a message of the same channel; one that names a message
the channel does not hold fails (400), or with `fail_if_not_exists: false` goes out as a
normal message, not a reply (message reference object, same page).

With `enforce_nonce`, "if another message was created by the same author with the same nonce
[in the past few minutes], that message will be returned and no new message will be
created". The fake keys that check by channel and author; the window is configurable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.discord_server.limits import (
    ErrorReply,
    FormErrors,
    api_error,
    is_empty_message,
    validate_message,
)
from tests.fakes.discord_server.state import (
    DM,
    EPHEMERAL,
    JSON,
    LOADING,
    ChannelAccess,
    FakeChannel,
    FakeUser,
    StoredMessage,
    Timing,
)

EDITABLE = ("content", "embeds", "allowed_mentions", "components", "attachments")
UNKNOWN_CHANNEL = api_error(404, 10003, "Unknown Channel")
UNKNOWN_MESSAGE = api_error(404, 10008, "Unknown Message")
MISSING_ACCESS = api_error(403, 50001, "Missing Access")
MISSING_PERMISSIONS = api_error(403, 50013, "Missing Permissions")
DMS_CLOSED = api_error(403, 50007, "Cannot send messages to this user")
EMPTY_MESSAGE = api_error(400, 50006, "Cannot send an empty message")
NOT_AUTHOR = api_error(403, 50005, "Cannot edit a message authored by another user")


@dataclass
class Composer:
    """Make messages: ids, and the fake clock and timing for the nonce window."""

    new_id: Callable[[], int]
    clock: Callable[[], float]
    now: Callable[[], dt.datetime]
    timing: Timing

    def check_body(self, body: JSON, prefix: tuple[str | int, ...] = ()) -> ErrorReply | None:
        """Return the 400 Discord answers for this body, or None when it is acceptable."""
        invalid = validate_message(body, prefix=prefix)
        if invalid is not None:
            return invalid
        return EMPTY_MESSAGE if is_empty_message(body) else None

    def make(
        self,
        channel: FakeChannel,
        author: FakeUser,
        body: JSON,
        *,
        message_id: int | None = None,
        **extra: Any,
    ) -> StoredMessage:
        """Store a new message at the end of the channel (a forum post's first message takes
        the post's id as its own)."""
        message = StoredMessage(
            id=self.new_id() if message_id is None else message_id,
            channel_id=channel.id,
            author=author,
            payload=body,
            created_clock=self.clock(),
            guild_id=channel.guild_id,
            **extra,
        )
        channel.messages.append(message)
        return message

    def post(
        self, channel: FakeChannel, author: FakeUser, body: JSON
    ) -> StoredMessage | ErrorReply:
        """Create a message as `POST /channels/{id}/messages` does, or return its error."""
        refused = channel_refusal(channel, writing=True)
        if refused is not None:
            return refused
        invalid = self.check_body(body)
        if invalid is not None:
            return invalid
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            earlier = self._same_nonce(channel, author, str(nonce))
            if earlier is not None:
                return earlier
        body = replying_within(channel, body)
        if isinstance(body, ErrorReply):
            return body
        flags = int(body.get("flags") or 0) & ~(EPHEMERAL | LOADING)  # Not settable here.
        return self.make(channel, author, body, flags=flags)

    def _same_nonce(
        self, channel: FakeChannel, author: FakeUser, nonce: str
    ) -> StoredMessage | None:
        horizon = self.clock() - self.timing.nonce_window
        for message in reversed(channel.messages):
            if message.created_clock < horizon:
                break
            if message.author is author and message.nonce == nonce and not message.deleted:
                return message
        return None

    def edit(self, message: StoredMessage, body: JSON) -> ErrorReply | None:
        """Apply an edit (only the fields given change) or return Discord's error."""
        # Fields left out keep their value; the nonce is not editable and stays on record.
        merged = {**message.payload, **{k: v for k, v in body.items() if k in EDITABLE}}
        invalid = self.check_body(merged)
        if invalid is not None:
            return invalid
        was_loading = message.loading
        message.payload = merged
        message.flags &= ~LOADING
        message.edits.append(body)
        if not was_loading:
            message.edited_at = self.now()
        return None


def replying_within(channel: FakeChannel, body: JSON) -> JSON | ErrorReply:
    """Return the body as Discord keeps it: a reply only to a message of this channel.

    A reference to a message elsewhere (or gone) is refused, unless `fail_if_not_exists` is
    false: then the message is sent without it, as a normal message.
    """
    reference = body.get("message_reference")
    if not isinstance(reference, dict):
        return body
    wanted = str(reference.get("message_id"))
    named_channel = reference.get("channel_id")
    here = named_channel is None or str(named_channel) == str(channel.id)
    if here and any(str(message.id) == wanted for message in channel.visible_messages()):
        return body
    if reference.get("fail_if_not_exists", True):
        errors = FormErrors()
        errors.add(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
        refused = errors.reply()
        assert refused is not None  # an error was just added
        return refused
    return {key: value for key, value in body.items() if key != "message_reference"}


def channel_refusal(channel: FakeChannel | None, *, writing: bool) -> ErrorReply | None:
    """Return the error for a channel that is gone, forbidden, or a DM the user closed."""
    if channel is None or channel.access is ChannelAccess.GONE:
        return UNKNOWN_CHANNEL
    if channel.access is ChannelAccess.FORBIDDEN:
        return MISSING_PERMISSIONS if writing else MISSING_ACCESS
    recipient = channel.recipient
    if writing and channel.type == DM and recipient is not None and recipient.dms_closed:
        return DMS_CLOSED
    return None


def history(channel: FakeChannel, query: dict[str, str]) -> list[StoredMessage] | ErrorReply:
    """Return messages as `GET /channels/{id}/messages` does: newest first, at most `limit`.

    With `after`, the `limit` messages right after that id (still newest first, which is
    what discord.py's history iterator expects); with `before`, the ones right before it.
    """
    try:
        limit = int(query.get("limit", "50"))
    except ValueError:
        limit = -1
    if not 1 <= limit <= 100:
        errors = FormErrors()
        errors.add(("limit",), "NUMBER_TYPE_MAX", "Must be between 1 and 100.")
        reply = errors.reply()
        assert reply is not None
        return reply
    messages = channel.visible_messages()
    if "after" in query:
        after = int(query["after"])
        return list(reversed([m for m in messages if m.id > after][:limit]))
    if "before" in query:
        before = int(query["before"])
        messages = [m for m in messages if m.id < before]
    if "around" in query:
        around = int(query["around"])
        older = [m for m in messages if m.id <= around][-(limit - limit // 2) :]
        newer = [m for m in messages if m.id > around][: limit // 2]
        return list(reversed(older + newer))
    return list(reversed(messages[-limit:]))
