"""Rank a member's matches by their marks: near "More like this" up, near "Not interested" down.

The keyword ranking stays the first signal (README, "Feedback that ranks"). A match scores
its number of matched keywords, plus up to half a point for keywords in the title: sorted by
score and then announcement order, that is exactly `Match.rank_key`'s order. Marks add
`FEEDBACK_WEIGHT` times the match's pull: how much closer than the typical match it is to
the nearest paper marked "More like this", minus the same for "Not interested". Without
marks, and among papers no closer than typical to any marked one, the order is the keyword
ranking unchanged; papers close to a marked one move within their keyword level, and a
near-copy of a paper marked "Not interested" falls below papers that matched one keyword
fewer.

Closeness of two papers is a weighted sum of four similarities, each between 0 and 1: their
title and abstract terms (TF-IDF cosine, `terms.py`), their authors, the member's keywords
they both match, and their categories (set cosines). The same paper (another version) is
closeness 1.
"""

from __future__ import annotations

import math
import statistics
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.feedback.terms import Vector, terms, tfidf_vectors
from bot.models import Match

# The weights of the four similarities; they add up to 1, so closeness is between 0 and 1.
TEXT_WEIGHT = 0.55
AUTHOR_WEIGHT = 0.2
KEYWORD_WEIGHT = 0.15
CATEGORY_WEIGHT = 0.1
# What a pull of 1 is worth in matched keywords. Pulls are small for papers that are merely
# on the same topic (0.02 to 0.1 on the recorded real days) and near 0.5 for a near-copy,
# so only a near-copy crosses a keyword level (tests/bot/feedback/test_ranking.py).
FEEDBACK_WEIGHT = 3.0
# Terms kept per paper: the heaviest forty carry most of a cosine between abstracts.
TERMS_KEPT = 40
TITLE_BONUS = 0.5


@dataclass(frozen=True, slots=True)
class FeedbackProfile:
    """A member's marked papers, each as a Match holding the member's keywords it matches."""

    more: tuple[Match, ...] = ()
    less: tuple[Match, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Say whether the member has marked nothing."""
        return not self.more and not self.less


@dataclass(frozen=True, slots=True)
class _Features:
    """What closeness compares for one paper."""

    base_id: str
    text: Vector
    authors: frozenset[str]
    keywords: frozenset[str]
    categories: frozenset[str]


def keyword_score(match: Match) -> float:
    """Return the keyword ranking as a number: keywords matched, plus a title bonus below 1."""
    count = len(match.keywords)
    in_title = min(match.title_hits, count) / count if count else 0.0
    return count + TITLE_BONUS * in_title


def rank_with_feedback(candidates: Sequence[Match], profile: FeedbackProfile) -> list[Match]:
    """Return `candidates` best first: the keyword ranking, moved by the member's marks."""
    if profile.is_empty or not candidates:
        return sorted(candidates, key=lambda match: match.rank_key)
    pulls = feedback_pulls(candidates, profile)
    scored = [
        (-(keyword_score(match) + FEEDBACK_WEIGHT * pull), match.order, index)
        for index, (match, pull) in enumerate(zip(candidates, pulls, strict=True))
    ]
    return [candidates[index] for _, _, index in sorted(scored)]


def feedback_pulls(candidates: Sequence[Match], profile: FeedbackProfile) -> list[float]:
    """Return each candidate's pull: how much closer than typical it is to a "more" paper,
    minus how much closer than typical to a "less" paper.

    "Typical" is the median over the candidates: a member's matches share keywords and
    categories with every marked paper, so some closeness is common to all of them and
    says nothing; only closeness beyond it moves a paper.
    """
    everything = [*candidates, *profile.more, *profile.less]
    vectors = tfidf_vectors([terms(match.paper) for match in everything], keep=TERMS_KEPT)
    features = [_features(match, vector) for match, vector in zip(everything, vectors, strict=True)]
    marked = _MarkedIndex(features[len(candidates) :])
    split = len(profile.more)
    nearest_more, nearest_less = [], []
    for paper in features[: len(candidates)]:
        scores = marked.closeness_to(paper)
        nearest_more.append(max(scores[:split], default=0.0))
        nearest_less.append(max(scores[split:], default=0.0))
    up = _excess(nearest_more) if profile.more else [0.0] * len(candidates)
    down = _excess(nearest_less) if profile.less else [0.0] * len(candidates)
    return [a - b for a, b in zip(up, down, strict=True)]


def closeness(a: Match, b: Match) -> float:
    """Return how close two papers are, between 0 and 1 (TF-IDF over just these two)."""
    vectors = tfidf_vectors([terms(a.paper), terms(b.paper)], keep=TERMS_KEPT)
    return _MarkedIndex([_features(b, vectors[1])]).closeness_to(_features(a, vectors[0]))[0]


def _excess(values: list[float]) -> list[float]:
    """Return how far each value is above the median of all of them (0 when below)."""
    typical = statistics.median(values)
    return [max(0.0, value - typical) for value in values]


class _MarkedIndex:
    """The marked papers, indexed by term, author, keyword and category.

    A candidate is compared with all marked papers at once by walking its own terms, names,
    keywords and categories: only papers sharing something get work, which is what keeps a
    digest of hundreds of papers against hundreds of marks fast
    (benchmarks/feedback_benchmark.py).
    """

    def __init__(self, marked: Sequence[_Features]) -> None:
        self._count = len(marked)
        self._text: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self._authors = _SetIndex(AUTHOR_WEIGHT, [paper.authors for paper in marked])
        self._keywords = _SetIndex(KEYWORD_WEIGHT, [paper.keywords for paper in marked])
        self._categories = _SetIndex(CATEGORY_WEIGHT, [paper.categories for paper in marked])
        self._same: dict[str, list[int]] = defaultdict(list)
        for j, paper in enumerate(marked):
            for term, weight in paper.text.items():
                self._text[term].append((j, weight))
            self._same[paper.base_id].append(j)

    def closeness_to(self, paper: _Features) -> list[float]:
        """Return the closeness of `paper` to each marked paper, in the marked order."""
        scores = [0.0] * self._count
        for term, weight in paper.text.items():
            for j, other in self._text.get(term, ()):
                scores[j] += TEXT_WEIGHT * weight * other
        self._authors.add_scores(paper.authors, scores)
        self._keywords.add_scores(paper.keywords, scores)
        self._categories.add_scores(paper.categories, scores)
        for j in self._same.get(paper.base_id, ()):
            scores[j] = 1.0  # another version of the same paper
        return scores


class _SetIndex:
    """One set-valued feature of the marked papers (authors, say), for set cosines."""

    def __init__(self, weight: float, sets: Sequence[frozenset[str]]) -> None:
        self._weight = weight
        self._sizes = [len(items) for items in sets]
        self._postings: dict[str, list[int]] = defaultdict(list)
        for j, items in enumerate(sets):
            for item in items:
                self._postings[item].append(j)

    def add_scores(self, own: frozenset[str], scores: list[float]) -> None:
        """Add `weight * |own ∩ theirs| / sqrt(|own| |theirs|)` to each marked paper's score."""
        shared = Counter(j for item in own for j in self._postings.get(item, ()))
        for j, count in shared.items():
            scores[j] += self._weight * count / math.sqrt(len(own) * self._sizes[j])


def _features(match: Match, text: Vector) -> _Features:
    paper = match.paper
    return _Features(
        base_id=paper.base_id,
        text=text,
        authors=frozenset(filter(None, (_author_key(author.name) for author in paper.authors))),
        keywords=frozenset(keyword.casefold() for keyword in match.keywords),
        categories=frozenset(paper.categories),
    )


def _author_key(name: str) -> str:
    """Return `surname initial` in ASCII, so "Yoshua Bengio" and "Y. Bengio" are one author."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = folded.replace(".", " ").lower().split()
    if not words:
        return ""
    return words[-1] if len(words) == 1 else f"{words[-1]} {words[0][0]}"
