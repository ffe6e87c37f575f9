"""The actions a member can take on a delivered paper, and the component ids that carry them.

Every delivered paper has the same buttons: Details, Deep dive, Save, Not interested and More
like this (README, "Acting on papers"). A button must keep working after a restart, so its
Discord `custom_id` carries everything needed to act: the action and the paper version, as
`paper:<action>:<id>v<version>` (e.g. `paper:save:2604.01234v2`, `paper:less:hep-th/9901001v1`).
Discord caps a custom id at 100 characters
(https://discord.com/developers/docs/interactions/message-components#custom-id); the longest
id here, an old-style id with a four-digit version, stays well below.

A custom id arrives from outside, so `parse_custom_id` checks it as strictly as a pasted id
and returns None for anything that is not one of ours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from bot.errors import InvalidArxivIdError
from bot.ids import parse_arxiv_id
from bot.targets.model import TargetKey, TargetKind

CUSTOM_ID_PREFIX = "paper"
CUSTOM_ID_MAX = 100


class PaperAction(StrEnum):
    """What a button on a delivered paper does (the value is stored and put in custom ids)."""

    DETAILS = "details"
    DEEP_DIVE = "deep-dive"
    SAVE = "save"
    NOT_INTERESTED = "less"
    MORE_LIKE_THIS = "more"

    @property
    def is_feedback(self) -> bool:
        """Say whether the action is a ranking mark ("Not interested", "More like this")."""
        return self in (PaperAction.NOT_INTERESTED, PaperAction.MORE_LIKE_THIS)


@dataclass(frozen=True, slots=True)
class PaperRef:
    """One version of one paper, as a button names it."""

    base_id: str
    version: int

    def __str__(self) -> str:
        """Return the id as arXiv writes it, e.g. `2604.01234v2`."""
        return f"{self.base_id}v{self.version}"


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """A click decoded: which action, on which paper version."""

    action: PaperAction
    paper: PaperRef


def custom_id(action: PaperAction, paper: PaperRef) -> str:
    """Return the component custom id for `action` on `paper`."""
    return f"{CUSTOM_ID_PREFIX}:{action.value}:{paper}"


def parse_custom_id(value: str) -> ActionRequest | None:
    """Return the action and paper a custom id names, or None when it is not a paper action.

    Only what `custom_id` writes is accepted: a known action and an arXiv id with a version.
    """
    if len(value) > CUSTOM_ID_MAX:
        return None
    prefix, _, rest = value.partition(":")
    action_text, _, id_text = rest.partition(":")
    if prefix != CUSTOM_ID_PREFIX or not id_text:
        return None
    try:
        action = PaperAction(action_text)
        parsed = parse_arxiv_id(id_text)
    except (ValueError, InvalidArxivIdError):
        return None
    if parsed.version is None or str(parsed) != id_text:
        return None  # a button always names one version, written the way arXiv writes it
    return ActionRequest(action, PaperRef(parsed.base, parsed.version))


# --- the other components: the menu, "Show all" and its pages, pages of saved papers -------

#: The "Choose a paper" menu: its options' values are paper versions (`2604.01234v2`).
CHOOSE_CUSTOM_ID = "paper:choose"
_LIST_PREFIX = "posted"
_SAVED_PREFIX = "saved:page"
#: No list has more pages than this (1,000 saved papers or matches, 10 a page, and margin).
PAGES_MAX = 1_000
# A snowflake fits in 63 bits (https://discord.com/developers/docs/reference#snowflakes).
_ID_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class ListPage:
    """A page of the papers of one post that did not fit it ("Show all N", then its pages)."""

    target: TargetKey
    date: dt.date
    page: int


def parse_choice(value: str) -> PaperRef | None:
    """Return the paper version a "Choose a paper" option names, or None for anything else."""
    # The same strict check as a button's id: an arXiv id with its version, as arXiv writes it.
    request = parse_custom_id(f"{CUSTOM_ID_PREFIX}:{PaperAction.DETAILS.value}:{value}")
    return None if request is None else request.paper


def list_page_custom_id(target: TargetKey, date: dt.date, page: int) -> str:
    """Return the custom id of page `page` of a post's other papers, e.g.
    `posted:channel:123:2026-04-28:1` ("Show all N" is page 1)."""
    return f"{_LIST_PREFIX}:{target.kind}:{target.id}:{date.isoformat()}:{page}"


def parse_list_page(value: str) -> ListPage | None:
    """Return the page a "Show all" or page button names, or None when it is not one."""
    parts = value.split(":")
    if len(parts) != 5 or parts[0] != _LIST_PREFIX or len(value) > CUSTOM_ID_MAX:
        return None
    _, kind_text, id_text, date_text, page_text = parts
    try:
        kind = TargetKind(kind_text)
        date = dt.date.fromisoformat(date_text)
    except ValueError:
        return None
    target_id, page = _number(id_text, _ID_MAX), _number(page_text, PAGES_MAX)
    if target_id is None or page is None or page < 1 or date.isoformat() != date_text:
        return None
    return ListPage(TargetKey(kind, target_id), date, page)


def saved_page_custom_id(page: int) -> str:
    """Return the custom id of a page button of `/saved list`, e.g. `saved:page:2`."""
    return f"{_SAVED_PREFIX}:{page}"


def parse_saved_page(value: str) -> int | None:
    """Return the page a `/saved list` page button names, or None when it is not one."""
    prefix, _, page_text = value.rpartition(":")
    page = _number(page_text, PAGES_MAX) if prefix == _SAVED_PREFIX else None
    return page if page is not None and page >= 1 else None


def _number(text: str, highest: int) -> int | None:
    """Return `text` as a whole number from 0 to `highest` written plainly, else None."""
    if not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        return None
    value = int(text)
    return value if value <= highest else None
