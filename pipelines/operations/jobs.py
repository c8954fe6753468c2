"""Jobs are selections over the asset graph."""

from __future__ import annotations

import dagster as dg

from pipelines.operations.locked_executor import locked_in_process_executor

nightly_refresh_job = dg.define_asset_job(
    name="nightly_refresh",
    selection=dg.AssetSelection.all(),
    description="Ingest every raw file, run the checks, build the marts with dbt and publish a release.",
    # in process, holding the data root's lock (waits for a CLI run that holds it)
    executor_def=locked_in_process_executor,
    # one run at a time may touch the raw database; dagster.yaml limits this tag to 1
    tags={"npa/raw_db": "1"},
)
