"""Load the deep-dive prompts (`bot/prompts/deep_dive.*.md`), as the summary prompts are loaded.

Same rules as `bot.summarize.prompts`: `{{name}}` placeholders checked at start-up, editor
comments dropped, the packaged folder or `PROMPTS_DIR` (which must then hold these files too).
The prompt version hashes these files and the deep-dive schema, and keys the deep-dive cache.
"""

from __future__ import annotations

from importlib.resources.abc import Traversable

from bot.deep_dive.schema import deep_dive_json_schema
from bot.models import Paper
from bot.summarize.prompts import (
    PromptError,
    PromptSet,
    load_template,
    packaged_prompts,
    prompt_version,
    source_text,
)

SYSTEM_FILE = "deep_dive.system.md"
USER_FILE = "deep_dive.user.md"


def load_deep_dive_prompts(directory: Traversable | None = None) -> PromptSet:
    """Load the deep-dive prompts from `directory` (default: the packaged ones)."""
    folder = packaged_prompts() if directory is None else directory
    if not folder.is_dir():
        raise PromptError(f"prompt folder {folder} is not a folder")
    system = load_template(folder / SYSTEM_FILE)
    user = load_template(folder / USER_FILE, required=("language", "arxiv_id", "title"))
    files = {name: (folder / name).read_bytes() for name in (SYSTEM_FILE, USER_FILE)}
    return PromptSet(
        system=system, user=user, version=prompt_version(files, deep_dive_json_schema())
    )


def checked_source(paper: Paper) -> str:
    """Return the text a deep dive may quote links and instruction-like words from.

    The paper's metadata as the bot holds it, plus its own arXiv links (a deep dive may
    name the paper's pages; any other link must appear in the metadata).
    """
    return "\n".join([source_text(paper), paper.abs_url, paper.pdf_url, paper.html_url])
