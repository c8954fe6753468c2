"""A small hand-made raw layer for the dbt project, with figures computed by hand.

`build_raw_fixture(path)` writes a raw.duckdb (schema per pipelines/raw_schema.py) with the real
reference files (municipalities, mergers, COROP regions from `$NPA_REFERENCE_DIR`, default
`../shared/reference` next to the repository), six invented corporations, two register snapshots
(2021-12-31 and 2022-12-31), ten agreement workbooks, an extra targets file and a few findings
that gate rows and files. The expected marts are spelled out in tests/test_dbt_marts.py.

Run as a script to write one: `python tests/dbt_fixture.py /tmp/raw.duckdb`.

The dwellings (s0 = 2021-12-31, s1 = 2022-12-31; "-" = absent):

| id  | s0 holder, municipality, state          | s1 holder, municipality, state                  | realised in 2022 |
| u1  | L0001 GM0363 E, gasketel, no solar      | L0001 GM0363 B, warmtepomp, solar               | efg, warmtepompen, zonnepanelen |
| u2  | L0001 GM0363 F, cond 5, gasketel        | L0001 GM0363 F, cond 2, hybride                 | herstel_56, warmtepompen |
| u3  | L0001 GM0363 G, cond 6, no bag id       | L0001 GM0363 no label, no score                 | nothing (missing never counts) |
| u4  | -                                       | L0001 GM0363 built 2022, A+++, warmtepomp, solar, flex, clustered | nieuwbouw, flex, ouderen |
| u5  | -                                       | L0001 GM0363 built 1990, no bag id              | toevoeging_bestaand |
| u6  | L0001 GM0363                            | -                                               | uitstroom |
| u7  | L0001 GM0457 (Weesp) D, not clustered   | L0001 GM0457 D, clustered                       | ouderen (in GM0363) |
| u8  | L0004 GM0363 E                          | L0001 GM0363 C (L0004 merged into L0001)        | efg |
| u9  | L0004 GM0363 no bag id, no solar        | L0001 GM0363 same vhe, solar                    | zonnepanelen |
| u10 | L0002 GM0599                            | L0003 GM0599 (transfer, other vhe)              | nothing |
| u11 | L0002 GM0599 G, cond 6                  | L0002 GM0599 G, cond 6                          | nothing |
| u12 | -                                       | L0002 GM0599 built 2022, label `H` (R5 error)   | nothing: row kept out |
| u13 | L0003 GM0398 (Heerhugowaard) cond 5     | L0003 GM1980 (Dijk en Waard) cond 4             | herstel_56 (in GM1980) |
| u14 | -                                       | L0003 GM1980 built 2022, gasketel               | nieuwbouw |
| u15 | -                                       | L0006 GM0599 built 2022 (L0006: no 2021 file)   | nothing (not compared) |
| u16 | L0002 GM0599 E                          | L0006 GM0599 A (transfer to L0006)              | nothing |
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from pipelines.raw_schema import (  # noqa: E402
    AGREEMENT_FIELDS,
    AGREEMENT_ROW_COLUMNS,
    REGISTER_COLUMNS,
    ensure_raw_schema,
)

S0 = "2021-12-31"
S1 = "2022-12-31"

UNIT_DEFAULTS = {
    "woningtype": "MGW",
    "bouwjaar": 1970,
    "energielabel": "C",
    "conditiescore": 2,
    "verwarming": "warmtenet",
    "zonnepanelen": "nee",
    "geclusterd_ouderen": "nee",
    "flexwoning": "nee",
    "huursegment": "sociaal",
    "kale_huur": 650.0,
    "postcode": None,
}


def _bag(municipality: str, n: int) -> str:
    return f"{municipality[2:]}01{n:010d}"


# (snapshot, corporation, vhe_nummer, bag_vbo_id, gemeentecode, overrides)
UNITS = [
    (S0, "L0001", "A1", _bag("GM0363", 1), "GM0363", {"energielabel": "E", "verwarming": "gasketel"}),
    (S0, "L0001", "A2", _bag("GM0363", 2), "GM0363",
     {"energielabel": "F", "conditiescore": 5, "verwarming": "gasketel"}),
    (S0, "L0001", "A3", None, "GM0363", {"energielabel": "G", "conditiescore": 6}),
    (S0, "L0001", "A6", _bag("GM0363", 6), "GM0363", {}),
    (S0, "L0001", "W1", _bag("GM0457", 7), "GM0457", {"energielabel": "D"}),
    (S0, "L0004", "B1", _bag("GM0363", 8), "GM0363", {"energielabel": "E"}),
    (S0, "L0004", "B2", None, "GM0363", {}),
    (S0, "L0002", "R1", _bag("GM0599", 10), "GM0599", {}),
    (S0, "L0002", "R2", _bag("GM0599", 11), "GM0599", {"energielabel": "G", "conditiescore": 6}),
    (S0, "L0002", "R4", _bag("GM0599", 16), "GM0599", {"energielabel": "E"}),
    (S0, "L0003", "H1", _bag("GM0398", 13), "GM0398", {"conditiescore": 5}),
    (S1, "L0001", "A1", _bag("GM0363", 1), "GM0363",
     {"energielabel": "B", "verwarming": "warmtepomp", "zonnepanelen": "ja"}),
    (S1, "L0001", "A2", _bag("GM0363", 2), "GM0363",
     {"energielabel": "F", "conditiescore": 2, "verwarming": "hybride"}),
    (S1, "L0001", "A3", None, "GM0363", {"energielabel": None, "conditiescore": None}),
    (S1, "L0001", "A4", _bag("GM0363", 4), "GM0363",
     {"bouwjaar": 2022, "energielabel": "A+++", "verwarming": "warmtepomp", "zonnepanelen": "ja",
      "flexwoning": "ja", "geclusterd_ouderen": "ja"}),
    (S1, "L0001", "A5", None, "GM0363", {"bouwjaar": 1990}),
    (S1, "L0001", "W1", _bag("GM0457", 7), "GM0457", {"energielabel": "D", "geclusterd_ouderen": "ja"}),
    (S1, "L0001", "B1", _bag("GM0363", 8), "GM0363", {"energielabel": "C"}),
    (S1, "L0001", "B2", None, "GM0363", {"zonnepanelen": "ja"}),
    (S1, "L0002", "R2", _bag("GM0599", 11), "GM0599", {"energielabel": "G", "conditiescore": 6}),
    (S1, "L0002", "R3", _bag("GM0599", 12), "GM0599", {"bouwjaar": 2022, "energielabel": "H"}),
    (S1, "L0003", "X10", _bag("GM0599", 10), "GM0599", {}),
    (S1, "L0003", "H1", _bag("GM0398", 13), "GM1980", {"conditiescore": 4}),
    (S1, "L0003", "H2", _bag("GM1980", 14), "GM1980", {"bouwjaar": 2022, "verwarming": "gasketel"}),
    (S1, "L0006", "X1", None, "GM0599", {"bouwjaar": 2022}),
    (S1, "L0006", "X2", _bag("GM0599", 16), "GM0599", {"energielabel": "A"}),
]

CORPORATIONS = [
    ("L0001", "Stichting Amstelwonen", "GM0363", None, None),
    ("L0002", "Woonstichting Maasoever", "GM0599", None, None),
    ("L0003", "Woningbouwvereniging Dijk en Waard", "GM1980", None, None),
    ("L0004", "Woonstichting Weesp", "GM0457", "2022-07-01", "L0001"),
    ("L0005", "Vereniging Oud-Weesp", "GM0457", "2020-01-01", "L0004"),
    ("L0006", "Stichting Flexibel Wonen", "GM0599", None, None),
]

# workbook file -> (gemeentecode, status, datum_ondertekening, versie, corporaties, rows)
# rows: (corporatie, jaar, indicator, waarde)
WORKBOOKS = {
    "agreements/amsterdam_2022_v1.xlsx": ("GM0363", "ondertekend", "2022-03-01", 1, ["L0001", "L0004"], [
        ("L0001", 2022, "nieuwbouw", 100), ("L0001", 2023, "nieuwbouw", 120),
        ("L0004", 2022, "nieuwbouw", 10),
        ("L0001", 2022, "verbetering_efg", 1), ("L0001", 2023, "verbetering_efg", 1),
        ("L0001", 2024, "verbetering_efg", 1),
        ("L0001", 2022, "investering_schimmel", 1000), ("L0001", 2022, "investering_brandveiligheid", 2000),
    ]),
    "agreements/amsterdam_2022_v2.xlsx": ("GM0363", "ondertekend", "2022-11-15", 2, ["L0001"], [
        ("L0001", 2023, "nieuwbouw", 150), ("L0001", 2023, "nieuwbouw", 50),
        ("L0001", 2024, "nieuwbouw", 150),
        ("L0001", 2023, "verbetering_efg", 1), ("L0001", 2024, "verbetering_efg", 1),
        ("L0001", 2023, "investering_loden_leidingen", 500),
        ("L0001", 2023, "ouderenwoningen_geclusterd", 5),
    ]),
    "agreements/amsterdam_bod_L0001.xlsx": ("GM0363", "bod", "2022-06-01", 3, ["L0001"], [
        ("L0001", 2023, "nieuwbouw", 400),
    ]),
    "agreements/rotterdam_a.xlsx": ("GM0599", "ondertekend", "2022-05-01", 1, ["L0002"], [
        ("L0002", 2022, "nieuwbouw", 20), ("L0002", 2023, "verbetering_efg", 1),
    ]),
    "agreements/rotterdam_b.xlsx": ("GM0599", "ondertekend", "2022-05-01", 1, ["L0002", "L0006"], [
        ("L0002", 2022, "nieuwbouw", 30), ("L0006", 2023, "nieuwbouw", 7),
        ("L0002", 2023, "verbetering_efg", 1), ("L0002", 2022, "investering_duurzame_energie", 1000000),
        ("L0002", 2023, "sloop", 3),
        ("L0002", 2022, "nieuwbouwx", 5),  # A4 error: kept out
    ]),
    "agreements/rotterdam_c.xlsx": ("GM0599", "ondertekend", "2022-06-01", 5, ["L0002"], [
        ("L0002", 2022, "nieuwbouw", 999),  # whole file kept out by a file-level error
    ]),
    "agreements/heerhugowaard.xlsx": ("GM0398", "ondertekend", "2021-12-01", 1, ["L0003"], [
        ("L0003", 2022, "nieuwbouw", 40), ("L0003", 2023, "herstel_conditie_56", 1),
    ]),
    "agreements/langedijk.xlsx": ("GM0416", "ondertekend", "2021-12-10", 1, ["L0003"], [
        ("L0003", 2022, "nieuwbouw", 5),
    ]),
    "agreements/dijk_en_waard_concept.xlsx": ("GM1980", "concept", "2023-01-10", 1, ["L0003"], [
        ("L0003", 2023, "nieuwbouw", 80),
    ]),
}

EXTRA_TARGETS = [
    # (row, target_code, description_nl, indicator_code, kind, year_from, year_to, value, unit, source)
    (2, "flexwoningen_2030", "Extra flexwoningen tot en met 2030", "flexwoningen", "flow", 2023, 2030, 1000,
     "woningen", "Voorbeeld"),
    (3, "nieuwbouw_2026", "Herdefinitie (T1)", "nieuwbouw", "flow", 2026, 2026, 1, "woningen", "Voorbeeld"),
]


def _reference_dir() -> Path:
    value = os.environ.get("NPA_REFERENCE_DIR")
    return Path(value) if value else REPO_ROOT.parent / "shared" / "reference"


def _raw_text(value) -> str | None:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def _register_rows():
    """Yield (source_file, source_row, file_date, file_corporation, values) per unit."""
    next_row: dict[str, int] = {}
    for snapshot, corporation, vhe, bag, gemeente, overrides in UNITS:
        source_file = f"register/{snapshot}/{corporation}.csv"
        row = next_row.get(source_file, 2)
        next_row[source_file] = row + 1
        values = {**UNIT_DEFAULTS, **overrides}
        values.update(peildatum=snapshot, corporatie=corporation, vhe_nummer=vhe, bag_vbo_id=bag,
                      gemeentecode=gemeente)
        yield source_file, row, snapshot, corporation, values


def register_source_row(snapshot: str, corporation: str, vhe: str) -> tuple[str, int]:
    for source_file, row, snap, corp, values in _register_rows():
        if snap == snapshot and corp == corporation and values["vhe_nummer"] == vhe:
            return source_file, row
    raise KeyError((snapshot, corporation, vhe))


def build_raw_fixture(path: str | Path, reference_dir: str | Path | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    ref = Path(reference_dir) if reference_dir else _reference_dir()
    con = duckdb.connect(str(path))
    try:
        ensure_raw_schema(con)
        _load_reference(con, ref)
        _load_register(con)
        _load_agreements(con)
        _load_targets(con)
        _load_findings(con)
    finally:
        con.close()
    return path


def _load_reference(con: duckdb.DuckDBPyConnection, ref: Path) -> None:
    for table, file in [
        ("ref_municipalities", "municipalities.csv"),
        ("ref_municipal_mergers", "municipal_mergers.csv"),
        ("ref_corop_regions", "corop_regions.csv"),
    ]:
        csv = str(ref / file)
        columns = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' "
            "and table_name = ? and column_name not in ('source_file', 'source_row') "
            "order by ordinal_position", [table]).fetchall()]
        con.execute(
            f"insert into raw.{table} (source_file, source_row, {', '.join(columns)}) "
            f"select 'reference/{file}', cast(row_number() over () + 1 as integer), "
            f"{', '.join(columns)} from read_csv(?, header = true, all_varchar = false)",
            [csv],
        )
        _log(con, f"reference/{file}", "reference")
    con.executemany(
        "insert into raw.ref_corporaties values ('reference/corporaties.csv', ?, ?, ?, ?, ?, ?)",
        [[i + 2, *c] for i, c in enumerate(CORPORATIONS)],
    )
    _log(con, "reference/corporaties.csv", "reference", len(CORPORATIONS))
    regions = [("GM0363", "Metropoolregio Amsterdam"), ("GM0599", "Rotterdam")]
    con.executemany(
        "insert into raw.ref_woningmarktregios values ('reference/woningmarktregios.csv', ?, ?, ?)",
        [[i + 2, *r] for i, r in enumerate(regions)],
    )
    _log(con, "reference/woningmarktregios.csv", "reference", len(regions))


def _load_register(con: duckdb.DuckDBPyConnection) -> None:
    columns = ["source_file", "source_row", "file_date", "file_corporation"]
    for c in REGISTER_COLUMNS:
        columns += [f"{c}_raw", c]
    rows = []
    files: dict[str, int] = {}
    for source_file, row, snapshot, corporation, values in _register_rows():
        record = [source_file, row, snapshot, corporation]
        for c in REGISTER_COLUMNS:
            record += [_raw_text(values[c]), values[c]]
        rows.append(record)
        files[source_file] = files.get(source_file, 0) + 1
    con.executemany(
        f"insert into raw.register_units ({', '.join(columns)}) values ({', '.join('?' * len(columns))})",
        rows,
    )
    for source_file, n in files.items():
        _log(con, source_file, "register", n)
    # a rejected file: no rows, an F1 finding at load
    _log(con, f"register/{S1}/L0009.csv", "register", 0, status="rejected",
         error="F1: bestand kan niet gelezen worden")
    con.execute(
        "insert into raw.load_findings values ('F1', 'error', 'L0009', 'bestand kan niet gelezen worden', ?, null)",
        [f"register/{S1}/L0009.csv"],
    )


def _load_agreements(con: duckdb.DuckDBPyConnection) -> None:
    wb_columns = ["source_file", "sha256"]
    for c in AGREEMENT_FIELDS:
        wb_columns += [f"{c}_raw", c]
    row_columns = ["source_file", "source_row"]
    for c in AGREEMENT_ROW_COLUMNS:
        row_columns += [f"{c}_raw", c]
    names = {"GM0363": "Amsterdam", "GM0599": "Rotterdam", "GM0398": "Heerhugowaard",
             "GM0416": "Langedijk", "GM1980": "Dijk en Waard"}
    for source_file, (code, status, signed_on, version, parties, rows) in WORKBOOKS.items():
        fields = {"gemeentecode": code, "gemeentenaam": names[code], "status": status,
                  "datum_ondertekening": signed_on, "looptijd_van": 2022, "looptijd_tot": 2026,
                  "versie": version, "corporaties": parties, "huurdersorganisaties": "Huurdersvereniging"}
        record = [source_file, f"sha-{source_file}"]
        for c in AGREEMENT_FIELDS:
            record += [_raw_text(fields[c]), fields[c]]
        con.execute(
            f"insert into raw.agreement_workbooks ({', '.join(wb_columns)}) "
            f"values ({', '.join('?' * len(wb_columns))})",
            record,
        )
        records = []
        for i, (corporation, year, indicator, value) in enumerate(rows):
            values = {"corporatie": corporation, "jaar": year, "indicator": indicator, "waarde": float(value),
                      "toelichting": None}
            record = [source_file, i + 2]
            for c in AGREEMENT_ROW_COLUMNS:
                record += [_raw_text(values[c]), values[c]]
            records.append(record)
        con.executemany(
            f"insert into raw.agreement_rows ({', '.join(row_columns)}) "
            f"values ({', '.join('?' * len(row_columns))})",
            records,
        )
        _log(con, source_file, "agreement", len(rows))


def _load_targets(con: duckdb.DuckDBPyConnection) -> None:
    for row, code, description, indicator, kind, year_from, year_to, value, unit, source in EXTRA_TARGETS:
        con.execute(
            "insert into raw.targets values ('targets/extra.csv', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [row, code, description, indicator, kind, str(year_from), year_from, str(year_to), year_to,
             str(value), float(value), unit, source],
        )
    _log(con, "targets/extra.csv", "target", len(EXTRA_TARGETS))


def _load_findings(con: duckdb.DuckDBPyConnection) -> None:
    r3_file, r3_row = register_source_row(S1, "L0002", "R3")
    a4_row = 2 + [r[2] for r in WORKBOOKS["agreements/rotterdam_b.xlsx"][5]].index("nieuwbouwx")
    findings = [
        ("register", "R5", "error", "L0002/R3", "energielabel 'H' is geen geldig label", r3_file, r3_row),
        ("register", "R6", "warning", "L0001/A3", "geen energielabel geregistreerd",
         *register_source_row(S1, "L0001", "A3")),
        ("agreements", "A4", "error", "nieuwbouwx", "onbekende indicator", "agreements/rotterdam_b.xlsx", a4_row),
        ("agreements", "A1", "error", "GM0599", "bestand afgekeurd", "agreements/rotterdam_c.xlsx", None),
        ("agreements", "A6", "warning", "GM0599", "twee ondertekende versies 1", "agreements/rotterdam_b.xlsx", None),
        ("targets", "T1", "error", "nieuwbouw_2026", "herdefinieert een meegeleverd doel", "targets/extra.csv", 3),
    ]
    con.executemany("insert into checks.findings values (?, ?, ?, ?, ?, ?, ?)", findings)


def _log(con, file_path: str, kind: str, rows: int | None = None, status: str = "loaded",
         error: str | None = None) -> None:
    con.execute(
        "insert or replace into raw.load_log values (?, ?, ?, ?, ?, ?, timestamp '2023-01-15 02:00:00')",
        [file_path, f"sha-{file_path}", kind, rows, status, error],
    )


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/npa_fixture/npa_raw.duckdb")
    print(build_raw_fixture(target))
