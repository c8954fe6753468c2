"""Agreement workbooks (`agreements/*.xlsx`): sheets `Afspraak` (veld/waarde) and `Prestaties`.

Read with calamine through fastexcel (about 4.7x faster than openpyxl here). Each sheet is read as
text, from Excel row 1, so `source_row` is the row number Excel shows. The one thing text loses is
whether a `waarde` cell was a number or text, and that matters: a numeric cell 2.5 is 2.5, the text
`2.5` is not a Dutch number (A4). So the `waarde` column is read a second time as integers: cells
that cannot be converted are exactly the text cells (fastexcel reports them as cell errors).

What is rejected (F2): a missing `Afspraak` or `Prestaties` sheet (names compared ignoring case
and spaces), a missing or empty required field (all but `gemeentenaam` and
`huurdersorganisaties`), an unknown status, an unreadable date, a `looptijd` or `versie` that is
not a whole number, `looptijd_van` after `looptijd_tot`, no `corporaties`, or a `Prestaties` sheet
without a header row naming `corporatie`, `jaar`, `indicator` and `waarde`. Extra sheets (other
than the template's own `Toelichting` and `Lijsten`), extra fields and extra columns: F4 warning.
Not the file's fault, hence not rejected: values in `Prestaties` that cannot be read (kept raw,
parsed NULL: the checks raise A4/A5), codes that are unknown (A1/A3 are checks).
Two rows with the same corporation, year and indicator are both kept (summing and A13 are
downstream, where the sum is made).

Before calamine sees the bytes, workbook_guard.py checks that they are a zip archive that expands
to a safe size (F1 otherwise: not a workbook, truncated, zip bomb) and finds the formula cells.
A formula is read as Excel shows it: its computed (cached) value. A formula without one (a file
written by a program and never opened in Excel, or an error value such as `#DIV/0!`) is kept as
its text (`=D2*2`) in `<column>_raw` of a Prestaties row, so the row checks flag it (A4 for
`waarde`); in Afspraak such a field is F2, naming the formula.
Empty rows cost nothing: trailing ones are skipped by fastexcel, the rest are dropped in polars
before any row reaches Python (a sheet formatted down to row 1,048,576 reads in well under a second).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from pipelines.ingest.files import FileRejected, Finding, Parsed, SourceFile, norm_header
from pipelines.ingest.workbook_guard import FormulaCell, UnsafeWorkbook, inspect_workbook
from pipelines.ingest.numbers import (
    PARSERS,
    clean_text,
    norm_code,
    parse_int,
    parse_nl_number,
    parse_workbook_date,
    split_codes,
)
from pipelines.raw_schema import AGREEMENT_FIELDS, AGREEMENT_ROW_COLUMNS

STATUSES = ("bod", "concept", "ondertekend")
SHEET_AFSPRAAK = "afspraak"
SHEET_PRESTATIES = "prestaties"
TEMPLATE_SHEETS = ("toelichting", "lijsten")  # sheets of our own template: not "extra"
OPTIONAL_FIELDS = ("gemeentenaam", "huurdersorganisaties")
REQUIRED_FIELDS = [f for f in AGREEMENT_FIELDS if f not in OPTIONAL_FIELDS]
ROW_REQUIRED = ["corporatie", "jaar", "indicator", "waarde"]
ROW_COLUMNS = list(AGREEMENT_ROW_COLUMNS)  # + toelichting, optional
_TOTAL = re.compile(r"totaal\b", re.IGNORECASE)
_MIDNIGHT = re.compile(r"\d{4}-\d{2}-\d{2} 00:00:00")


@dataclass
class Workbook:
    """An accepted workbook: its metadata (raw and parsed) and its Prestaties rows (raw)."""

    fields_raw: dict[str, str | None]
    fields: dict[str, object]
    rows: list[dict[str, object]] = field(default_factory=list)  # source_row, <col>_raw, waarde_num


def read_workbook(data: bytes, rel: str) -> Parsed:
    import fastexcel

    try:  # before calamine: is it a workbook, and safe to expand?
        inspection = inspect_workbook(data)
    except UnsafeWorkbook as exc:
        raise FileRejected("F1", f"{rel}: {exc}") from exc
    try:
        reader = fastexcel.read_excel(data)
        sheet_names = list(reader.sheet_names)
    except Exception as exc:
        raise FileRejected("F1", f"{rel}: cannot be read as an Excel workbook (.xlsx): {_first_line(exc)}") from exc

    by_name: dict[str, str] = {}
    for name in sheet_names:
        by_name.setdefault(norm_header(name), name)
    missing = [s for s in (SHEET_AFSPRAAK, SHEET_PRESTATIES) if s not in by_name]
    if missing:
        raise FileRejected(
            "F2",
            f"{rel}: sheet(s) missing: {', '.join(s.capitalize() for s in missing)} "
            f"(the workbook has: {', '.join(sheet_names) or 'no sheets'})",
        )
    findings: list[Finding] = []
    extra_sheets = [
        n for n in sheet_names if norm_header(n) not in (SHEET_AFSPRAAK, SHEET_PRESTATIES, *TEMPLATE_SHEETS)
    ]
    if extra_sheets:
        findings.append(_f4(rel, f"extra sheet(s) ignored: {', '.join(extra_sheets)}"))

    try:
        meta_rows = _load_text(reader, by_name[SHEET_AFSPRAAK])
    except Exception as exc:
        raise FileRejected("F1", f"{rel}: sheet {by_name[SHEET_AFSPRAAK]} cannot be read: {_first_line(exc)}") from exc
    fields_raw, fields, extra_fields = _read_metadata(
        meta_rows, rel, by_name[SHEET_AFSPRAAK], inspection.formulas_in(by_name[SHEET_AFSPRAAK])
    )
    if extra_fields:
        detail = f"sheet {by_name[SHEET_AFSPRAAK]}: unknown field(s) ignored: {', '.join(extra_fields)}"
        findings.append(_f4(rel, detail))

    workbook = Workbook(fields_raw=fields_raw, fields=fields)
    sheet = by_name[SHEET_PRESTATIES]
    extra_columns = _read_rows(reader, sheet, rel, workbook, inspection.formulas_in(sheet))
    if extra_columns:
        findings.append(
            _f4(rel, f"sheet {by_name[SHEET_PRESTATIES]}: extra column(s) ignored: {', '.join(extra_columns)}")
        )
    return Parsed(rows_read=len(workbook.rows), payload=workbook, findings=findings)


def _f4(rel: str, detail: str) -> Finding:
    return Finding("F4", "warning", rel, f"{rel}: {detail}", rel)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _load_text(reader, sheet: str) -> list[tuple[int, list[str | None]]]:
    """The sheet's non-empty rows as text: (Excel row number, cells), in order.

    Empty rows are dropped in polars, so a sheet of a million empty rows never becomes a million
    Python tuples; fastexcel already leaves out the empty rows at the end.
    """
    frame = reader.load_sheet(
        sheet, header_row=None, skip_rows=0, dtypes="string", skip_whitespace_tail_rows=True
    ).to_polars()
    if frame.width == 0:
        return []
    filled = pl.any_horizontal(pl.col(c).str.strip_chars().str.len_chars() > 0 for c in frame.columns)
    kept = frame.with_row_index("__excel_row", offset=1).filter(filled.fill_null(False))
    return [(row[0], list(row[1:])) for row in kept.rows()]


def _read_metadata(
    rows: list[tuple[int, list[str | None]]], rel: str, sheet: str, formulas: dict[tuple[int, int], FormulaCell]
) -> tuple[dict[str, str | None], dict[str, object], list[str]]:
    key_col, value_col = 0, 1
    for _, row in rows:  # a header row `veld | waarde` says where the two columns are
        names = [norm_header(c) for c in row]
        if "veld" in names and "waarde" in names:
            key_col, value_col = names.index("veld"), names.index("waarde")
            break

    fields_raw: dict[str, str | None] = {}
    where: dict[str, int] = {}
    extra: list[str] = []
    for excel_row, row in rows:
        key = norm_header(row[key_col]) if key_col < len(row) else ""
        value = row[value_col] if value_col < len(row) else None
        if not key or key == "veld":
            continue
        if key not in AGREEMENT_FIELDS:
            extra.append(str(row[key_col]).strip())
            continue
        if key in fields_raw and clean_text(fields_raw[key]) != clean_text(value):
            raise FileRejected(
                "F2",
                f"{rel}: sheet {sheet}: field {key} is given twice with different values "
                f"(rows {where[key]} and {excel_row})",
            )
        if key not in fields_raw:
            if value is not None and _MIDNIGHT.fullmatch(value):
                value = value[:10]  # a date cell, rendered with a time of 00:00:00
            fields_raw[key], where[key] = value, excel_row

    def fail(name: str, problem: str) -> FileRejected:
        at = f", row {where[name]}" if name in where else ""
        return FileRejected("F2", f"{rel}: sheet {sheet}{at}: field {name} {problem}")

    for name in REQUIRED_FIELDS:
        if clean_text(fields_raw.get(name)) is None:
            if name not in fields_raw:
                raise fail(name, "is missing")
            cell = formulas.get((where[name], value_col))
            if cell is not None and not cell.has_value:
                raise fail(name, f"is a formula without a computed value ({_formula_text(cell)}): "
                                 "open the workbook in Excel, let it calculate and save it again")
            raise fail(name, "is empty")

    fields: dict[str, object] = {
        "gemeentecode": norm_code(fields_raw.get("gemeentecode")),
        "gemeentenaam": clean_text(fields_raw.get("gemeentenaam")),
        "status": norm_code(fields_raw.get("status"), upper=False),
        "datum_ondertekening": parse_workbook_date(fields_raw.get("datum_ondertekening")),
        "looptijd_van": parse_int(fields_raw.get("looptijd_van")),
        "looptijd_tot": parse_int(fields_raw.get("looptijd_tot")),
        "versie": parse_int(fields_raw.get("versie")),
        "corporaties": split_codes(fields_raw.get("corporaties")),
        "huurdersorganisaties": clean_text(fields_raw.get("huurdersorganisaties")),
    }
    if fields["status"] not in STATUSES:
        raise fail("status", f"has unknown value {fields_raw['status']!r} (allowed: {', '.join(STATUSES)})")
    if fields["datum_ondertekening"] is None:
        raise fail(
            "datum_ondertekening",
            f"is not a readable date: {fields_raw['datum_ondertekening']!r} (use YYYY-MM-DD or an Excel date)",
        )
    for name in ("looptijd_van", "looptijd_tot", "versie"):
        if fields[name] is None:
            raise fail(name, f"is not a whole number: {fields_raw[name]!r}")
    if fields["looptijd_van"] > fields["looptijd_tot"]:
        raise fail(
            "looptijd_van",
            f"({fields['looptijd_van']}) is after looptijd_tot ({fields['looptijd_tot']})",
        )
    if not fields["corporaties"]:
        raise fail("corporaties", "lists no corporation")
    return fields_raw, fields, extra


def _read_rows(
    reader, sheet: str, rel: str, workbook: Workbook, formulas: dict[tuple[int, int], FormulaCell]
) -> list[str]:
    try:
        rows = _load_text(reader, sheet)
    except Exception as exc:
        raise FileRejected("F1", f"{rel}: sheet {sheet} cannot be read: {_first_line(exc)}") from exc
    header_at = None
    for i, (_, row) in enumerate(rows):
        names = [norm_header(c) for c in row]
        if "corporatie" in names and "indicator" in names:
            header_at = i
            break
    if header_at is None:
        raise FileRejected(
            "F2",
            f"{rel}: sheet {sheet} has no header row with the columns {', '.join(ROW_REQUIRED)}, toelichting",
        )
    header_row, header = rows[header_at]
    names = [norm_header(c) for c in header]
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        positions.setdefault(name, []).append(i)
    missing = [c for c in ROW_REQUIRED if c not in positions]
    if missing:
        raise FileRejected(
            "F2",
            f"{rel}: sheet {sheet}, row {header_row}: required column(s) missing: {', '.join(missing)}",
        )
    doubled = [c for c in ROW_COLUMNS if len(positions.get(c, [])) > 1]
    if doubled:
        raise FileRejected(
            "F2", f"{rel}: sheet {sheet}, row {header_row}: column(s) occur more than once: {', '.join(doubled)}"
        )
    col = {c: positions[c][0] for c in ROW_COLUMNS if c in positions}
    extra = [str(header[i]).strip() for i, n in enumerate(names) if n and n not in ROW_COLUMNS]

    # the second reading of the sheet is only needed where a number cell and a text cell with the
    # same text would be read differently (`2.5`, `1.250`); most workbooks hold whole numbers only
    body = rows[header_at + 1 :]
    if any(_type_matters(row[col["waarde"]]) for _, row in body):
        text_cells = _text_cells(reader, sheet, col["waarde"], rows[-1][0])
    else:
        text_cells = set()
    for excel_row, row in body:
        values = {c: row[j] for c, j in col.items()}
        if all(clean_text(v) is None for v in row):
            continue  # empty row
        if _is_total(values.get("corporatie")) or _is_total(row[0]):
            continue  # totals row
        record: dict[str, object] = {"source_row": excel_row}
        for c in ROW_COLUMNS:
            cell = formulas.get((excel_row, col[c])) if c in col else None
            if cell is not None and not cell.has_value:
                values[c] = _formula_text(cell)  # nothing to read: kept as written, the row checks flag it
            record[f"{c}_raw"] = values.get(c)
        waarde = values["waarde"]
        record["waarde_num"] = None
        if waarde is not None and excel_row - 1 not in text_cells:
            try:  # a numeric cell: its value, written the way Python writes it
                number = float(waarde)
                record["waarde_num"] = number
                record["waarde_raw"] = _number_text(number)
            except ValueError:
                pass
        workbook.rows.append(record)
    workbook.rows.extend(_formula_only_rows(formulas, col, header_row, {r for r, _ in body}))
    workbook.rows.sort(key=lambda record: record["source_row"])
    return extra


def _formula_only_rows(
    formulas: dict[tuple[int, int], FormulaCell], col: dict[str, int], header_row: int, seen: set[int]
) -> list[dict[str, object]]:
    """Rows holding nothing but formulas that were never computed: calamine sees empty cells, Excel
    would show values. Kept as written (so the row checks flag them) rather than dropped unseen."""
    by_row: dict[int, dict[str, object]] = {}
    for (excel_row, column), cell in formulas.items():
        name = next((c for c, j in col.items() if j == column), None)
        if name is None or cell.has_value or excel_row <= header_row or excel_row in seen:
            continue
        record = by_row.setdefault(
            excel_row, {"source_row": excel_row, **{f"{c}_raw": None for c in ROW_COLUMNS}, "waarde_num": None}
        )
        record[f"{name}_raw"] = _formula_text(cell)
    return list(by_row.values())


def _number_text(number: float) -> str:
    """A numeric cell's value, written the way Python writes it."""
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _type_matters(text: str | None) -> bool:
    """Would this text read differently as a number cell than as a text cell?"""
    if text is None:
        return False
    try:
        number = float(text)
    except ValueError:
        return False  # not a number cell's text: a text cell either way
    return _number_text(number) != text or parse_nl_number(text) != number


def _formula_text(cell: FormulaCell) -> str:
    return f"={cell.formula}" if cell.formula else "=(shared formula)"


def _text_cells(reader, sheet: str, column_index: int, last_row: int) -> set[int]:
    """Row indexes (0 = Excel row 1) whose cell in this column holds text rather than a number."""
    loaded = reader.load_sheet(
        sheet, header_row=None, skip_rows=0, n_rows=last_row, dtypes={column_index: "int"}
    )
    _, errors = loaded.to_arrow_with_errors()
    if errors is None:
        return set()
    return {e.position[0] for e in errors.errors if e.position[1] == column_index}


def _is_total(value: object) -> bool:
    text = clean_text(value)
    return bool(text and _TOTAL.match(text))


class AgreementLoader:
    """Buffers accepted workbooks and writes them to raw.agreement_workbooks / raw.agreement_rows."""

    kind = "agreement"
    tables = ("raw.agreement_workbooks", "raw.agreement_rows")
    # parse() uses none of the loader's state, so a fresh loader in a worker process parses the
    # same (see load_log.sync_files): calamine holds the GIL, a thread would not help
    parse_in_processes = True

    def __init__(self) -> None:
        self._workbooks: list[dict[str, object]] = []
        self._rows: list[dict[str, object]] = []

    def parse(self, source: SourceFile, data: bytes) -> Parsed:
        if not source.rel.lower().endswith(".xlsx"):
            raise FileRejected("F1", f"{source.rel}: not an .xlsx workbook (agreements must use the template)")
        return read_workbook(data, source.rel)

    def stage(self, source: SourceFile, parsed: Parsed) -> None:
        wb: Workbook = parsed.payload
        record: dict[str, object] = {"source_file": source.rel, "sha256": source.sha256}
        for name in AGREEMENT_FIELDS:
            raw = wb.fields_raw.get(name)
            record[f"{name}_raw"] = None if raw is None else str(raw)
            record[name] = wb.fields[name]
        self._workbooks.append(record)
        for row in wb.rows:
            self._rows.append({"source_file": source.rel, **row})

    def pending(self) -> int:
        return len(self._rows)

    def flush(self, con) -> int:
        inserted = 0
        if self._workbooks:
            schema = {"source_file": pl.String, "sha256": pl.String}
            for name, sql_type in AGREEMENT_FIELDS.items():
                schema[f"{name}_raw"] = pl.String
                schema[name] = {
                    "VARCHAR": pl.String,
                    "DATE": pl.Date,
                    "INTEGER": pl.Int64,
                    "VARCHAR[]": pl.List(pl.String),
                }[sql_type]
            frame = pl.DataFrame(self._workbooks, schema=schema, orient="row")
            con.register("npa_wb_batch", frame)
            cols = ", ".join(schema)
            con.execute(f"insert into raw.agreement_workbooks ({cols}) select {cols} from npa_wb_batch")
            con.unregister("npa_wb_batch")
        if self._rows:
            schema = {"source_file": pl.String, "source_row": pl.Int32}
            schema.update({f"{c}_raw": pl.String for c in ROW_COLUMNS})
            schema["waarde_num"] = pl.Float64
            frame = pl.DataFrame(self._rows, schema=schema, orient="row")
            frame = frame.select(
                "source_file",
                "source_row",
                "corporatie_raw",
                PARSERS["upper"]("corporatie_raw").alias("corporatie"),
                "jaar_raw",
                PARSERS["int"]("jaar_raw").alias("jaar"),
                "indicator_raw",
                PARSERS["lower"]("indicator_raw").alias("indicator"),
                "waarde_raw",
                pl.coalesce(pl.col("waarde_num"), PARSERS["num"]("waarde_raw")).alias("waarde"),
                "toelichting_raw",
                PARSERS["text"]("toelichting_raw").alias("toelichting"),
            )
            con.register("npa_rows_batch", frame)
            con.execute(f"insert into raw.agreement_rows ({', '.join(frame.columns)}) select * from npa_rows_batch")
            con.unregister("npa_rows_batch")
            inserted = len(self._rows)
        self._workbooks, self._rows = [], []
        return inserted
