"""Keyword matching (SPEC section 4): what matches, what is reported, how results are ranked."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.errors import InvalidKeywordsError
from bot.matching import (
    _FUNCTION_WORDS,
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    KeywordQuery,
    Matcher,
    Term,
    TermKind,
    match_papers,
    normalize,
    parse_keywords,
    tokenize,
)
from bot.models import Author, Match, Paper


def paper(
    title: str = "A paper", abstract: str = "", authors: Sequence[str] = (), number: int = 1
) -> Paper:
    """Build a paper the way the feed would."""
    return Paper(
        base_id=f"2508.{number:05d}",
        version=1,
        title=title,
        abstract=abstract,
        authors=tuple(Author(name) for name in authors),
    )


def matched(keywords: str, abstract: str, title: str = "A paper") -> tuple[str, ...] | None:
    """Return the keywords one paper matched, or None when it did not match."""
    found = match_papers(parse_keywords(keywords), [paper(title, abstract)])
    return found[0].keywords if found else None


# (keywords, abstract, keywords reported, or None for no match)
SEMANTICS = [
    # SPEC section 4, word for word.
    ("rag", "We use RAG here.", ("rag",)),
    ("rag", "A RAG-based pipeline.", ("rag",)),
    ("rag", "On average we leverage storage in each paragraph.", None),
    ("agent", "An agent acts.", ("agent",)),
    ("agent", "Many agents act.", ("agent",)),
    ("agent", "Agentic workflows.", None),
    ("agent*", "Agentic workflows.", ("agent*",)),
    ("agent*", "An agent acts.", ("agent*",)),
    ("llm", "An LLM answers.", ("llm",)),
    ("llm", "LLMs answer.", ("llm",)),
    ("kv cache", "The KV cache grows.", ("kv cache",)),
    ("kv cache", "The KV-cache grows.", ("kv cache",)),
    ("kv cache", "The KVCache grows.", ("kv cache",)),
    ("kv-cache", "The KV cache grows.", ("kv-cache",)),
    ("kv-cache", "The KVCache grows.", ("kv-cache",)),
    ("kvcache", "The KV cache grows.", ("kvcache",)),
    ("kvcache", "The KV-cache grows.", ("kvcache",)),
    ("KV cache", "KV caches are large.", ("KV cache",)),
    # Joining never glues unrelated words.
    ("agent", "Put a gent here.", None),
    ("inform", "Similar in form to X.", None),
    ("inform", "We inform the reader.", ("inform",)),
    ("dataset", "A new data set.", ("dataset",)),
    ("pretraining", "During pre-training we ...", ("pretraining",)),
    ("in context learning", "In-context learning works.", ("in context learning",)),
    ("mixture of experts", "A Mixture-of-Experts model.", ("mixture of experts",)),
    ("kv cache", "The KV. Cache grows.", None),
    # Plurals on the last word only, never as a word of their own.
    ("policy", "Two policies.", ("policy",)),
    ("policy", "Two polic-ies.", None),
    ("class", "Two classes.", ("class",)),
    ("agent", "The agent s are here.", ("agent",)),
    ("large language model", "Large language models.", ("large language model",)),
    ("large language model", "Large language.", None),
    # Prefixes.
    ("large lang*", "Large language models.", ("large lang*",)),
    ("pretrain*", "Pre-trained models.", ("pretrain*",)),
    ("agent*", "A gentleman.", None),
    # Exact phrases: those words in that order, nothing joined, no plural.
    ('"exact phrase"', "An exact phrase here.", ('"exact phrase"',)),
    ('"exact phrase"', "An Exact-Phrase here.", ('"exact phrase"',)),
    ('"exact phrase"', "Exact phrases here.", None),
    ('"exact phrase"', "An exactphrase here.", None),
    ('"exact phrase"', "The phrase exact.", None),
    ("“exact phrase”", "An exact phrase here.", ("“exact phrase”",)),
    # Symbols are literal.
    ("c++", "Written in C++.", ("c++",)),
    ("c++", "Written in C and Rust.", None),
    ("c++", "Written in C#.", None),
    ("a.b", "The a.b module.", ("a.b",)),
    ("a.b", "The ab module.", None),
    ("(foo", "Call (foo bar).", ("(foo",)),
    ("a+b", "Compute a+b.", ("a+b",)),
    # Accents and case are ignored; LaTeX is just text.
    ("naive bayes", "A naïve Bayes model.", ("naive bayes",)),
    ("NAÏVE", "a naive model", ("NAÏVE",)),
    ("alpha", r"A $\alpha$-divergence.", ("alpha",)),
    ("divergence", r"A $\alpha$-divergence.", ("divergence",)),
]


@pytest.mark.parametrize(("keywords", "abstract", "expected"), SEMANTICS)
def test_keyword_semantics(keywords: str, abstract: str, expected: tuple[str, ...] | None) -> None:
    assert matched(keywords, abstract) == expected


def test_keywords_match_in_the_title_too() -> None:
    assert matched("kv cache", abstract="Nothing here.", title="Faster KV-Cache") == ("kv cache",)


def test_excluded_keyword_drops_a_paper_that_matches_otherwise() -> None:
    assert matched("llm, -survey", "A survey of LLMs.") is None


def test_excluded_keyword_keeps_papers_without_it() -> None:
    assert matched("llm, -survey", "LLMs answer.") == ("llm",)


def test_excluded_phrase_and_prefix_work_like_positive_ones() -> None:
    assert matched('llm, -"position paper"', "This position paper on LLMs.") is None
    assert matched("llm, -survey*", "LLMs, surveyed.") is None


def test_only_exclusions_match_every_other_paper() -> None:
    query = parse_keywords("-survey")
    papers = [paper(abstract="A survey."), paper(abstract="A method.", number=2)]
    found = match_papers(query, papers)
    assert [match.paper for match in found] == [papers[1]]
    assert found[0].keywords == ()


def test_empty_keyword_list_matches_every_paper_with_no_keywords() -> None:
    papers = [paper(abstract="One.", number=1), paper(abstract="Two.", number=2)]
    found = match_papers(parse_keywords(""), papers)
    assert [(match.paper, match.keywords) for match in found] == [(papers[0], ()), (papers[1], ())]


def test_author_keyword_matches_a_name_word_ignoring_case_and_accents() -> None:
    found = match_papers(
        parse_keywords("au:Andre"), [paper(authors=["Y. Bengio", "André F. T. Martins"])]
    )
    assert [match.keywords for match in found] == [("au:Andre",)]


def test_author_keyword_with_several_words_needs_them_in_order_in_one_name() -> None:
    query = parse_keywords("au:van der Maaten")
    hit = paper(authors=["Laurens van der Maaten"], number=1)
    miss = paper(authors=["Anna van Dijk", "Der Maaten"], number=2)
    assert [match.paper for match in match_papers(query, [hit, miss])] == [hit]


def test_author_keyword_does_not_look_at_the_abstract() -> None:
    assert match_papers(parse_keywords("au:Hinton"), [paper(abstract="Hinton showed")]) == []


def test_excluded_author_drops_the_paper() -> None:
    query = parse_keywords("llm, -au:Smith")
    assert match_papers(query, [paper(abstract="LLMs", authors=["John Smith"])]) == []


def test_matched_keywords_are_reported_as_written_in_written_order() -> None:
    query = parse_keywords("Speculative Decoding, KV cache, LLM")
    found = match_papers(query, [paper(abstract="An LLM with a kv-cache and speculative decoding")])
    assert found[0].keywords == ("Speculative Decoding", "KV cache", "LLM")


def test_title_hits_count_the_keywords_found_in_the_title() -> None:
    query = parse_keywords("llm, rag, agent")
    found = match_papers(query, [paper(title="RAG for LLMs", abstract="An agent, an LLM.")])
    assert found[0].title_hits == 2


def test_ranking_puts_more_keywords_first_then_title_hits_then_order() -> None:
    query = parse_keywords("llm, rag")
    papers = [
        paper(title="Nothing", abstract="An LLM.", number=0),
        paper(title="LLMs", abstract="Nothing.", number=1),
        paper(title="Nothing", abstract="LLM and RAG.", number=2),
        paper(title="Nothing", abstract="Plain LLM.", number=3),
    ]
    found = match_papers(query, papers)
    assert [match.order for match in found] == [2, 1, 0, 3]
    assert [match.paper for match in found] == [papers[2], papers[1], papers[0], papers[3]]


def test_matcher_matches_each_target_against_its_own_keywords() -> None:
    papers = [
        paper(abstract="KV cache compression for LLMs.", number=1),
        paper(abstract="A survey of retrieval-augmented generation.", number=2),
        paper(abstract="Protein folding.", number=3),
    ]
    matcher = Matcher(
        {
            "channel": parse_keywords("kv cache, rag, retrieval augmented generation"),
            ("user", 42): parse_keywords("llm, -survey"),
            "everything": parse_keywords(""),
            "nothing": parse_keywords("quantum"),
        }
    )
    found = matcher.match(papers)
    assert [(m.order, m.keywords) for m in found["channel"]] == [
        (0, ("kv cache",)),
        (1, ("retrieval augmented generation",)),
    ]
    assert [(m.order, m.keywords) for m in found[("user", 42)]] == [(0, ("llm",))]
    assert [m.order for m in found["everything"]] == [0, 1, 2]
    assert found["nothing"] == []


def test_matcher_can_match_several_batches() -> None:
    matcher = Matcher({"t": parse_keywords("llm")})
    assert len(matcher.match([paper(abstract="LLM")])["t"]) == 1
    assert matcher.match([paper(abstract="Nothing")])["t"] == []


# --- parsing ---------------------------------------------------------------------------


def test_blank_entries_between_commas_are_ignored() -> None:
    assert str(parse_keywords(" llm, , ,rag,")) == "llm, rag"


def test_newlines_separate_keywords_too() -> None:
    assert str(parse_keywords("llm\nrag")) == "llm, rag"


def test_a_list_of_strings_is_parsed_like_one_comma_separated_string() -> None:
    assert parse_keywords(["llm", "kv cache, rag"]) == parse_keywords("llm, kv cache, rag")


def test_duplicates_are_folded_keeping_the_first_as_written() -> None:
    assert str(parse_keywords("KV cache, kv-cache, kv  cache, llm, LLM")) == "KV cache, llm"


def test_commas_inside_quotes_belong_to_the_phrase() -> None:
    query = parse_keywords('"large, small", llm')
    assert [term.text for term in query.terms] == ['"large, small"', "llm"]


def test_parsed_terms_have_their_kind_and_sign() -> None:
    query = parse_keywords('rag, agent*, "a b", au:Smith, -survey')
    assert [(term.kind, term.negated) for term in query.terms] == [
        (TermKind.WORD, False),
        (TermKind.PREFIX, False),
        (TermKind.PHRASE, False),
        (TermKind.AUTHOR, False),
        (TermKind.WORD, True),
    ]
    assert [term.text for term in query.include] == ["rag", "agent*", '"a b"']
    assert [term.text for term in query.authors] == ["au:Smith"]
    assert [term.text for term in query.exclude] == ["-survey"]
    assert not query.is_empty


def test_a_query_of_exclusions_only_is_empty() -> None:
    assert parse_keywords("-survey").is_empty
    assert parse_keywords("").is_empty


INVALID = [
    (", ".join(f"k{number}" for number in range(MAX_KEYWORDS + 1)), "too many keywords: 51"),
    ("x" * (MAX_KEYWORD_LENGTH + 1), "too long"),
    ('"kv cache', "unbalanced quote"),
    ('kv "cache"', "quotes must surround"),
    ("ag*nt", "* goes only at the end"),
    ("agent**", "* goes only at the end"),
    ("ag*", "at least 3 characters"),
    ("-", "needs a letter or digit"),
    ("+++", "needs a letter or digit"),
    ('""', "needs a letter or digit"),
    ("au:", "needs a letter or digit"),
    ("llm, -LLM", "both include and exclude"),
]


@pytest.mark.parametrize(("keywords", "expected_words"), INVALID)
def test_invalid_keyword_lists_get_a_one_line_message(keywords: str, expected_words: str) -> None:
    with pytest.raises(InvalidKeywordsError) as caught:
        parse_keywords(keywords)
    message = str(caught.value)
    assert expected_words in message
    assert "\n" not in message
    assert len(message) < 200


def test_fifty_keywords_of_a_hundred_characters_are_accepted() -> None:
    keywords = [f"{number:03d}" + "x" * (MAX_KEYWORD_LENGTH - 3) for number in range(MAX_KEYWORDS)]
    assert len(parse_keywords(", ".join(keywords)).terms) == MAX_KEYWORDS


# --- tokenization ----------------------------------------------------------------------


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=60))
def test_ascii_text_tokenizes_like_any_other_text(text: str) -> None:
    # A trailing non-ASCII word sends the text down the general (Unicode) path.
    assert tokenize(text + " é") == [*tokenize(text), "e"]


def test_tokenize_splits_words_symbols_and_dashes() -> None:
    assert tokenize("KV-cache (C++) naïve—fine") == [
        "kv", "cache", "(", "c", "+", "+", ")", "naive", "—", "fine",
    ]  # fmt: skip


# --- the matcher against a simple reference ---------------------------------------------


def reference_match(queries: Mapping[str, KeywordQuery], papers: Sequence[Paper]) -> dict:
    """Match the slow, obvious way: one regex per keyword over each text's token stream.

    Texts become "\x1f"-separated tokens; a word keyword is its joined letters with an
    optional separator between any two, then an optional plural ending glued to the last
    letter; every regex hit is then checked against the function-word rule.
    """
    result: dict[str, list[Match]] = {}
    for key, query in queries.items():
        found = []
        for order, item in enumerate(papers):
            title = _stream(tokenize(item.title))
            body = _stream(tokenize(item.abstract))
            names = [_stream(re.findall(r"[^\W_]+", normalize(a.name))) for a in item.authors]

            def hits(term: Term, title: str = title, body: str = body, names: list = names) -> int:
                if term.kind is TermKind.AUTHOR:
                    return 1 if any(_hit(term, name) for name in names) else 0
                return 2 if _hit(term, title) else 1 if _hit(term, body) else 0

            if any(hits(term) for term in query.exclude):
                continue
            wanted = [(term, hits(term)) for term in query.positive]
            if query.positive and not any(hit for _, hit in wanted):
                continue
            keywords = tuple(term.text for term, hit in wanted if hit)
            title_hits = sum(1 for _, hit in wanted if hit == 2)
            found.append(Match(item, keywords, title_hits, order))
        result[key] = sorted(found, key=lambda match: match.rank_key)
    return result


def _stream(tokens: list[str]) -> str:
    return "\x1f" + "\x1f".join(tokens) + "\x1f"


def _spelled(letters: str) -> str:
    return "\x1f?".join(re.escape(letter) for letter in letters)


def _hit(term: Term, stream: str) -> bool:
    if term.kind in (TermKind.PHRASE, TermKind.AUTHOR):
        return f"\x1f{chr(31).join(term.tokens)}\x1f" in stream
    joined = "".join(term.tokens)
    if term.kind is TermKind.PREFIX:
        body = _spelled(joined) + "[^\x1f]*"
    else:
        forms = [_spelled(joined)]
        if joined[-1].isalpha():
            forms = [_spelled(joined) + "(?:s|es)?"]
            if len(joined) > 1 and joined[-1] == "y" and joined[-2] not in "aeiou":
                forms.append(_spelled(joined[:-1]) + "ies")
        body = "(?:" + "|".join(forms) + ")"
    ends = {
        sum(len(token) for token in term.tokens[: index + 1]) for index in range(len(term.tokens))
    }
    for run in re.finditer(f"(?<=\x1f)(?=({body})\x1f)", stream):
        words = run.group(1).split("\x1f")
        splits = {sum(len(word) for word in words[: index + 1]) for index in range(len(words) - 1)}
        if splits <= ends or _FUNCTION_WORDS.isdisjoint(words):
            return True
    return False


PIECES = [
    "kv", "cache", "cach", "KVCache", "KV-cache", "agent", "agents", "agentic", "a", "gent",
    "agen", "t", "tle", "man", "in", "form", "inform", "data", "set", "dataset", "datasets",
    "policy", "polic", "policies", "c++", "C", "+", "a.b", ".", ",", "(", ")", "the", "of",
    "s", "es", "ies", "pre", "trained", "pretrained", "large", "language", "models", "LLM",
    "LLMs", "naïve", "Naive", "x",
]  # fmt: skip
SEPARATORS = [" ", " ", "-", "", ", ", " - "]
NAMES = ["André Martins", "Laurens van der Maaten", "Y. LeCun", "Data Set"]


@st.composite
def text_pieces(draw: st.DrawFn) -> list[str]:
    """Draw a text as pieces, each followed by its separator."""
    pieces = draw(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12))
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
    shape = draw(st.sampled_from(["", "", "chop*", "chop*", "*", '"', "-", "au:"]))
    if shape == "chop*":
        return text[:-1] + "*"
    return {"*": text + "*", '"': f'"{text}"', "-": "-" + text, "au:": "au:" + text}.get(
        shape, text
    )


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_matcher_agrees_with_the_reference(data: st.DataObject) -> None:
    texts = [data.draw(text_pieces()) for _ in range(data.draw(st.integers(1, 4)))]
    papers = [
        paper(
            title="".join(data.draw(text_pieces())),
            abstract="".join(pieces),
            authors=data.draw(st.lists(st.sampled_from(NAMES), max_size=2)),
            number=number,
        )
        for number, pieces in enumerate(texts)
    ]
    queries = {}
    for number in range(data.draw(st.integers(1, 4))):
        pieces = data.draw(st.sampled_from(texts))
        keywords = data.draw(st.lists(keyword(pieces), max_size=5))
        try:
            queries[f"target{number}"] = parse_keywords(keywords)
        except InvalidKeywordsError:
            assume(False)
    assert Matcher(queries).match(papers) == reference_match(queries, papers)
