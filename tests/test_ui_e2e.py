"""End to end through the Dagster UI's API: webserver and daemon on 127.0.0.1, a report launched as the
Launchpad launches it, and its four files on disk.

The data root is the generated `tiny` set, run once through the nightly pipeline in this process.
The webserver and the daemon run as subprocesses (each in a process group of its own, with the code
servers and run workers they start) from the repository root with `workspace.yaml`, a temporary
`DAGSTER_HOME` holding `pipelines/operations/dagster.yaml` and `NPA_DATA_DIR` pointing at that data
root. Their output goes to files that are printed when something fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pipeline_harness import prepare_data_dir, run_nightly

pytestmark = pytest.mark.xdist_group("ui")

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LOCATION = "npa_monitor"  # workspace.yaml
REPORT_JOB = "report_april_2023"
REPORT_OP = "produce_april_2023"
AS_OF = "2023-04-01"
REPORT_FILES = ("rapport.html", "rapport.pdf", "cijfers.xlsx", "manifest.json")

# Generous: two shared cores, a code location that imports dbt, a run worker that loads it again.
STARTUP_TIMEOUT_S = 300
RUN_TIMEOUT_S = 360
STOP_TIMEOUT_S = 30
TERMINAL_STATUSES = {"SUCCESS", "FAILURE", "CANCELED"}

# Loopback only: never through a proxy that may be configured in the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

WORKSPACE_QUERY = """
query Workspace {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on RepositoryLocation { name repositories { name jobs { name } } }
          ... on PythonError { message stack }
        }
      }
    }
    ... on PythonError { message stack }
  }
}
"""

# The Launchpad's mutation (LaunchPipelineExecution in the UI's source), with the same variables.
LAUNCH_MUTATION = """
mutation LaunchPipelineExecution($executionParams: ExecutionParams!) {
  launchPipelineExecution(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { id runId pipelineName status } }
    ... on RunConfigValidationInvalid { errors { message path reason } }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

RUN_QUERY = """
query RunStatus($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { runId status jobName runConfigYaml tags { key value } }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

RUN_LOGS_QUERY = """
query RunLogs($runId: ID!, $afterCursor: String) {
  logsForRun(runId: $runId, afterCursor: $afterCursor, limit: 1000) {
    __typename
    ... on EventConnection {
      cursor
      hasMore
      events {
        __typename
        ... on MessageEvent { message level eventType stepKey }
        ... on ErrorEvent { error { message stack cause { message stack } } }
      }
    }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

INSTIGATORS_QUERY = """
query Instigators($schedule: ScheduleSelector!, $sensor: SensorSelector!) {
  scheduleOrError(scheduleSelector: $schedule) {
    __typename
    ... on Schedule { name defaultStatus scheduleState { status } }
    ... on PythonError { message stack }
    ... on Error { message }
  }
  sensorOrError(sensorSelector: $sensor) {
    __typename
    ... on Sensor { name defaultStatus sensorState { status } }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""

DAEMON_HEALTH_QUERY = """
query DaemonHealth {
  instance { daemonHealth { allDaemonStatuses { daemonType required healthy lastHeartbeatTime } } }
}
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DagsterServices:
    """A webserver and a daemon started for one test module, and how to talk to them."""

    def __init__(self, base: Path, data_root: Path, reference_dir: Path):
        self.base = base
        self.data_root = data_root
        self.dagster_home = base / "dagster_home"
        self.dagster_home.mkdir()
        shutil.copyfile(REPO_ROOT / "pipelines" / "operations" / "dagster.yaml", self.dagster_home / "dagster.yaml")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        self.env = {
            **os.environ,
            "DAGSTER_HOME": str(self.dagster_home),
            "NPA_DATA_DIR": str(data_root),
            "NPA_REFERENCE_DIR": str(reference_dir),
            "PYTHONUNBUFFERED": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
        for name in ("NPA_AS_OF", "NPA_BUILD_DB", "NPA_RAW_DB"):  # the data folder decides
            self.env.pop(name, None)
        self.logs: dict[str, Path] = {}
        self.procs: dict[str, subprocess.Popen] = {}

    # processes -------------------------------------------------------------------------------

    def start(self) -> None:
        # create the run history's databases once, as `make dagster-home` does: two processes
        # creating the same SQLite database at the same moment can both stamp its schema version
        subprocess.run([str(BIN / "python"), "-c", "import dagster; dagster.DagsterInstance.get().dispose()"],
                       env=self.env, cwd=REPO_ROOT, check=True, timeout=300)
        self._spawn("webserver", [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(self.port)])
        self._spawn("daemon", [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"])

    def _spawn(self, name: str, args: list[str]) -> None:
        log = self.base / f"{name}.log"
        self.logs[name] = log
        with open(log, "wb") as out:
            # a session (and process group) of its own: the code servers and run workers it starts
            # inherit it, so one killpg stops them all
            self.procs[name] = subprocess.Popen(args, cwd=REPO_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        for proc in self.procs.values():
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in self.procs.values():
            # whatever is left of the group (the leader, or code servers and run workers it started)
            _signal_group(proc, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise AssertionError(f"dagster {name} exited early with code {proc.returncode}")

    def log_text(self, tail_chars: int = 30_000) -> str:
        parts = []
        for name, path in self.logs.items():
            text = path.read_text(errors="replace") if path.exists() else "(no log)"
            if len(text) > tail_chars:
                text = f"... ({len(text) - tail_chars} characters left off)\n" + text[-tail_chars:]
            parts.append(f"===== dagster {name} log ({path}) =====\n{text}")
        return "\n".join(parts)

    @contextlib.contextmanager
    def explain_failure(self) -> Iterator[None]:
        """Print the webserver's and daemon's logs (pytest shows them with the failure)."""
        try:
            yield
        except BaseException:
            print(self.log_text())
            raise

    # GraphQL ---------------------------------------------------------------------------------

    def gql(self, query: str, variables: dict | None = None, timeout: float = 60) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json", "Accept": "application/json"})
        with _OPENER.open(request, timeout=timeout) as response:
            payload = json.loads(response.read())
        assert not payload.get("errors"), f"GraphQL errors: {payload['errors']}"
        return payload["data"]

    def wait_for_location(self) -> str:
        """Wait until the webserver answers and has loaded the code location; return the repository name."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        last = "webserver not answering yet"
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                data = self.gql(WORKSPACE_QUERY, timeout=30)
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
                last = f"webserver not answering: {exc!r}"
            else:
                workspace = data["workspaceOrError"]
                assert workspace["__typename"] == "Workspace", workspace
                entries = {e["name"]: e for e in workspace["locationEntries"]}
                assert LOCATION in entries, f"no code location {LOCATION!r} in {sorted(entries)}"
                entry = entries[LOCATION]
                loaded = entry["locationOrLoadError"]
                if entry["loadStatus"] == "LOADED" and loaded is not None:
                    assert loaded["__typename"] == "RepositoryLocation", (
                        f"code location failed to load: {loaded.get('message')}\n{''.join(loaded.get('stack') or [])}")
                    repositories = loaded["repositories"]
                    assert len(repositories) == 1, repositories
                    jobs = {j["name"] for j in repositories[0]["jobs"]}
                    assert REPORT_JOB in jobs, sorted(jobs)
                    return repositories[0]["name"]
                last = f"code location {entry['loadStatus']}"
            time.sleep(2)
        raise AssertionError(f"webserver not ready after {STARTUP_TIMEOUT_S}s: {last}")

    def run_errors(self, run_id: str) -> list[str]:
        """The error messages of a run's event log (what the UI shows in red)."""
        messages: list[str] = []
        cursor = None
        for _ in range(50):  # bounded: at most 50,000 events
            result = self.gql(RUN_LOGS_QUERY, {"runId": run_id, "afterCursor": cursor})["logsForRun"]
            if result["__typename"] != "EventConnection":
                return [f"{result['__typename']}: {result.get('message')}"]
            for event in result["events"]:
                error = event.get("error")
                if event.get("level") in ("ERROR", "CRITICAL") or error:
                    line = f"[{event['__typename']} {event.get('stepKey') or ''}] {event.get('message')}"
                    while error:
                        line += f"\n  {error['message']}" + "".join(error.get("stack") or [])
                        error = error.get("cause")
                    messages.append(line)
            if not result["hasMore"]:
                break
            cursor = result["cursor"]
        return messages


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)  # start_new_session: the group id is the leader's pid


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory, reference_dir, dbt_manifest) -> Iterator[tuple[DagsterServices, str]]:
    base = tmp_path_factory.mktemp("ui_e2e")
    paths = prepare_data_dir(base / "data", reference_dir)
    result = run_nightly(paths)
    assert result.success, [e.message for e in result.all_events if e.is_failure]

    services = DagsterServices(base, paths.root, reference_dir)
    try:
        services.start()
        with services.explain_failure():
            repository = services.wait_for_location()
        yield services, repository
    finally:
        services.stop()


def test_schedule_and_sensor_are_running_by_default(dagster_ui):
    services, repository = dagster_ui
    with services.explain_failure():
        data = services.gql(INSTIGATORS_QUERY, {
            "schedule": {"repositoryLocationName": LOCATION, "repositoryName": repository,
                         "scheduleName": "nightly_refresh_schedule"},
            "sensor": {"repositoryLocationName": LOCATION, "repositoryName": repository,
                       "sensorName": "new_raw_files_sensor"},
        })
        schedule, sensor = data["scheduleOrError"], data["sensorOrError"]
        assert schedule["__typename"] == "Schedule", schedule
        assert schedule["defaultStatus"] == "RUNNING"
        assert schedule["scheduleState"]["status"] == "RUNNING"
        assert sensor["__typename"] == "Sensor", sensor
        assert sensor["defaultStatus"] == "RUNNING"
        assert sensor["sensorState"]["status"] == "RUNNING"


def test_report_launched_from_the_launchpad_writes_its_files(dagster_ui):
    services, repository = dagster_ui
    with services.explain_failure():
        execution_params = {
            "selector": {"repositoryLocationName": LOCATION, "repositoryName": repository, "pipelineName": REPORT_JOB},
            "mode": "default",
            # the Launchpad sends its editor's YAML text
            "runConfigData": f"ops:\n  {REPORT_OP}:\n    config:\n      as_of: '{AS_OF}'\n",
            "executionMetadata": {"tags": []},
        }
        launched = services.gql(LAUNCH_MUTATION, {"executionParams": execution_params})["launchPipelineExecution"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        assert launched["run"]["pipelineName"] == REPORT_JOB

        # queued -> dequeued by the daemon -> run worker -> done
        deadline = time.monotonic() + RUN_TIMEOUT_S
        status = None
        while time.monotonic() < deadline:
            services.check_alive()
            run = services.gql(RUN_QUERY, {"runId": run_id})["runOrError"]
            assert run["__typename"] == "Run", run
            status = run["status"]
            if status in TERMINAL_STATUSES:
                break
            time.sleep(3)
        if status != "SUCCESS":
            health = services.gql(DAEMON_HEALTH_QUERY)["instance"]["daemonHealth"]["allDaemonStatuses"]
            errors = "\n".join(services.run_errors(run_id)) or "(no error events)"
            pytest.fail(f"run {run_id} of {REPORT_JOB} ended {status} (limit {RUN_TIMEOUT_S}s)\n"
                        f"daemons: {health}\nerror events:\n{errors}")
        assert AS_OF in run["runConfigYaml"]

        out_dir = services.data_root / "reports" / "april-2023" / AS_OF
        missing = [name for name in REPORT_FILES if not (out_dir / name).is_file()]
        assert not missing, f"missing in {out_dir}: {missing}; present: {sorted(p.name for p in out_dir.parent.rglob('*'))}"
        for name in REPORT_FILES:
            assert (out_dir / name).stat().st_size > 0, name
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["as_of"] == AS_OF
        assert manifest["run_id"] == run_id
