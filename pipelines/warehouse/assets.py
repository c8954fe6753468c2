"""Publishing the built marts to analysts as one atomic release, and the gate that leaves the
rebuild out when nothing it depends on changed since the published release."""

import datetime as dt

import dagster as dg

from pipelines.config import as_of_from_env
from pipelines.resources import WarehouseResource
from pipelines.warehouse.build_inputs import (
    BUILD_INPUTS_KEY,
    build_inputs_of,
    read_release_manifest,
)
from pipelines.warehouse.dbt_assets import warehouse_dbt_models
from pipelines.warehouse.publish import changed_since_published, current_release, publish, release_id_for

# The tables of marts.md; publishing refuses a build that lacks one of them.
PUBLISHED_MARTS = [
    "dim_municipality", "dim_corporation", "dim_indicator", "national_targets", "fct_commitments",
    "commitments_by_area", "stock_by_area", "realisation_by_area", "progress_by_area",
    "progress_national", "stock_trajectory", "agreement_coverage", "dq_findings", "load_log",
]


class BuildInputsConfig(dg.Config):
    rebuild: bool = False  # check, build and publish even when the inputs equal the published release's


def rebuild_run_config() -> dict:
    """Run config of the nightly job that checks, builds and publishes even when nothing changed."""
    return {"ops": {"raw__build_inputs": {"config": {"rebuild": True}}}}


def current_build_inputs(warehouse: WarehouseResource) -> str:
    return build_inputs_of(warehouse.paths.raw_db, as_of_from_env())


@dg.asset(
    key=BUILD_INPUTS_KEY,
    group_name="ingest",
    deps=[["raw", "load_log"]],
    output_required=False,
    description="The fingerprint of everything the marts are built from: every raw file's sha256 and "
    "status, the checking and transforming code, as_of. Not materialized when it equals the fingerprint "
    "of the published release: then the checks, the dbt build and the publish are skipped (the "
    "published marts already are what they would produce). Run config `rebuild: true` forces them.",
)
def build_inputs(context: dg.AssetExecutionContext, config: BuildInputsConfig, warehouse: WarehouseResource):
    fingerprint = current_build_inputs(warehouse)
    release = current_release(warehouse.paths.marts)
    published = read_release_manifest(release) or {}
    tampered = changed_since_published(release)  # an analyst wrote into the published file
    if published.get("build_inputs") == fingerprint and not config.rebuild and not tampered:
        context.log.info(
            f"nothing the marts depend on changed since release {release.name}: "
            "checks, dbt build and publish are skipped"
        )
        return
    yield dg.MaterializeResult(
        metadata={
            "fingerprint": fingerprint,
            "published_release": release.name if release else "none",
            "reason": ("inputs changed" if published.get("build_inputs") != fingerprint
                       else tampered or "rebuild requested"),
        }
    )


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
        about={"run_id": context.run.run_id, "build_inputs": current_build_inputs(warehouse)},
    )
    return dg.MaterializeResult(
        metadata={
            "release": release.release_id,
            "path": dg.MetadataValue.path(str(release.path)),
            **{f"rows.{t}": n for t, n in release.tables.items()},
        }
    )
