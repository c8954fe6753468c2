"""Incremental raw checks (pipelines/checks/register_scope.py) give the findings of a whole check.

Generated tiny data with its planted defects, checked once; then register files change in the ways
that relate files across corporations: a file gets other values, a file holding one side of a
dwelling reported by two corporations (R8) goes, another corporation's file gets a row with the BAG
object of a dwelling in a file that does not change (a new R8 pair, one side unchanged), and a file
comes in. The incremental check must look at fewer files than there are, and its findings and
per-code counts must equal those of a whole check of the same raw layer.
"""

from __future__ import annotations

import random
import shutil
from collections import Counter
from pathlib import Path

import pytest

from bench.changes import change_register_file, column, read_csv, write_csv
from pipelines.checks import run_raw_checks
from pipelines.config import DataPaths

REFERENCE_FILES = ("municipalities.csv", "municipal_mergers.csv", "corop_regions.csv")


def _findings(result) -> Counter:
    return Counter((f.suite, f.check_code, f.severity, f.entity, f.detail, f.source_file, f.source_row)
                   for f in result.findings)


def _counts(result) -> dict:
    return {code: (s.findings, s.rows) for code, s in result.by_code.items()}


def _csv_files(raw: Path) -> list[Path]:
    return sorted((raw / "register").rglob("*.csv"))


def _r8_files(result) -> set[str]:
    return {f.source_file for f in result.findings if f.check_code == "R8"}


@pytest.fixture(scope="module")
def checked(tmp_path_factory, reference_dir):
    from pipelines.generate.generator import generate
    from pipelines.ingest.run import ingest_all, raw_connection

    root = tmp_path_factory.mktemp("checks_incremental")
    raw = root / "raw"
    (raw / "reference").mkdir(parents=True)
    for name in REFERENCE_FILES:
        shutil.copyfile(reference_dir / name, raw / "reference" / name)
    generate("tiny", 1, raw, defects=True)
    paths = DataPaths(root)
    ingest_all(paths)
    with raw_connection(paths) as con:
        first = run_raw_checks(con, incremental=True)
    return paths, first


def test_a_first_check_looks_at_the_whole_register(checked):
    _, first = checked
    assert first.scope.startswith("whole register checked")
    assert _r8_files(first), "the defects include a dwelling reported by two corporations"


def test_incremental_findings_equal_a_whole_check(checked):
    from pipelines.ingest.run import ingest_all, raw_connection

    paths, first = checked
    raw = paths.raw
    files = _csv_files(raw)
    by_path = {p.relative_to(raw).as_posix(): p for p in files}

    # one side of an R8 pair goes: the other side's finding must go too, though its file is unchanged
    removed = by_path[sorted(f for f in _r8_files(first) if f in by_path)[0]]
    removed.unlink()
    # a row of an unchanged file gets a partner in another corporation's file of the same snapshot
    candidates = [p for p in files if p != removed and p.parent != removed.parent]
    victim, partner = next((a, b) for a in candidates for b in candidates
                           if a.parent == b.parent and a.name != b.name)
    rows, _ = read_csv(victim)
    bag = rows[1][column(rows[0], "bag_vbo_id")]
    partner_rows, fmt = read_csv(partner)
    copy = list(partner_rows[1])
    copy[column(partner_rows[0], "bag_vbo_id")] = bag
    copy[column(partner_rows[0], "vhe_nummer")] = "NIEUW-" + copy[column(partner_rows[0], "vhe_nummer")]
    write_csv(partner, [*partner_rows, copy], fmt)
    # other values in one file, and a new file: a corporation's register of a later snapshot
    changed = next(p for p in files if p not in (removed, victim, partner))
    assert change_register_file(changed, random.Random(5), rows=4) == 4
    later = raw / "register" / "2023-12-31"
    later.mkdir()
    shutil.copyfile(changed, later / changed.name)

    ingest_all(paths)
    with raw_connection(paths) as con:
        incremental = run_raw_checks(con, incremental=True)
        whole = run_raw_checks(con, incremental=False)
        again = run_raw_checks(con, incremental=True)

    assert not incremental.scope.startswith("whole"), incremental.scope
    checked_files, of = (int(x) for x in incremental.scope.split(" register")[0].split(" of "))
    assert checked_files < of
    assert whole.scope.startswith("whole")
    victim_file = victim.relative_to(raw).as_posix()
    assert victim_file in _r8_files(whole), "the new pair is found on the unchanged side"
    assert _findings(incremental) == _findings(whole)
    assert _counts(incremental) == _counts(whole)
    # nothing changed since: nothing is checked again, and the findings stay
    assert again.scope.startswith("0 of"), again.scope
    assert _findings(again) == _findings(whole)
    assert _counts(again) == _counts(whole)


def test_the_changed_files_filter_holds_any_path_as_a_literal():
    """The scope names changed files as SQL literals (so DuckDB can skip other files' row groups):
    a quote in a path stays a character of it, and no file at all selects no rows."""
    import duckdb

    from pipelines.checks.register_scope import _among

    con = duckdb.connect()
    con.execute("create table t as select * from (values ('register/2022-12-31/L0''1.csv'), ('other.csv')) v(f)")
    assert con.execute(f"select f from t where {_among('f', ['register/2022-12-31/L0' + chr(39) + '1.csv'])}").fetchall() \
        == [("register/2022-12-31/L0'1.csv",)]
    assert con.execute(f"select count(*) from t where {_among('f', [])}").fetchall() == [(0,)]
    assert con.execute(f"select count(*) from t where not {_among('f', [])}").fetchall() == [(2,)]
