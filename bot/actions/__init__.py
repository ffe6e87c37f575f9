"""What members do with delivered papers: the per-paper buttons and "Show all N".

- `service`: details (from the cache), deep dive, save, "More like this" / "Not interested",
  each for the paper version a button names, in the language of the place clicked;
- `others`: the papers of a post that did not fit it, page by page.

The button ids are `bot.paper_actions`'s; the Discord side is cogs/papers.py, the messages
bot/render/replies.py.
"""

from bot.actions.others import PAGE_SIZE, OtherPapers, OthersPage, may_see
from bot.actions.service import DeepDiveAnswer, PaperActions, Place

__all__ = [
    "PAGE_SIZE",
    "DeepDiveAnswer",
    "OtherPapers",
    "OthersPage",
    "PaperActions",
    "Place",
    "may_see",
]
