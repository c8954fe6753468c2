"""One lock per data root: at most one process writes under `<data root>/` at a time.

DuckDB lets one process open a database file read-write; a second one fails at once with a
"Could not set lock on file" error. Two writers of one data root (a nightly and a report's as-of
build, two nightlies, a run from the UI and one from the command line) therefore take this lock
first, and the second waits for the first, saying for whom it waits, or stops with
`DataRootBusy` after a timeout.

The lock is `fcntl.flock` on `<data root>/work/npa.lock`. The kernel releases it when the process
that holds it exits in any way (SIGKILL and the OOM killer included), so a killed run never leaves
it held and there is nothing to clean up. The file also holds a JSON record of the holder (pid,
process identity, command, run id, since when), written once the lock is taken; it is only ever
read to tell a waiting process who it waits for, never to decide whether the lock is free.

Within one process the lock is re-entrant: `npa run` holds it for the whole command and the
nightly job and the reports it runs take it again without waiting for themselves.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pipelines.config import DataPaths

LOCK_NAME = "npa.lock"
#: seconds to wait for the lock before giving up (`npa ... --lock-timeout` overrides it)
TIMEOUT_ENV = "NPA_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 3 * 3600.0  # a national nightly takes about a minute; waiting hours is a hang
POLL_SECONDS = 0.2


class DataRootBusy(RuntimeError):
    """The lock was not free within the timeout. The message says who holds it."""


@dataclass
class _Held:
    fd: int
    depth: int


_held: dict[Path, _Held] = {}
_guard = threading.Lock()


def lock_path(paths: DataPaths) -> Path:
    return paths.work / LOCK_NAME


def default_timeout() -> float:
    value = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        return float(value) if value else DEFAULT_TIMEOUT
    except ValueError:
        raise ValueError(f"{TIMEOUT_ENV} must be a number of seconds, got {value!r}") from None


def read_holder(paths: DataPaths) -> dict | None:
    """The record the holder wrote (may be that of a holder that has since exited)."""
    try:
        text = lock_path(paths).read_text()
        return json.loads(text) if text.strip() else None
    except (OSError, ValueError):
        return None


def describe_holder(holder: dict | None) -> str:
    if not holder:
        return "another process (it has not written its record yet)"
    since = holder.get("started", "?")
    try:
        started = dt.datetime.fromisoformat(since)
        age = (dt.datetime.now(dt.timezone.utc) - started).total_seconds()
        since = f"{started:%Y-%m-%d %H:%M:%S} UTC, {age:.0f} s ago"
    except (TypeError, ValueError):
        pass
    run = f", run {holder['run_id']}" if holder.get("run_id") else ""
    return f"pid {holder.get('pid', '?')} on {holder.get('host', '?')} (`{holder.get('command', '?')}`{run}, since {since})"


def _process_identity() -> str | None:
    from pipelines.operations.abandoned_runs import process_identity

    return process_identity(os.getpid())


def _write_record(fd: int, command: str, run_id: str | None) -> None:
    import socket

    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "process": _process_identity(),
        "command": command,
        "run_id": run_id,
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    data = (json.dumps(record, sort_keys=True) + "\n").encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


@contextlib.contextmanager
def data_root_lock(
    paths: DataPaths,
    command: str,
    timeout: float | None = None,
    run_id: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the data root's lock for the block; wait for it at most `timeout` seconds.

    `command`: what this process does, for the record a waiting process reads. `log`: where the
    waiting message goes (default stderr). Raises `DataRootBusy` when the timeout passes."""
    paths.work.mkdir(parents=True, exist_ok=True)
    path = lock_path(paths).resolve()
    with _guard:
        held = _held.get(path)
        if held is not None:  # this process holds it already (npa run -> nightly job -> report)
            held.depth += 1
    if held is not None:
        try:
            yield
        finally:
            with _guard:
                held.depth -= 1
        return

    timeout = default_timeout() if timeout is None else timeout
    say = log or (lambda text: print(text, file=sys.stderr, flush=True))
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        _acquire(fd, paths, timeout, say)
        _write_record(fd, command, run_id)
        with _guard:
            _held[path] = _Held(fd, 1)
        try:
            yield
        finally:
            with _guard:
                del _held[path]
            # the record stays: read without the lock it would say nothing more than "free"
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


_NOT_YET = object()


def _acquire(fd: int, paths: DataPaths, timeout: float, say: Callable[[str], None]) -> None:
    deadline = time.monotonic() + timeout
    announced: object = _NOT_YET
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if announced is not _NOT_YET:
                say(f"data root {paths.root} is free: continuing")
            return
        except BlockingIOError:
            pass
        holder = read_holder(paths)
        who = describe_holder(holder)
        if time.monotonic() >= deadline:
            raise DataRootBusy(
                f"data root {paths.root} is in use by {who}; gave up after waiting {timeout:.0f} s. "
                f"Try again when it has finished (or wait longer: --lock-timeout SECONDS or ${TIMEOUT_ENV})."
            )
        key = (holder or {}).get("pid"), (holder or {}).get("started")
        if key != announced:  # once per holder, not once per poll
            say(f"data root {paths.root} is in use by {who}: waiting (at most {timeout:.0f} s) ...")
            announced = key
        time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
