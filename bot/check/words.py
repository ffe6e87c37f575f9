"""Every sentence `check` prints: what was found, and for a failure, what to do about it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

#: The permissions the README's invite link asks for (README, "Inviting the bot").
INVITE_PERMISSIONS = 309237763072
PORTAL = "https://discord.com/developers/applications"


def invite_url(application_id: int) -> str:
    """Return the link that invites the bot with the permissions it needs."""
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope=bot+applications.commands&permissions={INVITE_PERMISSIONS}"
    )


def and_list(items: Sequence[str]) -> str:
    """Return `a`, `a and b`, `a, b and c`."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


# -- settings and database -----------------------------------------------------------------


def settings_ok(env_file: Path) -> str:
    """Say where valid settings came from."""
    if env_file.is_file():
        return f"valid (from the environment and {env_file.resolve()})"
    return f"valid (from the environment; there is no .env in {Path.cwd()})"


def settings_bad(error: str) -> str:
    """Say which setting is wrong and where to fix it."""
    return f"{error}; fix it in .env or the environment (.env.example documents every setting)"


NOT_CHECKED_SETTINGS = "not checked: the settings are not valid"
NOT_CHECKED_DATABASE = "not checked: the database cannot be read"


def database_new(path: Path | str) -> str:
    """A database `run` will create."""
    return f"{path} does not exist yet; `run` creates it"


def database_ok(path: Path | str, schema: int, damage_checked: bool = True) -> str:
    """A database of the current schema that passed its checks (SQLite's quick_check too)."""
    checked = "quick_check found no damage; " if damage_checked else ""
    return f"{path}: schema {schema}, the current one; {checked}writable"


def database_older(path: Path | str, schema: int, latest: int, sqlite: bool = True) -> str:
    """A database that `run` will migrate (an SQLite file after copying it)."""
    if not sqlite:
        return f"{path}: schema {schema}, and `run` migrates it to {latest} at start; writable"
    return (
        f"{path}: schema {schema}, and `run` migrates it to {latest} at start (after copying"
        " it beside itself); quick_check found no damage; writable"
    )


def database_bad(path: Path | str, problem: str) -> str:
    """A database `run` cannot use (the problem says what to do, as `run` would)."""
    return f"{path}: {problem}"


def database_empty(path: Path | str) -> str:
    """An empty SQLite file or PostgreSQL database: `run` creates the tables."""
    return f"{path} holds no tables yet; `run` creates them"


# -- arXiv ---------------------------------------------------------------------------------


def feed_ok(url: str, papers: int, announced: str | None) -> str:
    """The feed answered."""
    if announced is None:
        return f"{url} answered, with no announcement in it (normal on weekends and holidays)"
    return f"{url} answered: {papers} papers announced {announced}"


def arxiv_bad(url: str, setting: str, error: str) -> str:
    """The feed or the API did not answer as it should."""
    return f"{url}: {error}; check {setting} and that this host reaches arXiv"


def api_ok(url: str) -> str:
    """The query API answered."""
    return f"{url} answered a query by id"


# -- Discord -------------------------------------------------------------------------------

NO_TOKEN = f"DISCORD_TOKEN is not set; `run` needs it (your application's Bot page on {PORTAL})"
TOKEN_REFUSED = (
    f"Discord refused DISCORD_TOKEN; make a new one (Bot, Reset Token, on {PORTAL}) and set it"
)
NOT_CHECKED_DISCORD = "not checked: the bot did not log in to Discord"


def discord_unreachable(url: str, error: str) -> str:
    """Discord's REST API could not be reached."""
    return f"cannot reach {url}: {error}; check DISCORD_API_BASE_URL and this host's network"


def logged_in(user: str, user_id: int) -> str:
    """The token works."""
    return f"valid: the bot is {user} (id {user_id})"


def servers(names: Sequence[str]) -> str:
    """The servers the bot is in."""
    shown = [*names[:10], f"{len(names) - 10} more"] if len(names) > 10 else list(names)
    return f"in {len(names)} {'server' if len(names) == 1 else 'servers'}: {and_list(shown)}"


def no_server(application_id: int) -> str:
    """The bot was never invited."""
    return f"the bot is in no server yet; invite it: {invite_url(application_id)}"


def guild_id_missing(guild_id: int, application_id: int) -> str:
    """DISCORD_GUILD_ID names a server the bot is not in: syncing commands there fails."""
    return (
        f"DISCORD_GUILD_ID is {guild_id}, a server the bot is not in; invite it there"
        f" ({invite_url(application_id)}) or clear DISCORD_GUILD_ID"
    )


def guild_id_ok(name: str) -> str:
    """DISCORD_GUILD_ID names a server the bot is in."""
    return f"commands are synced to {name} only (unset DISCORD_GUILD_ID to sync everywhere)"


NO_DIGESTS = "none set up yet (/digest set, in a server)"


def digest_item(channel: str, server: str) -> str:
    """Name a digest's line: `digest #papers (arXiv lab)`."""
    return f"digest {channel} ({server})"


def digest_ok(paused: str | None) -> str:
    """The bot can do everything a digest needs in the channel."""
    done = "can view, post, embed links and read history there"
    if paused is None:
        return done
    return f"{done}; paused ({paused}): /digest resume to start it again"


def digest_ok_without_deep_dive_threads(
    paused: str | None, in_roles: Sequence[str], by_overwrite: Sequence[str]
) -> str:
    """The digest works; "Deep dive" cannot open a thread there, so it answers privately."""
    return (
        f"{digest_ok(paused)}; but a Deep dive cannot be posted in a thread under its paper"
        " and is shown only to the member who clicked: " + digest_missing(in_roles, by_overwrite)
    )


def digest_missing(in_roles: Sequence[str], by_overwrite: Sequence[str]) -> str:
    """The bot lacks permissions a digest needs; say where they are taken away."""
    parts = []
    if by_overwrite:
        parts.append(
            f"{and_list(by_overwrite)} denied in this channel; allow them for the bot's role"
            " in the channel's settings (Edit Channel, Permissions)"
        )
    if in_roles:
        parts.append(
            f"{and_list(in_roles)} not granted by any of the bot's roles; grant them in"
            " Server Settings, Roles"
        )
    return "; ".join(parts)


TIMED_OUT = "the bot is timed out in this server, so it cannot post; remove the timeout"
CHANNEL_GONE = "the channel no longer exists; /digest remove it, or set a new channel"
CHANNEL_HIDDEN = "the bot cannot see the channel; give its role View Channel there"


def not_in_server(application_id: int) -> str:
    """A digest of a server the bot left (or was removed from)."""
    return (
        "the bot is not in this server any more, so nothing can be posted; invite it again:"
        f" {invite_url(application_id)}"
    )


# -- Claude ----------------------------------------------------------------------------------

NO_ANTHROPIC_KEY = (
    "ANTHROPIC_API_KEY is not set: papers go out with their abstract instead of a summary"
)


def model_ok(model: str, model_id: str | None) -> str:
    """The key works and the model exists."""
    resolved = f" ({model_id})" if model_id and model_id != model else ""
    return f"the API key works; model {model}{resolved} is available"


def model_deprecated(model: str) -> str:
    """The model still works but is headed for retirement."""
    return f"the API key works; model {model} is deprecated: choose a newer ANTHROPIC_MODEL soon"


def model_retired(model: str) -> str:
    """The model no longer answers."""
    return f"model {model} is retired and no longer answers; set a current ANTHROPIC_MODEL"


KEY_REFUSED = "the API refused ANTHROPIC_API_KEY ({detail}); make a key at console.anthropic.com"


def model_unknown(model: str, detail: str) -> str:
    """The API does not know the model."""
    return (
        f"the API key works, but the API knows no model {model} ({detail}); set ANTHROPIC_MODEL"
        " to one such as claude-haiku-4-5"
    )


def anthropic_unreachable(detail: str) -> str:
    """The Anthropic API could not be reached or failed."""
    return f"no answer from the Anthropic API ({detail}); check ANTHROPIC_BASE_URL and the network"


def price_ok(model: str, prices: tuple[float, float]) -> str:
    """The model has a price, so budgets count it."""
    return f"{model}: ${prices[0]:g} per million input tokens, ${prices[1]:g} per million output"


def price_missing(model: str) -> str:
    """No price: budgets would count every call at the dearest known price."""
    return (
        f"no price for {model}, so budgets would count it at the dearest known price; add it:"
        f' ANTHROPIC_PRICES={{"{model}": [input, output]}} (USD per million tokens)'
    )
