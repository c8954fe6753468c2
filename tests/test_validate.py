"""`npa validate`: planted defects are found with code, sheet, row and column, in Dutch and English;
clean generated files pass; nothing under the data root changes; no great_expectations import; the
SQL versions of the GX rules give the same findings as GX over the whole defect data set."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.config import DataPaths
from tests.pipeline_harness import prepare_data_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
NPA = Path(sys.executable).parent / "npa"


@pytest.fixture(scope="module")
def defects_root(tmp_path_factory, reference_dir) -> DataPaths:
    return prepare_data_dir(tmp_path_factory.mktemp("validate") / "data", reference_dir, defects=True)


@pytest.fixture(scope="module")
def clean_root(tmp_path_factory, reference_dir) -> DataPaths:
    return prepare_data_dir(tmp_path_factory.mktemp("validate-clean") / "data", reference_dir)


def _planted(paths: DataPaths) -> list[dict]:
    return [d for d in json.loads((paths.raw / "defects.json").read_text()) if not d["natural"]]


def _validate(paths: DataPaths, reference_dir: Path, *files: Path) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "NPA_DATA_DIR": str(paths.root), "NPA_REFERENCE_DIR": str(reference_dir)}
    started = time.perf_counter()
    done = subprocess.run([str(NPA), "validate", *map(str, files)], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    return done, time.perf_counter() - started


def _tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("code, sheet, column", [("A4", "Prestaties", "waarde"), ("A5", "Prestaties", "jaar"),
                                                 ("A3", "Prestaties", "corporatie")])
def test_a_planted_row_defect_in_a_workbook_is_found_with_its_place(defects_root, reference_dir, code, sheet, column):
    [defect] = [d for d in _planted(defects_root) if d["check_code"] == code and d["file"].endswith(".xlsx")]
    before = _tree(defects_root.root)
    done, seconds = _validate(defects_root, reference_dir, defects_root.raw / defect["file"])
    print(f"npa validate {defect['file']}: {seconds:.2f} s wall (process start included)")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and done.stderr == ""
    lines = done.stdout.splitlines()
    at = lines.index(f"{code} FOUT / ERROR")
    nl, en = lines[at + 1], lines[at + 2]
    assert nl.startswith("  NL: ") and f"tabblad {sheet}, rij {defect['row']}, kolom {column}" in nl
    assert "Deze prestatieregel telt niet mee." in nl
    assert en.startswith("  EN: ") and f"sheet {sheet}, row {defect['row']}, column {column}" in en
    assert "this commitment row is left out" in en
    assert "Not checked here (they need the whole data set" in done.stdout
    assert "Niet gecontroleerd" in done.stdout
    assert _tree(defects_root.root) == before, "validate changed something under the data root"
    assert not defects_root.work.exists()


def test_the_a4_text_says_what_was_written(defects_root, reference_dir):
    [defect] = [d for d in _planted(defects_root) if d["check_code"] == "A4"]
    done, _ = _validate(defects_root, reference_dir, defects_root.raw / defect["file"])
    assert "waarde '2.5' is not a number" in done.stdout
    assert "Ingevuld: '2.5'." in done.stdout


def test_file_level_defects_reject_the_whole_workbook(defects_root, reference_dir):
    files = {d["check_code"]: defects_root.raw / d["file"] for d in _planted(defects_root)
             if d["check_code"] in ("F1", "F2", "A1") and d["file"].endswith(".xlsx")}
    done, _ = _validate(defects_root, reference_dir, *files.values())
    assert done.returncode == 1
    for code in ("F1", "F2", "A1"):
        assert f"{code} FOUT / ERROR" in done.stdout, code
    assert done.stdout.count("Het hele bestand wordt niet gebruikt") == 3
    assert "tabblad Afspraak, kolom status" in done.stdout  # F2: status 'getekend'
    assert "tabblad Afspraak, kolom gemeentecode" in done.stdout  # A1


def test_a_register_file_with_planted_defects(defects_root, reference_dir):
    planted = [d for d in _planted(defects_root) if d["file"] == "register/2022-12-31/L2025.csv"]
    expected = {(d["check_code"], d["row"]) for d in planted if d["check_code"] in ("R1", "R5", "R7")}
    assert len(expected) >= 3, planted
    done, _ = _validate(defects_root, reference_dir, defects_root.raw / "register/2022-12-31/L2025.csv")
    assert done.returncode == 1, done.stdout
    lines = done.stdout.splitlines()
    found = set()
    for i, line in enumerate(lines):
        if line.endswith("FOUT / ERROR"):
            code = line.split()[0]
            en = lines[i + 2]
            for c, row in expected:
                if c == code and f"line {row}, column " in en and f"regel {row}, kolom " in lines[i + 1]:
                    found.add((c, row))
    assert found == expected, done.stdout
    assert "R10 WAARSCHUWING / WARNING" in done.stdout  # warnings shown, not an error


def test_clean_generated_files_pass(clean_root, reference_dir):
    workbook = sorted(clean_root.agreements.glob("prestatieafspraken_*_getekend.xlsx"))[0]
    register = sorted(clean_root.register.glob("*/*.csv"))[0]
    done, seconds = _validate(clean_root, reference_dir, workbook)
    print(f"npa validate {workbook.name} (clean): {seconds:.2f} s wall")
    assert done.returncode == 0, done.stdout
    assert "0 fout(en)" in done.stdout and "0 error(s)" in done.stdout
    done, seconds = _validate(clean_root, reference_dir, register)
    print(f"npa validate {register.name} (clean register): {seconds:.2f} s wall")
    assert done.returncode == 0, done.stdout
    assert "FOUT" not in done.stdout.replace("0 fout(en)", "")


def test_usage_errors_are_messages_not_tracebacks(clean_root, reference_dir, tmp_path):
    done, _ = _validate(clean_root, reference_dir, tmp_path / "nowhere.xlsx")
    assert done.returncode == 2 and "no such file" in done.stderr and "Traceback" not in done.stderr
    env = {**os.environ, "NPA_DATA_DIR": str(tmp_path / "empty"), "NPA_REFERENCE_DIR": str(tmp_path)}
    workbook = sorted(clean_root.agreements.glob("*.xlsx"))[0]
    done = subprocess.run([str(NPA), "validate", str(workbook)], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2 and "corporaties.csv" in done.stderr and "Traceback" not in done.stderr


def test_validate_does_not_import_great_expectations(clean_root, reference_dir):
    workbook = sorted(clean_root.agreements.glob("*.xlsx"))[0]
    code = ("import sys; from pathlib import Path; from pipelines.validate.run import validate_files; "
            f"validate_files([Path({str(workbook)!r})]); print('great_expectations' in sys.modules)")
    env = {**os.environ, "NPA_DATA_DIR": str(clean_root.root), "NPA_REFERENCE_DIR": str(reference_dir)}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "False", done.stderr


def test_the_dagster_job_reports_the_same_findings(defects_root, reference_dir, monkeypatch):
    from pipelines.validate.job import validate_files_job

    monkeypatch.setenv("NPA_DATA_DIR", str(defects_root.root))
    [defect] = [d for d in _planted(defects_root) if d["check_code"] == "A4"]
    config = {"ops": {"validate_delivered_files": {"config": {"paths": [str(defects_root.raw / defect["file"])]}}}}
    result = validate_files_job.execute_in_process(run_config=config, raise_on_error=False)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    text = failure.step_failure_data.user_failure_data.metadata["findings"].value
    assert f"tabblad Prestaties, rij {defect['row']}, kolom waarde" in text


def test_sql_rules_give_the_same_findings_as_great_expectations(defects_root, tmp_path):
    """The whole defect data set through the raw checks twice: GX, then the SQL versions."""
    import shutil

    import duckdb

    from pipelines.checks.raw_checks import run_raw_checks
    from pipelines.ingest.run import ingest_all
    from pipelines.validate.sql_expectations import validate_frame_with_sql

    root = tmp_path / "data"
    shutil.copytree(defects_root.raw, root / "raw")
    paths = DataPaths(root)
    ingest_all(paths)
    con = duckdb.connect(str(paths.raw_db))
    try:
        with_gx = run_raw_checks(con).findings
        with_sql = run_raw_checks(con, evaluate=validate_frame_with_sql).findings
    finally:
        con.close()
    gx_codes = {"R1", "R5", "R6", "R9", "R10", "A1", "A4", "A5", "T1"}
    assert gx_codes <= {f.check_code for f in with_gx}, "the data set should exercise every GX-decided code"
    assert sorted(with_sql, key=repr) == sorted(with_gx, key=repr)
