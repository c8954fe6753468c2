"""`npa`: the command line behind the Makefile.

    npa run                     stage reference data, generate the demo set if data/raw is empty,
                                run the nightly job, publish, and make both reports
    npa generate ...            the built-in data set (see `npa generate --help`)
    npa report NAME [--as-of]   one statutory report
    npa template [OUT]          the empty agreement workbook, in Dutch
    npa calibrate               the realism figures of the published marts beside the published ones
    npa validate PATH...        check delivered files (workbooks, register files) before sending them

`run`, `report` and `generate` (into the data root) hold the data root's lock (see
pipelines/operations/data_lock.py): a second one waits for the first, at most --lock-timeout
seconds (default $NPA_LOCK_TIMEOUT, else 3 hours), then stops with exit code 3.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from pipelines.config import data_paths, parse_as_of

DEFAULT_SCALE = "demo"
DEFAULT_SEED = 20211216


def _has_inputs(raw) -> bool:
    def any_file(folder, pattern):
        return folder.exists() and any(p.is_file() for p in folder.rglob(pattern))

    return any_file(raw / "register", "*") or any_file(raw / "agreements", "*.xlsx")


LOCK_HELP = ("seconds to wait for another run on the same data root to finish "
             "(default $NPA_LOCK_TIMEOUT, else 3 hours)")
EXIT_BUSY = 3  # the data root's lock was not free in time


def _command_line() -> str:
    return " ".join(["npa", *sys.argv[1:]])


def locked(func):
    """Run a command holding the data root's lock; a timeout is a message and exit code 3."""
    import functools

    @functools.wraps(func)
    def wrapper(args: argparse.Namespace) -> int:
        from pipelines.operations.data_lock import DataRootBusy, data_root_lock

        try:
            with data_root_lock(data_paths(), _command_line(), timeout=args.lock_timeout):
                return func(args)
        except DataRootBusy as exc:
            print(f"npa {args.command}: {exc}", file=sys.stderr)
            return EXIT_BUSY
        except KeyboardInterrupt:  # Ctrl-C, typically while waiting: a line, not a traceback
            print(f"npa {args.command}: interrupted", file=sys.stderr)
            return 130

    return wrapper


@locked
def cmd_run(args: argparse.Namespace) -> int:
    from pipelines.reference_staging import ReferenceDataMissing, stage_reference

    paths = data_paths()
    as_of = parse_as_of(args.as_of) if args.as_of else None
    started = time.monotonic()
    try:
        stage_reference(paths, require_corporations=False)
        if not _has_inputs(paths.raw):
            from pipelines.generate import generate

            print(f"{paths.raw} holds no register and no agreements: generating the "
                  f"'{args.scale}' data set (seed {args.seed})")
            generate(args.scale, args.seed, paths.raw)
        staged = stage_reference(paths)
    except ReferenceDataMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    for note in staged.notes:
        print(f"reference: {note}")

    result = run_nightly(as_of, rebuild=args.rebuild)
    if not result.success:
        print("nightly run failed; the published warehouse is unchanged", file=sys.stderr)
        return 1
    if result.asset_materializations_for_node("marts__release"):
        print(f"published: {paths.marts / 'warehouse.duckdb'} ({time.monotonic() - started:.0f} s)")
    else:
        print(f"nothing changed since the published release: {paths.marts / 'warehouse.duckdb'} is current "
              f"({time.monotonic() - started:.0f} s; `npa run --rebuild` rebuilds anyway)")
    if not args.skip_reports and as_of is None:
        from pipelines.operations.report_jobs import REPORT_DEFAULT_AS_OF, run_report

        for name, default in REPORT_DEFAULT_AS_OF.items():
            out = run_report(name, default)
            print(f"report {name}: {out}")
    return 0


def run_nightly(as_of: dt.date | None, rebuild: bool = False):
    """The nightly job in this process, recorded in $DAGSTER_HOME so the UI shows the run.

    `rebuild`: check, build and publish even when nothing changed since the published release."""
    import os

    from pipelines.definitions import defs
    from pipelines.operations.abandoned_runs import in_process_run_tags
    from pipelines.operations.data_lock import data_root_lock
    from pipelines.warehouse.assets import rebuild_run_config

    if as_of is not None:
        os.environ["NPA_AS_OF"] = as_of.isoformat()
    job = defs.resolve_job_def("nightly_refresh")
    instance = dagster_instance()
    run_config = rebuild_run_config() if rebuild else None
    # execute_in_process ignores the job's locking executor: the lock is taken here (re-entrant,
    # so under `npa run`, which holds it already, this does not wait)
    with data_root_lock(data_paths(), _command_line()):
        return job.execute_in_process(instance=instance, run_config=run_config,
                                      tags=in_process_run_tags(instance), raise_on_error=False)


PROJECT_INSTANCE_YAML = Path(__file__).parent / "operations" / "dagster.yaml"


def dagster_instance():
    """The persistent instance in $DAGSTER_HOME (created if missing), so the UI shows CLI runs.

    A home without a dagster.yaml gets the project's: Dagster's stock SQLite history opens a
    connection and fsyncs per event, which made a bare `npa run` with no changes 6.8 s instead
    of 4.5 s. A dagster.yaml already there is the operator's and is left as it is."""
    import os
    import shutil

    import dagster as dg

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    Path(home).mkdir(parents=True, exist_ok=True)
    config = Path(home) / "dagster.yaml"
    if not config.exists():
        # copied beside it and renamed, so a process starting at the same time never reads half a file
        partial = config.with_name(f".dagster.yaml.{os.getpid()}")
        shutil.copyfile(PROJECT_INSTANCE_YAML, partial)
        os.replace(partial, config)
    return dg.DagsterInstance.get()


def cmd_generate(args: argparse.Namespace) -> int:
    # into the data root it holds the lock: a run reading data/raw must not see half a data set
    return _generate(args) if args.out is not None else locked(_generate)(args)


def _generate(args: argparse.Namespace) -> int:
    from pipelines.generate import generate

    print(generate(args.scale, args.seed, args.out or data_paths().raw, defects=args.defects))
    return 0


@locked
def cmd_report(args: argparse.Namespace) -> int:
    from pipelines.operations.report_jobs import REPORT_DEFAULT_AS_OF, run_report

    as_of = parse_as_of(args.as_of) or REPORT_DEFAULT_AS_OF[args.report]
    print(run_report(args.report, as_of))
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from pipelines.ingest.template import write_template

    paths = data_paths()
    out = args.out or (paths.root / "templates" / "prestatieafspraken_sjabloon.xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    corporations = paths.reference / "corporaties.csv"
    write_template(out, corporations if corporations.exists() else None)
    print(out)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    # takes no lock: it writes nothing under the data root (a temporary folder and memory only)
    from pipelines.validate.run import run

    return run(args)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Measure the realism figures on the published marts, beside the published national ones."""
    import json

    import duckdb

    from pipelines.generate.calibration import calibration_table, format_table

    paths = data_paths()
    warehouse = paths.marts / "warehouse.duckdb"
    if not warehouse.exists():
        print(f"no published warehouse at {warehouse}: run `make run` first", file=sys.stderr)
        return 2
    scale = args.scale
    marker = paths.raw / ".generated"
    if scale is None and marker.exists():
        scale = json.loads(marker.read_text())["scale"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = calibration_table(con, scale=scale or "national")
    finally:
        con.close()
    print(f"calibration of {warehouse} (scale {scale or 'national'}; published figures scaled to it)")
    print(format_table(rows))
    return 0 if all(r["within_10pct"] for r in rows) else 1


def main(argv: list[str] | None = None) -> int:
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="npa", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="the whole pipeline")
    run.add_argument("--scale", default=DEFAULT_SCALE, choices=["tiny", "demo", "national"])
    run.add_argument("--seed", type=int, default=DEFAULT_SEED)
    run.add_argument("--as-of", default=None, help="YYYY-MM-DD (default: $NPA_AS_OF, else no cut-off)")
    run.add_argument("--skip-reports", action="store_true")
    run.add_argument("--rebuild", action="store_true",
                     help="check, build and publish even when nothing changed since the published release")
    run.add_argument("--lock-timeout", type=float, default=None, help=LOCK_HELP)
    run.set_defaults(func=cmd_run)

    gen = sub.add_parser("generate", help="write the built-in data set")
    gen.add_argument("--scale", default=DEFAULT_SCALE, choices=["tiny", "demo", "national"])
    gen.add_argument("--seed", type=int, default=DEFAULT_SEED)
    gen.add_argument("--out", type=Path, default=None)
    gen.add_argument("--defects", action="store_true")
    gen.add_argument("--lock-timeout", type=float, default=None, help=LOCK_HELP)
    gen.set_defaults(func=cmd_generate)

    rep = sub.add_parser("report", help="one statutory report")
    rep.add_argument("report", choices=["zomer-2022", "april-2023"])
    rep.add_argument("--as-of", default=None)
    rep.add_argument("--lock-timeout", type=float, default=None, help=LOCK_HELP)
    rep.set_defaults(func=cmd_report)

    tpl = sub.add_parser("template", help="the empty agreement workbook")
    tpl.add_argument("out", nargs="?", type=Path, default=None)
    tpl.set_defaults(func=cmd_template)

    val = sub.add_parser("validate", help="check delivered files (nothing is written)",
                         description="Check agreement workbooks and register files against the catalogue of "
                         "checks, without touching the data root or the warehouse. Exit code 1 when a finding "
                         "is an error.")
    from pipelines.validate.run import add_arguments as validate_arguments

    validate_arguments(val)
    val.set_defaults(func=cmd_validate)

    cal = sub.add_parser("calibrate", help="realism of the published marts")
    cal.add_argument("--scale", default=None, choices=["tiny", "demo", "national"],
                     help="scale of the data set (default: read from data/raw/.generated)")
    cal.set_defaults(func=cmd_calibrate)

    args = parser.parse_args(argv)
    if args.command == "run" and args.as_of is None:
        import os

        args.as_of = os.environ.get("NPA_AS_OF") or None
    return args.func(args)


def console() -> None:
    """The `npa` command: `main`, then the end of the process without the interpreter's teardown.

    Tearing down an interpreter that has loaded Dagster, Great Expectations, pandas, DuckDB and
    polars took 0.9-1.8 s after a nightly, measured from the last exit handler to the end of the
    process: a fifth of a no-change run. Nothing is left to it by then: the run's databases are
    closed or committed (DuckDB connections are closed where they are opened, the run history
    commits each event) and its child processes have ended. So this does what the interpreter
    does first on the way out, in its order: wait for the other non-daemon threads (and the
    exit hooks of thread pools), run the exit handlers, flush the standard streams; then ends.
    Callers of `main` (tests, scripts) keep the ordinary exit."""
    import atexit
    import os
    import threading

    code = main()
    wait_for_threads = getattr(threading, "_shutdown", None)  # what the interpreter calls first
    if wait_for_threads is not None:
        wait_for_threads()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    console()
