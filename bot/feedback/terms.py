"""Title and abstract terms, weighted by TF-IDF, for telling how close two papers' texts are.

Plain TF-IDF with no model to download (README, "Feedback that ranks"): a paper's terms are
its words minus common English and paper boilerplate words, folded to lower case and
singular, the title's counted twice (a title is the paper's densest description). Weights
are sublinear term frequency times smoothed inverse document frequency over the papers being
compared, each vector scaled to length 1, so closeness is a cosine between 0 and 1.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence

from bot.models import Paper

Vector = Mapping[str, float]

_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_WORD = re.compile(r"[^\W_]+")
_MIN_LENGTH = 3
# Common English words and the boilerplate of abstracts: they say nothing about the topic.
_STOPWORD_TEXT = """
about above across after again against all also although among and any are around based
be because been before being below between both but can could did does doing done during
each either even every few for from further had has have having here how however into its
itself just large less like made make makes many may more most much must new not novel now
off often once one only onto other our out over own paper per propose proposed provide
provides same several should show shows since some such than that the their them then there
these they this those three through thus two under until upon use used uses using very via
was way well were what when where whether which while who whose why will with within
without would yet approach approaches method methods results result task tasks work study
first second existing recent recently significant significantly state art
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def terms(paper: Paper) -> Counter[str]:
    """Return the term counts of a paper's title (counted twice) and abstract."""
    return Counter(_terms(paper.title, paper.abstract))


# The same papers are ranked for every member who gets them, and marked papers come back
# every day: remember the terms of recent texts (a copy is returned, the cache stays intact).
@functools.lru_cache(maxsize=4_096)
def _terms(title: str, abstract: str) -> Counter[str]:
    counts = Counter(_words(title))
    counts.update(counts)  # the title again
    counts.update(_words(abstract))
    return counts


def tfidf_vectors(
    documents: Sequence[Counter[str]], *, keep: int | None = None
) -> list[dict[str, float]]:
    """Return unit-length TF-IDF vectors of `documents`, with IDF over these documents.

    `keep` keeps each document's heaviest terms only (before scaling to length 1): they carry
    most of a cosine, and fewer terms make comparing many papers much cheaper.
    """
    total = len(documents)
    frequency: Counter[str] = Counter()
    for document in documents:
        frequency.update(document.keys())
    idf = {term: math.log((1 + total) / (1 + count)) + 1.0 for term, count in frequency.items()}
    vectors = []
    for document in documents:
        weights = {term: (1.0 + math.log(n)) * idf[term] for term, n in document.items()}
        if keep is not None and len(weights) > keep:
            weights = dict(heapq.nlargest(keep, weights.items(), key=lambda item: item[1]))
        norm = math.sqrt(sum(w * w for w in weights.values()))
        vectors.append({t: w / norm for t, w in weights.items()} if norm else {})
    return vectors


def cosine(a: Vector, b: Vector) -> float:
    """Return the dot product of two unit vectors (their cosine), iterating the shorter."""
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


def _words(text: str) -> list[str]:
    """Return the terms of one text: words of three or more characters, not stopwords."""
    plain = _LATEX_COMMAND.sub(" ", text)
    folded = unicodedata.normalize("NFKC", plain).casefold()
    return [
        _singular(word)
        for word in _WORD.findall(folded)
        if len(word) >= _MIN_LENGTH and word not in _STOPWORDS and not word.isdigit()
    ]


@functools.lru_cache(maxsize=65_536)
def _singular(word: str) -> str:
    """Fold the common English plurals onto the singular ("models", "studies").

    Deliberately crude ("classes" -> "classe"): what matters is that both papers' words fold
    the same way, and most plurals in abstracts are the regular `-s`.
    """
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word
