"""Helpers for the report tests: read the tables back out of rapport.html, cijfers.xlsx and the PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
from babel.numbers import format_decimal

HEADER_ROW = 5  # Excel row of the column headers in every table sheet


def nl_int(value) -> str:
    """Independent of the code under test: babel with the Dutch locale, rounded half up."""
    rounded = Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return format_decimal(rounded, format="#,##0", locale="nl_NL")


def nl_pct(share) -> str:
    rounded = (Decimal(str(share)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return format_decimal(rounded, format="#,##0.0", locale="nl_NL") + "%"


@dataclass
class HtmlTable:
    number: int
    title: str = ""
    source: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    def row(self, first_cell: str) -> list[str]:
        for r in self.rows:
            if r and r[0] == first_cell:
                return r
        raise KeyError(f"no row {first_cell!r} in table {self.number} {self.title!r}: {[r[0] for r in self.rows]}")

    def column(self, header: str) -> list[str]:
        i = self.headers.index(header)
        return [r[i] for r in self.rows]


class _ReportParser(HTMLParser):
    """Collects every table block (caption, headers, rows, source) and every figure (caption, source)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[HtmlTable] = []
        self.figures: list[tuple[str, str]] = []
        self.block: str | None = None  # 'table' | 'figure'
        self.capture: str | None = None
        self.buffer = ""
        self.row: list[str] | None = None
        self.fig_caption = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag == "div" and "table-block" in cls:
            self.block = "table"
            self.tables.append(HtmlTable(int(a["id"].split("-")[1])))
        elif tag == "figure":
            self.block = "figure"
            self.fig_caption = ""
        elif tag == "p" and "caption" in cls and self.block == "table":
            self._start("title")
        elif tag == "figcaption":
            self._start("figcaption")
        elif tag == "p" and "source" in cls and self.block:
            self._start("source")
        elif tag == "tr" and self.block == "table":
            self.row = []
        elif tag in ("th", "td") and self.block == "table":
            self._start(tag)

    def _start(self, what):
        self.capture = what
        self.buffer = ""

    def handle_data(self, data):
        if self.capture:
            self.buffer += data

    def handle_endtag(self, tag):
        if self.capture is None:
            if tag == "tr" and self.row is not None:
                if self.row:
                    self.tables[-1].rows.append(self.row)
                self.row = None
            return
        flat = " ".join(self.buffer.split())
        if tag == "p" and self.capture == "title":
            self.tables[-1].title = re.sub(r"^Tabel \d+\s*", "", flat)
        elif tag == "figcaption":
            self.fig_caption = re.sub(r"^Figuur \d+\s*", "", flat)
        elif tag == "p" and self.capture == "source":
            if self.block == "table":
                self.tables[-1].source = flat
            else:
                self.figures.append((self.fig_caption, flat))
            self.block = None
        elif tag == "th":
            self.tables[-1].headers.append(flat)
        elif tag == "td":
            self.row.append(self.buffer.strip())
        else:
            return
        self.capture = None


def html_tables(path: Path) -> tuple[dict[str, HtmlTable], list[tuple[str, str]]]:
    """Tables of a report by title and by 'Tabel N', and the (caption, source) of every figure."""
    parser = _ReportParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    tables: dict[str, HtmlTable] = {}
    for table in parser.tables:
        tables[table.title] = table
        tables[f"Tabel {table.number}"] = table
    return tables, parser.figures


def xlsx_sheet(wb, title_prefix: str):
    for ws in wb.worksheets:
        a1 = ws.cell(1, 1).value or ""
        if re.sub(r"^Tabel \d+\. ", "", a1) == title_prefix:
            return ws
    raise KeyError(f"no sheet titled {title_prefix!r}: {[ws.cell(1, 1).value for ws in wb.worksheets]}")


def sheet_rows(ws) -> tuple[list[str], list[list]]:
    headers = [c.value for c in ws[HEADER_ROW] if c.value is not None]
    rows = []
    for r in ws.iter_rows(min_row=HEADER_ROW + 1, max_col=len(headers), values_only=True):
        rows.append(list(r))
    return headers, rows


def marts(path: Path) -> duckdb.DuckDBPyConnection:
    """The fixture's marts, read-only, attached by alias (the file is called marts.duckdb)."""
    con = duckdb.connect(":memory:")
    con.execute(f"ATTACH '{path}' AS m (READ_ONLY)")
    con.execute("USE m")
    return con
