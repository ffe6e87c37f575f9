"""The usual forms of a keyword's last word: plural and singular, and its verb forms.

- Singular and plural, both ways: `transformers` = `transformer`, `policies` = `policy`,
  `llm` = "LLMs", `dataset` = "datasets".
- In a compound keyword (two words, or a prefixed word like `pretraining`), the last word's
  verb forms are one: `fine-tuning` = "fine-tuned", "fine-tune", "finetuning"; `pretrained`
  = "pretraining"; `reward model` = "reward modeling". A simple word keeps its own form: its
  other forms are often other meanings (`embedding` is not "embedded", `reasoning` not
  "reason", `planning` not "plan", `clip` not "clipping").
- -ize, -ise, -ization: `quantization` = "quantized", "quantize", "quantisation".

Never another word that shares a stem: no -er, -ic, -al or -ation endings of other words
(`transformer` is not "transform" or "transformation"; `agent` is not "agentic").

Speed: a keyword stores only a few keys (`keys_of`); a text's word is reduced to what it
may be a form of (`plural_bases`, `verb_bases`, `ize_root`) when it is looked up, once per
distinct word of a batch (bot/matching/index.py). Each reduction also says where the ending
starts: a run of text words may split the keyword only before it ("polic ies" is no policy).
"""

from __future__ import annotations

import functools
import re
from typing import Final, NamedTuple

_VOWELS: Final = "aeiou"
_SIBILANT_ENDINGS: Final = ("s", "x", "z", "ch", "sh", "o")
# Words in -s that are no plural: `news` must not match "new".
_NOT_PLURAL: Final = frozenset(
    {
        "news", "series", "species", "lens", "gas", "bus", "bias", "alias", "atlas", "canvas",
        "chaos", "thus", "yes", "was", "has", "does", "always", "perhaps", "across",
        "towards", "whereas", "besides", "sometimes", "nevertheless", "nonetheless",
    }
)  # fmt: skip
_NO_SINGULAR_ENDINGS: Final = ("ss", "us", "is", "ics", "ous", "sis")
# Prefixes that make a verb of their own (`pretrain`, `fine-tune`): its bare form is a verb.
_VERB_PREFIXES: Final = ("pre", "post", "fine", "self", "over", "under", "un", "multi")
_IZE: Final = re.compile(r"(?P<root>[a-z]{3,}?)i[sz](?:e|es|ed|ing|ation|ations)")


class KeywordKeys(NamedTuple):
    """What a keyword's last word is stored under (see the module docstring)."""

    forms: tuple[tuple[str, int, bool], ...]  # (form, its stem's length, may take a plural)
    verb_stems: tuple[str, ...]  # a compound's verb, in each spelling its stem may have
    # (every one is also in `forms`)
    ize_root: str | None  # `quantization`: quant


def is_compound(tokens: tuple[str, ...]) -> bool:
    """Return whether a keyword (its lower-case tokens) is two words or a prefixed verb."""
    if len(tokens) > 1:
        return True
    word = tokens[0]
    return any(word.startswith(p) and len(word) >= len(p) + 3 for p in _VERB_PREFIXES)


@functools.lru_cache(maxsize=65_536)
def keys_of(word: str, compound: bool) -> KeywordKeys:
    """Return the keys a keyword's last word (lower case) is stored under."""
    if not word[-1:].isalpha() or not word.isascii():
        return KeywordKeys(((word, len(word), False),), (), None)  # `c++`, `gpt-4`: as written
    singulars = _singulars(word)
    forms = [(word, len(word), not singulars)]
    forms += [(singular, len(word) - _ending(word, singular), True) for singular in singulars]
    ize = _IZE.fullmatch(word)
    stems = _verb_stems(word) if compound and ize is None and not singulars else ()
    # The bare verb of `fine-tuning` ("fine-tune", "fine-tunes") is a form of its own; its
    # -ing and -ed forms are found from it (index.py).
    forms += [(stem, len(stem), True) for stem in stems if stem != word]
    return KeywordKeys(tuple(forms), stems, ize["root"] if ize else None)


def _ending(word: str, singular: str) -> int:
    """Return how long the plural ending of `word` is, against `singular` (`policies`: 3)."""
    shared = 0
    for a, b in zip(word, singular, strict=False):
        if a != b:
            break
        shared += 1
    return len(word) - shared


def _singulars(word: str) -> list[str]:
    """Return what `word` may be the plural of (`policies`: policy)."""
    if (
        len(word) < 3
        or not word.endswith("s")
        or word in _NOT_PLURAL
        or word.endswith(_NO_SINGULAR_ENDINGS)
    ):
        return []
    found = [word[:-1]]
    if word.endswith("ies") and len(word) > 4:
        found.append(word[:-3] + "y")
    elif word.endswith("es") and word[:-2].endswith(_SIBILANT_ENDINGS):
        found.append(word[:-2])
    return found


def _verb_stems(word: str) -> tuple[str, ...]:
    """Return the spellings of the verb a compound's last word is a form of."""
    if word.endswith("ing") and len(word) >= 5:
        stem = word[:-3]
    elif word.endswith("ed") and len(word) >= 4:
        stem = word[:-2]
    else:
        return (word,)  # `fine-tune`, `kv cache`, `reward model`: the bare verb was typed
    return tuple(_spellings(stem))


def _spellings(stem: str) -> list[str]:
    """Return what a stem cut from -ing/-ed may be (tun: tun, tune; modell: model)."""
    found = [stem] if stem.endswith("e") else [stem, stem + "e"]
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in _VOWELS + "s":
        found.append(stem[:-1])  # planning: plan; modelling: model
    return found


# --- the text side: what a word (a run of words, joined) may be a form of -------------------


def plural_bases(joined: str) -> list[tuple[str, int]]:
    """Return (singular, where the ending starts) for each way `joined` may be a plural."""
    if len(joined) < 2 or joined[-1] != "s":
        return []
    found = [(joined[:-1], len(joined) - 1)]
    if joined.endswith("ies") and len(joined) > 4 and joined[-4] not in _VOWELS:
        found.append((joined[:-3] + "y", len(joined) - 3))
    elif joined.endswith("es") and joined[:-2].endswith(_SIBILANT_ENDINGS):
        found.append((joined[:-2], len(joined) - 2))
    return found


def verb_bases(joined: str) -> list[tuple[str, int]]:
    """Return (verb, where the ending starts) for each way `joined` may be an -ing/-ed form.

    "finetuned": finetun, finetune; "modelling": modell, modelle, model. (The bare verb and
    its -s are stored as words.)
    """
    size = len(joined)
    if joined.endswith("ings"):
        joined, size = joined[:-1], size - 1
    if joined.endswith("ing") and size >= 5:
        return [(stem, size - 3) for stem in _spellings(joined[:-3])]
    if joined.endswith("ed") and size >= 4:
        return [(stem, size - 2) for stem in _spellings(joined[:-2])]
    return []


IZE_ENDINGS: Final = tuple(
    f"i{letter}{ending}"
    for letter in "zs"
    for ending in ("e", "es", "ed", "ing", "ation", "ations")
)
VERB_ENDINGS: Final = ("ed", "ing", "ings")


def ize_root(joined: str) -> tuple[str, int] | None:
    """Return (root, where the ending starts) if `joined` is an -ize/-ization form."""
    found = _IZE.fullmatch(joined)
    return (found["root"], found.end("root")) if found else None


@functools.lru_cache(maxsize=65_536)
def number_forms(word: str) -> frozenset[str]:
    """Return `word` with its singular and plural forms only (the words of a quoted phrase)."""
    if not word[-1:].isalpha() or not word.isascii():
        return frozenset((word,))
    singulars = _singulars(word)
    forms = {word, *singulars}
    for singular in singulars or [word]:
        if singular.endswith("y") and len(singular) > 1 and singular[-2] not in _VOWELS:
            forms.add(singular[:-1] + "ies")
        forms.add(singular + ("es" if singular.endswith(_SIBILANT_ENDINGS[:-1]) else "s"))
    return frozenset(forms)
