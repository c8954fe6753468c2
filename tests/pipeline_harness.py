"""Run the real pipeline in-process on a data folder, as `make run` does, for end-to-end tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from pipelines.config import DataPaths, temporary_environ


def prepare_data_dir(root: Path, reference_dir: Path, scale: str = "tiny", seed: int = 7, defects: bool = False) -> DataPaths:
    from pipelines.generate import generate
    from pipelines.reference_staging import stage_reference

    paths = DataPaths(root)
    stage_reference(paths, source_dir=reference_dir, fetch_from_cbs=lambda n, t: ([], []), require_corporations=False)
    generate(scale, seed, paths.raw, defects=defects)
    return paths


def run_nightly(paths: DataPaths, as_of: str | None = None, rebuild: bool = False):
    """Execute the `nightly_refresh` job in this process against `paths`; returns the result.

    `rebuild`: check, build and publish even when nothing changed since the published release."""
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.warehouse.assets import rebuild_run_config

    with temporary_environ({"NPA_DATA_DIR": str(paths.root), "NPA_AS_OF": as_of or None}):
        job = defs.resolve_job_def("nightly_refresh")
        run_config = rebuild_run_config() if rebuild else None
        return job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), run_config=run_config,
                                      raise_on_error=False)


def published(paths: DataPaths, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(paths.marts / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst)


def cli_env(paths: DataPaths, reference_dir: Path, dagster_home: Path, pause_dir: Path,
            pause_at: str | None = None) -> dict:
    """The environment of an `npa` child process on `paths`: none of the developer's overrides (as_of,
    database paths, a pause point, a lock timeout), the test's data root, reference data and run
    history, and the pause hook's folder (`pause_at`: the stage to stop at, see stage_hooks)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NPA_AS_OF", "NPA_BUILD_DB", "NPA_RAW_DB", "NPA_TEST_PAUSE_AT", "NPA_TEST_PAUSE_DIR",
                        "NPA_LOCK_TIMEOUT")}
    env.update(NPA_DATA_DIR=str(paths.root), NPA_REFERENCE_DIR=str(reference_dir), DAGSTER_HOME=str(dagster_home),
               NPA_TEST_PAUSE_DIR=str(pause_dir))
    if pause_at:
        env["NPA_TEST_PAUSE_AT"] = pause_at
    return env
