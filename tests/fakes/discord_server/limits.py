"""What Discord rejects, and how it says so: form limits (400, code 50035) and rate limits.

Message limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
("Embed Limits") and the Create Message parameters (content 2,000; 10 embeds; nonce up to 25
characters). Autocomplete: at most 25 choices, name and value up to 100 characters
(https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-autocomplete).
Command definitions: https://discord.com/developers/docs/interactions/application-commands.
Components (buttons and select menus in action rows): https://discord.com/developers/docs/components/reference
(5 action rows; a row holds up to 5 buttons or one select menu; custom ids up to 100
characters and unique in a message; button labels up to 80; select placeholders up to 150;
1 to 25 options, each label, value and description up to 100, values unique; min_values 0 to
25, max_values 1 to 25 and at most the options). Discord's exact error codes for components
are not all documented; the fake answers 50035 with a descriptive code at the failing path.
Lengths are counted in code points (Python `len`).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_NAME_MAX = 256
NONCE_MAX = 25
CHOICES_MAX = 25
CHOICE_TEXT_MAX = 100
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
COMMANDS_MAX = 100
ACTION_ROW, BUTTON, STRING_SELECT = 1, 2, 3
ROWS_MAX = 5
BUTTONS_PER_ROW_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
PLACEHOLDER_MAX = 150
OPTIONS_MAX = 25
OPTION_TEXT_MAX = 100
LINK_BUTTON = 5
BUTTON_STYLES = range(1, 7)  # primary, secondary, success, danger, link, premium


@dataclass(frozen=True)
class ErrorReply:
    """An error as Discord sends it: a status and a JSON body with `code` and `message`."""

    status: int
    body: JSON


def api_error(status: int, code: int, message: str) -> ErrorReply:
    """Return a plain JSON error such as 404 {"code": 10003, "message": "Unknown Channel"}."""
    return ErrorReply(status, {"message": message, "code": code})


class FormErrors:
    """Collect field errors into Discord's nested `errors` shape for a 50035 reply."""

    def __init__(self) -> None:
        self.tree: JSON = {}

    def add(self, path: tuple[str | int, ...], code: str, message: str) -> None:
        """Record one error at a path such as ("embeds", 0, "description")."""
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def too_long(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        """Record BASE_TYPE_MAX_LENGTH when `value` is longer than `limit`."""
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def required(self, path: tuple[str | int, ...], value: Any) -> None:
        """Record BASE_TYPE_REQUIRED when a required text is missing or empty."""
        if not value:
            self.add(path, "BASE_TYPE_REQUIRED", "This field is required")

    def reply(self) -> ErrorReply | None:
        """Return the 400 (50035 Invalid Form Body) reply, or None when nothing was wrong."""
        if not self.tree:
            return None
        return ErrorReply(400, {"message": "Invalid Form Body", "code": 50035, "errors": self.tree})


def validate_message(body: JSON, *, prefix: tuple[str | int, ...] = ()) -> ErrorReply | None:
    """Return Discord's 400 for a message body that breaks a limit, else None."""
    errors = FormErrors()
    errors.too_long((*prefix, "content"), body.get("content"), CONTENT_MAX)
    nonce = body.get("nonce")
    if isinstance(nonce, str):
        errors.too_long((*prefix, "nonce"), nonce, NONCE_MAX)
    embeds = body.get("embeds") or []
    errors.too_long((*prefix, "embeds"), embeds, EMBEDS_MAX)
    total = 0
    for index, embed in enumerate(embeds):
        total += _check_embed(errors, (*prefix, "embeds", index), embed)
    if total > EMBED_TOTAL_MAX:
        errors.add(
            (*prefix, "embeds"),
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
        )
    check_components(errors, (*prefix, "components"), body.get("components"))
    return errors.reply()


def check_components(errors: FormErrors, path: tuple[str | int, ...], rows: Any) -> None:
    """Check a message's action rows, buttons and select menus against Discord's limits."""
    if rows is None:
        return
    if not isinstance(rows, list):
        errors.add(path, "LIST_TYPE_CONVERT", "Must be a list.")
        return
    errors.too_long(path, rows, ROWS_MAX)
    seen: set[str] = set()
    for index, row in enumerate(rows):
        where = (*path, index)
        items = row.get("components") if isinstance(row, dict) else None
        if not isinstance(row, dict) or row.get("type") != ACTION_ROW or not items:
            errors.add(where, "COMPONENT_LAYOUT_INVALID", "An action row must hold components.")
            continue
        errors.too_long((*where, "components"), items, BUTTONS_PER_ROW_MAX)
        kinds = {item.get("type") for item in items if isinstance(item, dict)}
        if STRING_SELECT in kinds and len(items) > 1:
            errors.add(
                (*where, "components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "A select menu takes a whole action row.",
            )
        for position, item in enumerate(items):
            _check_component(errors, (*where, "components", position), item, seen)


def _check_component(
    errors: FormErrors, path: tuple[str | int, ...], item: Any, seen: set[str]
) -> None:
    """Check one button or select menu; `seen` collects the message's custom ids."""
    kind = item.get("type") if isinstance(item, dict) else None
    if kind not in (BUTTON, STRING_SELECT):
        errors.add(path, "COMPONENT_TYPE_INVALID", "Only buttons and string selects are known.")
        return
    custom_id = item.get("custom_id")
    if kind == BUTTON and item.get("style") == LINK_BUTTON:
        if custom_id is not None or not item.get("url"):
            errors.add(path, "BUTTON_COMPONENT_INVALID", "A link button has a url, no custom_id.")
    elif not isinstance(custom_id, str) or not custom_id:
        errors.required((*path, "custom_id"), custom_id)
    else:
        errors.too_long((*path, "custom_id"), custom_id, CUSTOM_ID_MAX)
        if custom_id in seen:
            errors.add(
                (*path, "custom_id"),
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
        seen.add(custom_id)
    if kind == BUTTON:
        if item.get("style") not in BUTTON_STYLES:
            errors.add((*path, "style"), "BUTTON_COMPONENT_INVALID", "Unknown button style.")
        if not item.get("label") and not item.get("emoji"):
            errors.required((*path, "label"), item.get("label"))
        errors.too_long((*path, "label"), item.get("label"), BUTTON_LABEL_MAX)
        return
    _check_select(errors, path, item)


def _check_select(errors: FormErrors, path: tuple[str | int, ...], item: JSON) -> None:
    """Check a string select's placeholder, value counts and options."""
    errors.too_long((*path, "placeholder"), item.get("placeholder"), PLACEHOLDER_MAX)
    options = item.get("options") or []
    if not options:
        errors.required((*path, "options"), options)
    errors.too_long((*path, "options"), options, OPTIONS_MAX)
    low, high = item.get("min_values", 1), item.get("max_values", 1)
    if not 0 <= low <= OPTIONS_MAX or not 1 <= high <= min(OPTIONS_MAX, max(len(options), 1)):
        errors.add((*path, "max_values"), "NUMBER_TYPE_MAX", "Value counts out of range.")
    values: set[str] = set()
    for index, option in enumerate(options):
        where = (*path, "options", index)
        for key in ("label", "value"):
            errors.required((*where, key), option.get(key))
            errors.too_long((*where, key), option.get(key), OPTION_TEXT_MAX)
        errors.too_long((*where, "description"), option.get("description"), OPTION_TEXT_MAX)
        if option.get("value") in values:
            errors.add(
                (*where, "value"),
                "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                "Option values must be unique",
            )
        values.add(option.get("value"))


def _check_embed(errors: FormErrors, path: tuple[str | int, ...], embed: JSON) -> int:
    """Check one embed's limits and return the characters it counts towards the 6,000."""
    title, description = embed.get("title"), embed.get("description")
    errors.too_long((*path, "title"), title, TITLE_MAX)
    errors.too_long((*path, "description"), description, DESCRIPTION_MAX)
    url = embed.get("url")
    if url is not None and not str(url).startswith(("http://", "https://", "attachment://")):
        errors.add((*path, "url"), "URL_TYPE_INVALID_URL", "Not a well formed URL.")
    counted = len(title or "") + len(description or "")
    fields = embed.get("fields") or []
    errors.too_long((*path, "fields"), fields, FIELDS_MAX)
    for index, item in enumerate(fields):
        name, value = item.get("name"), item.get("value")
        errors.required((*path, "fields", index, "name"), name)
        errors.required((*path, "fields", index, "value"), value)
        errors.too_long((*path, "fields", index, "name"), name, FIELD_NAME_MAX)
        errors.too_long((*path, "fields", index, "value"), value, FIELD_VALUE_MAX)
        counted += len(name or "") + len(value or "")
    footer = embed.get("footer")
    if footer is not None:
        errors.required((*path, "footer", "text"), footer.get("text"))
        errors.too_long((*path, "footer", "text"), footer.get("text"), FOOTER_MAX)
        counted += len(footer.get("text") or "")
    author = embed.get("author")
    if author is not None:
        errors.required((*path, "author", "name"), author.get("name"))
        errors.too_long((*path, "author", "name"), author.get("name"), AUTHOR_NAME_MAX)
        counted += len(author.get("name") or "")
    return counted


def is_empty_message(body: JSON) -> bool:
    """Return whether a message has nothing to show (Discord answers 400, code 50006)."""
    keys = ("content", "embeds", "attachments", "components", "sticker_ids", "poll")
    return not any(body.get(key) for key in keys)


def validate_choices(data: JSON) -> ErrorReply | None:
    """Return the 400 for an autocomplete result with too many or too long choices."""
    errors = FormErrors()
    choices = data.get("choices") or []
    errors.too_long(("data", "choices"), choices, CHOICES_MAX)
    for index, choice in enumerate(choices):
        errors.too_long(("data", "choices", index, "name"), choice.get("name"), CHOICE_TEXT_MAX)
        value = choice.get("value")
        if isinstance(value, str):
            errors.too_long(("data", "choices", index, "value"), value, CHOICE_TEXT_MAX)
    return errors.reply()


def validate_commands(commands: list[JSON]) -> ErrorReply | None:
    """Return the 400 for command definitions that Discord would refuse to register."""
    errors = FormErrors()
    errors.too_long((), commands, COMMANDS_MAX)
    for index, command in enumerate(commands):
        _check_definition(errors, (index,), command, chat_input=command.get("type", 1) == 1)
    return errors.reply()


def _check_definition(
    errors: FormErrors, path: tuple[str | int, ...], item: JSON, *, chat_input: bool
) -> None:
    """Check one command or option: name, description, options, choices, required order."""
    name = str(item.get("name", ""))
    if chat_input and (not COMMAND_NAME.match(name) or name != name.lower()):
        errors.add((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    if chat_input:
        description = item.get("description") or ""
        if not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
            errors.add(
                (*path, "description"),
                "BASE_TYPE_BAD_LENGTH",
                f"Must be between 1 and {COMMAND_DESCRIPTION_MAX} in length.",
            )
    errors.too_long((*path, "choices"), item.get("choices"), CHOICES_MAX)
    options = item.get("options") or []
    errors.too_long((*path, "options"), options, OPTIONS_MAX)
    seen_optional = False
    for index, option in enumerate(options):
        if option.get("type") not in (1, 2):
            if option.get("required") and seen_optional:
                errors.add(
                    (*path, "options", index, "required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
            seen_optional = seen_optional or not option.get("required")
        _check_definition(errors, (*path, "options", index), option, chat_input=chat_input)


@dataclass
class _Window:
    started: float
    used: int


class RateLimiter:
    """Count requests per bucket in fixed windows, as Discord's per-route limits do.

    Discord answers every rate-limited route with X-RateLimit-* headers
    (https://discord.com/developers/docs/topics/rate-limits#header-format); discord.py reads
    them to wait before it would be refused. The defaults are generous so tests are not
    slowed; set `limit`/`window` to Discord's real figures (5 per 5 s per channel) to check
    that a client waits.
    """

    def __init__(self, clock: Callable[[], float], *, limit: int = 1000, window: float = 1.0):
        self._clock = clock
        self.limit = limit
        self.window = window
        self._windows: dict[str, _Window] = {}

    def take(self, bucket: str) -> tuple[bool, dict[str, str]]:
        """Use one request from the bucket; return (allowed, rate-limit headers)."""
        now = self._clock()
        current = self._windows.get(bucket)
        if current is None or now >= current.started + self.window:
            current = self._windows[bucket] = _Window(now, 0)
        reset_after = max(current.started + self.window - now, 0.0)
        allowed = current.used < self.limit
        if allowed:
            current.used += 1
        headers = rate_limit_headers(bucket, self.limit, self.limit - current.used, reset_after)
        return allowed, headers


def rate_limit_headers(
    bucket: str, limit: int, remaining: int, reset_after: float
) -> dict[str, str]:
    """Return X-RateLimit-* headers; `Reset` is wall-clock epoch seconds, as Discord sends."""
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(remaining, 0)),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


def too_many_requests(
    bucket: str, retry_after: float, *, is_global: bool = False
) -> tuple[JSON, dict[str, str]]:
    """Return the 429 body and headers discord.py honours as a rate limit.

    discord.py 2.7.1 (`HTTPClient.request`) treats a 429 without a `Via` header, or with a
    non-JSON body, as a Cloudflare ban and raises instead of waiting `retry_after`.
    """
    body: JSON = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": is_global,
    }
    headers = rate_limit_headers(bucket, 5, 0, retry_after)
    headers.update(
        {
            "Retry-After": str(math.ceil(retry_after)),
            "X-RateLimit-Scope": "global" if is_global else "user",
            "Via": "1.1 google",
        }
    )
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    return body, headers
