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

from dataclasses import dataclass
from enum import StrEnum

from bot.errors import InvalidArxivIdError
from bot.ids import parse_arxiv_id

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
