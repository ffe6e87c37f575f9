"""Deep dives: a full-text reading of one paper version, from its PDF, in a language.

The rest of the app uses `DeepDiver` (service.py), built in `main()` from the database, the
same `ClaudeClient` as summaries (or None without an API key), the settings and
`load_deep_dive_prompts()`.
"""

from bot.deep_dive.model import DeepDive, DeepDiveOutcome, KeyNumber
from bot.deep_dive.prompts import load_deep_dive_prompts
from bot.deep_dive.service import DeepDiver

__all__ = [
    "DeepDive",
    "DeepDiveOutcome",
    "DeepDiver",
    "KeyNumber",
    "load_deep_dive_prompts",
]
