"""`npa validate` as a Dagster job: the files' paths in the Launchpad config, findings in the log.

The run fails when a finding is an error (as the command exits 1), so a red run means "do not
deliver this yet"; the step's metadata and log hold every finding in Dutch and English. Like the
command it writes nothing under the data root, so it holds no lock and carries no `npa/raw_db` tag:
it may run beside the nightly.
"""

from pathlib import Path

import dagster as dg


class ValidateFilesConfig(dg.Config):
    paths: list[str]  # workbooks (.xlsx) and register files (<peildatum>/<corporatie>.csv|.parquet)
    reference_dir: str = ""  # empty: the data root's raw/reference, then $NPA_REFERENCE_DIR


@dg.op(name="validate_delivered_files", description="Check delivered files against the catalogue of checks "
       "without touching the data root or the warehouse.")
def validate_delivered_files(context: dg.OpExecutionContext, config: ValidateFilesConfig) -> dg.Output:
    from pipelines.validate.run import ValidateError, render, validate_files

    try:
        result = validate_files([Path(p) for p in config.paths],
                                Path(config.reference_dir) if config.reference_dir else None)
    except ValidateError as exc:
        raise dg.Failure(description=str(exc)) from None
    text = render(result)
    context.log.info(text)
    metadata = {
        "errors": result.errors,
        "warnings": result.warnings,
        "seconds": round(result.seconds, 2),
        "findings": dg.MetadataValue.md("```\n" + text + "\n```"),
    }
    if result.errors:
        raise dg.Failure(description=f"{result.errors} error(s) in the delivered file(s); see the log", metadata=metadata)
    return dg.Output(len(result.findings), metadata=metadata)


@dg.job(name="validate_files", description="Validate delivered workbooks or register files (paths in the config); "
        "writes nothing.", executor_def=dg.in_process_executor)
def validate_files_job():
    validate_delivered_files()
