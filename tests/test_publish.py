"""Publishing: a release is swapped in atomically and analysts holding the old one are never hurt."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from pipelines.warehouse.publish import current_release, publish, release_id_for


def _build(path: Path, value: int) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts")
    con.execute("create or replace table marts.stock_by_area as select 'NL' as area_code, ?::bigint as n_dwellings", [value])
    con.execute("create or replace table marts.load_log as select 'a.csv' as file_path")
    con.execute("create schema if not exists staging")
    con.execute("create or replace table staging.not_published as select 1 as x")
    con.close()
    return path


def _read(marts: Path) -> int:
    con = duckdb.connect(str(marts / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute("select n_dwellings from marts.stock_by_area").fetchone()[0]
    finally:
        con.close()


def test_publish_writes_duckdb_and_parquet_through_current(tmp_path: Path):
    marts = tmp_path / "marts"
    release = publish(_build(tmp_path / "build.duckdb", 7), marts, "20260101T000000Z-aaaa")
    assert release.tables == {"load_log": 1, "stock_by_area": 1}
    assert (marts / "current").is_symlink() and current_release(marts) == release.path
    assert (marts / "warehouse.duckdb").is_symlink() and (marts / "parquet").is_symlink()
    assert _read(marts) == 7
    assert duckdb.sql(f"select n_dwellings from '{marts}/parquet/stock_by_area.parquet'").fetchall() == [(7,)]
    tables = duckdb.connect(str(marts / "warehouse.duckdb"), read_only=True).execute(
        "select table_schema || '.' || table_name from information_schema.tables order by 1").fetchall()
    assert [t[0] for t in tables] == ["marts.load_log", "marts.stock_by_area"]


def test_publish_refuses_an_incomplete_build_and_keeps_the_old_release(tmp_path: Path):
    marts = tmp_path / "marts"
    publish(_build(tmp_path / "b1.duckdb", 1), marts, "20260101T000000Z-aaaa")
    with pytest.raises(RuntimeError, match="dq_findings"):
        publish(_build(tmp_path / "b2.duckdb", 2), marts, "20260102T000000Z-bbbb",
                tables=["stock_by_area", "dq_findings"])
    assert _read(marts) == 1


def test_old_releases_are_pruned_but_current_kept(tmp_path: Path):
    marts = tmp_path / "marts"
    for day in range(1, 6):
        publish(_build(tmp_path / f"b{day}.duckdb", day), marts, f"2026010{day}T000000Z-x")
    kept = sorted(p.name for p in (marts / "releases").iterdir())
    assert len(kept) == 3 and kept[-1] == "20260105T000000Z-x"
    assert _read(marts) == 5


@pytest.mark.parametrize("read_only", [True, False], ids=["reader-read-only", "reader-read-write"])
def test_a_connection_held_open_in_another_process_survives_a_publish(tmp_path: Path, read_only: bool):
    marts = tmp_path / "marts"
    publish(_build(tmp_path / "b1.duckdb", 1), marts, "20260101T000000Z-aaaa")
    reader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(marts / 'warehouse.duckdb')!r}, read_only={read_only})
            print(con.execute('select n_dwellings from marts.stock_by_area').fetchone()[0], flush=True)
            sys.stdin.readline()   # hold the connection until told
            print(con.execute('select n_dwellings from marts.stock_by_area').fetchone()[0], flush=True)
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "1"
        publish(_build(tmp_path / "b2.duckdb", 2), marts, "20260102T000000Z-bbbb")
        assert _read(marts) == 2, "a new connection sees the new release"
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "1", "the open connection keeps its release"
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    assert reader.returncode == 0


def test_release_ids_sort_by_time():
    import datetime as dt

    a = release_id_for("abcdef1234", dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    b = release_id_for("00000000zz", dt.datetime(2026, 1, 2, 3, 4, 6, tzinfo=dt.timezone.utc))
    assert a == "20260102T030405Z-abcdef12" and a < b
