"""Checks (spec: checks.md): the GX suites and SQL over the raw layer (`run_raw_checks`), the dbt
check models' results (`dbt_check_outcomes`), and the catalogue of every check code.

The raw checks' names load on first use: they import pandas (and GX, when they run), which the
code location and the runs that check nothing do not need."""

from pipelines.checks.catalog import CHECKS, DBT_CHECK_CODES, RAW_CHECK_CODES, CheckDef

_RAW_CHECKS = ("CodeSummary", "Finding", "RawCheckResult", "run_raw_checks")

__all__ = ["CHECKS", "DBT_CHECK_CODES", "RAW_CHECK_CODES", "CheckDef", *_RAW_CHECKS]


def __getattr__(name: str):
    if name in _RAW_CHECKS:
        from pipelines.checks import raw_checks

        return getattr(raw_checks, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
