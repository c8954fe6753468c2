"""Pure helpers for invoking dbt: arguments and environment. Unit-tested without running dbt.

Only `as_of` is a dbt var. The run's identity (run id, check time) goes through the environment:
dbt parses the whole project again whenever a var changes, but re-parses only the files that read
an environment variable whose value changed (here: marts/dq_findings.sql). That keeps dbt's partial
parse working from one nightly run to the next (about 6 s per run at national scale).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from pipelines.config import DataPaths

# DuckDB spills most operators to disk beyond its memory limit, but not all of them: matching
# dwellings across snapshots (int_dwellings_matched) needs memory in proportion to the register.
# Measured: national (4.6 M units) fails at 600 MB and works at 900 MB; twice national fails at
# 1.2 GB and works at 2 GB. So the limit follows the register, with a floor, unless
# $NPA_DBT_MEMORY_LIMIT says otherwise. Rounded to 100 MB: the limit is part of dbt's profile,
# and a changed profile makes dbt parse the whole project again.
MEMORY_FLOOR_MB = 900
MEMORY_MB_PER_MILLION_UNITS = 220

# dbt unit tests exercise the SQL logic on fixed inputs; they belong in `make test` (CI), not in
# every nightly or report build, where they would add about 7 s of work at any data scale.
NIGHTLY_EXCLUDE = "resource_type:unit_test"


def dbt_vars(as_of: dt.date | None) -> dict[str, str]:
    return {"as_of": as_of.isoformat() if as_of else ""}


def dbt_build_args(
    as_of: dt.date | None, select: str | None = None, exclude: str | None = NIGHTLY_EXCLUDE
) -> list[str]:
    args = ["build", "--vars", json.dumps(dbt_vars(as_of), sort_keys=True)]
    if select:
        args += ["--select", select]
    if exclude:
        args += ["--exclude", exclude]
    return args


def dbt_memory_limit(register_units: int, override: str | None = None) -> str:
    """DuckDB's memory limit for a dbt build over a register of `register_units` rows."""
    if override:
        return override
    needed = MEMORY_MB_PER_MILLION_UNITS * register_units / 1_000_000
    return f"{max(MEMORY_FLOOR_MB, -(-int(needed) // 100) * 100)}MB"


def dbt_env(
    paths: DataPaths,
    build_db: Path | None = None,
    run_id: str = "manual",
    checked_at: dt.datetime | None = None,
    register_units: int = 0,
) -> dict[str, str]:
    """The variables the dbt project reads: which database dbt builds, which raw database it
    attaches and DuckDB's memory limit (profiles.yml), and the run's audit values
    (marts/dq_findings.sql)."""
    return {
        "NPA_BUILD_DB": str(build_db or paths.build_db),
        "NPA_RAW_DB": str(paths.raw_db),
        "NPA_DBT_MEMORY": dbt_memory_limit(register_units, os.environ.get("NPA_DBT_MEMORY_LIMIT")),
        "NPA_RUN_ID": run_id,
        "NPA_CHECKED_AT": checked_at.replace(microsecond=0).isoformat() if checked_at else "",
    }


def register_units(paths: DataPaths) -> int:
    """Rows in the raw layer's register (0 before the first load)."""
    import duckdb

    if not paths.raw_db.exists():
        return 0
    con = duckdb.connect(str(paths.raw_db), read_only=True)
    try:
        return con.execute("select count(*) from raw.register_units").fetchone()[0]
    except duckdb.CatalogException:
        return 0
    finally:
        con.close()
