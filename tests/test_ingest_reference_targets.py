"""Reference files and extra targets: separators, encodings, values kept raw and parsed."""

from __future__ import annotations

import datetime as dt

from ingest_support import data_root, findings, log, query
from pipelines.ingest import ingest_all


def test_reference_separator_encoding_and_extra_column(tmp_path):
    paths = data_root(tmp_path, with_agreement=False)
    (paths.reference / "corporaties.csv").write_bytes(  # comma-separated, Windows-1252, CRLF
        "Corporatie,Naam,Vestigingsgemeente,Opgeheven_per,Opgegaan_in,Website\r\n"
        "L0001,Woonstichting Eén,GM0363,,,x\r\nl0003 ,Oud Wonen,gm0014,2022-07-01,L0002,\r\n".encode("cp1252")
    )
    ingest_all(paths, kinds=("reference",))
    assert query(paths, "select corporatie, naam, vestigingsgemeente, opgeheven_per, opgegaan_in from raw.ref_corporaties order by 1") == [
        ("L0001", "Woonstichting Eén", "GM0363", None, None),
        ("L0003", "Oud Wonen", "GM0014", dt.date(2022, 7, 1), "L0002"),
    ]
    ((code, severity, detail),) = findings(paths, "reference/corporaties.csv")
    assert (code, severity) == ("F4", "warning") and "Website" in detail
    assert query(paths, "select source_row from raw.ref_corporaties order by 1") == [(2,), (3,)]


def test_targets_kept_raw_and_parsed(tmp_path):
    paths = data_root(tmp_path, with_agreement=False)
    (paths.targets / "regio.csv").write_text(
        "target_code,indicator_code,kind,year_from,year_to,target_value\n"
        "a,Nieuwbouw ,FLOW,2023,,1250\n"
        "b,sloop,stock,twee,2025,\"1.500,5\"\n"
        "c,sloop,stock,2024,2023,2.5\n"
    )
    ingest_all(paths, kinds=("targets",))
    rows = query(
        paths,
        "select source_row, target_code, indicator_code, kind, year_from_raw, year_from, year_to, "
        "target_value_raw, target_value, unit from raw.targets where source_file = 'targets/regio.csv' order by 1",
    )
    assert rows == [
        (2, "a", "nieuwbouw", "flow", "2023", 2023, None, "1250", 1250.0, None),
        (3, "b", "sloop", "stock", "twee", None, 2025, "1.500,5", 1500.5, None),
        (4, "c", "sloop", "stock", "2024", 2024, 2023, "2.5", None, None),  # T1 is the checks' job
    ]
    assert log(paths)["targets/regio.csv"][:2] == ("loaded", 3)


def test_targets_missing_column_f2_and_header_only(tmp_path):
    paths = data_root(tmp_path, with_agreement=False)
    (paths.targets / "kapot.csv").write_text("target_code;indicator_code;kind\nx;sloop;flow\n")
    (paths.targets / "leeg.csv").write_text("target_code;indicator_code;kind;year_from;target_value\n")
    ingest_all(paths, kinds=("targets",))
    entries = log(paths)
    assert entries["targets/kapot.csv"][0] == "rejected" and "year_from, target_value" in entries["targets/kapot.csv"][2]
    assert entries["targets/leeg.csv"][:2] == ("loaded", 0)
    assert entries["targets/extra_2030.csv"][:2] == ("loaded", 1)
