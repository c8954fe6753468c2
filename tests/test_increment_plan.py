"""When a nightly dbt build may be incremental, and which register files it redoes
(pipelines/warehouse/increment.py), on a raw layer written by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.raw_schema import ensure_raw_schema
from pipelines.warehouse.build_inputs import mark_building, mark_built
from pipelines.warehouse.increment import plan_build, record_build

FILES = [f"register/2022-12-31/L{n:04d}.csv" for n in range(1, 11)]


@pytest.fixture
def layer(tmp_path: Path):
    raw_db, build_db = tmp_path / "raw_layer.duckdb", tmp_path / "build.duckdb"
    con = duckdb.connect(str(raw_db))
    ensure_raw_schema(con)
    con.executemany("insert into raw.load_log values (?, ?, 'register', 10, 'loaded', null, now())",
                    [[f, f"sha-{f}"] for f in FILES])
    con.execute("insert into raw.load_log values ('reference/corporaties.csv', 'c1', 'reference', 2, 'loaded', null, now())")
    con.execute("insert into raw.ref_corporaties values ('reference/corporaties.csv', 2, 'L0001', 'A', 'GM0363', null, null)")
    con.close()
    build_db.write_bytes(b"")  # a build database is there

    def execute(sql: str, params=None) -> None:
        c = duckdb.connect(str(raw_db))
        c.execute(sql, params or [])
        c.close()

    def build():
        """A complete build: what it saw recorded, its stamp written."""
        plan = plan_build(raw_db, build_db, None)
        record_build(build_db, plan)
        mark_built(build_db, "fingerprint")
        return plan

    return raw_db, build_db, execute, build


def test_the_first_build_is_full_and_the_next_redoes_nothing(layer):
    raw_db, build_db, execute, build = layer
    assert build().full
    # ingest marks files it did not read again `unchanged`: the same as `loaded`
    execute("update raw.load_log set status = 'unchanged'")
    plan = plan_build(raw_db, build_db, None)
    assert not plan.full and plan.changed_files == []


def test_changed_added_removed_and_newly_gated_files_are_redone(layer):
    raw_db, build_db, execute, build = layer
    build()
    execute("update raw.load_log set sha256 = 'other' where file_path = ?", [FILES[0]])
    execute("insert into raw.load_log values ('register/2022-12-31/L0099.csv', 's', 'register', 1, 'loaded', null, now())")
    execute("update raw.load_log set status = 'removed' where file_path = ?", [FILES[1]])
    execute("insert into checks.findings values ('gx', 'R5', 'error', 'L0003', 'x', ?, 7)", [FILES[2]])
    execute("insert into checks.findings values ('gx', 'R9', 'warning', 'L0004', 'x', ?, 7)", [FILES[3]])  # no gate
    plan = plan_build(raw_db, build_db, None)
    assert not plan.full
    assert plan.changed_files == sorted([FILES[0], FILES[1], FILES[2], "register/2022-12-31/L0099.csv"])


def test_a_new_corporation_is_incremental_a_merger_is_a_full_rebuild(layer):
    raw_db, build_db, execute, build = layer
    build()
    execute("update raw.load_log set sha256 = 'c2' where file_path = 'reference/corporaties.csv'")
    execute("insert into raw.ref_corporaties values ('reference/corporaties.csv', 3, 'L0099', 'B', 'GM0363', null, null)")
    assert not plan_build(raw_db, build_db, None).full
    execute("update raw.ref_corporaties set opgegaan_in = 'L0099' where corporatie = 'L0001'")
    plan = plan_build(raw_db, build_db, None)
    assert plan.full and "reference" in plan.reason


def test_municipal_reference_as_of_an_unfinished_build_and_many_changes_mean_full(layer):
    raw_db, build_db, execute, build = layer
    import datetime as dt

    build()
    assert plan_build(raw_db, build_db, dt.date(2023, 4, 1)).full
    mark_building(build_db)  # a build that started and did not finish
    assert plan_build(raw_db, build_db, None).reason == "the previous build did not complete"
    build()
    execute("update raw.load_log set sha256 = 'other' where file_path in (select unnest(?))", [FILES[:6]])
    assert plan_build(raw_db, build_db, None).full  # more than half
    build()
    execute("insert into raw.load_log values ('reference/municipalities.csv', 'm', 'reference', 1, 'loaded', null, now())")
    assert plan_build(raw_db, build_db, None).full
