"""Publishing the built marts to analysts as one atomic release."""

import datetime as dt

import dagster as dg

from pipelines.resources import WarehouseResource
from pipelines.warehouse.dbt_assets import warehouse_dbt_models
from pipelines.warehouse.publish import publish, release_id_for

# The tables of marts.md; publishing refuses a build that lacks one of them.
PUBLISHED_MARTS = [
    "dim_municipality", "dim_corporation", "dim_indicator", "national_targets", "fct_commitments",
    "commitments_by_area", "stock_by_area", "realisation_by_area", "progress_by_area",
    "progress_national", "stock_trajectory", "agreement_coverage", "dq_findings", "load_log",
]


@dg.asset(
    key=["marts", "release"],
    group_name="publish",
    deps=[warehouse_dbt_models],
    description="The published warehouse: data/marts/warehouse.duckdb and data/marts/parquet/, "
    "swapped in atomically once the release is complete.",
)
def marts_release(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    paths = warehouse.paths
    release = publish(
        paths.build_db,
        paths.marts,
        release_id_for(context.run.run_id, dt.datetime.now(dt.timezone.utc)),
        tables=PUBLISHED_MARTS,
    )
    return dg.MaterializeResult(
        metadata={
            "release": release.release_id,
            "path": dg.MetadataValue.path(str(release.path)),
            **{f"rows.{t}": n for t, n in release.tables.items()},
        }
    )
