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
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import duckdb

from pipelines.checks import raw_rules
from pipelines.checks.catalog import CHECKS, ERROR, RAW_CHECK_CODES
from pipelines.checks.gx_runner import GxSuite, SuiteRun, run_suite, warm_up_in_background
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

    @property
    def n_errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    def as_dict(self) -> dict:
        return {
            "by_code": {c: asdict(s) for c, s in self.by_code.items()},
            "suites": [asdict(s) for s in self.suites],
            "seconds": self.seconds,
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
    tbl VARCHAR, rule_id VARCHAR, code VARCHAR, severity VARCHAR, rid BIGINT, info VARCHAR);

create or replace temp table chk_rendered (
    suite VARCHAR, tbl VARCHAR, rule_id VARCHAR, code VARCHAR, severity VARCHAR, file_level BOOLEAN,
    source_file VARCHAR, source_row INTEGER, entity VARCHAR, file_entity VARCHAR, problem VARCHAR);
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


def _create_bases(con: duckdb.DuckDBPyConnection) -> None:
    for table, view in raw_rules.BASES.items():
        con.execute(f"create or replace temp view {view} as {raw_rules.BASE_SQL[table]}")


def _render(con, suite_label: str, table: str, rule_id: str, code: str, problem: str) -> None:
    """Turn the hits of one rule into person-readable rows of chk_rendered."""
    base = raw_rules.BASES[table]
    severity = CHECKS[code].severity
    file_level = table in raw_rules.FILE_LEVEL_TABLES or code == "A14"
    source_row = "null::integer" if table == "agreement_workbooks" else "b.source_row"
    con.execute(
        f"""
        insert into chk_rendered
        select '{suite_label}', '{table}', '{rule_id}', '{code}', '{severity}', {file_level},
               b.source_file, {source_row}, {raw_rules.ENTITY_SQL[table]}, {_FILE_ENTITY_SQL[table]},
               {problem}
        from chk_hits h join {base} b on b.rid = h.rid
        where h.tbl = '{table}' and h.rule_id = '{rule_id}'
        """
    )


def _run_gx(con, suite: GxSuite, mode: str, runs: list[SuiteRun]) -> None:
    runs.append(run_suite(con, suite, "chk_hits", mode=mode))
    for rule in suite.rules:
        _render(con, f"gx.{suite.name}", suite.name, rule.rule_id, rule.code, rule.problem)


def _run_sql(con, rule: raw_rules.SqlRule) -> None:
    severity = CHECKS[rule.code].severity
    con.execute(
        f"""
        insert into chk_hits
        select '{rule.table}', '{rule.rule_id}', '{rule.code}', '{severity}', rid, info
        from ({rule.hits}) as hit(rid, info)
        """
    )
    _render(con, f"sql.{rule.table}", rule.table, rule.rule_id, rule.code, rule.problem)


def _assemble(con) -> None:
    consequence = "case r.tbl " + " ".join(
        f"when '{t}' then '{c}'" for t, c in raw_rules.CONSEQUENCE.items()
    ) + " end"
    summary = "case r.rule_id " + " ".join(
        f"when '{k}' then '{v}'" for k, v in _WARNING_SUMMARY.items()
    ) + " else any_value(r.problem) end"
    no_problem = ", ".join(f"'{r}'" for r in sorted(_EXAMPLES_WITHOUT_PROBLEM))
    con.execute(
        f"""
        create or replace temp table chk_findings as
        with row_errors as (
            select * from chk_rendered r where r.severity = 'error' and not r.file_level
        ),
        error_rows as (
            select distinct tbl, source_file, source_row from row_errors
            union
            select distinct t.tbl, e.source_file, e.source_row
            from chk_load_row_errors e cross join (values ('register_units'), ('agreement_rows')) t(tbl)
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
        row_warnings as (
            select r.* from chk_rendered r
            where r.severity = 'warning' and not r.file_level
              and not exists (select 1 from error_rows e
                              where e.tbl = r.tbl and e.source_file = r.source_file
                                and e.source_row = r.source_row)
        ),
        per_file_warnings as (
            select any_value(r.suite), r.code, 'warning', any_value(r.file_entity),
                   r.source_file || ': ' || {summary} || ': ' || count(*) || '; e.g. '
                       || array_to_string(list(
                              r.entity || ' (row ' || r.source_row
                              || case when r.rule_id in ({no_problem}) then '' else ': ' || r.problem end || ')'
                              order by r.source_row)[1:{MAX_EXAMPLES}], ', ')
                       || case when count(*) > {MAX_EXAMPLES} then ', ...' else '' end,
                   r.source_file, null::integer
            from row_warnings r
            group by r.rule_id, r.code, r.source_file
        )
        select * from per_row_errors
        union all select * from per_file
        union all select * from per_file_warnings
        """
    )


def run_raw_checks(con: duckdb.DuckDBPyConnection, mode: str = "distinct") -> RawCheckResult:
    """Run every check over the raw layer and replace the contents of `checks.findings`.

    `con`: a read-write connection to the raw-layer database. `mode`: how rows reach the GX suites
    (`distinct`: the distinct value combinations, mapped back to rows in DuckDB; `rows`: every row).
    """
    ensure_raw_schema(con)
    warm_up_in_background()
    try:
        return _run(con, mode)
    finally:
        _drop_temp_objects(con)


_TEMP_TABLES = ("chk_files_out", "chk_load_row_errors", "chk_load_a13", "chk_known_municipalities",
                "chk_known_corporations", "chk_hits", "chk_rendered", "chk_findings")


def _drop_temp_objects(con: duckdb.DuckDBPyConnection) -> None:
    for view in raw_rules.BASES.values():
        con.execute(f"drop view if exists temp.{view}")
    for table in _TEMP_TABLES:
        con.execute(f"drop table if exists temp.{table}")


def _run(con: duckdb.DuckDBPyConnection, mode: str) -> RawCheckResult:
    seconds: dict[str, float] = {}
    runs: list[SuiteRun] = []
    started = time.perf_counter()
    con.execute(_SETUP_SQL)
    _create_bases(con)
    known_codes = [r[0] for r in con.execute("select distinct code from chk_known_municipalities").fetchall()]
    seconds["setup"] = time.perf_counter() - started

    # 2. file-level rules, then keep their files out
    t = time.perf_counter()
    _run_gx(con, raw_rules.agreement_workbooks_suite(known_codes), mode, runs)
    _run_gx(con, raw_rules.targets_suite(), mode, runs)
    for rule in raw_rules.SQL_FILE_RULES:
        _run_sql(con, rule)
    con.execute(
        """insert into chk_files_out
           select distinct source_file, 'checks' from chk_rendered
           where severity = 'error' and file_level and source_file not in (select source_file from chk_files_out)"""
    )
    seconds["file_rules"] = time.perf_counter() - t

    # 3. row rules
    t = time.perf_counter()
    _run_gx(con, raw_rules.register_suite(), mode, runs)
    seconds["gx_register_units"] = time.perf_counter() - t
    t = time.perf_counter()
    _run_gx(con, raw_rules.agreement_rows_suite(), mode, runs)
    seconds["gx_agreement_rows"] = time.perf_counter() - t
    t = time.perf_counter()
    for rule in raw_rules.SQL_ROW_RULES:
        _run_sql(con, rule)
    # 4. cross-row rules over what is still in
    for rule in raw_rules.SQL_CROSS_ROW_RULES + raw_rules.SQL_WORKBOOK_WARNINGS:
        _run_sql(con, rule)
    seconds["sql_rules"] = time.perf_counter() - t

    # 5. findings
    t = time.perf_counter()
    _assemble(con)
    con.execute("begin transaction")
    try:
        con.execute("delete from checks.findings")
        con.execute(
            """insert into checks.findings
               select * from chk_findings
               order by source_file nulls first, source_row nulls first, check_code, detail"""
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    rows = con.execute(
        """select suite, check_code, severity, entity, detail, source_file, source_row from chk_findings
           order by source_file nulls first, source_row nulls first, check_code, detail"""
    ).fetchall()
    findings = [Finding(*r) for r in rows]
    by_code = _summarise(con, findings)
    seconds["assemble"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - started
    return RawCheckResult(findings, by_code, runs, seconds)


def _summarise(con, findings: list[Finding]) -> dict[str, CodeSummary]:
    by_code = {code: CodeSummary(code, CHECKS[code].severity) for code in RAW_CHECK_CODES}
    concerned = dict(
        con.execute("select code, count(*) from (select distinct code, tbl, rid from chk_hits) group by code").fetchall()
    )
    for f in findings:
        s = by_code.setdefault(f.check_code, CodeSummary(f.check_code, f.severity))
        s.findings += 1
        if len(s.examples) < MAX_EXAMPLES:
            s.examples.append(f.detail)
    for code, n in concerned.items():
        if code in by_code:
            by_code[code].rows = n
    return by_code
