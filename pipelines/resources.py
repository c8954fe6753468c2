"""Dagster resources shared by every domain: where the data lives and how to open the databases."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.config import DataPaths, data_paths
from pipelines.raw_schema import ensure_raw_schema


class WarehouseResource(dg.ConfigurableResource):
    """The data root of a run. Empty `data_dir` means `$NPA_DATA_DIR` (or `data/`), read at run time.

    Connections are short-lived on purpose: DuckDB allows one writing process per file, and the
    pipeline is the only writer of the files under `work/`.
    """

    data_dir: str = ""

    @property
    def paths(self) -> DataPaths:
        return DataPaths(Path(self.data_dir).resolve()) if self.data_dir else data_paths()

    @contextlib.contextmanager
    def raw_connection(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the raw-layer database, its schema created on first use."""
        path = self.paths.raw_db
        path.parent.mkdir(parents=True, exist_ok=True)
        if read_only and not path.exists():
            read_only = False
        con = duckdb.connect(str(path), read_only=read_only)
        try:
            if not read_only:
                ensure_raw_schema(con)
            yield con
        finally:
            con.close()
