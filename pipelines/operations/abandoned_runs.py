"""Runs executed in-process (`npa run`, `npa report`) whose process was killed.

A run executed with `execute_in_process` records itself STARTED in `$DAGSTER_HOME`; when its
process dies without a word (SIGKILL, the OOM killer, power loss) nobody marks it finished, and,
carrying the tag `npa/raw_db`, it holds the run queue's only slot for that tag forever: no
scheduled or sensor run would start again in `make ui`. So every in-process run is tagged with its
process, and the next one marks the runs of processes that are gone as failed.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

PROCESS_TAG = "npa/process"  # "<host>:<pid>:<start time>" of the process executing the run


def _process_identity(pid: int) -> str | None:
    """Host, pid and start time (so a reused pid is not mistaken for the process); None off Linux."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    start_time = stat[stat.rindex(")") + 2 :].split()[19]
    return f"{socket.gethostname()}:{pid}:{start_time}"


def fail_abandoned_runs(instance) -> list[str]:
    """Mark runs of this host whose executing process is gone as failed; returns their run ids.

    Called before every in-process run and by the new-file sensor, so a killed CLI run does not block
    the queue even when only `make ui` runs afterwards."""
    import dagster as dg

    me = _process_identity(os.getpid())
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
        if _process_identity(pid) != owner:
            instance.report_run_failed(run, f"the process that executed this run ({owner}) is gone: killed")
            failed.append(run.run_id)
    return failed


def in_process_run_tags(instance) -> dict[str, str]:
    """Tags for a run about to execute in this process; first fails the runs left by dead ones."""
    me = _process_identity(os.getpid())
    if me is None:
        return {}
    fail_abandoned_runs(instance)
    return {PROCESS_TAG: me}
