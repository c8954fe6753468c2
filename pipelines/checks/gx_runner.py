"""Run a Great Expectations 1.x suite over a raw table held in DuckDB, and map its verdicts back
to the raw rows.

Why this shape (measured, see docs/checks.md): GX 1.24's SQL datasource does not work on DuckDB,
so GX gets pandas frames read from DuckDB. Handing it the register itself (4.6M rows x 15 columns)
costs about 55 s and 3.5 GB. Every rule here is a single-row value rule: whether a row passes
depends only on the values of the few columns the rule reads. So DuckDB hands GX, per *block* of
columns, the distinct value combinations that occur (`vid` identifies one), GX decides with
`result_format=COMPLETE` and `unexpected_index_column_names=["vid"]` which of them fail, and DuckDB
joins the failing combinations back to every raw row that carries them. Same verdicts, a few
thousand rows for GX instead of millions. `mode="rows"` hands GX one row per raw row
(`vid` = the raw row id) instead; the tests run both and compare.

All blocks of one table are stacked into one frame (an integer `block` column, the block's
position in the suite, tells them apart; columns of other blocks are null), so each raw table is
one GX suite validated against one batch; every expectation carries a row condition
`block == <its block>` (an integer: GX filters the frame once per metric, and pandas compares
integers far faster than strings).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from pipelines.checks.catalog import CHECKS


@dataclass(frozen=True)
class Block:
    """Columns that rules evaluate together. `columns`: frame alias -> SQL expression over the
    base relation (alias `b`); `where`: optional SQL predicate limiting the block's rows."""

    name: str
    columns: dict[str, str]
    where: str | None = None


@dataclass(frozen=True)
class GxRule:
    """One expectation and the check code its failures raise.

    `expectation`: a GX expectation class name; `kwargs`: its arguments, column names being block
    aliases; `given`: optional alias that must be non-null for the rule to apply (a row condition);
    `problem`: SQL text expression over the base row `b` describing the failure to a person.
    """

    rule_id: str
    code: str
    block: str
    expectation: str
    kwargs: dict[str, Any]
    problem: str
    given: str | None = None


@dataclass(frozen=True)
class GxSuite:
    name: str  # the raw table; also the GX suite name
    base: str  # a relation with `rid` (the raw row id) and every column the blocks and messages use
    blocks: tuple[Block, ...]
    rules: tuple[GxRule, ...]
    #: SQL over the base row `b`: the raw row number a hit is located at (null for tables of files)
    source_row: str = "b.source_row"

    def block_code(self, block_name: str) -> int:
        return next(i for i, b in enumerate(self.blocks) if b.name == block_name)


@dataclass
class SuiteRun:
    name: str
    frame_rows: int = 0
    raw_rows: int = 0
    seconds_frame: float = 0.0
    seconds_gx: float = 0.0
    seconds_map: float = 0.0
    failing_values: dict[str, int] = field(default_factory=dict)


_GX_STATE: dict[str, Any] = {}
_GX_LOCK = threading.Lock()
_WARM_UP: threading.Thread | None = None
_WARM_UP_LOCK = threading.Lock()


def warm_up_in_background() -> threading.Thread:
    """Import GX and build its context on a thread (about 2.3 s with dagster imported), while the
    caller's work (DuckDB and polars release the GIL) goes on; `_gx_context` waits for it. Started
    once per process: the ingest starts it when files changed, the raw checks when it has not run
    yet."""
    global _WARM_UP
    with _WARM_UP_LOCK:
        if _WARM_UP is None:
            _WARM_UP = threading.Thread(target=_gx_context, name="gx-warm-up", daemon=True)
            _WARM_UP.start()
        return _WARM_UP


def _gx_context():
    """An ephemeral GX context with one pandas dataframe asset (GX imported here, lazily)."""
    with _GX_LOCK:
        return _build_gx_context()


def _build_gx_context():
    if "batch_definition" not in _GX_STATE:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas("raw_frames").add_dataframe_asset("frame")
        _GX_STATE.update(
            gx=gx,
            context=context,
            batch_definition=asset.add_batch_definition_whole_dataframe("whole_frame"),
        )
    return _GX_STATE


def build_expectation_suite(suite: GxSuite):
    """The GX ExpectationSuite of a raw table (one expectation per rule)."""
    state = _gx_context()
    gx = state["gx"]
    from great_expectations.expectations.row_conditions import Column

    context = state["context"]
    # a suite of this name left by an earlier run in this process goes first: while it is in the
    # store, GX writes every expectation added to a suite of that name through to it (~0.1 s each)
    if suite.name in [s.name for s in context.suites.all()]:
        context.suites.delete(suite.name)
    expectation_suite = gx.ExpectationSuite(name=suite.name)
    for rule in suite.rules:
        condition = Column("block") == suite.block_code(rule.block)
        if rule.given:
            condition = condition & Column(rule.given).is_not_null()
        cls = getattr(gx.expectations, rule.expectation)
        expectation_suite.add_expectation(
            cls(**rule.kwargs, row_condition=condition, meta={"rule_id": rule.rule_id, "check_code": rule.code})
        )
    return context.suites.add(expectation_suite)


def _frame_sql(suite: GxSuite, block: Block, mode: str) -> str:
    cols = ", ".join(f"{expr} as {alias}" for alias, expr in block.columns.items())
    where = f" where {block.where}" if block.where else ""
    code = suite.block_code(block.name)
    if mode == "rows":
        return f"select {code} as block, b.rid as vid, {cols} from {suite.base} b{where}"
    return f"select {code} as block, {cols}, count(*) as n_rows from {suite.base} b{where} group by all"


def _join_condition(block: Block, mode: str) -> str:
    if mode == "rows":
        return "f.vid = b.rid"
    return " and ".join(f"({expr}) is not distinct from f.{alias}" for alias, expr in block.columns.items())


#: decides a suite over its frame: (rule_id, vid) of every unexpected value combination
Evaluator = Callable[[GxSuite, pd.DataFrame], list[tuple[str, int]]]


def run_suite(
    con: duckdb.DuckDBPyConnection, suite: GxSuite, hits_table: str, mode: str = "distinct",
    evaluate: Evaluator | None = None,
) -> SuiteRun:
    """Validate `suite` and insert (tbl, rule_id, code, severity, rid, source_file, source_row) of every
    failing raw row into `hits_table`."""
    return validate_frame(con, suite, prepare_frame(con, suite, mode), hits_table, mode, evaluate)


def frame_table(suite: GxSuite) -> str:
    return f"chk_frame_{suite.name}"


def prepare_frame(con: duckdb.DuckDBPyConnection, suite: GxSuite, mode: str = "distinct") -> SuiteRun:
    """DuckDB only (no GX, no pandas): the temp table of what GX will see. Split from
    `validate_frame` so the caller can build it while GX is still being imported."""
    run = SuiteRun(suite.name)
    started = time.perf_counter()
    table = frame_table(suite)
    parts = [_frame_sql(suite, block, mode) for block in suite.blocks]
    if mode == "rows":
        con.execute(f"create or replace temp table {table} as " + " union all by name ".join(parts))
    else:
        con.execute(
            f"create or replace temp table {table} as "
            f"select row_number() over () as vid, * from ({' union all by name '.join(parts)})"
        )
    run.seconds_frame = time.perf_counter() - started
    return run


def validate_frame(
    con: duckdb.DuckDBPyConnection, suite: GxSuite, run: SuiteRun, hits_table: str, mode: str = "distinct",
    evaluate: Evaluator | None = None,
) -> SuiteRun:
    """Hand the frame `prepare_frame` built to GX (or to `evaluate`, which decides the same rules
    without it), and map the verdicts back to the raw rows."""
    started = time.perf_counter()
    table = frame_table(suite)
    frame = con.execute(f"select * exclude (n_rows) from {table}" if mode != "rows" else f"select * from {table}").df()
    run.frame_rows = len(frame)
    run.raw_rows = con.execute(f"select count(*) from {suite.base}").fetchall()[0][0]
    run.seconds_frame += time.perf_counter() - started

    started = time.perf_counter()
    failing = (evaluate or _validate)(suite, frame)
    del frame
    run.seconds_gx = time.perf_counter() - started

    started = time.perf_counter()
    blocks = {b.name: b for b in suite.blocks}
    rules = {r.rule_id: r for r in suite.rules}
    if failing:
        fails = pd.DataFrame(failing, columns=["rule_id", "vid"])
        con.register("chk_gx_fails", fails)
        try:
            for rule_id, group in fails.groupby("rule_id"):
                rule = rules[rule_id]
                run.failing_values[rule_id] = len(group)
                block = blocks[rule.block]
                con.execute(
                    f"""
                    insert into {hits_table} (tbl, rule_id, code, severity, rid, info, source_file, source_row)
                    select distinct '{suite.name}', '{rule.rule_id}', '{rule.code}', '{CHECKS[rule.code].severity}',
                           b.rid, null, b.source_file, {suite.source_row}
                    from {suite.base} b
                    join {table} f on f.block = {suite.block_code(block.name)} and {_join_condition(block, mode)}
                    where f.vid in (select vid from chk_gx_fails where rule_id = '{rule.rule_id}')
                    {f"and ({block.where})" if block.where else ""}
                    """
                )
        finally:
            con.unregister("chk_gx_fails")
    con.execute(f"drop table if exists {table}")
    run.seconds_map = time.perf_counter() - started
    return run


def _validate(suite: GxSuite, frame: pd.DataFrame) -> list[tuple[str, int]]:
    """Run the GX suite on the frame; (rule_id, vid) of every unexpected value combination."""
    state = _gx_context()
    expectation_suite = build_expectation_suite(suite)
    batch = state["batch_definition"].get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        expectation_suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": ["vid"],
            "return_unexpected_index_query": False,
            "partial_unexpected_count": 0,
        },
    )
    failing: list[tuple[str, int]] = []
    for res in result.results:
        meta = res.expectation_config.meta or {}
        rule_id = meta.get("rule_id")
        info = res.exception_info or {}
        if info.get("raised_exception"):
            raise RuntimeError(f"GX expectation {rule_id} of suite {suite.name} raised: {info.get('exception_message')}")
        if res.success:
            continue
        for entry in res.result.get("unexpected_index_list") or []:
            failing.append((rule_id, int(entry["vid"])))
    return failing
