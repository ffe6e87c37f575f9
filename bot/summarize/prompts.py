"""Load the summary prompts and fill their placeholders.

Prompts are Markdown files with `{{name}}` placeholders, editable without touching code. They
ship inside the package (`bot/prompts/`, read with `importlib.resources`, so a wheel, a
container image or `pipx install` finds them); the `PROMPTS_DIR` setting points at an edited
copy instead. The
loader fails loudly, at start-up, on a placeholder the code does not know or a required one that
is missing; filling fails on a value that is missing or unexpected. `<!-- ... -->` comments are
notes for whoever edits the file and are not sent to the model.

The prompt version is a short hash of the bytes of the files used and of the output schema, so
editing either, or pointing `PROMPTS_DIR` at different files, makes every paper be summarized
afresh (it is part of the summary cache key).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

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


def packaged_prompts() -> Traversable:
    """Return the prompt folder shipped inside the package (`bot/prompts/`)."""
    return resources.files("bot").joinpath("prompts")


def load_template(
    path: Traversable, *, allowed: Iterable[str] = PAPER_FIELDS, required: Iterable[str] = ()
) -> PromptTemplate:
    """Read one prompt file; fail on an unknown placeholder or a missing required one."""
    return _parse_template(path.name, _read(path), allowed=allowed, required=required)


def load_prompts(directory: Traversable | None = None) -> PromptSet:
    """Load the summary prompts from `directory` (default: the packaged ones).

    Every prompt file must be in `directory`: an edited copy replaces the whole set, so what
    is sent is always what the folder holds, never a silent mix with the packaged files.
    """
    folder = packaged_prompts() if directory is None else directory
    if not folder.is_dir():
        if directory is None:
            raise PromptError(f"the packaged prompt folder {folder} is missing; reinstall")
        raise PromptError(f"PROMPTS_DIR {folder} is not a folder")
    system_raw = _read(folder / SYSTEM_FILE)
    user_raw = _read(folder / USER_FILE)
    return PromptSet(
        system=_parse_template(SYSTEM_FILE, system_raw),
        user=_parse_template(USER_FILE, user_raw, required=("language", "title", "abstract")),
        version=prompt_version({SYSTEM_FILE: system_raw, USER_FILE: user_raw}),
    )


def prompt_version(files: Mapping[str, bytes], schema: Mapping[str, Any] | None = None) -> str:
    """Return a short hash of the prompt files' names and bytes and of the output schema.

    `schema` is the output schema the prompts go with (default: the summary's).
    """
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(files[name])
    used = output_json_schema() if schema is None else schema
    digest.update(json.dumps(used, sort_keys=True).encode())
    return digest.hexdigest()[:12]


def _read(path: Traversable) -> bytes:
    """Return a prompt file's bytes, or fail with a PromptError naming the file."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PromptError(f"cannot read prompt file {path}: {exc.strerror or exc}") from exc


def _parse_template(
    name: str, raw: bytes, *, allowed: Iterable[str] = PAPER_FIELDS, required: Iterable[str] = ()
) -> PromptTemplate:
    """Build a template from a file's bytes: drop editor comments, check the placeholders."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PromptError(f"prompt {name} is not UTF-8 text: {exc}") from exc
    text = _COMMENT.sub("", decoded).strip() + "\n"
    used = frozenset(_PLACEHOLDER.findall(text))
    unknown = used - frozenset(allowed)
    if unknown:
        names = ", ".join("{{" + item + "}}" for item in sorted(unknown))
        raise PromptError(f"prompt {name}: unknown placeholder {names}; known: {sorted(allowed)}")
    missing = frozenset(required) - used
    if missing:
        names = ", ".join("{{" + item + "}}" for item in sorted(missing))
        raise PromptError(f"prompt {name}: required placeholder {names} is missing")
    return PromptTemplate(name=name, text=text, placeholders=used)


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
