"""The executor of every job that writes under the data root, when the daemon or the UI launches it.

It is Dagster's in-process executor with two things first, in the run worker process:
- it takes the data root's lock (`data_lock`) for the whole run, so a run launched from the UI
  waits for a CLI run (and the other way round) instead of failing on DuckDB's file lock; the
  wait and its reason show in the run's log;
- it tags the run with its process (`npa/process`), so that when this process is killed the
  `release_abandoned_runs` sensor (or the next CLI run) marks the run failed and the run queue's
  `npa/raw_db` slot is free again.

`execute_in_process` (the CLI) ignores a job's executor; the CLI takes the lock itself.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import dagster as dg
from dagster._core.definitions.executor_definition import IN_PROC_CONFIG, _core_in_process_executor_creation
from dagster._core.events import DagsterEvent
from dagster._core.executor.in_process import InProcessExecutor

from pipelines.config import data_paths
from pipelines.operations.abandoned_runs import PROCESS_TAG, process_identity
from pipelines.operations.data_lock import data_root_lock


class LockedInProcessExecutor(InProcessExecutor):
    def execute(self, plan_context, execution_plan) -> Iterator[DagsterEvent]:
        run = plan_context.dagster_run
        instance = plan_context.instance
        me = process_identity(os.getpid())
        if me is not None and run.tags.get(PROCESS_TAG) != me:
            instance.add_run_tags(run.run_id, {PROCESS_TAG: me})

        def log(line: str) -> None:  # straight into the run's log: the UI shows the wait as it happens
            instance.report_engine_event(line, run)

        # the data root of this process's environment, as WarehouseResource reads it by default
        with data_root_lock(data_paths(), f"dagster run {run.job_name}", run_id=run.run_id, log=log):
            yield from super().execute(plan_context, execution_plan)


def _create(init_context) -> LockedInProcessExecutor:
    plain = _core_in_process_executor_creation(init_context.executor_config)
    return LockedInProcessExecutor(
        retries=plain.retries, step_dependency_config=plain.step_dependency_config,
        marker_to_close=plain.marker_to_close)


locked_in_process_executor = dg.executor(name="npa_locked_in_process", config_schema=IN_PROC_CONFIG)(_create)
