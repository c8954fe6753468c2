"""When the nightly refresh runs (at 02:00 Amsterdam time, and when raw files change), and the
daemon's sweep of runs whose process was killed."""

import dagster as dg

from pipelines.operations.abandoned_runs import fail_abandoned_runs
from pipelines.operations.jobs import nightly_refresh_job
from pipelines.operations.raw_fingerprint import raw_fingerprint
from pipelines.resources import WarehouseResource

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_refresh_schedule",
    job=nightly_refresh_job,
    cron_schedule="0 2 * * *",
    execution_timezone="Europe/Amsterdam",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Refresh everything from data/raw/ every night at 02:00 (Europe/Amsterdam).",
)


@dg.sensor(
    name="new_raw_files_sensor",
    job=nightly_refresh_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts an ingest-and-rebuild when files in data/raw/ appear, change or disappear.",
)
def new_raw_files_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    # also here: the queue is freed even when someone stopped release_abandoned_runs
    _release_the_queue(context)
    fingerprint = raw_fingerprint(warehouse.paths.raw)
    if context.cursor == fingerprint:
        return dg.SkipReason("no new, changed or removed files in data/raw/")
    first_look = context.cursor is None
    context.update_cursor(fingerprint)
    if first_look:
        # On the very first evaluation there is nothing to compare with; the nightly run covers it.
        return dg.SkipReason("first look at data/raw/: fingerprint recorded")
    return dg.RunRequest(run_key=fingerprint)


@dg.sensor(
    name="release_abandoned_runs",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks runs failed whose process is gone (killed CLI runs, killed run workers), so "
    "they do not hold the run queue's npa/raw_db slot forever. Starts no runs.",
)
def release_abandoned_runs(context: dg.SensorEvaluationContext):
    """A run killed mid-way stays STARTED and holds the queue's npa/raw_db slot; with only the UI
    running afterwards, nothing else would notice. This sensor ticks every 30 s: it notices.
    (The data root's lock itself needs no cleaning: the kernel drops it with the process.)"""
    failed = _release_the_queue(context)
    if failed:
        return dg.SkipReason(f"marked {len(failed)} abandoned run(s) failed: {', '.join(failed)}")
    return dg.SkipReason("no run left behind by a process that is gone")


def _release_the_queue(context: dg.SensorEvaluationContext) -> list[str]:
    try:
        instance = context.instance
    except dg.DagsterInvariantViolationError:  # a test context built without an instance
        return []
    failed = fail_abandoned_runs(instance)
    for run_id in failed:
        context.log.warning(f"run {run_id} was left in progress by a process that is gone: marked failed")
    return failed
