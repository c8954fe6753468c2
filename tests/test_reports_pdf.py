"""rapport.pdf as a reader gets it: contents with the right page numbers, bookmarks, metadata, the
same figures as the marts and the HTML, and input text printed as text (never run as Typst markup).

The text is read back with pypdf, page by page. Each report is rendered once per session
(reports_fixture.py).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

import reports_fixture as fx
from reports_fixture import april, zomer  # noqa: F401 - session fixtures: each report rendered once
from reports_helpers import html_tables, marts, nl_int, nl_pct
from pipelines.reports.model import Column, ItemList, Paragraph, ReportDocument, Section, Table
from pipelines.reports.pdf import render_pdf

pytestmark = pytest.mark.xdist_group("reports")

TOC_LINE = re.compile(r"^(?P<heading>\S.*?)\s*(?:\.\s*){3,}(?P<page>\d+)$")


def _pages(pdf: Path | bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else str(pdf))
    return [page.extract_text() or "" for page in reader.pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _contents(pages: list[str]) -> tuple[int, list[tuple[str, int]]]:
    """(index of the contents page, [(heading, page number)]) from the table of contents."""
    index = next(i for i, p in enumerate(pages) if "\nInhoud\n" in p)
    entries = [(m["heading"], int(m["page"])) for line in pages[index].splitlines()
               if (m := TOC_LINE.match(line.strip()))]
    return index, entries


# ---------------------------------------------------------------------------------------------------
def test_contents_page_numbers_are_the_pages_of_the_headings(zomer, april):
    for _, result in (zomer, april):
        pages = _pages(result.pdf)
        toc_index, entries = _contents(pages)
        assert [h for h, _ in entries][:2] == ["Samenvatting", "1. Dekking van de lokale prestatieafspraken"]
        assert len(entries) == (10 if result.report == "april-2023" else 7)
        for heading, page in entries:
            # the heading as the first line under the running header of its page
            found = [i + 1 for i, text in enumerate(pages) if i != toc_index and heading in text.splitlines()[:3]]
            assert found == [page], f"{result.report}: {heading!r} listed on page {page}, found on {found}"
        # every page says which page it is, of how many
        for i, text in enumerate(pages):
            assert f"Pagina {i + 1} van {len(pages)}" in text


def test_bookmarks_and_metadata(zomer, april):
    for _, result in (zomer, april):
        reader = PdfReader(str(result.pdf))
        _, entries = _contents(_pages(result.pdf))
        top = [o for o in reader.outline if not isinstance(o, list)]
        assert [(o.title, reader.get_destination_page_number(o) + 1) for o in top] == entries
        # tables and figures are bookmarks under their chapter
        children = [c for o in reader.outline if isinstance(o, list) for c in o]
        assert any(c.title.startswith("Tabel 1 ") for c in children)
        assert any(c.title.startswith("Figuur 1 ") for c in children)
        meta = reader.metadata
        assert meta.title.startswith("Invulling van de nationale prestatieafspraken")
        assert result.as_of.strftime("%Y%m%d") in meta["/CreationDate"]
        assert ("(CONCEPT)" in meta.title) is result.concept
        assert "peildatum" in meta.subject
        for page in reader.pages[:2]:
            assert page.mediabox.width == pytest.approx(595.28, abs=0.5)  # A4
            assert page.mediabox.height == pytest.approx(841.89, abs=0.5)


def test_only_the_fonts_inside_the_typst_wheel(zomer):
    _, result = zomer
    reader = PdfReader(str(result.pdf))
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert fonts and all(f.startswith("LibertinusSerif") for f in fonts), fonts


def test_wide_tables_are_on_landscape_pages(april):
    _, result = april
    reader = PdfReader(str(result.pdf))
    pages = _pages(result.pdf)
    appendix = next(i for i, p in enumerate(pages) if "Bijlage B. Bijdragen per corporatie" in p.splitlines()[:3])
    box = reader.pages[appendix].mediabox
    assert box.width > box.height
    assert reader.pages[0].mediabox.width < reader.pages[0].mediabox.height


def test_every_table_row_of_the_html_is_in_the_pdf(zomer, april):
    """The HTML tables are held against the marts in test_reports.py; the PDF must show the same
    cells, row by row, in the same order. Compared without white space: a cell may wrap."""
    for _, result in (zomer, april):
        text = re.sub(r"\s+", "", " ".join(_pages(result.pdf)))
        tables, _ = html_tables(result.html)
        position = 0
        for number in sorted({t.number for t in tables.values()}):
            table = tables[f"Tabel {number}"]
            start = text.find(re.sub(r"\s+", "", f"Tabel {number} {table.title}"), position)
            assert start >= 0, f"{result.report}: Tabel {number} {table.title!r} not in the PDF (in order)"
            position = start
            for row in table.rows:
                found = text.find(re.sub(r"\s+", "", "".join(row)), position)
                assert found >= 0, f"{result.report}: table {number} row {row!r} not in the PDF"
                position = found


def test_pdf_figures_equal_the_marts(zomer, april):
    db, result = zomer
    con = marts(db)
    snap = con.execute("select max(snapshot_date) from marts.stock_by_area").fetchone()[0]
    n, efg, share, c56 = con.execute("""select n_dwellings, n_label_efg, share_label_efg, n_condition_56
        from marts.stock_by_area where area_level = 'national' and snapshot_date = ?""", [snap]).fetchone()
    text = _flat(" ".join(_pages(result.pdf)))
    assert f"Nederland {nl_int(n)} {nl_int(efg)} {nl_pct(share)}" in text
    assert f"{nl_int(efg)} van de {nl_int(n)} corporatiewoningen" in text

    db, result = april
    con = marts(db)
    text = _flat(" ".join(_pages(result.pdf)))
    for code, committed, gap, on_track, unit, target in con.execute("""
            select p.target_code, p.committed_value, p.gap, p.on_track, t.unit, p.target_value
            from marts.progress_national p join marts.national_targets t using (target_code)
            where t.unit = 'woningen'""").fetchall():
        row = f"{nl_int(target)} {nl_int(committed)} {nl_int(gap)} {'ja' if on_track else 'nee'}"
        assert row in text, f"Samenvatting: {code} {row!r}"
    year = con.execute("select max(year) from marts.realisation_by_area").fetchone()[0]
    committed, realised, share = con.execute("""select committed_value, realised_value, realisation_share
        from marts.progress_by_area where area_level = 'national' and indicator_code = 'nieuwbouw'
        and year = ?""", [year]).fetchone()
    assert f"Nieuwbouw woningen {nl_int(committed)} {nl_int(realised)} {nl_pct(share)}" in text
    # the per-corporation appendix adds up to the national commitments
    nb26 = con.execute("select committed_value from marts.progress_national where target_code = 'nieuwbouw_2026'"
                       ).fetchone()[0]
    appendix = text[text.rindex("Bijlage B. Bijdragen per corporatie"):]
    assert re.search(r"Totaal – [\d.]+ " + re.escape(nl_int(nb26)) + " ", appendix)  # after Nieuwbouw 2022–2025


def test_concept_banner_on_every_page_only_with_error_findings(zomer, april):
    _, clean = zomer
    _, dirty = april
    pages = _pages(dirty.pdf)
    assert "CONCEPT" in pages[0].split("\n")[0] or "CONCEPT" in pages[0][:400]
    for text in pages[1:]:
        assert "CONCEPT" in text.splitlines()[0], "running header carries the CONCEPT mark"
    assert not any("CONCEPT" in text for text in _pages(clean.pdf))


def test_input_text_is_printed_as_text_not_run_as_markup(april):
    _, result = april
    text = _flat(" ".join(_pages(result.pdf)))
    assert fx.HOSTILE_DETAIL in text and fx.HOSTILE_ENTITY in text  # '@SUM(...)', '=HYPERLINK(...)'

    hostile = ['#panic("x")', "*vet*", "_schuin_", "$x^2$", "[a]", "<label>", "@ref", "\\ \\u{41}", "// geen commentaar",
               "#let x = 1", "`code`", "= geen kop"]
    table = Table(key="t", title="Tabel #1 *x*", source="Bron: $test$.", columns=[Column("Tekst #"), Column("N", "int")],
                  rows=[[h, i] for i, h in enumerate(hostile)], note="<noot> @x", number=1, sheet="T01 x")
    doc = ReportDocument(
        report="zomer-2022", title="Titel [met] #haken", subtitle="Sub *titel*", as_of_text="1 juli 2022",
        sections=[Section("s", "Hoofdstuk #1 $", blocks=[Paragraph("Alinea met #set text(red) en \\"), table,
                                                           ItemList(["#item", "- geen lijst"], title="Lijst <x>")],
                          number="1")],
        front=[Paragraph("Voor #pagebreak()", kind="lead")], concept=False, colophon=[("Run", "#run")])
    pdf, warnings = render_pdf(doc, dt.date(2022, 7, 1), "code")
    out = _flat(" ".join(_pages(pdf)))
    for h in hostile:
        assert _flat(h) in out, h
    for literal in ("Titel [met] #haken", "Sub *titel*", "1. Hoofdstuk #1 $", "Alinea met #set text(red) en \\",
                    "Tabel 1 Tabel #1 *x*", "Bron: $test$.", "<noot> @x", "Lijst <x>", "#item", "Voor #pagebreak()",
                    "#run"):
        assert literal in out, literal
    assert warnings == []


def test_a_long_table_breaks_across_pages_with_its_header_on_each():
    rows = [[f"Gemeente {i:03d}", i * 1000, i / 1000] for i in range(1, 181)]
    table = Table(key="lang", title="Een lange tabel", source="Bron: test.", number=1, sheet="T01 lang",
                  columns=[Column("Gemeente"), Column("Corporatiewoningen", "int"), Column("Aandeel", "pct")],
                  rows=rows, emphasis={179})
    doc = ReportDocument(report="zomer-2022", title="Titel", subtitle="Sub", as_of_text="1 juli 2022",
                         sections=[Section("s", "Hoofdstuk", blocks=[table], number="1")], front=[],
                         concept=False, colophon=[])
    pdf, _ = render_pdf(doc, dt.date(2022, 7, 1), "code")
    pages = [p for p in _pages(pdf) if re.search(r"Gemeente \d{3}", p)]
    assert len(pages) >= 3
    for text in pages:
        assert "Gemeente Corporatiewoningen Aandeel" in text, "the header row is repeated on every page"
    body = _flat(" ".join(pages))
    assert "Gemeente 001 1.000 0,1%" in body and "Gemeente 180 180.000 18,0%" in body
    assert body.count("Gemeente 180") == 1
