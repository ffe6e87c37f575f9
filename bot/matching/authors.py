"""`au:` keywords: an author by family name, or by given name (or initial) and family name.

Names are compared folded (`au:Muller` = "Müller", `au:Sogaard` = "Søgaard", `au:Russwurm`
= "Rußwurm"; "Mueller" also finds "Müller", the German spelling without umlauts). arXiv
lists names given name first, so an author's family name is the last word, with the words
before it that belong to it by a particle ("Guillermo González de Rivera": González de
Rivera; "Laurens van der Maaten": van der Maaten) and the parts of a hyphenated one
("Hernández-Lobato"). The first word is a given name: `au:Le` finds "Hung Le" and "Long T.
Le", not "Le Yu" nor "Phi Le Nguyen" (whose family name is Nguyen).

- `au:Wang`, `au:van der Maaten`: those words, in order, within the family name; a lone
  particle only as the whole family name (`au:Le` is not "Bertrand Le Saux").
- `au:Y. Bengio`, `au:Yoshua Bengio`: the last word of the family name, and a first given
  name that is the same or that one of the two abbreviates ("Y." and "Yoshua"); middle
  names in between are not compared.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Final

from bot.matching.text import WORD, normalize
from bot.models import Author
from bot.render.latex import readable_text

# Lower-case words that join a family name to the word before them.
_PARTICLES: Final = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "dos", "das", "du", "la",
     "le", "y", "ter", "ten", "zu", "dit", "bin", "ibn", "al", "el"}
)  # fmt: skip
# Words after the family name that are not part of it.
_SUFFIXES: Final = frozenset({"jr", "sr", "ii", "iii", "iv"})
_UMLAUTS: Final = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


class AuthorIndex:
    """The `au:` terms of every target, looked up by the family names of a paper's authors."""

    def __init__(self) -> None:
        # The last word of a family name -> (term id, the query's family-name words, its given
        # name or "").
        self._by_word: defaultdict[str, list[tuple[int, tuple[str, ...], str]]] = defaultdict(list)

    def __bool__(self) -> bool:
        return bool(self._by_word)

    def add(self, term_id: int, tokens: Sequence[str]) -> None:
        """Index an `au:` term by its (folded) words: the last one or more are the family name."""
        words = tuple(tokens)
        given = ""
        if len(words) > 1 and (len(words[0]) == 1 or words[0] not in _PARTICLES):
            # `au:Y. Bengio`, `au:Yoshua Bengio`: a given name first; `au:van der Maaten`: no.
            given, words = words[0], words[1:]
        self._by_word[words[-1]].append((term_id, words, given))

    def scan(self, authors: Iterable[Author]) -> set[int]:
        """Return the ids of the terms that one of `authors` matches."""
        hits: set[int] = set()
        for author in authors:
            for spelling in _spellings(author.name):
                given, family = _split_name(spelling)
                for end, word in enumerate(family, start=1):
                    for term_id, wanted, wanted_given in self._by_word.get(word, ()):
                        if _matches(family, end, wanted, wanted_given, given):
                            hits.add(term_id)
        return hits


def _matches(
    family: tuple[str, ...], end: int, wanted: tuple[str, ...], wanted_given: str, given: str
) -> bool:
    """Return whether a query whose last word is `family[end - 1]` matches this author."""
    if len(wanted) == 1 and wanted[0] in _PARTICLES and end != len(family):
        return False  # `au:Le` is not the "Le" of "Le Saux"
    if wanted_given:
        return _same_given(wanted_given, given)
    return family[max(0, end - len(wanted)) : end] == wanted


@functools.lru_cache(maxsize=16_384)
def _spellings(name: str) -> tuple[str, ...]:
    """Return the folded spellings of `name` ("Müller": muller, mueller) as readers see it."""
    name = readable_text(name)  # the feed's `Andr\\'e` is André
    plain = normalize(name)
    german = normalize(name.translate(_UMLAUTS))
    return (plain,) if german == plain else (plain, german)


@functools.lru_cache(maxsize=16_384)
def _split_name(name: str) -> tuple[str, tuple[str, ...]]:
    """Return (first given name, the words of the family name) of a folded name."""
    words = name.split()
    while len(words) > 1 and words[-1].strip(".,") in _SUFFIXES:
        words.pop()
    if len(words) == 1:
        return "", tuple(WORD.findall(words[0]))
    start = len(words) - 1
    # "González de Rivera": a particle before the last word brings it and the word before it.
    while start > 1 and words[start - 1] in _PARTICLES:
        start -= 1
        if start > 1 and words[start - 1] not in _PARTICLES:
            start -= 1
    given = WORD.findall(words[0])
    family = tuple(part for word in words[start:] for part in WORD.findall(word))
    return (given[0] if given else ""), family


def _same_given(wanted: str, given: str) -> bool:
    """Return whether two first given names agree: equal, or one is the other's initial."""
    if not given:
        return False
    if len(wanted) == 1 or len(given) == 1:
        return wanted[0] == given[0]
    return wanted == given
