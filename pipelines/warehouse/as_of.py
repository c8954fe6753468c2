"""Marts rebuilt for a reference date, in a database of their own (never the published release)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pipelines.config import DataPaths
from pipelines.warehouse.dbt_cli import dbt_build_args, dbt_env


def as_of_build_path(paths: DataPaths, label: str, as_of: dt.date) -> Path:
    return paths.work / "as_of" / f"{label}-{as_of.isoformat()}.duckdb"


def build_as_of_marts(paths: DataPaths, label: str, as_of: dt.date, run_id: str, log=print) -> Path:
    """Run `dbt build` with `as_of` into a fresh database file and return its path.

    The raw layer is shared (attached read-only); everything dbt makes lands in the new file, so a
    report never disturbs the analysts' warehouse or the nightly build.
    """
    from pipelines.warehouse.dbt_assets import dbt_resource

    target = as_of_build_path(paths, label, as_of)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in (target, target.with_name(target.name + ".wal")):
        stale.unlink(missing_ok=True)
    os.environ.update(dbt_env(paths, build_db=target, run_id=run_id, checked_at=dt.datetime.now(dt.timezone.utc)))
    args = dbt_build_args(as_of)
    invocation = dbt_resource().cli(
        args, raise_on_error=False, target_path=paths.work / "dbt_target" / f"as_of-{label}"
    )
    for event in invocation.stream_raw_events():
        message = event.raw_event.get("info", {}).get("msg", "")
        if event.raw_event.get("info", {}).get("level") in ("error", "warn") and message:
            log(message)
    if not invocation.is_successful():
        raise RuntimeError(f"dbt build for as_of {as_of} failed; see the dbt log above ({target})")
    return target
