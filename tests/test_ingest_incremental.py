"""The incremental load: unchanged, changed, removed, duplicated files; raw files never touched."""

from __future__ import annotations

import hashlib
import os

import pytest

from ingest_support import META, data_root, findings, log, query, write_workbook
from pipelines.ingest import ingest_all
from pipelines.ingest.reference import ReferenceFileRejected
from pipelines.reference_staging import ReferenceDataMissing

TABLES = [
    "raw.register_units", "raw.agreement_workbooks", "raw.agreement_rows", "raw.targets",
    "raw.ref_municipalities", "raw.ref_municipal_mergers", "raw.ref_corop_regions",
    "raw.ref_woningmarktregios", "raw.ref_corporaties", "raw.load_findings",
]
REG = "register/2022-12-31/L0001.csv"


def _snapshot(paths) -> dict[str, list]:
    return {t: sorted(query(paths, f"select * from {t}"), key=repr) for t in TABLES}


def _file_state(paths) -> dict[str, tuple[str, int]]:
    return {
        p.relative_to(paths.raw).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(paths.raw.rglob("*"))
        if p.is_file()
    }


def test_everything_loads(tmp_path):
    paths = data_root(tmp_path)
    summary = ingest_all(paths)
    assert summary.rejected() == []
    assert {k: v["loaded"] for k, v in summary.counts().items()} == {
        "reference": 5, "register": 2, "agreements": 1, "targets": 1}
    assert query(paths, "select count(*) from raw.register_units") == [(5,)]
    assert query(paths, "select target_code, target_value_raw, target_value, year_to from raw.targets") == [
        ("flex_2030", "37.500", 37500.0, 2030)]
    assert query(paths, "select corporatie, naam, opgeheven_per is not null from raw.ref_corporaties order by 1") == [
        ("L0001", "Woonstichting Eén", False), ("L0002", "Stadgenoot Twee", False), ("L0003", "Oud Wonen", True)]
    assert query(paths, "select count(*) from raw.ref_woningmarktregios") == [(2,)]
    assert query(paths, "select is_primary_successor, share_of_old_addresses from raw.ref_municipal_mergers") == [
        (True, 1.0)]


def test_second_load_is_identical_and_parses_nothing(tmp_path, monkeypatch):
    paths = data_root(tmp_path)
    ingest_all(paths)
    before, first_log = _snapshot(paths), log(paths)

    import pipelines.ingest.load_log as load_log

    def no_parsing(*args, **kwargs):
        raise AssertionError("an unchanged file was parsed again")

    monkeypatch.setattr(load_log.SourceFile, "read_bytes", no_parsing)
    summary = ingest_all(paths)
    assert summary.parsed() == 0
    assert {status for status, *_ in log(paths).values()} == {"unchanged"}
    assert {p: e[1] for p, e in log(paths).items()} == {p: e[1] for p, e in first_log.items()}  # rows_read kept
    assert _snapshot(paths) == before


def test_changed_file_replaces_its_rows(tmp_path):
    paths = data_root(tmp_path)
    ingest_all(paths)
    register = paths.raw / REG
    lines = register.read_text().splitlines()
    register.write_text("\n".join(lines[:2]) + "\n")  # header + first unit only
    summary = ingest_all(paths)
    assert summary.results["register"].parsed == 1  # only the changed file
    assert log(paths)[REG][:2] == ("loaded", 1)
    assert log(paths)["register/2021-12-31/L0001.csv"][0] == "unchanged"
    assert query(paths, "select vhe_nummer from raw.register_units where source_file = ?", [REG]) == [("V1",)]
    assert query(paths, "select count(*) from raw.register_units") == [(3,)]


def test_file_that_turns_bad_leaves_no_rows(tmp_path):
    paths = data_root(tmp_path)
    ingest_all(paths)
    (paths.raw / REG).write_bytes(b"")
    ingest_all(paths)
    assert log(paths)[REG][0] == "rejected"
    assert query(paths, "select count(*) from raw.register_units where source_file = ?", [REG]) == [(0,)]
    # and back to good: loaded again, the rejection's finding gone
    (paths.raw / REG).write_bytes((data_root(tmp_path / "again").raw / REG).read_bytes())
    ingest_all(paths)
    assert log(paths)[REG][:2] == ("loaded", 3)
    assert findings(paths, REG) == []


def test_removed_file_leaves(tmp_path):
    paths = data_root(tmp_path)
    ingest_all(paths)
    (paths.raw / REG).unlink()
    (paths.agreements / "amsterdam_v1.xlsx").unlink()
    ingest_all(paths)
    entries = log(paths)
    assert entries[REG][:2] == ("removed", 0)
    assert entries["agreements/amsterdam_v1.xlsx"][0] == "removed"
    assert query(paths, "select count(*) from raw.register_units where source_file = ?", [REG]) == [(0,)]
    assert query(paths, "select count(*) from raw.agreement_rows") == [(0,)]
    assert query(paths, "select count(*) from raw.agreement_workbooks") == [(0,)]
    ingest_all(paths)  # stays removed, nothing else changes
    assert log(paths)[REG][0] == "removed"


def test_same_content_under_two_names_f5(tmp_path):
    paths = data_root(tmp_path)
    write_workbook(paths.agreements / "kopie van amsterdam_v1.xlsx")
    (paths.agreements / "kopie van amsterdam_v1.xlsx").write_bytes((paths.agreements / "amsterdam_v1.xlsx").read_bytes())
    ingest_all(paths)
    entries = log(paths)
    assert entries["agreements/amsterdam_v1.xlsx"][0] == "loaded"  # first by name
    status, rows, error = entries["agreements/kopie van amsterdam_v1.xlsx"]
    assert status == "rejected" and rows == 0 and error.startswith("F5 (warning)") and "amsterdam_v1.xlsx" in error
    ((code, severity, _),) = findings(paths, "agreements/kopie van amsterdam_v1.xlsx")
    assert (code, severity) == ("F5", "warning")
    assert query(paths, "select count(*) from raw.agreement_workbooks") == [(1,)]
    # the copy already loaded keeps its place, whatever the names
    ingest_all(paths)
    assert log(paths)["agreements/amsterdam_v1.xlsx"][0] == "unchanged"
    assert log(paths)["agreements/kopie van amsterdam_v1.xlsx"][0] == "rejected"


def test_f5_prefers_a_copy_that_is_accepted(tmp_path):
    paths = data_root(tmp_path)
    good = paths.raw / REG
    misfiled = paths.raw / "register/2022-12-31/A0000.csv"  # sorts first, but its name is wrong (F3)
    misfiled.write_bytes(good.read_bytes())
    ingest_all(paths)
    entries = log(paths)
    assert entries["register/2022-12-31/A0000.csv"][2].startswith("F3")
    assert entries[REG][0] == "loaded"


def test_register_copies_read_ahead_keep_their_order(tmp_path):
    """Register files are read ahead in a worker thread: a copy (F5) skipped in between changes nothing."""
    paths = data_root(tmp_path)
    folder = paths.raw / "register/2022-12-31"
    text = (folder / "L0001.csv").read_text()
    (folder / "L0001_kopie.csv").write_text(text)  # sorts after L0001.csv, same bytes: F5
    (folder / "L0003.csv").write_text(text.replace("L0001", "L0003"))  # after the copy, loaded
    ingest_all(paths)
    entries = log(paths)
    assert entries[REG][0] == "loaded"
    assert entries["register/2022-12-31/L0001_kopie.csv"][0] == "rejected"
    assert entries["register/2022-12-31/L0001_kopie.csv"][2].startswith("F5 (warning)")
    assert entries["register/2022-12-31/L0003.csv"][0] == "loaded"
    counts = dict(query(paths, "select source_file, count(*) from raw.register_units group by all"))
    assert counts["register/2022-12-31/L0003.csv"] == counts[REG] > 0
    assert "register/2022-12-31/L0001_kopie.csv" not in counts


def test_raw_files_are_never_touched(tmp_path):
    paths = data_root(tmp_path)
    (paths.raw / "register/2022-12-31/L0002.csv").write_bytes(b"")  # a rejected one too
    before = _file_state(paths)
    os.chmod(paths.raw / REG, 0o444)
    ingest_all(paths)
    ingest_all(paths, full_refresh=True)
    assert _file_state(paths) == before


def test_required_reference_missing_stops_with_a_clear_message(tmp_path):
    paths = data_root(tmp_path)
    (paths.reference / "corporaties.csv").unlink()
    with pytest.raises(ReferenceDataMissing, match=r"corporaties\.csv.*reference"):
        ingest_all(paths)


def test_required_reference_rejected_stops_after_logging(tmp_path):
    paths = data_root(tmp_path)
    (paths.reference / "municipal_mergers.csv").write_text("old,new\nGM0457,GM0363\n")
    with pytest.raises(ReferenceFileRejected, match="is_primary_successor"):
        ingest_all(paths)
    assert log(paths)["reference/municipal_mergers.csv"][0] == "rejected"


def test_optional_reference_may_be_absent(tmp_path):
    paths = data_root(tmp_path)
    (paths.reference / "woningmarktregios.csv").unlink()
    (paths.reference / "figures.csv").write_text("not,ours\n1,2\n")  # unknown files are ignored
    summary = ingest_all(paths)
    assert summary.counts()["reference"]["loaded"] == 4
    assert query(paths, "select count(*) from raw.ref_woningmarktregios") == [(0,)]


def test_metadata_of_workbooks_with_merged_code_kept_as_written(tmp_path):
    paths = data_root(tmp_path, with_agreement=False)
    write_workbook(paths.agreements / "weesp.xlsx", meta={**META, "gemeentecode": "GM0457"})
    ingest_all(paths)
    assert query(paths, "select gemeentecode from raw.agreement_workbooks") == [("GM0457",)]  # mapped in dbt
