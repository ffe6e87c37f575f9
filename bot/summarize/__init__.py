"""Claude summaries of papers: prompts, the SDK wrapper, output checks, budget and the service.

The rest of the app uses `Summarizer` (service.py), built in `main()` from the database, a
`ClaudeClient` (claude.py, or None without an API key), the settings and `load_prompts()`.
"""

from bot.summarize.claude import ClaudeClient, open_sdk_client
from bot.summarize.prompts import PromptSet, load_prompts
from bot.summarize.service import (
    InvalidLanguageError,
    Summarizer,
    SummaryOutcome,
    UsageReport,
    normalize_language,
)

__all__ = [
    "ClaudeClient",
    "InvalidLanguageError",
    "PromptSet",
    "Summarizer",
    "SummaryOutcome",
    "UsageReport",
    "load_prompts",
    "normalize_language",
    "open_sdk_client",
]
