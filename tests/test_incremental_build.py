"""An incremental nightly publishes exactly the marts of a full rebuild on the same files.

On a generated tiny data root: a first nightly; then a register file gets other values in a few
rows, a new corporation takes over dwellings from another in the latest snapshot (a file of its own,
listed in corporaties.csv; the dwellings keep their bag ids, so they are matched across the two
corporations), a register file is removed and a workbook revised; a second nightly builds
incrementally. A copy of the data root without its build database is then rebuilt from scratch
(`rebuild`, as `npa run --rebuild`), and every published mart of the two is compared row by row,
EXCEPT ALL both ways. Left out of the comparison: the run's audit columns (run_id, checked_at), and
in load_log the difference between `loaded` (this run) and `unchanged` (an earlier run), which is
the ingest's record of when it read a file, not a figure of the build.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import duckdb
import pytest

from bench.changes import change_register_file, change_workbook, column, read_csv, write_csv
from tests.pipeline_harness import prepare_data_dir, run_nightly

AUDIT_COLUMNS = {"run_id", "checked_at"}
NEW_CORPORATION = "L9901"


def _transfer_to_new_corporation(raw: Path, source: Path, n_rows: int = 12) -> Path:
    """Up to `n_rows` dwellings of `source` (at most half: the file stays valid) move to a new
    corporation's file in the same snapshot."""
    rows, fmt = read_csv(source)
    header = rows[0]
    n_rows = min(n_rows, (len(rows) - 1) // 2)
    corp, unit = column(header, "corporatie"), column(header, "vhe_nummer")
    moved = [list(r) for r in rows[1:n_rows + 1]]
    for r in moved:
        r[corp] = NEW_CORPORATION
        r[unit] = "N-" + r[unit]
    write_csv(source, [header, *rows[n_rows + 1:]], fmt)
    target = source.with_name(f"{NEW_CORPORATION}.csv")
    write_csv(target, [header, *moved], fmt)
    corporations = raw / "reference" / "corporaties.csv"
    text = corporations.read_text(encoding="utf-8")
    tmp = corporations.with_name("corporaties.csv.tmp")
    tmp.write_text(text.rstrip("\n") + f"\n{NEW_CORPORATION};Woonstichting Nieuw;GM0363;;\n", encoding="utf-8")
    tmp.replace(corporations)
    return target


def _marts(db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db), read_only=True)


def _compare_marts(incremental: Path, full: Path) -> dict[str, tuple[int, int, int]]:
    con = duckdb.connect()
    con.execute(f"attach '{incremental}' as inc (read_only)")
    con.execute(f"attach '{full}' as ful (read_only)")
    tables = [t for (t,) in con.execute(
        "select table_name from duckdb_tables() where database_name = 'ful' and schema_name = 'marts' order by 1"
    ).fetchall()]
    out = {}
    for table in tables:
        columns = [c for (c,) in con.execute(
            "select column_name from duckdb_columns() where database_name = 'ful' and schema_name = 'marts' "
            "and table_name = ? order by column_index", [table]).fetchall() if c not in AUDIT_COLUMNS]
        select = ", ".join(
            "case when status in ('loaded', 'unchanged') then 'accepted' else status end"
            if table == "load_log" and c == "status" else f'"{c}"' for c in columns)
        rows = con.execute(f"select count(*) from ful.marts.{table}").fetchone()[0]
        only_inc = con.execute(f"select count(*) from (select {select} from inc.marts.{table} "
                               f"except all select {select} from ful.marts.{table})").fetchone()[0]
        only_full = con.execute(f"select count(*) from (select {select} from ful.marts.{table} "
                                f"except all select {select} from inc.marts.{table})").fetchone()[0]
        out[table] = (rows, only_inc, only_full)
    con.close()
    return out


@pytest.fixture(scope="module")
def incremental_run(tmp_path_factory, reference_dir, dbt_manifest):
    root = tmp_path_factory.mktemp("incremental") / "data"
    paths = prepare_data_dir(root, reference_dir, scale="tiny", seed=7)
    assert run_nightly(paths).success

    rng = random.Random(13)
    register = paths.raw / "register"
    snapshots = sorted(p for p in register.iterdir() if p.is_dir())
    first, latest = sorted(snapshots[0].glob("*.csv")), sorted(snapshots[-1].glob("*.csv"))
    assert change_register_file(first[0], rng, rows=8) == 8
    added = _transfer_to_new_corporation(paths.raw, latest[1])
    removed = first[-1]
    removed.unlink()
    workbook = sorted(paths.raw.joinpath("agreements").glob("*.xlsx"))[0]
    assert change_workbook(workbook, rng)
    expected = {p.relative_to(paths.raw).as_posix() for p in (first[0], latest[1], added, removed)}

    # the full rebuild's copy is taken before the second run writes anything: the same raw files
    result = run_nightly(paths)
    assert result.success
    full_root = root.parent / "full"
    shutil.copytree(root, full_root, ignore=shutil.ignore_patterns("build.duckdb*", "dbt_target", "marts"))
    full_paths = type(paths)(full_root)
    assert run_nightly(full_paths, rebuild=True).success
    return paths, full_paths, expected


def test_the_second_nightly_redoes_only_the_files_that_changed(incremental_run):
    paths, _, expected = incremental_run
    con = _marts(paths.build_db)
    try:
        redone = {f for (f,) in con.execute("select source_file from increment.register_files_changed").fetchall()}
    finally:
        con.close()
    # every changed, added and removed file; others only if their gating findings changed
    assert expected <= redone
    n_files = len(list(paths.register.rglob("*.csv")))
    assert len(redone) < n_files / 2


def test_every_published_mart_equals_a_full_rebuild(incremental_run):
    paths, full_paths, _ = incremental_run
    diff = _compare_marts(paths.marts / "warehouse.duckdb", full_paths.marts / "warehouse.duckdb")
    assert len(diff) >= 14
    assert {t: d for t, d in diff.items() if d[1] or d[2]} == {}


def test_the_new_corporation_dwellings_are_matched_across_corporations(incremental_run):
    paths, _, _ = incremental_run
    con = _marts(paths.build_db)
    try:
        transferred = con.execute(
            "select count(*) from intermediate.int_dwellings_matched "
            "where to_corporation_id = ? and from_corporation_id <> ? and matched_on = 'bag_vbo_id'",
            [NEW_CORPORATION, NEW_CORPORATION]).fetchone()[0]
    finally:
        con.close()
    assert transferred > 0
