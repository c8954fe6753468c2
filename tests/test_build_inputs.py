"""The fingerprint that lets a run with nothing new leave the rebuild out."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.warehouse.build_inputs import build_inputs_fingerprint, read_release_manifest
from pipelines.warehouse.publish import publish

LOG = [
    ("register/2021-12-31/L0001.csv", "register", "aa", "loaded", None),
    ("agreements/0363.xlsx", "agreement", "bb", "loaded", None),
    ("agreements/kapot.xlsx", "agreement", "cc", "rejected", "agreements/kapot.xlsx: cannot be read"),
]


def _raw(rows) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.load_log (file_path varchar, sha256 varchar, kind varchar, rows_read bigint, "
                "status varchar, error varchar, loaded_at timestamp)")
    con.executemany("insert into raw.load_log values (?, ?, ?, 1, ?, ?, now())",
                    [(p, s, k, st, e) for p, k, s, st, e in rows])
    return con


def _fp(rows, as_of=None) -> str:
    return build_inputs_fingerprint(_raw(rows), as_of)


def test_same_files_give_the_same_fingerprint_whether_loaded_now_or_earlier():
    again = [(p, k, s, "unchanged" if st == "loaded" else st, e) for p, k, s, st, e in LOG]
    assert _fp(LOG) == _fp(again)
    # a file that left earlier is no input any more
    assert _fp(LOG) == _fp(LOG + [("agreements/weg.xlsx", "agreement", "dd", "removed", None)])


@pytest.mark.parametrize("change", ["content", "new file", "file gone", "now rejected", "as_of"])
def test_anything_the_marts_depend_on_changes_the_fingerprint(change):
    rows, as_of = list(LOG), None
    if change == "content":
        rows[0] = rows[0][:2] + ("ab",) + rows[0][3:]
    elif change == "new file":
        rows.append(("agreements/0599.xlsx", "agreement", "ee", "loaded", None))
    elif change == "file gone":
        rows[1] = rows[1][:3] + ("removed", None)
    elif change == "now rejected":
        rows[1] = rows[1][:3] + ("rejected", "agreements/0363.xlsx: F2")
    else:
        as_of = dt.date(2023, 4, 1)
    assert _fp(rows, as_of) != _fp(LOG)


def test_a_release_records_what_it_was_built_from(tmp_path):
    build = tmp_path / "build.duckdb"
    con = duckdb.connect(str(build))
    con.execute("create schema marts; create table marts.t as select 1 as x")
    con.close()
    release = publish(build, tmp_path / "marts", "20260101T000000Z-abcdef12", about={"build_inputs": "f00"})
    manifest = read_release_manifest(release.path)
    assert manifest == {"release_id": "20260101T000000Z-abcdef12", "build_inputs": "f00", "tables": {"t": 1}}
    assert read_release_manifest(tmp_path / "nowhere") is None
