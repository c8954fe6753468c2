"""The whole pipeline on generated `tiny` data: ingest, checks, dbt, publish, as run by `make run`."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.pipeline_harness import prepare_data_dir, published, run_nightly

pytestmark = pytest.mark.xdist_group("pipeline")

MARTS = [
    "agreement_coverage", "commitments_by_area", "dim_corporation", "dim_indicator", "dim_municipality",
    "dq_findings", "fct_commitments", "load_log", "national_targets", "progress_by_area",
    "progress_national", "realisation_by_area", "stock_by_area", "stock_trajectory",
]
AUDIT_COLUMNS = {"run_id", "checked_at", "loaded_at"}


def _register_rows(raw: Path, snapshot: str) -> int:
    """Count data rows of every register file of a snapshot, read independently of the ingest code."""
    total = 0
    for path in sorted((raw / "register" / snapshot).iterdir()):
        if path.suffix == ".parquet":
            total += pl.read_parquet(path).height
        elif path.suffix == ".csv":
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
            total += sum(1 for line in text.splitlines()[1:] if line.strip())
    return total


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, reference_dir, dbt_manifest):
    paths = prepare_data_dir(tmp_path_factory.mktemp("e2e") / "data", reference_dir)
    result = run_nightly(paths)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return paths


def test_every_mart_is_published_as_duckdb_and_parquet(first_run):
    tables = [r[0] for r in published(first_run, "select table_name from information_schema.tables where table_schema = 'marts' order by 1")]
    assert tables == MARTS
    for table in MARTS:
        assert (first_run.marts / "parquet" / f"{table}.parquet").is_file()


def test_national_stock_counts_every_register_row(first_run):
    for snapshot in ("2021-12-31", "2022-12-31"):
        expected = _register_rows(first_run.raw, snapshot)
        got = published(first_run, "select n_dwellings from marts.stock_by_area where area_level = 'national' and snapshot_date = ?", [snapshot])
        assert got == [(expected,)], snapshot


def test_clean_data_has_no_error_findings_and_every_file_loaded(first_run):
    assert published(first_run, "select count(*) from marts.dq_findings where severity = 'error'") == [(0,)]
    raw_files = sorted(p.relative_to(first_run.raw).as_posix() for p in first_run.raw.rglob("*") if p.is_file()
                       and p.suffix in (".csv", ".parquet", ".xlsx") and "reference" not in p.parts)
    logged = published(first_run, "select file_path, status from marts.load_log where file_path not like 'reference/%' order by 1")
    assert [f for f, _ in logged] == raw_files
    assert {s for _, s in logged} == {"loaded"}


def test_levels_add_up_to_national(first_run):
    rows = published(first_run, """
        select area_level, year, indicator_code, sum(committed_value) from marts.commitments_by_area
        group by all order by all""")
    by_key: dict[tuple, dict[str, float]] = {}
    for level, year, indicator, value in rows:
        by_key.setdefault((year, indicator), {})[level] = value
    assert by_key
    for key, levels in by_key.items():
        # the generator writes woningmarktregios.csv: the housing-market level is there and adds up too
        for level in ("municipality", "corop_region", "province", "housing_market_region"):
            assert levels.get(level) == pytest.approx(levels["national"]), (key, level)
    regions = {r for (r,) in published(first_run, "select distinct housing_market_region from marts.dim_municipality")}
    assert regions and "Onbekend" not in regions and None not in regions


def _contents(paths):
    out = {}
    for table in MARTS:
        cols = [c for (c,) in published(paths, "select column_name from information_schema.columns where table_schema='marts' and table_name=? order by ordinal_position", [table])
                if c not in AUDIT_COLUMNS and not (table == "load_log" and c == "status")]
        out[table] = published(paths, f"select {', '.join(cols)} from marts.{table} order by all")
    return out


def _steps(result, event: str) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type_value == event}


def test_second_run_reads_nothing_again_and_a_forced_rebuild_publishes_the_same(first_run):
    before = _contents(first_run)
    release = (first_run.marts / "current").resolve()

    unchanged = run_nightly(first_run)
    assert unchanged.success
    # nothing the marts depend on changed: no file parsed, the checks, dbt and publish left out
    assert {"checks__raw_findings", "warehouse_dbt_models", "marts__release"} <= _steps(unchanged, "STEP_SKIPPED")
    assert (first_run.marts / "current").resolve() == release
    con = duckdb.connect(str(first_run.raw_db), read_only=True)
    try:
        assert con.execute("select distinct status from raw.load_log").fetchall() == [("unchanged",)]
    finally:
        con.close()

    # two builds on the same inputs publish the same marts, apart from the audit columns
    forced = run_nightly(first_run, rebuild=True)
    assert forced.success and "marts__release" in _steps(forced, "STEP_SUCCESS")
    assert (first_run.marts / "current").resolve() != release
    assert published(first_run, "select distinct status from marts.load_log") == [("unchanged",)]
    assert _contents(first_run) == before


@pytest.mark.parametrize("read_only", [True, False], ids=["reader-read-only", "reader-read-write"])
def test_an_analyst_holding_the_warehouse_open_never_blocks_a_run(tmp_path, reference_dir, dbt_manifest, read_only):
    paths = prepare_data_dir(tmp_path / "data", reference_dir, seed=11)
    assert run_nightly(paths).success
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(paths.marts / 'warehouse.duckdb')!r}, read_only={read_only})
            q = "select count(*) from marts.load_log where status = 'removed'"
            print(con.execute(q).fetchone()[0], flush=True)
            sys.stdin.readline()
            print(con.execute(q).fetchone()[0], flush=True)
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "0"
        # an agreement file is taken away by its owner; the pipeline itself never deletes raw files
        victim = sorted((paths.raw / "agreements").glob("*.xlsx"))[0]
        victim.rename(tmp_path / victim.name)
        result = run_nightly(paths)
        assert result.success
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "0", "the open connection keeps reading its release"
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
    assert reader.returncode == 0
    assert published(paths, "select count(*) from marts.load_log where status = 'removed'") == [(1,)]


def test_as_of_run_sees_only_what_existed_then(tmp_path, reference_dir, dbt_manifest):
    paths = prepare_data_dir(tmp_path / "data", reference_dir, seed=7)
    assert run_nightly(paths, as_of="2022-07-01").success
    snapshots = published(paths, "select distinct snapshot_date::varchar from marts.stock_by_area")
    assert snapshots == [("2021-12-31",)]
    assert published(paths, "select count(*) from marts.fct_commitments where signed_on > date '2022-07-01'") == [(0,)]
    assert published(paths, "select count(*) from marts.realisation_by_area") == [(0,)]


def _parse_events(target: Path) -> list[str]:
    """dbt's messages about parsing in the target folder's JSON log (I040: partial, I024: full),
    of every build logged there: dbt rotates dbt.log at 10 MB (dbt.log.1, ...)."""
    import json

    events = []
    for log in sorted(target.glob("dbt.log*"), reverse=True):
        for line in log.read_text(encoding="utf-8").splitlines():
            info = json.loads(line).get("info", {})
            if info.get("code") in ("I024", "I040"):
                events.append(f"{info['code']} {info.get('msg', '')}")
    return events


def test_dbt_parses_nothing_again_even_in_a_new_data_folder(first_run):
    """The profile's text, the vars and the target are the same for every build, and the reference
    date and the run's values are read only when the models run (macros/runtime_env.sql), so the
    partial parse state of `make manifest` serves the first nightly build and a first as-of build
    as it is (a full parse is about 5 s at any scale, re-parsing the 7 files that read those
    values about 1.5 s)."""
    import datetime as dt

    from pipelines.warehouse.as_of import build_as_of_marts

    nightly = _parse_events(first_run.work / "dbt_target" / "nightly")
    assert nightly and all(e.startswith("I040") and "0 files changed" in e for e in nightly), nightly
    build_as_of_marts(first_run, "april-2023", dt.date(2023, 4, 1), "run-p", log=lambda _: None)
    as_of = _parse_events(first_run.work / "dbt_target" / "as_of-april-2023")
    assert as_of and all(e.startswith("I040") and "0 files changed" in e for e in as_of), as_of


def _marts_without_audit(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        contents = {}
        for table in MARTS:
            columns = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? order by ordinal_position", [table]).fetchall() if c not in AUDIT_COLUMNS]
            rows = con.execute(f"select {', '.join(columns)} from marts.{table}").fetchall()
            contents[table] = sorted(rows, key=repr)
        return contents
    finally:
        con.close()


def test_an_as_of_build_from_the_nightly_makes_the_same_marts_as_one_from_scratch(first_run, tmp_path):
    """The as-of build takes the models tagged as_of_independent from a complete nightly build of
    the same inputs; without one it makes every model itself. Both give the same marts."""
    import datetime as dt
    import shutil

    from pipelines.warehouse.as_of import build_as_of_marts
    from pipelines.warehouse.build_inputs import built_from, mark_building, mark_built

    as_of = dt.date(2023, 4, 1)
    said: list[str] = []
    reused = build_as_of_marts(first_run, "reuse-test", as_of, "run-r", log=said.append)
    assert any("starts from the nightly build" in line for line in said), said
    copy = shutil.copyfile(reused, tmp_path / "reused.duckdb")

    nightly_stamp = built_from(first_run.build_db)
    mark_building(reused)            # build it again ...
    mark_building(first_run.build_db)  # ... with no complete nightly build to start from
    said.clear()
    try:
        scratch = build_as_of_marts(first_run, "reuse-test", as_of, "run-s", log=said.append)
    finally:
        mark_built(first_run.build_db, nightly_stamp)
    assert not any("starts from the nightly build" in line for line in said), said
    marts = _marts_without_audit(copy)
    assert marts["realisation_by_area"] and marts["stock_by_area"]  # the register models were taken
    assert marts == _marts_without_audit(scratch)


def test_a_report_made_again_reuses_its_as_of_marts(first_run):
    import datetime as dt

    from pipelines.warehouse.as_of import build_as_of_marts

    said: list[str] = []
    legacy = first_run.work / "as_of" / "zomer-2022-2022-07-01.duckdb"  # the layout before folders
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_bytes(b"old build")
    built = build_as_of_marts(first_run, "zomer-2022", dt.date(2022, 7, 1), "run-a", log=said.append)
    assert not legacy.exists()
    stamp = built.stat().st_mtime_ns
    again = build_as_of_marts(first_run, "zomer-2022", dt.date(2022, 7, 1), "run-b", log=said.append)
    assert again == built and built.stat().st_mtime_ns == stamp
    assert any("up to date" in line for line in said)
    # another reference date is another build
    other = build_as_of_marts(first_run, "zomer-2022", dt.date(2022, 7, 2), "run-c", log=said.append)
    assert other != built and other.exists()
