"""The single entry point of the Dagster code location: every domain's definitions, gathered."""

from __future__ import annotations

import dagster as dg

from pipelines.checks.assets import build_dbt_findings_checks, raw_findings
from pipelines.ingest.assets import ingest_assets
from pipelines.operations.jobs import nightly_refresh_job
from pipelines.operations.report_jobs import report_jobs
from pipelines.operations.locked_executor import locked_in_process_executor
from pipelines.operations.schedules import new_raw_files_sensor, nightly_schedule, release_abandoned_runs
from pipelines.resources import WarehouseResource
from pipelines.validate.job import validate_files_job
from pipelines.warehouse.assets import build_inputs, marts_release
from pipelines.warehouse.dbt_assets import graph as dbt_graph, warehouse_dbt_models

# The as-of-dependent checks are dbt models; their findings show as asset checks on dq_findings.
dbt_findings_checks = build_dbt_findings_checks(dbt_graph.key("dq_findings"))

defs = dg.Definitions(
    assets=[*ingest_assets, build_inputs, raw_findings, warehouse_dbt_models, marts_release],
    asset_checks=[dbt_findings_checks],
    jobs=[nightly_refresh_job, *report_jobs, validate_files_job],
    schedules=[nightly_schedule],
    sensors=[new_raw_files_sensor, release_abandoned_runs],
    resources={
        "warehouse": WarehouseResource(),
    },
    # also the UI's ad-hoc asset materializations write under the data root: they hold its lock too
    executor=locked_in_process_executor,
)
