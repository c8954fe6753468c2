"""The value rules of the Great Expectations suites, decided by DuckDB instead of by GX.

`npa validate` must answer in a few seconds; importing great_expectations alone costs 5-10 s. The
suites (pipelines/checks/raw_rules.py) use five expectation types, all single-row value rules,
so each translates to one SQL predicate with GX's own semantics:

- ExpectColumnValuesToNotBeNull: a null fails;
- ExpectColumnValuesToBeInSet / NotBeInSet: a non-null value outside / inside the set fails
  (GX leaves nulls to the not-null rules);
- ExpectColumnValuesToBeBetween: a non-null value below `min_value` or above `max_value` fails;
- ExpectColumnPairValuesAToBeGreaterThanB: A < B fails (A <= B without `or_equal`); rows with
  either value missing are ignored (`ignore_row_if="either_value_is_missing"`, all our rules).

The row condition of every expectation (`block == <its block>`, and the rule's `given` column not
null) is the same as in `gx_runner.build_expectation_suite`. tests/test_validate.py runs the
checks both ways over the whole generated data set with its planted defects and compares the
findings; an expectation type not listed here raises rather than being skipped.
"""

from __future__ import annotations

import duckdb

from pipelines.checks.gx_runner import GxRule, GxSuite

_SUPPORTED = {
    "ExpectColumnValuesToNotBeNull",
    "ExpectColumnValuesToBeInSet",
    "ExpectColumnValuesToNotBeInSet",
    "ExpectColumnValuesToBeBetween",
    "ExpectColumnPairValuesAToBeGreaterThanB",
}


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def failing_predicate(rule: GxRule) -> str:
    """SQL over one frame row: true when the row fails `rule` (before its row condition)."""
    kw = rule.kwargs
    kind = rule.expectation
    if kind not in _SUPPORTED:
        raise NotImplementedError(f"no SQL version of GX expectation {kind} (rule {rule.rule_id})")
    if kind == "ExpectColumnPairValuesAToBeGreaterThanB":
        if kw.get("ignore_row_if") != "either_value_is_missing":
            raise NotImplementedError(f"rule {rule.rule_id}: only ignore_row_if='either_value_is_missing' is translated")
        a, b = _ident(kw["column_A"]), _ident(kw["column_B"])
        op = "<" if kw.get("or_equal") else "<="
        return f"({a} is not null and {b} is not null and {a} {op} {b})"
    column = _ident(kw["column"])
    if kind == "ExpectColumnValuesToNotBeNull":
        return f"({column} is null)"
    if kind in ("ExpectColumnValuesToBeInSet", "ExpectColumnValuesToNotBeInSet"):
        values = ", ".join(_literal(v) for v in kw["value_set"]) or "null"
        negate = "not " if kind == "ExpectColumnValuesToBeInSet" else ""
        return f"({column} is not null and {negate}({column} in ({values})))"
    bounds = []
    if kw.get("min_value") is not None:
        bounds.append(f"{column} < {_literal(kw['min_value'])}")
    if kw.get("max_value") is not None:
        bounds.append(f"{column} > {_literal(kw['max_value'])}")
    return f"({column} is not null and ({' or '.join(bounds) or 'false'}))"


def row_condition(suite: GxSuite, rule: GxRule) -> str:
    condition = f"block = {suite.block_code(rule.block)}"
    if rule.given:
        condition += f" and {_ident(rule.given)} is not null"
    return condition


def validate_frame_with_sql(suite: GxSuite, frame) -> list[tuple[str, int]]:
    """An `Evaluator` for `run_raw_checks`: (rule_id, vid) of every failing value combination."""
    con = duckdb.connect()
    try:
        con.register("frame", frame)
        failing: list[tuple[str, int]] = []
        for rule in suite.rules:
            rows = con.execute(
                f"select vid from frame where {row_condition(suite, rule)} and {failing_predicate(rule)} order by vid"
            ).fetchall()
            failing.extend((rule.rule_id, int(vid)) for (vid,) in rows)
        return failing
    finally:
        con.close()
