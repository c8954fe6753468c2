"""Compare two warehouses mart by mart: `python -m bench.compare PUBLISHED.duckdb OTHER.duckdb`.

For every table in schema `marts` of OTHER (the floor writes one), the rows of the columns both
have, doubles rounded to 4 decimals, compared as multisets both ways. Prints one line per table
and exits 1 when any table differs. Used to hold the floor to the pipeline's published marts.
"""

from __future__ import annotations

import sys


def compare(published: str, other: str) -> dict[str, tuple[int, int, int]]:
    """table -> (rows published, rows only in published, rows only in other)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"attach '{published}' as p (read_only)")
    con.execute(f"attach '{other}' as o (read_only)")

    def columns(db: str, table: str) -> dict[str, str]:
        return dict(con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where database_name = ? and schema_name = 'marts' and table_name = ? order by column_index",
            [db, table]).fetchall())

    tables = [r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = 'o' and schema_name = 'marts' "
        "order by 1").fetchall()]
    out: dict[str, tuple[int, int, int]] = {}
    for table in tables:
        theirs = columns("p", table)
        if not theirs:
            out[table] = (-1, 0, 0)
            continue
        common = [c for c in columns("o", table) if c in theirs]

        def expr(c: str) -> str:
            kind = theirs[c]
            if kind in ("DOUBLE", "FLOAT", "REAL") or kind.startswith("DECIMAL"):
                return f"round({c}::double, 4) as {c}"
            return f"{c}::varchar as {c}"

        select = ", ".join(expr(c) for c in common)
        only_p = con.execute(f"select count(*) from (select {select} from p.marts.{table} "
                             f"except all select {select} from o.marts.{table})").fetchall()[0][0]
        only_o = con.execute(f"select count(*) from (select {select} from o.marts.{table} "
                             f"except all select {select} from p.marts.{table})").fetchall()[0][0]
        n = con.execute(f"select count(*) from p.marts.{table}").fetchall()[0][0]
        out[table] = (n, only_p, only_o)
    con.close()
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__)
        return 2
    result = compare(args[0], args[1])
    differs = False
    for table, (n, only_p, only_o) in result.items():
        if n < 0:
            print(f"{table:22s} not in the published warehouse")
            continue
        same = only_p == 0 and only_o == 0
        differs |= not same
        print(f"{table:22s} {n:8d} rows published; {'same' if same else f'{only_p} only published, {only_o} only here'}")
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
