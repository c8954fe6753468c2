"""Realistic changes to a generated raw folder, for the incremental nightly (bench and tests).

A changed file is what a corporation or municipality sends again: the same file with a few values
corrected, still valid. Register files: a few rows get another energy label and condition score.
Workbooks: one commitment (Prestaties `waarde`) is revised, and the Totaal row with it.

Files are written to a new file and renamed over the old one: the raw folders of the bench and
the tests are hard links to a shared cache, which must never change.
"""

from __future__ import annotations

import csv
import io
import os
import random
from dataclasses import dataclass
from pathlib import Path

from pipelines.checks.codes import ENERGY_LABELS

LABELS = ENERGY_LABELS  # the allowed set, as the checks have it


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-16" and not data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            continue
        return text, encoding
    raise ValueError("unknown encoding")


@dataclass
class CsvFormat:
    encoding: str
    bom: bool
    delimiter: str
    newline: str
    final_newline: bool


def read_csv(path: Path) -> tuple[list[list[str]], CsvFormat]:
    """The records of a register CSV and how it was written (encoding, separator, line ends)."""
    data = path.read_bytes()
    text, encoding = _decode(data)
    fmt = CsvFormat(
        encoding=encoding,
        bom=data.startswith(b"\xef\xbb\xbf"),
        delimiter=max(";,\t", key=text.split("\n", 1)[0].count),
        newline="\r\n" if "\r\n" in text[:10_000] else "\n",
        final_newline=text.endswith(("\n", "\r")),
    )
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=fmt.delimiter)), fmt


def write_csv(path: Path, records: list[list[str]], fmt: CsvFormat) -> None:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=fmt.delimiter, lineterminator=fmt.newline).writerows(records)
    written = out.getvalue()
    if not fmt.final_newline:
        written = written[: -len(fmt.newline)]
    encoded = written.encode("utf-8" if fmt.encoding == "utf-8-sig" else fmt.encoding)
    _replace(path, (b"\xef\xbb\xbf" if fmt.bom else b"") + encoded)


def column(header: list[str], name: str) -> int:
    """The index of a column, header names compared as ingest does (trimmed, any case)."""
    return [h.strip().lower() for h in header].index(name)


def change_register_file(path: Path, rng: random.Random, rows: int = 5) -> int:
    """A few rows of a register CSV get another energy label and condition score; returns how many."""
    records, fmt = read_csv(path)
    try:
        label, condition = column(records[0], "energielabel"), column(records[0], "conditiescore")
    except ValueError:
        return 0
    body = [i for i in range(1, len(records)) if len(records[i]) == len(records[0])]
    chosen = rng.sample(body, min(rows, len(body)))
    for i in chosen:
        records[i][label] = rng.choice([x for x in LABELS if x != records[i][label].strip()])
        records[i][condition] = str(rng.randint(1, 6))
    write_csv(path, records, fmt)
    return len(chosen)


def change_workbook(path: Path, rng: random.Random) -> bool:
    """One numeric commitment of the Prestaties sheet revised by 5-50 %, the Totaal row with it."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    sheet = next((ws for ws in wb.worksheets if ws.title.strip().lower() == "prestaties"), None)
    if sheet is None:
        return False
    header = [str(c.value or "").strip().lower() for c in sheet[1]]
    if "waarde" not in header:
        return False
    column = header.index("waarde") + 1
    total_row = None
    candidates = []
    for r in range(2, sheet.max_row + 1):
        first = str(sheet.cell(r, 1).value or "").strip().lower()
        value = sheet.cell(r, column).value
        if first == "totaal":
            total_row = r
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            candidates.append(r)
    if not candidates:
        return False
    r = rng.choice(candidates)
    old = sheet.cell(r, column).value
    new = max(1, round(old * rng.uniform(1.05, 1.5)))
    sheet.cell(r, column).value = new
    if total_row is not None and isinstance(sheet.cell(total_row, column).value, (int, float)):
        sheet.cell(total_row, column).value += new - old
    out = io.BytesIO()
    wb.save(out)
    _replace(path, out.getvalue())
    return True


def change_share(raw: Path, share: float, seed: int) -> dict[str, list[str]]:
    """`share` of the register files and of the workbooks, chosen by `seed`, changed in place."""
    rng = random.Random(seed)
    register = sorted(p for p in (raw / "register").rglob("*.csv") if p.is_file())
    workbooks = sorted(p for p in (raw / "agreements").rglob("*.xlsx") if p.is_file())
    changed: dict[str, list[str]] = {"register": [], "agreements": []}
    for path in rng.sample(register, max(1, round(share * len(register)))) if register else []:
        if change_register_file(path, rng):
            changed["register"].append(path.relative_to(raw).as_posix())
    for path in rng.sample(workbooks, max(1, round(share * len(workbooks)))) if workbooks else []:
        if change_workbook(path, rng):
            changed["agreements"].append(path.relative_to(raw).as_posix())
    return changed
