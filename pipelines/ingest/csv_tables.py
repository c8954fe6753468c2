"""A small CSV file -> raw table loader, shared by the reference files and the targets.

A `TableSpec` names the target table, its columns, how each is parsed (a key of
numbers.PARSERS) and which are required; `keep_raw` columns also keep their text as written.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines.ingest.csv_reader import pick_columns, read_csv_table
from pipelines.ingest.files import Finding, Parsed, SourceFile
from pipelines.ingest.numbers import PARSERS


@dataclass(frozen=True)
class TableSpec:
    table: str
    columns: dict[str, str]  # column -> parser (numbers.PARSERS) applied to the text as written
    required: tuple[str, ...]
    keep_raw: tuple[str, ...] = ()  # columns that also get `<column>_raw`

    def table_columns(self) -> list[str]:
        names = ["source_file", "source_row"]
        for column in self.columns:
            names += [f"{column}_raw", column] if column in self.keep_raw else [column]
        return names

    def parse(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Text as written (columns named after the spec) -> the table's columns, parsed."""
        exprs = []
        for column, parser in self.columns.items():
            if column in self.keep_raw:
                exprs.append(pl.col(column).alias(f"{column}_raw"))
            exprs.append(PARSERS[parser](column).alias(column))
        return frame.select("source_file", "source_row", *exprs).select(self.table_columns())


def read_table_file(spec: TableSpec, source: SourceFile, data: bytes) -> Parsed:
    table = read_csv_table(data, source.rel)
    wanted = list(spec.columns)
    mapping, extra = pick_columns(table, source.rel, wanted, list(spec.required))
    frame = table.frame.select(
        pl.lit(source.rel, pl.String).alias("source_file"),
        "source_row",
        *[(pl.col(f"c{mapping[c]}") if c in mapping else pl.lit(None, pl.String)).alias(c) for c in wanted],
    )
    findings = []
    if extra:
        findings.append(
            Finding(
                "F4", "warning", source.rel, f"{source.rel}: extra column(s) ignored: {', '.join(extra)}", source.rel
            )
        )
    return Parsed(rows_read=frame.height, payload=(spec, frame), findings=findings)


class TableCsvLoader:
    """Loader (see load_log.Loader) for CSV files that each map onto one raw table."""

    def __init__(self, kind: str, specs: dict[str, TableSpec], spec_for) -> None:
        self.kind = kind
        self.tables = tuple(dict.fromkeys(s.table for s in specs.values()))
        self._spec_for = spec_for  # SourceFile -> TableSpec (raises FileRejected when none fits)
        self._pending: list[tuple[TableSpec, pl.DataFrame]] = []

    def parse(self, source: SourceFile, data: bytes) -> Parsed:
        return read_table_file(self._spec_for(source), source, data)

    def stage(self, source: SourceFile, parsed: Parsed) -> None:
        self._pending.append(parsed.payload)

    def pending(self) -> int:
        return sum(frame.height for _, frame in self._pending)

    def flush(self, con) -> int:
        inserted = 0
        for spec, frame in self._pending:
            con.register("npa_table_batch", spec.parse(frame))
            try:
                con.execute(
                    f"insert into {spec.table} ({', '.join(spec.table_columns())}) select * from npa_table_batch"
                )
            finally:
                con.unregister("npa_table_batch")
            inserted += frame.height
        self._pending = []
        return inserted
