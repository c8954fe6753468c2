"""The single entry point of the Dagster code location: every domain's definitions, gathered."""

from __future__ import annotations

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from pipelines.checks.assets import build_dbt_findings_checks, raw_findings
from pipelines.ingest.assets import ingest_assets
from pipelines.operations.jobs import nightly_refresh_job
from pipelines.operations.report_jobs import report_jobs
from pipelines.operations.schedules import new_raw_files_sensor, nightly_schedule
from pipelines.resources import WarehouseResource
from pipelines.warehouse.assets import build_inputs, marts_release
from pipelines.warehouse.dbt_assets import dbt_resource, warehouse_dbt_models

# The as-of-dependent checks are dbt models; their findings show as asset checks on dq_findings.
dbt_findings_checks = build_dbt_findings_checks(get_asset_key_for_model([warehouse_dbt_models], "dq_findings"))

defs = dg.Definitions(
    assets=[*ingest_assets, build_inputs, raw_findings, warehouse_dbt_models, marts_release],
    asset_checks=[dbt_findings_checks],
    jobs=[nightly_refresh_job, *report_jobs],
    schedules=[nightly_schedule],
    sensors=[new_raw_files_sensor],
    resources={
        "warehouse": WarehouseResource(),
        "dbt": dbt_resource(),
    },
    executor=dg.in_process_executor,
)
