"""Dagster side of the checks domain.

- `raw_findings` (asset `checks/raw_findings`): runs the GX suites and SQL checks over the raw layer
  (`run_raw_checks`), which replace `checks.findings`, the table dbt staging gates on; one asset
  check per code it decides.
- `dbt_findings_check_specs` / `dbt_findings_check_results` / `build_dbt_findings_checks`: the
  findings of the dbt check models (dbt_project/models/checks/) as asset checks on the mart they
  land in (`marts.dq_findings`), for the lead to wire.

Nothing heavy is imported at module import: pandas and Great Expectations load inside the run.
"""

# No `from __future__ import annotations`: Dagster reads the resource annotations at definition time.
from collections.abc import Iterable, Sequence

import dagster as dg
import duckdb

from pipelines.checks.catalog import CHECKS, DBT_CHECK_CODES, ERROR, RAW_CHECK_CODES
from pipelines.resources import WarehouseResource
from pipelines.warehouse.build_inputs import BUILD_INPUTS_KEY

GROUP = "checks"
RAW_FINDINGS_KEY = dg.AssetKey(["checks", "raw_findings"])
MAX_EXAMPLES = 10


def _severity(code: str) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if CHECKS[code].severity == ERROR else dg.AssetCheckSeverity.WARN


def _spec(code: str, asset_key: dg.AssetKey) -> dg.AssetCheckSpec:
    check = CHECKS[code]
    return dg.AssetCheckSpec(
        name=check.check_name,
        asset=asset_key,
        description=f"{check.code} ({check.severity}): {check.rule}. See docs/checks.md.",
    )


def _check_result(code: str, findings: int, rows: int | None, examples: Sequence[str], asset_key=None) -> dg.AssetCheckResult:
    metadata: dict[str, dg.MetadataValue] = {"findings": dg.MetadataValue.int(findings)}
    if rows is not None:
        metadata["rows_concerned"] = dg.MetadataValue.int(rows)
    if examples:
        metadata["examples"] = dg.MetadataValue.md("\n".join(f"- {e.replace(chr(10), ' ')}" for e in examples[:MAX_EXAMPLES]))
    return dg.AssetCheckResult(
        check_name=CHECKS[code].check_name,
        asset_key=asset_key,
        passed=findings == 0,
        severity=_severity(code),
        metadata=metadata,
        description=f"{findings} finding(s) of {code}: {CHECKS[code].rule}",
    )


@dg.asset(
    key=RAW_FINDINGS_KEY,
    group_name=GROUP,
    # raw/build_inputs is not materialized when nothing changed since the published release: then
    # this asset, and everything built on it, is skipped
    deps=[["raw", "register"], ["raw", "agreements"], ["raw", "targets"], ["raw", "reference"], BUILD_INPUTS_KEY],
    check_specs=[_spec(code, RAW_FINDINGS_KEY) for code in RAW_CHECK_CODES],
    kinds={"duckdb", "python"},
    description=(
        "Row- and file-level checks over the raw layer before dbt: Great Expectations suites "
        "(register_units, agreement_workbooks, agreement_rows, targets) for the value rules and "
        "DuckDB SQL for the cross-file rules. Replaces checks.findings, which dbt staging reads to "
        "keep out every row or file with an `error`. Catalogue: docs/checks.md."
    ),
)
def raw_findings(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from pipelines.checks.raw_checks import run_raw_checks

    with warehouse.raw_connection() as con:
        result = run_raw_checks(con, incremental=True)
    context.log.info(f"raw checks: {result.scope}")
    for code, summary in result.by_code.items():
        if summary.findings:
            context.log.info(f"{code}: {summary.findings} finding(s)")
    suites = "\n".join(
        f"| {s.name} | {s.raw_rows} | {s.frame_rows} | {s.seconds_frame:.2f} | {s.seconds_gx:.2f} | {s.seconds_map:.2f} |"
        for s in result.suites
    )
    metadata = {
        "errors": dg.MetadataValue.int(result.n_errors),
        "warnings": dg.MetadataValue.int(len(result.findings) - result.n_errors),
        "seconds": dg.MetadataValue.float(round(result.seconds["total"], 2)),
        "register_scope": dg.MetadataValue.text(result.scope),
        "gx_suites": dg.MetadataValue.md(
            "| suite | raw rows | rows given to GX | frame s | GX s | map back s |\n| --- | --- | --- | --- | --- | --- |\n"
            + suites
        ),
    }
    checks = [
        _check_result(code, s.findings, s.rows, s.examples)
        for code, s in result.by_code.items()
        if code in RAW_CHECK_CODES
    ]
    return dg.MaterializeResult(metadata=metadata, check_results=checks)


# --------------------------------------------------------------------------- dbt-side checks
def dbt_findings_check_specs(asset_key: dg.AssetKey, codes: Iterable[str] = DBT_CHECK_CODES) -> list[dg.AssetCheckSpec]:
    """One AssetCheckSpec per dbt-side check code, on `asset_key` (normally marts.dq_findings)."""
    return [_spec(code, asset_key) for code in codes]


def dbt_findings_outcomes(
    con: duckdb.DuckDBPyConnection,
    codes: Iterable[str] = DBT_CHECK_CODES,
    relation: str = "marts.dq_findings",
) -> dict[str, tuple[int, list[str]]]:
    """Per check code: (number of findings, up to 10 example details), read from `relation` in the
    build database (`marts.dq_findings`, or one check model such as `checks.chk_a8_efg_overcommitted`)."""
    codes = list(codes)
    out: dict[str, tuple[int, list[str]]] = {code: (0, []) for code in codes}
    rows = con.execute(
        f"""
        select check_code, count(*) as n,
               list(coalesce(entity || ': ', '') || detail order by severity, entity, detail)[1:{MAX_EXAMPLES}]
        from {relation}
        where check_code in (select unnest(?::varchar[]))
        group by check_code
        """,
        [codes],
    ).fetchall()
    for code, n, examples in rows:
        out[code] = (n, list(examples))
    return out


def dbt_findings_check_results(
    con: duckdb.DuckDBPyConnection,
    asset_key: dg.AssetKey,
    codes: Iterable[str] = DBT_CHECK_CODES,
    relation: str = "marts.dq_findings",
) -> list[dg.AssetCheckResult]:
    """AssetCheckResults (names as in `dbt_findings_check_specs`) from the built findings."""
    outcomes = dbt_findings_outcomes(con, codes, relation)
    return [_check_result(code, n, None, examples, asset_key=asset_key) for code, (n, examples) in outcomes.items()]


def build_dbt_findings_checks(asset_key: dg.AssetKey, codes: Iterable[str] = DBT_CHECK_CODES) -> dg.AssetChecksDefinition:
    """A multi-asset check reading the build database (read-only) after dbt built `asset_key`.

    Wired in definitions.py on the key of the dbt model `dq_findings`.
    """
    codes = list(codes)

    @dg.multi_asset_check(
        specs=dbt_findings_check_specs(asset_key, codes),
        name="dbt_findings_checks",
        description="The dbt check models' findings (R3, R11-R13, A2, A6-A12, N1-N4) as asset checks.",
    )
    def dbt_findings_checks(warehouse: WarehouseResource) -> Iterable[dg.AssetCheckResult]:
        con = duckdb.connect(str(warehouse.paths.build_db), read_only=True)
        try:
            yield from dbt_findings_check_results(con, asset_key, codes)
        finally:
            con.close()

    return dbt_findings_checks
