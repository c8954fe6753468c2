"""Ingest: raw files in `data/raw/` -> the raw layer (`pipelines/raw_schema.py`), incrementally.

Public entry points: `ingest_all(paths)` (plain Python, also `python -m pipelines.ingest`), the
Dagster assets in `assets.py`, the agreement template in `template.py`. See README.md here.
"""

from __future__ import annotations

__all__ = ["IngestSummary", "ingest_all"]


def __getattr__(name: str):
    # imported on first use, so `python -m pipelines.ingest.run` does not import run.py twice
    if name in __all__:
        from pipelines.ingest import run

        return getattr(run, name)
    raise AttributeError(name)
