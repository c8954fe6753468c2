"""The two statutory reports, rendered from a hand-built marts database (tests/reports_fixture.py).

Figures are checked against the marts with SQL of their own, so the tests hold the report to the
marts contract, not to its own code. Rendering costs a few seconds per report: each report is made
once per session (fixtures `zomer` and `april` in reports_fixture.py) and shared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

import reports_fixture as fx
from reports_fixture import april, zomer  # noqa: F401 - session fixtures: each report rendered once
from reports_helpers import HEADER_ROW, html_tables, marts, nl_int, nl_pct, sheet_rows, xlsx_sheet
from pipelines.reports import MartsError, render_report
from pipelines.reports.content import build_document
from pipelines.reports.html import render_html
from pipelines.reports.queries import open_marts

pytestmark = pytest.mark.xdist_group("reports")

RUN_ID = fx.RUN_ID
CODE_VERSION = fx.CODE_VERSION


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def _pdf_text(path: Path) -> str:
    return " ".join(" ".join(_pdf_pages(path)).split())


# ---------------------------------------------------------------------------------------------------
def test_writes_the_four_files(zomer, april):
    for _, result in (zomer, april):
        for name in ("rapport.html", "rapport.pdf", "cijfers.xlsx", "manifest.json"):
            assert (result.out_dir / name).stat().st_size > 1000, name
        assert result.pdf.read_bytes().startswith(b"%PDF")
        assert not list(result.out_dir.glob(".*.tmp")), "no temporary files left behind"


def test_coverage_figures_equal_the_marts(zomer):
    db, result = zomer
    con = marts(db)
    snap = con.execute("select max(snapshot_date) from marts.stock_by_area").fetchone()[0]
    n, with_stock, signed, dwellings, dwellings_signed = con.execute("""
        select count(*), count(*) filter (where n_corporations_with_stock > 0),
               count(*) filter (where has_signed_agreement),
               sum(s.n_dwellings), sum(s.n_dwellings) filter (where has_signed_agreement)
        from marts.agreement_coverage c left join marts.stock_by_area s
          on s.area_level = 'municipality' and s.area_code = c.municipality_code and s.snapshot_date = ?""",
                                                                     [snap]).fetchone()
    tables, _ = html_tables(result.html)
    row = tables["Dekking van de prestatieafspraken per provincie"].row("Nederland")
    assert row == ["Nederland", nl_int(n), nl_int(with_stock), nl_int(signed), nl_pct(signed / with_stock),
                   nl_int(dwellings), nl_int(dwellings_signed), nl_pct(dwellings_signed / dwellings)]
    assert row[5] == "168.400" and row[7] == "68,6%"  # Dutch notation, literally

    for province, code in (("Noord-Holland", "PV27"), ("Utrecht", "PV26")):
        p_signed, p_dw_signed = con.execute("""
            select count(*) filter (where has_signed_agreement),
                   coalesce(sum(s.n_dwellings) filter (where has_signed_agreement), 0)
            from marts.agreement_coverage c join marts.dim_municipality d using (municipality_code)
            left join marts.stock_by_area s on s.area_level = 'municipality' and s.area_code = c.municipality_code
                 and s.snapshot_date = ?
            where d.province_code = ?""", [snap, code]).fetchone()
        prow = tables["Dekking van de prestatieafspraken per provincie"].row(province)
        assert prow[3] == nl_int(p_signed) and prow[6] == nl_int(p_dw_signed)

    wb = openpyxl.load_workbook(result.xlsx)
    headers, rows = sheet_rows(xlsx_sheet(wb, "Dekking van de prestatieafspraken per provincie"))
    nl = next(r for r in rows if r[0] == "Nederland")
    assert nl[1:4] == [n, with_stock, signed]
    assert nl[5:7] == [dwellings, dwellings_signed]
    assert nl[4] == pytest.approx(signed / with_stock) and nl[7] == pytest.approx(dwellings_signed / dwellings)
    assert headers[0] == "Provincie" and "Aandeel woningen" in headers


def test_targets_table_equals_progress_national(zomer, april):
    for db, result in (zomer, april):
        con = marts(db)
        progress = {r[0]: r[1:] for r in con.execute(
            "select target_code, committed_value, projected_value, gap, on_track, target_value "
            "from marts.progress_national").fetchall()}
        units = dict(con.execute("select target_code, unit from marts.national_targets").fetchall())
        wb = openpyxl.load_workbook(result.xlsx)
        headers, rows = sheet_rows(xlsx_sheet(wb, "Toezeggingen per nationaal doel"))
        code_i, committed_i, gap_i = headers.index("Code"), headers.index("Toegezegd"), headers.index("Verschil")
        assert {r[code_i] for r in rows} == set(progress)
        tables, _ = html_tables(result.html)
        html = tables["Toezeggingen per nationaal doel"]
        for i, r in enumerate(rows):
            committed, projected, gap, on_track, target = progress[r[code_i]]
            assert r[committed_i] == pytest.approx(committed)
            assert r[gap_i] == pytest.approx(gap)
            cell = html.rows[i][html.headers.index("Toegezegd")]
            if units[r[code_i]] == "euro":
                assert cell.startswith("EUR ") and cell.endswith(" mln")
                assert cell == "EUR " + f"{committed / 1e6:.1f}".replace(".", ",").replace(",0", "") + " mln"
            else:
                assert cell == nl_int(committed)
            assert html.rows[i][html.headers.index("Op koers")] == ("ja" if on_track else "nee")


def test_summary_per_national_target_equals_progress_national(zomer, april):
    for db, result in (zomer, april):
        con = marts(db)
        progress = con.execute("""select t.target_code, t.kind, t.unit, p.target_value, p.committed_value,
                   p.projected_value, p.gap, p.on_track, t.year_to
            from marts.progress_national p join marts.national_targets t using (target_code)""").fetchall()
        tables, _ = html_tables(result.html)
        summary = tables["Samenvatting per nationaal doel"]
        assert summary.number == 1 and len(summary.rows) == len(progress)
        # the same targets, in the same order, with the same figures as the chapter's table
        targets = tables["Toezeggingen per nationaal doel"]
        assert summary.column("Nationaal doel") == targets.column("Nationaal doel")
        for header in ("Doel", "Toegezegd", "Verschil", "Op koers"):
            assert summary.column(header) == targets.column(header), header
        # which target each row is: the chapter's sheet in cijfers.xlsx has the codes, in the same order
        headers, rows = sheet_rows(xlsx_sheet(openpyxl.load_workbook(result.xlsx), "Toezeggingen per nationaal doel"))
        codes = [r[headers.index("Code")] for r in rows]
        by_code = {p[0]: p for p in progress}
        checked = 0
        for code, row in zip(codes, summary.rows, strict=True):
            _, kind, unit, target, committed, projected, gap, on_track, year = by_code[code]
            sentence = row[5]
            assert row[4] == ("ja" if on_track else "nee")
            if unit != "woningen":
                continue  # euro amounts: formatted in words, held by the chapter's table test
            assert row[1:4] == [nl_int(target), nl_int(committed), nl_int(gap)]
            if kind == "stock":
                assert f"Eind {year} resteren naar verwachting" in sentence
                if projected > 0:
                    assert nl_int(projected) in sentence and sentence.endswith("op koers.")
            else:
                assert nl_pct(committed / target) in sentence, (code, sentence)
            checked += 1
        assert checked >= 5


def test_commitments_per_indicator_and_year_equal_the_marts(zomer):
    db, result = zomer
    con = marts(db)
    per_year = dict(con.execute("""select year, committed_value from marts.commitments_by_area
        where area_level = 'national' and indicator_code = 'nieuwbouw'""").fetchall())
    tables, _ = html_tables(result.html)
    table = tables["Toezeggingen per indicator en jaar: woningen (landelijk)"]
    row = table.row("Nieuwbouw")
    for year, value in per_year.items():
        assert row[table.headers.index(str(year))] == nl_int(value)
    assert row[table.headers.index("Totaal")] == nl_int(sum(per_year.values()))
    # euro amounts in millions with a decimal comma
    euro = tables["Toezeggingen per indicator en jaar: investeringen in mln EUR (landelijk)"]
    value = con.execute("""select committed_value from marts.commitments_by_area where area_level = 'national'
        and indicator_code = 'investering_onderhoud' and year = 2022""").fetchone()[0]
    label = con.execute("select label_nl from marts.dim_indicator where indicator_code = 'investering_onderhoud'"
                        ).fetchone()[0]
    assert euro.row(label)[euro.headers.index("2022")] == f"{value / 1e6:.1f}".replace(".", ",")


def test_starting_point_and_trajectory_equal_the_marts(zomer):
    db, result = zomer
    con = marts(db)
    snap = con.execute("select max(snapshot_date) from marts.stock_by_area").fetchone()[0]
    n, efg, share, c56 = con.execute("""select n_dwellings, n_label_efg, share_label_efg, n_condition_56
        from marts.stock_by_area where area_level = 'national' and snapshot_date = ?""", [snap]).fetchone()
    tables, _ = html_tables(result.html)
    table = next(t for k, t in tables.items() if k.startswith("Woningen met label E/F/G en conditie 5/6 per provincie"))
    efg_header = next(h for h in table.headers if h.startswith("Label E/F/G"))
    assert "huurcompensatie" in efg_header  # commitment 7, said where E/F/G homes are shown
    row = table.row("Nederland")
    assert row[1:4] == [nl_int(n), nl_int(efg), nl_pct(share)] and row[5] == nl_int(c56)

    trajectory = dict(con.execute("""select year, projected_stock from marts.stock_trajectory
        where area_level = 'national' and target_code = 'label_efg_2028'""").fetchall())
    t = tables["Verwachte voorraad per jaar (landelijk)"]
    col = next(i for i, h in enumerate(t.headers) if h.startswith("E/F/G"))
    got = {int(r[0]): r[col] for r in t.rows}
    assert got[snap.year] == nl_int(efg)
    for year, value in trajectory.items():
        assert got[year] == nl_int(value)
    assert max(got) == 2028


def test_findings_summary_and_appendix_equal_dq_findings(april):
    db, result = april
    con = marts(db)
    counts = dict(((c, s), n) for c, s, n in con.execute(
        "select check_code, severity, count(*) from marts.dq_findings group by all").fetchall())
    tables, _ = html_tables(result.html)
    summary = tables["Bevindingen van de controles per soort"]
    got = {(r[0], {"fout": "error", "waarschuwing": "warning"}[r[2]]): int(r[3]) for r in summary.rows}
    assert got == counts
    errors = con.execute("select check_code, entity from marts.dq_findings where severity = 'error'").fetchall()
    every_error = tables["Alle fouten"]
    assert sorted((r[0], r[2]) for r in every_error.rows) == sorted(errors)
    warnings = tables["Waarschuwingen per controle, met voorbeelden"]
    assert {r[0]: int(r[2]) for r in warnings.rows} == {c: n for (c, s), n in counts.items() if s == "warning"}
    # the complete list is in the workbook
    wb = openpyxl.load_workbook(result.xlsx)
    _, rows = sheet_rows(xlsx_sheet(wb, "Alle bevindingen"))
    assert len(rows) == sum(counts.values())


def test_april_realisation_equals_progress_by_area(april):
    db, result = april
    con = marts(db)
    year = con.execute("select max(year) from marts.realisation_by_area").fetchone()[0]
    committed, realised, share = con.execute("""select committed_value, realised_value, realisation_share
        from marts.progress_by_area where area_level = 'national' and indicator_code = 'nieuwbouw' and year = ?""",
                                             [year]).fetchone()
    tables, _ = html_tables(result.html)
    table = tables[f"Toegezegd en gerealiseerd in {year} per indicator (landelijk)"]
    row = table.row("Nieuwbouw")
    assert row[2:5] == [nl_int(committed), nl_int(realised), nl_pct(share)]
    corop = tables[f"Toegezegd en gerealiseerd in {year} per COROP-regio"]
    for name, code in (("Groot-Amsterdam", "CR23"), ("Utrecht", "CR17")):
        c, r = con.execute("""select committed_value, realised_value from marts.progress_by_area
            where area_level = 'corop_region' and area_code = ? and indicator_code = 'nieuwbouw' and year = ?""",
                           [code, year]).fetchone()
        assert corop.row(name)[1:3] == [nl_int(c), nl_int(r)]


def test_april_regional_contributions_add_up(april):
    db, result = april
    con = marts(db)
    latest_year = con.execute("select year(max(snapshot_date)) from marts.stock_by_area").fetchone()[0]
    tables, _ = html_tables(result.html)
    table = tables["Bijdrage aan de nationale doelen per COROP-regio"]
    nb26 = table.headers.index("Nieuwbouw 2026")
    efg = table.headers.index("E/F/G-woningen eind 2028")
    for name, code in (("Groot-Amsterdam", "CR23"), ("Utrecht", "CR17")):
        v26 = con.execute("""select sum(committed_value) from marts.commitments_by_area where area_level = 'corop_region'
            and area_code = ? and indicator_code = 'nieuwbouw' and year = 2026""", [code]).fetchone()[0]
        vefg = con.execute("""select sum(committed_value) from marts.commitments_by_area where area_level = 'corop_region'
            and area_code = ? and indicator_code = 'verbetering_efg' and year > ? and year <= 2028""",
                           [code, latest_year]).fetchone()[0]
        row = table.row(name)
        assert row[nb26] == nl_int(v26) and row[efg] == nl_int(vefg)
    national = dict(con.execute("select target_code, committed_value from marts.progress_national").fetchall())
    assert table.row("Nederland")[nb26] == nl_int(national["nieuwbouw_2026"])
    assert table.row("Nederland")[efg] == nl_int(national["label_efg_2028"])
    # every level: a table per province, COROP region and housing-market region
    for level in ("provincie", "COROP-regio", "woningmarktregio"):
        assert f"Bijdrage aan de nationale doelen per {level}" in tables
        assert f"Dekking van de prestatieafspraken per {level}" in tables
        assert f"Verwachte voorraad E/F/G en conditie 5/6 per {level}" in tables


def test_april_trajectory_per_region_and_regions_not_on_track(april):
    db, result = april
    con = marts(db)
    snap = con.execute("select max(snapshot_date) from marts.stock_by_area").fetchone()[0]
    tables, _ = html_tables(result.html)
    table = tables["Verwachte voorraad E/F/G en conditie 5/6 per COROP-regio"]
    for name, code in (("Groot-Amsterdam", "CR23"), ("Utrecht", "CR17")):
        start = con.execute("""select n_label_efg from marts.stock_by_area where area_level = 'corop_region'
            and area_code = ? and snapshot_date = ?""", [code, snap]).fetchone()[0]
        end = con.execute("""select projected_stock from marts.stock_trajectory where area_level = 'corop_region'
            and area_code = ? and target_code = 'label_efg_2028' and year = 2028""", [code]).fetchone()[0]
        row = table.row(name)
        assert row[1] == nl_int(start) and row[2] == nl_int(start - end) and row[3] == nl_int(end)
        assert row[4] == ("ja" if end <= 0 else "nee")
    html = result.html.read_text(encoding="utf-8")
    off_track = re.search(r"E/F/G-woningen eind 2028: (\d+) van de (\d+) COROP-regio&#39;s niet op koers: ([^<]*)</li>",
                          html)
    assert off_track.group(1, 2) == ("1", "2")
    assert "Groot-Amsterdam" in off_track.group(3) and "Utrecht" not in off_track.group(3)
    # small multiples: one panel per COROP region, for both stock targets
    assert html.count("Verloop van het aantal woningen met label E, F of G tot en met 2028 per COROP-regio") == 1
    assert html.count("Verloop van het aantal woningen met conditie 5 of 6 tot en met 2026 per COROP-regio") == 1


def test_april_corporation_appendix_adds_up_to_the_national_commitments(april):
    db, result = april
    con = marts(db)
    wb = openpyxl.load_workbook(result.xlsx)
    headers, rows = sheet_rows(xlsx_sheet(wb, "Bijdragen per corporatie aan de nationale doelen"))
    total = next(r for r in rows if r[0] == "Totaal")
    corporations = [r for r in rows if r[1]]
    names = dict(con.execute("select corporation_id, corporation_name from marts.dim_corporation").fetchall())
    committing = {r[0] for r in con.execute("select distinct corporation_id from marts.fct_commitments").fetchall()}
    assert {r[1] for r in corporations} == committing
    for r in corporations:
        assert r[0].startswith(names[r[1]])
    national = dict(con.execute("select target_code, committed_value from marts.progress_national").fetchall())
    short_to_code = {"Nieuwbouw 2026": "nieuwbouw_2026", "Nieuwbouw 2022–2025": "nieuwbouw_heffingskorting",
                     "E/F/G-woningen eind 2028": "label_efg_2028", "Conditie 5/6 eind 2026": "conditie_56_2026",
                     "Duurzame energie 2022–2025 (EUR)": "duurzame_energie_2025", "Onderhoud 2024 (EUR)": "onderhoud_2024"}
    for header, code in short_to_code.items():
        i = headers.index(header)
        assert total[i] == pytest.approx(national[code]), header
        assert sum(r[i] for r in corporations) == pytest.approx(national[code])


def test_workbook_numbers_are_numbers_and_text_is_never_a_formula(april):
    db, result = april
    wb = openpyxl.load_workbook(result.xlsx)
    assert wb.sheetnames[0] == "Inhoud"
    tables, _ = html_tables(result.html)
    n_tables = len({t.number for t in tables.values()})
    assert len(wb.sheetnames) == 1 + n_tables + 4  # + complete lists only in the workbook
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), \
                        f"{ws.title}!{cell.coordinate}: {cell.value!r}"
    with zipfile.ZipFile(result.xlsx) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode("utf-8")
    _, rows = sheet_rows(xlsx_sheet(wb, "Alle bevindingen"))
    hostile = next(r for r in rows if r[0] == "F4")
    assert hostile[3] == "'" + fx.HOSTILE_ENTITY
    assert hostile[4] == "'" + fx.HOSTILE_DETAIL
    assert hostile[5] == "'" + fx.HOSTILE_FILE
    # numeric columns hold numbers, with Dutch headers
    ws = xlsx_sheet(wb, "Toegezegd en gerealiseerd in 2022 per indicator (landelijk)")
    headers, rows = sheet_rows(ws)
    assert headers[:3] == ["Indicator", "Eenheid", "Toegezegd 2022"]
    nieuwbouw = next(r for r in rows if r[0] == "Nieuwbouw")
    assert isinstance(nieuwbouw[2], (int, float)) and isinstance(nieuwbouw[3], (int, float))
    assert ws.cell(HEADER_ROW + 1, 3).number_format == "#,##0"


def test_reports_are_byte_deterministic(zomer, april, tmp_path):
    for db, first in (zomer, april):
        again = render_report(first.report, first.as_of, db, tmp_path / first.report, RUN_ID, None, CODE_VERSION)
        for name in ("rapport.html", "rapport.pdf", "cijfers.xlsx", "manifest.json"):
            assert (again.out_dir / name).read_bytes() == (first.out_dir / name).read_bytes(), \
                f"{first.report}: {name} differs between two renderings of the same marts"


def test_pdf_has_every_section_in_order(zomer, april):
    expected = {
        "zomer-2022": ["Samenvatting",
                       "1. Dekking van de lokale prestatieafspraken",
                       "2. Toezeggingen tegenover de nationale doelen",
                       "3. Uitgangspositie: energielabels E, F en G en conditie 5 en 6",
                       "4. Datakwaliteit",
                       "Bijlage A. Bevindingen datakwaliteit",
                       "Bijlage B. Verantwoording"],
        "april-2023": ["Samenvatting",
                       "1. Dekking van de lokale prestatieafspraken",
                       "2. Toezeggingen tegenover de nationale doelen",
                       "3. Uitgangspositie: energielabels E, F en G en conditie 5 en 6",
                       "4. Realisatie in 2022 tegenover de toezeggingen voor 2022",
                       "5. Verloop van E/F/G-woningen en conditie 5/6 per regio",
                       "6. Datakwaliteit",
                       "Bijlage A. Bevindingen datakwaliteit",
                       "Bijlage B. Bijdragen per corporatie",
                       "Bijlage C. Verantwoording"],
    }
    for _, result in (zomer, april):
        pages = _pdf_pages(result.pdf)
        body = " ".join(" ".join(pages[1:]).split())  # after the contents on the first page(s)
        text = " ".join(" ".join(pages).split())
        positions = []
        for heading in expected[result.report]:
            # the heading as a chapter title: after the table of contents
            found = [m.start() for m in re.finditer(re.escape(heading), text)]
            assert found, f"{result.report}: {heading!r} not in the PDF"
            positions.append(found[-1])
        assert positions == sorted(positions), f"{result.report}: sections out of order"
        tables, figures = html_tables(result.html)
        numbers = sorted({t.number for t in tables.values()})
        for n in numbers:
            assert f"Tabel {n} " in body
        for n in range(1, len(figures) + 1):
            assert f"Figuur {n} " in body
        assert "Peildatum" in text and "Pagina 2 van" in text


def test_every_table_and_chart_is_titled_and_sourced(zomer, april):
    for _, result in (zomer, april):
        tables, figures = html_tables(result.html)
        assert figures, "charts present"
        for key, t in tables.items():
            assert t.title and t.source.startswith("Bron: "), key
        for caption, source in figures:
            assert caption and source.startswith("Bron: "), caption
        html = result.html.read_text(encoding="utf-8")
        assert "<script" not in html.lower() and "<link" not in html.lower() and " src=" not in html.lower()
        assert set(re.findall(r"https?://[^\s\"'<>)&]+", html)) <= {"http://www.w3.org/2000/svg",
                                                                "http://example.invalid/x"}
        assert html.count("<svg") == len(figures)
        assert '<html lang="nl">' in html


def test_charts_show_the_national_targets(zomer):
    _, result = zomer
    html = result.html.read_text(encoding="utf-8")
    nieuwbouw = html[html.index("Toegezegde nieuwbouw per jaar tegenover het nationale doel"):]
    nieuwbouw = nieuwbouw[:nieuwbouw.index("</svg>")]
    assert nieuwbouw.count("doel 28.000") == 2  # markers over 2026 and 2027
    others = html[html.index("Toegezegde bijdragen als deel van de overige nationale doelen"):]
    others = others[:others.index("</svg>")]
    for label in ("Nieuwbouw 2022–2025", "Geclusterde ouderenwoningen vanaf 2022", "E/F/G-woningen eind 2028",
                  "Conditie 5/6 eind 2026", "Duurzame energie 2022–2025", "Onderhoud 2022", "Onderhoud 2026"):
        assert label in others
    assert "Dekking van de prestatieafspraken per provincie" in html
    assert "Verloop van het aantal woningen met label E, F of G tot en met 2028 (landelijk)" in html
    assert "Verloop van het aantal woningen met conditie 5 of 6 tot en met 2026 (landelijk)" in html
    assert "EUR 8,6 miljard" in html and "EUR 500 miljoen" in html


def test_concept_on_first_page_only_with_error_findings(zomer, april):
    _, clean = zomer
    _, dirty = april
    first = _pdf_pages(dirty.pdf)[0]
    assert "CONCEPT" in first
    assert "A4" in first and "R1" in first  # the errors are listed on the first page
    assert dirty.concept and json.loads(dirty.manifest.read_text())["concept"] is True
    assert "CONCEPT" not in _pdf_text(clean.pdf)
    assert "CONCEPT" not in clean.html.read_text(encoding="utf-8")
    assert not clean.concept


@pytest.mark.parametrize("report,as_of,with_errors", [("zomer-2022", fx.ZOMER, True), ("april-2023", fx.APRIL, False)])
def test_concept_follows_the_error_findings(tmp_path, report, as_of, with_errors):
    db = fx.build_marts(tmp_path / "m.duckdb", as_of, with_errors=with_errors)
    with open_marts(db) as m:
        doc = build_document(m, report, as_of, RUN_ID, CODE_VERSION)
    html = render_html(doc, as_of, CODE_VERSION)
    assert doc.concept is with_errors
    assert ('class="concept-stamp">CONCEPT<' in html) is with_errors


def test_without_housing_market_regions_there_are_no_such_tables(tmp_path):
    db = fx.build_marts(tmp_path / "m.duckdb", fx.APRIL, with_hmr=False)
    with open_marts(db) as m:
        doc = build_document(m, "april-2023", fx.APRIL, RUN_ID, CODE_VERSION)
    titles = [t.title for t in doc.tables()]
    assert not any("woningmarktregio" in t for t in titles)
    assert any("per COROP-regio" in t for t in titles)


def test_manifest(zomer, tmp_path):
    db, result = zomer
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    con = marts(db)
    assert manifest["report"] == "zomer-2022" and manifest["as_of"] == "2022-07-01"
    assert manifest["run_id"] == RUN_ID and manifest["code_version"] == CODE_VERSION
    logged = con.execute("""select file_path, sha256 from marts.load_log where status in ('loaded', 'unchanged')
                            order by file_path""").fetchall()
    assert [(f["path"], f["sha256"]) for f in manifest["input_files"]] == logged
    counts = dict(con.execute("select severity, count(*) from marts.dq_findings group by all").fetchall())
    assert manifest["findings"]["error"] == counts.get("error", 0)
    assert manifest["findings"]["warning"] == counts.get("warning", 0)
    assert manifest["findings"]["by_check"]["R6"] == {"severity": "warning", "count": 3}
    for name in ("rapport.html", "rapport.pdf", "cijfers.xlsx"):
        assert manifest["outputs"][name] == _sha(result.out_dir / name)

    explicit = [("raw/register/2021-12-31/L0001.csv", "a" * 64)]
    again = render_report("zomer-2022", fx.ZOMER, db, tmp_path / "out", "other-run", explicit, CODE_VERSION)
    manifest = json.loads(again.manifest.read_text(encoding="utf-8"))
    assert manifest["input_files"] == [{"path": explicit[0][0], "sha256": explicit[0][1]}]
    assert manifest["run_id"] == "other-run"


def test_refuses_marts_that_are_not_as_of_the_date(april, tmp_path):
    db, _ = april  # holds the 2022-12-31 snapshot and agreements signed after 1 July 2022
    with pytest.raises(MartsError, match="as of 2022-07-01"):
        render_report("zomer-2022", fx.ZOMER, db, tmp_path / "out", RUN_ID, None, CODE_VERSION)
    assert not (tmp_path / "out" / "rapport.html").exists()


def test_refuses_an_unknown_report_and_missing_tables(tmp_path):
    import duckdb

    with pytest.raises(KeyError):
        render_report("winter-2024", dt.date(2024, 1, 1), tmp_path / "x.duckdb", tmp_path, RUN_ID, None, CODE_VERSION)
    db = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema marts")
    con.close()
    with pytest.raises(MartsError, match="lacks table"):
        render_report("zomer-2022", fx.ZOMER, db, tmp_path / "out", RUN_ID, None, CODE_VERSION)
