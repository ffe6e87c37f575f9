"""The sentences people read when they act on papers: buttons, "Show all", `/saved`.

Beside bot/words.py (targets, digests, status), for the per-paper actions of README, "Acting
on papers". Services return types (SaveResult, MarkChange, FallbackReason, ...); the cogs ask
this module how to say them. Titles are shown in bold, escaped by the caller's renderer.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final

from bot.models import FallbackReason
from bot.paper_actions import PaperAction
from bot.saved.export import ExportFormat
from bot.store.feedback import MarkChange
from bot.store.saved import SaveResult
from bot.targets.model import TargetKey, TargetKind

if TYPE_CHECKING:  # types only
    from bot.feedback import ActionTally

NOT_MY_BUTTON: Final = "I do not recognise this button, so I did nothing."
UNKNOWN_PAPER: Final = "I no longer have this paper. /summarize with its arXiv id fetches it again."
LIST_GONE: Final = "This list is no longer available: its digest or subscription was removed."
NO_SAVED: Final = "You have no saved papers yet. Use Save on any paper of a digest."
NOTHING_TO_EXPORT: Final = "You have no saved papers to export yet."
SAVED_TITLE: Final = "Your saved papers"
THREADS_NAME: Final = "Deep dives"
DEEP_DIVE_THREAD_MAX: Final = 100  # Discord's limit on a thread's name


def saved(result: SaveResult, title: str, paper_id: str, limit: int) -> str:
    """Answer a click on Save."""
    if result is SaveResult.ADDED:
        return (
            f"Saved **{title}** (arXiv:{paper_id}). /saved list shows your saved papers;"
            " /saved export makes a BibTeX, RIS or CSV file of them."
        )
    if result is SaveResult.ALREADY_SAVED:
        return f"**{title}** is already in your saved papers."
    if result is SaveResult.FULL:
        return f"You have {limit:,} saved papers, the most I keep; remove some with /saved remove."
    return UNKNOWN_PAPER


def marked(change: MarkChange, action: PaperAction, title: str) -> str:
    """Answer a click on "More like this" or "Not interested"."""
    if change is MarkChange.UNKNOWN_PAPER:
        return UNKNOWN_PAPER
    if change is MarkChange.UNDONE:
        return f"Removed your mark on **{title}**."
    if action is PaperAction.MORE_LIKE_THIS:
        how = "Noted: more like this. Papers close to"
        where = "rank higher"
    else:
        how = "Noted: not interested. Papers close to"
        where = "rank lower"
    return (
        f"{how} **{title}** will {where} in your personal digest (/subscribe). Click the"
        " same button again to undo."
    )


_DEEP_DIVE_FAILURES: Final = {
    FallbackReason.NO_API_KEY: "deep dives need Claude, and this bot has no Anthropic API key",
    FallbackReason.BUDGET: "the Claude budget for today or this month is spent",
    FallbackReason.TIMEOUT: "Claude did not finish reading in time; try again in a few minutes",
    FallbackReason.OVERLOADED: "Claude is overloaded; try again in a few minutes",
    FallbackReason.RATE_LIMITED: "Claude is busy; try again in a few minutes",
    FallbackReason.API_ERROR: (
        "Claude could not read the PDF (the API takes at most 100 pages and 32 MB) or failed;"
        " try again later"
    ),
    FallbackReason.INVALID_OUTPUT: "Claude's reading did not pass my checks; try again later",
    FallbackReason.INVALID_ANSWER: "the answer from the Claude API was unusable; try again later",
}


def deep_dive_failed(reason: FallbackReason, title: str) -> str:
    """Say plainly why there is no deep dive of a paper."""
    why = _DEEP_DIVE_FAILURES.get(reason, str(reason))
    return f"No deep dive of **{title}**: {why}."


def deep_dive_posted(thread_id: int) -> str:
    """Tell the member where the deep dive went."""
    return f"Deep dive posted in <#{thread_id}>."


DEEP_DIVE_HERE_ONLY: Final = "I cannot start a thread here, so this deep dive is shown only to you."


def deep_dive_thread_name(title: str | None) -> str:
    """Name the thread of deep dives under a message: after its paper, if it has one."""
    if not title:
        return THREADS_NAME
    name = f"Deep dive: {title}"
    return name if len(name) <= DEEP_DIVE_THREAD_MAX else name[: DEEP_DIVE_THREAD_MAX - 1] + "…"


def others_title(categories: tuple[str, ...], date: dt.date) -> str:
    """Title a page of a post's other papers."""
    where = f" in {', '.join(categories)}" if categories else ""
    return f"More papers that matched{where} on {date.isoformat()}"


def others_intro(matched: int, total: int, number: int, pages: int) -> str:
    """Say what a page of a post's other papers is."""
    posted = max(matched - total, 0)
    head = f"{matched:,} matched; {posted:,} were posted, these are the other {total:,}."
    return head if pages == 1 else f"{head} Page {number} of {pages}."


def list_belongs_elsewhere(target: TargetKey) -> str:
    """Refuse a list shown outside its channel or to someone else than its member."""
    if target.kind is TargetKind.CHANNEL:
        return f"This list belongs to the digest of <#{target.id}>: open it there."
    return "This list belongs to someone else's personal digest."


def saved_intro(total: int, number: int, pages: int) -> str:
    """Say what a page of `/saved list` is."""
    head = f"{total:,} saved paper{'' if total == 1 else 's'}, newest first."
    return head if pages == 1 else f"{head} Page {number} of {pages}."


def saved_on(moment: dt.datetime) -> str:
    """Say when a paper was saved."""
    return f"saved {moment.date().isoformat()}"


def removed(paper: str, was_saved: bool) -> str:
    """Answer `/saved remove`."""
    if was_saved:
        return f"Removed {paper} from your saved papers."
    return f"{paper} is not in your saved papers."


_FORMATS: Final = {ExportFormat.BIBTEX: "BibTeX", ExportFormat.RIS: "RIS", ExportFormat.CSV: "CSV"}


def exported(count: int, fmt: ExportFormat) -> str:
    """Introduce the file of `/saved export`."""
    papers = "paper" if count == 1 else "papers"
    return f"Your {count:,} saved {papers} as {_FORMATS[fmt]}."


_TALLY_ORDER: Final = (
    PaperAction.DETAILS,
    PaperAction.DEEP_DIVE,
    PaperAction.SAVE,
    PaperAction.MORE_LIKE_THIS,
    PaperAction.NOT_INTERESTED,
)
_TALLY_NAMES: Final = {
    PaperAction.DETAILS: "Details",
    PaperAction.DEEP_DIVE: "Deep dive",
    PaperAction.SAVE: "Save",
    PaperAction.MORE_LIKE_THIS: "More like this",
    PaperAction.NOT_INTERESTED: "Not interested",
}


def tally(counts: ActionTally) -> str:
    """Return a channel's button tally for `/digest show`: members per button."""
    parts = [f"{_TALLY_NAMES[action]} {counts[action]:,}" for action in _TALLY_ORDER]
    return "buttons used (members): " + " · ".join(parts)
