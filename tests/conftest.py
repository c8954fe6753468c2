"""Shared fixtures: the real reference data, read from where the team keeps it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def reference_source() -> Path:
    configured = os.environ.get("NPA_REFERENCE_DIR")
    candidates = [Path(configured)] if configured else []
    candidates.append(REPO_ROOT.parent / "shared" / "reference")
    for candidate in candidates:
        if (candidate / "municipalities.csv").is_file():
            return candidate
    pytest.skip("reference data not available (set NPA_REFERENCE_DIR)")


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    return reference_source()


@pytest.fixture
def raw_with_reference(tmp_path: Path, reference_dir: Path) -> Path:
    """A raw folder holding a copy of the real municipality, merger and COROP files."""
    raw = tmp_path / "data" / "raw"
    (raw / "reference").mkdir(parents=True)
    for name in ("municipalities.csv", "municipal_mergers.csv", "corop_regions.csv"):
        shutil.copyfile(reference_dir / name, raw / "reference" / name)
    return raw
