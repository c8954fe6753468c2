"""Runs whose process was killed: in-process CLI runs (`npa run`, `npa report`) and runs the
daemon launched (their run worker process).

A run executed with `execute_in_process` records itself STARTED in `$DAGSTER_HOME`; when its
process dies without a word (SIGKILL, the OOM killer, power loss) nobody marks it finished, and,
carrying the tag `npa/raw_db`, it holds the run queue's only slot for that tag forever: no
scheduled or sensor run would start again in `make ui`. The same holds for a run worker the daemon
started and something killed: the stock run launcher does not watch its workers' health. So every
run is tagged with its process (CLI runs when they start, launched runs by `locked_executor` when
their steps start), and the next CLI run or the sensor marks the runs of processes that are gone
as failed.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

PROCESS_TAG = "npa/process"  # "<host>:<pid>:<start time>" of the process executing the run


def process_identity(pid: int) -> str | None:
    """Host, pid and start time (so a reused pid is not mistaken for the process); None off Linux."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    start_time = stat[stat.rindex(")") + 2 :].split()[19]
    return f"{socket.gethostname()}:{pid}:{start_time}"


_process_identity = process_identity  # the earlier private name (tests/test_operations.py)


def fail_abandoned_runs(instance) -> list[str]:
    """Mark runs of this host whose executing process is gone as failed; returns their run ids.

    Called before every in-process run and by the daemon's `release_abandoned_runs` sensor every
    30 s, so a killed run (CLI or launched by the daemon: `locked_executor` tags those too) does not
    block the queue even when only `make ui` runs afterwards."""
    import dagster as dg

    me = process_identity(os.getpid())
    if me is None:
        return []
    host = me.rsplit(":", 2)[0]
    in_progress = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
    failed = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=in_progress)):
        run = record.dagster_run
        owner = run.tags.get(PROCESS_TAG)
        if not owner or owner.rsplit(":", 2)[0] != host:
            continue
        pid = int(owner.rsplit(":", 2)[1])
        if process_identity(pid) != owner:
            instance.report_run_failed(run, f"the process that executed this run ({owner}) is gone: killed")
            failed.append(run.run_id)
    return failed


def in_process_run_tags(instance) -> dict[str, str]:
    """Tags for a run about to execute in this process; first fails the runs left by dead ones."""
    me = process_identity(os.getpid())
    if me is None:
        return {}
    fail_abandoned_runs(instance)
    return {PROCESS_TAG: me}
