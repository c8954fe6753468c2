"""The rules over the raw layer: the GX suites (single-column / single-row value rules) and the
DuckDB SQL rules (cross-file and cross-source), as data. `pipelines.checks.raw_checks` runs them.

Every rule reads a *base* relation (a temp view over one raw table, files already kept out left
out, `rid` = the raw table's rowid) and names the check code its failures raise. `problem` is a
SQL expression over the base row `b` (and `h.info` for SQL rules) that says, to a person, what is
wrong with that row.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.checks import codes
from pipelines.checks.gx_runner import Block, GxRule, GxSuite
from pipelines.raw_schema import register_as_written


QUOTED_MAX = 80  # characters of a value quoted in a message: a 100,000-character field stays out of dq_findings


def q(expr: str) -> str:
    """SQL: a raw value quoted for a message ('…'), `(empty)` when there is none; a value longer than
    QUOTED_MAX is cut there and its length given."""
    return (
        f"coalesce(case when length({expr}) > {QUOTED_MAX} "
        f"then '''' || left({expr}, {QUOTED_MAX}) || '...'' (' || length({expr}) || ' characters)' "
        f"else '''' || {expr} || '''' end, '(empty)')"
    )


def given(column: str) -> str:
    """SQL: the raw text of a column, trimmed, null when empty."""
    return f"nullif(trim(b.{column}_raw), '')"


# --------------------------------------------------------------------------- bases
# The base views are created by raw_checks (they depend on the temp table of files kept out).
BASES = {
    "register_units": "chk_b_register_units",
    "agreement_workbooks": "chk_b_agreement_workbooks",
    "agreement_rows": "chk_b_agreement_rows",
    "targets": "chk_b_targets",
}

BASE_SQL = {
    # the register's text as written where the raw layer left it out for being the value's text
    "register_units": f"""
        select r.rowid as rid, r.* {register_as_written('r')},
               coalesce(upper(trim(r.corporatie)), r.file_corporation) as corp,
               coalesce(r.peildatum, r.file_date) as snapshot_date
        from raw.register_units r
        where r.source_file not in (select source_file from chk_files_out)
    """,
    "agreement_workbooks": """
        select w.rowid as rid, w.*
        from raw.agreement_workbooks w
        where w.source_file not in (select source_file from chk_files_out)
    """,
    "agreement_rows": """
        select a.rowid as rid, a.*,
               w.gemeentecode as wb_gemeentecode,
               w.looptijd_van, w.looptijd_tot,
               list_transform(coalesce(w.corporaties, []), lambda x: upper(trim(x))) as parties
        from raw.agreement_rows a
        join raw.agreement_workbooks w on w.source_file = a.source_file
        where a.source_file not in (select source_file from chk_files_out)
    """,
    "targets": """
        select t.rowid as rid, t.*
        from raw.targets t
        where t.source_file not in (select source_file from chk_files_out)
    """,
}

#: who or what a finding on a row of each table concerns
ENTITY_SQL = {
    "register_units": "b.corp || ' VHE ' || coalesce(b.vhe_nummer, '(no vhe_nummer)')",
    "agreement_workbooks": "coalesce(upper(trim(b.gemeentecode)), '(no gemeentecode)')",
    "agreement_rows": (
        "coalesce(upper(trim(b.wb_gemeentecode)), '?') || ' ' || coalesce(upper(trim(b.corporatie)), '(no corporatie)')"
        " || ' ' || coalesce(cast(b.jaar as varchar), b.jaar_raw, '?') || ' ' || coalesce(lower(trim(b.indicator)), '?')"
    ),
    "targets": "coalesce(trim(b.target_code), '(no target_code)')",
}

#: what an error on a row (or a file) of each table keeps out, said to a person
CONSEQUENCE = {
    "register_units": "this dwelling is left out of the register figures",
    "agreement_rows": "this commitment row is left out",
    "agreement_workbooks": "the whole workbook is left out (as if it were not delivered)",
    "targets": "the whole targets file is left out",
}

#: tables whose errors keep out the whole file (findings with source_row null)
FILE_LEVEL_TABLES = {"agreement_workbooks", "targets"}


def _values(values) -> str:
    return ", ".join(values)


# --------------------------------------------------------------------------- GX suites
def register_suite() -> GxSuite:
    b = BASES["register_units"]
    blocks = (
        Block("peildatum", {"peildatum_raw": given("peildatum"), "peildatum": "b.peildatum"}),
        Block("vhe_nummer", {"vhe_nummer_length": "length(nullif(trim(b.vhe_nummer), ''))"}),
        Block("bouwjaar", {"bouwjaar": "b.bouwjaar", "snapshot_year": "year(b.snapshot_date)"}),
        Block("kale_huur", {"kale_huur": "b.kale_huur"}),
        Block("conditiescore", {"conditiescore_raw": given("conditiescore"), "conditiescore": "b.conditiescore"}),
        Block("energielabel", {"energielabel_raw": given("energielabel"), "energielabel": "upper(trim(b.energielabel))"}),
        Block("woningtype", {"woningtype": "upper(trim(b.woningtype))"}),
        Block("verwarming", {"verwarming": "lower(trim(b.verwarming))"}),
        Block("huursegment", {"huursegment": "lower(trim(b.huursegment))"}),
        Block("zonnepanelen", {"zonnepanelen": "lower(trim(b.zonnepanelen))"}),
        Block("geclusterd_ouderen", {"geclusterd_ouderen": "lower(trim(b.geclusterd_ouderen))"}),
        Block("flexwoning", {"flexwoning": "lower(trim(b.flexwoning))"}),
    )
    rules = [
        GxRule("register.peildatum_parseable", "R1", "peildatum", "ExpectColumnValuesToNotBeNull",
               {"column": "peildatum"}, f"'peildatum ' || {q('b.peildatum_raw')} || ' is not a date (YYYY-MM-DD)'",
               given="peildatum_raw"),
        GxRule("register.vhe_nummer_present", "R1", "vhe_nummer", "ExpectColumnValuesToNotBeNull",
               {"column": "vhe_nummer_length"}, "'vhe_nummer is empty'"),
        GxRule("register.bouwjaar_parseable", "R1", "bouwjaar", "ExpectColumnValuesToNotBeNull",
               {"column": "bouwjaar"}, f"'bouwjaar ' || {q('b.bouwjaar_raw')} || ' is not a year'"),
        GxRule("register.kale_huur_parseable", "R1", "kale_huur", "ExpectColumnValuesToNotBeNull",
               {"column": "kale_huur"}, f"'kale_huur ' || {q('b.kale_huur_raw')} || ' is not an amount'"),
        GxRule("register.conditiescore_parseable", "R1", "conditiescore", "ExpectColumnValuesToNotBeNull",
               {"column": "conditiescore"}, f"'conditiescore ' || {q('b.conditiescore_raw')} || ' is not a whole number'",
               given="conditiescore_raw"),
        GxRule("register.conditiescore_in_set", "R5", "conditiescore", "ExpectColumnValuesToBeInSet",
               {"column": "conditiescore", "value_set": list(codes.CONDITION_SCORES)},
               f"'conditiescore ' || {q('b.conditiescore_raw')} || ' is not a NEN 2767 score 1-6'"),
        GxRule("register.energielabel_in_set", "R5", "energielabel", "ExpectColumnValuesToBeInSet",
               {"column": "energielabel", "value_set": list(codes.ENERGY_LABELS)},
               f"'energielabel ' || {q('b.energielabel_raw')} || ' is not a label ({_values(codes.ENERGY_LABELS)} or empty)'"),
        GxRule("register.energielabel_parseable", "R5", "energielabel", "ExpectColumnValuesToNotBeNull",
               {"column": "energielabel"},
               f"'energielabel ' || {q('b.energielabel_raw')} || ' is not a label ({_values(codes.ENERGY_LABELS)} or empty)'",
               given="energielabel_raw"),
        GxRule("register.energielabel_present", "R6", "energielabel", "ExpectColumnValuesToNotBeNull",
               {"column": "energielabel_raw"}, "'no energy label registered'"),
        GxRule("register.conditiescore_present", "R6", "conditiescore", "ExpectColumnValuesToNotBeNull",
               {"column": "conditiescore_raw"}, "'no condition score measured'"),
        GxRule("register.bouwjaar_not_before_1800", "R9", "bouwjaar", "ExpectColumnValuesToBeBetween",
               {"column": "bouwjaar", "min_value": codes.MIN_PLAUSIBLE_CONSTRUCTION_YEAR},
               "'bouwjaar ' || b.bouwjaar || ' is before 1800'"),
        GxRule("register.bouwjaar_not_after_snapshot", "R9", "bouwjaar", "ExpectColumnPairValuesAToBeGreaterThanB",
               {"column_A": "snapshot_year", "column_B": "bouwjaar", "or_equal": True,
                "ignore_row_if": "either_value_is_missing"},
               "'bouwjaar ' || b.bouwjaar || ' is after the snapshot year ' || year(b.snapshot_date)"),
        GxRule("register.kale_huur_plausible", "R10", "kale_huur", "ExpectColumnValuesToBeBetween",
               {"column": "kale_huur", "min_value": 0, "max_value": codes.MAX_PLAUSIBLE_RENT},
               "'kale_huur ' || b.kale_huur || ' is ' || case when b.kale_huur < 0 then 'negative' else 'above 5,000 a month' end"),
    ]
    for column, values in (
        ("woningtype", codes.DWELLING_TYPES),
        ("verwarming", codes.HEATING),
        ("huursegment", codes.RENT_SEGMENTS),
        ("zonnepanelen", codes.YES_NO),
        ("geclusterd_ouderen", codes.YES_NO),
        ("flexwoning", codes.YES_NO),
    ):
        rules.append(GxRule(f"register.{column}_present", "R5", column, "ExpectColumnValuesToNotBeNull",
                            {"column": column},
                            f"'{column} ' || {q(f'b.{column}_raw')} || ' is not one of {_values(values)}'"))
        rules.append(GxRule(f"register.{column}_in_set", "R5", column, "ExpectColumnValuesToBeInSet",
                            {"column": column, "value_set": list(values)},
                            f"'{column} ' || {q(f'b.{column}_raw')} || ' is not one of {_values(values)}'"))
    return GxSuite("register_units", b, blocks, tuple(rules))


def agreement_workbooks_suite(known_municipality_codes: list[str]) -> GxSuite:
    blocks = (Block("gemeentecode", {"gemeentecode": "upper(trim(b.gemeentecode))"}),)
    rules = (
        GxRule("workbook.gemeentecode_present", "A1", "gemeentecode", "ExpectColumnValuesToNotBeNull",
               {"column": "gemeentecode"},
               f"'gemeentecode ' || {q('b.gemeentecode_raw')} || ' in sheet Afspraak is not a municipality code'"),
        GxRule("workbook.gemeentecode_known", "A1", "gemeentecode", "ExpectColumnValuesToBeInSet",
               {"column": "gemeentecode", "value_set": sorted(known_municipality_codes)},
               f"'gemeentecode ' || {q('b.gemeentecode_raw')} || ' (' || coalesce(b.gemeentenaam, 'no name') || ')"
               " is not a municipality code known in any year of the reference data'"),
    )
    return GxSuite("agreement_workbooks", BASES["agreement_workbooks"], blocks, rules, source_row="null::integer")


def agreement_rows_suite() -> GxSuite:
    blocks = (
        Block("indicator", {"indicator": "lower(trim(b.indicator))"}),
        Block("waarde", {"waarde_raw": given("waarde"), "waarde": "b.waarde"}),
        Block("jaar", {"jaar": "b.jaar", "looptijd_van": "b.looptijd_van", "looptijd_tot": "b.looptijd_tot"}),
    )
    term = "' (looptijd ' || coalesce(cast(b.looptijd_van as varchar), '?') || '-' || coalesce(cast(b.looptijd_tot as varchar), '?') || ')'"
    rules = (
        GxRule("agreement_row.indicator_present", "A4", "indicator", "ExpectColumnValuesToNotBeNull",
               {"column": "indicator"}, f"'indicator ' || {q('b.indicator_raw')} || ' is not in the list of the template'"),
        GxRule("agreement_row.indicator_in_list", "A4", "indicator", "ExpectColumnValuesToBeInSet",
               {"column": "indicator", "value_set": list(codes.AGREEMENT_INDICATORS)},
               f"'indicator ' || {q('b.indicator_raw')} || ' is not in the list of the template'"),
        GxRule("agreement_row.waarde_number", "A4", "waarde", "ExpectColumnValuesToNotBeNull",
               {"column": "waarde"},
               f"case when {given('waarde')} is null then 'waarde is empty' "
               f"else 'waarde ' || {q('b.waarde_raw')} || ' is not a number' end"),
        GxRule("agreement_row.waarde_not_negative", "A4", "waarde", "ExpectColumnValuesToBeBetween",
               {"column": "waarde", "min_value": 0}, "'waarde ' || b.waarde || ' is negative'"),
        GxRule("agreement_row.jaar_present", "A5", "jaar", "ExpectColumnValuesToNotBeNull",
               {"column": "jaar"}, f"'jaar ' || {q('b.jaar_raw')} || ' is not a year' || {term}"),
        GxRule("agreement_row.jaar_from", "A5", "jaar", "ExpectColumnPairValuesAToBeGreaterThanB",
               {"column_A": "jaar", "column_B": "looptijd_van", "or_equal": True, "ignore_row_if": "either_value_is_missing"},
               f"'jaar ' || b.jaar || ' is before the term of the agreement' || {term}"),
        GxRule("agreement_row.jaar_to", "A5", "jaar", "ExpectColumnPairValuesAToBeGreaterThanB",
               {"column_A": "looptijd_tot", "column_B": "jaar", "or_equal": True, "ignore_row_if": "either_value_is_missing"},
               f"'jaar ' || b.jaar || ' is after the term of the agreement' || {term}"),
    )
    return GxSuite("agreement_rows", BASES["agreement_rows"], blocks, rules)


def targets_suite() -> GxSuite:
    blocks = (
        Block("target_code", {"target_code": "lower(trim(b.target_code))"}),
        Block("indicator_code", {"indicator_code": "lower(trim(b.indicator_code))"}),
        Block("kind", {"kind": "lower(trim(b.kind))"}),
        Block("years", {"year_from_raw": given("year_from"), "year_from": "b.year_from",
                        "year_to_raw": given("year_to"), "year_to": "b.year_to"}),
        Block("target_value", {"target_value": "b.target_value"}),
    )
    rules = (
        GxRule("target.code_present", "T1", "target_code", "ExpectColumnValuesToNotBeNull",
               {"column": "target_code"}, "'target_code is empty'"),
        GxRule("target.code_not_shipped", "T1", "target_code", "ExpectColumnValuesToNotBeInSet",
               {"column": "target_code", "value_set": list(codes.SHIPPED_TARGET_CODES)},
               f"'target_code ' || {q('b.target_code')} || ' redefines a national target shipped with the project'"),
        GxRule("target.indicator_present", "T1", "indicator_code", "ExpectColumnValuesToNotBeNull",
               {"column": "indicator_code"}, "'indicator_code is empty'"),
        GxRule("target.indicator_known", "T1", "indicator_code", "ExpectColumnValuesToBeInSet",
               {"column": "indicator_code", "value_set": list(codes.KNOWN_INDICATORS)},
               f"'indicator_code ' || {q('b.indicator_code')} || ' is not an indicator the monitor knows'"),
        GxRule("target.kind_present", "T1", "kind", "ExpectColumnValuesToNotBeNull",
               {"column": "kind"}, "'kind is empty (expected flow or stock)'"),
        GxRule("target.kind_known", "T1", "kind", "ExpectColumnValuesToBeInSet",
               {"column": "kind", "value_set": list(codes.TARGET_KINDS)},
               f"'kind ' || {q('b.kind')} || ' is not flow or stock'"),
        GxRule("target.year_from_parseable", "T1", "years", "ExpectColumnValuesToNotBeNull",
               {"column": "year_from"}, f"'year_from ' || {q('b.year_from_raw')} || ' is not a year'"),
        GxRule("target.year_to_parseable", "T1", "years", "ExpectColumnValuesToNotBeNull",
               {"column": "year_to"}, f"'year_to ' || {q('b.year_to_raw')} || ' is not a year'", given="year_to_raw"),
        GxRule("target.years_in_order", "T1", "years", "ExpectColumnPairValuesAToBeGreaterThanB",
               {"column_A": "year_to", "column_B": "year_from", "or_equal": True, "ignore_row_if": "either_value_is_missing"},
               "'years reversed: year_from ' || b.year_from || ' is after year_to ' || b.year_to"),
        GxRule("target.value_number", "T1", "target_value", "ExpectColumnValuesToNotBeNull",
               {"column": "target_value"}, f"'target_value ' || {q('b.target_value_raw')} || ' is not a number'"),
        GxRule("target.value_not_negative", "T1", "target_value", "ExpectColumnValuesToBeBetween",
               {"column": "target_value", "min_value": 0}, "'target_value ' || b.target_value || ' is negative'"),
    )
    return GxSuite("targets", BASES["targets"], blocks, rules)


# --------------------------------------------------------------------------- SQL rules
@dataclass(frozen=True)
class SqlRule:
    """A cross-row / cross-source rule: `hits` selects (rid, info) of the failing base rows."""

    rule_id: str
    code: str
    table: str
    hits: str
    problem: str


def _register_clean_rows(candidates: str) -> str:
    """The rows of `candidates` (a relation over the register base) without a row-level error so
    far: rows kept out do not cascade into further findings."""
    return f"""
        select c.* from {candidates} c
        where c.rid not in (select rid from chk_hits where tbl = 'register_units' and severity = 'error')
          and not exists (
              select 1 from chk_load_row_errors e
              where e.source_file = c.source_file and e.source_row = c.source_row)
    """


# stage "rows": independent single-row cross-source rules, run beside the GX suites
SQL_ROW_RULES = (
    SqlRule(
        "register.gemeentecode_known", "R2", "register_units",
        """select b.rid, null from chk_b_register_units b
           where upper(trim(b.gemeentecode)) is null
              or upper(trim(b.gemeentecode)) not in (select code from chk_known_municipalities)""",
        f"case when {given('gemeentecode')} is null then 'gemeentecode is empty' "
        f"else 'gemeentecode ' || {q('b.gemeentecode_raw')} || ' is not a municipality code known in any year of the reference data' end",
    ),
    SqlRule(
        "register.corporatie_known", "R4", "register_units",
        """select b.rid, null from chk_b_register_units b
           where b.corp is null or b.corp not in (select code from chk_known_corporations)""",
        f"'corporatie ' || {q('b.corp')} || ' is not in the reference list of corporations (corporaties.csv)'",
    ),
    SqlRule(
        "agreement_row.corporatie_party", "A3", "agreement_rows",
        """select b.rid,
                  case when nullif(upper(trim(b.corporatie)), '') is null then 'missing'
                       when upper(trim(b.corporatie)) not in (select code from chk_known_corporations) then 'unknown'
                       else 'not_party' end
           from chk_b_agreement_rows b
           where nullif(upper(trim(b.corporatie)), '') is null
              or upper(trim(b.corporatie)) not in (select code from chk_known_corporations)
              or not list_contains(b.parties, upper(trim(b.corporatie)))""",
        f"""case h.info
              when 'missing' then 'no corporatie on this row'
              when 'unknown' then 'corporatie ' || {q('b.corporatie_raw')} || ' is not in the reference list of corporations'
              else 'corporatie ' || upper(trim(b.corporatie)) || ' is not a party of this agreement (Afspraak lists: '
                   || coalesce(nullif(array_to_string(b.parties, ', '), ''), 'none') || ')' end""",
    ),
)


def build_register_candidates(con) -> None:
    """Temp tables `chk_r7_candidates` / `chk_r8_candidates` (column `rid`): the register rows R7 and
    R8 look at, a superset of the rows they can report (the rules recount exactly, over the rows
    still in). A row is a candidate when the 64-bit hash of its R7 key (corp, snapshot_date,
    vhe_nummer) occurs more than once, or the hash of its R8 key (snapshot_date, bag_vbo_id) occurs
    with more than one corporation hash. A hash collision only adds candidates, never loses one.

    Why numpy: grouping 4.6 M distinct string keys in DuckDB cost about 7 s of CPU for both rules
    on a national register; one DuckDB pass for the hashes plus a numpy sort costs about 2 s. Pure
    DuckDB and numpy over the register base, which the file-level rules never change (they reject
    workbooks and targets files), so raw_checks builds these while GX is still being imported."""
    import numpy as np
    import pandas as pd

    cols = con.execute(
        """select rid,
                  hash(corp, snapshot_date, trim(vhe_nummer)) as h7,
                  coalesce(corp is not null and snapshot_date is not null
                           and nullif(trim(vhe_nummer), '') is not null, false) as has7,
                  hash(snapshot_date, trim(bag_vbo_id)) as h8,
                  coalesce(snapshot_date is not null and nullif(trim(bag_vbo_id), '') is not null, false) as has8,
                  hash(corp) as hc
           from chk_b_register_units"""
    ).fetchnumpy()
    rid = np.asarray(cols.pop("rid"))

    def repeated(values: np.ndarray) -> np.ndarray:
        ordered = np.sort(values)
        return np.unique(ordered[1:][ordered[1:] == ordered[:-1]])

    # R7: the key occurs more than once
    has7 = np.asarray(cols.pop("has7"), dtype=bool)
    h7 = np.asarray(cols.pop("h7"))
    keep7 = has7.copy()
    keep7[has7] = np.isin(h7[has7], repeated(h7[has7]))
    del h7, has7
    # R8: the key occurs more than once, with more than one corporation (checked among those only)
    has8 = np.asarray(cols.pop("has8"), dtype=bool)
    h8 = np.asarray(cols.pop("h8"))
    hc = np.asarray(cols.pop("hc"))
    keep8 = has8.copy()
    keep8[has8] = np.isin(h8[has8], repeated(h8[has8]))
    sub = np.flatnonzero(keep8)
    if len(sub):
        order = sub[np.argsort(h8[sub], kind="stable")]
        hs, cs = h8[order], hc[order]
        differ = (hs[1:] == hs[:-1]) & (cs[1:] != cs[:-1])
        keep8[:] = False
        keep8[sub] = np.isin(h8[sub], np.unique(hs[1:][differ]))
    del h8, hc
    for name, keep in (("chk_r7_candidates", keep7), ("chk_r8_candidates", keep8)):
        con.execute(f"create or replace temp table {name} (rid BIGINT)")
        if keep.any():
            con.register("chk_candidate_rids", pd.DataFrame({"rid": rid[keep]}))
            try:
                con.execute(f"insert into {name} select rid from chk_candidate_rids")
            finally:
                con.unregister("chk_candidate_rids")


# stage "cross rows": need the row-level errors of the previous stage
SQL_CROSS_ROW_RULES = (
    SqlRule(
        "register.vhe_nummer_unique", "R7", "register_units",
        f"""with candidates as (
                select b.* from chk_b_register_units b
                semi join chk_r7_candidates k using (rid)
                where b.corp is not null and b.snapshot_date is not null and nullif(trim(b.vhe_nummer), '') is not null),
            ok as ({_register_clean_rows("candidates")}),
            keyed as (select rid, corp, snapshot_date, trim(vhe_nummer) as vhe, source_file, source_row from ok),
            dup_keys as (select corp, snapshot_date, vhe from keyed group by all having count(*) > 1),
            dup_rows as (select keyed.* from keyed semi join dup_keys using (corp, snapshot_date, vhe)),
            dups as (
                select corp, snapshot_date, vhe, count(*) as n,
                       string_agg(source_file || ' row ' || source_row, ', ' order by source_file, source_row) as rows_
                from dup_rows group by all)
            select dup_rows.rid, 'vhe_nummer ' || dup_rows.vhe || ' of ' || dup_rows.corp || ' occurs ' || dups.n
                   || ' times in the snapshot of ' || dups.snapshot_date || ' (' || dups.rows_ || ')'
            from dup_rows join dups using (corp, snapshot_date, vhe)""",
        "h.info || ' (nobody can tell which one is right)'",
    ),
    SqlRule(
        "register.bag_vbo_id_single_corporation", "R8", "register_units",
        f"""with candidates as (
                select b.* from chk_b_register_units b
                semi join chk_r8_candidates k using (rid)
                where b.snapshot_date is not null and nullif(trim(b.bag_vbo_id), '') is not null),
            ok as ({_register_clean_rows("candidates")}),
            keyed as (select rid, corp, snapshot_date, trim(bag_vbo_id) as bag, source_file, source_row from ok),
            dup_keys as (select snapshot_date, bag from keyed group by all having min(corp) <> max(corp)),
            dup_rows as (select keyed.* from keyed semi join dup_keys using (snapshot_date, bag)),
            dups as (
                select snapshot_date, bag, string_agg(distinct corp, ', ' order by corp) as corps
                from dup_rows group by all)
            select dup_rows.rid, 'BAG verblijfsobject ' || dup_rows.bag || ' is reported on ' || dups.snapshot_date
                   || ' by ' || dups.corps
            from dup_rows join dups using (snapshot_date, bag)""",
        "h.info || ' (double counting; nobody can tell which one is right)'",
    ),
    SqlRule(
        "agreement_row.duplicate_summed", "A13", "agreement_rows",
        """with ok as (
                select b.* from chk_b_agreement_rows b
                where b.rid not in (select rid from chk_hits where tbl = 'agreement_rows' and severity = 'error')
                  and not exists (select 1 from chk_load_row_errors e
                                  where e.source_file = b.source_file and e.source_row = b.source_row)),
            keyed as (select rid, source_file, source_row, upper(trim(corporatie)) as corp, jaar,
                             lower(trim(indicator)) as ind from ok),
            dups as (select source_file, corp, jaar, ind, count(*) as n,
                            string_agg(cast(source_row as varchar), ', ' order by source_row) as rows_
                     from keyed group by all having count(*) > 1)
            select keyed.rid, 'rows ' || dups.rows_ || ' have the same corporatie, jaar and indicator; they are summed'
            from keyed join dups using (source_file, corp, jaar, ind)
            where not exists (select 1 from chk_load_a13 l where l.source_file = keyed.source_file)""",
        "h.info",
    ),
)

# file-level rules (each hit is one finding with source_row null)
SQL_FILE_RULES = (
    SqlRule(
        "target.code_defined_once", "T1", "targets",
        """with keyed as (select rid, lower(trim(target_code)) as code, source_file, source_row
                          from chk_b_targets where nullif(trim(target_code), '') is not null),
            dups as (select code, count(*) as n,
                            string_agg(source_file || ' row ' || source_row, ', ' order by source_file, source_row) as rows_
                     from keyed group by code having count(*) > 1)
            select keyed.rid, 'target_code ' || keyed.code || ' is defined ' || dups.n || ' times (' || dups.rows_ || ')'
            from keyed join dups using (code)""",
        "h.info",
    ),
)

# file-level warnings on workbooks (one per workbook)
SQL_WORKBOOK_WARNINGS = (
    SqlRule(
        "workbook.gemeentenaam_matches", "A14", "agreement_workbooks",
        """with names as (
                select b.rid, b.gemeentenaam, k.name
                from chk_b_agreement_workbooks b
                join chk_known_municipalities k on k.code = upper(trim(b.gemeentecode))
                where nullif(trim(b.gemeentenaam), '') is not null)
            select rid, string_agg(distinct name, ' / ' order by name)
            from names group by rid, gemeentenaam
            having not bool_or(regexp_replace(lower(strip_accents(name)), '[^a-z0-9]', '', 'g')
                               = regexp_replace(lower(strip_accents(gemeentenaam)), '[^a-z0-9]', '', 'g'))""",
        "'gemeentenaam ''' || trim(b.gemeentenaam) || ''' does not match ' || upper(trim(b.gemeentecode))"
        " || ', which the reference data calls ' || h.info || '; the code is used'",
    ),
)
