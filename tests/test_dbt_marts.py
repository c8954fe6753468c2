"""The dbt project against a hand-made raw layer (tests/dbt_fixture.py), figures computed by hand.

Builds the fixture raw database, runs `dbt build` (models, data tests, unit tests) twice, without
a reference date and with `as_of: 2022-07-01`, each into its own build database, and checks a
few marts figure by figure. dbt runs in a subprocess with its own target and log folders, so it
never touches dbt_project/target.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dbt_fixture import build_raw_fixture  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def run_dbt_build(raw_db: Path, build_db: Path, work: Path, as_of: str | None = None,
                  extra_env: dict[str, str] | None = None) -> None:
    """`dbt build` into build_db; as of a date without the unit tests (they fix their own vars)."""
    args = [
        str(DBT), "build",
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"),
    ]
    if as_of:
        args += ["--vars", f"{{as_of: '{as_of}'}}"]
    if as_of or extra_env:
        args += ["--exclude", "test_type:unit"]
    env = {**os.environ, "NPA_RAW_DB": str(raw_db), "NPA_BUILD_DB": str(build_db),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **(extra_env or {})}
    result = subprocess.run(args, env=env, capture_output=True, text=True, cwd=DBT_PROJECT_DIR)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


@pytest.fixture(scope="module")
def raw_db(tmp_path_factory) -> Path:
    return build_raw_fixture(tmp_path_factory.mktemp("raw") / "npa_raw.duckdb")


@pytest.fixture(scope="module")
def marts(raw_db, tmp_path_factory):
    work = tmp_path_factory.mktemp("build")
    build_db = work / "build.duckdb"
    run_dbt_build(raw_db, build_db, work)
    con = duckdb.connect(str(build_db), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def marts_as_of(raw_db, tmp_path_factory):
    work = tmp_path_factory.mktemp("build_as_of")
    build_db = work / "build.duckdb"
    run_dbt_build(raw_db, build_db, work, as_of="2022-07-01")
    con = duckdb.connect(str(build_db), read_only=True)
    yield con
    con.close()


def test_dwellings_matched_in_batches_of_corporations_equal_one_build(marts, raw_db, tmp_path):
    """A large register's full build matches dwellings in batches (macros/register_increment.sql);
    the fixture's dwellings that move between corporations must match across batches as in one."""
    work = tmp_path / "batched"
    build_db = work / "build.duckdb"
    run_dbt_build(raw_db, build_db, work, extra_env={"NPA_DWELLING_BATCHES": "3"})
    marts.execute(f"attach '{build_db}' as batched (read_only)")
    try:
        for table in ("intermediate.int_dwellings_matched", "marts.realisation_by_area"):
            n = rows(marts, f"select count(*) from {table}")[0][0]
            differ = rows(marts, f"""select count(*) from (
                (select * from {table} except all select * from batched.{table})
                union all
                (select * from batched.{table} except all select * from {table}))""")[0][0]
            assert n > 0 and differ == 0, f"{table}: {differ} of {n} rows differ when built in batches"
        crossing = rows(marts, """select count(*) from intermediate.int_dwellings_matched
                                  where from_corporation_id <> to_corporation_id""")[0][0]
        assert crossing > 0, "the fixture should hold dwellings matched across corporations"
    finally:
        marts.execute("detach batched")


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def as_dict(con, sql: str) -> dict:
    return {r[0]: r[1] if len(r) == 2 else r[1:] for r in rows(con, sql)}


# --- without a reference date -------------------------------------------------------------------

def test_reporting_set_and_regions(marts):
    assert rows(marts, "select count(*) from marts.dim_municipality") == [(342,)]
    # a woningmarktregios file is supplied: listed municipalities in their region, others Onbekend
    assert as_dict(marts, """
        select municipality_code, housing_market_region from marts.dim_municipality
        where municipality_code in ('GM0363', 'GM0599', 'GM1980')""") == {
        "GM0363": "Metropoolregio Amsterdam", "GM0599": "Rotterdam", "GM1980": "Onbekend"}


def test_realisation_national(marts):
    assert as_dict(marts, """
        select indicator_code, realised_value from marts.realisation_by_area
        where area_level = 'national' and to_snapshot = date '2022-12-31'""") == {
        "nieuwbouw": 2, "toevoeging_bestaand": 1, "uitstroom": 1, "verbetering_efg": 2,
        "herstel_conditie_56": 2, "warmtepompen": 2, "zonnepanelen": 2,
        "ouderenwoningen_geclusterd": 2, "flexwoningen": 1}


def test_realisation_per_municipality(marts):
    # Weesp's dwelling is booked on Amsterdam, Heerhugowaard's on Dijk en Waard; Rotterdam has
    # only a transfer, a dwelling moved to an uncompared corporation and a gated new build
    assert sorted(rows(marts, """
        select area_code, indicator_code, realised_value from marts.realisation_by_area
        where area_level = 'municipality'""")) == sorted([
        ("GM0363", "nieuwbouw", 1), ("GM0363", "toevoeging_bestaand", 1), ("GM0363", "uitstroom", 1),
        ("GM0363", "verbetering_efg", 2), ("GM0363", "herstel_conditie_56", 1),
        ("GM0363", "warmtepompen", 2), ("GM0363", "zonnepanelen", 2),
        ("GM0363", "ouderenwoningen_geclusterd", 2), ("GM0363", "flexwoningen", 1),
        ("GM1980", "herstel_conditie_56", 1), ("GM1980", "nieuwbouw", 1)])


def test_stock_by_area(marts):
    assert rows(marts, """
        select snapshot_date::varchar, n_dwellings, n_label_efg, n_label_missing, n_condition_56,
            n_gas_boiler, n_heat_pump, n_solar_panels, n_clustered_elderly, n_flex
        from marts.stock_by_area where area_level = 'national' order by snapshot_date""") == [
        ("2021-12-31", 11, 6, 0, 4, 2, 0, 0, 0, 0),
        ("2022-12-31", 14, 2, 1, 1, 1, 3, 3, 2, 1)]
    assert as_dict(marts, """
        select area_code, n_dwellings from marts.stock_by_area
        where area_level = 'municipality' and snapshot_date = date '2022-12-31'""") == {
        "GM0363": 8, "GM0599": 4, "GM1980": 2}


def test_fct_commitments(marts):
    assert sorted(rows(marts, """
        select municipality_code, corporation_id, year, indicator_code, value, source_file
        from marts.fct_commitments""")) == sorted([
        # Amsterdam v2 counts; its verbetering_efg (2 > 1 E/F/G home) is kept out by A8
        ("GM0363", "L0001", 2023, "nieuwbouw", 200.0, "agreements/amsterdam_2022_v2.xlsx"),
        ("GM0363", "L0001", 2024, "nieuwbouw", 150.0, "agreements/amsterdam_2022_v2.xlsx"),
        ("GM0363", "L0001", 2023, "investering_loden_leidingen", 500.0, "agreements/amsterdam_2022_v2.xlsx"),
        ("GM0363", "L0001", 2023, "ouderenwoningen_geclusterd", 5.0, "agreements/amsterdam_2022_v2.xlsx"),
        # Rotterdam: b (same versie and date as a, sorts last) counts; c is rejected; the A4 row is out
        ("GM0599", "L0002", 2022, "nieuwbouw", 30.0, "agreements/rotterdam_b.xlsx"),
        ("GM0599", "L0006", 2023, "nieuwbouw", 7.0, "agreements/rotterdam_b.xlsx"),
        ("GM0599", "L0002", 2023, "verbetering_efg", 1.0, "agreements/rotterdam_b.xlsx"),
        ("GM0599", "L0002", 2022, "investering_duurzame_energie", 1000000.0, "agreements/rotterdam_b.xlsx"),
        ("GM0599", "L0002", 2023, "sloop", 3.0, "agreements/rotterdam_b.xlsx"),
        # Heerhugowaard and Langedijk both count, booked on Dijk en Waard
        ("GM1980", "L0003", 2022, "nieuwbouw", 45.0, "agreements/heerhugowaard.xlsx, agreements/langedijk.xlsx"),
        ("GM1980", "L0003", 2023, "herstel_conditie_56", 1.0, "agreements/heerhugowaard.xlsx"),
    ])
    assert rows(marts, "select * from intermediate.int_commitments_efg_overcommitted") == [
        ("GM0363", "L0001", 2.0, 1, __import__("datetime").date(2022, 12, 31))]


def test_commitments_by_area(marts):
    national = {(r[0], r[1]): r[2] for r in rows(marts, """
        select indicator_code, year, committed_value from marts.commitments_by_area
        where area_level = 'national'""")}
    assert national[("nieuwbouw", 2022)] == 75
    assert national[("nieuwbouw", 2023)] == 207
    assert national[("nieuwbouw", 2024)] == 150
    assert national[("investering_onderhoud", 2023)] == 500
    assert ("verbetering_efg", 2024) not in national
    # province Noord-Holland = Amsterdam + Dijk en Waard
    assert rows(marts, """
        select committed_value, n_municipalities, n_corporations from marts.commitments_by_area
        where area_level = 'province' and area_code = 'PV27' and year = 2022
          and indicator_code = 'nieuwbouw'""") == [(45.0, 1, 1)]


def test_progress_national(marts):
    got = {r[0]: r[1:] for r in rows(marts, """
        select target_code, committed_value, realised_value, projected_value, gap, on_track
        from marts.progress_national""")}
    assert got["nieuwbouw_heffingskorting"] == (432.0, 2.0, None, -149568.0, False)
    assert got["nieuwbouw_2026"] == (0.0, None, None, -28000.0, False)
    assert got["ouderenwoningen_50000"] == (5.0, 2.0, None, -49995.0, False)
    assert got["label_efg_2028"] == (1.0, None, 1.0, 1.0, False)
    assert got["conditie_56_2026"] == (1.0, None, 0.0, 0.0, True)
    assert got["duurzame_energie_2025"] == (1000000.0, None, None, -499000000.0, False)
    assert got["onderhoud_2023"] == (500.0, None, None, -99999500.0, False)
    # an extra target from data/raw/targets; the row redefining nieuwbouw_2026 is kept out (T1)
    assert got["flexwoningen_2030"] == (0.0, None, None, -1000.0, False)
    assert rows(marts, "select target_value from marts.national_targets where target_code = 'nieuwbouw_2026'") == [
        (28000.0,)]


def test_agreement_coverage(marts):
    got = {r[0]: r[1:] for r in rows(marts, """
        select municipality_code, n_corporations_with_stock, n_corporations_signed,
            has_signed_agreement, latest_status, signed_on::varchar
        from marts.agreement_coverage where has_signed_agreement or n_corporations_with_stock > 0""")}
    assert got == {
        "GM0363": (1, 1, True, "ondertekend", "2022-11-15"),
        "GM0599": (3, 2, True, "ondertekend", "2022-05-01"),
        "GM1980": (1, 1, True, "concept", "2021-12-10"),
    }


def test_load_log(marts):
    assert rows(marts, "select status from marts.load_log where file_path = 'register/2022-12-31/L0009.csv'") == [
        ("rejected",)]


# --- as of 2022-07-01 ---------------------------------------------------------------------------

def test_as_of_sees_earlier_agreements_and_one_snapshot(marts_as_of):
    con = marts_as_of
    assert rows(con, "select distinct snapshot_date::varchar from marts.stock_by_area") == [("2021-12-31",)]
    assert rows(con, "select count(*) from marts.realisation_by_area") == [(0,)]
    national = {(r[0], r[1]): r[2] for r in rows(con, """
        select indicator_code, year, committed_value from marts.commitments_by_area
        where area_level = 'national'""")}
    # Amsterdam v1 (with the merged L0004's 10 booked on L0001), Rotterdam b, Heerhugowaard + Langedijk
    assert national[("nieuwbouw", 2022)] == 185
    assert national[("nieuwbouw", 2023)] == 127
    assert national[("investering_onderhoud", 2022)] == 3000
    assert national[("verbetering_efg", 2023)] == 2
    got = {r[0]: r[1:] for r in rows(con, """
        select target_code, committed_value, realised_value, projected_value, gap, on_track
        from marts.progress_national""")}
    assert got["label_efg_2028"] == (4.0, None, 2.0, 2.0, False)
    assert got["nieuwbouw_heffingskorting"] == (312.0, None, None, -149688.0, False)
    assert rows(con, """
        select year, projected_stock from marts.stock_trajectory
        where area_level = 'national' and target_code = 'label_efg_2028' order by year""") == [
        (2022, 5.0), (2023, 3.0), (2024, 2.0), (2025, 2.0), (2026, 2.0), (2027, 2.0), (2028, 2.0)]
    coverage = {r[0]: r[1:] for r in rows(con, """
        select municipality_code, n_corporations_signed, latest_status, signed_on::varchar
        from marts.agreement_coverage where has_signed_agreement""")}
    # the bid of 2022-06-01 is the most recent workbook; the signed v1 counts
    assert coverage["GM0363"] == (1, "bod", "2022-03-01")
    assert coverage["GM1980"] == (1, "ondertekend", "2021-12-10")
