"""A member's saved papers as a file to attach: BibTeX, RIS or CSV (README, "Saved papers").

Each format is written for the program that reads it:

- BibTeX (`bibtex.py`): arXiv's own `@misc` form, LaTeX kept, for a `.bib` file.
- RIS: one `TAG  - value` line per field, records ending `ER  - `, lines ending CRLF, UTF-8
  (https://en.wikipedia.org/wiki/RIS_(file_format)); authors surname first, one per `AU`.
  An arXiv preprint is an unpublished work, `TY  - UNPB`.
- CSV: RFC 4180 (every field quoted as needed, CRLF), UTF-8 with a byte order mark so that
  Excel reads non-ASCII titles right. A cell starting with `=`, `+`, `-`, `@` (or a tab or
  carriage return) would run as a formula in a spreadsheet, so it gets a leading `'`, as
  OWASP advises (https://owasp.org/www-community/attacks/CSV_Injection).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.saved.bibtex import bibtex_entries
from bot.saved.citation import MAX_AUTHORS, paper_date, paper_year, readable, surname_first
from bot.store.saved import SavedPaper


class ExportFormat(StrEnum):
    """The formats of `/saved export` (the values are the command's choices)."""

    BIBTEX = "bibtex"
    RIS = "ris"
    CSV = "csv"


@dataclass(frozen=True, slots=True)
class ExportFile:
    """A file ready to attach: its bytes, name and MIME type, and how many papers it holds."""

    data: bytes
    filename: str
    mime_type: str
    papers: int


# File extension and MIME type per format. BibTeX and RIS have no registered type; these
# are the ones reference managers and browsers use.
_FILE_KINDS = {
    ExportFormat.BIBTEX: ("bib", "application/x-bibtex"),
    ExportFormat.RIS: ("ris", "application/x-research-info-systems"),
    ExportFormat.CSV: ("csv", "text/csv"),
}
CSV_COLUMNS = (
    "arxiv_id",
    "version",
    "title",
    "authors",
    "primary_category",
    "categories",
    "date",
    "saved_at",
    "url",
    "pdf_url",
    "doi",
    "journal_ref",
    "comment",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def export_file(fmt: ExportFormat, saved: Sequence[SavedPaper], today: dt.date) -> ExportFile:
    """Return `saved` (newest first, as listed) as one file in `fmt`, named after `today`."""
    if fmt is ExportFormat.BIBTEX:
        data = bibtex_entries([item.paper for item in saved]).encode("utf-8")
    elif fmt is ExportFormat.RIS:
        data = ris_records(saved).encode("utf-8")
    else:
        data = csv_table(saved).encode("utf-8-sig")
    extension, mime_type = _FILE_KINDS[fmt]
    filename = f"saved-papers-{today.isoformat()}.{extension}"
    return ExportFile(data=data, filename=filename, mime_type=mime_type, papers=len(saved))


def ris_records(saved: Sequence[SavedPaper]) -> str:
    """Return one RIS record per saved paper."""
    return "".join(_ris_record(item) for item in saved)


def _ris_record(item: SavedPaper) -> str:
    paper = item.paper
    date = paper_date(paper)
    primary = paper.primary_category or (paper.categories[0] if paper.categories else "")
    note = f"arXiv:{paper.versioned_id}" + (f" [{primary}]" if primary else "")
    if paper.comment:
        note += f"; {paper.comment}"
    lines = [("TY", "UNPB"), ("TI", readable(paper.title))]
    lines += [("AU", surname_first(a.name)) for a in paper.authors[:MAX_AUTHORS] if a.name]
    lines += [("PY", str(paper_year(paper)))]
    if date is not None:
        lines.append(("DA", date.strftime("%Y/%m/%d/")))
    lines += [
        ("AB", readable(paper.abstract)),
        ("PB", "arXiv"),
        ("AN", f"arXiv:{paper.versioned_id}"),
        ("UR", paper.abs_url),
        ("L1", paper.pdf_url),
    ]
    if paper.doi:
        lines.append(("DO", paper.doi))
    lines += [("KW", category) for category in paper.categories]
    lines += [("N1", readable(note)), ("ER", "")]
    # One line per field: a line break in a value would start a new (forged) tag.
    return "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines) + "\r\n"


def csv_table(saved: Sequence[SavedPaper]) -> str:
    """Return a header row and one row per saved paper, quoted as RFC 4180 asks."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    for item in saved:
        writer.writerow([_cell(value) for value in _csv_row(item)])
    return out.getvalue()


def _csv_row(item: SavedPaper) -> list[str]:
    paper = item.paper
    names = [readable(a.name) for a in paper.authors[:MAX_AUTHORS]]
    if len(paper.authors) > MAX_AUTHORS:
        names.append("et al.")
    date = paper_date(paper)
    return [
        paper.base_id,
        str(paper.version),
        readable(paper.title),
        "; ".join(names),
        paper.primary_category or (paper.categories[0] if paper.categories else ""),
        " ".join(paper.categories),
        date.isoformat() if date else "",
        item.saved_at.date().isoformat(),
        paper.abs_url,
        paper.pdf_url,
        paper.doi or "",
        readable(paper.journal_ref or ""),
        readable(paper.comment or ""),
    ]


def _cell(value: str) -> str:
    """Return a cell value that no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _one_line(value: str) -> str:
    return " ".join(value.split())
