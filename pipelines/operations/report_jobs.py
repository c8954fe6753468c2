"""The two statutory reports as Dagster jobs, launched from the Launchpad with `as_of` as config."""

import datetime as dt
import subprocess
import time
from pathlib import Path

import dagster as dg

from pipelines.config import REPO_ROOT, DataPaths
from pipelines.operations.locked_executor import locked_in_process_executor
from pipelines.resources import WarehouseResource

REPORT_DEFAULT_AS_OF = {
    "zomer-2022": dt.date(2022, 7, 1),
    "april-2023": dt.date(2023, 4, 1),
}


def code_version() -> str:
    try:
        out = subprocess.run(["git", "-C", str(REPO_ROOT), "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def input_files(paths: DataPaths) -> list[tuple[str, str]]:
    """(file, sha256) of every raw file the pipeline loaded, from the raw layer's load log."""
    import duckdb

    if not paths.raw_db.exists():
        return []
    con = duckdb.connect(str(paths.raw_db), read_only=True)
    try:
        return con.execute(
            "select file_path, sha256 from raw.load_log where status in ('loaded', 'unchanged') order by 1"
        ).fetchall()
    finally:
        con.close()


def produce_report(paths: DataPaths, report: str, as_of: dt.date, run_id: str, log=print) -> Path:
    from pipelines.reports.render import render_report
    from pipelines.warehouse.as_of import build_as_of_marts

    started = time.perf_counter()
    marts_db = build_as_of_marts(paths, report, as_of, run_id, log=log)
    built = time.perf_counter()
    out_dir = paths.reports / report / as_of.isoformat()
    result = render_report(report, as_of, marts_db, out_dir, run_id=run_id,
                           input_files=input_files(paths), code_version=code_version())
    for line in result.pdf_warnings:
        log(f"PDF (Typst): {line}")
    log(f"{report} as of {as_of}: marts built in {built - started:.1f} s, "
        f"report written in {time.perf_counter() - built:.1f} s "
        f"({', '.join(f'{step} {s:.1f} s' for step, s in result.seconds.items())})")
    return out_dir


def job_name(report: str) -> str:
    return f"report_{report.replace('-', '_')}"


def op_name(report: str) -> str:
    return f"produce_{report.replace('-', '_')}"


class ReportConfig(dg.Config):
    as_of: str


def _report_job(report: str) -> dg.JobDefinition:
    default = REPORT_DEFAULT_AS_OF[report]

    @dg.op(name=op_name(report), description=f"Rebuild the marts as of the reference date and write the {report} report.")
    def produce(context: dg.OpExecutionContext, config: ReportConfig, warehouse: WarehouseResource) -> str:
        as_of = dt.date.fromisoformat(config.as_of)
        out_dir = produce_report(warehouse.paths, report, as_of, context.run_id, log=context.log.info)
        context.add_output_metadata({"folder": dg.MetadataValue.path(str(out_dir))})
        return str(out_dir)

    @dg.job(
        name=job_name(report),
        description=f"The {report} report (default as_of {default}).",
        config={"ops": {op_name(report): {"config": {"as_of": default.isoformat()}}}},
        # shares the raw database with the nightly run: the run queue keeps them apart
        tags={"npa/raw_db": "1"},
        executor_def=locked_in_process_executor,
    )
    def report_job():
        produce()

    return report_job


report_jobs = [_report_job(name) for name in REPORT_DEFAULT_AS_OF]


def run_report(report: str, as_of: dt.date) -> Path:
    """Run a report job in this process (as `make report` and `make run` do).

    The job is taken from this module, not from the code location (pipelines.definitions): that
    would import Great Expectations' checks and the dbt graph for a job that needs neither.
    """
    from pipelines.cli import dagster_instance
    from pipelines.operations.abandoned_runs import in_process_run_tags

    instance = dagster_instance()
    job = {j.name: j for j in report_jobs}[job_name(report)]
    result = job.execute_in_process(
        instance=instance,
        run_config={"ops": {op_name(report): {"config": {"as_of": as_of.isoformat()}}}},
        tags=in_process_run_tags(instance),
        resources={"warehouse": WarehouseResource()},
    )
    return Path(result.output_for_node(op_name(report)))
