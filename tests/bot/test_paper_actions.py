"""Button ids on delivered papers: they name the action and the paper version, and nothing else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.paper_actions import (
    CUSTOM_ID_MAX,
    ActionRequest,
    PaperAction,
    PaperRef,
    custom_id,
    parse_custom_id,
)

IDS = st.sampled_from(["2604.01234", "0706.1234", "hep-th/9901001", "math/0611800", "cs/0501001"])


@given(action=st.sampled_from(PaperAction), base=IDS, version=st.integers(1, 9999))
def test_a_button_id_names_its_action_and_paper_after_a_restart(
    action: PaperAction, base: str, version: int
) -> None:
    paper = PaperRef(base, version)
    value = custom_id(action, paper)
    assert len(value) <= CUSTOM_ID_MAX
    assert parse_custom_id(value) == ActionRequest(action, paper)


def test_the_button_id_reads_as_arxiv_writes_the_paper() -> None:
    assert custom_id(PaperAction.SAVE, PaperRef("2604.01234", 2)) == "paper:save:2604.01234v2"
    assert custom_id(PaperAction.NOT_INTERESTED, PaperRef("hep-th/9901001", 1)) == (
        "paper:less:hep-th/9901001v1"
    )


@pytest.mark.parametrize(
    "value",
    [
        "",
        "paper",
        "paper:save",
        "paper:save:",
        "summary:save:2604.01234v2",  # another feature's component
        "paper:delete:2604.01234v2",  # no such action
        "paper:save:2604.01234",  # no version: a button always names one
        "paper:save:2604.01234v02",
        "paper:save:2604.1234v1",  # not a valid id for 2026
        "paper:save:arXiv:2604.01234v1",  # another spelling than arXiv's
        "paper:save:https://arxiv.org/abs/2604.01234v1",
        "paper:save:2604.01234v1 ",
        "paper:save:" + "9" * 120,
        "paper:save:<@123>",
    ],
)
def test_anything_else_is_not_a_paper_button(value: str) -> None:
    assert parse_custom_id(value) is None


def test_only_the_two_marks_are_feedback() -> None:
    assert {a for a in PaperAction if a.is_feedback} == {
        PaperAction.NOT_INTERESTED,
        PaperAction.MORE_LIKE_THIS,
    }
