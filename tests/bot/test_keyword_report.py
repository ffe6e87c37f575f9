"""The reply to `/subscribe` and `/digest set`: what keywords find in the latest announcement."""

from __future__ import annotations

from bot.matching import parse_keywords
from bot.matching.report import keyword_report
from bot.models import Paper


def paper(number: int, title: str, abstract: str = "") -> Paper:
    return Paper(f"2604.{number:05d}", 1, title, abstract)


PAPERS = [
    paper(1, "Average pooling", "We leverage storage."),
    paper(2, r"Faster $\mathcal{O}(n)$ RAG for LLMs", "A KV-cache."),
    paper(3, "A survey of RAG"),
    paper(4, "Serving", "We compress the KV cache."),
    paper(5, "Graph learning", "GraphRAG on graphs."),
]


def test_report_counts_matches_best_first_with_readable_titles() -> None:
    report = keyword_report(parse_keywords("rag, kv cache, -survey"), PAPERS)

    assert (report.matched, report.total) == (3, 5)
    assert report.top_titles == ("Faster 𝒪(n) RAG for LLMs", "Serving", "Graph learning")
    assert report.unmatched == ()


def test_report_names_the_keywords_that_matched_nothing() -> None:
    report = keyword_report(parse_keywords("rag, quantum, au:Hinton, -survey"), PAPERS)

    assert report.unmatched == ("quantum", "au:Hinton")
    assert "No paper matched `quantum`, `au:Hinton`." in report.describe()


def test_report_of_no_match_says_so_with_the_number_of_papers() -> None:
    report = keyword_report(parse_keywords("quantum"), PAPERS)

    assert report.matched == 0
    assert report.describe() == "None of the latest announcement's 5 papers matches these keywords."


def test_report_describes_the_first_titles_and_that_there_are_more() -> None:
    report = keyword_report(parse_keywords("rag, kv cache"), PAPERS, top=2)

    assert report.describe() == (
        "4 of the latest announcement's 5 papers match, best first: "
        "“Faster 𝒪(n) RAG for LLMs”; “A survey of RAG”; and 2 more."
    )


def test_a_keyword_found_only_in_excluded_papers_is_named_as_matching_nothing() -> None:
    report = keyword_report(parse_keywords("average, rag, -pooling"), PAPERS)

    assert report.matched == 3
    assert report.unmatched == ("average",)
