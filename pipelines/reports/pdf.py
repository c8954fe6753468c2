"""The PDF: the report's content model typeset by Typst (templates/report.typ), A4, in Dutch.

Why Typst: it lays out a 50-page report in about a second, makes the table of contents with page
numbers, the PDF outline and repeated table headers itself, and installs as a wheel.

The content goes to Typst as data, never as markup: `document_data` turns the model into JSON
(every cell already formatted by `formatting.py`, exactly as in the HTML), Typst reads it with
`json()` and shows every string as text. A `#`, `*`, `$`, `[`, `<`, `@` or backslash from a workbook
is therefore printed as it is and cannot run as Typst code.

Byte-determinism: the document date is the as-of date (also the PDF's creation timestamp), and only
the fonts inside the typst wheel are used (Libertinus Serif; system fonts are ignored), so any
machine with the same wheel writes the same bytes for the same inputs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

from pipelines.reports.colwidths import LIBERTINUS, header_fits
from pipelines.reports.model import Chart, ItemList, NUMERIC_KINDS, Paragraph, ReportDocument, Section, Table

TEMPLATE = Path(__file__).resolve().parent / "templates" / "report.typ"


class PdfError(RuntimeError):
    """Typst could not typeset the report (a bug in the template or the data it was given)."""


def render_pdf(doc: ReportDocument, as_of: dt.date, code_version: str) -> tuple[bytes, list[str]]:
    """The PDF's bytes and Typst's warnings (for the run log)."""
    return start_pdf(doc, as_of, code_version).result()


class PendingPdf:
    """A PDF being typeset on a thread of its own: Typst releases the GIL while it works, so the
    workbook is written on the other core meanwhile. `result()` waits and returns (bytes, warnings)."""

    def __init__(self, doc: ReportDocument, as_of: dt.date, code_version: str):
        started = time.perf_counter()
        self.seconds = 0.0  # the PDF step: data, typesetting and writing, set by result()
        # the data is built here, before the thread starts: it is Python and would hold the GIL
        data = json.dumps(document_data(doc, as_of, code_version), ensure_ascii=False, separators=(",", ":"))
        timestamp = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.timezone.utc)
        self._out: tuple[bytes, list[str]] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._compile, args=(data, timestamp), daemon=True,
                                        name="typst")
        self._thread.start()
        self._data_seconds = time.perf_counter() - started

    def _compile(self, data: str, timestamp: dt.datetime) -> None:
        started = time.perf_counter()
        try:
            import typst  # the compiler is a native module: loaded only by the report job

            try:
                pdf, warnings = typst.compile_with_warnings(
                    str(TEMPLATE), root=str(TEMPLATE.parent), format="pdf", sys_inputs={"data": data},
                    ignore_system_fonts=True, font_paths=[], timestamp=timestamp)
            except typst.TypstError as exc:
                raise PdfError(f"Typst could not typeset the report: {exc.message}\n{exc.diagnostic}") from exc
            self._out = (pdf, [_warning_text(w) for w in warnings])
        except BaseException as exc:  # raised again by result(), in the caller's thread
            self._error = exc
        self._compile_seconds = time.perf_counter() - started

    def result(self) -> tuple[bytes, list[str]]:
        self._thread.join()
        self.seconds = round(self._data_seconds + self._compile_seconds, 2)
        if self._error is not None:
            raise self._error
        assert self._out is not None
        return self._out


def start_pdf(doc: ReportDocument, as_of: dt.date, code_version: str) -> PendingPdf:
    return PendingPdf(doc, as_of, code_version)


def _warning_text(warning: Any) -> str:
    hints = "; ".join(getattr(warning, "hints", None) or [])
    return f"{getattr(warning, 'message', warning)}" + (f" ({hints})" if hints else "")


# -- the content model as data ----------------------------------------------------------------------------
def document_data(doc: ReportDocument, as_of: dt.date, code_version: str) -> dict[str, Any]:
    return {
        "title": doc.title,
        "subtitle": doc.subtitle,
        "report": doc.report,
        "as_of_text": doc.as_of_text,
        "as_of": [as_of.year, as_of.month, as_of.day],
        "concept": doc.concept,
        "code_version": code_version,
        "colophon": [[label, value] for label, value in doc.colophon],
        "front": [_block(b) for b in doc.front],
        "sections": [_section(s) for s in doc.sections],
    }


def _section(s: Section) -> dict[str, Any]:
    return {"key": s.key, "heading": s.heading(), "appendix": s.appendix, "numbered": s.numbered,
            "wide": s.wide, "runs": _runs(s)}


def _runs(s: Section) -> list[dict[str, Any]]:
    """The section's blocks in runs of portrait or landscape pages.

    A wide section is one landscape run. Elsewhere consecutive wide tables share landscape pages,
    and a paragraph just before a wide table goes with it (it introduces the table).
    """
    if s.wide:
        blocks = [_block(b, landscape=True) for b in s.blocks]
        return [{"landscape": True, "blocks": blocks}]
    wide = [bool(getattr(b, "wide", False)) for b in s.blocks]
    for i in range(len(wide) - 2, -1, -1):
        if isinstance(s.blocks[i], Paragraph) and wide[i + 1]:
            wide[i] = True
    runs: list[dict[str, Any]] = []
    for block, landscape in zip(s.blocks, wide):
        block = _block(block, landscape)
        if not runs or runs[-1]["landscape"] != landscape:
            runs.append({"landscape": landscape, "blocks": []})
        runs[-1]["blocks"].append(block)
    return runs


def _block(b: Any, landscape: bool = False) -> dict[str, Any]:
    if isinstance(b, Paragraph):
        return {"type": "paragraph", "kind": b.kind, "text": b.text}
    if isinstance(b, ItemList):
        return {"type": "list", "title": b.title, "items": list(b.items)}
    if isinstance(b, Table):
        return _table(b, landscape)
    if isinstance(b, Chart):
        return {"type": "chart", "number": b.number, "title": b.title, "source": b.source, "note": b.note,
                "svg": b.svg, "tall": _svg_ratio(b.svg) > TALL_CHART}
    raise TypeError(f"no PDF rendering for {type(b).__name__}")


TALL_CHART = 1.1  # height / width above which a chart is scaled to the page height


def _svg_ratio(svg: str) -> float:
    """height / width of a chart from its viewBox (charts.py always writes one)."""
    match = re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', svg)
    return float(match.group(2)) / float(match.group(1)) if match else 0.0


KEEP_LINES = 40  # a table of up to about this many lines is kept on one page (see _fits_a_page)


def _fits_a_page(rows: list[list[str]]) -> bool:
    """Whether a table is surely short enough to keep on one page (a block kept together that is
    taller than a page would run off it): its lines counted generously, a line per 40 characters
    of its longest cell in each row."""
    lines = sum(max((1 + c.count("\n") + len(c) // 40 for c in row), default=1) for row in rows)
    return lines <= KEEP_LINES


def _table(t: Table, landscape: bool) -> dict[str, Any]:
    cols = t.html_columns()
    formatted = t.formatted_rows()
    rows = [[row[i] for i in cols] for row in formatted]
    # Column widths estimated from the text by the rules of automatic table layout (colwidths.py):
    # Typst's own auto columns squeeze the first column of a wide table down to a word, and
    # sizing them for 7,500 cells measures every cell; fixed fractions avoid both.
    widths = t.html_column_widths(formatted, landscape, scale=LIBERTINUS)
    page = t.page(landscape)
    headers = [t.columns[i].html_header() for i in cols]
    return {
        "type": "table",
        "number": t.number,
        "title": t.title,
        "source": f"{t.source} Ook in cijfers.xlsx, blad ‘{t.sheet}’.",
        "note": t.note,
        "wide": t.wide,
        "headers": headers,
        # the first column's header is never hyphenated; the others where a word cannot fit whole
        "hyphenate": [i > 0 and not header_fits(h, w, page, LIBERTINUS) for i, (h, w) in enumerate(zip(headers, widths))],
        "numeric": [t.columns[i].kind in NUMERIC_KINDS for i in cols],
        "widths": widths,
        "rows": rows,
        "keep": _fits_a_page(rows),
        "emphasis": sorted(t.emphasis),
        "empty": t.empty_text,
    }
