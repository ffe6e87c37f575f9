"""Exports as files a reference manager or a spreadsheet opens as they are meant to be read."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from bot.models import Author
from bot.saved import ExportFormat, SavedPapers
from bot.saved.citation import surname_first
from bot.saved.export import CSV_COLUMNS
from bot.store.db import Database
from bot.store.papers import upsert_papers
from tests.bot.saved.conftest import ADA, NOON, Clock, paper

# A paper whose metadata tries everything: LaTeX, quotes and commas, a line break that starts
# an RIS tag, a formula for a spreadsheet, @everyone.
TRICKY = paper(
    40,
    title='=HYPERLINK("https://evil.example","click"), the $\\alpha$-"best"\nER  - model',
    abstract="Line one,\nline two; @everyone\r\n-2+3",
    authors=(Author("+Plus Sign"), Author("George van den Driessche"), Author("@everyone")),
    comment="-1 pages, code at https://example.org",
    doi="10.1234/x",
    updated=dt.datetime(2026, 4, 20, 9, 0, tzinfo=dt.UTC),
)


@pytest.fixture
async def exported(db: Database, saved: SavedPapers, clock: Clock) -> SavedPapers:
    """Return the service after ADA saved paper 2, then the tricky paper."""
    await upsert_papers(db, [TRICKY], now=NOON)
    await saved.save(ADA, "2604.00002", 1)
    clock.tick()
    await saved.save(ADA, TRICKY.base_id, 1)
    return saved


async def export(saved: SavedPapers, fmt: ExportFormat) -> tuple[bytes, str, str]:
    file = await saved.export(ADA, fmt)
    assert file is not None and file.papers == 2
    return file.data, file.filename, file.mime_type


async def test_files_are_named_and_typed_for_their_format(exported: SavedPapers) -> None:
    kinds = {fmt: (await export(exported, fmt))[1:] for fmt in ExportFormat}
    assert kinds == {
        ExportFormat.BIBTEX: ("saved-papers-2026-04-28.bib", "application/x-bibtex"),
        ExportFormat.RIS: ("saved-papers-2026-04-28.ris", "application/x-research-info-systems"),
        ExportFormat.CSV: ("saved-papers-2026-04-28.csv", "text/csv"),
    }


async def test_csv_reads_back_cell_for_cell(exported: SavedPapers) -> None:
    data, _, _ = await export(exported, ExportFormat.CSV)
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    tricky, second = (dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:])
    assert tricky["arxiv_id"] == "2604.00040" and second["arxiv_id"] == "2604.00002"
    assert tricky["title"] == (
        '\'=HYPERLINK("https://evil.example","click"), the α-"best" ER - model'
    )
    assert tricky["authors"] == "'+Plus Sign; George van den Driessche; @everyone"
    assert tricky["comment"] == "'-1 pages, code at https://example.org"
    assert tricky["date"] == "2026-04-20" and tricky["saved_at"] == "2026-04-28"
    assert tricky["url"] == "https://arxiv.org/abs/2604.00040"
    assert tricky["pdf_url"] == "https://arxiv.org/pdf/2604.00040v1"


async def test_no_csv_cell_starts_a_formula(exported: SavedPapers) -> None:
    data, _, _ = await export(exported, ExportFormat.CSV)
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


async def test_ris_has_one_record_per_paper_one_line_per_field(exported: SavedPapers) -> None:
    data, _, _ = await export(exported, ExportFormat.RIS)
    text = data.decode("utf-8")
    lines = text.split("\r\n")
    fields = [line for line in lines if line]
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in fields), fields
    assert [line for line in fields if line.startswith(("TY", "ER"))] == [
        "TY  - UNPB",
        "ER  - ",
        "TY  - UNPB",
        "ER  - ",
    ]
    record = text.split("ER  - ")[0]
    title = '=HYPERLINK("https://evil.example","click"), the α-"best" ER - model'
    assert f"TI  - {title}\r\n" in record
    assert "AU  - van den Driessche, George\r\n" in record
    assert "AU  - +Plus Sign\r\n" not in record and "AU  - Sign, +Plus\r\n" in record
    assert "DO  - 10.1234/x\r\n" in record
    assert "UR  - https://arxiv.org/abs/2604.00040\r\n" in record
    assert "DA  - 2026/04/20/\r\n" in record and "PY  - 2026\r\n" in record


async def test_bibtex_holds_every_saved_paper_newest_first(exported: SavedPapers) -> None:
    data, _, _ = await export(exported, ExportFormat.BIBTEX)
    text = data.decode("utf-8")
    assert re.findall(r"eprint=\{([^}]*)\}", text) == ["2604.00040", "2604.00002"]
    # LaTeX kept for the .bib file; the line break that would start an RIS tag is a space.
    title = '=HYPERLINK("https://evil.example","click"), the $\\alpha$-"best" ER - model'
    assert f"      title={{{title}}},\n" in text


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("Yoshua Bengio", "Bengio, Yoshua"),
        ("Aidan N. Gomez", "Gomez, Aidan N."),
        ("George van den Driessche", "van den Driessche, George"),
        ("Diego de Las Casas", "de Las Casas, Diego"),
        ("Le Sun", "Sun, Le"),
        ("Martin Luther King Jr.", "King, Martin Luther, Jr."),
        ("Andr\\'e Weil", "Weil, André"),
        ("Plato", "Plato"),
        ("ATLAS Collaboration", "ATLAS Collaboration"),
    ],
)
def test_ris_names_come_surname_first(name: str, written: str) -> None:
    assert surname_first(name) == written
