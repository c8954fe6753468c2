"""End to end on generated data (tiny scale, seed 1): every defect the generator plants (its
defects.json) is found with its code and entity, and the same seed without defects yields no
`error` finding. First over the raw layer (ingest + `run_raw_checks`), then, marked slow, through
dbt into marts.dq_findings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines.checks import run_raw_checks
from pipelines.config import DBT_PROJECT_DIR, DataPaths

#: codes decided before dbt: at load (raw.load_findings) or by run_raw_checks (checks.findings)
RAW_LAYER_CODES = {
    "F1", "F2", "F3", "F4", "F5", "R1", "R2", "R4", "R5", "R6", "R7", "R8", "R9", "R10",
    "A1", "A3", "A4", "A5", "A13", "A14", "T1",
}
REFERENCE_FILES = ("municipalities.csv", "municipal_mergers.csv", "corop_regions.csv")


@dataclass
class Generated:
    paths: DataPaths
    defects: list[dict]


def _generate(root: Path, reference_dir: Path, defects: bool) -> Generated:
    pytest.importorskip("pipelines.generate.generator")
    pytest.importorskip("pipelines.ingest.run")
    from pipelines.generate.generator import generate
    from pipelines.ingest.run import ingest_all, raw_connection

    raw = root / "raw"
    (raw / "reference").mkdir(parents=True)
    for name in REFERENCE_FILES:
        shutil.copyfile(reference_dir / name, raw / "reference" / name)
    generate("tiny", 1, raw, defects=defects)
    paths = DataPaths(root)
    ingest_all(paths)
    with raw_connection(paths) as con:
        run_raw_checks(con)
    manifest = raw / "defects.json"
    return Generated(paths, json.loads(manifest.read_text()) if manifest.exists() else [])


@pytest.fixture(scope="module")
def with_defects(tmp_path_factory, reference_dir) -> Generated:
    return _generate(tmp_path_factory.mktemp("defects"), reference_dir, defects=True)


@pytest.fixture(scope="module")
def without_defects(tmp_path_factory, reference_dir) -> Generated:
    return _generate(tmp_path_factory.mktemp("clean"), reference_dir, defects=False)


def _raw_findings(paths: DataPaths) -> list[dict]:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{paths.raw_db}' as rawlayer (read_only)")
        rows = con.execute(
            """select check_code, severity, entity, detail, source_file, source_row from rawlayer.raw.load_findings
               union all
               select check_code, severity, entity, detail, source_file, source_row from rawlayer.checks.findings"""
        ).fetchall()
    finally:
        con.close()
    keys = ("check_code", "severity", "entity", "detail", "source_file", "source_row")
    return [dict(zip(keys, row)) for row in rows]


def _found(defect: dict, findings: list[dict]) -> bool:
    """A finding of the same code, on the same file (or naming it), the same row where the finding
    is row-level, that names the entity (in `entity` or `detail`). Natural warnings (a condition of
    the clean data, listed with one example) match on code and file when the example is not among
    the ten a per-file warning shows."""
    for f in findings:
        if f["check_code"] != defect["check_code"]:
            continue
        text = f"{f['entity'] or ''} {f['detail'] or ''}"
        if defect["file"] and defect["file"] not in (f["source_file"] or "") and defect["file"] not in text:
            continue
        if defect.get("row") is not None and f.get("source_row") is not None and f["source_row"] != defect["row"]:
            continue
        if defect["entity"] in text:
            return True
        if defect.get("natural"):
            return True
    return False


def _missed(defects: list[dict], findings: list[dict]) -> list[dict]:
    return [d for d in defects if not _found(d, findings)]


def test_every_defect_decided_before_dbt_is_found(with_defects):
    defects = [d for d in with_defects.defects if d["check_code"] in RAW_LAYER_CODES]
    assert defects, "the generator planted no defects"
    assert _missed(defects, _raw_findings(with_defects.paths)) == []


def test_clean_data_has_no_errors_before_dbt(without_defects):
    errors = [f for f in _raw_findings(without_defects.paths) if f["severity"] == "error"]
    assert errors == []


# --------------------------------------------------------------------------- through dbt
def _dbt_build(paths: DataPaths, target_path: Path) -> Path:
    build_db = paths.work / "build.duckdb"
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "NPA_BUILD_DB": str(build_db), "NPA_RAW_DB": str(paths.raw_db),
           "DBT_LOG_PATH": str(target_path / "logs"), "NPA_RUN_ID": "test", "NPA_CHECKED_AT": "2023-04-01T09:00:00"}
    common = ["--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR),
              "--target-path", str(target_path)]
    for command in (["seed"], ["run"]):
        result = subprocess.run([str(dbt), *command, *common], env=env, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-4000:]
    return build_db


def _dq_findings(build_db: Path) -> list[dict]:
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        rows = con.execute("select check_code, severity, entity, detail, source_file from marts.dq_findings").fetchall()
    finally:
        con.close()
    keys = ("check_code", "severity", "entity", "detail", "source_file")
    return [dict(zip(keys, row)) for row in rows]


@pytest.mark.slow
def test_every_defect_is_in_dq_findings(with_defects, tmp_path):
    findings = _dq_findings(_dbt_build(with_defects.paths, tmp_path / "target"))
    assert _missed(with_defects.defects, findings) == []
    assert {f["check_code"] for f in findings} >= {d["check_code"] for d in with_defects.defects}


@pytest.mark.slow
def test_clean_data_has_no_errors_in_dq_findings(without_defects, tmp_path):
    findings = _dq_findings(_dbt_build(without_defects.paths, tmp_path / "target"))
    assert [f for f in findings if f["severity"] == "error"] == []
