"""Load the summary prompts from `prompts/` and fill their placeholders (SPEC section 5).

Prompts are Markdown files with `{{name}}` placeholders, editable without touching code. The
loader fails loudly, at start-up, on a placeholder the code does not know or a required one that
is missing; filling fails on a value that is missing or unexpected. `<!-- ... -->` comments are
notes for whoever edits the file and are not sent to the model.

The prompt version is a short hash of the files' bytes and of the output schema, so editing
either makes every paper be summarized afresh (it is part of the summary cache key).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError
from bot.models import Paper
from bot.summarize.schema import output_json_schema

SYSTEM_FILE = "summary.system.md"
USER_FILE = "summary.user.md"

# Every placeholder the code can fill in the summary prompts.
PAPER_FIELDS = frozenset(
    {"language", "arxiv_id", "title", "authors", "categories", "comment", "journal_ref", "abstract"}
)

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)
# The tag that fences the untrusted paper text; the data must not be able to close it early.
_FENCE_TAG = re.compile(r"<\s*/?\s*paper\b[^>]*>", re.IGNORECASE)

# Caps on what we send: arXiv abstracts are at most 1,920 characters
# (https://info.arxiv.org/help/prep.html#abstracts); anything longer is not an abstract.
_MAX_TITLE = 1_000
_MAX_ABSTRACT = 6_000
_MAX_META = 500
_MAX_AUTHORS = 20


class PromptError(ConfigError):
    """A prompt file is missing, unreadable, or uses placeholders wrongly."""


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """One prompt file: its text (comments removed) and the placeholders it uses."""

    name: str
    text: str
    placeholders: frozenset[str]

    def render(self, values: Mapping[str, str]) -> str:
        """Fill every placeholder in one pass; fail on a missing or an unexpected value.

        One pass means a value that itself contains `{{...}}` is inserted as is, never expanded.
        """
        missing = self.placeholders - values.keys()
        unknown = values.keys() - PAPER_FIELDS
        if missing or unknown:
            raise PromptError(
                f"prompt {self.name}: missing values {sorted(missing)}, unknown values"
                f" {sorted(unknown)}"
            )
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], self.text)


@dataclass(frozen=True, slots=True)
class RenderedPrompt:
    """What one Claude call sends: the system prompt and the user turn."""

    system: str
    user: str


@dataclass(frozen=True, slots=True)
class PromptSet:
    """The summary prompts and their version (part of the cache key)."""

    system: PromptTemplate
    user: PromptTemplate
    version: str

    def render(self, paper: Paper, language: str) -> RenderedPrompt:
        """Return the prompt for `paper` in `language`, the paper's text fenced as data."""
        values = paper_values(paper, language)
        return RenderedPrompt(
            system=self.system.render(_subset(values, self.system.placeholders)),
            user=self.user.render(_subset(values, self.user.placeholders)),
        )


def default_prompts_dir() -> Path:
    """Return the repository's `prompts/` folder (next to the `bot` package)."""
    return Path(__file__).resolve().parents[2] / "prompts"


def load_template(
    path: Path, *, allowed: Iterable[str] = PAPER_FIELDS, required: Iterable[str] = ()
) -> PromptTemplate:
    """Read one prompt file; fail on an unknown placeholder or a missing required one."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PromptError(f"cannot read prompt file {path}: {exc}") from exc
    text = _COMMENT.sub("", raw).strip() + "\n"
    used = frozenset(_PLACEHOLDER.findall(text))
    unknown = used - frozenset(allowed)
    if unknown:
        names = ", ".join("{{" + name + "}}" for name in sorted(unknown))
        raise PromptError(
            f"prompt {path.name}: unknown placeholder {names}; known: {sorted(allowed)}"
        )
    missing = frozenset(required) - used
    if missing:
        names = ", ".join("{{" + name + "}}" for name in sorted(missing))
        raise PromptError(f"prompt {path.name}: required placeholder {names} is missing")
    return PromptTemplate(name=path.name, text=text, placeholders=used)


def load_prompts(directory: Path | None = None) -> PromptSet:
    """Load the summary prompts from `directory` (default: the repository's `prompts/`)."""
    directory = directory or default_prompts_dir()
    system = load_template(directory / SYSTEM_FILE)
    user = load_template(directory / USER_FILE, required=("language", "title", "abstract"))
    return PromptSet(system=system, user=user, version=prompt_version(directory))


def prompt_version(directory: Path) -> str:
    """Return a short hash of the prompt files' bytes and the output schema."""
    digest = hashlib.sha256()
    for name in (SYSTEM_FILE, USER_FILE):
        digest.update(name.encode())
        digest.update((directory / name).read_bytes())
    digest.update(json.dumps(output_json_schema(), sort_keys=True).encode())
    return digest.hexdigest()[:12]


def paper_values(paper: Paper, language: str) -> dict[str, str]:
    """Return the placeholder values for `paper`, each cleaned and capped as untrusted data."""
    names = [author.name for author in paper.authors[:_MAX_AUTHORS]]
    if len(paper.authors) > _MAX_AUTHORS:
        names.append(f"and {len(paper.authors) - _MAX_AUTHORS} more")
    return {
        "language": language,
        "arxiv_id": paper.versioned_id,
        "title": _data(paper.title, _MAX_TITLE),
        "authors": _data(", ".join(names), _MAX_META) or "(not given)",
        "categories": _data(" ".join(paper.categories), _MAX_META) or "(not given)",
        "comment": _data(paper.comment or "", _MAX_META) or "(none)",
        "journal_ref": _data(paper.journal_ref or "", _MAX_META) or "(none)",
        "abstract": _data(paper.abstract, _MAX_ABSTRACT),
    }


def source_text(paper: Paper) -> str:
    """Return the paper text the model saw: what its output may quote and take numbers from."""
    parts = [paper.title, paper.abstract, paper.comment or "", paper.journal_ref or ""]
    return "\n".join(part for part in parts if part)


def _data(text: str, limit: int) -> str:
    """Neutralize fence tags in untrusted text so it cannot end the <paper> block, and cap it."""
    cleaned = _FENCE_TAG.sub("[tag removed]", text.strip())
    return cleaned[:limit]


def _subset(values: Mapping[str, str], names: frozenset[str]) -> dict[str, str]:
    return {name: values[name] for name in names}
