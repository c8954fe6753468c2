"""cijfers.xlsx: one sheet per table of the report, numbers as numbers, Dutch headers.

Each sheet: the table title (A1), its source (A2) and note (A3), the header on row 5 and the data
below it. Text never becomes a formula: cells are written as strings explicitly, and text that a
spreadsheet would read as a formula when edited (starting with `=`, `+`, `-`, `@`, tab or CR, or
the full-width `＝`, `＋`, `－`, `＠`) gets a leading apostrophe. The workbook's timestamps are
fixed to the reference date, so the same report gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import xlsxwriter

from pipelines.reports.model import ReportDocument, Table

HEADER_ROW = 4  # zero-based: Excel row 5
# the full-width forms too: an East Asian Excel turns them into formulas when a cell is edited
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
NUMBER_FORMATS = {
    "int": "#,##0",
    "eur": "#,##0",
    "mln": "#,##0",
    "unit": "#,##0",
    "pct": "0.0%",
    "year": "0",
    "date": "d-m-yyyy",
}


def neutralise(text: str) -> str:
    """Text a spreadsheet could execute as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if text and text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and value != value:  # NaN
        return None
    if isinstance(value, (int, float)):
        return value
    return None


def render_workbook(doc: ReportDocument, as_of: dt.date, run_id: str, code_version: str) -> bytes:
    buffer = io.BytesIO()
    created = dt.datetime(as_of.year, as_of.month, as_of.day)
    wb = xlsxwriter.Workbook(buffer, {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    })
    wb.set_properties({
        "title": f"{doc.title}: cijfers",
        "subject": f"{doc.subtitle}, peildatum {doc.as_of_text}",
        "author": "Monitor nationale prestatieafspraken",
        "company": "",
        "comments": f"run {run_id}, codeversie {code_version}",
        "created": created,
    })
    styles = {
        "title": wb.add_format({"bold": True, "font_size": 12}),
        "muted": wb.add_format({"italic": True, "font_color": "#5c5c5c"}),
        "header": wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom"}),
        "header_num": wb.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "bottom", "align": "right"}),
        "text": wb.add_format({"valign": "top", "text_wrap": True}),
        "concept": wb.add_format({"bold": True, "font_color": "#d52b1e", "font_size": 14}),
    }
    number_styles = {kind: wb.add_format({"num_format": f, "valign": "top"}) for kind, f in NUMBER_FORMATS.items()}
    bold_number_styles = {kind: wb.add_format({"num_format": f, "bold": True, "valign": "top"})
                          for kind, f in NUMBER_FORMATS.items()}
    bold_text = wb.add_format({"bold": True, "valign": "top", "text_wrap": True})

    _write_contents(wb, doc, styles, run_id, code_version)
    for table in doc.tables():
        _write_table(wb, table, styles, number_styles, bold_number_styles, bold_text)
    wb.close()
    return buffer.getvalue()


def _write_contents(wb, doc: ReportDocument, styles, run_id: str, code_version: str) -> None:
    ws = wb.add_worksheet("Inhoud")
    ws.write_string(0, 0, neutralise(f"{doc.title}: {doc.subtitle}"), styles["title"])
    row = 1
    if doc.concept:
        ws.write_string(row, 0, "CONCEPT: fouten in de gegevens raken de cijfers (zie blad 'Alle bevindingen').",
                        styles["concept"])
        row += 1
    for label, value in (("Peildatum", doc.as_of_text), ("Run", run_id), ("Codeversie", code_version)):
        ws.write_string(row, 0, label, styles["muted"])
        ws.write_string(row, 1, neutralise(str(value)))
        row += 1
    row += 1
    ws.write_string(row, 0, "Tabel", styles["header"])
    ws.write_string(row, 1, "Blad", styles["header"])
    ws.write_string(row, 2, "Titel", styles["header"])
    ws.write_string(row, 3, "Bron", styles["header"])
    for table in doc.tables():
        row += 1
        ws.write_number(row, 0, table.number)
        ws.write_string(row, 1, neutralise(table.sheet))
        ws.write_string(row, 2, neutralise(table.title))
        ws.write_string(row, 3, neutralise(table.source))
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 2, 70)
    ws.set_column(3, 3, 90)


def _write_table(wb, table: Table, styles, number_styles, bold_number_styles, bold_text) -> None:
    ws = wb.add_worksheet(table.sheet)
    ws.write_string(0, 0, neutralise(f"Tabel {table.number}. {table.title}"), styles["title"])
    ws.write_string(1, 0, neutralise(table.source), styles["muted"])
    if table.note:
        ws.write_string(2, 0, neutralise(table.note), styles["muted"])
    widths = []
    for c, column in enumerate(table.columns):
        numeric = column.kind in NUMBER_FORMATS
        header = column.xlsx_header()
        ws.write_string(HEADER_ROW, c, neutralise(header), styles["header_num" if numeric else "header"])
        widths.append(min(max(len(header) * 0.6, 10), 40) if numeric else min(max(len(header), 10), 60))
    for r, row in enumerate(table.rows):
        excel_row = HEADER_ROW + 1 + r
        bold = r in table.emphasis
        for c, column in enumerate(table.columns):
            value = row[c]
            if value is None:
                continue
            kind = column.kind
            if kind == "date" and isinstance(value, dt.date):
                ws.write_datetime(excel_row, c, dt.datetime(value.year, value.month, value.day),
                                  (bold_number_styles if bold else number_styles)["date"])
                continue
            if kind in NUMBER_FORMATS and _number(value) is not None:
                ws.write_number(excel_row, c, _number(value), (bold_number_styles if bold else number_styles)[kind])
                continue
            text = ("ja" if value else "nee") if kind == "bool" else str(value)
            ws.write_string(excel_row, c, neutralise(text), bold_text if bold else styles["text"])
            if kind not in NUMBER_FORMATS:
                longest = max((len(part) for part in text.split("\n")), default=0)
                widths[c] = min(max(widths[c], longest + 2), 80)
    for c, width in enumerate(widths):
        ws.set_column(c, c, width)
    ws.freeze_panes(HEADER_ROW + 1, 1 if len(table.columns) > 4 else 0)
    if table.rows:
        ws.autofilter(HEADER_ROW, 0, HEADER_ROW + len(table.rows), len(table.columns) - 1)
    ws.set_row(HEADER_ROW, 30)
