"""The Dagster asset `checks/raw_findings` and the helpers for the dbt-side checks."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from pipelines.checks.assets import (
    RAW_FINDINGS_KEY,
    build_dbt_findings_checks,
    dbt_findings_check_results,
    dbt_findings_outcomes,
    raw_findings,
)
from pipelines.checks.catalog import CHECKS, DBT_CHECK_CODES, RAW_CHECK_CODES
from pipelines.resources import WarehouseResource


def test_raw_findings_declares_one_check_per_code():
    specs = {spec.name for spec in raw_findings.check_specs}
    assert specs == {CHECKS[c].check_name for c in RAW_CHECK_CODES}
    assert "R5_code_outside_set" in specs
    assert raw_findings.group_names_by_key[RAW_FINDINGS_KEY] == "checks"
    deps = {key.to_user_string() for key in raw_findings.asset_deps[RAW_FINDINGS_KEY]}
    assert deps == {"raw/register", "raw/agreements", "raw/targets", "raw/reference", "raw/build_inputs"}


def test_raw_findings_materialises_with_check_results(tmp_path: Path):
    warehouse = WarehouseResource(data_dir=str(tmp_path))
    with warehouse.raw_connection() as con:
        con.execute("insert into raw.ref_corporaties (corporatie) values ('L0001')")
        con.execute("insert into raw.ref_municipalities (year, gemeentecode, gemeentenaam) values (2022, 'GM0363', 'Amsterdam')")
        con.execute(
            """insert into raw.register_units (source_file, source_row, file_date, file_corporation,
                   corporatie, vhe_nummer, gemeentecode, woningtype, bouwjaar, energielabel_raw, energielabel,
                   conditiescore, verwarming, zonnepanelen, geclusterd_ouderen, flexwoning, huursegment, kale_huur)
               values ('register/2022-12-31/L0001.csv', 2, date '2022-12-31', 'L0001', 'L0001', '1', 'GM0363',
                   'EGW', 1970, 'Z', 'Z', 3, 'gasketel', 'ja', 'nee', 'nee', 'sociaal', 700)"""
        )
    result = dg.materialize([raw_findings], resources={"warehouse": warehouse}, raise_on_error=True)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert set(checks) == {CHECKS[c].check_name for c in RAW_CHECK_CODES}
    assert not checks["R5_code_outside_set"].passed
    assert checks["R5_code_outside_set"].severity == dg.AssetCheckSeverity.ERROR
    assert checks["R1_value_not_parseable"].passed
    with warehouse.raw_connection(read_only=True) as con:
        assert con.execute("select check_code, source_row from checks.findings").fetchall() == [("R5", 2)]


def test_dbt_findings_helpers(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "build.duckdb"))
    con.execute("create schema marts")
    con.execute(
        """create table marts.dq_findings as select * from (values
           ('r1', now(), 'dbt.checks', 'A8', 'error', 'L0001 GM0363', 'too many', null),
           ('r1', now(), 'dbt.checks', 'N1', 'warning', 'nieuwbouw_2026', 'short', null),
           ('r1', now(), 'gx.register_units', 'R5', 'error', 'x', 'y', 'f.csv'))
           t(run_id, checked_at, suite, check_code, severity, entity, detail, source_file)"""
    )
    outcomes = dbt_findings_outcomes(con)
    assert set(outcomes) == set(DBT_CHECK_CODES)
    assert outcomes["A8"] == (1, ["L0001 GM0363: too many"]) and outcomes["N3"] == (0, [])
    key = dg.AssetKey(["marts", "dq_findings"])
    results = {r.check_name: r for r in dbt_findings_check_results(con, key)}
    assert not results["A8_efg_overcommitted"].passed
    assert results["A8_efg_overcommitted"].severity == dg.AssetCheckSeverity.ERROR
    assert results["N3_rollup_inconsistent"].passed
    con.close()
    checks_def = build_dbt_findings_checks(key)
    assert {spec.name for spec in checks_def.check_specs} == {CHECKS[c].check_name for c in DBT_CHECK_CODES}
