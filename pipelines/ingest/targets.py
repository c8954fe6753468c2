"""Extra national targets: `<raw>/targets/*.csv`, rows as in marts.national_targets -> raw.targets.

Values are kept as written beside their parsed value (years as whole numbers, `target_value` as a
Dutch number, see numbers.py); whether a row is valid (T1) is decided by the checks. A missing
required column rejects the file (F2): target_code, indicator_code, kind, year_from, target_value.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from pipelines.config import DataPaths
from pipelines.ingest.csv_tables import TableCsvLoader, TableSpec
from pipelines.ingest.files import KIND_TARGET, FileRejected, SourceFile, list_files
from pipelines.ingest.load_log import KindResult, sync_files

SPEC = TableSpec(
    "raw.targets",
    {
        "target_code": "text",
        "description_nl": "text",
        "indicator_code": "lower",
        "kind": "lower",
        "year_from": "int",
        "year_to": "int",
        "target_value": "num",
        "unit": "text",
        "source": "text",
    },
    required=("target_code", "indicator_code", "kind", "year_from", "target_value"),
    keep_raw=("year_from", "year_to", "target_value"),
)


def _spec_for(source: SourceFile) -> TableSpec:
    if PurePosixPath(source.rel).suffix.lower() != ".csv":
        raise FileRejected("F1", f"{source.rel}: not a .csv file (targets are CSV files)")
    return SPEC


def load_targets(con, paths: DataPaths, full_refresh: bool = False) -> KindResult:
    files = list_files(paths.targets, paths.raw)
    loader = TableCsvLoader(KIND_TARGET, {"targets": SPEC}, _spec_for)
    return sync_files(con, loader, files, full_refresh=full_refresh)
