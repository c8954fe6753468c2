"""Which register files the raw checks must look at again, per corporation.

The register's checks are per row (R1, R2, R4-R6, R9, R10), per corporation and snapshot (R7: a
vhe_nummer twice) and across corporations (R8: one BAG object reported by two). So a nightly in
which a few register files changed need not check 4.6 million rows again: the findings of a file
stay what they were unless the file changed or a rule relates it to one that did. The scope is
closed under those relations:
- every file of a corporation in scope is in scope (R7 compares a corporation's files); a file's
  corporations are those of its rows (`corporatie`, else the file name);
- a corporation with a row that shares an R8 key (peildatum, bag_vbo_id) with a row in scope is in
  scope, and so is every corporation named in an R8 finding kept from before (its partner may have
  been in a file that changed or went);
- a changed file's corporations are those of its rows now and when it was checked last.
Repeated until nothing is added. The rest of the findings of the register are kept; those of the
workbooks and targets files are always recomputed (they are small).

Everything else the register's checks read is the basis: the checking code and engines, and the
reference files (R2 and R4 look codes up there). A different basis, no record of the last run, or
more than half the files in scope: the whole register is checked. `checks.register_files_checked`
records, per file, the state and the corporations the findings were made from, replaced in the
same transaction as the findings (raw_checks.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import duckdb

FILES_TABLE = "checks.register_files_checked"
CONCERNED_TABLE = "checks.register_rows_concerned"
BASIS_TABLE = "checks.register_checks_basis"
KEYS_TABLE = "checks.register_r8_keys"  # per row with a bag_vbo_id: the hash of its R8 key, and its file
REGISTER_SUITES = ("gx.register_units", "sql.register_units")
FULL_SHARE = 0.5  # beyond this share of the files in scope, checking all costs no more

# a row's corporation and snapshot date, as the register base of the rules has them
_CORP = "coalesce(upper(trim(r.corporatie)), r.file_corporation)"
_R8_KEY = "hash(coalesce(r.peildatum, r.file_date), trim(r.bag_vbo_id))"

_TABLES_SQL = f"""
create table if not exists {FILES_TABLE} (source_file VARCHAR primary key, state VARCHAR, corporations VARCHAR[]);
create table if not exists {CONCERNED_TABLE} (source_file VARCHAR, check_code VARCHAR, n BIGINT);
create table if not exists {BASIS_TABLE} (basis VARCHAR);
create table if not exists {KEYS_TABLE} (h8 UBIGINT, source_file VARCHAR);
"""


@dataclass
class RegisterScope:
    full: bool
    reason: str
    changed: list[str] = field(default_factory=list)
    files: int = 0  # register files in scope
    of: int = 0  # register files there are

    def summary(self) -> str:
        if self.full:
            return f"whole register checked ({self.reason})"
        return f"{self.files} of {self.of} register file(s) checked ({len(self.changed)} changed)"


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_TABLES_SQL)


def basis_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    from pipelines.warehouse.build_inputs import code_fingerprint

    reference = con.execute(
        """select file_path, coalesce(sha256, ''), status in ('loaded', 'unchanged') from raw.load_log
           where kind = 'reference' and status <> 'removed' order by file_path"""
    ).fetchall()
    parts = {"code": code_fingerprint(), "reference": reference}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


# each register file there is, and its state as the checks see it: content and whether it was
# accepted (a file rejected at load has no rows to check); recorded per file after each check
_STATES_SQL = """select file_path, coalesce(sha256, '') || '|'
                        || case when status in ('loaded', 'unchanged') then 'accepted' else status end as state
                 from raw.load_log where kind = 'register' and status <> 'removed'"""


def _current_states(con) -> dict[str, str]:
    return dict(con.execute(_STATES_SQL).fetchall())


def _prepare(con, changed: list[str] | None) -> None:
    """Temp tables of each register file's corporations (`chk_file_corps`) and, for an incremental
    check, R8 keys (`chk_r8_keys`): recorded ones for the files that did not change, read from the
    rows for those that did (`changed`: their paths; None: a whole check, every file's
    corporations from the rows and no keys, which `record` writes from the rows)."""
    rows = "true" if changed is None else _among("r.source_file", changed)
    con.execute(f"""create or replace temp table chk_new_corps as
                    select distinct r.source_file, {_CORP} as corp from raw.register_units r where {rows}""")
    recorded_corps = ""
    if changed is not None:
        recorded_corps = (f"union all select source_file, unnest(corporations) from {FILES_TABLE} "
                          f"where not {_among('source_file', changed)}")
        # only a scope needs the keys in memory; a whole check's keys go straight to the record
        con.execute(f"create or replace temp table chk_new_keys as {_keys_sql(changed)}")
        con.execute(f"""create or replace temp view chk_r8_keys as select * from chk_new_keys
                        union all
                        select h8, source_file from {KEYS_TABLE} where not {_among('source_file', changed)}""")
    con.execute(f"create or replace temp table chk_file_corps as select * from chk_new_corps {recorded_corps}")


def _among(column: str, paths: list[str]) -> str:
    """`column` is one of `paths`, as a list of SQL literals, which DuckDB applies as a filter in
    the scan rather than as a join with a subquery (national, ten files changed: the scope's
    closure over the recorded R8 keys 0.31 s an iteration with `not in (subquery)`, 0.04-0.06 s
    with the literals)."""
    if not paths:
        return "false"
    return f"{column} in (" + ", ".join("'" + path.replace("'", "''") + "'" for path in paths) + ")"


def _keys_sql(changed: list[str] | None) -> str:
    """The R8 key of each row with a bag_vbo_id: of the `changed` files, or (None) of every file."""
    if changed is None:
        return f"""select {_R8_KEY} as h8, r.source_file from raw.register_units r
                   where nullif(trim(r.bag_vbo_id), '') is not null"""
    # the files' rows first: given both filters at once, DuckDB trims every bag_vbo_id of the
    # register before it looks at the file (national, ten files: 0.5 s instead of 0.12-0.19)
    return f"""with r as materialized (
                   select peildatum, file_date, bag_vbo_id, source_file from raw.register_units r
                   where {_among("r.source_file", changed)})
               select {_R8_KEY} as h8, r.source_file from r
               where nullif(trim(r.bag_vbo_id), '') is not null"""


def plan_scope(con: duckdb.DuckDBPyConnection, basis: str, incremental: bool = True) -> RegisterScope:
    """Decide the scope; when it is not the whole register, temp table `chk_scope` (source_file)
    holds it, the changed files included (also those that went)."""
    ensure_tables(con)
    states = _current_states(con)
    recorded = con.execute(f"select basis from {BASIS_TABLE}").fetchall()
    reason = ("a whole check asked for" if not incremental
              else "no record of an earlier check" if not recorded
              else "checking code or reference data changed" if recorded[0][0] != basis else "")
    if reason:
        _prepare(con, None)
        return RegisterScope(True, reason, of=len(states))
    before = dict(con.execute(f"select source_file, state from {FILES_TABLE}").fetchall())
    changed = sorted(f for f in states.keys() | before.keys() if states.get(f) != before.get(f))
    con.execute("create or replace temp table chk_changed (source_file VARCHAR)")
    if changed:
        con.executemany("insert into chk_changed values (?)", [[f] for f in changed])
    _prepare(con, changed)
    if not changed:
        con.execute("create or replace temp table chk_scope as select null::varchar as source_file limit 0")
        return RegisterScope(False, "", [], 0, len(states))

    con.execute(
        f"""create or replace temp table chk_scope_corps as
            select corp from chk_file_corps where source_file in (select source_file from chk_changed)
            union
            select unnest(corporations) from {FILES_TABLE} where source_file in (select source_file from chk_changed)
            union
            select unnest(c.corporations) from {FILES_TABLE} c
            where c.source_file in (select source_file from checks.findings where check_code = 'R8')"""
    )
    size = -1
    while True:
        # files of the corporations in scope, then every corporation of those files and of the
        # files sharing an R8 key with them
        con.execute(
            """create or replace temp table chk_scope as
               select distinct source_file from chk_file_corps where corp in (select corp from chk_scope_corps)"""
        )
        con.execute(
            """insert into chk_scope_corps
               select corp from chk_file_corps where source_file in (
                   select source_file from chk_scope
                   union
                   select k.source_file from chk_r8_keys k
                   where k.h8 in (select h8 from chk_r8_keys where source_file in (select source_file from chk_scope)))
               except select corp from chk_scope_corps"""
        )
        grown = con.execute("select count(*) from chk_scope_corps").fetchone()[0]
        if grown == size:
            break
        size = grown
    con.execute("insert into chk_scope select source_file from chk_changed except select source_file from chk_scope")
    in_scope = con.execute("select count(*) from chk_scope where source_file in (select unnest(?::varchar[]))",
                           [list(states)]).fetchone()[0]
    if in_scope > FULL_SHARE * max(len(states), 1):
        return RegisterScope(True, f"{in_scope} of {len(states)} register files in scope", changed, in_scope, len(states))
    return RegisterScope(False, "", changed, in_scope, len(states))


def kept_findings_sql(scope: RegisterScope) -> str:
    """The findings of checks.findings that stay: the register's, of files out of scope still there."""
    if scope.full:
        return "select * from checks.findings where false"
    suites = ", ".join(f"'{s}'" for s in REGISTER_SUITES)
    return f"""select * from checks.findings
               where suite in ({suites})
                 and source_file not in (select source_file from chk_scope)
                 and source_file in (select source_file from {FILES_TABLE})"""


def record(con: duckdb.DuckDBPyConnection, scope: RegisterScope, basis: str, concerned_sql: str) -> None:
    """After the findings (in their transaction): each register file's state and corporations, the
    rows each code concerns per file (`concerned_sql`: source_file, check_code, n of this run)."""
    keep = "where false" if scope.full else "where source_file not in (select source_file from chk_scope)"
    con.execute(f"create or replace temp table chk_kept_concerned as select * from {CONCERNED_TABLE} {keep}")
    con.execute(f"delete from {CONCERNED_TABLE}")
    con.execute(f"insert into {CONCERNED_TABLE} select * from chk_kept_concerned union all {concerned_sql}")
    con.execute(f"delete from {FILES_TABLE}")
    con.execute(
        f"""insert into {FILES_TABLE}
            select s.file_path, s.state, coalesce(c.corps, [])
            from ({_STATES_SQL}) s
            left join (select source_file, list(corp order by corp) as corps from chk_file_corps
                       where corp is not null group by source_file) c on c.source_file = s.file_path"""
    )
    if scope.full:
        con.execute(f"delete from {KEYS_TABLE}")
        con.execute(f"insert into {KEYS_TABLE} {_keys_sql(None)}")
    else:
        con.execute(f"delete from {KEYS_TABLE} where source_file in (select source_file from chk_changed)")
        con.execute(f"insert into {KEYS_TABLE} select h8, source_file from chk_new_keys")
    con.execute(f"delete from {BASIS_TABLE}")
    con.execute(f"insert into {BASIS_TABLE} values (?)", [basis])
    con.execute("drop table if exists temp.chk_kept_concerned")


def concerned_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Register rows concerned per code, over all files (this run's and those kept)."""
    return dict(con.execute(f"select check_code, sum(n)::bigint from {CONCERNED_TABLE} group by all").fetchall())


TEMP_TABLES = ("chk_file_corps", "chk_scope", "chk_scope_corps", "chk_changed", "chk_new_corps", "chk_new_keys")
TEMP_VIEWS = ("chk_r8_keys",)
