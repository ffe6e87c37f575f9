"""The buttons and menus of a message, as the JSON Discord takes (`components`).

A digest message carries its papers' actions (README, "Acting on papers"): a message of one
paper has one button per action; a message of several has a "Choose a paper" menu whose
answer shows that paper's details with the other buttons (five buttons per paper would not
fit Discord's 5 rows of 5). The first message of a post that shows fewer papers than matched
has a "Show all N" button. Every custom id carries what it needs to act after a restart
(`bot.paper_actions`), so these are plain JSON stored in the outbox with the message.

Discord's limits, checked by the fake Discord and the property tests: at most 5 action rows,
each with up to 5 buttons or one select menu; custom ids up to 100 characters and unique in a
message; button labels up to 80; a select's placeholder up to 150, 1 to 25 options, each
with a label, value and description of up to 100 characters, values unique
(https://discord.com/developers/docs/components/reference). Payloads stay JSON from the pass
to the outbox to Discord (bot/discord_sender.py sends them as they are).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from bot.models import Paper
from bot.paper_actions import (
    CHOOSE_CUSTOM_ID,
    PaperAction,
    PaperRef,
    custom_id,
    parse_list_page,
    saved_page_custom_id,
)
from bot.render.text import plain_line, truncate

JSON = dict[str, Any]

ACTION_ROW: Final = 1
BUTTON: Final = 2
STRING_SELECT: Final = 3
# Button styles (https://discord.com/developers/docs/components/reference#button-button-styles).
PRIMARY: Final = 1
SECONDARY: Final = 2

ROWS_MAX: Final = 5
BUTTONS_PER_ROW_MAX: Final = 5
LABEL_MAX: Final = 80
OPTIONS_MAX: Final = 25
OPTION_TEXT_MAX: Final = 100
PLACEHOLDER_MAX: Final = 150

BUTTON_LABELS: Final = {
    PaperAction.DETAILS: "Details",
    PaperAction.DEEP_DIVE: "Deep dive",
    PaperAction.SAVE: "Save",
    PaperAction.NOT_INTERESTED: "Not interested",
    PaperAction.MORE_LIKE_THIS: "More like this",
}
CHOOSE_PLACEHOLDER: Final = "Choose a paper: details, deep dive, save, feedback"


def ref_of(paper: Paper) -> PaperRef:
    """Return the version of `paper` a button names."""
    return PaperRef(paper.base_id, paper.version)


def paper_buttons(paper: Paper, *, details: bool = True) -> JSON:
    """Return one row with a button per action on `paper` (without Details if `details` is off).

    Details is left out where the message already shows the whole summary.
    """
    ref = ref_of(paper)
    actions = [a for a in PaperAction if details or a is not PaperAction.DETAILS]
    return _row(*(_button(BUTTON_LABELS[a], custom_id(a, ref)) for a in actions))


def choose_menu(papers: Sequence[Paper], *, start: int = 1) -> JSON:
    """Return one row holding the "Choose a paper" menu for `papers` (at most 25).

    Each option is numbered from `start` in the order the papers are shown, with the title
    as its label and the first author beneath it.
    """
    if not 1 <= len(papers) <= OPTIONS_MAX:
        raise ValueError(f"a menu holds 1 to {OPTIONS_MAX} papers, not {len(papers)}")
    options = [_option(paper, number) for number, paper in enumerate(papers, start=start)]
    menu: JSON = {
        "type": STRING_SELECT,
        "custom_id": CHOOSE_CUSTOM_ID,
        "placeholder": CHOOSE_PLACEHOLDER,
        "min_values": 1,
        "max_values": 1,
        "options": options,
    }
    return _row(menu)


def paper_actions(papers: Sequence[Paper], *, details: bool = True) -> list[JSON]:
    """Return the rows that let a reader act on each of a message's papers (none: no rows)."""
    if not papers:
        return []
    if len(papers) == 1:
        return [paper_buttons(papers[0], details=details)]
    return [choose_menu(papers)]


def show_all_button(action_id: str, count: int) -> JSON:
    """Return the row of a post's first message with its "Show all N" button."""
    return _row(_button(f"Show all {count:,}", action_id, style=PRIMARY))


def is_show_all_row(row: JSON) -> bool:
    """Return whether an action row is a post's "Show all N" button."""
    return any(
        parse_list_page(str(item.get("custom_id", ""))) is not None
        for item in row.get("components", ())
    )


def page_buttons(previous_id: str | None, next_id: str | None, where: str) -> JSON | None:
    """Return a row of "Previous" and "Next" page buttons (None when there is only one page).

    A button with nowhere to go is disabled (its id must still be unique, so it gets `where`).
    """
    if previous_id is None and next_id is None:
        return None
    return _row(
        _button("Previous", previous_id or f"{where}:first", disabled=previous_id is None),
        _button("Next", next_id or f"{where}:last", disabled=next_id is None),
    )


def saved_page_buttons(number: int, pages: int) -> JSON | None:
    """Return the page buttons of `/saved list` page `number` of `pages`."""
    return page_buttons(
        saved_page_custom_id(number - 1) if number > 1 else None,
        saved_page_custom_id(number + 1) if number < pages else None,
        "saved:page",
    )


def _option(paper: Paper, number: int) -> JSON:
    """Return one menu option: "3. Title" over "First Author et al.", valued by the version."""
    title = plain_line(paper.title) or f"arXiv:{paper.versioned_id}"
    option: JSON = {
        "label": truncate(f"{number}. {title}", OPTION_TEXT_MAX),
        "value": str(ref_of(paper)),
    }
    names = [n for n in (plain_line(a.name) for a in paper.authors[:1]) if n]
    if names:
        more = " et al." if len(paper.authors) > 1 else ""
        option["description"] = truncate(names[0], OPTION_TEXT_MAX - len(more)) + more
    return option


def _button(label: str, action_id: str, *, style: int = SECONDARY, disabled: bool = False) -> JSON:
    """Return one button that sends `action_id` when clicked."""
    button: JSON = {
        "type": BUTTON,
        "style": style,
        "label": truncate(label, LABEL_MAX),
        "custom_id": action_id,
    }
    if disabled:
        button["disabled"] = True
    return button


def _row(*components: JSON) -> JSON:
    """Return an action row holding `components`."""
    return {"type": ACTION_ROW, "components": list(components)}
