"""The checks over the raw layer (`run_raw_checks`) on hand-made raw tables: one test per code.

Two databases are built once per module: `clean` (every rule satisfied, only the edge cases that
must *not* raise anything) and `defects` (one planted instance of every code, plus the cascades
that must stay silent). Each test reads the findings of one code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from pipelines.checks import run_raw_checks
from pipelines.checks.raw_checks import Finding
from pipelines.raw_schema import (
    AGREEMENT_FIELDS,
    AGREEMENT_ROW_COLUMNS,
    REGISTER_COLUMNS,
    ensure_raw_schema,
)

REG_2022 = "register/2022-12-31/L0001.csv"
REG_2022_L2 = "register/2022-12-31/L0002.csv"
REG_2021 = "register/2021-12-31/L0001.csv"
WB_AMS = "agreements/amsterdam_v1.xlsx"


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


@dataclass
class RawDb:
    """Insert raw rows per raw_schema.py; a value sets both `<col>_raw` (as text) and `<col>`,
    `<col>_raw=...` overrides the text as written."""

    con: duckdb.DuckDBPyConnection
    rows: dict[str, int] = field(default_factory=dict)

    @classmethod
    def create(cls, path: Path) -> "RawDb":
        con = duckdb.connect(str(path))
        ensure_raw_schema(con)
        db = cls(con)
        db.reference()
        return db

    def _next_row(self, source_file: str) -> int:
        self.rows[source_file] = self.rows.get(source_file, 1) + 1
        return self.rows[source_file]

    def reference(self) -> None:
        self.con.execute(
            """insert into raw.ref_municipalities (year, gemeentecode, gemeentenaam) values
               (2021, 'GM0363', 'Amsterdam'), (2021, 'GM0457', 'Weesp'),
               (2022, 'GM0363', 'Amsterdam'), (2022, 'GM0599', 'Rotterdam'),
               (2023, 'GM0518', '''s-Gravenhage'), (2023, 'GM1900', 'Súdwest-Fryslân')"""
        )
        self.con.execute(
            """insert into raw.ref_municipal_mergers (effective_date, old_gemeentecode, old_gemeentenaam,
               new_gemeentecode, new_gemeentenaam, is_primary_successor)
               values (date '2022-03-24', 'GM0457', 'Weesp', 'GM0363', 'Amsterdam', true)"""
        )
        self.con.execute(
            """insert into raw.ref_corporaties (corporatie, naam, vestigingsgemeente, opgeheven_per, opgegaan_in)
               values ('L0001', 'Woonstichting Een', 'GM0363', null, null),
                      ('L0002', 'Woonstichting Twee', 'GM0363', null, null),
                      ('L0003', 'Woonstichting Drie', 'GM0599', null, null),
                      ('L0004', 'Oud', 'GM0599', date '2022-01-01', 'L0003')"""
        )

    def unit(self, source_file: str = REG_2022, **values) -> int:
        folder_date = dt.date.fromisoformat(source_file.split("/")[1])
        file_corp = source_file.rsplit("/", 1)[1].split(".")[0]
        row = {
            "peildatum": folder_date, "corporatie": file_corp, "vhe_nummer": f"V{len(self.rows) * 1000 + self.rows.get(source_file, 1)}",
            "bag_vbo_id": None, "gemeentecode": "GM0363", "postcode": "1011 AB", "woningtype": "MGW",
            "bouwjaar": 1975, "energielabel": "C", "conditiescore": 3, "verwarming": "gasketel",
            "zonnepanelen": "nee", "geclusterd_ouderen": "nee", "flexwoning": "nee", "huursegment": "sociaal",
            "kale_huur": 712.45,
        }
        raw_overrides = {k[:-4]: v for k, v in values.items() if k.endswith("_raw")}
        row.update({k: v for k, v in values.items() if not k.endswith("_raw")})
        source_row = self._next_row(source_file)
        cols = ["source_file", "source_row", "file_date", "file_corporation"]
        params: list = [source_file, source_row, folder_date, file_corp]
        for column in REGISTER_COLUMNS:
            cols += [f"{column}_raw", column]
            params += [raw_overrides.get(column, _text(row[column])), row[column]]
        self.con.execute(
            f"insert into raw.register_units ({', '.join(cols)}) values ({', '.join('?' * len(cols))})", params
        )
        return source_row

    def workbook(self, source_file: str = WB_AMS, **values) -> None:
        row = {
            "gemeentecode": "GM0363", "gemeentenaam": "Amsterdam", "status": "ondertekend",
            "datum_ondertekening": dt.date(2022, 11, 1), "looptijd_van": 2022, "looptijd_tot": 2026,
            "versie": 1, "corporaties": ["L0001", "L0002"], "huurdersorganisaties": "Huurdersvereniging",
        }
        raw_overrides = {k[:-4]: v for k, v in values.items() if k.endswith("_raw")}
        row.update({k: v for k, v in values.items() if not k.endswith("_raw")})
        cols, params = ["source_file", "sha256"], [source_file, source_file]
        for column in AGREEMENT_FIELDS:
            cols += [f"{column}_raw", column]
            params += [raw_overrides.get(column, _text(row[column])), row[column]]
        self.con.execute(
            f"insert into raw.agreement_workbooks ({', '.join(cols)}) values ({', '.join('?' * len(cols))})", params
        )

    def commitment(self, source_file: str = WB_AMS, **values) -> int:
        row = {"corporatie": "L0001", "jaar": 2023, "indicator": "nieuwbouw", "waarde": 10.0, "toelichting": None}
        raw_overrides = {k[:-4]: v for k, v in values.items() if k.endswith("_raw")}
        row.update({k: v for k, v in values.items() if not k.endswith("_raw")})
        source_row = self._next_row(source_file)
        cols, params = ["source_file", "source_row"], [source_file, source_row]
        for column in AGREEMENT_ROW_COLUMNS:
            cols += [f"{column}_raw", column]
            params += [raw_overrides.get(column, _text(row[column])), row[column]]
        self.con.execute(
            f"insert into raw.agreement_rows ({', '.join(cols)}) values ({', '.join('?' * len(cols))})", params
        )
        return source_row

    def target(self, source_file: str = "targets/extra.csv", **values) -> int:
        row = {"target_code": "nieuwbouw_2030", "description_nl": "Nieuwbouw 2030", "indicator_code": "nieuwbouw",
               "kind": "flow", "year_from": 2028, "year_to": 2030, "target_value": 30000.0, "unit": "woningen",
               "source": "test"}
        row.update(values)
        source_row = self._next_row(source_file)
        self.con.execute(
            """insert into raw.targets (source_file, source_row, target_code, description_nl, indicator_code, kind,
                   year_from_raw, year_from, year_to_raw, year_to, target_value_raw, target_value, unit, source)
               values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [source_file, source_row, row["target_code"], row["description_nl"], row["indicator_code"], row["kind"],
             row.get("year_from_raw", _text(row["year_from"])), row["year_from"],
             row.get("year_to_raw", _text(row["year_to"])), row["year_to"],
             row.get("target_value_raw", _text(row["target_value"])), row["target_value"], row["unit"], row["source"]],
        )
        return source_row

    def load_finding(self, code: str, severity: str, source_file: str, source_row: int | None = None) -> None:
        self.con.execute(
            "insert into raw.load_findings values (?, ?, ?, ?, ?, ?)",
            [code, severity, None, f"{code} planted", source_file, source_row],
        )


def _clean_rows(db: RawDb) -> None:
    """Valid rows, including the edge cases that must pass."""
    db.unit()
    db.unit(energielabel="a+", energielabel_raw=" a+ ")      # case and spaces: fine
    db.unit(gemeentecode="GM0457")                          # merged code: R3 (dbt), not R2
    db.unit(bouwjaar=2022, conditiescore=6, kale_huur=0.0)  # the snapshot year itself, bounds
    db.unit(bag_vbo_id="0363010000000001")
    db.unit(source_file=REG_2021, bag_vbo_id="0363010000000001", vhe_nummer="SAME")  # same dwelling a year earlier
    db.unit(source_file=REG_2022_L2, vhe_nummer="SAME")      # same vhe at another corporation: fine
    db.unit(source_file=REG_2022_L2, bag_vbo_id="0363010000000002", kale_huur=5000.0)
    db.workbook()
    db.commitment()
    db.commitment(corporatie="L0002", jaar=2026, indicator="verbetering_efg", waarde=0.0)
    db.commitment(jaar=2022, indicator="investering_schimmel", waarde=2_500_000.0, waarde_raw="€ 2.500.000,00")
    db.workbook("agreements/weesp.xlsx", gemeentecode="GM0457", gemeentenaam="weesp ", corporaties=["L0001"])
    db.commitment("agreements/weesp.xlsx", jaar=2024)
    db.workbook("agreements/sudwest.xlsx", gemeentecode="GM1900", gemeentenaam="Sudwest-Fryslan", corporaties=["L0003"])
    db.target()
    db.target(target_code="ouderen_2030", indicator_code="ouderenwoningen_geclusterd", year_to=None, year_to_raw="")


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> list[Finding]:
    db = RawDb.create(tmp_path_factory.mktemp("clean") / "rawlayer.duckdb")
    _clean_rows(db)
    findings = run_raw_checks(db.con).findings
    db.con.close()
    return findings


@dataclass
class Planted:
    findings: list[Finding]
    rows: dict[str, tuple[str, int]]  # label -> (source_file, source_row)
    table: list[tuple]  # contents of checks.findings after the run


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Planted:
    db = RawDb.create(tmp_path_factory.mktemp("defects") / "rawlayer.duckdb")
    _clean_rows(db)
    db.con.execute("insert into checks.findings values ('old', 'R5', 'error', 'x', 'stale', 'gone.csv', 1)")
    rows: dict[str, tuple[str, int]] = {}

    def unit(label, source_file=REG_2022, **kw):
        rows[label] = (source_file, db.unit(source_file, **kw))

    def commitment(label, source_file=WB_AMS, **kw):
        rows[label] = (source_file, db.commitment(source_file, **kw))

    unit("R1_bouwjaar", bouwjaar=None, bouwjaar_raw="19x0")
    unit("R1_score", conditiescore=None, conditiescore_raw="goed")   # R1, and no R6 (cascade)
    unit("R1_huur_missing", kale_huur=None, kale_huur_raw="")
    unit("R2", gemeentecode="GM9999")
    unit("R2_empty", gemeentecode=None, gemeentecode_raw="")
    unit("R4", source_file="register/2022-12-31/L9999.csv")
    unit("R5_label", energielabel="H", energielabel_raw="h")
    unit("R5_score", conditiescore=7)
    unit("R5_heating", verwarming="kolen")
    unit("R5_type_empty", woningtype=None, woningtype_raw=" ")
    unit("R5_yesno", zonnepanelen="misschien")
    unit("R5_and_R9", energielabel="Q", bouwjaar=1700)                # error wins: no R9 warning
    unit("R5_label_not_parsed", energielabel=None, energielabel_raw="X")  # not R6: a value was written
    unit("R5_heating_not_parsed", verwarming=None, verwarming_raw="kolen")
    unit("R6_label", energielabel=None, energielabel_raw="")
    unit("R6_label_2", energielabel=None, energielabel_raw=None)
    unit("R6_score", conditiescore=None, conditiescore_raw="")
    unit("R7_a", vhe_nummer="DUP1")
    unit("R7_b", vhe_nummer="DUP1")
    unit("R7_c_kept_out", vhe_nummer="DUP2")
    unit("R7_d_kept_out", vhe_nummer="DUP2", woningtype="HUT")         # R5 keeps it out: no R7 for DUP2
    unit("R8_a", bag_vbo_id="0363010000009999")
    unit("R8_b", source_file=REG_2022_L2, bag_vbo_id="0363010000009999")
    unit("R9_old", bouwjaar=1750)
    unit("R9_future", bouwjaar=2024)
    unit("R10_negative", kale_huur=-10.0)
    unit("R10_high", kale_huur=6200.0)
    # a file rejected at load: its rows raise nothing
    db.load_finding("F1", "error", "register/2022-12-31/L0003.csv")
    unit("in_rejected_file", source_file="register/2022-12-31/L0003.csv", energielabel="H")
    # a row with a load error: kept out, no warning
    unit("load_row_error", energielabel=None)
    db.load_finding("F2", "error", REG_2022, rows["load_row_error"][1])

    commitment("A3_not_party", corporatie="L0003")
    commitment("A3_unknown", corporatie="L7777")
    commitment("A4_indicator", indicator="zwembaden")
    commitment("A4_not_number", waarde=None, waarde_raw="2.5")
    commitment("A4_negative", waarde=-4.0)
    commitment("A5_after", jaar=2030)
    commitment("A5_before", jaar=2019)
    commitment("A5_text", jaar=None, jaar_raw="volgend jaar")
    commitment("A13_a", corporatie="L0002", jaar=2024, indicator="sloop", waarde=3.0)
    commitment("A13_b", corporatie="L0002", jaar=2024, indicator="sloop", waarde=4.0)
    db.workbook("agreements/unknown.xlsx", gemeentecode="GM9998", gemeentenaam="Nergenshuizen")
    commitment("in_A1_file", source_file="agreements/unknown.xlsx", indicator="zwembaden")
    db.workbook("agreements/rotterdam.xlsx", gemeentecode="GM0599", gemeentenaam="Amsterdam", corporaties=["L0003"])
    # A13 already raised at load: not again
    db.workbook("agreements/load_a13.xlsx", corporaties=["L0001"])
    db.commitment("agreements/load_a13.xlsx", indicator="sloop")
    db.commitment("agreements/load_a13.xlsx", indicator="sloop")
    db.load_finding("A13", "warning", "agreements/load_a13.xlsx", 2)

    db.target("targets/bad_indicator.csv", target_code="x1", indicator_code="zwembaden")
    db.target("targets/bad_kind.csv", target_code="x2", kind="flux")
    db.target("targets/reversed.csv", target_code="x3", year_from=2030, year_to=2028)
    db.target("targets/shipped.csv", target_code="nieuwbouw_2026")
    db.target("targets/bad_year.csv", target_code="x4", year_from=None, year_from_raw="twintig")
    db.target("targets/dup_a.csv", target_code="x5")
    db.target("targets/dup_b.csv", target_code="X5 ")

    result = run_raw_checks(db.con)
    table = db.con.execute("select * from checks.findings").fetchall()
    db.con.close()
    return Planted(result.findings, rows, table)


def _at(findings: list[Finding], code: str) -> set[tuple[str, int | None]]:
    return {(f.source_file, f.source_row) for f in findings if f.check_code == code}


def _codes_at(findings: list[Finding], source_file: str, source_row: int | None) -> set[str]:
    return {f.check_code for f in findings if f.source_file == source_file and f.source_row == source_row}


def _warning(findings: list[Finding], code: str, source_file: str) -> list[Finding]:
    return [f for f in findings if f.check_code == code and f.source_file == source_file and f.severity == "warning"]


def test_clean_raw_layer_has_no_findings(clean):
    assert clean == []


def test_findings_table_is_replaced(planted):
    assert not [r for r in planted.table if r[0] == "old"]
    assert len(planted.table) == len(planted.findings)
    # every finding names its file; row-level errors their row; messages say what is kept out
    assert all(f.source_file for f in planted.findings)
    assert all(f.detail and f.entity for f in planted.findings)


def test_r1_value_not_parseable(planted):
    rows = planted.rows
    assert _at(planted.findings, "R1") == {rows["R1_bouwjaar"], rows["R1_score"], rows["R1_huur_missing"]}
    detail = next(f.detail for f in planted.findings if (f.source_file, f.source_row) == rows["R1_bouwjaar"])
    assert "'19x0'" in detail and "left out" in detail


def test_r2_municipality_unknown(planted):
    assert _at(planted.findings, "R2") == {planted.rows["R2"], planted.rows["R2_empty"]}


def test_r4_corporation_unknown(planted):
    assert _at(planted.findings, "R4") == {planted.rows["R4"]}
    assert next(f.entity for f in planted.findings if f.check_code == "R4").startswith("L9999")


def test_r5_code_outside_set(planted):
    rows = planted.rows
    expected = {rows[k] for k in ("R5_label", "R5_score", "R5_heating", "R5_type_empty", "R5_yesno",
                                  "R5_and_R9", "R7_d_kept_out", "R5_label_not_parsed", "R5_heating_not_parsed")}
    assert _at(planted.findings, "R5") == expected
    assert all(f.severity == "error" for f in planted.findings if f.check_code == "R5")


def test_r6_label_or_score_missing_is_one_warning_per_rule_and_file(planted):
    warnings = _warning(planted.findings, "R6", REG_2022)
    assert len(warnings) == 2
    label = next(w for w in warnings if "energy label" in w.detail)
    score = next(w for w in warnings if "condition score" in w.detail)
    assert label.detail.startswith(f"{REG_2022}: dwellings without a registered energy label") and ": 2;" in label.detail  # R6_label, R6_label_2; not the load-error row
    assert ": 1;" in score.detail  # R6_score; not R1_score (unparseable, an error)
    assert label.source_row is None and label.entity == "L0001"


def test_r7_unit_number_not_unique(planted):
    rows = planted.rows
    assert _at(planted.findings, "R7") == {rows["R7_a"], rows["R7_b"]}


def test_r8_same_dwelling_two_corporations(planted):
    rows = planted.rows
    assert _at(planted.findings, "R8") == {rows["R8_a"], rows["R8_b"]}
    assert "L0001, L0002" in next(f.detail for f in planted.findings if f.check_code == "R8")


def test_r9_construction_year(planted):
    before, after = sorted(_warning(planted.findings, "R9", REG_2022), key=lambda f: "1800" not in f.detail)
    assert ": 1;" in before.detail and "1750" in before.detail
    assert ": 1;" in after.detail and "2024" in after.detail
    assert "1700" not in before.detail  # that row has an error (R5): no further findings


def test_r10_rent(planted):
    [warning] = _warning(planted.findings, "R10", REG_2022)
    assert ": 2;" in warning.detail and "negative" in warning.detail and "above 5,000" in warning.detail


def test_rows_kept_out_do_not_cascade(planted):
    assert _codes_at(planted.findings, *planted.rows["R1_score"]) == {"R1"}
    assert _codes_at(planted.findings, *planted.rows["R5_and_R9"]) == {"R5"}
    assert not [f for f in planted.findings if f.source_file == "register/2022-12-31/L0003.csv"]
    assert not [f for f in planted.findings if f.source_file == "agreements/unknown.xlsx" and f.check_code != "A1"]


def test_a1_agreement_municipality_unknown_keeps_out_the_file(planted):
    [a1] = [f for f in planted.findings if f.check_code == "A1"]
    assert (a1.source_file, a1.source_row, a1.severity, a1.entity) == ("agreements/unknown.xlsx", None, "error", "GM9998")


def test_a3_corporation_unknown_or_not_a_party(planted):
    rows = planted.rows
    assert _at(planted.findings, "A3") == {rows["A3_not_party"], rows["A3_unknown"]}


def test_a4_indicator_or_value_invalid(planted):
    rows = planted.rows
    assert _at(planted.findings, "A4") == {rows["A4_indicator"], rows["A4_not_number"], rows["A4_negative"]}


def test_a5_year_outside_term(planted):
    rows = planted.rows
    assert _at(planted.findings, "A5") == {rows["A5_after"], rows["A5_before"], rows["A5_text"]}


def test_a13_duplicate_rows(planted):
    [warning] = [f for f in planted.findings if f.check_code == "A13"]
    assert warning.source_file == WB_AMS and warning.severity == "warning"


def test_a14_municipality_name_mismatch(planted):
    [warning] = [f for f in planted.findings if f.check_code == "A14"]
    assert (warning.source_file, warning.entity, warning.severity) == ("agreements/rotterdam.xlsx", "GM0599", "warning")
    assert "Rotterdam" in warning.detail


def test_t1_targets_file_kept_out(planted):
    t1 = [f for f in planted.findings if f.check_code == "T1"]
    assert {f.source_file for f in t1} == {
        "targets/bad_indicator.csv", "targets/bad_kind.csv", "targets/reversed.csv", "targets/shipped.csv",
        "targets/bad_year.csv", "targets/dup_a.csv", "targets/dup_b.csv",
    }
    assert all(f.source_row is None and f.severity == "error" for f in t1)
    assert "targets/extra.csv" not in {f.source_file for f in planted.findings}


def test_gx_on_every_row_gives_the_same_findings(tmp_path, planted):
    """`mode="rows"` hands GX every raw row instead of the distinct values: same verdicts."""
    db = RawDb.create(tmp_path / "rawlayer.duckdb")
    _clean_rows(db)
    db.unit(energielabel="H")
    db.unit(bouwjaar=1750, kale_huur=-1.0)
    db.unit(energielabel=None)
    db.unit(conditiescore=None, conditiescore_raw="x")
    db.commitment(jaar=2040, indicator="zwembaden")
    db.target("targets/t.csv", kind="x")
    distinct = run_raw_checks(db.con).findings
    rows = run_raw_checks(db.con, mode="rows").findings
    db.con.close()
    assert distinct == rows
    assert {f.check_code for f in rows} == {"R5", "R9", "R10", "R1", "R6", "A4", "A5", "T1"}


def test_gx_is_warmed_up_once_per_process():
    """The ingest starts the GX import when files changed and the checks ask again: one thread."""
    from pipelines.checks.gx_runner import warm_up_in_background

    first = warm_up_in_background()
    assert warm_up_in_background() is first
    first.join()
