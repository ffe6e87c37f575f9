"""The compiled Matcher agrees with a slow, obvious reference on generated texts and keywords.

The Matcher reduces a text's words to what they may be forms of, once per batch
(bot/matching/index.py); the reference does the opposite: it spells out every form of each
keyword and compares every run of text tokens, and every name inside a token, with each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.errors import InvalidKeywordsError
from bot.matching import _FUNCTION_WORDS, KeywordQuery, Matcher, Term, TermKind, parse_keywords
from bot.matching.authors import AuthorIndex
from bot.matching.forms import is_compound
from bot.matching.text import tokenize_cased, views
from bot.models import Author, Match, Paper
from bot.render.latex import readable_text

SIBILANTS = ("s", "x", "z", "ch", "sh", "o")
VOWELS = "aeiou"
PREFIXES = ("pre", "post", "fine", "self", "over", "under", "un", "multi")


@dataclass(frozen=True)
class Candidate:
    """A run of text tokens (or a name inside one token), joined."""

    lower: str
    cased: str
    splits: frozenset[int]  # where one token ends and the next begins
    function_word: bool
    last: int  # the length of the last token


def candidates(tokens: list[str], longest: int = 8) -> list[Candidate]:
    """Return every run of up to `longest` tokens, and every name inside a single token."""
    found = []
    for start in range(len(tokens)):
        for end in range(start + 1, min(len(tokens), start + longest) + 1):
            run = tokens[start:end]
            ends = [sum(map(len, run[: i + 1])) for i in range(len(run) - 1)]
            lowered = [token.lower() for token in run]
            found.append(
                Candidate(
                    "".join(lowered),
                    "".join(run),
                    frozenset(ends),
                    not _FUNCTION_WORDS.isdisjoint(lowered),
                    len(run[-1]),
                )
            )
        for piece in views(tokens[start]):
            found.append(Candidate(piece.lower(), piece, frozenset(), False, len(piece)))
    return found


def singulars(word: str) -> list[str]:
    """Return what `word` is the plural of (the README's rule, spelled out)."""
    if len(word) < 3 or not word.endswith("s") or word.endswith(("ss", "us", "is", "ics", "ous")):
        return []
    found = [word[:-1]]
    if word.endswith("ies") and len(word) > 4:
        found.append(word[:-3] + "y")
    elif word.endswith("es") and word[:-2].endswith(SIBILANTS):
        found.append(word[:-2])
    return found


def plurals(word: str) -> list[tuple[str, int]]:
    """Return the plurals of `word`, each with where its ending starts."""
    found = [(word + "s", len(word))]
    if word.endswith("y") and len(word) > 1 and word[-2] not in VOWELS:
        found.append((word[:-1] + "ies", len(word) - 1))
    if word.endswith(SIBILANTS):
        found.append((word + "es", len(word)))
    return found


def verb_forms(verb: str) -> list[tuple[str, int]]:
    """Return the -ing and -ed forms of `verb` (tune: tuning, tuned; plan: planning)."""
    stems = [verb, verb[:-1]] if verb.endswith("e") else [verb]
    found = []
    for stem in [*stems, verb + verb[-1]]:
        for ending in ("ing", "ings", "ed"):
            found.append((stem + ending, len(stem)))
    return found


def forms(term: Term) -> list[tuple[str, int]]:
    """Return every form of a word term, joined, with where its ending starts."""
    head = "".join(term.tokens[:-1])
    last = term.tokens[-1]
    spelled = [(last, len(last))]
    if last[-1].isalpha() and last.isascii():
        stored = [(last, len(last), not singulars(last))]
        stored += [
            (s, len(s) if not s.endswith("y") else len(s) - 1, True) for s in singulars(last)
        ]
        ize = None
        for spelling in ("iz", "is"):
            for ending in ("e", "es", "ed", "ing", "ation", "ations"):
                if last.endswith(spelling + ending) and len(last) - len(spelling + ending) >= 3:
                    ize = last[: -len(spelling + ending)]
        verbs: list[str] = []
        if is_compound(term.tokens) and ize is None and not singulars(last):
            if last.endswith("ing") and len(last) >= 5:
                stem = last[:-3]
            elif last.endswith("ed") and len(last) >= 4:
                stem = last[:-2]
            else:
                stem = ""
            verbs = [last] if not stem else [stem] if stem.endswith("e") else [stem, stem + "e"]
            if stem and len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in VOWELS + "s":
                verbs.append(stem[:-1])
            stored += [(verb, len(verb), True) for verb in verbs if verb != last]
        spelled = [(form, stem) for form, stem, _ in stored]
        for form, stem, pluralizable in stored:
            if pluralizable:
                spelled += [(plural, min(stem, start)) for plural, start in plurals(form)]
        for verb in verbs:
            spelled += verb_forms(verb)
        if ize is not None:
            for spelling in ("iz", "is"):
                for ending in ("e", "es", "ed", "ing", "ation", "ations"):
                    spelled.append((ize + spelling + ending, len(ize)))
    return [(head + form, len(head) + stem) for form, stem in spelled]


def case_fits(term: Term, cased: str, stem: int) -> bool:
    """Return whether text shows every capital of the keyword's case-sensitive words."""
    offset = 0
    written_tokens = term.case_sensitive or ("",) * len(term.tokens)
    for token, written in zip(term.tokens, written_tokens, strict=True):
        if written and offset < stem and not cased.startswith(written[: stem - offset], offset):
            return False
        offset += len(token)
    return True


def word_hit(term: Term, found: list[Candidate]) -> bool:
    """Return whether one of the candidates spells a form of a word or prefix term."""
    boundaries = {sum(map(len, term.tokens[: i + 1])) for i in range(len(term.tokens) - 1)}
    joined = "".join(term.tokens)
    for candidate in found:
        if candidate.function_word and not candidate.splits <= boundaries:
            continue
        if term.kind is TermKind.PREFIX:
            covered = len(candidate.lower) - candidate.last
            if (
                candidate.lower.startswith(joined)
                and covered < len(joined)
                and case_fits(term, candidate.cased, len(joined))
            ):
                return True
            continue
        for form, stem in forms(term):
            if (
                candidate.lower == form
                and all(split < stem for split in candidate.splits)
                and (stem > len(form) - candidate.last or stem == len(form))
                and case_fits(term, candidate.cased, stem)
            ):
                return True
    return False


def phrase_hit(term: Term, tokens: list[str]) -> bool:
    """Return whether the phrase's words, each singular or plural, follow one another."""
    words = [
        {token, *singulars(token), *(p for s in singulars(token) or [token] for p, _ in plurals(s))}
        for token in term.tokens
    ]
    written = term.case_sensitive or ("",) * len(term.tokens)
    for start in range(len(tokens) - len(words) + 1):
        run = tokens[start : start + len(words)]
        if all(
            token.lower() in options and token[: len(case)] == case[: len(token)]
            for token, options, case in zip(run, words, written, strict=True)
        ):
            return True
    return False


def reference_match(queries: Mapping[str, KeywordQuery], papers: Sequence[Paper]) -> dict:
    """Match the slow, obvious way (see the module docstring)."""
    result: dict[str, list[Match]] = {}
    for key, query in queries.items():
        found = []
        for order, item in enumerate(papers):
            title = tokenize_cased(readable_text(item.title))
            body = tokenize_cased(readable_text(item.abstract))
            texts = [(title, candidates(title)), (body, candidates(body))]

            def hits(term: Term, texts: list = texts, item: Paper = item) -> int:
                if term.kind is TermKind.AUTHOR:
                    authors = AuthorIndex()
                    authors.add(0, term.tokens)
                    return 1 if authors.scan(item.authors) else 0
                for weight, (tokens, runs) in zip((2, 1), texts, strict=True):
                    if term.kind is TermKind.PHRASE:
                        if phrase_hit(term, tokens):
                            return weight
                    elif word_hit(term, runs):
                        return weight
                return 0

            if any(hits(term) > (0 if term.in_abstract else 1) for term in query.exclude):
                continue
            wanted = [(term, hits(term)) for term in query.positive]
            if query.positive and not any(hit for _, hit in wanted):
                continue
            keywords = tuple(term.text for term, hit in wanted if hit)
            title_hits = sum(1 for _, hit in wanted if hit == 2)
            found.append(Match(item, keywords, title_hits, order))
        result[key] = sorted(found, key=lambda match: match.rank_key)
    return result


PIECES = [
    "kv", "cache", "caches", "caching", "KV", "KVCache", "KV-cache", "agent", "agents",
    "agentic", "Agent", "WebAgents", "a", "gent", "t", "in", "form", "inform", "data", "set",
    "dataset", "datasets", "policy", "polic", "policies", "ies", "c++", "C", "+", "a.b", ".",
    ",", "the", "of", "s", "es", "pre", "trained", "pretraining", "fine", "tune", "tuned",
    "tuning", "model", "models", "modeling", "modelled", "quantized", "quantization",
    "large", "language", "LLM", "LLMs", "MLLMs", "llm", "GraphRAG", "RAG", "rag", "LRAgent",
    "Qwen3", "YOLOv8", "LoRA", "QLoRA", "LoRa", "CLIP", "clips", "MoE", "RoBERTa", "naïve",
    r"$\alpha$", r"\textbf{LLM}s", "S\u200burvey", "survey",
]  # fmt: skip
SEPARATORS = [" ", " ", "-", "", ", ", " - "]
NAMES = ["André Martins", "Laurens van der Maaten", "Y. LeCun", "Data Set", "Le Sun"]


@st.composite
def text_pieces(draw: st.DrawFn) -> list[str]:
    """Draw a text as pieces, each followed by its separator."""
    pieces = draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=10))
    return [piece + draw(st.sampled_from(SEPARATORS)) for piece in pieces]


@st.composite
def keyword(draw: st.DrawFn, pieces: list[str]) -> str:
    """Draw a keyword, often made of pieces of the text (so that it can match)."""
    if draw(st.booleans()):
        start = draw(st.integers(0, len(pieces) - 1))
        size = draw(st.sampled_from([1, 2, 2, 3]))
        words = [piece.strip(" ,-") or piece for piece in pieces[start : start + size]]
    else:
        words = draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=3))
    text = draw(st.sampled_from([" ", "-", ""])).join(words)
    shape = draw(st.sampled_from(["", "", "chop*", "chop*", "*", '"', "-", "-abs:", "au:"]))
    if shape == "chop*":
        return text[:-1] + "*"
    return {
        "*": text + "*",
        '"': f'"{text}"',
        "-": "-" + text,
        "-abs:": "-abs:" + text,
        "au:": "au:" + text,
    }.get(shape, text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_matcher_agrees_with_the_reference(data: st.DataObject) -> None:
    texts = [data.draw(text_pieces()) for _ in range(data.draw(st.integers(1, 3)))]
    papers = [
        Paper(
            base_id=f"2508.{number:05d}",
            version=1,
            title="".join(data.draw(text_pieces())),
            abstract="".join(pieces),
            authors=tuple(
                Author(n) for n in data.draw(st.lists(st.sampled_from(NAMES), max_size=2))
            ),
        )
        for number, pieces in enumerate(texts)
    ]
    queries = {}
    for number in range(data.draw(st.integers(1, 3))):
        pieces = data.draw(st.sampled_from(texts))
        keywords = data.draw(st.lists(keyword(pieces), max_size=4))
        try:
            queries[f"target{number}"] = parse_keywords(keywords)
        except InvalidKeywordsError:
            assume(False)
    assert Matcher(queries).match(papers) == reference_match(queries, papers)
