"""Housing-stock register files: `register/<peildatum>/<corporatie>.csv` (or `.parquet`).

Each file is read into a polars frame of text (see csv_reader) and checked against its name, in a
worker thread a few files ahead of the writer (load_log.sync_files); accepted files are buffered,
parsed together column by column with polars (numbers.py; columns with few distinct values once
per distinct value) per batch of about 400,000 rows, and streamed as Arrow into one INSERT into
raw.register_units that runs while the next batch is parsed (arrow_stream.py).

CSV files are read by csv_reader (polars), or with NPA_REGISTER_READER=duckdb by DuckDB's read_csv
where it reads the file exactly as csv_reader would (duckdb_csv.py); the same raw layer either way,
and the polars reader stays the default because it is faster (README.md, measured).

File name vs content (F3). The folder must be a date `YYYY-MM-DD` and the file name (without
extension) the corporation. If any row has a readable `peildatum` other than the folder date, or a
non-empty `corporatie` other than the file name (after trimming and ignoring case), the whole file
is rejected with F3: the message gives how many rows disagree, what they say and the first line.
One rule for "every row disagrees" (a misnamed or misfiled file) and "some rows disagree" (rows of
another corporation or date mixed in): F3 is a file-level error in checks.md and a person has to
decide which is right, so we never load half a file. Empty or unreadable `peildatum`/`corporatie`
values are not F3 but R1 (parse failure, the checks gate that row).

A file with a header but no data rows is rejected (F1): loading it would make a corporation look
as if it had sold or demolished its whole stock.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from pathlib import PurePosixPath

import polars as pl

from pipelines.ingest.arrow_stream import ArrowInsertStream
from pipelines.ingest.csv_reader import pick_columns, read_csv_table
from pipelines.ingest.duckdb_csv import read_with_duckdb
from pipelines.ingest.files import FileRejected, Finding, Parsed, SourceFile, describe_rows, norm_header
from pipelines.ingest.numbers import PARSERS, parse_iso_date
from pipelines.raw_schema import REGISTER_COLUMNS, REGISTER_REQUIRED, REGISTER_TEXT_IF_DIFFERENT

COLUMNS = list(REGISTER_COLUMNS)
_INTEGER_COLUMNS = [c for c, t in REGISTER_COLUMNS.items() if t == "INTEGER"]

_PARSER = {
    "peildatum": "date",
    "corporatie": "upper",
    "vhe_nummer": "text",
    "bag_vbo_id": "text",
    "gemeentecode": "upper",
    "postcode": "upper",
    "woningtype": "upper",
    "bouwjaar": "int",
    "energielabel": "upper",
    "conditiescore": "int",
    "verwarming": "lower",
    "zonnepanelen": "lower",
    "geclusterd_ouderen": "lower",
    "flexwoning": "lower",
    "huursegment": "lower",
    "kale_huur": "num",
}
TABLE_COLUMNS = ["source_file", "source_row", "file_date", "file_corporation"] + [
    name for c in COLUMNS for name in (f"{c}_raw", c)
]
TABLE = "raw.register_units"  # TABLE_COLUMNS is the order of its columns (raw_schema.DDL)


# Columns with few distinct values in a batch (codes, yes/no, years, dates): parsed once per
# distinct value and mapped back, about three times cheaper than parsing every row. The others
# (unit numbers, BAG ids, postcodes, rents) are parsed row by row.
_FEW_VALUES = {
    "peildatum", "corporatie", "gemeentecode", "woningtype", "bouwjaar", "energielabel", "conditiescore",
    "verwarming", "zonnepanelen", "geclusterd_ouderen", "flexwoning", "huursegment",
}


def parse_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the parsed column beside every `<column>_raw` (Parquet's native kale_huur wins), and
    leave out the text as written where it is the parsed value's own text."""
    exprs = []
    for c in COLUMNS:
        raw = f"{c}_raw"
        parser = PARSERS[_PARSER[c]]
        if c in _FEW_VALUES:
            # the same rule applied to each distinct value; null maps to null (every parser gives it)
            values = frame.select(pl.col(raw).unique().drop_nulls())
            mapped = values.select(parser(raw))[raw]
            parsed = pl.col(raw).replace_strict(values[raw], mapped, default=None, return_dtype=mapped.dtype)
        else:
            parsed = parser(raw)
        if c == "kale_huur":
            parsed = pl.coalesce(pl.col("kale_huur_native"), parsed)
        exprs.append(parsed.alias(c))
    # the text as written only where it is not the value's own text (raw_schema.py): DuckDB wrote
    # every value twice, which cost about 4 s of the national register load (24 -> 19.5 s)
    as_written = [
        pl.when(pl.col(f"{c}_raw") == pl.col(c).cast(pl.String)).then(pl.lit(None, pl.String))
        .otherwise(pl.col(f"{c}_raw")).alias(f"{c}_raw")
        for c in REGISTER_TEXT_IF_DIFFERENT
    ]
    return frame.with_columns(exprs).with_columns(as_written).select(TABLE_COLUMNS)


def file_identity(rel: str) -> tuple[object, str]:
    """(folder date or None, corporation from the file name, upper case)."""
    path = PurePosixPath(rel)
    return parse_iso_date(path.parent.name), path.stem.strip().upper()


def read_register(source: SourceFile, data: bytes, reader: str = "polars", readers: Counter | None = None) -> Parsed:
    """`reader`: "polars" (csv_reader) or "duckdb" (duckdb_csv, polars for the files it cannot read
    as they are); `readers` counts which reader read each CSV file, and why not DuckDB."""
    rel = source.rel
    suffix = PurePosixPath(rel).suffix.lower()
    if suffix == ".csv":
        table, why = read_with_duckdb(source.path, data, rel) if reader == "duckdb" else (None, "polars reader")
        if readers is not None:
            readers["duckdb" if table is not None else f"polars: {why}"] += 1
        frame, extra, rows_read = _from_csv(data, rel, table)
    elif suffix == ".parquet":
        frame, extra, rows_read = _from_parquet(data, rel)
    else:
        raise FileRejected("F1", f"{rel}: not a register file (expected <corporatie>.csv or .parquet)")
    if frame.height == 0:
        raise FileRejected("F1", f"{rel}: the file has a header but no data rows")

    file_date, file_corp = file_identity(rel)
    if file_date is None:
        raise FileRejected(
            "F3",
            f"{rel}: the folder name {PurePosixPath(rel).parent.name!r} is not a peildatum YYYY-MM-DD "
            "(expected register/<peildatum>/<corporatie>.csv)",
            rows_read,
        )
    _check_name_vs_content(frame, rel, file_date, file_corp, rows_read)

    frame = frame.with_columns(
        pl.lit(rel, pl.String).alias("source_file"),
        pl.lit(file_date, pl.Date).alias("file_date"),
        pl.lit(file_corp, pl.String).alias("file_corporation"),
    ).select(
        "source_file",
        "source_row",
        "file_date",
        "file_corporation",
        *[f"{c}_raw" for c in COLUMNS],
        "kale_huur_native",
    )
    findings = []
    if extra:
        findings.append(Finding("F4", "warning", rel, f"{rel}: extra column(s) ignored: {', '.join(extra)}", rel))
    return Parsed(rows_read=frame.height, payload=frame, findings=findings)


def _from_csv(data: bytes, rel: str, table=None) -> tuple[pl.DataFrame, list[str], int]:
    table = table if table is not None else read_csv_table(data, rel)
    mapping, extra = pick_columns(table, rel, COLUMNS, REGISTER_REQUIRED)
    frame = table.frame.select(
        "source_row",
        *[
            (pl.col(f"c{mapping[c]}") if c in mapping else pl.lit(None, pl.String)).alias(f"{c}_raw")
            for c in COLUMNS
        ],
        pl.lit(None, pl.Float64).alias("kale_huur_native"),
    )
    return frame, extra, frame.height


def _from_parquet(data: bytes, rel: str) -> tuple[pl.DataFrame, list[str], int]:
    """Native types: dates as dates, integers, kale_huur as a float, the rest text; nulls allowed."""
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:
        text = str(exc).strip()
        raise FileRejected(
            "F1", f"{rel}: cannot be read as Parquet: {text.splitlines()[0] if text else type(exc).__name__}"
        ) from exc
    positions: dict[str, list[str]] = {}
    for name in frame.columns:
        positions.setdefault(norm_header(name), []).append(name)
    missing = [c for c in REGISTER_REQUIRED if c not in positions]
    if missing:
        raise FileRejected(
            "F2",
            f"{rel}: required column(s) missing: {', '.join(missing)} (the file has: {', '.join(frame.columns)})",
            frame.height,
        )
    doubled = [c for c in COLUMNS if len(positions.get(c, [])) > 1]
    if doubled:
        raise FileRejected("F2", f"{rel}: column(s) occur more than once: {', '.join(doubled)}", frame.height)
    extra = [name for name in frame.columns if norm_header(name) not in COLUMNS]

    exprs = []
    native = pl.lit(None, pl.Float64)
    for c in COLUMNS:
        if c not in positions:
            exprs.append(pl.lit(None, pl.String).alias(f"{c}_raw"))
            continue
        name = positions[c][0]
        dtype = frame.schema[name]
        col = pl.col(name)
        if dtype == pl.Boolean:
            text = pl.when(col).then(pl.lit("ja")).when(~col).then(pl.lit("nee"))
        elif isinstance(dtype, pl.Datetime):
            text = col.cast(pl.Date).cast(pl.String)
        elif dtype.is_float() and c in _INTEGER_COLUMNS:
            text = pl.when(col == col.floor()).then(col.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(
                col.cast(pl.String)
            )
        elif dtype == pl.String:
            text = col
        else:
            text = col.cast(pl.String, strict=False)
        exprs.append(text.alias(f"{c}_raw"))
        if c == "kale_huur" and (dtype.is_float() or dtype.is_integer() or dtype.is_decimal()):
            native = col.cast(pl.Float64)
    out = frame.select(*exprs, native.alias("kale_huur_native"))
    out = out.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int32))
    blank = pl.all_horizontal([pl.col(f"{c}_raw").is_null() for c in COLUMNS])
    out = out.filter(~blank)
    return out, extra, out.height


def _check_name_vs_content(frame: pl.DataFrame, rel: str, file_date, file_corp: str, rows_read: int) -> None:
    # decided per distinct raw value (a file mostly holds one corporation and one date); only when
    # some value disagrees are the rows that hold it looked up
    corps = frame.select(pl.col("corporatie_raw").unique()).with_columns(
        pl.col("corporatie_raw").str.strip_chars().str.to_uppercase().alias("corp")
    )
    dates = frame.select(pl.col("peildatum_raw").unique()).with_columns(
        pl.when(pl.col("peildatum_raw").str.strip_chars().str.contains(r"^\d{4}-\d{2}-\d{2}$"))
        .then(pl.col("peildatum_raw").str.strip_chars().str.to_date("%Y-%m-%d", strict=False))
        .alias("date")
    )
    bad_corps = corps.filter((pl.col("corp") != "") & (pl.col("corp") != file_corp))
    bad_dates = dates.filter(pl.col("date").is_not_null() & (pl.col("date") != file_date))
    if not bad_corps.height and not bad_dates.height:
        return
    problems = []
    if bad_corps.height:
        wrong_corp = frame.filter(pl.col("corporatie_raw").is_in(bad_corps["corporatie_raw"].implode()))
        seen = bad_corps["corp"].unique().sort().to_list()
        problems.append(
            f"the file name says corporatie {file_corp} but {wrong_corp.height} of {frame.height} rows say "
            f"{', '.join(seen[:3])}{' ...' if len(seen) > 3 else ''} (column corporatie, line(s) "
            f"{describe_rows(wrong_corp['source_row'].to_list())})"
        )
    if bad_dates.height:
        wrong_date = frame.filter(pl.col("peildatum_raw").is_in(bad_dates["peildatum_raw"].implode()))
        seen = [d.isoformat() for d in bad_dates["date"].unique().sort().to_list()]
        problems.append(
            f"the folder says peildatum {file_date.isoformat()} but {wrong_date.height} of {frame.height} rows "
            f"say {', '.join(seen[:3])}{' ...' if len(seen) > 3 else ''} (column peildatum, line(s) "
            f"{describe_rows(wrong_date['source_row'].to_list())})"
        )
    raise FileRejected("F3", f"{rel}: file name and content disagree: " + "; ".join(problems), rows_read)


class RegisterLoader:
    """Buffers accepted register frames (text as written); parses them per batch and streams them
    into raw.register_units through one INSERT (arrow_stream), which `finish` completes."""

    kind = "register"
    tables = ("raw.register_units",)
    parse_in_background = True  # parse() is a pure function of the bytes (see load_log.sync_files)

    def __init__(self, reader: str | None = None) -> None:
        self._frames: list[pl.DataFrame] = []
        self._rows = 0
        self._stream: ArrowInsertStream | None = None
        # which CSV reader: polars (csv_reader) unless NPA_REGISTER_READER=duckdb (duckdb_csv.py)
        self.reader = reader or os.environ.get("NPA_REGISTER_READER") or "polars"
        if self.reader not in ("polars", "duckdb"):
            raise ValueError(f"NPA_REGISTER_READER must be polars or duckdb, got {self.reader!r}")
        self.readers: Counter = Counter()

    def parse(self, source: SourceFile, data: bytes) -> Parsed:
        return read_register(source, data, self.reader, self.readers)

    def stage(self, source: SourceFile, parsed: Parsed) -> None:
        self._frames.append(parsed.payload)
        self._rows += parsed.rows_read

    def pending(self) -> int:
        return self._rows

    def _check_table(self, con) -> None:
        """insert_into() goes by position: the table must have exactly our columns, in our order."""
        columns = [r[0] for r in con.execute(f"select * from {TABLE} limit 0").description]
        if columns != TABLE_COLUMNS:
            raise RuntimeError(f"{TABLE} has columns {columns}, expected {TABLE_COLUMNS}")

    def flush(self, con) -> int:
        """Parse the buffered frames and hand them to the INSERT (written while the caller goes on)."""
        if not self._frames:
            return 0
        # one chunk (not one per file), so the stream can cut it into whole row groups
        batch = parse_columns(pl.concat(self._frames, how="vertical")).rechunk()
        self._frames, self._rows = [], 0
        inserted = batch.height
        # string views straight through: cheaper than DuckDB's own conversion of a polars frame
        table = batch.to_arrow(compat_level=pl.CompatLevel.newest())
        del batch
        if self._stream is None:
            self._check_table(con)
            self._stream = ArrowInsertStream(con, TABLE, table.schema)
        self._stream.put(table)
        return inserted

    def finish(self, con) -> None:
        """Wait until every batch handed over is written (the caller commits after this)."""
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()

    def abort(self) -> None:
        """Stop writing (the caller rolls back): the connection is free again when this returns."""
        stream, self._stream = self._stream, None
        self._frames, self._rows = [], 0
        if stream is not None:
            stream.abort()
