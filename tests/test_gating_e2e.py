"""What an `error` finding keeps out of the published marts (checks.md), on generated data with
planted defects: the whole file for F1-F3, A1, T1; the row for row-level errors; A8's
verbetering_efg commitments; and an earlier agreement version counts when the newer is rejected."""

from __future__ import annotations

import json

import pytest

from tests.pipeline_harness import prepare_data_dir, published, run_nightly
from tests.test_pipeline_e2e import _register_rows

pytestmark = pytest.mark.xdist_group("pipeline")


@pytest.fixture(scope="module")
def defective(tmp_path_factory, reference_dir, dbt_manifest):
    paths = prepare_data_dir(tmp_path_factory.mktemp("gating") / "data", reference_dir, seed=7, defects=True)
    result = run_nightly(paths)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    defects = [d for d in json.loads((paths.raw / "defects.json").read_text()) if d["severity"] == "error"]
    return paths, defects


def _files(defects, code):
    return {d["file"] for d in defects if d["check_code"] == code}


def test_every_planted_error_is_reported(defective):
    paths, defects = defective
    reported = set(published(paths, "select distinct check_code from marts.dq_findings where severity = 'error'"))
    assert {(d["check_code"],) for d in defects} <= reported


def test_rejected_files_and_error_rows_are_not_counted(defective):
    paths, defects = defective
    rejected = _files(defects, "F1") | _files(defects, "F3")
    for snapshot in ("2021-12-31", "2022-12-31"):
        folder = f"register/{snapshot}/"
        all_rows = _register_rows(paths.raw, snapshot)
        rejected_rows = sum(
            _register_rows_of(paths.raw / f) for f in rejected if f.startswith(folder)
        )
        error_rows = {(d["file"], d["row"]) for d in defects
                      if d["file"].startswith(folder) and d["row"] is not None
                      and d["check_code"] in ("R1", "R2", "R4", "R5", "R7", "R8")}
        expected = all_rows - rejected_rows - len(error_rows)
        got = published(paths, "select n_dwellings from marts.stock_by_area where area_level = 'national' and snapshot_date = ?", [snapshot])
        assert got == [(expected,)], snapshot


def _register_rows_of(path) -> int:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    return sum(1 for line in text.splitlines()[1:] if line.strip())


def test_an_earlier_version_counts_when_the_newer_is_rejected(defective):
    paths, defects = defective
    (newer,) = _files(defects, "F2")
    earlier = newer.replace("_v2_", "_v1_")
    assert (paths.raw / earlier).exists()
    sources = {s for (s,) in published(paths, "select distinct unnest(string_split(source_file, ', ')) from marts.fct_commitments")}
    assert newer not in sources
    assert earlier in sources


def test_a1_municipality_and_t1_targets_are_kept_out(defective):
    paths, defects = defective
    (a1,) = [d for d in defects if d["check_code"] == "A1"]
    assert published(paths, "select count(*) from marts.fct_commitments where municipality_code = ?", [a1["entity"]]) == [(0,)]
    t1_file = next(iter(_files(defects, "T1")))
    assert published(paths, "select count(*) from marts.national_targets where source_file = ?", [t1_file]) == [(0,)]


def test_a8_keeps_out_the_overcommitted_efg_improvements(defective):
    paths, defects = defective
    (a8,) = [d for d in defects if d["check_code"] == "A8"]
    rows = published(paths, """
        select count(*) from marts.fct_commitments
        where municipality_code = ? and corporation_id = ? and indicator_code = 'verbetering_efg'""",
                     [a8["municipality"], a8["entity"]])
    assert rows == [(0,)]
    other = published(paths, """
        select count(*) from marts.fct_commitments
        where municipality_code = ? and corporation_id = ? and indicator_code <> 'verbetering_efg'""",
                      [a8["municipality"], a8["entity"]])
    assert other[0][0] > 0, "only the verbetering_efg commitments are kept out"
