"""Helpers for the ingest tests: a data root with the hand-made fixture files, workbooks, queries."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb

from pipelines.config import DataPaths

FIXTURES = Path(__file__).parent / "fixtures" / "ingest" / "raw"

REGISTER_HEADER = [
    "peildatum", "corporatie", "vhe_nummer", "bag_vbo_id", "gemeentecode", "postcode", "woningtype",
    "bouwjaar", "energielabel", "conditiescore", "verwarming", "zonnepanelen", "geclusterd_ouderen",
    "flexwoning", "huursegment", "kale_huur",
]
REGISTER_ROW = [
    "2022-12-31", "L0002", "K1", "0363010000000011", "GM0363", "1011 AB", "MGW", "1965", "E", "3",
    "gasketel", "nee", "nee", "nee", "sociaal", "712,45",
]

META = {
    "gemeentecode": "GM0363",
    "gemeentenaam": "Amsterdam",
    "status": "ondertekend",
    "datum_ondertekening": dt.date(2022, 11, 30),
    "looptijd_van": 2023,
    "looptijd_tot": 2026,
    "versie": 1,
    "corporaties": "L0001, L0002",
    "huurdersorganisaties": "Huurdersvereniging Centrum",
}
ROWS_HEADER = ["corporatie", "jaar", "indicator", "waarde", "toelichting"]
ROWS = [["L0001", 2023, "nieuwbouw", 120, "project A"], ["L0002", 2024, "verbetering_efg", 35, None]]


def data_root(tmp_path: Path, with_agreement: bool = True) -> DataPaths:
    """A fresh data root under tmp_path with a copy of the fixture raw files (and one workbook)."""
    root = tmp_path / "data"
    shutil.copytree(FIXTURES, root / "raw")
    paths = DataPaths(root)
    if with_agreement:
        write_workbook(paths.agreements / "amsterdam_v1.xlsx")
    return paths


def register_csv(rows: list[list[str]], header: list[str] = REGISTER_HEADER, sep: str = ";", eol: str = "\n") -> str:
    return eol.join(sep.join(r) for r in [header, *rows]) + eol


def write_workbook(
    path: Path,
    meta: dict | None = None,
    rows: list[list] | None = None,
    sheets: tuple[str, str] = ("Afspraak", "Prestaties"),
    header: list[str] | None = None,
    leading_empty_rows: int = 0,
    extra_sheet: str | None = None,
) -> Path:
    """A workbook like people fill in the template, written with openpyxl."""
    import openpyxl

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheets[0]
    ws.append(["veld", "waarde"])
    for key, value in (META if meta is None else meta).items():
        ws.append([key, value])
    rs = wb.create_sheet(sheets[1])
    for i in range(leading_empty_rows):
        rs.cell(row=i + 1, column=1).value = None
    start = leading_empty_rows + 1
    for offset, row in enumerate([header or ROWS_HEADER, *(ROWS if rows is None else rows)]):
        for col, value in enumerate(row, start=1):
            if value is not None:
                rs.cell(row=start + offset, column=col, value=value)
    if extra_sheet:
        wb.create_sheet(extra_sheet)["A1"] = "notes"
    wb.save(path)
    return path


def query(paths: DataPaths, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{paths.raw_db}' as r (read_only)")
        con.execute("use r")
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def log(paths: DataPaths) -> dict[str, tuple]:
    """file_path -> (status, rows_read, error)."""
    rows = query(paths, "select file_path, status, rows_read, error from raw.load_log")
    return {r[0]: r[1:] for r in rows}


def findings(paths: DataPaths, source_file: str) -> list[tuple]:
    return query(
        paths,
        "select check_code, severity, detail from raw.load_findings where source_file = ? order by check_code",
        [source_file],
    )
