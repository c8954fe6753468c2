"""Checks (spec: checks.md): the GX suites and SQL over the raw layer (`run_raw_checks`), the dbt
check models' results (`dbt_check_outcomes`), and the catalogue of every check code."""

from pipelines.checks.catalog import CHECKS, DBT_CHECK_CODES, RAW_CHECK_CODES, CheckDef
from pipelines.checks.raw_checks import CodeSummary, Finding, RawCheckResult, run_raw_checks

__all__ = [
    "CHECKS",
    "DBT_CHECK_CODES",
    "RAW_CHECK_CODES",
    "CheckDef",
    "CodeSummary",
    "Finding",
    "RawCheckResult",
    "run_raw_checks",
]
