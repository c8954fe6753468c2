"""Marts rebuilt for a reference date, in a database of their own (never the published release)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from pipelines.config import DataPaths
from pipelines.warehouse.build_inputs import build_inputs_fingerprint, built_from, mark_building, mark_built
from pipelines.warehouse.dbt_cli import (
    BUILD_DB_NAME,
    NIGHTLY_EXCLUDE,
    dbt_build_args,
    dbt_env,
    prepare_build_folder,
    register_units,
    run_dbt,
)

# What the as-of build leaves out. Models: none it would have to make itself. The report reads
# fourteen marts, and dq_findings unions every check model, so `+marts` would select every model of
# the project anyway; those that do not depend on the date can come from the nightly (below).
# Data tests: the nightly build runs all of them on the same raw data. Of those, the tests on seeds
# and staging see exactly the same tables here (nothing there depends on `as_of`); the tests on the
# intermediate models test the SQL's plumbing, which a reference date does not change. What a
# reference date can break is the figures the report prints, so the as-of build keeps the tests on
# the marts that guard them: unique keys and unique combinations (nothing counted twice after
# choosing the agreement version valid on the date), roll-ups that add up across area levels, value
# bounds (expression_is_true) and relationships between the marts. The marts' and check models'
# not-null and allowed-value rules are contract constraints, enforced in every build as the tables
# are written. A failing test or constraint still fails the report job.
AS_OF_EXCLUDE = " ".join([
    NIGHTLY_EXCLUDE,
    "resource_type:test,path:seeds",
    "resource_type:test,path:models/staging",
    "resource_type:test,path:models/intermediate",
])
# The models an as-of build may take from a complete nightly build of the same inputs.
AS_OF_INDEPENDENT = "tag:as_of_independent"


def as_of_build_args(reuse_nightly: bool) -> list[str]:
    """dbt's arguments for an as-of build, leaving out the models taken from the nightly when
    `reuse_nightly`. Cautious indirect selection: a test is left out with the models only when every
    model it tests is left out, so the tests between the marts rebuilt here and the dimensions taken
    from the nightly still run (dbt's default would drop them with the dimensions)."""
    exclude = AS_OF_EXCLUDE + (" " + AS_OF_INDEPENDENT if reuse_nightly else "")
    return dbt_build_args(exclude=exclude, indirect_selection="cautious")


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

    When the nightly build database was completely built from the same raw layer and code without
    a reference date, the new file starts as a copy of it and dbt leaves out the models tagged
    `as_of_independent`: staging, seeds, the reference models and dimensions, and the register's
    units and their matching across snapshots, which took about 11 s of the 18 s of dbt's work for
    april-2023 at national scale. They are the same in both builds, as nothing of theirs reads
    `as_of` (tests/test_as_of_reuse.py checks that in the manifest).
    """
    target = as_of_build_path(paths, label, as_of)
    target.parent.mkdir(parents=True, exist_ok=True)
    fingerprint, nightly_fingerprint = _build_inputs(paths, as_of)
    if built_from(target) == fingerprint:
        log(f"as-of marts for {as_of} are up to date (same raw files, code and as_of): {target}")
        return target
    mark_building(target)
    # before 2026-11-28 an as-of build was the file `<report>-<date>.duckdb` beside this folder
    legacy = target.parent.with_name(target.parent.name + ".duckdb")
    for stale in (target, _wal(target), legacy, _wal(legacy), legacy.with_name(legacy.name + ".inputs")):
        stale.unlink(missing_ok=True)
    prepare_build_folder(paths, target)
    reuse = built_from(paths.build_db) == nightly_fingerprint and _copy_database(paths.build_db, target)
    if reuse:
        log(f"as-of build starts from the nightly build ({paths.build_db}): models tagged "
            f"as_of_independent are taken from it")
    env = dbt_env(paths, build_db=target, as_of=as_of, run_id=run_id,
                  checked_at=dt.datetime.now(dt.timezone.utc), register_units=register_units(paths))
    succeeded = run_dbt(as_of_build_args(reuse), env, paths.work / "dbt_target" / f"as_of-{label}", log)
    if not succeeded:
        raise RuntimeError(f"dbt build for as_of {as_of} failed; see the dbt log above ({target})")
    mark_built(target, fingerprint)  # only a complete build is ever reused
    return target


def _build_inputs(paths: DataPaths, as_of: dt.date) -> tuple[str, str]:
    """The fingerprint of this as-of build, and that of a nightly build of the same raw layer."""
    import duckdb

    con = duckdb.connect(str(paths.raw_db), read_only=True)
    try:
        return (build_inputs_fingerprint(con, as_of) + "+" + AS_OF_EXCLUDE.replace(" ", ","),
                build_inputs_fingerprint(con, None))
    finally:
        con.close()


def _wal(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def _copy_database(source: Path, target: Path) -> bool:
    """Copy a DuckDB file (and its WAL) that no process is writing; False when one is.

    A read-only connection holds DuckDB's shared lock while the bytes are copied, so no writer can
    change them meanwhile (the nightly and the reports also share the run queue's `npa/raw_db`
    limit, so they do not meet in the first place).
    """
    import duckdb

    try:
        con = duckdb.connect(str(source), read_only=True)
    except duckdb.Error:
        return False
    try:
        shutil.copyfile(source, target)
        if _wal(source).exists():
            shutil.copyfile(_wal(source), _wal(target))
    finally:
        con.close()
    return True
