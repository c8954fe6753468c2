"""Pure helpers for invoking dbt: arguments and environment. Unit-tested without running dbt."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pipelines.config import DataPaths


def dbt_vars(as_of: dt.date | None, run_id: str, checked_at: dt.datetime) -> dict[str, str]:
    return {
        "as_of": as_of.isoformat() if as_of else "",
        "run_id": run_id,
        "checked_at": checked_at.replace(microsecond=0).isoformat(),
    }


def dbt_build_args(
    as_of: dt.date | None, run_id: str, checked_at: dt.datetime, select: str | None = None
) -> list[str]:
    args = ["build", "--vars", json.dumps(dbt_vars(as_of, run_id, checked_at), sort_keys=True)]
    if select:
        args += ["--select", select]
    return args


def dbt_env(paths: DataPaths, build_db: Path | None = None) -> dict[str, str]:
    """The variables profiles.yml reads: which database dbt builds, which raw database it attaches."""
    return {
        "NPA_BUILD_DB": str(build_db or paths.build_db),
        "NPA_RAW_DB": str(paths.raw_db),
    }
