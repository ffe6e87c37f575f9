"""Interaction callbacks, followups and `@original` edits, with Discord's deadlines.

Endpoints: https://discord.com/developers/docs/interactions/receiving-and-responding
(Create Interaction Response, Create Followup Message, Edit/Get/Delete Original Response).
Facts the fake enforces: a callback later than 3 s after the interaction answers 404 (10062
Unknown interaction); a second callback 400 (40060 already acknowledged); the token works for
15 minutes (then 401, 50027 Invalid Webhook Token); after a deferral, the first followup
resolves the "is thinking..." message and keeps the deferral's ephemeral state
(discord/discord-api-docs#2742, #3466). discord.py 2.7.1 always asks `?with_response=1`
and reads `{"interaction": {...}, "resource": {...}}` (`InteractionCallbackResponse`).
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from tests.fakes.discord_server.interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    Callback,
    FakeInteraction,
)
from tests.fakes.discord_server.limits import ErrorReply, FormErrors, api_error, validate_choices
from tests.fakes.discord_server.messages import UNKNOWN_MESSAGE, Composer
from tests.fakes.discord_server.replies import (
    BODY,
    FILES,
    no_content,
    reply_error,
    reply_json,
    with_files,
)
from tests.fakes.discord_server.state import EPHEMERAL, JSON, LOADING, StoredMessage, Timing
from tests.fakes.discord_server.waiting import Notifier
from tests.fakes.discord_server.world import World

UNKNOWN_INTERACTION = api_error(404, 10062, "Unknown interaction")
ALREADY_ACKNOWLEDGED = api_error(400, 40060, "Interaction has already been acknowledged.")
UNKNOWN_WEBHOOK = api_error(404, 10015, "Unknown Webhook")
INVALID_WEBHOOK_TOKEN = api_error(401, 50027, "Invalid Webhook Token")
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, AUTOCOMPLETE_RESULT, MODAL = 4, 5, 8, 9
# A component interaction may also acknowledge without a new message (6, the clicked message
# stays as it is) or edit the clicked message (7).
DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE = 6, 7
ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE_MESSAGE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
}
# Message types (https://discord.com/developers/docs/resources/message#message-object-message-types).
# Discord does not document a followup's type; the fake uses DEFAULT.
CHAT_INPUT_COMMAND, DEFAULT = 20, 0


class InteractionResponses:
    """Handle the routes that a bot calls with an interaction's id and token."""

    def __init__(
        self,
        world: World,
        composer: Composer,
        notifier: Notifier,
        timing: Timing,
        clock: Callable[[], float],
    ) -> None:
        self._world = world
        self._composer = composer
        self._notifier = notifier
        self._timing = timing
        self._clock = clock
        self.by_id: dict[int, FakeInteraction] = {}
        self.by_token: dict[str, FakeInteraction] = {}

    def add(self, interaction: FakeInteraction) -> None:
        """Remember an interaction the fake is about to dispatch."""
        self.by_id[interaction.id] = interaction
        self.by_token[interaction.token] = interaction

    async def callback(self, request: web.Request) -> web.Response:
        """Handle `POST /interactions/{id}/{token}/callback`."""
        interaction = self.by_id.get(int(request.match_info["interaction_id"]))
        if interaction is None or interaction.token != request.match_info["token"]:
            return reply_error(UNKNOWN_INTERACTION)
        if interaction.callback is not None:
            return reply_error(ALREADY_ACKNOWLEDGED)
        if self._clock() - interaction.dispatched_at > self._timing.ack_deadline:
            return reply_error(UNKNOWN_INTERACTION)
        body: JSON = request[BODY]
        kind = int(body.get("type", 0))
        data: JSON = body.get("data") or {}
        refused = self._check_callback(interaction, kind, data)
        if refused is not None:
            return reply_error(refused)
        if kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE):
            flags = int(data.get("flags") or 0) & EPHEMERAL
            shown = with_files(data, request[FILES])
            if kind == DEFERRED_CHANNEL_MESSAGE:
                flags, shown = flags | LOADING, {}
            interaction.original = self._composer.make(
                interaction.channel,
                self._world.bot,
                shown,
                type=CHAT_INPUT_COMMAND if interaction.type == APPLICATION_COMMAND else DEFAULT,
                flags=flags,
                webhook_id=self._world.application_id,
                interaction_metadata=self._metadata(interaction),
                shown_to=interaction.user if flags & EPHEMERAL else None,
            )
        elif kind == UPDATE_MESSAGE and interaction.source is not None:
            self._composer.edit(interaction.source, with_files(data, request[FILES]))
        interaction.callback = Callback(kind, data)
        await self._notifier.notify()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return no_content()
        return reply_json(self._callback_response(interaction, kind))

    def _check_callback(
        self, interaction: FakeInteraction, kind: int, data: JSON
    ) -> ErrorReply | None:
        if kind not in ALLOWED_CALLBACKS.get(interaction.type, set()):
            errors = FormErrors()
            errors.add(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid response type")
            return errors.reply()
        if kind == CHANNEL_MESSAGE:
            return self._composer.check_body(data, prefix=("data",))
        if kind == UPDATE_MESSAGE and interaction.source is not None:
            merged = {**interaction.source.payload, **data}
            return self._composer.check_body(merged, prefix=("data",))
        if kind == AUTOCOMPLETE_RESULT:
            return validate_choices(data)
        return None

    def _metadata(self, interaction: FakeInteraction) -> JSON:
        metadata: JSON = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": interaction.user.payload(),
            "authorizing_integration_owners": interaction.payload["authorizing_integration_owners"],
        }
        if interaction.source is not None:
            metadata["interacted_message_id"] = str(interaction.source.id)
        else:
            data = interaction.payload["data"]
            metadata.update({"name": data.get("name"), "command_type": data.get("type", 1)})
        return metadata

    def _callback_response(self, interaction: FakeInteraction, kind: int) -> JSON:
        summary: JSON = {"id": str(interaction.id), "type": interaction.type}
        resource: JSON = {"type": kind}
        original = interaction.original
        if original is None and kind == UPDATE_MESSAGE:
            original = interaction.source
        if original is not None:
            summary.update(
                {
                    "response_message_id": str(original.id),
                    "response_message_loading": original.loading,
                    "response_message_ephemeral": original.ephemeral,
                }
            )
            resource["message"] = original.wire()
        return {"interaction": summary, "resource": resource}

    def _by_webhook(self, request: web.Request) -> FakeInteraction | ErrorReply:
        """Return the interaction a webhook route names, or the error Discord gives."""
        interaction = self.by_token.get(request.match_info["token"])
        if interaction is None or request.match_info["application_id"] != str(
            self._world.application_id
        ):
            return UNKNOWN_WEBHOOK
        if self._clock() - interaction.dispatched_at > self._timing.token_lifetime:
            return INVALID_WEBHOOK_TOKEN
        if interaction.callback is None:
            return UNKNOWN_WEBHOOK  # Nothing to follow up until the interaction is answered.
        return interaction

    async def followup(self, request: web.Request) -> web.Response:
        """Handle `POST /webhooks/{application_id}/{token}` (a followup message)."""
        interaction = self._by_webhook(request)
        if isinstance(interaction, ErrorReply):
            return reply_error(interaction)
        body = with_files(request[BODY], request[FILES])
        invalid = self._composer.check_body(body)
        if invalid is not None:
            return reply_error(invalid)
        original = interaction.original
        if original is not None and original.loading and not original.deleted:
            # The first followup after a deferral becomes the deferred message itself.
            self._composer.edit(original, body)
            message = original
        else:
            flags = int(body.get("flags") or 0) & EPHEMERAL
            message = self._composer.make(
                interaction.channel,
                self._world.bot,
                body,
                type=DEFAULT,
                flags=flags,
                webhook_id=self._world.application_id,
                shown_to=interaction.user if flags else None,
            )
            interaction.followups.append(message)
        await self._notifier.notify()
        if request.query.get("wait") in ("1", "true", "True"):
            return reply_json(message.wire())
        return no_content()

    def _webhook_message(self, request: web.Request) -> StoredMessage | ErrorReply:
        interaction = self._by_webhook(request)
        if isinstance(interaction, ErrorReply):
            return interaction
        wanted = request.match_info["message_id"]
        # A component interaction answered without a message of its own (6 or 7) has the
        # clicked message as its original.
        original = interaction.original or interaction.source
        candidates = [*interaction.messages, *([original] if original is not None else [])]
        for message in candidates:
            if not message.deleted and (
                (wanted == "@original" and message is original) or wanted == str(message.id)
            ):
                return message
        return UNKNOWN_MESSAGE

    async def get_message(self, request: web.Request) -> web.Response:
        """Handle `GET /webhooks/{application_id}/{token}/messages/{id or @original}`."""
        message = self._webhook_message(request)
        if isinstance(message, ErrorReply):
            return reply_error(message)
        return reply_json(message.wire())

    async def edit_message(self, request: web.Request) -> web.Response:
        """Handle `PATCH /webhooks/{application_id}/{token}/messages/{id or @original}`."""
        message = self._webhook_message(request)
        if isinstance(message, ErrorReply):
            return reply_error(message)
        body = with_files(request[BODY], request[FILES])
        refused = self._composer.edit(message, body)
        if refused is not None:
            return reply_error(refused)
        await self._notifier.notify()
        return reply_json(message.wire())

    async def delete_message(self, request: web.Request) -> web.Response:
        """Handle `DELETE /webhooks/{application_id}/{token}/messages/{id or @original}`."""
        message = self._webhook_message(request)
        if isinstance(message, ErrorReply):
            return reply_error(message)
        message.deleted = True
        await self._notifier.notify()
        return no_content()
