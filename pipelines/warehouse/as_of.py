"""Marts rebuilt for a reference date, in a database of their own (never the published release)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipelines.config import DataPaths
from pipelines.warehouse.build_inputs import build_inputs_of
from pipelines.warehouse.dbt_cli import (
    BUILD_DB_NAME,
    NIGHTLY_EXCLUDE,
    dbt_build_args,
    dbt_env,
    prepare_build_folder,
    register_units,
    run_dbt,
)

# What the as-of build leaves out. Models: none. The report reads fourteen marts, and dq_findings
# unions every check model, so `+marts` would select every model of the project anyway.
# Data tests: the nightly build runs all of them on the same raw data. Of those, the tests on seeds
# and staging see exactly the same tables here (nothing there depends on `as_of`); the tests on the
# intermediate and check models test the SQL's plumbing, which a reference date does not change.
# They are 155 of the 247 data tests, each mostly dbt overhead. What a reference date can break is
# the figures the report prints, so the as-of build keeps the tests on the marts that guard them: unique keys and unique combinations (nothing
# counted twice after choosing the agreement version valid on the date), roll-ups that add up
# across area levels, value bounds (expression_is_true) and relationships between the marts.
# The marts' not_null and accepted_values tests only restate the models' structure, which the
# nightly has already tested, and are left out too. A failing test still fails the report job.
AS_OF_EXCLUDE = " ".join([
    NIGHTLY_EXCLUDE,
    "resource_type:test,path:seeds",
    "resource_type:test,path:models/staging",
    "resource_type:test,path:models/intermediate",
    "resource_type:test,path:models/checks",
    "resource_type:test,test_name:not_null",
    "resource_type:test,test_name:accepted_values",
])


def as_of_build_path(paths: DataPaths, label: str, as_of: dt.date) -> Path:
    """A folder per report and date, as dbt runs in the build's folder (dbt_cli.py)."""
    return paths.work / "as_of" / f"{label}-{as_of.isoformat()}" / BUILD_DB_NAME


def build_as_of_marts(paths: DataPaths, label: str, as_of: dt.date, run_id: str, log=print) -> Path:
    """Run `dbt build` with `as_of` into a fresh database file and return its path.

    The raw layer is shared (attached read-only); everything dbt makes lands in the new file, so a
    report never disturbs the analysts' warehouse or the nightly build. When the file was built
    earlier from the same build inputs (raw files, code, as_of: build_inputs.py), it is reused:
    the same inputs make the same marts, and a report is often made again (a second copy, the
    Launchpad after `make run`) without anything having changed.
    """
    target = as_of_build_path(paths, label, as_of)
    stamp = target.with_name(target.name + ".inputs")
    target.parent.mkdir(parents=True, exist_ok=True)
    fingerprint = _build_inputs(paths, as_of)
    if target.exists() and stamp.is_file() and stamp.read_text().strip() == fingerprint:
        log(f"as-of marts for {as_of} are up to date (same raw files, code and as_of): {target}")
        return target
    # before 2026-11-28 an as-of build was the file `<report>-<date>.duckdb` beside this folder
    legacy = target.parent.with_name(target.parent.name + ".duckdb")
    for stale in (stamp, target, target.with_name(target.name + ".wal"),
                  legacy, legacy.with_name(legacy.name + ".wal"), legacy.with_name(legacy.name + ".inputs")):
        stale.unlink(missing_ok=True)
    prepare_build_folder(paths, target)
    env = dbt_env(paths, build_db=target, as_of=as_of, run_id=run_id,
                  checked_at=dt.datetime.now(dt.timezone.utc), register_units=register_units(paths))
    succeeded = run_dbt(dbt_build_args(exclude=AS_OF_EXCLUDE), env, paths.work / "dbt_target" / f"as_of-{label}", log)
    if not succeeded:
        raise RuntimeError(f"dbt build for as_of {as_of} failed; see the dbt log above ({target})")
    stamp.write_text(fingerprint + "\n")  # only a complete build is ever reused
    return target


def _build_inputs(paths: DataPaths, as_of: dt.date) -> str:
    return build_inputs_of(paths.raw_db, as_of) + "+" + AS_OF_EXCLUDE.replace(" ", ",")
