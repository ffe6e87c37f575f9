"""Settings (.env.example lists each), read from the environment and `.env` when asked.

Nothing is read at import time: tests build `Settings(...)` directly, and the CLI calls
`load_settings()` once.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.arxiv.taxonomy import normalize_categories
from bot.errors import ConfigError, UserInputError
from bot.validate import normalize_language

# USD per million tokens (input, output). Source: Anthropic's pricing page, 2026.
# Override or extend with ANTHROPIC_PRICES='{"model": [in, out]}'.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-sonnet-4-6": (3.0, 15.0),
    "claude-opus-4-5": (5.0, 25.0),
    "claude-opus-4-6": (5.0, 25.0),
}


#: Settings whose values are never shown, not even cut short.
SECRET_SETTINGS = frozenset({"discord_token", "anthropic_api_key", "database_url"})
#: How much of a bad value an error shows: enough to spot a typo, too little to leak a key
#: pasted into the wrong setting (an Anthropic key's first 13 characters are a fixed prefix).
SHOWN_VALUE_MAX = 16
_MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/-]{0,99}")
_URL_SCHEMES = {
    "arxiv_api_url": ("http", "https"),
    "arxiv_feed_url": ("http", "https"),
    "anthropic_base_url": ("http", "https"),
    "discord_api_base_url": ("http", "https"),
    "discord_gateway_url": ("ws", "wss"),
}


def _split_words(value: object) -> object:
    """Accept `cs.AI cs.CL`, `cs.AI,cs.CL` or a list."""
    if isinstance(value, str):
        return tuple(part for part in value.replace(",", " ").split() if part)
    return value


class Settings(BaseSettings):
    """Every setting of the bot. Environment variable names are the field names upper-cased."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        hide_input_in_errors=True,
    )

    discord_token: SecretStr | None = None
    discord_guild_id: int | None = None
    discord_api_base_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None
    # The whole of one call to Discord while delivering (a send, or reading a channel's
    # recent messages), discord.py's own retries of 5xx and rate limits included: a hung
    # Discord must not hold the poll. A send that outlives it may have arrived, so the channel
    # is read before the message is sent again.
    discord_send_timeout_seconds: float = Field(default=60.0, gt=0, le=600, allow_inf_nan=False)
    # A post that failed is retried at the polls after this many seconds, doubling after each
    # failure in a row (at most 6 hours apart); after DELIVERY_MAX_FAILURES failures in a row
    # the digest is paused (a member's DMs held) and its server told.
    delivery_retry_seconds: float = Field(default=60.0, ge=0, le=86_400, allow_inf_nan=False)
    delivery_max_failures: int = Field(default=8, ge=1, le=100)

    anthropic_api_key: SecretStr | None = None
    anthropic_model: str = "claude-haiku-4-5"
    # Bounds: an answer takes seconds; ten minutes is already a hung server.
    anthropic_timeout_seconds: float = Field(default=60.0, gt=0, le=600, allow_inf_nan=False)
    anthropic_max_retries: int = Field(default=2, ge=0, le=10)
    anthropic_base_url: str | None = None
    anthropic_prices: Annotated[dict[str, tuple[float, float]], NoDecode] = Field(
        default_factory=dict
    )
    summary_concurrency: int = Field(default=4, ge=1, le=64)
    daily_budget_usd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    monthly_budget_usd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    # The part of DAILY_BUDGET_USD one server may spend in a day (0.25: a quarter), so that
    # one server's digests cannot use up what every other server shares.
    guild_daily_budget_share: float | None = Field(default=None, gt=0, le=1, allow_inf_nan=False)

    database_path: Path = Path("data/arxiv-digest.sqlite3")
    # `sqlite:///path` or `postgresql://user:password@host/db`; wins over DATABASE_PATH. A
    # secret: it may hold the password (errors and logs never show it).
    database_url: SecretStr | None = None
    # At most a day: arXiv announces daily, and the scheduler cannot hold 1e20 seconds.
    poll_interval_seconds: int = Field(default=1800, ge=1, le=86_400)
    default_categories: Annotated[tuple[str, ...], NoDecode] = ("cs.AI", "cs.CL", "cs.LG")
    default_language: str = "en"

    arxiv_contact: str | None = Field(default=None, max_length=200)
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_feed_url: str = "https://rss.arxiv.org/atom/"
    # arXiv asks for one request every 3 s (https://info.arxiv.org/help/api/tou.html).
    # Only test doubles and mirrors should lower this.
    arxiv_request_interval_seconds: float = Field(default=3.0, ge=0, le=600, allow_inf_nan=False)
    # The whole of one request to arXiv (connect, send, read every byte), not per read: a
    # server trickling one byte every few seconds must not hold the shared limiter.
    arxiv_timeout_seconds: float = Field(default=60.0, gt=0, le=600, allow_inf_nan=False)
    # A cap on one answer's size after decompression (a full 2,000-entry feed is ~4 MB).
    arxiv_max_response_mb: int = Field(default=20, ge=1, le=1000)

    # Discord sharding (https://discord.com/developers/docs/events/gateway#sharding): the
    # shards of all processes, and which of them this process serves (unset: all of them).
    shard_count: int | None = Field(default=None, ge=1, le=4096)
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    # Optional: serve /healthz and /metrics on this port while `run` runs (README, "Operating").
    health_port: int | None = Field(default=None, ge=1, le=65_535)
    # The address that server listens on: this host only by default; 0.0.0.0 in a container
    # whose metrics are scraped from outside it.
    health_host: str = Field(default="127.0.0.1", min_length=1, max_length=253, pattern=r"^\S+$")

    # A folder holding an edited copy of every prompt file; unset means the packaged prompts.
    prompts_dir: Path | None = None

    @field_validator("default_categories", mode="before")
    @classmethod
    def _categories(cls, value: object) -> object:
        words = _split_words(value)
        if not isinstance(words, tuple | list):
            return words
        try:
            return normalize_categories([str(word) for word in words])
        except UserInputError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        try:
            return normalize_language(value, "en")
        except UserInputError as exc:
            raise ValueError(str(exc)) from None

    @field_validator("anthropic_model")
    @classmethod
    def _model(cls, value: str) -> str:
        if not _MODEL_NAME.fullmatch(value):
            raise ValueError("expected a model id such as claude-haiku-4-5")
        return value

    @field_validator(*_URL_SCHEMES)
    @classmethod
    def _url(cls, value: str | None, info: Any) -> str | None:
        if value is None:
            return None
        schemes = _URL_SCHEMES[info.field_name]
        try:
            parts = urlsplit(value)
            usable = parts.scheme in schemes and bool(parts.hostname)
        except ValueError:  # e.g. an unclosed [ in the host
            usable = False
        if not usable or any(c.isspace() for c in value):
            raise ValueError(f"expected a {' or '.join(schemes)} URL such as {schemes[-1]}://host/")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("anthropic_prices", mode="before")
    @classmethod
    def _prices(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                return json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError('expected JSON such as {"model": [1.0, 5.0]}') from exc
        return value

    @field_validator("anthropic_prices")
    @classmethod
    def _prices_are_amounts(
        cls, value: dict[str, tuple[float, float]]
    ) -> dict[str, tuple[float, float]]:
        for prices in value.values():
            if not all(math.isfinite(price) and price >= 0 for price in prices):
                raise ValueError("prices must be amounts of USD, 0 or more")
        return value

    @field_validator(
        "discord_token",
        "discord_guild_id",
        "discord_gateway_url",
        "anthropic_api_key",
        "anthropic_base_url",
        "daily_budget_usd",
        "monthly_budget_usd",
        "guild_daily_budget_share",
        "arxiv_contact",
        "prompts_dir",
        "health_port",
        "database_url",
        "shard_count",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """Treat `KEY=` (as left in a copied .env.example) as not set."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_ids(cls, value: object) -> object:
        words = _split_words(value)
        if isinstance(words, tuple) and not words:
            return None
        if isinstance(words, tuple):
            try:
                return tuple(int(word) for word in words)
            except ValueError:
                raise ValueError("expected shard numbers such as 0 1 (or 0,1)") from None
        return words

    @field_validator("shard_ids")
    @classmethod
    def _shards_fit(cls, value: tuple[int, ...] | None, info: Any) -> tuple[int, ...] | None:
        if value is None:
            return None
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("needs SHARD_COUNT, the number of shards of all processes")
        if len(set(value)) != len(value):
            raise ValueError("lists a shard twice")
        if any(not 0 <= shard < count for shard in value):
            raise ValueError(f"expected shard numbers from 0 to {count - 1} (SHARD_COUNT - 1)")
        url = info.data.get("database_url")
        postgres = url is not None and not url.get_secret_value().startswith("sqlite:")
        if set(value) != set(range(count)) and not postgres:
            raise ValueError(
                "splits the shards between processes, which must share a PostgreSQL database:"
                " set DATABASE_URL=postgresql://..."
            )
        return value

    @property
    def shards_here(self) -> tuple[int, ...]:
        """Return the shards this process serves: SHARD_IDS, or all of SHARD_COUNT, or (0,)."""
        if self.shard_ids is not None:
            return tuple(sorted(self.shard_ids))
        return tuple(range(self.shard_count or 1))

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        url = value.get_secret_value().strip()
        scheme = url.partition("://")[0]
        if scheme == "sqlite":
            if not url.startswith("sqlite:///") or len(url) == len("sqlite:///"):
                raise ValueError("expected sqlite:///path/to/file.sqlite3")
        elif scheme not in ("postgresql", "postgres"):
            raise ValueError("expected sqlite:///path or postgresql://user:password@host/db")
        return SecretStr(url)

    @property
    def database(self) -> Path | str:
        """Return where the database is: DATABASE_URL (a PostgreSQL URL, or the file of a
        `sqlite:///` URL), else DATABASE_PATH.
        """
        if self.database_url is None:
            return self.database_path
        url = self.database_url.get_secret_value()
        if url.startswith("sqlite:///"):
            return Path(url.removeprefix("sqlite:///"))
        return url

    def secret_values(self) -> list[str]:
        """Return every secret these settings hold, for the logs to mask wherever it shows."""
        found = [
            secret.get_secret_value()
            for secret in (self.discord_token, self.anthropic_api_key)
            if secret is not None
        ]
        if self.database_url is not None:
            password = urlsplit(self.database_url.get_secret_value()).password
            if password:
                found.append(password)
        return found

    @property
    def uses_postgres(self) -> bool:
        """Say whether the database is PostgreSQL (several processes may share it)."""
        return isinstance(self.database, str)

    @field_validator("guild_daily_budget_share")
    @classmethod
    def _share_of_a_cap(cls, value: float | None, info: Any) -> float | None:
        if value is not None and info.data.get("daily_budget_usd") is None:
            raise ValueError("a share of the daily budget needs DAILY_BUDGET_USD set too")
        return value

    def price_per_mtok(self, model: str) -> tuple[float, float] | None:
        """Return (input, output) USD per million tokens for `model`, if known."""
        return {**DEFAULT_PRICES, **self.anthropic_prices}.get(model)

    @property
    def user_agent(self) -> str:
        """Return the User-Agent arXiv asks for: the bot's name and a contact."""
        from bot import __version__

        contact = f"; {self.arxiv_contact}" if self.arxiv_contact else ""
        return f"arxiv-digest-bot/{__version__} (+https://github.com/arxiv-digest-bot{contact})"


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Build Settings from the environment and `env_file`; raise ConfigError naming the setting.

    The line names the setting, says what is wrong and shows the start of the bad value
    (never of a secret), so a typo is found without opening the file.
    """
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(describe_settings_error(exc)) from None
    except OSError as exc:  # an unreadable .env
        raise ConfigError(f"cannot read {env_file}: {exc.strerror or exc}") from None


def describe_settings_error(exc: ValidationError) -> str:
    """Return one line for the first invalid setting of `exc` (and how many more there are)."""
    errors = exc.errors()
    error = errors[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    name = field.upper() or "settings"
    message = str(error["msg"]).removeprefix("Value error, ")
    if len(message) > 160:
        message = message[:159] + "…"
    shown = ""
    raw = error.get("input")
    if field not in SECRET_SETTINGS and isinstance(raw, str | int | float):
        text = " ".join(str(raw).split())
        if len(text) > SHOWN_VALUE_MAX:
            text = text[:SHOWN_VALUE_MAX] + "…"
        shown = f" (got {text!r})"
    more = f"; {len(errors) - 1} more invalid" if len(errors) > 1 else ""
    return f"invalid setting {name}: {message}{shown}{more}"
