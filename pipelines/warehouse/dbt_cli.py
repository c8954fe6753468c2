"""Pure helpers for invoking dbt: arguments and environment. Unit-tested without running dbt.

Only `as_of` is a dbt var. The run's identity (run id, check time) goes through the environment:
dbt parses the whole project again whenever a var changes, but re-parses only the files that read
an environment variable whose value changed (here: marts/dq_findings.sql). That keeps dbt's partial
parse working from one nightly run to the next (about 6 s per run at national scale).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pipelines.config import DataPaths

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


def dbt_env(
    paths: DataPaths,
    build_db: Path | None = None,
    run_id: str = "manual",
    checked_at: dt.datetime | None = None,
) -> dict[str, str]:
    """The variables the dbt project reads: which database dbt builds, which raw database it
    attaches (profiles.yml), and the run's audit values (marts/dq_findings.sql)."""
    return {
        "NPA_BUILD_DB": str(build_db or paths.build_db),
        "NPA_RAW_DB": str(paths.raw_db),
        "NPA_RUN_ID": run_id,
        "NPA_CHECKED_AT": checked_at.replace(microsecond=0).isoformat() if checked_at else "",
    }
