"""The run history in $DAGSTER_HOME: the project's storage keeps what the stock one keeps."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg

from pipelines.config import REPO_ROOT
from pipelines.operations.run_history_storage import PooledSqliteEventLogStorage

WRITER = textwrap.dedent("""
    import os, sys
    import dagster as dg

    @dg.asset
    def a():
        return 1

    @dg.asset_check(asset=a)
    def c():
        return dg.AssetCheckResult(passed=True)

    instance = dg.DagsterInstance.get()
    job = dg.Definitions(assets=[a], asset_checks=[c]).resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=instance)
    print(result.run_id, flush=True)
    os.kill(os.getpid(), 9)  # no clean shutdown: connections are left open, nothing is flushed
""")


def test_events_of_a_killed_process_are_kept_and_readable_by_another(tmp_path: Path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "pipelines" / "operations" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", WRITER], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == -9, done.stderr[-2000:]
    run_id = done.stdout.strip().splitlines()[-1]

    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = dg.DagsterInstance.get()
    assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
    assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS
    types = {e.dagster_event.event_type_value for e in instance.all_logs(run_id) if e.dagster_event}
    assert {"ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION", "STEP_SUCCESS"} <= types
    assert instance.get_latest_materialization_event(dg.AssetKey("a")).run_id == run_id
    with instance.event_log_storage.index_connection() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL: no fsync per commit


def test_cli_instance_in_a_bare_home_uses_the_projects_storage(tmp_path: Path, monkeypatch):
    from pipelines.cli import dagster_instance

    home = tmp_path / "fresh_home"  # not even created: `npa run` with a new DAGSTER_HOME
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = dagster_instance()
    try:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        assert (home / "dagster.yaml").read_bytes() == (REPO_ROOT / "pipelines" / "operations" / "dagster.yaml").read_bytes()
        assert [p.name for p in home.glob(".dagster.yaml.*")] == []
    finally:
        instance.dispose()


def test_cli_instance_leaves_an_operators_dagster_yaml_alone(tmp_path: Path, monkeypatch):
    from pipelines.cli import dagster_instance

    home = tmp_path / "home"
    home.mkdir()
    own = "telemetry:\n  enabled: false\n"
    (home / "dagster.yaml").write_text(own)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = dagster_instance()
    try:
        assert (home / "dagster.yaml").read_text() == own
        assert not isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
    finally:
        instance.dispose()


def test_table_lookups_are_remembered_only_once_the_table_exists(tmp_path: Path, monkeypatch):
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    storage = PooledSqliteEventLogStorage(str(tmp_path / "runs"))
    asked: list[str] = []
    real = SqliteEventLogStorage.has_table

    def counting(self, table_name):
        asked.append(table_name)
        return real(self, table_name)

    monkeypatch.setattr(SqliteEventLogStorage, "has_table", counting)
    assert storage.has_table("asset_check_executions") and storage.has_table("asset_check_executions")
    assert not storage.has_table("no_such_table") and not storage.has_table("no_such_table")
    assert asked == ["asset_check_executions", "no_such_table", "no_such_table"]
    storage.wipe()
    assert storage.has_table("asset_check_executions")
    assert asked[-1] == "asset_check_executions"
    storage.dispose()
