"""The dbt project as Dagster assets, one lineage graph with the ingest and check assets.

The graph comes from dbt's manifest (pipelines/warehouse/dbt_manifest.py), prepared ahead of time
(`make manifest`, i.e. `dbt parse`), never at import, so loading the code location stays fast; dbt
runs as a child process whose JSON log becomes the materializations and check results, as with
dagster-dbt, which this process does not import (it imports dbt, about 2 s of every start).
"""

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping

import dagster as dg

from pipelines.config import as_of_from_env
from pipelines.operations.stage_hooks import pause_point
from pipelines.resources import WarehouseResource
from pipelines.warehouse.build_inputs import build_inputs_of, mark_building, mark_built
from pipelines.warehouse.dbt_manifest import DbtGraph, dbt_graph
from pipelines.warehouse.increment import plan_build, record_build, write_changed_files
from pipelines.warehouse.dbt_cli import (
    DbtInvocation,
    dbt_build_args,
    dbt_env,
    prepare_build_folder,
    register_units,
)

PAUSE_AFTER_MODELS = 3  # where the test-only pause point `dbt.inside_build` is
# dbt's log events that carry a node's result (seeds, models, snapshots, data and unit tests)
RESULT_EVENTS = {"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"}
BUILT = {"success", "pass", "warn"}  # a node status that leaves its table or view in place
graph = dbt_graph()


def _result_metadata(data: Mapping) -> dict:
    node = data.get("node_info", {})
    metadata = {"dbt/status": node.get("node_status") or str(data.get("status", "")).lower()}
    if data.get("execution_time") is not None:
        metadata["Execution Duration"] = round(float(data["execution_time"]), 3)
    if data.get("num_failures") is not None:
        metadata["dagster_dbt/failed_row_count"] = int(data["num_failures"])
    return metadata


def dagster_events(invocation: DbtInvocation, dbt: DbtGraph, context: dg.AssetExecutionContext,
                   ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """dbt's result events as Dagster events: a built model, seed or snapshot is materialized; a
    data test that is a check gives its result (`warn`: passed False, severity WARN); nodes outside
    the selection give nothing. Warnings and errors of dbt go to the run's log."""
    selected = context.selected_asset_keys
    selected_checks = context.selected_asset_check_keys
    for event in invocation.events():
        level, text = invocation.message(event)
        if level == "error" and text:
            context.log.error(text)
        elif level == "warn" and text:
            context.log.warning(text)
        if event.get("info", {}).get("name") not in RESULT_EVENTS:
            continue
        data = event.get("data", {})
        uid = data.get("node_info", {}).get("unique_id", "")
        status = data.get("node_info", {}).get("node_status") or str(data.get("status", "")).lower()
        if uid in dbt.check_by_test:
            check = dbt.check_by_test[uid]
            if check in selected_checks and status != "skipped":
                yield dg.AssetCheckResult(
                    asset_key=check.asset_key, check_name=check.name, passed=status == "pass",
                    severity=dg.AssetCheckSeverity.WARN if status == "warn" else dg.AssetCheckSeverity.ERROR,
                    metadata=_result_metadata(data))
        elif uid in dbt.key_by_id and dbt.key_by_id[uid] in selected and status in BUILT:
            yield dg.MaterializeResult(asset_key=dbt.key_by_id[uid], metadata=_result_metadata(data))


def subset_selection(dbt: DbtGraph, context: dg.AssetExecutionContext) -> str:
    """dbt's `--select` for a subset of the models and checks (the UI's materialize selected)."""
    names = {dbt.name_by_key[key] for key in context.selected_asset_keys}
    names |= {check.name for check in context.selected_asset_check_keys}
    return " ".join(sorted(names))


@dg.multi_asset(
    specs=list(graph.specs),
    check_specs=list(graph.check_specs),
    name="warehouse_dbt_models",
    can_subset=True,
    description="`dbt build` of dbt_project/: staging, intermediate, checks and marts, with dbt's data "
    "tests as asset checks.",
)
def warehouse_dbt_models(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
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
    select = subset_selection(graph, context) if context.is_subset else None
    invocation = DbtInvocation(dbt_build_args(select=select, full_refresh=plan.full), env, target)
    built = 0
    for event in dagster_events(invocation, graph, context):
        yield event
        if isinstance(event, dg.MaterializeResult):
            built += 1
            if built == PAUSE_AFTER_MODELS:
                # crash tests stop here: dbt has written some models and is still running (it
                # blocks on its stdout pipe while this process does not read it)
                pause_point("dbt.inside_build")
    if invocation.returncode != 0:
        raise dg.Failure(f"dbt build failed (exit code {invocation.returncode}); its errors are in "
                         f"the log above and in {target / 'dbt.log'}")
    # a subset (a few models from the UI) is not a whole build
    if not context.is_subset:
        # the record first: without the stamp that follows, the next build is a full one
        record_build(paths.build_db, plan)
        mark_built(paths.build_db, inputs)
