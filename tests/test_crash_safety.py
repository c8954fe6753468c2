"""Crash safety: a nightly run killed at any stage leaves the published release and the raw files as
they were, and the next run succeeds and publishes what an uninterrupted run would have.

The run is `npa run --skip-reports` in a subprocess of its own session, paused by the test-only hook
`pipelines/operations/stage_hooks.py` at a named stage (so the kill lands mid-work at a known
point), then killed with SIGKILL, the whole process group (the dbt child too).

That two runs on the same inputs publish the same contents apart from the audit columns is
tests/test_pipeline_e2e.py::test_second_run_reads_nothing_again_and_publishes_the_same.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.config import DataPaths
from pipelines.warehouse.build_inputs import built_from
from tests.pipeline_harness import cli_env, prepare_data_dir, published, run_nightly

pytestmark = pytest.mark.xdist_group("crash")

REPO_ROOT = Path(__file__).resolve().parent.parent
NPA = Path(sys.executable).parent / "npa"
AUDIT_COLUMNS = {"run_id", "checked_at", "loaded_at"}
STAGES = ["ingest.between_files", "dbt.inside_build", "publish.writing_release", "publish.before_swap"]
REACH_TIMEOUT = 600
RUN_TIMEOUT = 900


# --- what is compared --------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _file_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): _sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def _release_state(paths: DataPaths) -> dict:
    """The published release exactly: where `current` points, its files, every table's rows read
    through a read-only connection, and every Parquet file read back."""
    current = paths.marts / "current"
    state = {"current": os.readlink(current), "files": _file_hashes(current.resolve()), "tables": {}}
    con = duckdb.connect(str(paths.marts / "warehouse.duckdb"), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        assert len(tables) == 14, tables
        for table in tables:
            rows = con.execute(f"select * from marts.{table} order by all").fetchall()
            parquet = str(paths.marts / "parquet" / f"{table}.parquet")
            assert con.execute("select * from read_parquet(?) order by all", [parquet]).fetchall() == rows, table
            state["tables"][table] = rows
    finally:
        con.close()
    return state


def _contents(paths: DataPaths) -> dict[str, list[tuple]]:
    """Every mart without the audit columns and load_log's status (marts.md: these may differ)."""
    out = {}
    tables = [t for (t,) in published(paths, "select table_name from information_schema.tables where table_schema = 'marts' order by 1")]
    for table in tables:
        cols = [c for (c,) in published(paths, "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? order by ordinal_position", [table])
                if c not in AUDIT_COLUMNS and not (table == "load_log" and c == "status")]
        out[table] = published(paths, f"select {', '.join(cols)} from marts.{table} order by all")
    return out


# --- running the CLI ---------------------------------------------------------------------------

def _group_members(pgid: int) -> list[tuple[int, str]]:
    """Live processes of a process group: (pid, command line)."""
    members = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                members.append((int(proc.name), cmdline))
        except (OSError, ValueError):
            continue
    return members


def _run_and_kill(env: dict, pause_at: str, pause_dir: Path, log: Path) -> list[tuple[int, str]]:
    """Start `npa run`, wait until it pauses at `pause_at`, SIGKILL its whole process group.
    Returns the group's processes as they were at the kill."""
    with log.open("wb") as out:
        proc = subprocess.Popen([str(NPA), "run", "--skip-reports"], cwd=REPO_ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        marker = pause_dir / f"{pause_at}.reached"
        deadline = time.monotonic() + REACH_TIMEOUT
        while not marker.exists():
            if proc.poll() is not None:
                pytest.fail(f"the run ended (exit {proc.returncode}) before reaching {pause_at}:\n"
                            f"{log.read_text(errors='replace')[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"the run did not reach {pause_at} in {REACH_TIMEOUT} s")
            time.sleep(0.1)
        members = _group_members(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _group_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _group_members(proc.pid), "processes of the killed run survived"
        return members
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _run_statuses(dagster_home: Path, monkeypatch) -> list[str]:
    """Statuses of the nightly runs recorded in `dagster_home`, oldest first."""
    import dagster as dg

    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(dg.RunsFilter(job_name="nightly_refresh"))
    return [run.status.value for run in reversed(runs)]


# --- fixtures ----------------------------------------------------------------------------------

def _change_inputs(paths: DataPaths, held_back: Path, removed_to: Path) -> dict[str, list[str]]:
    """The second run's inputs: two workbooks held back from the first run arrive (new files, so
    the ingest parses them one after the other), and one workbook of the first run disappears."""
    added = sorted(p.name for p in held_back.iterdir())
    for name in added:
        shutil.copy2(held_back / name, paths.agreements / name)
    victim = sorted(paths.agreements.glob("*.xlsx"))[-1]
    assert victim.name not in added
    removed_to.mkdir(parents=True, exist_ok=True)
    victim.rename(removed_to / victim.name)
    return {"added": [f"agreements/{n}" for n in added], "removed": [f"agreements/{victim.name}"]}


@pytest.fixture(scope="module")
def published_root(tmp_path_factory, reference_dir, dbt_manifest):
    """A data root after one successful nightly run, with two workbooks held back for later."""
    base = tmp_path_factory.mktemp("crash-base")
    paths = prepare_data_dir(base / "data", reference_dir)
    held_back = base / "held_back"
    held_back.mkdir()
    workbooks = sorted(paths.agreements.glob("*.xlsx"))
    assert len(workbooks) >= 4, workbooks
    for wb in workbooks[:2]:
        wb.rename(held_back / wb.name)
    result = run_nightly(paths)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return paths, held_back


@pytest.fixture(scope="module")
def uninterrupted(published_root, tmp_path_factory):
    """What a run on the changed inputs publishes when nobody kills anything."""
    paths, held_back = published_root
    root = tmp_path_factory.mktemp("crash-control") / "data"
    shutil.copytree(paths.root, root, symlinks=True)
    control = DataPaths(root)
    _change_inputs(control, held_back, root.parent / "taken_away")
    result = run_nightly(control)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return _contents(control)


# --- the tests ---------------------------------------------------------------------------------

@pytest.mark.parametrize("stage", STAGES)
def test_a_run_killed_at_a_stage_changes_nothing_published_and_the_next_run_recovers(
    stage, published_root, uninterrupted, tmp_path, reference_dir, monkeypatch
):
    source, held_back = published_root
    paths = DataPaths(tmp_path / "data")
    shutil.copytree(source.root, paths.root, symlinks=True)
    changes = _change_inputs(paths, held_back, tmp_path / "taken_away")
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    shutil.copyfile(REPO_ROOT / "pipelines" / "operations" / "dagster.yaml", dagster_home / "dagster.yaml")
    pause_dir = tmp_path / "pause"

    raw_before = _file_hashes(paths.raw)
    release_before = _release_state(paths)
    old_contents = _contents(paths)
    assert old_contents != uninterrupted, "the changed inputs must make a different release"

    members = _run_and_kill(
        cli_env(paths, reference_dir, dagster_home, pause_dir, stage), stage, pause_dir, tmp_path / "killed.log"
    )

    # the kill landed where it was meant to
    releases = paths.marts / "releases"
    if stage == "ingest.between_files":
        # the first new workbook's rows were written, uncommitted: none of it is in the raw layer
        con = duckdb.connect(str(paths.raw_db), read_only=True)
        try:
            first = changes["added"][0]
            rows = con.execute("select count(*) from raw.agreement_rows where source_file = ?", [first]).fetchone()
            logged = con.execute("select count(*) from raw.load_log where file_path = ?", [first]).fetchone()
            assert (rows, logged) == ((0,), (0,))
        finally:
            con.close()
    if stage == "dbt.inside_build":
        assert any("dbt" in cmd and " build " in cmd for _, cmd in members), members  # dbt was still running
        # the half-built database no longer vouches for its tables: an as-of build must not take them
        assert built_from(paths.build_db) is None
    if stage == "publish.writing_release":
        partial = list(releases.glob(".*.partial"))
        assert len(partial) == 1 and list((partial[0] / "parquet").glob("*.parquet")), partial
    if stage == "publish.before_swap":
        complete = {p.name for p in releases.iterdir() if not p.name.startswith(".")}
        assert len(complete) == 2, complete  # the new release is complete, but not current

    # nothing published changed, no raw file lost or touched
    assert _release_state(paths) == release_before
    assert _file_hashes(paths.raw) == raw_before

    # the next run succeeds and publishes what an uninterrupted run publishes
    log = tmp_path / "next.log"
    with log.open("wb") as out:
        done = subprocess.run([str(NPA), "run", "--skip-reports"], cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
                              env=cli_env(paths, reference_dir, dagster_home, pause_dir), timeout=RUN_TIMEOUT)
    assert done.returncode == 0, log.read_text(errors="replace")[-4000:]
    assert os.readlink(paths.marts / "current") != release_before["current"]
    assert _contents(paths) == uninterrupted
    statuses = dict(published(paths, "select file_path, status from marts.load_log"))
    assert [statuses[f] for f in changes["removed"]] == ["removed"]
    assert {statuses[f] for f in changes["added"]} <= {"loaded", "unchanged"}
    assert not list(releases.glob(".*.partial")), "a half-written release was left behind"
    assert _file_hashes(paths.raw) == raw_before
    # the killed run no longer counts as in progress: it would hold the run queue's npa/raw_db slot
    assert _run_statuses(dagster_home, monkeypatch) == ["FAILURE", "SUCCESS"]
