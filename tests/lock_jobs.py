"""A small job with the pipeline's locking executor, for tests/test_lock.py: it stands in for a
run the daemon launches (same executor, no dbt), so the lock and the abandoned-run sweep can be
tested in seconds. Run as a script it executes the job as the daemon's run worker would (the
job's own executor, not execute_in_process) and prints the run id."""

import os
import sys
import time
from pathlib import Path

import dagster as dg

from pipelines.operations.locked_executor import locked_in_process_executor


@dg.op
def hold_the_data_root(context: dg.OpExecutionContext) -> None:
    folder = os.environ.get("LOCK_TEST_DIR")
    if not folder:
        return
    (Path(folder) / "inside.reached").write_text(f"{os.getpid()}\n")
    while not (Path(folder) / "inside.release").exists():
        time.sleep(0.05)


@dg.job(executor_def=locked_in_process_executor, tags={"npa/raw_db": "1"})
def locked_job():
    hold_the_data_root()


def execute(instance: dg.DagsterInstance):
    return dg.execute_job(dg.reconstructable(locked_job), instance=instance)


if __name__ == "__main__":
    from tests import lock_jobs  # by its module name: a job of __main__ cannot be reconstructed

    with dg.DagsterInstance.get() as inst:
        result = lock_jobs.execute(inst)
        print(result.run_id)
        sys.exit(0 if result.success else 1)
