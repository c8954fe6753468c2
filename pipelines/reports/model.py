"""The content of a report, independent of how it is written out.

A report is a list of sections; a section holds blocks (paragraphs, tables, charts, notices). The
same `Table` objects become the HTML tables (formatted in Dutch) and the sheets of `cijfers.xlsx`
(raw numbers), so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.reports import formatting as fmt
from pipelines.reports.colwidths import column_widths

# Column kinds: how a value is shown (HTML) and stored (xlsx).
#   text   free text                       str
#   int    count                           '#,##0'
#   pct    share 0..1                      '0.0%'
#   eur    euro amount in words            '#,##0' (header gets ' (EUR)' in Excel)
#   mln    euro amount in millions         '#,##0' in Excel (raw euros), '(mln EUR)' in HTML
#   unit   count or euro by the row's unit  '#,##0'
#   bool   ja/nee                          text
#   year   a year                          '0'
#   date   a date                          'd-m-yyyy'
NUMERIC_KINDS = {"int", "pct", "eur", "mln", "unit", "year"}


@dataclass
class Column:
    header: str
    kind: str = "text"
    unit_column: int | None = None  # kind 'unit': index of the column holding the row's unit
    html: bool = True  # False: only in cijfers.xlsx (e.g. a long description beside a short label)
    unit_in_header: bool = True  # False when the table title already names the unit

    def html_header(self) -> str:
        return f"{self.header} (mln EUR)" if self.kind == "mln" and self.unit_in_header else self.header

    def xlsx_header(self) -> str:
        return f"{self.header} (EUR)" if self.kind in ("mln", "eur") else self.header


@dataclass
class Table:
    key: str  # unique; becomes the sheet name in cijfers.xlsx (with the table number)
    title: str
    source: str
    columns: list[Column]
    rows: list[list[Any]]
    note: str | None = None
    emphasis: set[int] = field(default_factory=set)  # row indexes shown bold (totals)
    wide: bool = False  # printed on a landscape page
    number: int = 0  # assigned when the report is numbered
    sheet: str = ""  # assigned when the report is numbered
    empty_text: str = "Geen gegevens."
    sheet_title: str = ""  # short title for the sheet name (max ~26 characters); default: the title

    def html_columns(self) -> list[int]:
        return [i for i, c in enumerate(self.columns) if c.html]

    def cell_text(self, row: list[Any], index: int) -> str:
        column = self.columns[index]
        unit = row[column.unit_column] if column.unit_column is not None else None
        return fmt.fmt_value(row[index], column.kind, unit)

    def formatted_rows(self) -> list[list[str]]:
        return [[self.cell_text(row, i) for i in range(len(self.columns))] for row in self.rows]

    def page(self, landscape: bool = False) -> str:
        """The page kind of colwidths.py this table is set on."""
        return "wide" if self.wide else ("landscape" if landscape else "portrait")

    def html_column_widths(self, formatted: list[list[str]], landscape: bool = False,
                           scale: float = 1.0) -> list[float]:
        """Percent of the table's width per HTML column (see colwidths.py); `formatted`: formatted_rows();
        `scale`: the font's widths against DejaVu Sans'."""
        cols = self.html_columns()
        return column_widths([self.columns[i].html_header() for i in cols],
                             [[row[i] for i in cols] for row in formatted],
                             [self.columns[i].kind in NUMERIC_KINDS for i in cols], self.emphasis,
                             self.page(landscape), scale)


@dataclass
class Chart:
    key: str
    title: str
    source: str
    svg: str
    note: str | None = None
    number: int = 0
    wide: bool = False


@dataclass
class Paragraph:
    text: str  # plain text, escaped when rendered
    kind: str = "p"  # p | lead | callout | warning


@dataclass
class ItemList:
    items: list[str]
    title: str | None = None


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Any] = field(default_factory=list)
    appendix: bool = False
    number: str = ""  # '1', '2', ... or 'A', 'B' for appendices; '' when not numbered
    wide: bool = False  # the whole section on landscape pages
    numbered: bool = True  # False: a section before the chapters (the summary)

    def heading(self) -> str:
        """The heading as the reader sees it (and the table of contents lists it)."""
        if not self.numbered:
            return self.title
        return f"{'Bijlage ' if self.appendix else ''}{self.number}. {self.title}"

    def add(self, *blocks: Any) -> "Section":
        self.blocks.extend(b for b in blocks if b is not None)
        return self


@dataclass
class ReportDocument:
    report: str
    title: str
    subtitle: str
    as_of_text: str
    sections: list[Section]
    front: list[Any]  # blocks on the first page (key figures, CONCEPT notice)
    concept: bool
    colophon: list[tuple[str, str]]  # (label, value) pairs shown in the colophon
    extra_sheets: list[Table] = field(default_factory=list)  # complete lists, only in cijfers.xlsx

    def number(self) -> None:
        """Number sections, tables and charts in reading order; tables get their sheet names."""
        table_no = chart_no = 0
        chapter = 0
        appendix = 0
        for section in self.sections:
            if not section.numbered:
                section.number = ""
            elif section.appendix:
                section.number = chr(ord("A") + appendix)
                appendix += 1
            else:
                chapter += 1
                section.number = str(chapter)
            for block in section.blocks:
                if isinstance(block, Table):
                    table_no += 1
                    block.number = table_no
                    block.sheet = sheet_name(f"T{table_no:02d} {block.sheet_title or block.title}")
                elif isinstance(block, Chart):
                    chart_no += 1
                    block.number = chart_no
        for extra in self.extra_sheets:
            table_no += 1
            extra.number = table_no
            extra.sheet = sheet_name(f"T{table_no:02d} {extra.sheet_title or extra.title}")
        # notes may name another table's sheet as {sheet:<key>}
        sheets = {t.key: t.sheet for t in self.tables()}
        for t in self.tables():
            if t.note and "{sheet:" in t.note:
                for key, name in sheets.items():
                    t.note = t.note.replace("{sheet:" + key + "}", name)

    def tables(self) -> list[Table]:
        found = [b for s in self.sections for b in s.blocks if isinstance(b, Table)]
        return found + list(self.extra_sheets)

    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]


_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def sheet_name(text: str) -> str:
    """An Excel sheet name: at most 31 characters (cut at a word), none of []:*?/\\, no leading or
    trailing quote."""
    name = " ".join(text.translate(_SHEET_FORBIDDEN).split())
    if len(name) > 31:
        cut = name[:32].rsplit(" ", 1)[0]
        name = cut if len(cut) >= 12 else name[:31]
    return name.strip("' ") or "Blad"
