"""`run_raw_checks`: the checks over the raw layer, before dbt. Replaces `checks.findings`.

Order (an error keeps its row or file out, and what is kept out raises nothing further):
1. files already rejected at load (an F error, or load_log `rejected`/`removed`) are left out;
2. file-level rules: GX suites `agreement_workbooks` (A1) and `targets` (T1), SQL T1 (a target_code
   defined twice); the files they reject are left out from here on;
3. row rules: GX suites `register_units` (R1, R5, R6, R9, R10) and `agreement_rows` (A4, A5), SQL R2,
   R4, A3;
4. cross-row rules over the rows still in: SQL R7, R8, A13 (unless ingest raised it), and A14 on the
   workbooks still in;
5. errors: one finding per row and code (per file for A1, T1); row-level warnings: one finding per
   rule and file (count + up to 10 examples), rows with any error left out.

Cost at national scale (4.6 M register rows): GX is imported on a background thread, and the
register work that needs no GX (its GX frame, the R7/R8 candidates, the SQL rules R2 and R4) runs
first, before step 2, in the meantime. That is sound because the file-level rules reject workbooks
and targets files only; should one of their paths also be a register file, that work is redone.
Row-level warnings (about a million register rows) are counted without being rendered: only their
examples get a text.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import duckdb

from pipelines.checks import raw_rules, register_scope
from pipelines.checks.catalog import CHECKS, ERROR, RAW_CHECK_CODES
from pipelines.checks.gx_runner import (
    Evaluator, GxSuite, SuiteRun, prepare_frame, run_suite, validate_frame, warm_up_in_background)
from pipelines.raw_schema import ensure_raw_schema

MAX_EXAMPLES = 10


@dataclass(frozen=True)
class Finding:
    suite: str
    check_code: str
    severity: str
    entity: str | None
    detail: str
    source_file: str | None
    source_row: int | None


@dataclass
class CodeSummary:
    code: str
    severity: str
    findings: int = 0
    rows: int = 0  # raw rows (or files) concerned
    examples: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.findings == 0


@dataclass
class RawCheckResult:
    findings: list[Finding]
    by_code: dict[str, CodeSummary]
    suites: list[SuiteRun]
    seconds: dict[str, float]
    scope: str = ""  # which register files were checked (register_scope.RegisterScope.summary)

    @property
    def n_errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    def as_dict(self) -> dict:
        return {
            "by_code": {c: asdict(s) for c, s in self.by_code.items()},
            "suites": [asdict(s) for s in self.suites],
            "seconds": self.seconds,
            "scope": self.scope,
        }


_SETUP_SQL = """
create or replace temp table chk_files_out as
    select distinct source_file, 'load' as reason
    from raw.load_findings
    where lower(trim(severity)) = 'error' and source_row is null and source_file is not null
    union
    select file_path, 'load' from raw.load_log where status in ('rejected', 'removed');

create or replace temp table chk_load_row_errors as
    select distinct source_file, source_row from raw.load_findings
    where lower(trim(severity)) = 'error' and source_row is not null;

create or replace temp table chk_load_a13 as
    select distinct source_file from raw.load_findings where check_code = 'A13';

create or replace temp table chk_known_municipalities as
    select distinct upper(trim(gemeentecode)) as code, gemeentenaam as name
    from raw.ref_municipalities where gemeentecode is not null
    union
    select distinct upper(trim(old_gemeentecode)), old_gemeentenaam
    from raw.ref_municipal_mergers where old_gemeentecode is not null
    union
    select distinct upper(trim(new_gemeentecode)), new_gemeentenaam
    from raw.ref_municipal_mergers where new_gemeentecode is not null;

create or replace temp table chk_known_corporations as
    select distinct upper(trim(corporatie)) as code from raw.ref_corporaties where corporatie is not null;

create or replace temp table chk_hits (
    tbl VARCHAR, rule_id VARCHAR, code VARCHAR, severity VARCHAR, rid BIGINT, info VARCHAR,
    source_file VARCHAR, source_row INTEGER);  -- the location: filled by the GX suites only

create or replace temp table chk_rendered (
    suite VARCHAR, tbl VARCHAR, rule_id VARCHAR, code VARCHAR, severity VARCHAR, file_level BOOLEAN,
    source_file VARCHAR, source_row INTEGER, entity VARCHAR, file_entity VARCHAR, problem VARCHAR,
    rid BIGINT, info VARCHAR);
"""

#: the entity a per-file aggregated warning concerns
_FILE_ENTITY_SQL = {
    "register_units": "coalesce(b.file_corporation, b.corp)",
    "agreement_rows": "upper(trim(b.wb_gemeentecode))",
    "agreement_workbooks": "upper(trim(b.gemeentecode))",
    "targets": "trim(b.target_code)",
}

#: what a per-file aggregated warning says (the rule), by rule id
_WARNING_SUMMARY = {
    "register.energielabel_present": "dwellings without a registered energy label (counted, never as improved or worsened)",
    "register.conditiescore_present": "dwellings without a measured condition score (counted, never as improved or worsened)",
    "register.bouwjaar_not_before_1800": "dwellings with a construction year before 1800",
    "register.bouwjaar_not_after_snapshot": "dwellings with a construction year after the snapshot year",
    "register.kale_huur_plausible": "dwellings with a net rent that is negative or above 5,000 a month",
    "agreement_row.duplicate_summed": "rows with the same corporatie, jaar and indicator, summed",
}
#: rules whose examples need no per-row explanation
_EXAMPLES_WITHOUT_PROBLEM = {
    "register.energielabel_present", "register.conditiescore_present", "agreement_row.duplicate_summed"}


def _create_bases(con: duckdb.DuckDBPyConnection, scoped: bool) -> None:
    for table, view in raw_rules.BASES.items():
        sql = raw_rules.BASE_SQL[table]
        if scoped and table == "register_units":  # the register files in scope only (register_scope.py)
            sql += " and r.source_file in (select source_file from chk_scope)"
        con.execute(f"create or replace temp view {view} as {sql}")


def _render(con, suite_label: str, table: str, rule_id: str, code: str, problem: str,
            warning_problems: dict[tuple[str, str], str], located: bool = False) -> None:
    """Turn the hits of one rule into person-readable rows of chk_rendered.

    Row-level warnings (hundreds of thousands of register rows at national scale) are only
    counted and shown by up to MAX_EXAMPLES examples per file: their rows keep `rid` and `info`
    and get their text in `_assemble`, for the examples alone. `located`: the hits carry their
    source_file and source_row (those of the GX suites), so such warnings need no join."""
    base = raw_rules.BASES[table]
    severity = CHECKS[code].severity
    file_level = table in raw_rules.FILE_LEVEL_TABLES or code == "A14"
    source_row = "null::integer" if table == "agreement_workbooks" else "b.source_row"
    if severity != ERROR and not file_level:
        warning_problems[(table, rule_id)] = problem
        texts = "null, null, null"
        if located:
            con.execute(
                f"""
                insert into chk_rendered
                select '{suite_label}', '{table}', '{rule_id}', '{code}', '{severity}', {file_level},
                       h.source_file, h.source_row, null, null, null, h.rid, h.info
                from chk_hits h
                where h.tbl = '{table}' and h.rule_id = '{rule_id}'
                """
            )
            return
    else:
        texts = f"{raw_rules.ENTITY_SQL[table]}, {_FILE_ENTITY_SQL[table]}, {problem}"
    con.execute(
        f"""
        insert into chk_rendered
        select '{suite_label}', '{table}', '{rule_id}', '{code}', '{severity}', {file_level},
               b.source_file, {source_row}, {texts}, h.rid, h.info
        from chk_hits h join {base} b on b.rid = h.rid
        where h.tbl = '{table}' and h.rule_id = '{rule_id}'
        """
    )


@dataclass
class _State:
    mode: str
    evaluate: Evaluator | None = None  # None: the GX suites themselves
    runs: list[SuiteRun] = field(default_factory=list)
    #: (table, rule_id) -> problem SQL of the row-level warning rules (rendered lazily, see `_render`)
    warning_problems: dict[tuple[str, str], str] = field(default_factory=dict)


def _run_gx(con, suite: GxSuite, state: _State, prepared: SuiteRun | None = None) -> None:
    if prepared is None:
        run = run_suite(con, suite, "chk_hits", mode=state.mode, evaluate=state.evaluate)
    else:
        run = validate_frame(con, suite, prepared, "chk_hits", mode=state.mode, evaluate=state.evaluate)
    state.runs.append(run)
    for rule in suite.rules:
        if rule.rule_id not in run.failing_values:  # no hits: nothing to render
            continue
        _render(con, f"gx.{suite.name}", suite.name, rule.rule_id, rule.code, rule.problem, state.warning_problems,
                located=True)


def _run_sql(con, rule: raw_rules.SqlRule, state: _State) -> None:
    severity = CHECKS[rule.code].severity
    inserted = con.execute(
        f"""
        insert into chk_hits (tbl, rule_id, code, severity, rid, info)
        select '{rule.table}', '{rule.rule_id}', '{rule.code}', '{severity}', rid, info
        from ({rule.hits}) as hit(rid, info)
        """
    ).fetchall()[0][0]
    if not inserted:  # no hits: nothing to render
        return
    _render(con, f"sql.{rule.table}", rule.table, rule.rule_id, rule.code, rule.problem, state.warning_problems)


# register rows concerned per file and code, of this run's hits (the rows of the files in scope)
_REGISTER_CONCERNED_SQL = f"""
    select b.source_file, h.code, count(distinct h.rid)
    from chk_hits h join {raw_rules.BASES['register_units']} b on b.rid = h.rid
    where h.tbl = 'register_units'
    group by all
"""


def _assemble(con, warning_problems: dict[tuple[str, str], str]) -> None:
    consequence = "case r.tbl " + " ".join(
        f"when '{t}' then '{c}'" for t, c in raw_rules.CONSEQUENCE.items()
    ) + " end"
    summary = "case g.rule_id " + " ".join(
        f"when '{k}' then '{v}'" for k, v in _WARNING_SUMMARY.items()
    ) + " else any_value(x.problem) end"
    no_problem = ", ".join(f"'{r}'" for r in sorted(_EXAMPLES_WITHOUT_PROBLEM))
    # row-level warnings: per rule and file the count and the first examples (by source_row) of
    # the rows without an error; only those examples get their text
    con.execute(
        f"""
        create or replace temp table chk_warning_groups as
        with error_rows as (
            select distinct tbl, source_file, source_row from chk_rendered
            where severity = 'error' and not file_level
            union
            select distinct t.tbl, e.source_file, e.source_row
            from chk_load_row_errors e cross join (values ('register_units'), ('agreement_rows')) t(tbl)
        ),
        row_warnings as (
            select r.* from chk_rendered r
            where r.severity = 'warning' and not r.file_level
              and not exists (select 1 from error_rows e
                              where e.tbl = r.tbl and e.source_file = r.source_file
                                and e.source_row = r.source_row)
        )
        select r.rule_id, r.code, r.source_file, any_value(r.suite) as suite, any_value(r.tbl) as tbl,
               count(*) as n,
               -- the first examples by source_row (nulls last), kept by a top-n aggregate
               min_by({{'rid': r.rid, 'info': r.info, 'source_row': r.source_row}},
                      coalesce(r.source_row::bigint, 9223372036854775807), {MAX_EXAMPLES}) as examples
        from row_warnings r
        group by r.rule_id, r.code, r.source_file
        """
    )
    con.execute(
        """create or replace temp table chk_warning_examples (
               rule_id VARCHAR, source_file VARCHAR, pos BIGINT, entity VARCHAR, file_entity VARCHAR,
               problem VARCHAR, example VARCHAR)"""
    )
    for (table, rule_id), problem in warning_problems.items():
        con.execute(
            f"""
            insert into chk_warning_examples
            with x as (
                select g.rule_id, g.source_file, u.pos, u.e.rid as rid, u.e.info as info, u.e.source_row as source_row
                from chk_warning_groups g, unnest(g.examples) with ordinality as u(e, pos)
                where g.tbl = '{table}' and g.rule_id = '{rule_id}')
            select r.rule_id, r.source_file, r.pos, r.entity, r.file_entity, r.problem,
                   r.entity || ' (row ' || r.source_row
                   || case when r.rule_id in ({no_problem}) then '' else ': ' || r.problem end || ')'
            from (select h.*, {raw_rules.ENTITY_SQL[table]} as entity, {_FILE_ENTITY_SQL[table]} as file_entity,
                         {problem} as problem
                  from x as h join {raw_rules.BASES[table]} b on b.rid = h.rid) r
            """
        )
    con.execute(
        f"""
        create or replace temp table chk_findings as
        with row_errors as (
            select * from chk_rendered r where r.severity = 'error' and not r.file_level
        ),
        per_row_errors as (
            select any_value(r.suite) as suite, r.code as check_code, 'error' as severity,
                   any_value(r.entity) as entity,
                   r.source_file || ', row ' || r.source_row || ': '
                       || string_agg(r.problem, '; ' order by r.rule_id) || ' - ' || any_value({consequence})
                       as detail,
                   r.source_file, r.source_row
            from row_errors r
            group by r.tbl, r.code, r.source_file, r.source_row
        ),
        per_file as (
            select r.suite, r.code, r.severity, r.entity,
                   r.source_file || coalesce(', row ' || r.source_row, '') || ': ' || r.problem
                       || case when r.severity = 'error' then ' - ' || {consequence} else '' end,
                   r.source_file, null::integer
            from chk_rendered r where r.file_level
        ),
        per_file_warnings as (
            select g.suite, g.code, 'warning', any_value(x.file_entity),
                   g.source_file || ': ' || {summary} || ': ' || g.n || '; e.g. '
                       || array_to_string(list(x.example order by x.pos), ', ')
                       || case when g.n > {MAX_EXAMPLES} then ', ...' else '' end,
                   g.source_file, null::integer
            from chk_warning_groups g
            join chk_warning_examples x on x.rule_id = g.rule_id and x.source_file = g.source_file
            group by g.rule_id, g.code, g.source_file, g.suite, g.n
        )
        select * from per_row_errors
        union all select * from per_file
        union all select * from per_file_warnings
        """
    )


def run_raw_checks(con: duckdb.DuckDBPyConnection, mode: str = "distinct",
                   evaluate: Evaluator | None = None, incremental: bool = False) -> RawCheckResult:
    """Run every check over the raw layer and replace the contents of `checks.findings`.

    `con`: a read-write connection to the raw-layer database. `mode`: how rows reach the GX suites
    (`distinct`: the distinct value combinations, mapped back to rows in DuckDB; `rows`: every row).
    `evaluate`: decides the suites' rules instead of GX (`npa validate`, which cannot wait for GX's
    import); the nightly leaves it None. `incremental`: check only the register files a change
    since the last run can concern, keep the register's other findings (register_scope.py); the
    findings are the same as those of a whole check.
    """
    ensure_raw_schema(con)
    if evaluate is None:
        warm_up_in_background()
    try:
        return _run(con, mode, evaluate, incremental)
    finally:
        _drop_temp_objects(con)


_TEMP_TABLES = ("chk_files_out", "chk_load_row_errors", "chk_load_a13", "chk_known_municipalities",
                "chk_known_corporations", "chk_hits", "chk_rendered", "chk_findings", "chk_r7_candidates",
                "chk_r8_candidates", "chk_warning_groups", "chk_warning_examples", "chk_merged_findings",
                *register_scope.TEMP_TABLES)


def _drop_temp_objects(con: duckdb.DuckDBPyConnection) -> None:
    for view in (*raw_rules.BASES.values(), *register_scope.TEMP_VIEWS):
        con.execute(f"drop view if exists temp.{view}")
    for table in _TEMP_TABLES + tuple(f"chk_frame_{t}" for t in raw_rules.BASES):
        con.execute(f"drop table if exists temp.{table}")


def _prepare_register(con, state: _State) -> tuple[GxSuite, SuiteRun]:
    """The work over the register that needs no GX: its GX frame, the R7/R8 candidates and the SQL
    row rules (R2, R4)."""
    suite = raw_rules.register_suite()
    prepared = prepare_frame(con, suite, state.mode)
    raw_rules.build_register_candidates(con)
    for rule in raw_rules.SQL_ROW_RULES:
        if rule.table == "register_units":
            _run_sql(con, rule, state)
    return suite, prepared


def _run(con: duckdb.DuckDBPyConnection, mode: str, evaluate: Evaluator | None, incremental: bool) -> RawCheckResult:
    seconds: dict[str, float] = {}
    state = _State(mode, evaluate)
    started = time.perf_counter()
    con.execute(_SETUP_SQL)
    basis = register_scope.basis_fingerprint(con)
    scope = register_scope.plan_scope(con, basis, incremental)
    _create_bases(con, scoped=not scope.full)
    seconds["scope"] = time.perf_counter() - started
    known_codes = [r[0] for r in con.execute("select distinct code from chk_known_municipalities").fetchall()]
    seconds["setup"] = time.perf_counter() - started

    # the register work that needs no GX runs first, while GX is still being imported
    t = time.perf_counter()
    register, register_prepared = _prepare_register(con, state)
    seconds["register_prepare"] = time.perf_counter() - t

    # 2. file-level rules, then keep their files out
    t = time.perf_counter()
    _run_gx(con, raw_rules.agreement_workbooks_suite(known_codes), state)
    _run_gx(con, raw_rules.targets_suite(), state)
    for rule in raw_rules.SQL_FILE_RULES:
        _run_sql(con, rule, state)
    con.execute(
        """insert into chk_files_out
           select distinct source_file, 'checks' from chk_rendered
           where severity = 'error' and file_level and source_file not in (select source_file from chk_files_out)"""
    )
    # file-level rules reject workbooks and targets files, never register files; should a path
    # ever be both, the register base changed and its preparation is redone
    if con.execute(
        """select count(*) from chk_files_out o
           where o.reason = 'checks' and o.source_file in (select distinct source_file from raw.register_units)"""
    ).fetchall()[0][0]:
        for table in ("chk_hits", "chk_rendered"):
            con.execute(f"delete from {table} where tbl = 'register_units'")
        register, register_prepared = _prepare_register(con, state)
    seconds["file_rules"] = time.perf_counter() - t

    # 3. row rules
    t = time.perf_counter()
    _run_gx(con, register, state, register_prepared)
    seconds["gx_register_units"] = time.perf_counter() - t
    t = time.perf_counter()
    _run_gx(con, raw_rules.agreement_rows_suite(), state)
    seconds["gx_agreement_rows"] = time.perf_counter() - t
    t = time.perf_counter()
    for rule in raw_rules.SQL_ROW_RULES:
        if rule.table != "register_units":  # those ran with the register preparation
            _run_sql(con, rule, state)
    # 4. cross-row rules over what is still in
    for rule in raw_rules.SQL_CROSS_ROW_RULES + raw_rules.SQL_WORKBOOK_WARNINGS:
        _run_sql(con, rule, state)
    seconds["sql_rules"] = time.perf_counter() - t

    # 5. findings
    t = time.perf_counter()
    _assemble(con, state.warning_problems)
    con.execute(
        f"""create or replace temp table chk_merged_findings as
            select * from chk_findings
            union all ({register_scope.kept_findings_sql(scope)})"""
    )
    con.execute("begin transaction")
    try:
        con.execute("delete from checks.findings")
        con.execute(
            """insert into checks.findings
               select * from chk_merged_findings
               order by source_file nulls first, source_row nulls first, check_code, detail"""
        )
        register_scope.record(con, scope, basis, _REGISTER_CONCERNED_SQL)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    rows = con.execute(
        """select suite, check_code, severity, entity, detail, source_file, source_row from chk_merged_findings
           order by source_file nulls first, source_row nulls first, check_code, detail"""
    ).fetchall()
    findings = [Finding(*r) for r in rows]
    by_code = _summarise(con, findings)
    seconds["assemble"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - started
    return RawCheckResult(findings, by_code, state.runs, seconds, scope.summary())


def _summarise(con, findings: list[Finding]) -> dict[str, CodeSummary]:
    by_code = {code: CodeSummary(code, CHECKS[code].severity) for code in RAW_CHECK_CODES}
    # the register's from the per-file record (files out of scope kept theirs), the rest from this run
    concerned = register_scope.concerned_counts(con)
    for code, n in con.execute(
        """select code, count(*) from (select distinct code, tbl, rid from chk_hits where tbl <> 'register_units')
           group by code"""
    ).fetchall():
        concerned[code] = concerned.get(code, 0) + n
    for f in findings:
        s = by_code.setdefault(f.check_code, CodeSummary(f.check_code, f.severity))
        s.findings += 1
        if len(s.examples) < MAX_EXAMPLES:
            s.examples.append(f.detail)
    for code, n in concerned.items():
        if code in by_code:
            by_code[code].rows = n
    return by_code
