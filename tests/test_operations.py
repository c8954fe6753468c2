"""The schedule, the new-file sensor and the dbt invocation helpers, without running the pipeline."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dagster as dg
import pytest

from pipelines.config import DataPaths
from pipelines.operations.schedules import new_raw_files_sensor, nightly_schedule
from pipelines.resources import WarehouseResource
from pipelines.warehouse.dbt_cli import dbt_build_args, dbt_env


def _evaluate(data_dir: Path, cursor: str | None):
    context = dg.build_sensor_context(cursor=cursor, resources={"warehouse": WarehouseResource(data_dir=str(data_dir))})
    result = new_raw_files_sensor(context)
    return result, context.cursor


def test_sensor_requests_a_run_only_when_raw_files_change(tmp_path: Path):
    raw = tmp_path / "raw" / "register" / "2022-12-31"
    raw.mkdir(parents=True)
    (raw / "L0001.csv").write_text("a;b\n")

    first, cursor = _evaluate(tmp_path, None)
    assert isinstance(first, dg.SkipReason)
    same, cursor2 = _evaluate(tmp_path, cursor)
    assert isinstance(same, dg.SkipReason) and cursor2 == cursor

    (raw / "L0002.csv").write_text("a;b\n")
    added, cursor3 = _evaluate(tmp_path, cursor)
    assert isinstance(added, dg.RunRequest) and cursor3 != cursor

    (raw / "L0002.csv").write_text("a;b;c\n")
    os.utime(raw / "L0002.csv", ns=(1, 1))
    changed, cursor4 = _evaluate(tmp_path, cursor3)
    assert isinstance(changed, dg.RunRequest)

    (raw / "L0001.csv").unlink()
    removed, _ = _evaluate(tmp_path, cursor4)
    assert isinstance(removed, dg.RunRequest)


def test_nightly_schedule_fires_at_two_in_amsterdam():
    assert nightly_schedule.cron_schedule == "0 2 * * *"
    assert nightly_schedule.execution_timezone == "Europe/Amsterdam"
    assert nightly_schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    context = dg.build_schedule_context(scheduled_execution_time=dt.datetime(2026, 3, 29, 0, 0, tzinfo=dt.timezone.utc))
    request = nightly_schedule.evaluate_tick(context).run_requests[0]
    assert request.job_name in (None, "nightly_refresh")


def test_dbt_build_args_carry_no_vars_and_leave_unit_tests_to_ci():
    """No --vars: a changed var would make dbt parse the whole project again."""
    args = dbt_build_args()
    assert "--vars" not in args and args[0] == "build"
    assert args[-2:] == ["--exclude", "resource_type:unit_test"]
    assert dbt_build_args(select="marts", exclude=None)[-2:] == ["--select", "marts"]
    assert dbt_build_args(full_refresh=True)[-1] == "--full-refresh"


def test_dbt_env_points_home_at_the_build_folder_and_carries_the_run(tmp_path: Path):
    paths = DataPaths(tmp_path)
    env = dbt_env(paths)
    assert env == {"HOME": str(tmp_path / "work"), "NPA_DBT_MEMORY": "900MB", "NPA_AS_OF": "",
                   "NPA_RUN_ID": "manual", "NPA_CHECKED_AT": "", "NPA_INCREMENTAL": "",
                   "NPA_DWELLING_BATCHES": "1"}
    assert dbt_env(paths, incremental=True)["NPA_INCREMENTAL"] == "1"
    assert dbt_env(paths, build_db=tmp_path / "a" / "build.duckdb")["HOME"] == str(tmp_path / "a")
    stamped = dbt_env(paths, as_of=dt.date(2023, 4, 1), run_id="run-1",
                      checked_at=dt.datetime(2026, 1, 1, 2, 0, 0, 123, tzinfo=dt.timezone.utc))
    assert stamped["NPA_RUN_ID"] == "run-1" and stamped["NPA_CHECKED_AT"] == "2026-01-01T02:00:00+00:00"
    assert stamped["NPA_AS_OF"] == "2023-04-01"


def test_a_build_folder_holds_the_build_and_a_link_to_the_raw_layer(tmp_path: Path):
    import duckdb

    from pipelines.warehouse.dbt_cli import prepare_build_folder

    paths = DataPaths(tmp_path)
    paths.work.mkdir(parents=True)
    duckdb.connect(str(paths.raw_db)).execute("create table t as select 42 as answer").close()
    assert prepare_build_folder(paths, paths.build_db) == paths.work  # the raw layer is already there
    assert not paths.raw_db.is_symlink()
    folder = prepare_build_folder(paths, paths.work / "as_of" / "x-2023-04-01" / "build.duckdb")
    link = folder / "raw_layer.duckdb"
    assert link.is_symlink() and link.resolve() == paths.raw_db.resolve()
    con = duckdb.connect(str(link), read_only=True)
    assert con.execute("select answer from t").fetchone() == (42,)
    con.close()
    with pytest.raises(ValueError, match="build.duckdb"):
        prepare_build_folder(paths, paths.work / "elsewhere.duckdb")


def test_sensor_fails_runs_whose_cli_process_was_killed(tmp_path: Path):
    """With only the UI running after a killed `npa run`, the sensor frees the run queue."""
    import socket
    import subprocess
    import sys

    from pipelines.operations.abandoned_runs import PROCESS_TAG, _process_identity

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    identity = _process_identity(gone.pid)
    gone.wait()
    assert identity and identity.startswith(socket.gethostname())
    instance = dg.DagsterInstance.ephemeral()
    alive = _process_identity(os.getpid())
    for run_id, owner in (("killed", identity), ("running", alive)):
        instance.add_run(dg.DagsterRun(job_name="nightly_refresh", run_id=run_id, status=dg.DagsterRunStatus.STARTED,
                                       tags={PROCESS_TAG: owner}))
    context = dg.build_sensor_context(instance=instance, cursor=None,
                                      resources={"warehouse": WarehouseResource(data_dir=str(tmp_path))})
    new_raw_files_sensor(context)
    assert instance.get_run_by_id("killed").status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id("running").status == dg.DagsterRunStatus.STARTED


def test_dbt_memory_limit_follows_the_register(monkeypatch):
    from pipelines.warehouse.dbt_cli import dbt_memory_limit, dwelling_batches

    assert dbt_memory_limit(0) == "900MB"  # floor
    assert dbt_memory_limit(4_604_080) == "1100MB"  # national
    # twice national: the dwellings are matched in four batches of corporations, under the same limit
    assert dbt_memory_limit(9_208_160) == "1100MB"
    assert dwelling_batches(4_604_080) == 1 and dwelling_batches(9_208_160) == 4
    assert dbt_memory_limit(9_208_160, override="3GB") == "3GB"
    monkeypatch.setenv("NPA_DBT_MEMORY_LIMIT", "1500MB")
    assert dbt_env(DataPaths(Path("/x")), register_units=9_208_160)["NPA_DBT_MEMORY"] == "1500MB"
