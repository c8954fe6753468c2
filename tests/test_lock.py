"""The data root's lock, with real processes: two `npa run` at once (the second waits, or stops
with a clear message after its timeout, never a traceback); a run killed with SIGKILL leaves
neither the lock nor the run queue held; a run launched the daemon's way (the job's own locking
executor) waits for a CLI run and is swept up by the sensor when killed.

The first run is paused mid-ingest with the test-only hook (pipelines/operations/stage_hooks.py),
so the second one certainly arrives while the first holds the lock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.config import DataPaths
from pipelines.operations.abandoned_runs import PROCESS_TAG
from pipelines.operations.data_lock import DataRootBusy, data_root_lock, read_holder
from tests.pipeline_harness import cli_env, prepare_data_dir

pytestmark = pytest.mark.xdist_group("lock")

REPO_ROOT = Path(__file__).resolve().parent.parent
NPA = Path(sys.executable).parent / "npa"
PAUSE = "ingest.between_files"
TIMEOUT = 600


def _start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdout=(log.with_suffix(".out")).open("wb"),
                            stderr=log.with_suffix(".err").open("wb"), start_new_session=True)


def _wait_for(predicate, what: str, proc: subprocess.Popen | None = None, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"process ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def _text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def _kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)


@pytest.fixture
def data_root(tmp_path: Path, reference_dir: Path, dbt_manifest) -> tuple[DataPaths, dict, dict, Path]:
    paths = prepare_data_dir(tmp_path / "data", reference_dir)
    home = tmp_path / "dagster_home"
    home.mkdir()
    pause_dir = tmp_path / "pause"
    return (paths, cli_env(paths, reference_dir, home, pause_dir, PAUSE),
            cli_env(paths, reference_dir, home, pause_dir), pause_dir)


def test_a_second_run_waits_for_the_first_or_stops_clearly_after_its_timeout(data_root, tmp_path: Path):
    paths, paused_env, env, pause_dir = data_root
    first = _start([str(NPA), "run", "--skip-reports"], paused_env, tmp_path / "first")
    try:
        _wait_for(lambda: (pause_dir / f"{PAUSE}.reached").exists(), "the first run to pause mid-ingest", first)
        holder = read_holder(paths)
        assert holder["pid"] == first.pid and holder["command"] == "npa run --skip-reports", holder

        # with a short timeout: a clear message and exit code 3, no traceback
        started = time.monotonic()
        impatient = subprocess.run([str(NPA), "run", "--skip-reports", "--lock-timeout", "2"], cwd=REPO_ROOT,
                                   env=env, capture_output=True, text=True, timeout=120)
        assert impatient.returncode == 3, impatient.stderr
        assert time.monotonic() - started < 60
        assert "Traceback" not in impatient.stderr + impatient.stdout
        assert f"in use by pid {first.pid}" in impatient.stderr
        assert "`npa run --skip-reports`" in impatient.stderr and "since" in impatient.stderr
        assert "gave up after waiting 2 s" in impatient.stderr

        # without: it waits, saying for whom, and goes on once the first has finished
        second = _start([str(NPA), "run", "--skip-reports"], env, tmp_path / "second")
        try:
            _wait_for(lambda: "waiting" in _text(tmp_path / "second.err"), "the second run's waiting message", second)
            assert f"in use by pid {first.pid}" in _text(tmp_path / "second.err")
            time.sleep(2)
            assert second.poll() is None, "the second run did not wait"
            assert first.poll() is None
            (pause_dir / f"{PAUSE}.release").write_text("")
            assert first.wait(timeout=TIMEOUT) == 0, _text(tmp_path / "first.err")[-3000:]
            assert second.wait(timeout=TIMEOUT) == 0, _text(tmp_path / "second.err")[-3000:]
        finally:
            _kill_group(second)
    finally:
        (pause_dir / f"{PAUSE}.release").write_text("")
        _kill_group(first)
    for name in ("first", "second"):
        assert "Traceback" not in _text(tmp_path / f"{name}.err") + _text(tmp_path / f"{name}.out"), name
    assert "is free: continuing" in _text(tmp_path / "second.err")
    assert "nothing changed since the published release" in _text(tmp_path / "second.out")


def _nightly_runs(env: dict) -> list[dg.DagsterRun]:
    os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
    with dg.DagsterInstance.get() as instance:
        return list(instance.get_runs(dg.RunsFilter(job_name="nightly_refresh")))


def _sweep(env: dict) -> list[str]:
    """One tick of the daemon's release_abandoned_runs sensor against the run history of `env`."""
    from pipelines.operations.schedules import release_abandoned_runs

    os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
    with dg.DagsterInstance.get() as instance:
        result = release_abandoned_runs(dg.build_sensor_context(instance=instance))
    return [result.skip_message]


def test_a_killed_run_leaves_neither_the_lock_nor_the_queue_held(data_root, tmp_path: Path, monkeypatch):
    paths, paused_env, env, pause_dir = data_root
    monkeypatch.setenv("DAGSTER_HOME", env["DAGSTER_HOME"])
    victim = _start([str(NPA), "run", "--skip-reports"], paused_env, tmp_path / "victim")
    try:
        _wait_for(lambda: (pause_dir / f"{PAUSE}.reached").exists(), "the run to pause mid-ingest", victim)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=60)
    finally:
        _kill_group(victim)
    [run] = _nightly_runs(env)
    assert run.status == dg.DagsterRunStatus.STARTED and run.tags[PROCESS_TAG].split(":")[1] == str(victim.pid)

    # the kernel dropped the lock with the process: taken at once
    with data_root_lock(paths, "test", timeout=0):
        pass
    # the daemon's sweep marks the run failed, so the queue's npa/raw_db slot is free again
    [message] = _sweep(env)
    assert run.run_id in message
    [run] = _nightly_runs(env)
    assert run.status == dg.DagsterRunStatus.FAILURE

    # and the next run goes ahead without waiting
    nxt = subprocess.run([str(NPA), "run", "--skip-reports"], cwd=REPO_ROOT, env=env, capture_output=True,
                         text=True, timeout=TIMEOUT)
    assert nxt.returncode == 0, nxt.stderr[-3000:]
    assert "waiting" not in nxt.stderr and "Traceback" not in nxt.stderr
    statuses = [r.status for r in _nightly_runs(env)]
    assert statuses == [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]


def test_a_launched_run_waits_for_the_lock_and_is_swept_up_when_killed(tmp_path: Path, monkeypatch):
    """The job's own executor (what the daemon's run worker uses): waits for a holder, says so in
    the run's log, tags the run with its process; killed, the sensor fails it."""
    from tests import lock_jobs

    paths = DataPaths(tmp_path / "data")
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("NPA_DATA_DIR", str(paths.root))
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv("LOCK_TEST_DIR", raising=False)
    monkeypatch.setenv("NPA_LOCK_TIMEOUT", "300")  # a broken test fails instead of waiting 3 hours
    # create the run history once, here: two instances creating it at once (the watcher thread
    # below and the run) can both try to create its tables
    dg.DagsterInstance.get().dispose()
    release = tmp_path / "holder.release"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import os, time; from pathlib import Path; from pipelines.config import data_paths; "
         "from pipelines.operations.data_lock import data_root_lock\n"
         "with data_root_lock(data_paths(), 'npa run (test holder)'):\n"
         "    print('held', flush=True)\n"
         f"    while not Path({str(release)!r}).exists(): time.sleep(0.05)"],
        cwd=REPO_ROOT, env={**os.environ}, stdout=subprocess.PIPE, text=True)

    def release_once_the_run_waits() -> None:
        # the holder lets go once the run's log says it waits for it (at the latest after 120 s,
        # and also when reading the run history fails under load: the test then fails, not hangs)
        try:
            with dg.DagsterInstance.get() as watcher:
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    try:
                        if any("waiting" in (e.message or "") for r in watcher.get_runs()
                               for e in watcher.all_logs(r.run_id)):
                            return
                    except Exception:  # sqlite busy while the run writes: look again
                        pass
                    time.sleep(0.2)
        finally:
            release.write_text("")

    import threading

    try:
        assert holder.stdout.readline().strip() == "held"
        releaser = threading.Thread(target=release_once_the_run_waits, daemon=True)
        releaser.start()
        with dg.DagsterInstance.get() as instance:
            result = lock_jobs.execute(instance)
            assert result.success
            run = instance.get_run_by_id(result.run_id)
            logs = [e.message for e in instance.all_logs(result.run_id) if e.message]
        releaser.join(timeout=10)
        assert any(f"in use by pid {holder.pid}" in m and "npa run (test holder)" in m for m in logs), logs
        assert any("is free: continuing" in m for m in logs), logs
        assert run.tags[PROCESS_TAG].split(":")[1] == str(os.getpid())
    finally:
        release.write_text("")
        holder.kill()
        holder.wait()

    # a run worker killed inside its step: STARTED with its process tag, then swept up
    pause = tmp_path / "pause"
    pause.mkdir()
    worker = subprocess.Popen([sys.executable, "-m", "tests.lock_jobs"], cwd=REPO_ROOT,
                              env={**os.environ, "LOCK_TEST_DIR": str(pause)}, start_new_session=True)
    try:
        _wait_for(lambda: (pause / "inside.reached").exists(), "the launched run's step", worker, timeout=120)
        assert read_holder(paths)["command"] == "dagster run locked_job"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=60)
    finally:
        _kill_group(worker)
    with dg.DagsterInstance.get() as instance:
        [killed] = [r for r in instance.get_runs() if r.status == dg.DagsterRunStatus.STARTED]
        assert killed.tags[PROCESS_TAG].split(":")[1] == str(worker.pid)
    env = {"DAGSTER_HOME": str(home)}
    [message] = _sweep(env)
    assert killed.run_id in message
    with dg.DagsterInstance.get() as instance:
        assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
    with data_root_lock(paths, "test", timeout=0):  # and the lock went with the process
        pass


def test_the_lock_is_reentrant_in_one_process_and_times_out_with_the_holder_named(tmp_path: Path):
    paths = DataPaths(tmp_path / "data")
    with data_root_lock(paths, "outer"):
        with data_root_lock(paths, "inner", timeout=0):  # npa run -> nightly job -> report
            assert read_holder(paths)["command"] == "outer"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import time; from pipelines.config import DataPaths; from pathlib import Path; "
         f"from pipelines.operations.data_lock import data_root_lock\n"
         f"with data_root_lock(DataPaths(Path({str(paths.root)!r})), 'npa report april-2023'):\n"
         f"    print('held', flush=True); time.sleep(30)"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        said: list[str] = []
        with pytest.raises(DataRootBusy, match=rf"pid {holder.pid} .*npa report april-2023.*gave up after waiting 0 s"):
            with data_root_lock(paths, "test", timeout=0.5, log=said.append):
                pass
        assert len(said) == 1 and "waiting" in said[0]
    finally:
        holder.kill()
        holder.wait()
