"""Helpers for invoking dbt: arguments, environment, the build folder, and a plain dbt run.

dbt parses the whole project again (about 5 s) whenever a var, the profile or the target changes,
and the files that read an environment variable at parse time when that variable's value changes.
So nothing that changes between builds goes through vars or the profile:
- the reference date and the run's identity (run id, check time) are environment variables read
  only when a node runs (macros/runtime_env.sql), and there are no `--vars`;
- the databases are `~/build.duckdb` and `~/raw_layer.duckdb` in profiles.yml, and dbt runs with
  HOME set to the build's folder (DuckDB expands `~` there);
- the memory limit is set by a hook (macros/session_settings.sql).
The profile's text is then the same for every build in every data folder, and the partial parse
state prepared by `make manifest` (copied into a new target folder) serves the
first build of a fresh data folder too.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR, DataPaths

# dbt comes with this environment; the venv's bin folder need not be on PATH (e.g. under make)
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

# the file names profiles.yml gives the build database and the raw layer in the build folder
BUILD_DB_NAME = "build.duckdb"
RAW_DB_NAME = "raw_layer.duckdb"

# DuckDB spills most operators to disk beyond its memory limit, but not all of them: matching
# dwellings across snapshots (int_dwellings_matched) needs memory in proportion to the register.
# Measured: national (4.6 M units) fails at 650 MB and works at 800 MB; twice national fails at
# 1.3 GB and works at 1.6 GB (2026-11-29): about 150-175 MB per million units, so 220 leaves a
# margin of a quarter or more. So the limit follows the register, with a floor, unless
# $NPA_DBT_MEMORY_LIMIT says otherwise. Rounded to 100 MB.
MEMORY_FLOOR_MB = 900
MEMORY_MB_PER_MILLION_UNITS = 220
# Up to this many units a full build matches dwellings at once; beyond it, in batches of
# corporations (macros/register_increment.sql), so the limit follows the register up to here and
# no further, and the build stays under 2 GB. Batches are smaller than that limit requires: each
# spills less, and the few bag ids shared across corporations make a batch cheap to select.
# Measured 2026-12-07, dwelling matching alone: national (4.6 M) 2.75 s at once, 3.2 s in two
# batches; twice national (9.2 M) 10.2 s in two batches, 8.8 in three, 7.8 in four, 8.4 in six.
DWELLING_SINGLE_BATCH_UNITS = 5_000_000
DWELLING_BATCH_UNITS = 2_500_000

# dbt unit tests exercise the SQL logic on fixed inputs; they belong in `make test` (CI), not in
# every nightly or report build, where they would add about 7 s of work at any data scale.
NIGHTLY_EXCLUDE = "resource_type:unit_test"


def dbt_build_args(select: str | None = None, exclude: str | None = NIGHTLY_EXCLUDE,
                   indirect_selection: str | None = None, full_refresh: bool = False) -> list[str]:
    # --no-write-json: dbt would write manifest.json (2 MB) twice and run_results.json, which
    # nothing here reads (the assets follow dbt's log stream; dbt.log in the target folder has
    # the timings); the partial parse state is still written
    args = ["build", "--no-write-json"]
    if select:
        args += ["--select", select]
    if exclude:
        args += ["--exclude", exclude]
    if indirect_selection:
        args += ["--indirect-selection", indirect_selection]
    if full_refresh:
        # the incremental register models are rebuilt from scratch (pipelines/warehouse/increment.py)
        args.append("--full-refresh")
    return args


def dwelling_batches(register_units: int) -> int:
    """How many batches of corporations a full build matches dwellings in."""
    if register_units <= DWELLING_SINGLE_BATCH_UNITS:
        return 1
    return -(-register_units // DWELLING_BATCH_UNITS)


def dbt_memory_limit(register_units: int, override: str | None = None) -> str:
    """DuckDB's memory limit for a dbt build over a register of `register_units` rows."""
    if override:
        return override
    needed = MEMORY_MB_PER_MILLION_UNITS * min(register_units, DWELLING_SINGLE_BATCH_UNITS) / 1_000_000
    return f"{max(MEMORY_FLOOR_MB, -(-int(needed) // 100) * 100)}MB"


def prepare_build_folder(paths: DataPaths, build_db: Path) -> Path:
    """The folder dbt runs in (its HOME): `build_db` must be `<folder>/build.duckdb`; the raw layer
    is linked in as `raw_layer.duckdb` unless it is already there (the nightly build)."""
    folder = build_db.parent
    if build_db.name != BUILD_DB_NAME:
        raise ValueError(f"a dbt build database must be named {BUILD_DB_NAME}, not {build_db}")
    folder.mkdir(parents=True, exist_ok=True)
    raw = folder / RAW_DB_NAME
    if raw.resolve() != paths.raw_db.resolve():
        # a symbolic link: DuckDB follows it to the file (and finds that file's WAL beside it)
        raw.unlink(missing_ok=True)
        raw.symlink_to(os.path.relpath(paths.raw_db, folder))
    return folder


def dbt_env(
    paths: DataPaths,
    build_db: Path | None = None,
    as_of: dt.date | None = None,
    run_id: str = "manual",
    checked_at: dt.datetime | None = None,
    register_units: int = 0,
    incremental: bool = False,
) -> dict[str, str]:
    """The variables the dbt process reads: HOME, the folder holding the build database and the
    raw layer (profiles.yml); DuckDB's memory limit; the reference date (macros/as_of.sql); the
    run's audit values (marts/dq_findings.sql). Call `prepare_build_folder` first."""
    return {
        "HOME": str((build_db or paths.build_db).parent),
        "NPA_DBT_MEMORY": dbt_memory_limit(register_units, os.environ.get("NPA_DBT_MEMORY_LIMIT")),
        "NPA_AS_OF": as_of.isoformat() if as_of else "",
        "NPA_RUN_ID": run_id,
        "NPA_CHECKED_AT": checked_at.replace(microsecond=0).isoformat() if checked_at else "",
        # the incremental register models replace only the files in increment.register_files_changed
        "NPA_INCREMENTAL": "1" if incremental else "",
        "NPA_DWELLING_BATCHES": str(dwelling_batches(register_units)),
    }


# profiles.yml's overrides of the two database paths; never handed to the pipeline's dbt builds
PROFILE_OVERRIDES = ("NPA_BUILD_DB", "NPA_RAW_DB")


def process_environment(values: Mapping[str, str]) -> dict[str, str]:
    """This process's environment for a dbt child started directly: `values` added, the profile's
    path overrides left out, so that every build goes where its HOME says."""
    env = {name: value for name, value in os.environ.items() if name not in PROFILE_OVERRIDES}
    env.update(values)
    return env


class DbtInvocation:
    """One dbt command as a child process, its JSON log read line by line (`events`).

    What dagster-dbt does, without importing it (dagster-dbt imports dbt: about 2 s of the start of
    every process that loads it): dbt logs JSON lines to stdout, the target folder starts from the
    partial parse state of `make manifest`, and `returncode` says how it ended. A line that is not
    JSON comes as an event of level `warn` holding that line, so nothing dbt prints is lost."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str], target_path: Path):
        self.args, self.env, self.target_path = list(args), env, target_path
        self.returncode: int | None = None

    def events(self) -> Iterator[dict]:
        target = self.target_path
        target.mkdir(parents=True, exist_ok=True)
        prepared = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
        if prepared.is_file() and not (target / prepared.name).exists():
            shutil.copy2(prepared, target / prepared.name)
        child = process_environment(self.env)
        child.update({"DBT_LOG_FORMAT": "json", "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target),
                      "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PYTHONUNBUFFERED": "1"})
        command = [DBT_EXECUTABLE, *self.args, "--profiles-dir", str(DBT_PROJECT_DIR),
                   "--project-dir", str(DBT_PROJECT_DIR)]
        with subprocess.Popen(command, cwd=DBT_PROJECT_DIR, env=child, stdout=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, text=True, encoding="utf-8", errors="replace") as process:
            read_to_end = False
            try:
                for line in process.stdout:
                    try:
                        event = json.loads(line)
                    except ValueError:
                        event = None
                    if not isinstance(event, dict):
                        event = {"info": {"level": "warn", "msg": line.rstrip(), "name": "NotJson"}, "data": {}}
                    yield event
                read_to_end = True
            finally:
                if not read_to_end and process.poll() is None:
                    # the reader stopped early (an exception downstream): do not leave dbt running
                    process.terminate()
        self.returncode = process.returncode

    @staticmethod
    def message(event: Mapping) -> tuple[str, str]:
        """(level, text) of a log event."""
        info = event.get("info", {})
        return info.get("level", ""), info.get("msg", "")


def run_dbt(args: Sequence[str], env: Mapping[str, str], target_path: Path, log: Callable[[str], object] = print) -> bool:
    """Run dbt outside the asset graph (the as-of builds of the reports); True when it succeeded.
    Warnings and errors go to `log`."""
    invocation = DbtInvocation(args, env, target_path)
    for event in invocation.events():
        level, text = invocation.message(event)
        if level in ("error", "warn") and text:
            log(text)
    return invocation.returncode == 0


def register_units(paths: DataPaths) -> int:
    """Rows in the raw layer's register (0 before the first load)."""
    import duckdb

    if not paths.raw_db.exists():
        return 0
    con = duckdb.connect(str(paths.raw_db), read_only=True)
    try:
        return con.execute("select count(*) from raw.register_units").fetchone()[0]
    except duckdb.CatalogException:
        return 0
    finally:
        con.close()
