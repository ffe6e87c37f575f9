"""Settings (SPEC section 6), read from the environment and `.env` when `main()` asks.

Nothing is read at import time: tests build `Settings(...)` directly, and the CLI calls
`load_settings()` once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigError

# USD per million tokens (input, output). Source: Anthropic's pricing page, 2026.
# Override or extend with ANTHROPIC_PRICES='{"model": [in, out]}'.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-sonnet-4-5": (3.0, 15.0),
    "claude-sonnet-4-6": (3.0, 15.0),
    "claude-opus-4-5": (5.0, 25.0),
    "claude-opus-4-6": (5.0, 25.0),
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

    anthropic_api_key: SecretStr | None = None
    anthropic_model: str = "claude-haiku-4-5"
    anthropic_timeout_seconds: float = Field(default=60.0, gt=0)
    anthropic_max_retries: int = Field(default=2, ge=0, le=10)
    anthropic_base_url: str | None = None
    anthropic_prices: Annotated[dict[str, tuple[float, float]], NoDecode] = Field(
        default_factory=dict
    )
    summary_concurrency: int = Field(default=4, ge=1, le=64)
    daily_budget_usd: float | None = Field(default=None, ge=0)
    monthly_budget_usd: float | None = Field(default=None, ge=0)

    database_path: Path = Path("data/arxiv-digest.sqlite3")
    poll_interval_seconds: int = Field(default=1800, ge=1)
    default_categories: Annotated[tuple[str, ...], NoDecode] = ("cs.AI", "cs.CL", "cs.LG")
    default_language: str = Field(default="en", min_length=2, max_length=35)

    arxiv_contact: str | None = None
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_feed_url: str = "https://rss.arxiv.org/atom/"
    # arXiv asks for one request every 3 s (https://info.arxiv.org/help/api/tou.html).
    # Only test doubles and mirrors should lower this.
    arxiv_request_interval_seconds: float = Field(default=3.0, ge=0)

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    # A folder holding an edited copy of every prompt file; unset means the packaged prompts.
    prompts_dir: Path | None = None

    @field_validator("default_categories", mode="before")
    @classmethod
    def _categories(cls, value: object) -> object:
        return _split_words(value)

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

    @field_validator(
        "discord_token",
        "discord_guild_id",
        "discord_gateway_url",
        "anthropic_api_key",
        "anthropic_base_url",
        "daily_budget_usd",
        "monthly_budget_usd",
        "arxiv_contact",
        "prompts_dir",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """Treat `KEY=` (as left in a copied .env.example) as not set."""
        if isinstance(value, str) and not value.strip():
            return None
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
    """Build Settings from the environment and `env_file`; raise ConfigError naming the setting."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        raise ConfigError(f"invalid setting {name}: {error['msg']}") from None
