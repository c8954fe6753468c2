"""What an analyst's writes on the published warehouse become (pipelines/warehouse/publish.py):
they stay in the release they were made in, never reach a later release, never block the swap,
and go when that release is pruned. Real DuckDB processes: one crashes after writing (its WAL
stays), one keeps a read-write connection open across new publishes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from pipelines.warehouse.publish import KEEP_RELEASES, current_release, publish

ANALYST = textwrap.dedent(
    """
    import os, sys, time, duckdb
    from pathlib import Path
    link, mode, folder = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    con = duckdb.connect(link)  # read-write: the DuckDB CLI's default
    con.execute("set checkpoint_threshold = '1GB'")  # keep the writes in the WAL, as a crash finds them
    con.execute(f"create table main.notes_{mode} as select 'mine' as note")
    con.execute("insert into marts.stock_by_area values ('XX', 999)")
    if mode == "crash":
        os._exit(9)  # no close, no checkpoint: the WAL stays
    (folder / "opened").write_text("")
    while not (folder / "write-again").exists():
        time.sleep(0.05)
    con.execute("insert into main.notes_open values ('after the swap')")
    (folder / "written").write_text("")
    while not (folder / "close").exists():
        time.sleep(0.05)
    con.close()
    """
)


def _build(path: Path, value: int) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.stock_by_area as select 'NL' as area_code, ?::bigint as n_dwellings", [value])
    con.close()
    return path


def _tables(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables order by all").fetchall()]
        return {n: sorted(con.execute(f"select * from {n}").fetchall()) for n in names}
    finally:
        con.close()


def _wait(path: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert proc.poll() is None, f"the analyst's process ended (exit {proc.returncode})"
        assert time.monotonic() < deadline, f"timed out waiting for {path.name}"
        time.sleep(0.05)


def test_analyst_writes_stay_in_their_release_and_never_reach_the_next(tmp_path: Path):
    marts = tmp_path / "marts"
    first = publish(_build(tmp_path / "build.duckdb", 1), marts, "20260101T000000Z-aaaaaaaa").path
    link = marts / "warehouse.duckdb"

    # an analyst writes read-write through the link and crashes: the WAL stays beside the release's file
    crash = subprocess.run([sys.executable, "-c", ANALYST, str(link), "crash", str(tmp_path)], timeout=60)
    assert crash.returncode == 9
    assert (first / "warehouse.duckdb.wal").is_file()
    assert not list(marts.glob("warehouse.duckdb.wal*")), "DuckDB 2.0 resolves the link: no WAL beside it"
    # a client that does not resolve links would leave its WAL beside the link instead
    shutil.copyfile(first / "warehouse.duckdb.wal", marts / "warehouse.duckdb.wal")

    # another analyst keeps a read-write connection open (it replays the crashed one's WAL)
    folder = tmp_path / "open"
    folder.mkdir()
    analyst = subprocess.Popen([sys.executable, "-c", ANALYST, str(link), "open", str(folder)])
    try:
        _wait(folder / "opened", analyst)

        # the nightly's publish goes ahead while the analyst holds the old release read-write
        second = publish(_build(tmp_path / "build.duckdb", 2), marts, "20260102T000000Z-bbbbbbbb").path
        assert current_release(marts) == second
        assert sorted(p.name for p in second.iterdir()) == ["parquet", "release.json", "warehouse.duckdb", "warehouse.stamp.json"]
        assert not list(marts.glob("warehouse.duckdb.wal*")), "nothing beside the link for the next reader"
        assert _tables(link) == {"marts.stock_by_area": [("NL", 2)]}
        moved = list(first.glob("warehouse.duckdb.wal.beside-link-*"))
        assert len(moved) == 1, "the WAL beside the link went into the release it was written against"

        # the analyst writes again after the swap: into the old release, not the new one
        (folder / "write-again").write_text("")
        _wait(folder / "written", analyst)
        (folder / "close").write_text("")
        assert analyst.wait(timeout=60) == 0
    finally:
        (folder / "close").write_text("")
        if analyst.poll() is None:
            analyst.kill()
        analyst.wait()
    assert _tables(link) == {"marts.stock_by_area": [("NL", 2)]}
    old = _tables(first / "warehouse.duckdb")
    assert old["main.notes_crash"] == [("mine",)]
    assert old["main.notes_open"] == [("after the swap",), ("mine",)]
    assert old["marts.stock_by_area"] == [("NL", 1), ("XX", 999), ("XX", 999)]
    assert not (first / "warehouse.duckdb.wal").exists(), "the clean close checkpointed into the old file"

    # later releases prune the old one, its WAL files with it
    for day in range(3, 3 + KEEP_RELEASES):
        publish(_build(tmp_path / "build.duckdb", day), marts, f"202601{day:02d}T000000Z-cccccc{day:02d}")
    assert not first.exists()
    assert len([p for p in (marts / "releases").iterdir()]) == KEEP_RELEASES
    assert not list(marts.rglob("*.wal*"))
    assert _tables(link) == {"marts.stock_by_area": [("NL", 2 + KEEP_RELEASES)]}


def test_the_gate_notices_writes_into_the_published_file(tmp_path: Path):
    from pipelines.warehouse.publish import changed_since_published

    marts = tmp_path / "marts"
    release = publish(_build(tmp_path / "build.duckdb", 1), marts, "20260101T000000Z-aaaaaaaa").path
    assert changed_since_published(release) is None
    con = duckdb.connect(str(marts / "warehouse.duckdb"))  # read-write, reads only
    con.execute("select count(*) from marts.stock_by_area").fetchall()
    con.close()
    assert changed_since_published(release) is None
    copy = tmp_path / "copy"
    shutil.copytree(marts, copy, symlinks=True)  # a copied data root keeps the verdict
    assert changed_since_published(copy / "releases" / release.name) is None

    crash = subprocess.run([sys.executable, "-c", ANALYST, str(marts / "warehouse.duckdb"), "crash", str(tmp_path)],
                           timeout=60)
    assert crash.returncode == 9
    assert "WAL" in changed_since_published(release)
    con = duckdb.connect(str(marts / "warehouse.duckdb"))  # replays the WAL, checkpoints on close
    con.close()
    assert not (release / "warehouse.duckdb.wal").exists()
    assert "written to after it was published" in changed_since_published(release)


def test_a_nightly_with_unchanged_inputs_replaces_a_release_an_analyst_wrote_into(tmp_path, reference_dir, dbt_manifest):
    from pipelines.config import DataPaths
    from tests.pipeline_harness import prepare_data_dir, run_nightly

    paths: DataPaths = prepare_data_dir(tmp_path / "data", reference_dir)
    assert run_nightly(paths).success
    first = current_release(paths.marts)
    assert not run_nightly(paths).asset_materializations_for_node("marts__release"), "unchanged: skipped"

    con = duckdb.connect(str(paths.marts / "warehouse.duckdb"))
    con.execute("delete from marts.progress_national")
    con.execute("create table main.my_notes as select 1 as x")
    con.close()

    result = run_nightly(paths)
    assert result.success
    assert result.asset_materializations_for_node("marts__release"), "the tampered release was replaced"
    second = current_release(paths.marts)
    assert second != first
    tables = _tables(paths.marts / "warehouse.duckdb")
    assert "main.my_notes" not in tables and tables["marts.progress_national"]
    assert _tables(first / "warehouse.duckdb")["main.my_notes"] == [(1,)], "the analyst's writes stay in the old release"
