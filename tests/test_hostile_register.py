"""Hostile register files (issue 15): each gives a finding with its code, naming file and line, the
rest of the run goes on, and the raw files are byte-identical afterwards.

- a NUL byte: F1 for the file, naming the line (near the start and far beyond the first 64 KB);
- a 100,000-character field: read as written, so the row check on that column (R5) flags the row;
- duplicate headers: F2 when a register column occurs twice (naming the header line and columns),
  F4 when an extra column does;
- a file name with spaces and non-ASCII characters: read like any other file (loaded when the name
  is the corporation after trimming, F3 naming file and line when it is not).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from ingest_support import REGISTER_HEADER, REGISTER_ROW, data_root, findings, log, query, register_csv
from pipelines.ingest import ingest_all
from pipelines.raw_schema import register_as_written

FOLDER = "register/2022-12-31"
LONG = 100_000
# spaces and a no-break space (U+00A0) around the corporation: trimmed away, so the file loads
SPACED_NAME = " L0002\u00a0.csv"
DUTCH_NAME = "L0002 Wóónstichting 's-Hertogenbosch.csv"  # not a corporation: F3 like any misnamed file


def _row(**changes) -> list[str]:
    row = dict(zip(REGISTER_HEADER, REGISTER_ROW, strict=True))
    row.update(changes)
    return list(row.values())


def _rows(n: int, **changes) -> list[list[str]]:
    return [_row(vhe_nummer=f"K{i}", **changes) for i in range(1, n + 1)]


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def hostile_files() -> dict[str, bytes]:
    """Relative path under the register snapshot folder -> content; corporations L0002..L0006."""
    far = _rows(2000, corporatie="L0003")  # about 170 KB: the NUL lies far beyond the first 64 KB
    return {
        "L0002.csv": register_csv(_rows(5, corporatie="L0002")).encode().replace(b"K3;", b"K\x003;"),
        "L0003.csv": register_csv(far).encode().replace(b"K1999;", b"K1999\x00;"),
        "L0004.csv": register_csv(
            [_row(corporatie="L0004") + ["L0004"]], header=REGISTER_HEADER + ["Corporatie "]
        ).encode(),
        "L0005.csv": register_csv(
            [_row(corporatie="L0005") + ["a", "b"]], header=REGISTER_HEADER + ["opmerking", "opmerking"]
        ).encode(),
        "L0006.csv": register_csv(
            [*_rows(2, corporatie="L0006"), _row(corporatie="L0006", vhe_nummer="K3", energielabel="A" * LONG)]
        ).encode(),
    }


@pytest.fixture(params=["polars", "duckdb"])
def loaded(request, tmp_path, monkeypatch):
    monkeypatch.setenv("NPA_REGISTER_READER", request.param)  # both CSV readers
    paths = data_root(tmp_path, with_agreement=False)
    folder = paths.raw / FOLDER
    for name, content in hostile_files().items():
        (folder / name).write_bytes(content)
    (folder / SPACED_NAME).write_bytes(register_csv(_rows(2, corporatie="l0002")).encode())
    (folder / DUTCH_NAME).write_bytes(register_csv(_rows(1, corporatie="L0002")).encode())
    before = _digests(paths.raw)
    ingest_all(paths, kinds=("register",))
    assert _digests(paths.raw) == before  # nothing under raw/ was changed, moved or added
    return paths


def test_nul_byte_rejects_the_file_naming_the_line(loaded):
    entries = log(loaded)
    for name, line in (("L0002.csv", 4), ("L0003.csv", 2000)):
        rel = f"{FOLDER}/{name}"
        status, _, error = entries[rel]
        assert status == "rejected" and error.startswith(f"F1: {rel}: "), error
        assert "NUL byte" in error and f"line {line}" in error, error
        assert [f[:2] for f in findings(loaded, rel)] == [("F1", "error")]
        assert query(loaded, "select count(*) from raw.register_units where source_file = ?", [rel]) == [(0,)]


def test_a_register_column_twice_in_the_header_rejects_f2_an_extra_column_twice_is_f4(loaded):
    rel = f"{FOLDER}/L0004.csv"
    status, _, error = log(loaded)[rel]
    assert status == "rejected" and error.startswith(f"F2: {rel}: "), error
    assert "header (line 1)" in error and "corporatie in columns 2, 17" in error, error
    rel = f"{FOLDER}/L0005.csv"
    assert log(loaded)[rel][:2] == ("loaded", 1)
    ((code, severity, detail),) = findings(loaded, rel)
    assert (code, severity) == ("F4", "warning") and "opmerking, opmerking" in detail and rel in detail


def test_a_100000_character_field_is_kept_as_written(loaded):
    rel = f"{FOLDER}/L0006.csv"
    assert log(loaded)[rel][:2] == ("loaded", 3)
    assert findings(loaded, rel) == []
    rows = query(
        loaded,
        f"select source_row, length(energielabel_raw), energielabel_raw = repeat('A', {LONG}) "
        f"from (select r.* {register_as_written('r')} from raw.register_units r where source_file = ?) "
        "order by source_row",
        [rel],
    )
    assert rows == [(2, 1, False), (3, 1, False), (4, LONG, True)]  # the checks flag line 4 (R5)


def test_file_names_with_spaces_and_non_ascii_characters(loaded):
    spaced = f"{FOLDER}/{SPACED_NAME}"
    assert log(loaded)[spaced][:2] == ("loaded", 2)
    rows = query(
        loaded,
        "select source_row, file_corporation, corporatie from raw.register_units where source_file = ? order by 1",
        [spaced],
    )
    assert rows == [(2, "L0002", "L0002"), (3, "L0002", "L0002")]
    dutch = f"{FOLDER}/{DUTCH_NAME}"
    status, _, error = log(loaded)[dutch]
    assert status == "rejected" and error.startswith(f"F3: {dutch}: ") and "line(s) 2" in error, error


def test_the_other_files_are_loaded_as_without_the_hostile_ones(loaded, tmp_path):
    clean = data_root(tmp_path / "clean", with_agreement=False)
    ingest_all(clean, kinds=("register",))
    sql = "select * exclude (loaded_at) from raw.load_log where file_path like '%L0001.csv' order by 1"
    assert query(loaded, sql) == query(clean, sql)
    sql = "select * from raw.register_units where source_file like '%L0001.csv' order by source_file, source_row"
    assert query(loaded, sql) == query(clean, sql)


# -- the whole nightly run, with the hostile files among generated data --------------------------


@pytest.mark.xdist_group("pipeline")
def test_the_nightly_succeeds_with_hostile_register_files(tmp_path, reference_dir, dbt_manifest):
    from tests.pipeline_harness import prepare_data_dir, published, run_nightly

    paths = prepare_data_dir(tmp_path / "data", reference_dir)
    folder = paths.raw / FOLDER
    real = sorted(p for p in folder.glob("*.csv"))[0]
    corp = real.stem
    # the real file under a name with spaces and a no-break space: loaded as the same corporation
    spaced = folder / f" {corp}\u00a0.csv"
    real.rename(spaced)
    # the same rows once more, under a Dutch name with an apostrophe (and a different sha256)
    dutch = folder / f"{corp} Wóónstichting 's-Hertogenbosch.csv"
    dutch.write_bytes(spaced.read_bytes() + b"\n")
    for name, content in hostile_files().items():
        (folder / name).write_bytes(content)
    before = _digests(paths.raw)

    result = run_nightly(paths)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    assert _digests(paths.raw) == before

    statuses = dict(published(paths, "select file_path, status from marts.load_log"))
    assert statuses[f"{FOLDER}/{spaced.name}"] == "loaded"
    assert statuses[f"{FOLDER}/{dutch.name}"] == "rejected"
    for name, status in (("L0002", "rejected"), ("L0003", "rejected"), ("L0004", "rejected"),
                         ("L0005", "loaded"), ("L0006", "loaded")):
        assert statuses[f"{FOLDER}/{name}.csv"] == status, name
    found = {
        (code, source_file)
        for code, source_file in published(paths, "select check_code, source_file from marts.dq_findings")
    }
    assert {("F1", f"{FOLDER}/L0002.csv"), ("F1", f"{FOLDER}/L0003.csv"), ("F2", f"{FOLDER}/L0004.csv"),
            ("F4", f"{FOLDER}/L0005.csv"), ("F3", f"{FOLDER}/{dutch.name}")} <= found
    con = duckdb.connect(str(paths.raw_db), read_only=True)
    try:
        # the long label is a row finding on its own line (the other L0006 rows may raise R4/R2 too)
        r5 = con.execute(
            "select source_row from checks.findings where check_code = 'R5' and source_file = ?",
            [f"{FOLDER}/L0006.csv"],
        ).fetchall()
        assert r5 == [(4,)]
        [(detail,)] = con.execute(
            "select detail from checks.findings where check_code = 'R5' and source_file = ?",
            [f"{FOLDER}/L0006.csv"],
        ).fetchall()
        assert len(detail) < 300 and f"({LONG} characters)" in detail  # the value is quoted, cut short
        spaced_rows = con.execute(
            "select count(*) from raw.register_units where source_file = ?", [f"{FOLDER}/{spaced.name}"]
        ).fetchall()
    finally:
        con.close()
    stock = published(paths, "select n_dwellings from marts.stock_by_area where area_level = 'national' "
                             "and snapshot_date = date '2022-12-31'")
    assert spaced_rows[0][0] > 0 and stock and stock[0][0] > 0
