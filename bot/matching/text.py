"""Text -> the words a keyword is matched against: folding, tokens, and the names inside tokens.

Matching runs on text as readers see it (`bot.render.latex.readable_text`: invisible
characters removed, LaTeX as Unicode), then:

- accents and special letters are folded (`Müller` -> `Muller`, `Søgaard` -> `Sogaard`,
  `Rußwurm` -> `Russwurm`); case is kept, for keywords that ask for it (`CLIP`);
- a token is a run of letters and digits, or one symbol; spaces and dashes only separate;
- inside a token, the names a reader sees in it (`views`): the name before a version or size
  ("Qwen3", "YOLOv8", "LLaMA2": Qwen, YOLO, LLaMA) and the head and tail of a compound name
  at a camel-case boundary ("GraphRAG": Graph, RAG; "WebAgents": Agents; "QLoRA": LoRA) or,
  for an acronym in capitals, inside a run of capitals ("MLLMs": LLMs; "WGAN": GAN) or
  between lower-case letters ("RoBERTa": BERT). Never inside an ordinary word ("average"
  has no RAG) nor across a camel-case boundary ("LRAgent" is LR + Agent, not RAG).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Final

_DASHES: Final = "-\u2010\u2011\u2012\u2013"  # hyphen-minus, hyphen, non-breaking hyphen, dashes
# A token is a run of letters and digits, or one symbol; spaces and dashes only separate.
# (`++` is possessive: a run of letters never gives any back, so the engine need not remember
# how to: a few percent faster.)
_TOKEN: Final = re.compile(rf"[^\W_]++|[^\s{re.escape(_DASHES)}]")
_ASCII_TOKEN: Final = re.compile(r"[A-Za-z0-9]++|[^\s\-]")  # the same on ASCII text
WORD: Final = re.compile(r"[^\W_]+")
# Unicode's combining diacritical mark blocks: what NFKD splits off accented letters.
_COMBINING: Final = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)
# Letters that NFKD does not split into a plain letter and an accent.
_SPECIAL_LETTERS: Final = str.maketrans(
    {
        "ß": "ss", "ẞ": "SS", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
        "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th",
        "ı": "i", "ŋ": "n", "Ŋ": "N", "ſ": "s", "\u00ad": None,
    }
)  # fmt: skip
_SPECIAL: Final = re.compile("[ßẞøØæÆœŒłŁđĐðÐþÞıŋŊſ\u00ad]")
# A name and its version or size: "Qwen3", "YOLOv8", "GPT4o", "ResNet50".
_VERSIONED: Final = re.compile(r"(.+?[A-Za-z])[vV]?\d\w*")
# Capitals between lower-case letters and the token's last letter: "RoBERTa", "DeBERTa".
_INNER_ACRONYM: Final = re.compile(r"(?<=[a-z])[A-Z]{2,}(?=[a-z]$)")


def fold(text: str) -> str:
    """Fold accents and special letters, keeping case: `Müller` -> `Muller`, `ß` -> `ss`."""
    if text.isascii():
        return text
    if _SPECIAL.search(text):  # seldom: a dictionary translation visits every character
        text = text.translate(_SPECIAL_LETTERS)
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def normalize(text: str) -> str:
    """Fold and lower-case `text` (`André` -> `andre`), so matching ignores both."""
    return fold(text).lower()


def tokenize_cased(text: str) -> list[str]:
    """Split folded `text` into tokens, case kept (`KV-cache (C++)` -> KV, cache, (, C, +, +, ))."""
    folded = fold(text)
    # Most abstracts are ASCII, where a simpler pattern gives the same tokens ~30% faster.
    return (_ASCII_TOKEN if folded.isascii() else _TOKEN).findall(folded)


def tokenize(text: str) -> list[str]:
    """Split `text` into lower-case tokens (what a keyword's words are compared to)."""
    return [token.lower() for token in tokenize_cased(text)]


def has_views(token: str) -> bool:
    """Return whether `token` may hold a name inside it (most words do not: a quick test)."""
    return not (token.isalpha() and (token.islower() or token.istitle()))


@functools.lru_cache(maxsize=65_536)
def views(token: str) -> tuple[str, ...]:
    """Return the names inside `token` (see the module docstring), case kept."""
    found: list[str] = []
    cores = [token]
    if (versioned := _VERSIONED.fullmatch(token)) is not None:
        found.append(versioned[1])
        cores.append(versioned[1])  # "StyleGAN2": StyleGAN, and in it GAN
    for core in cores:
        found += filter(_name_shaped, _camel_pieces(core))
        found += _INNER_ACRONYM.findall(core)
    return tuple(dict.fromkeys(piece for piece in found if piece and piece != token))


def _name_shaped(piece: str) -> bool:
    """Return whether a piece of a compound reads as a name: a word or an acronym.

    A word ("Agent", "Mamba") or an acronym that ends in a capital ("RAG", "LoRA", "MoE",
    "LLMs"); not "LoRa" (the head of "LoRaD"), nor "RAgent".
    """
    core = piece[:-1] if len(piece) > 1 and piece.endswith("s") else piece
    return core[1:].islower() or not core[-1].islower()


def _camel_pieces(word: str) -> list[str]:
    """Return the heads and tails of `word` at its camel-case boundaries."""
    pieces: list[str] = []
    last = len(word)
    for i in range(1, last):
        before, char = word[i - 1], word[i]
        after = word[i + 1] if i + 1 < last else ""
        if (
            (before.islower() and char.isupper())
            or (before.isdigit() != char.isdigit() and (before.isalpha() or char.isalpha()))
            # "RAGSearch": the capital that starts a lower-case word begins a new part;
            # not the plural `s` of an acronym ("LLMs").
            or (before.isupper() and char.isupper() and after.islower() and word[i + 1 :] != "s")
        ):
            pieces += (word[:i], word[i:])
        elif before.isupper() and char.isupper():
            # Inside a run of capitals, only an acronym's tail: "WGAN", "MLLMs".
            tail = word[i:]
            if (tail[:-1] if tail.endswith("s") else tail).isupper():
                pieces.append(tail)
    return pieces
