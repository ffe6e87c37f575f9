"""`Matcher.best`: each target's best few matches and a count, as `match` ranks them.

A pass over many targets keeps only what each target can receive (docs/behaviour.md,
"Matching"); what it keeps must be exactly the head of the full ranking of the papers that
target may get, and its count exactly how many of those it matched.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching import Best, Matcher, Wanted, parse_keywords
from bot.models import Match
from tests.bot.real_days import real_day

PAPERS = real_day("2026-03-10")
# Keyword lists people type: single and several keywords, title-heavy ones (`llm`), ones
# that hit nothing, exclusions, an `au:` name, and a list of only exclusions (every paper).
QUERIES = {
    "llm": parse_keywords(["llm"]),
    "agents": parse_keywords(["agent", "reinforcement learning", "reward model"]),
    "vision": parse_keywords(["vision transformer", "diffusion", "-survey"]),
    "nothing": parse_keywords(["speculative decoding of zebras"]),
    "author": parse_keywords(["au:Wang", "graph neural network"]),
    "all but surveys": parse_keywords(["-survey"]),
}
MATCHER = Matcher(QUERIES)
FULL = MATCHER.match(PAPERS)


def _expected(full: list[Match], wanted: Wanted) -> Best:
    """Return the head of the full ranking among the papers `wanted` allows, and its size."""
    allowed = [m for m in full if wanted.among is None or m.paper.base_id in wanted.among]
    return Best(tuple(allowed if wanted.limit is None else allowed[: wanted.limit]), len(allowed))


@settings(max_examples=40, deadline=None)
@given(
    limits=st.lists(st.one_of(st.none(), st.integers(1, 40)), min_size=6, max_size=6),
    seed=st.integers(0, 2**32),
    shares=st.lists(st.sampled_from([None, 0.0, 0.3, 0.9]), min_size=6, max_size=6),
)
def test_best_is_the_head_of_the_ranking_among_the_papers_a_target_may_get(
    limits: list[int | None], seed: int, shares: list[float | None]
) -> None:
    """Any limit, any subset of papers: the best are what `match` ranks first, counted in full."""
    rng = random.Random(seed)
    wanted = {}
    for key, limit, share in zip(QUERIES, limits, shares, strict=True):
        among = None
        if share is not None:
            among = frozenset(p.base_id for p in PAPERS if rng.random() < share)
        wanted[key] = Wanted(limit, among)

    best = MATCHER.best(PAPERS, wanted)

    for key in QUERIES:
        assert best[key] == _expected(FULL[key], wanted[key]), key


def test_a_target_without_wishes_gets_every_match() -> None:
    """A target left out of `wanted` gets all its matches, as `match` gives them."""
    best = MATCHER.best(PAPERS, {"llm": Wanted(limit=3)})

    assert [len(best["llm"].matches), best["llm"].count] == [3, len(FULL["llm"])]
    assert best["agents"] == Best(tuple(FULL["agents"]), len(FULL["agents"]))
    assert best["all but surveys"].count == len(FULL["all but surveys"]) > len(PAPERS) // 2


def test_the_best_of_a_popular_keyword_lead_with_title_hits_and_keep_announcement_order() -> None:
    """Ten of the hundreds that `llm` matches: those with it in the title, first announced first."""
    best = MATCHER.best(PAPERS, {"llm": Wanted(limit=10)})["llm"]

    assert best.count > 100
    assert [m.title_hits for m in best.matches] == [1] * 10
    orders = [m.order for m in best.matches]
    assert orders == sorted(orders)


def test_the_matchers_matches_are_ordinary_frozen_matches() -> None:
    """The Matcher builds its Matches without `Match.__init__` (speed): they must not differ."""
    found = FULL["agents"]
    rebuilt = [Match(m.paper, m.keywords, m.title_hits, m.order) for m in found]
    assert found and found == rebuilt
    assert {hash(m) for m in found} == {hash(m) for m in rebuilt}
    assert [repr(m) for m in found] == [repr(m) for m in rebuilt]
    assert any(m.title_hits for m in found) and any(len(m.keywords) > 1 for m in found)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found[0].order = 1  # type: ignore[misc]
