"""Ranking with marks, on the recorded real day 2026-03-10 and a member whose keyword is
`diffusion` (49 matches): marked topics move, the keyword ranking stays first."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.feedback import FeedbackProfile, closeness, rank_with_feedback
from bot.feedback.ranking import feedback_pulls
from bot.matching import match_papers, parse_keywords
from bot.models import Author, Match, Paper
from tests.bot.real_days import real_day

MATCHES = tuple(match_papers(parse_keywords("diffusion"), real_day("2026-03-10")))
HARP = "2603.06696"  # "HARmonizing in-vivo diffusion MRI using Phantom-only training"
VESSELS = (
    "2603.08135"  # "VesselFusion: Diffusion Models for Vessel Centerline Extraction from 3D CT"
)
MEDICAL_SHAPES = "2603.07504"  # "High-Fidelity Medical Shape Generation via ... Diffusion"
MEDICAL_SEGMENTATION = "2603.07889"  # "... Diffusion for Medical Image Segmentation"
REVIVAL = "2603.06640"  # "Roots Beneath the Cut: ... Concept Revival in Pruning-Based Unlearning"
ERASURE = "2603.08271"  # "Prototype-Guided Concept Erasure in Diffusion Models"


def split(
    less: frozenset[str] = frozenset(), more: frozenset[str] = frozenset()
) -> tuple[list[Match], FeedbackProfile]:
    """Return the day's other matches and a profile marking `less` and `more` (earlier papers)."""
    candidates = [m for m in MATCHES if m.paper.base_id not in less | more]
    profile = FeedbackProfile(
        more=tuple(m for m in MATCHES if m.paper.base_id in more),
        less=tuple(m for m in MATCHES if m.paper.base_id in less),
    )
    return candidates, profile


def ids(matches: list[Match]) -> list[str]:
    return [match.paper.base_id for match in matches]


def test_without_marks_the_digest_keeps_the_keyword_ranking() -> None:
    candidates, _ = split()
    assert rank_with_feedback(candidates, FeedbackProfile()) == sorted(
        candidates, key=lambda m: m.rank_key
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 400)),
        min_size=1,
        max_size=30,
    )
)
def test_without_marks_any_matches_keep_the_keyword_ranking(
    shapes: list[tuple[int, int, int]],
) -> None:
    papers = real_day("2026-02-03")
    candidates = [
        Match(
            papers[i % len(papers)], tuple(f"k{n}" for n in range(count)), min(hits, count), order
        )
        for i, (count, hits, order) in enumerate(shapes)
    ]
    ranked = rank_with_feedback(candidates, FeedbackProfile())
    assert [m.rank_key for m in ranked] == sorted(m.rank_key for m in candidates)


def test_papers_like_those_marked_not_interested_sink_to_the_end_of_their_level() -> None:
    candidates, profile = split(less=frozenset({HARP, VESSELS}))
    ranked = ids(rank_with_feedback(candidates, profile))
    in_title = [m.paper.base_id for m in candidates if m.title_hits]
    # The two medical papers with "diffusion" in the title were in the middle; now they end
    # that group, and they are the two papers the marks pull down most.
    assert {
        ids(candidates).index(MEDICAL_SHAPES),
        ids(candidates).index(MEDICAL_SEGMENTATION),
    } < set(range(len(in_title) - 2))
    assert set(ranked[len(in_title) - 2 : len(in_title)]) == {MEDICAL_SHAPES, MEDICAL_SEGMENTATION}
    pulls = dict(zip(ids(candidates), feedback_pulls(candidates, profile), strict=True))
    assert set(sorted(pulls, key=pulls.__getitem__)[:2]) == {MEDICAL_SHAPES, MEDICAL_SEGMENTATION}
    # The keyword ranking still comes first: title matches before abstract-only ones.
    assert set(ranked[: len(in_title)]) == set(in_title)


def test_more_like_this_brings_the_closest_paper_to_the_top() -> None:
    candidates, profile = split(more=frozenset({REVIVAL}))
    assert ids(candidates).index(ERASURE) > 10
    assert ids(rank_with_feedback(candidates, profile))[0] == ERASURE


def test_papers_no_closer_than_typical_keep_their_order() -> None:
    candidates, profile = split(less=frozenset({HARP, VESSELS}))
    still = {
        c.paper.base_id
        for c, pull in zip(candidates, feedback_pulls(candidates, profile), strict=True)
        if pull == 0
    }
    assert len(still) >= len(candidates) // 2  # the median and below do not move
    before = [i for i in ids(sorted(candidates, key=lambda m: m.rank_key)) if i in still]
    after = [i for i in ids(rank_with_feedback(candidates, profile)) if i in still]
    assert after == before


def test_a_near_copy_of_a_paper_marked_not_interested_falls_below_a_keyword_level() -> None:
    marked = next(m for m in MATCHES if m.paper.base_id == HARP)
    copy = Match(
        dataclasses.replace(marked.paper, base_id="2603.99999", title=marked.paper.title + " II"),
        keywords=("diffusion", "mri"),
        title_hits=2,
        order=0,
    )
    candidates = [copy, *(m for m in MATCHES if m.paper.base_id != HARP)]
    ranked = rank_with_feedback(candidates, FeedbackProfile(less=(marked,)))
    one_keyword_in_title = [m for m in ranked if m.title_hits == 1]
    assert ranked.index(copy) > ranked.index(one_keyword_in_title[0])
    assert ranked[0] is not copy


def test_closeness_is_one_for_the_same_paper_and_symmetric() -> None:
    first, second = MATCHES[0], MATCHES[1]
    assert (
        closeness(
            first, dataclasses.replace(first, paper=dataclasses.replace(first.paper, version=2))
        )
        == 1.0
    )
    assert closeness(first, second) == closeness(second, first)
    assert 0.0 <= closeness(first, second) < 1.0


def test_a_shared_author_makes_papers_closer_however_the_name_is_written() -> None:
    def paper(number: int, author: str) -> Match:
        text = Paper(
            f"2604.0000{number}",
            1,
            f"Topic {number}",
            f"Words {number}.",
            authors=(Author(author), Author(f"Other{number} Person")),
        )
        return Match(text)

    apart = closeness(paper(1, "Yoshua Bengio"), paper(2, "Ada Lovelace"))
    together = closeness(paper(1, "Yoshua Bengio"), paper(2, "Y. Bengio"))
    assert together > apart
