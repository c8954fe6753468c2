"""Agreement workbooks as municipalities fill them in: quirks read as a person reads them."""

from __future__ import annotations

import datetime as dt

import pytest

from ingest_support import META, ROWS, data_root, findings, log, query, write_workbook
from pipelines.ingest import ingest_all

REL = "agreements/test.xlsx"


def _load(tmp_path, **workbook):
    paths = data_root(tmp_path, with_agreement=False)
    write_workbook(paths.raw / REL, **workbook)
    ingest_all(paths, kinds=("agreements",))
    return paths


def _meta(paths) -> dict:
    cols = [c[0] for c in query(paths, "describe raw.agreement_workbooks")]
    rows = query(paths, "select * from raw.agreement_workbooks where source_file = ?", [REL])
    return dict(zip(cols, rows[0], strict=True)) if rows else {}


def _rows(paths) -> list[dict]:
    cols = [c[0] for c in query(paths, "describe raw.agreement_rows")]
    rows = query(paths, "select * from raw.agreement_rows where source_file = ? order by source_row", [REL])
    return [dict(zip(cols, r, strict=True)) for r in rows]


def _rejected(paths) -> str:
    status, _, error = log(paths)[REL]
    assert status == "rejected", (status, error)
    assert _meta(paths) == {} and _rows(paths) == []  # a rejected workbook leaves nothing
    return error


def test_clean_workbook(tmp_path):
    paths = _load(tmp_path)
    assert log(paths)[REL][:2] == ("loaded", 2)
    meta = _meta(paths)
    assert meta["gemeentecode"] == "GM0363" and meta["status"] == "ondertekend"
    assert meta["datum_ondertekening"] == dt.date(2022, 11, 30) and meta["datum_ondertekening_raw"] == "2022-11-30"
    assert (meta["looptijd_van"], meta["looptijd_tot"], meta["versie"]) == (2023, 2026, 1)
    assert meta["corporaties"] == ["L0001", "L0002"] and meta["corporaties_raw"] == "L0001, L0002"
    assert len(meta["sha256"]) == 64
    rows = _rows(paths)
    assert [(r["source_row"], r["corporatie"], r["jaar"], r["indicator"], r["waarde"]) for r in rows] == [
        (2, "L0001", 2023, "nieuwbouw", 120.0),
        (3, "L0002", 2024, "verbetering_efg", 35.0),
    ]
    assert rows[0]["toelichting"] == "project A" and rows[1]["toelichting_raw"] is None
    assert findings(paths, REL) == []


def test_sheet_names_in_any_case_and_extra_sheet_f4(tmp_path):
    paths = _load(tmp_path, sheets=("AFSPRAAK", "prestaties "), extra_sheet="Berekening")
    assert log(paths)[REL][0] == "loaded"
    ((code, severity, detail),) = findings(paths, REL)
    assert (code, severity) == ("F4", "warning") and "Berekening" in detail


def test_missing_sheet_f2(tmp_path):
    paths = _load(tmp_path, sheets=("Afspraak", "Blad2"))
    error = _rejected(paths)
    assert error.startswith("F2") and "Prestaties" in error and "Blad2" in error and REL in error


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"status": "getekend"}, "status has unknown value 'getekend'"),
        ({"datum_ondertekening": "eind november"}, "datum_ondertekening is not a readable date"),
        ({"looptijd_van": 2027}, "looptijd_van (2027) is after looptijd_tot (2026)"),
        ({"versie": "twee"}, "versie is not a whole number"),
        ({"looptijd_tot": "2.5"}, "looptijd_tot is not a whole number"),
        ({"corporaties": " , "}, "corporaties lists no corporation"),
        ({"gemeentecode": None}, "gemeentecode is empty"),
    ],
)
def test_invalid_metadata_f2(tmp_path, change, words):
    paths = _load(tmp_path, meta={**META, **change})
    error = _rejected(paths)
    assert error.startswith("F2") and words in error and REL in error and "row" in error, error
    assert [f[:2] for f in findings(paths, REL)] == [("F2", "error")]


def test_missing_metadata_field_f2(tmp_path):
    meta = {k: v for k, v in META.items() if k != "versie"}
    error = _rejected(_load(tmp_path, meta=meta))
    assert "versie is missing" in error


def test_optional_fields_may_be_missing(tmp_path):
    meta = {k: v for k, v in META.items() if k not in ("gemeentenaam", "huurdersorganisaties")}
    paths = _load(tmp_path, meta=meta)
    meta_row = _meta(paths)
    assert meta_row["gemeentenaam_raw"] is None and meta_row["huurdersorganisaties"] is None


def test_metadata_quirks(tmp_path):
    meta = {
        **META,
        "gemeentecode": " gm0363 ",
        "status": "Ondertekend ",
        "datum_ondertekening": 44895,  # Excel serial number = 2022-11-30
        "looptijd_van": "2023",  # years and version typed as text
        "looptijd_tot": " 2026 ",
        "versie": "2",
        "corporaties": "l0001 ,L0002,, l0003",
    }
    m = _meta(_load(tmp_path, meta=meta))
    assert m["gemeentecode"] == "GM0363" and m["status"] == "ondertekend"
    assert m["datum_ondertekening"] == dt.date(2022, 11, 30) and m["datum_ondertekening_raw"] == "44895"
    assert (m["looptijd_van"], m["looptijd_tot"], m["versie"]) == (2023, 2026, 2)
    assert m["corporaties"] == ["L0001", "L0002", "L0003"]


@pytest.mark.parametrize("date", ["2022-11-30", "30-11-2022", dt.datetime(2022, 11, 30, 0, 0)])
def test_dates_as_text_or_date_cell(tmp_path, date):
    assert _meta(_load(tmp_path, meta={**META, "datum_ondertekening": date}))["datum_ondertekening"] == dt.date(2022, 11, 30)


def test_row_quirks(tmp_path):
    rows = [
        ["l0001 ", "2023", " Nieuwbouw", "1.250", None],  # Dutch thousands, text year, case and spaces
        ["L0002", 2024, "investering_schimmel", "€ 2.500.000,00", "euro's"],
        None,  # empty row
        ["L0002", 2025, "warmtepompen", "2.5", None],  # text '2.5': not a Dutch number (A4 later)
        ["L0002", 2025, "zonnepanelen", 2.5, None],  # a numeric cell 2.5 is simply 2.5
        ["L0002", 2026, "investering_brandveiligheid", 1234.56, None],
        ["L0001", 2023, "nieuwbouw", 30, "tweede project"],  # same key twice: both rows kept
        ["TOTAAL", None, None, 2501421.06, None],  # totals row
    ]
    paths = _load(tmp_path, rows=[r or [None] * 5 for r in rows])
    got = [(r["source_row"], r["corporatie"], r["jaar"], r["indicator"], r["waarde_raw"], r["waarde"]) for r in _rows(paths)]
    assert got == [
        (2, "L0001", 2023, "nieuwbouw", "1.250", 1250.0),
        (3, "L0002", 2024, "investering_schimmel", "€ 2.500.000,00", 2500000.0),
        (5, "L0002", 2025, "warmtepompen", "2.5", None),
        (6, "L0002", 2025, "zonnepanelen", "2.5", 2.5),
        (7, "L0002", 2026, "investering_brandveiligheid", "1234.56", 1234.56),
        (8, "L0001", 2023, "nieuwbouw", "30", 30.0),
    ]
    assert log(paths)[REL][:2] == ("loaded", 6)
    assert findings(paths, REL) == []  # A13 (same key twice) is raised downstream, where the rows are summed


def test_totals_row_in_first_column_any_case(tmp_path):
    header = ["omschrijving", "corporatie", "jaar", "indicator", "waarde", "toelichting"]
    rows = [["project", "L0001", 2023, "nieuwbouw", 10, None], ["totaal generaal", None, None, None, 10, None]]
    paths = _load(tmp_path, header=header, rows=rows)
    assert [(r["corporatie"], r["waarde"]) for r in _rows(paths)] == [("L0001", 10.0)]
    ((code, _, detail),) = findings(paths, REL)
    assert code == "F4" and "omschrijving" in detail


def test_row_numbers_are_excel_rows(tmp_path):
    paths = _load(tmp_path, leading_empty_rows=3)
    assert [r["source_row"] for r in _rows(paths)] == [5, 6]


def test_prestaties_missing_column_f2(tmp_path):
    error = _rejected(_load(tmp_path, header=["corporatie", "jaar", "indicator", "bedrag"]))
    assert error.startswith("F2") and "waarde" in error


def test_not_a_workbook_f1(tmp_path):
    paths = data_root(tmp_path, with_agreement=False)
    paths.agreements.mkdir(parents=True)
    (paths.agreements / "kapot.xlsx").write_bytes(b"PK\x03\x04 not a zip at all")
    (paths.agreements / "oud.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (paths.agreements / "~$open.xlsx").write_bytes(b"lock file of an open workbook")
    ingest_all(paths, kinds=("agreements",))
    entries = log(paths)
    assert entries["agreements/kapot.xlsx"][0] == "rejected" and entries["agreements/kapot.xlsx"][2].startswith("F1")
    assert entries["agreements/oud.xls"][0] == "rejected" and ".xlsx" in entries["agreements/oud.xls"][2]
    assert "agreements/~$open.xlsx" not in entries  # Office lock files are not deliveries
