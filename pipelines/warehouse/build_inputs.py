"""What a release is built from, so that a run whose inputs equal the published release's inputs
can leave the checks, the dbt build and the publish out.

The marts are a function of (1) the raw layer: which files were accepted, with which content
(sha256), which were rejected and why; (2) the code that checks and transforms them (the dbt
project, the ingest/checks/warehouse packages, the versions of the engines); (3) the reference date
`as_of`. The fingerprint hashes exactly those. Statuses `loaded` and `unchanged` count as the same
(both mean "accepted, these bytes"); removed files are no longer input. Nothing in the marts depends
on the clock except the audit columns, so equal fingerprints mean equal marts.

Each release stores its fingerprint in `release.json` (see publish.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from importlib import metadata
from pathlib import Path

from pipelines.config import DBT_PROJECT_DIR, REPO_ROOT

RELEASE_MANIFEST = "release.json"
# the Dagster asset that gates the rebuild on this fingerprint (pipelines/warehouse/assets.py)
BUILD_INPUTS_KEY = ["raw", "build_inputs"]

# Everything that decides what lands in the marts. Reports and operations code does not.
_CODE_FOLDERS = [
    REPO_ROOT / "pipelines" / "ingest",
    REPO_ROOT / "pipelines" / "checks",
    REPO_ROOT / "pipelines" / "warehouse",
    *(DBT_PROJECT_DIR / name for name in ("models", "macros", "seeds", "tests", "snapshots", "analyses")),
]
_CODE_FILES = [
    REPO_ROOT / "pipelines" / "raw_schema.py",
    DBT_PROJECT_DIR / "dbt_project.yml",
    DBT_PROJECT_DIR / "profiles.yml",
]
_CODE_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".csv", ".json"}
_ENGINES = ("duckdb", "dbt-core", "dbt-duckdb", "great-expectations", "polars", "fastexcel")


@functools.cache
def code_fingerprint() -> str:
    digest = hashlib.sha256()
    files = [p for folder in _CODE_FOLDERS if folder.is_dir() for p in folder.rglob("*")
             if p.is_file() and p.suffix in _CODE_SUFFIXES and "__pycache__" not in p.parts]
    files += [p for p in _CODE_FILES if p.is_file()]
    for path in sorted(files):
        digest.update(path.relative_to(REPO_ROOT).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for name in _ENGINES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}=={version}\n".encode())
    return digest.hexdigest()


def raw_layer_fingerprint(raw_con) -> str:
    """Every file the raw layer holds or rejected: path, kind, sha256, accepted or not, why not."""
    rows = raw_con.execute(
        """
        select file_path, kind, coalesce(sha256, ''), status in ('loaded', 'unchanged'), coalesce(error, '')
        from raw.load_log
        where status <> 'removed'
        order by file_path
        """
    ).fetchall()
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, ensure_ascii=False).encode() + b"\n")
    return digest.hexdigest()


def build_inputs_fingerprint(raw_con, as_of: dt.date | None) -> str:
    parts = {
        "raw_layer": raw_layer_fingerprint(raw_con),
        "code": code_fingerprint(),
        "as_of": as_of.isoformat() if as_of else "",
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def build_inputs_of(raw_db: Path, as_of: dt.date | None) -> str:
    """`build_inputs_fingerprint` of the raw-layer database file (opened read-only)."""
    import duckdb

    con = duckdb.connect(str(raw_db), read_only=True)
    try:
        return build_inputs_fingerprint(con, as_of)
    finally:
        con.close()


def read_release_manifest(release_dir: Path | None) -> dict | None:
    """The `release.json` of a release folder, or None (older releases have none)."""
    if release_dir is None:
        return None
    try:
        return json.loads((release_dir / RELEASE_MANIFEST).read_text())
    except (OSError, ValueError):
        return None


# A build database's stamp: the fingerprint of the inputs it was completely built from, in
# `<database>.inputs` beside it. Removed when a build starts and written when one has succeeded, so
# a stamp never vouches for a build that stopped half way.
def _stamp(db: Path) -> Path:
    return db.with_name(db.name + ".inputs")


def built_from(db: Path) -> str | None:
    """The fingerprint `db` was completely built from, or None (never built, or not completely)."""
    try:
        return _stamp(db).read_text().strip() if db.is_file() else None
    except OSError:
        return None


def mark_building(db: Path) -> None:
    _stamp(db).unlink(missing_ok=True)


def mark_built(db: Path, fingerprint: str) -> None:
    _stamp(db).write_text(fingerprint + "\n")
