"""Feedback on delivered papers: "More like this" / "Not interested" marks that rank a member's
personal digest, and per-channel button tallies.

The rest of the app uses `Feedback` (service.py), built in `main()` from the database; the
ranking itself is the pure `rank_with_feedback` (ranking.py).
"""

from bot.feedback.ranking import FeedbackProfile, closeness, rank_with_feedback
from bot.feedback.service import ActionTally, Feedback, profile_of
from bot.store.feedback import MarkChange, MarkedPaper, Verdict

__all__ = [
    "ActionTally",
    "Feedback",
    "FeedbackProfile",
    "MarkChange",
    "MarkedPaper",
    "Verdict",
    "closeness",
    "profile_of",
    "rank_with_feedback",
]
