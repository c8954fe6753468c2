"""The streaming INSERT behind the register load: everything lands, an abort or an error leaves
the caller's transaction to roll back, and the connection is usable afterwards."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from pipelines.ingest.arrow_stream import ArrowInsertStream


def _table(start: int, n: int) -> pa.Table:
    return pa.table({"k": pa.array(range(start, start + n), pa.int64()),
                     "v": pa.array([f"value {i}" for i in range(start, start + n)], pa.string())})


@pytest.fixture()
def con():
    con = duckdb.connect()
    con.execute("create table t (k bigint, v varchar)")
    yield con
    con.close()


def test_all_batches_are_written_in_one_insert(con):
    con.execute("begin transaction")
    stream = ArrowInsertStream(con, "t", _table(0, 1).schema)
    for start in range(0, 700_000, 300_000):  # larger than a row group, and a partial last one
        stream.put(_table(start, min(300_000, 700_000 - start)))
    stream.close()
    con.execute("commit")
    assert con.execute("select count(*), count(distinct k), max(k) from t").fetchone() == (700_000, 700_000, 699_999)


def test_an_abort_leaves_nothing_after_rollback(con):
    con.execute("begin transaction")
    stream = ArrowInsertStream(con, "t", _table(0, 1).schema)
    stream.put(_table(0, 10))
    stream.abort()
    con.execute("rollback")
    assert con.execute("select count(*) from t").fetchone() == (0,)


def test_a_failing_insert_is_raised_to_the_caller(con):
    con.execute("create table narrow (k bigint)")
    con.execute("begin transaction")
    stream = ArrowInsertStream(con, "narrow", _table(0, 1).schema)  # two columns into one
    with pytest.raises(RuntimeError, match="writing the batch failed"):
        for _ in range(5):
            stream.put(_table(0, 10))
        stream.close()
    stream.abort()
    con.execute("rollback")
    assert con.execute("select count(*) from narrow").fetchone() == (0,)
