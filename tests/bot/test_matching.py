"""Keyword matching (docs/behaviour.md): what matches, what is reported, how results rank."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InvalidKeywordsError
from bot.matching import (
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    Matcher,
    TermKind,
    match_papers,
    parse_keywords,
    tokenize,
)
from bot.models import Author, Paper


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
    # Whole words, never pieces of other words (README "Keywords").
    ("rag", "We use RAG here.", ("rag",)),
    ("rag", "A RAG-based pipeline.", ("rag",)),
    ("rag", "On average we leverage storage in each paragraph.", None),
    ("agent", "An agent acts.", ("agent",)),
    ("agent", "Many agents act.", ("agent",)),
    ("agent", "Agentic workflows.", None),
    ("agent", "A reagent was added.", None),
    ("agent*", "Agentic workflows.", ("agent*",)),
    ("agent*", "An agent acts.", ("agent*",)),
    ("llm", "An LLM answers.", ("llm",)),
    ("llm", "LLMs answer.", ("llm",)),
    ("transformer", "We transform it: a transformation.", None),
    ("graph", "Graphene sheets.", None),
    ("kv cache", "The KV cache grows.", ("kv cache",)),
    ("kv cache", "The KV-cache grows.", ("kv cache",)),
    ("kv cache", "The KVCache grows.", ("kv cache",)),
    ("kv-cache", "The KV cache grows.", ("kv-cache",)),
    ("kv-cache", "The KVCache grows.", ("kv-cache",)),
    ("kvcache", "The KV cache grows.", ("kvcache",)),
    ("kvcache", "The KV-cache grows.", ("kvcache",)),
    ("KV cache", "KV caches are large.", ("KV cache",)),
    ("data sets", "Three datasets.", ("data sets",)),
    # Joining never glues unrelated words.
    ("agent", "Put a gent here.", None),
    ("inform", "Similar in form to X.", None),
    ("inform", "We inform the reader.", ("inform",)),
    ("dataset", "A new data set.", ("dataset",)),
    ("pretraining", "During pre-training we ...", ("pretraining",)),
    ("in context learning", "In-context learning works.", ("in context learning",)),
    ("mixture of experts", "A Mixture-of-Experts model.", ("mixture of experts",)),
    ("kv cache", "The KV. Cache grows.", None),
    # Singular and plural are one keyword, both ways; the ending belongs to the last word.
    ("policy", "Two policies.", ("policy",)),
    ("policies", "One policy.", ("policies",)),
    ("transformers", "A transformer.", ("transformers",)),
    ("llms", "An LLM.", ("llms",)),
    ("datasets", "A new data set.", ("datasets",)),
    ("policy", "Two polic-ies.", None),
    ("class", "Two classes.", ("class",)),
    ("rag", "It rages on.", None),
    ("news", "A new model.", None),
    ("large language model", "Large language models.", ("large language model",)),
    ("large language model", "Large language.", None),
    # A keyword's usual forms.
    ("fine-tuning", "The model is fine-tuned.", ("fine-tuning",)),
    ("fine-tuning", "We fine-tune it.", ("fine-tuning",)),
    ("fine-tuning", "Finetuning helps.", ("fine-tuning",)),
    ("fine-tuned", "Fine-tuning helps.", ("fine-tuned",)),
    ("pretrained", "Pretraining at scale.", ("pretrained",)),
    ("quantization", "A quantized model.", ("quantization",)),
    ("quantization", "We quantize weights.", ("quantization",)),
    ("quantization", "Post-training quantisation.", ("quantization",)),
    ("reward model", "Reward modeling and reward modelling.", ("reward model",)),
    ("kv cache", "Efficient KV caching.", ("kv cache",)),
    ("embedding", "Embedded devices.", None),  # a simple word keeps its own form
    ("reasoning", "For this reason.", None),
    ("clip", "Gradient clipping.", None),
    # Names with versions or sizes.
    ("qwen", "We fine-tune Qwen2.5-VL-7B.", ("qwen",)),
    ("qwen", "Qwen3 answers.", ("qwen",)),
    ("yolo", "YOLOv8 detects.", ("yolo",)),
    ("llama", "Llama-3.1 and LLaMA2.", ("llama",)),
    ("gpt", "GPT-4o replies.", ("gpt",)),
    ("gpt", "GPT2 replies.", ("gpt",)),
    ("gpt", "Quantized with GPTQ.", None),
    # Acronyms in compound names, written in capitals; never across a camel-case boundary.
    ("rag", "GraphRAG and LightRAG.", ("rag",)),
    ("rag", "LRAgent shares the cache.", None),
    ("llm", "MLLMs and vLLM.", ("llm",)),
    ("gan", "CycleGAN and WGAN-GP.", ("gan",)),
    ("gan", "An organization.", None),
    ("lora", "QLoRA adapters.", ("lora",)),
    ("lora", "An exploration.", None),
    ("bert", "RoBERTa and DistilBERT.", ("bert",)),
    ("bert", "A Hilbert space.", None),
    ("vit", "VITON tries clothes on.", None),
    ("agent", "WebAgents browse.", ("agent",)),
    # Case: two or more capitals match that case only; lower case matches any case.
    ("CLIP", "Video clips.", None),
    ("CLIP", "CLIP embeddings and OpenCLIP.", ("CLIP",)),
    ("clip", "Video clips.", ("clip",)),
    ("clip", "CLIP embeddings.", ("clip",)),
    ("MoE", "A sparse MoE layer.", ("MoE",)),
    ("MoE", "MOE ratings.", None),
    ("SAM", "Segment with SAM.", ("SAM",)),
    ("SAM", "The same result.", None),
    ("KV cache", "A kv cache.", None),
    ("LLMs", "An LLM.", ("LLMs",)),
    # Prefixes.
    ("large lang*", "Large language models.", ("large lang*",)),
    ("pretrain*", "Pre-trained models.", ("pretrain*",)),
    ("agent*", "A gentleman.", None),
    # Exact phrases: those words in that order, plurals allowed, nothing else varies.
    ('"exact phrase"', "An exact phrase here.", ('"exact phrase"',)),
    ('"exact phrase"', "An Exact-Phrase here.", ('"exact phrase"',)),
    ('"exact phrase"', "Exact phrases here.", ('"exact phrase"',)),
    ('"large language model"', "Large language models.", ('"large language model"',)),
    ('"exact phrase"', "An exactphrase here.", None),
    ('"exact phrase"', "The phrase exact.", None),
    ('"fine tuning"', "The model is fine-tuned.", None),
    ("“exact phrase”", "An exact phrase here.", ("“exact phrase”",)),
    # Symbols are literal.
    ("c++", "Written in C++.", ("c++",)),
    ("c++", "Written in C and Rust.", None),
    ("c++", "Written in C#.", None),
    ("a.b", "The a.b module.", ("a.b",)),
    ("a.b", "The ab module.", None),
    ("(foo", "Call (foo bar).", ("(foo",)),
    ("a+b", "Compute a+b.", ("a+b",)),
    # Text as readers see it: accents, LaTeX, invisible characters.
    ("naive bayes", "A naïve Bayes model.", ("naive bayes",)),
    ("NAÏVE", "a NAIVE model", ("NAÏVE",)),
    ("alpha", r"A $\alpha$-divergence.", None),  # readers see α
    ("α", r"A $\alpha$-divergence.", ("α",)),
    ("divergence", r"A $\alpha$-divergence.", ("divergence",)),
    ("frequency", r"In the $\textbf{Freq}$uency domain.", ("frequency",)),
    ("gpt", r"Models such as \texttt{GPT-4o-mini}.", ("gpt",)),
    ("code", r"See \href{https://example.org}{our code}.", ("code",)),
    ("survey", "A S\u200burvey of methods.", ("survey",)),
    ("survey", "A Sur\u00advey of methods.", ("survey",)),
]


@pytest.mark.parametrize(("keywords", "abstract", "expected"), SEMANTICS)
def test_keyword_semantics(keywords: str, abstract: str, expected: tuple[str, ...] | None) -> None:
    assert matched(keywords, abstract) == expected


def test_keywords_match_in_the_title_too() -> None:
    assert matched("kv cache", abstract="Nothing here.", title="Faster KV-Cache") == ("kv cache",)


def test_excluded_keyword_drops_a_paper_whose_title_has_it() -> None:
    assert matched("llm, -survey", "We review LLMs.", title="A Survey of LLMs") is None


def test_excluded_keyword_keeps_a_paper_that_only_mentions_it_in_the_abstract() -> None:
    assert matched("llm, -survey", "We run a user survey on LLMs.") == ("llm",)


def test_excluded_keyword_is_found_behind_a_zero_width_space() -> None:
    assert matched("llm, -survey", "LLMs.", title="A S\u200burvey of LLMs") is None


def test_abs_exclusion_drops_a_paper_whose_abstract_has_it() -> None:
    assert matched("llm, -abs:survey", "We run a user survey on LLMs.") is None
    assert matched("llm, -abs:survey", "LLMs.", title="A Survey of LLMs") is None
    assert matched("llm, -abs:survey", "LLMs answer.") == ("llm",)


def test_excluded_phrase_and_prefix_work_like_positive_ones() -> None:
    assert matched('llm, -"position paper"', "On LLMs.", title="A position paper") is None
    assert matched("llm, -survey*", "LLMs.", title="LLMs, surveyed") is None


def test_only_exclusions_match_every_other_paper() -> None:
    query = parse_keywords("-survey")
    papers = [paper(title="A survey"), paper(title="A method", number=2)]
    found = match_papers(query, papers)
    assert [match.paper for match in found] == [papers[1]]
    assert found[0].keywords == ()


def test_empty_keyword_list_matches_every_paper_with_no_keywords() -> None:
    papers = [paper(abstract="One.", number=1), paper(abstract="Two.", number=2)]
    found = match_papers(parse_keywords(""), papers)
    assert [(match.paper, match.keywords) for match in found] == [(papers[0], ()), (papers[1], ())]


def test_author_keyword_matches_a_family_name_ignoring_case_and_accents() -> None:
    found = match_papers(
        parse_keywords("au:andre"), [paper(authors=["Y. Bengio", "Paulo Lima André"])]
    )
    assert [match.keywords for match in found] == [("au:andre",)]


def test_author_keyword_with_several_words_needs_them_in_order_in_one_name() -> None:
    query = parse_keywords("au:van der Maaten")
    hit = paper(authors=["Laurens van der Maaten"], number=1)
    miss = paper(authors=["Anna van Dijk", "Der Maaten"], number=2)
    assert [match.paper for match in match_papers(query, [hit, miss])] == [hit]


@pytest.mark.parametrize(
    ("keyword", "name"),
    [
        ("au:Muller", "Klaus-Robert Müller"),
        ("au:Mueller", "Klaus-Robert Müller"),
        ("au:Sogaard", "Anders Søgaard"),
        ("au:Russwurm", "Marc Rußwurm"),
        ("au:Kilic", "Altan B. Kılıç"),
        ("au:Le", "Quoc V. Le"),
        ("au:Y. Bengio", "Yoshua Bengio"),
        ("au:Yoshua Bengio", "Y. Bengio"),
        ("au:Hernandez", "José Miguel Hernández-Lobato"),
        ("au:Gonzalez", "Guillermo González de Rivera"),
        ("au:Le Saux", "Bertrand Le Saux"),
        ("au:Andr\\'e", "Jean Andr\\'e"),
        ("au:Andre", "Jean Andr\\'e"),
    ],
)
def test_author_keyword_finds_the_family_name_as_people_type_it(keyword: str, name: str) -> None:
    assert matched_author(keyword, name)


@pytest.mark.parametrize(
    ("keyword", "name"),
    [
        ("au:Le", "Le Sun"),  # a given name
        ("au:Le", "Phi Le Nguyen"),  # a middle name
        ("au:Le", "Bertrand Le Saux"),  # part of the family name Le Saux
        ("au:Y. Bengio", "Samy Bengio"),
        ("au:Wang", "Hanwang Zhang"),
        ("au:Rivera", "Rivera Smith"),
    ],
)
def test_author_keyword_does_not_find_other_names(keyword: str, name: str) -> None:
    assert not matched_author(keyword, name)


def matched_author(keyword: str, name: str) -> bool:
    """Return whether `keyword` matches a paper by `name`."""
    return bool(match_papers(parse_keywords(keyword), [paper(authors=[name])]))


def test_author_keyword_does_not_look_at_the_abstract() -> None:
    assert match_papers(parse_keywords("au:Hinton"), [paper(abstract="Hinton showed")]) == []


def test_excluded_author_drops_the_paper() -> None:
    query = parse_keywords("llm, -au:Smith")
    assert match_papers(query, [paper(abstract="LLMs", authors=["John Smith"])]) == []


def test_matched_keywords_are_reported_as_written_in_written_order() -> None:
    query = parse_keywords("Speculative Decoding, KV cache, LLM")
    found = match_papers(query, [paper(abstract="An LLM with a KV-cache and speculative decoding")])
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
            ("user", 42): parse_keywords("llm, -abs:survey"),
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
    assert str(parse_keywords("kv cache, kv-cache, kv  cache, llm, Llm")) == "kv cache, llm"


def test_keywords_whose_case_counts_are_distinct_keywords() -> None:
    assert str(parse_keywords("CLIP, clip, KV cache, kv cache")) == "CLIP, clip, KV cache, kv cache"


def test_commas_inside_quotes_belong_to_the_phrase() -> None:
    query = parse_keywords('"large, small", llm')
    assert [term.text for term in query.terms] == ['"large, small"', "llm"]


def test_parsed_terms_have_their_kind_and_sign() -> None:
    query = parse_keywords('rag, agent*, "a b", au:Smith, -survey, -abs:review')
    assert [(term.kind, term.negated, term.in_abstract) for term in query.terms] == [
        (TermKind.WORD, False, True),
        (TermKind.PREFIX, False, True),
        (TermKind.PHRASE, False, True),
        (TermKind.AUTHOR, False, True),
        (TermKind.WORD, True, False),
        (TermKind.WORD, True, True),
    ]
    assert [term.text for term in query.include] == ["rag", "agent*", '"a b"']
    assert [term.text for term in query.authors] == ["au:Smith"]
    assert [term.text for term in query.exclude] == ["-survey", "-abs:review"]
    assert not query.is_empty


def test_only_words_with_two_capitals_keep_their_case() -> None:
    query = parse_keywords("KV cache, Speculative Decoding, MoE")
    assert [term.case_sensitive for term in query.terms] == [("KV", ""), (), ("MoE",)]


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
    ("llm, -Llm", "both include and exclude"),
    ("survey, -abs:survey", "both include and exclude"),
    ("abs:survey", "abs: goes only after -"),
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


def test_tokenize_folds_special_letters() -> None:
    assert tokenize("Søgaard Rußwurm Kılıç Ærø") == ["sogaard", "russwurm", "kilic", "aero"]
