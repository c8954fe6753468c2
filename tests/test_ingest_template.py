"""The empty agreement template: Dutch, complete, with drop-downs, and readable by the ingest."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import openpyxl

from ingest_support import FIXTURES, data_root, log, query
from pipelines.ingest import ingest_all
from pipelines.ingest.template import FIELDS, INDICATORS, write_template
from pipelines.raw_schema import AGREEMENT_FIELDS

REPO = Path(__file__).resolve().parent.parent


def _validations(ws) -> list[tuple[str, str, str]]:
    return [(str(dv.sqref), dv.type, dv.formula1 or "") for dv in ws.data_validations.dataValidation]


def test_template_structure(tmp_path):
    path = write_template(tmp_path / "sjabloon.xlsx", FIXTURES / "reference" / "corporaties.csv")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["Afspraak", "Prestaties", "Toelichting"]
    afspraak = wb["Afspraak"]
    assert [c.value for c in afspraak[1]] == ["veld", "waarde"]
    assert [afspraak.cell(row=r, column=1).value for r in range(2, 2 + len(AGREEMENT_FIELDS))] == list(AGREEMENT_FIELDS)
    assert [c.value for c in wb["Prestaties"][1]] == ["corporatie", "jaar", "indicator", "waarde", "toelichting"]

    text = " ".join(str(c.value) for row in wb["Toelichting"].iter_rows() for c in row if c.value)
    for name, *_ in FIELDS:
        assert name in text
    for code, unit, *_ in INDICATORS:
        assert code in text and unit in text
    assert "woningen" in text and "Vul" in text  # Dutch

    lists = wb["Lijsten"]
    assert lists.sheet_state == "hidden"
    assert [lists.cell(row=r, column=1).value for r in range(2, 5)] == ["bod", "concept", "ondertekend"]
    assert [lists.cell(row=r, column=3).value for r in range(2, 5)] == ["L0001", "L0002", "L0003"]
    prestaties = _validations(wb["Prestaties"])
    assert any(t == "list" and "Lijsten!$B$2" in f for _, t, f in prestaties)  # indicator
    assert any(t == "list" and "Lijsten!$C$2:$C$4" in f for _, t, f in prestaties)  # corporations
    assert any(t == "list" and "Lijsten!$A$2" in f for _, t, f in _validations(afspraak))  # status


def test_template_without_corporations_has_a_note(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "sjabloon.xlsx"))
    text = " ".join(str(c.value) for row in wb["Toelichting"].iter_rows() for c in row if c.value)
    assert "L gevolgd door vier cijfers" in text
    assert not any(t == "list" and "$C$" in f for _, t, f in _validations(wb["Prestaties"]))


def test_indicators_match_the_warehouse_list():
    seed = REPO / "dbt_project" / "seeds" / "indicators.csv"
    if not seed.exists():
        return
    with seed.open(encoding="utf-8") as fh:
        rows = {r["indicator_code"]: r for r in csv.DictReader(fh) if r["from_agreements"] == "true"}
    assert {code: unit for code, unit, *_ in INDICATORS} == {code: r["unit"] for code, r in rows.items()}


def test_filled_template_loads(tmp_path):
    paths = data_root(tmp_path, with_agreement=False)
    template = write_template(tmp_path / "sjabloon.xlsx", paths.reference / "corporaties.csv")
    wb = openpyxl.load_workbook(template)
    values = {
        "gemeentecode": "GM0363", "gemeentenaam": "Amsterdam", "status": "ondertekend",
        "datum_ondertekening": dt.date(2022, 11, 30), "looptijd_van": 2023, "looptijd_tot": 2026, "versie": 3,
        "corporaties": "L0001, L0002", "huurdersorganisaties": "Huurdersvereniging Centrum",
    }
    for row in wb["Afspraak"].iter_rows(min_row=2):
        row[1].value = values[row[0].value]
    sheet = wb["Prestaties"]
    sheet.append(["L0001", 2023, "nieuwbouw", 120, "Project Zuidas"])
    sheet.append(["L0002", 2024, "investering_schimmel", 250000.5, None])
    paths.agreements.mkdir(parents=True)
    wb.save(paths.agreements / "amsterdam_v3.xlsx")

    ingest_all(paths, kinds=("agreements",))
    rel = "agreements/amsterdam_v3.xlsx"
    assert log(paths)[rel][:2] == ("loaded", 2)
    assert query(paths, "select count(*) from raw.load_findings") == [(0,)]  # template sheets are not 'extra'
    assert query(
        paths,
        "select gemeentecode, status, datum_ondertekening, looptijd_van, looptijd_tot, versie, corporaties "
        "from raw.agreement_workbooks",
    ) == [("GM0363", "ondertekend", dt.date(2022, 11, 30), 2023, 2026, 3, ["L0001", "L0002"])]
    assert query(paths, "select source_row, corporatie, jaar, indicator, waarde, toelichting from raw.agreement_rows order by 1") == [
        (2, "L0001", 2023, "nieuwbouw", 120.0, "Project Zuidas"),
        (3, "L0002", 2024, "investering_schimmel", 250000.5, None),
    ]


def test_command_line(tmp_path):
    out = tmp_path / "cli" / "sjabloon.xlsx"
    subprocess.run([sys.executable, "-m", "pipelines.ingest.template", str(out)], cwd=REPO, check=True,
                   capture_output=True)
    assert openpyxl.load_workbook(out).sheetnames[:2] == ["Afspraak", "Prestaties"]
