"""Ingest without Dagster: `ingest_all(paths)` loads every kind of raw file into `paths.raw_db`.

The Dagster assets (assets.py) call the same `load_*` functions, one kind per asset.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb

from pipelines.config import DataPaths
from pipelines.ingest.files import KIND_AGREEMENT, KIND_REGISTER, list_files
from pipelines.ingest.load_log import KindResult, sync_files
from pipelines.ingest.reference import load_reference
from pipelines.ingest.register import RegisterLoader
from pipelines.ingest.targets import load_targets
from pipelines.ingest.workbooks import AgreementLoader
from pipelines.raw_schema import ensure_raw_schema


def load_register(con, paths: DataPaths, full_refresh: bool = False) -> KindResult:
    files = list_files(paths.register, paths.raw)
    # batches of about 400,000 rows: a third of the CPU time of one INSERT per file, and memory
    # stays at about 1.25 GB at national scale (register load alone, whole process)
    return sync_files(con, RegisterLoader(), files, full_refresh=full_refresh, flush_rows=400_000)


def load_agreements(con, paths: DataPaths, full_refresh: bool = False) -> KindResult:
    files = list_files(paths.agreements, paths.raw)
    return sync_files(con, AgreementLoader(), files, full_refresh=full_refresh, flush_rows=200_000)


LOADERS = {
    "reference": load_reference,
    "register": load_register,
    "agreements": load_agreements,
    "targets": load_targets,
}


def prepare(con) -> None:
    """The raw-layer schema on a connection to the raw database."""
    ensure_raw_schema(con)


@contextlib.contextmanager
def raw_connection(paths: DataPaths) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection to the raw database, schema and macros ready.

    The file is attached under the catalog name `npa_raw` and made the default, so `raw.<table>`
    always means the schema `raw`: a file named `raw.duckdb` opened directly would get the catalog
    name `raw` too, and DuckDB then refuses `raw.<table>` as ambiguous.
    """
    paths.raw_db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        escaped = str(paths.raw_db).replace("'", "''")
        con.execute(f"attach '{escaped}' as npa_raw")
        con.execute("use npa_raw")
        prepare(con)
        yield con
    finally:
        con.close()
        _release_freed_memory()


def _release_freed_memory() -> None:
    """Give memory freed by the load back to the OS (glibc keeps it otherwise): the Dagster process
    that ran the ingest stays alive while dbt runs."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


@dataclass
class IngestSummary:
    results: dict[str, KindResult] = field(default_factory=dict)
    seconds: float = 0.0

    def counts(self) -> dict[str, dict[str, int]]:
        return {name: r.counts() for name, r in self.results.items()}

    def rejected(self) -> list[tuple[str, str]]:
        return [item for r in self.results.values() for item in r.rejected()]

    def parsed(self) -> int:
        return sum(r.parsed for r in self.results.values())

    def describe(self) -> str:
        lines = []
        for name, r in self.results.items():
            counts = ", ".join(f"{k} {v}" for k, v in r.counts().items() if v)
            lines.append(
                f"{name:<10} {counts or 'no files'}; parsed {r.parsed}, rows written {r.rows_inserted:,}, "
                f"{r.seconds:.2f} s"
            )
        lines.extend(f"  rejected: {error}" for _, error in self.rejected())
        lines.append(f"total {self.seconds:.2f} s")
        return "\n".join(lines)


def ingest_all(paths: DataPaths, full_refresh: bool = False, kinds: tuple[str, ...] = tuple(LOADERS)) -> IngestSummary:
    """Load reference, register, agreement and target files into the raw layer (incremental)."""
    started = time.perf_counter()
    summary = IngestSummary()
    with raw_connection(paths) as con:
        for name in kinds:
            summary.results[name] = LOADERS[name](con, paths, full_refresh=full_refresh)
    summary.seconds = time.perf_counter() - started
    return summary


def main(argv: list[str] | None = None) -> int:
    import argparse

    from pipelines.config import data_paths

    parser = argparse.ArgumentParser(description="Load data/raw/ into the raw layer (data/work/raw_layer.duckdb).")
    parser.add_argument("--full-refresh", action="store_true", help="parse every file again")
    parser.add_argument("--kind", action="append", choices=list(LOADERS), help="only these kinds")
    args = parser.parse_args(argv)
    summary = ingest_all(data_paths(), full_refresh=args.full_refresh, kinds=tuple(args.kind or LOADERS))
    print(summary.describe())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
