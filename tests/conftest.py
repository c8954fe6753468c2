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


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """Parse the dbt project once per test session (as `make manifest` does) if it is stale."""
    import subprocess

    from filelock import FileLock

    from pipelines.warehouse.dbt_cli import DBT_EXECUTABLE, process_environment

    project = REPO_ROOT / "dbt_project"
    manifest = project / "target" / "manifest.json"
    sources = [p for p in project.rglob("*") if p.suffix in (".sql", ".yml", ".csv") and "target" not in p.parts]
    # pytest-xdist workers share the project folder: one parses, the others wait
    with FileLock(str(project / "target.parse.lock")):
        if not manifest.exists() or any(p.stat().st_mtime > manifest.stat().st_mtime for p in sources):
            # the profile as the pipeline renders it, so that this partial parse state serves its builds
            subprocess.run([DBT_EXECUTABLE, "parse", "--quiet", "--profiles-dir", ".", "--project-dir", "."],
                           cwd=project, check=True, env=process_environment({}))
    return manifest
