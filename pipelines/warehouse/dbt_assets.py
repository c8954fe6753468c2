"""The dbt project as Dagster assets, one lineage graph with the ingest and check assets.

The manifest is prepared ahead of time (`make manifest`, i.e. `dbt parse`), never at import, so
loading the code location stays fast.
"""

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping
from importlib import metadata
from typing import Any

import dagster as dg
from packaging import version
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from pipelines.config import DBT_PROJECT_DIR, as_of_from_env
from pipelines.operations.stage_hooks import pause_point
from pipelines.resources import WarehouseResource
from pipelines.warehouse.build_inputs import build_inputs_of, mark_building, mark_built
from pipelines.warehouse.increment import plan_build, record_build, write_changed_files
from pipelines.warehouse.dbt_cli import (
    DBT_EXECUTABLE,
    child_environment,
    dbt_build_args,
    dbt_env,
    prepare_build_folder,
    register_units,
)

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
PAUSE_AFTER_MODELS = 3  # where the test-only pause point `dbt.inside_build` is


class VenvDbtCliResource(DbtCliResource):
    """The dbt of this environment. dagster-dbt learns the version of the dbt executable by starting
    it once more (`dbt --version`, 2-3 s per build); here the executable is dbt-core from the same
    environment, so the installed package's version is the answer."""

    @functools.cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        # dagster-dbt loads dbt's profile and project in this process for a database handle that
        # only its opt-in column and row-count metadata use, which this project does not use
        return None


def dbt_resource() -> DbtCliResource:
    return VenvDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)


class NpaDbtTranslator(DagsterDbtTranslator):
    """Models keyed `<schema>/<model>` and grouped by schema (staging, intermediate, checks, marts)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dbt_resource_props.get("config", {}).get("schema") or "warehouse"
        return super().get_group_name(dbt_resource_props)


# several raw tables come from one ingest asset (e.g. workbooks and their rows), hence duplicate keys
translator = NpaDbtTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True)
)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=translator,
    name="warehouse_dbt_models",
)
def warehouse_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    paths = warehouse.paths
    prepare_build_folder(paths, paths.build_db)
    as_of = as_of_from_env()
    # what the build is made from; the stamp lets an as-of build take the nightly's tables that do
    # not depend on a reference date (as_of.py), so only a complete build may vouch for them
    inputs = build_inputs_of(paths.raw_db, as_of)
    # incremental when only register files changed since the last complete build (increment.py);
    # decided before the stamp goes, which says whether that build completed
    plan = plan_build(paths.raw_db, paths.build_db, as_of)
    if context.is_subset and not plan.full:
        plan = dataclasses.replace(plan, full=True, reason="a subset of the models")
    context.log.info(f"dbt build: {plan.summary()}")
    mark_building(paths.build_db)
    write_changed_files(paths.build_db, plan)
    env = dbt_env(paths, as_of=as_of, run_id=context.run.run_id,
                  checked_at=dt.datetime.now(dt.timezone.utc), register_units=register_units(paths),
                  incremental=not plan.full)
    # One fixed target folder per data root: dbt's partial parse state survives between nightly
    # runs, and artifacts do not pile up in the project folder.
    target = paths.work / "dbt_target" / "nightly"
    with child_environment(env):  # dagster-dbt hands this process's environment to dbt
        invocation = dbt.cli(dbt_build_args(full_refresh=plan.full), context=context, target_path=target)
    built = 0
    for event in invocation.stream():
        yield event
        if isinstance(event, dg.Output):
            built += 1
            if built == PAUSE_AFTER_MODELS:
                # crash tests stop here: dbt has written some models and is still running (it
                # blocks on its stdout pipe while this process does not read it)
                pause_point("dbt.inside_build")
    # a failed build has raised by now; a subset (a few models from the UI) is not a whole build
    if not context.is_subset:
        # the record first: without the stamp that follows, the next build is a full one
        record_build(paths.build_db, plan)
        mark_built(paths.build_db, inputs)
