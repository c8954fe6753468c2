"""Report building blocks: Dutch formatting, formula neutralisation, sheet names, chart axes."""

from __future__ import annotations

import datetime as dt
import locale

import pytest

from pipelines.reports import charts
from pipelines.reports import formatting as fmt
from pipelines.reports.model import sheet_name
from pipelines.reports.workbook import neutralise


def test_dutch_numbers():
    assert fmt.fmt_int(28000) == "28.000"
    assert fmt.fmt_int(2_300_000.4) == "2.300.000"
    assert fmt.fmt_int(-1250) == "-1.250"
    assert fmt.fmt_int(2.5) == "3"  # half up, as a reader would round
    assert fmt.fmt_int(None) == "–"
    assert fmt.fmt_pct(0.123) == "12,3%"
    assert fmt.fmt_pct(0.0005) == "0,1%"
    assert fmt.fmt_pct(1) == "100,0%"
    assert fmt.fmt_dec(8.6) == "8,6"
    assert fmt.fmt_mln(2_568_000) == "2,6"


def test_dutch_euro_amounts():
    assert fmt.fmt_eur(8.6e9) == "EUR 8,6 miljard"
    assert fmt.fmt_eur(500e6) == "EUR 500 miljoen"
    assert fmt.fmt_eur(1_250_000) == "EUR 1,3 miljoen"
    assert fmt.fmt_eur(12_500) == "EUR 12.500"
    assert fmt.fmt_eur(-479_480_000) == "EUR -479,5 miljoen"
    assert fmt.fmt_eur(100e6, short=True) == "EUR 100 mln"
    assert fmt.fmt_eur(8.6e9, short=True) == "EUR 8,6 mld"


def test_dates_periods_and_units():
    assert fmt.fmt_date(dt.date(2022, 7, 1)) == "1 juli 2022"
    assert fmt.fmt_date(dt.date(2023, 4, 1)) == "1 april 2023"
    assert fmt.fmt_period(2026, 2026) == "2026"
    assert fmt.fmt_period(2022, 2025) == "2022–2025"
    assert fmt.fmt_period(2022, None) == "vanaf 2022"
    assert fmt.fmt_quantity(500e6, "euro") == "EUR 500 mln"
    assert fmt.fmt_quantity(28000, "woningen") == "28.000"
    assert fmt.fmt_bool(True) == "ja" and fmt.fmt_bool(False) == "nee"


def test_formatting_ignores_the_machine_locale():
    previous = locale.setlocale(locale.LC_ALL)
    try:
        for name in ("C.UTF-8", "C", "en_US.UTF-8"):
            try:
                locale.setlocale(locale.LC_ALL, name)
            except locale.Error:
                continue
            assert fmt.fmt_int(28000) == "28.000"
            assert fmt.fmt_eur(8.6e9) == "EUR 8,6 miljard"
            assert fmt.fmt_pct(0.123) == "12,3%"
    finally:
        locale.setlocale(locale.LC_ALL, previous)


@pytest.mark.parametrize("text", ["=1+1", "+31 20", "-2", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'])
def test_formula_triggers_are_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Amsterdam", "'s-Gravenhage", "1, 2", "", "E/F/G", " =x"])
def test_ordinary_text_is_kept(text):
    assert neutralise(text) == text


def test_sheet_names_are_valid_excel_names():
    name = sheet_name("T12 Bijdrage aan de nationale doelen per COROP-regio: [test]/*?")
    assert len(name) <= 31
    assert not set(name) & set("[]:*?/\\")
    assert name.startswith("T12 Bijdrage")
    assert sheet_name("T01 Dekking provincie") == "T01 Dekking provincie"


def test_nice_ticks():
    assert charts.nice_ticks(0, 28000) == [0, 10000, 20000, 30000]
    assert charts.nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    ticks = charts.nice_ticks(-1317, 5230)
    assert ticks[0] <= -1317 and ticks[-1] >= 5230


def test_svg_is_self_contained_and_dutch():
    svg = charts.bar_chart("Nieuwbouw", ["2025", "2026"], [21010.0, 2292.0], targets={"2026": 28000})
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<title>Nieuwbouw</title>" in svg
    assert "21.010" in svg and "doel 28.000" in svg
    assert "href" not in svg and "<script" not in svg
    small = charts.small_multiples("x", [("Agglomeratie Leiden en Bollenstreek", (2022, 1000.0), [(2028, 10.0)])])
    assert "Agglomeratie Leiden en" in small and "niet op koers" in small


def test_column_widths_fit_the_figures_and_share_the_rest():
    from pipelines.reports.colwidths import PAGE_EM, column_widths, text_em

    headers = ["Provincie", "Woningen", "Aandeel"]
    rows = [["Noord-Brabant", "1.234.567", "12,3%"], ["Zeeland", "8", "0,1%"], ["Nederland", "2.345.678", "100,0%"]]
    widths = column_widths(headers, rows, [False, True, True], bold_rows={2})
    assert abs(sum(widths) - 100) < 0.1
    # the table fits on one line: every column gets at least its widest (bold) figure
    for c in (1, 2):
        widest = max(text_em(r[c]) for r in rows) * 1.1
        assert widths[c] / 100 * PAGE_EM["portrait"] >= widest
    assert column_widths(headers, rows, [False, True, True], set()) == column_widths(
        headers, rows, [False, True, True], set())  # deterministic
    # more columns than the page holds: shares follow the minimum widths, still summing to 100
    many = column_widths(["Corporatie"] + [f"Kolom {i}" for i in range(30)],
                         [["Stichting Volkshuisvesting Ergens"] + ["1.234"] * 30], [False] + [True] * 30, set(), "wide")
    assert abs(sum(many) - 100) < 0.2 and len(many) == 31


def test_pdf_failures_reach_the_caller():
    """Typst works on a thread of its own: its errors are raised where the PDF is asked for."""
    from pipelines.reports.model import Chart, ReportDocument, Section
    from pipelines.reports.pdf import PdfError, start_pdf

    def doc(svg: str) -> ReportDocument:
        chart = Chart(key="c", title="Figuur", source="Bron: test.", svg=svg, number=1)
        return ReportDocument(report="zomer-2022", title="T", subtitle="S", as_of_text="1 juli 2022",
                              sections=[Section("s", "Hoofdstuk", blocks=[chart], number="1")], front=[],
                              concept=False, colophon=[])

    good = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="10" height="10"></svg>'
    pdf, warnings = start_pdf(doc(good), dt.date(2022, 7, 1), "code").result()
    assert pdf.startswith(b"%PDF") and warnings == []
    pending = start_pdf(doc("<svg this is not svg"), dt.date(2022, 7, 1), "code")
    with pytest.raises(PdfError, match="Typst could not typeset the report"):
        pending.result()
