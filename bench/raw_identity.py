"""Compare two raw layers: `python -m bench.raw_identity A.duckdb B.duckdb`.

For raw.register_units, raw.load_log and raw.load_findings, the rows of A and B compared as
multisets both ways (EXCEPT ALL), without the time a file was loaded (`load_log.loaded_at`); the
register's texts compared as written (`register_as_written`) and as stored. Prints one line per
table and exits 1 when any differs. Used to prove that the DuckDB register reader
(pipelines/ingest/duckdb_csv.py) builds the same raw layer as the polars one.
"""

from __future__ import annotations

import sys

from pipelines.raw_schema import register_as_written

TABLES = {
    "register_units (as stored)": "select * from {db}.raw.register_units",
    "register_units (as written)": f"select r.* {register_as_written('r')} from {{db}}.raw.register_units r",
    "load_log": "select * exclude (loaded_at) from {db}.raw.load_log",
    "load_findings": "select * from {db}.raw.load_findings",
}


def compare(a: str, b: str) -> dict[str, tuple[int, int, int]]:
    """table -> (rows in A, rows only in A, rows only in B)."""
    import duckdb

    con = duckdb.connect()
    try:
        for name, path in (("a", a), ("b", b)):
            escaped = str(path).replace("'", "''")
            con.execute(f"attach '{escaped}' as {name} (read_only)")
        out = {}
        for table, sql in TABLES.items():
            left, right = sql.format(db="a"), sql.format(db="b")
            (total,) = con.execute(f"select count(*) from ({left})").fetchone()
            (only_a,) = con.execute(f"select count(*) from ({left} except all {right})").fetchone()
            (only_b,) = con.execute(f"select count(*) from ({right} except all {left})").fetchone()
            out[table] = (total, only_a, only_b)
        return out
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    differs = False
    for table, (total, only_a, only_b) in compare(*args).items():
        same = only_a == only_b == 0
        differs |= not same
        print(f"{table:<28} {total:>10,} rows  only in A {only_a:,}  only in B {only_b:,}  {'same' if same else 'DIFFERENT'}")
    return 1 if differs else 0


if __name__ == "__main__":
    raise SystemExit(main())
