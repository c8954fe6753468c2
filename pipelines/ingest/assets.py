"""Dagster assets of the ingest domain: one per kind of raw file, plus the load log.

Each asset loads its kind incrementally (unchanged files are not parsed again, see load_log.py)
and reports what happened as metadata: files per status, rows written, seconds, rejected files.
"""

# No `from __future__ import annotations`: Dagster reads the Config annotations at definition time.
import dagster as dg

from pipelines.resources import WarehouseResource

GROUP = "ingest"


class IngestConfig(dg.Config):
    full_refresh: bool = False  # parse every file again, even when its sha256 is unchanged


def _materialize(context: dg.AssetExecutionContext, name: str, warehouse: WarehouseResource,
                 config: IngestConfig) -> dg.MaterializeResult:
    from pipelines.ingest.run import LOADERS, raw_connection

    with raw_connection(warehouse.paths) as con:
        result = LOADERS[name](con, warehouse.paths, full_refresh=config.full_refresh)
    if any(entry.status in ("loaded", "removed") for entry in result.entries):
        _warm_up_checks(context)
    counts = result.counts()
    metadata: dict[str, object] = {f"files_{status}": dg.MetadataValue.int(n) for status, n in counts.items()}
    metadata.update(
        {
            "files_parsed": dg.MetadataValue.int(result.parsed),
            "rows_written": dg.MetadataValue.int(result.rows_inserted),
            "rows_current": dg.MetadataValue.int(result.rows_current()),
            "seconds": dg.MetadataValue.float(round(result.seconds, 3)),
            "warnings": dg.MetadataValue.int(sum(1 for f in result.findings if f.severity == "warning")),
        }
    )
    rejected = result.rejected()
    if rejected:
        lines = ["| file | error |", "| --- | --- |"]
        lines += [f"| {path} | {error.replace('|', '/')} |" for path, error in rejected[:100]]
        if len(rejected) > 100:
            lines.append(f"| … | {len(rejected) - 100} more, see raw.load_log |")
        metadata["rejected"] = dg.MetadataValue.md("\n".join(lines))
    return dg.MaterializeResult(metadata=metadata)


def _warm_up_checks(context: dg.AssetExecutionContext) -> None:
    """A file came in or went, so the raw checks of this run will run and need Great Expectations:
    start importing it now, beside the rest of the ingest, rather than when the checks begin
    (the import takes about 2.3 s, most of a small nightly's checks step). Not for a file that
    is parsed again only to be rejected again: that changes nothing, and the checks do not run."""
    from pipelines.checks.assets import RAW_FINDINGS_KEY

    selection = context.run.asset_selection
    if selection is not None and RAW_FINDINGS_KEY not in selection:
        return
    from pipelines.checks.gx_runner import warm_up_in_background

    warm_up_in_background()


@dg.asset(
    key=["raw", "reference"],
    group_name=GROUP,
    kinds={"duckdb"},
    description="Reference files of data/raw/reference/ (municipalities, mergers, COROP regions, "
    "housing-market regions, corporations) in raw.ref_*. Stops the run when a required file is missing.",
)
def raw_reference(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
               config: IngestConfig) -> dg.MaterializeResult:
    return _materialize(context, "reference", warehouse, config)


@dg.asset(
    key=["raw", "register"],
    group_name=GROUP,
    kinds={"duckdb"},
    description="Housing-stock register files data/raw/register/<peildatum>/<corporatie>.csv|.parquet "
    "in raw.register_units, every value as written and parsed.",
)
def raw_register(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
               config: IngestConfig) -> dg.MaterializeResult:
    return _materialize(context, "register", warehouse, config)


@dg.asset(
    key=["raw", "agreements"],
    group_name=GROUP,
    kinds={"duckdb"},
    description="Agreement workbooks data/raw/agreements/*.xlsx in raw.agreement_workbooks (sheet "
    "Afspraak) and raw.agreement_rows (sheet Prestaties).",
)
def raw_agreements(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
               config: IngestConfig) -> dg.MaterializeResult:
    return _materialize(context, "agreements", warehouse, config)


@dg.asset(
    key=["raw", "targets"],
    group_name=GROUP,
    kinds={"duckdb"},
    description="Optional extra national targets data/raw/targets/*.csv in raw.targets.",
)
def raw_targets(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
               config: IngestConfig) -> dg.MaterializeResult:
    return _materialize(context, "targets", warehouse, config)


@dg.asset(
    key=["raw", "load_log"],
    group_name=GROUP,
    kinds={"duckdb"},
    deps=[raw_reference, raw_register, raw_agreements, raw_targets],
    description="raw.load_log: every raw file seen, its sha256 and status (loaded, unchanged, "
    "rejected, removed), and raw.load_findings (F1-F5).",
)
def raw_load_log(warehouse: WarehouseResource) -> dg.MaterializeResult:
    from pipelines.ingest.run import raw_connection

    with raw_connection(warehouse.paths) as con:
        per_status = con.execute(
            "select kind, status, count(*), coalesce(sum(rows_read), 0) from raw.load_log group by all order by all"
        ).fetchall()
        findings = con.execute(
            "select check_code, severity, count(*) from raw.load_findings group by all order by all"
        ).fetchall()
        rejected = con.execute(
            "select file_path, error from raw.load_log where status = 'rejected' order by file_path limit 100"
        ).fetchall()
    metadata: dict[str, object] = {}
    for status in ("loaded", "unchanged", "rejected", "removed"):
        metadata[f"files_{status}"] = dg.MetadataValue.int(sum(n for _, s, n, _ in per_status if s == status))
    table = ["| kind | status | files | rows |", "| --- | --- | --- | --- |"]
    table += [f"| {k} | {s} | {n} | {r} |" for k, s, n, r in per_status]
    metadata["by_kind"] = dg.MetadataValue.md("\n".join(table))
    metadata["findings"] = dg.MetadataValue.json({f"{code} ({sev})": n for code, sev, n in findings})
    if rejected:
        lines = ["| file | error |", "| --- | --- |"]
        lines += [f"| {p} | {(e or '').replace('|', '/')} |" for p, e in rejected]
        metadata["rejected"] = dg.MetadataValue.md("\n".join(lines))
    return dg.MaterializeResult(metadata=metadata)


ingest_assets = [raw_reference, raw_register, raw_agreements, raw_targets, raw_load_log]
