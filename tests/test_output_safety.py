"""Output safety: text from any input is shown as text, never run.

- cijfers.xlsx: no cell is a formula, and text a spreadsheet would turn into one on editing gets a
  leading apostrophe (the rest of the text unchanged);
- rapport.html: text is escaped, so no `<script>` or event handler from a workbook, a reference
  file or a file name ever reaches the page as markup;
- the Dagster UI (and the dbt docs server) listen on 127.0.0.1 only.

The report is built from the hand-built marts of reports_fixture.py with hostile text written into
every kind of text column the reports show (names from the reference files and corporaties.csv,
target descriptions from a targets file, findings quoting workbook text and file names). The HTML
and the workbook are rendered directly (render_html, render_workbook): no PDF is needed for this.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl
import pytest

import reports_fixture as fx
from pipelines.reports.content import build_document
from pipelines.reports.html import render_html
from pipelines.reports.queries import open_marts
from pipelines.reports.workbook import FORMULA_TRIGGERS, render_workbook

REPO = Path(__file__).resolve().parent.parent

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(document.cookie)>'
SVG = "</text><svg onload=alert(2)>"
FORMULAS = [
    '=HYPERLINK("http://example.invalid/x","klik")',
    "+31 20 123 4567",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # full-width =
    "\uff0bcmd|' /C calc'!A0",  # full-width +
    "\uff0d1",  # full-width -
    "\uff20SUM(1)",  # full-width @
]


def _hostile_marts(path: Path, as_of: dt.date) -> Path:
    fx.build_marts(path, as_of, with_errors=True)
    con = duckdb.connect(str(path))
    try:
        def update(table: str, column: str, value: str, where: str) -> None:
            con.execute(f"update marts.{table} set {column} = ? where {where}", [value])
            assert con.execute(f"select count(*) from marts.{table} where {column} = ?", [value]).fetchone()[0] > 0, \
                (table, column, where)

        # a municipality name (reference file) and a corporation name (corporaties.csv)
        for table in ("dim_municipality", "agreement_coverage"):
            update(table, "municipality_name", SCRIPT, "municipality_code = 'GM0363'")
        for table in ("commitments_by_area", "progress_by_area", "stock_by_area", "stock_trajectory"):
            update(table, "area_name", SCRIPT, "area_code = 'GM0363'")
        update("dim_corporation", "corporation_name", IMG, "corporation_id = 'L0001'")
        update("dim_corporation", "corporation_name", FORMULAS[0], "corporation_id = 'L0002'")
        # region names (reference files): formula triggers and SVG-breaking text, also in the charts
        for table in ("dim_municipality", "agreement_coverage"):
            update(table, "corop_name", SVG, "corop_name = 'Groot-Amsterdam'")
            update(table, "province_name", FORMULAS[2], "province_name = 'Utrecht'")
        for table in ("commitments_by_area", "progress_by_area", "stock_by_area", "stock_trajectory"):
            update(table, "area_name", SVG, "area_name = 'Groot-Amsterdam'")
            update(table, "area_name", FORMULAS[2], "area_name = 'Utrecht'")
        update("national_targets", "description_nl", FORMULAS[3], "target_code = 'nieuwbouw_2026'")
        # findings quote what workbooks say (gemeentenaam, toelichting, values) and file names
        columns = [c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'dq_findings' order by ordinal_position").fetchall()]
        template = dict(zip(columns, con.execute("select * from marts.dq_findings limit 1").fetchone(), strict=True))
        texts = [SCRIPT, IMG, SVG, *FORMULAS]
        for i, text in enumerate(texts):
            row = {**template, "check_code": "A4", "severity": "error", "entity": text,
                   "detail": f"waarde {text!r} is not a number" if i % 2 else text,
                   "source_file": f"agreements/{text}.xlsx" if i < 3 else text}
            con.execute(f"insert into marts.dq_findings ({', '.join(row)}) values ({', '.join('?' * len(row))})",
                        list(row.values()))
    finally:
        con.close()
    return path


@pytest.fixture(scope="module", params=[("zomer-2022", fx.ZOMER), ("april-2023", fx.APRIL)], ids=["zomer", "april"])
def rendered(request, tmp_path_factory):
    report, as_of = request.param
    db = _hostile_marts(tmp_path_factory.mktemp("safety") / "hostile.duckdb", as_of)
    with open_marts(db) as marts:
        doc = build_document(marts, report, as_of, "run-1", "test")
    return render_html(doc, as_of, "test"), render_workbook(doc, as_of, "run-1", "test")


class _Page(HTMLParser):
    """Every tag with its attributes, and the text as a reader sees it (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def test_html_shows_hostile_text_as_text_and_never_as_markup(rendered):
    html, _ = rendered
    page = _Page()
    page.feed(html)
    assert not [t for t, _ in page.tags if t in ("script", "img", "iframe", "object", "embed")]
    handlers = [(t, a) for t, a in page.tags for name in a if name.lower().startswith("on")]
    assert handlers == []
    for raw in (SCRIPT, IMG, SVG):
        assert raw not in html
    text = "".join(page.text)
    for shown in (SCRIPT, IMG, SVG, "alert(document.cookie)"):
        assert shown in text, shown  # escaped, hence visible to the reader as it was written
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_html_charts_escape_names_too(rendered):
    html, _ = rendered
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert svgs
    for svg in svgs:
        assert "<svg onload" not in svg and "</text><svg" not in svg


def _cells(xlsx: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))  # not data_only: formulas would show as formulas
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield ws.title, cell


def _ooxml_text(value: str) -> str:
    """A string as Excel reads it: OOXML writes a CR as `_x000D_` (XML would turn it into LF), and
    openpyxl hands that escape back as it is."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def test_workbook_has_no_formula_and_keeps_hostile_text(rendered):
    _, xlsx = rendered
    strings = []
    for sheet, cell in _cells(xlsx):
        assert cell.data_type != "f", f"{sheet}!{cell.coordinate}: {cell.value!r}"
        if isinstance(cell.value, str):
            value = _ooxml_text(cell.value)
            assert not value.startswith(FORMULA_TRIGGERS), f"{sheet}!{cell.coordinate}: {value!r}"
            strings.append(value)
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[\s>/]", archive.read(name)), name
    for text in FORMULAS + [SCRIPT, IMG]:
        # as a whole cell: the apostrophe before a formula trigger, otherwise exactly as written
        expected = "'" + text if text.startswith(FORMULA_TRIGGERS) else text
        assert expected in strings, text
    for text in FORMULAS:
        assert any(text in s and s != text for s in strings)  # and inside longer texts, unchanged


def test_full_width_triggers_are_neutralised():
    from pipelines.reports.workbook import neutralise

    for text in FORMULAS:
        assert neutralise(text) == "'" + text
    assert neutralise("Ｇemeente") == "Ｇemeente"


# --- the UI listens on 127.0.0.1 only ---------------------------------------------------------

_SERVERS = re.compile(r"dagster(?:-webserver)?\b[\"')\s,]*.*?\b(dev|webserver)\b|dagster-webserver|docs\",\s*\"serve|docs serve")


def _invocations() -> list[tuple[str, int, str]]:
    """Every line that starts a web server: the Makefile, the project's code, the tests, the bench."""
    found = []
    files = [REPO / "Makefile", *sorted((REPO / "pipelines").rglob("*.py")), *sorted((REPO / "tests").rglob("*.py")),
             *sorted((REPO / "bench").rglob("*.py")), *sorted((REPO / "bench").rglob("*.sh"))]
    for path in files:
        if path.name == Path(__file__).name:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            stripped = line.strip()
            if stripped.startswith(("#", '"', "'")) or "@echo" in stripped:
                continue  # comments, docstrings, help texts
            if _SERVERS.search(stripped):
                found.append((str(path.relative_to(REPO)), number, stripped))
    return found


def test_the_ui_is_started_on_127_0_0_1_only():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^ui:.*\n((?:\t.*\n)+)", makefile, flags=re.M)
    assert recipe, "no ui target in the Makefile"
    assert re.search(r"dagster dev .*-h 127\.0\.0\.1\b", recipe.group(1)), recipe.group(1)
    invocations = _invocations()
    assert any(path == "Makefile" for path, _, _ in invocations)
    for path, number, line in invocations:
        assert "127.0.0.1" in line, f"{path}:{number} starts a server without binding it to 127.0.0.1: {line}"
    for path in [REPO / "Makefile", *(REPO / "pipelines").rglob("*.py"), *(REPO / "pipelines").rglob("*.yaml")]:
        assert "0.0.0.0" not in path.read_text(encoding="utf-8"), path
