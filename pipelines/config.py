"""Where everything lives on disk, resolved from the environment at call time (never at import).

Environment variables:
- NPA_DATA_DIR: root of the data folder (default: `data/` in the repository);
- NPA_REFERENCE_DIR: where the team keeps the third-party reference files;
- NPA_AS_OF: reference date `YYYY-MM-DD` for a whole run (default: no cut-off).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


@dataclass(frozen=True)
class DataPaths:
    """The folders of one data root (`$NPA_DATA_DIR`)."""

    root: Path

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def reference(self) -> Path:
        return self.raw / "reference"

    @property
    def register(self) -> Path:
        return self.raw / "register"

    @property
    def agreements(self) -> Path:
        return self.raw / "agreements"

    @property
    def targets(self) -> Path:
        return self.raw / "targets"

    @property
    def marts(self) -> Path:
        return self.root / "marts"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def work(self) -> Path:
        """Private to the pipeline: the raw layer and the dbt build database. Never published."""
        return self.root / "work"

    @property
    def raw_db(self) -> Path:
        """DuckDB file holding the raw layer (schema `raw`) and row-level check results (`checks`).

        Not named `raw.duckdb`: DuckDB names the catalog after the file, and a catalog `raw` would
        make every `raw.<table>` reference ambiguous with the schema `raw`.
        """
        return self.work / "raw_layer.duckdb"

    @property
    def build_db(self) -> Path:
        """DuckDB file dbt builds the marts into before they are published."""
        return self.work / "build.duckdb"


def data_paths() -> DataPaths:
    root = os.environ.get("NPA_DATA_DIR")
    return DataPaths(Path(root).resolve() if root else REPO_ROOT / "data")


def reference_source_dir() -> Path | None:
    value = os.environ.get("NPA_REFERENCE_DIR")
    return Path(value).resolve() if value else None


def parse_as_of(value: str | None) -> dt.date | None:
    """Parse a reference date; empty means no cut-off. Raises ValueError with the bad value."""
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"NPA_AS_OF must be a date YYYY-MM-DD, got {value!r}") from exc


def as_of_from_env() -> dt.date | None:
    return parse_as_of(os.environ.get("NPA_AS_OF"))


@contextlib.contextmanager
def temporary_environ(values: Mapping[str, str | None]) -> Iterator[None]:
    """Set `values` in os.environ (None: unset) for the duration of the block, then put back
    what was there before."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
