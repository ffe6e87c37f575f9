"""The project's exceptions. Services raise only these; adapters turn them into messages."""

from __future__ import annotations

from bot.models import FallbackReason


class DigestBotError(Exception):
    """Base class for every error this project raises on purpose."""


class UserInputError(DigestBotError):
    """Input from a person (CLI argument, slash option, pasted id) that we refuse.

    The message is shown to that person as is: one line, saying what was wrong and what a
    valid value looks like.
    """


class InvalidArxivIdError(UserInputError):
    """A string that is not an arXiv identifier in any form we accept."""


class InvalidCategoryError(UserInputError):
    """A category that is not in arXiv's taxonomy."""


class InvalidKeywordsError(UserInputError):
    """A keyword list that is empty where it must not be, too long, or malformed."""


class ConfigError(DigestBotError):
    """A missing or invalid setting. The message names the setting, never its value."""


class ArxivError(DigestBotError):
    """arXiv could not be reached or answered with something we cannot use."""


class ArxivUnavailableError(ArxivError):
    """arXiv answered 429/5xx, could not be reached, or was too slow, after our retries.

    `retry_in` is how many seconds until arXiv may be asked again (its `Retry-After`, or
    our backoff), when known: what to tell someone who is waiting.
    """

    def __init__(self, message: str, *, retry_in: float | None = None) -> None:
        super().__init__(message)
        self.retry_in = retry_in


class ArxivParseError(ArxivError):
    """arXiv answered, but the body is not a feed we can parse."""


class ArxivBadRequestError(ArxivError):
    """The query API refused the request (HTTP 400), e.g. for a malformed id."""


class PaperNotFoundError(ArxivError):
    """A well-formed id that arXiv does not know (the API answers with an empty feed)."""


class SummaryError(DigestBotError):
    """A summary could not be produced, for `reason`; `detail` is for the log and `/status`."""

    def __init__(self, reason: FallbackReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail


class StorageError(DigestBotError):
    """The database could not be opened or migrated."""


class DatabaseError(DigestBotError):
    """A statement failed: the database's reason, one line, as either backend words it.

    The store raises it for every driver error (sqlite3's, asyncpg's), so no caller needs to
    know which database runs; the driver's exception is its `__cause__`.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(f"database error: {reason}")
        self.reason = reason


class ConstraintError(DatabaseError):
    """A write broke a rule of the schema (a key, a CHECK, a foreign key): nothing was stored."""
