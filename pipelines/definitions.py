"""The single entry point of the Dagster code location: every domain's definitions, gathered."""

from __future__ import annotations

import dagster as dg

from pipelines.checks.assets import raw_findings
from pipelines.ingest.assets import ingest_assets
from pipelines.operations.jobs import nightly_refresh_job
from pipelines.operations.report_jobs import report_jobs
from pipelines.operations.schedules import new_raw_files_sensor, nightly_schedule
from pipelines.resources import WarehouseResource
from pipelines.warehouse.assets import marts_release
from pipelines.warehouse.dbt_assets import dbt_resource, warehouse_dbt_models

defs = dg.Definitions(
    assets=[*ingest_assets, raw_findings, warehouse_dbt_models, marts_release],
    jobs=[nightly_refresh_job, *report_jobs],
    schedules=[nightly_schedule],
    sensors=[new_raw_files_sensor],
    resources={
        "warehouse": WarehouseResource(),
        "dbt": dbt_resource(),
    },
    executor=dg.in_process_executor,
)
