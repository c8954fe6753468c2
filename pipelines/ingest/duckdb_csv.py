"""Register CSV files read by DuckDB's own `read_csv`, for the files it reads exactly as we do.

The result is the same `CsvTable` as csv_reader.read_csv_table gives (text columns c0..c{n-1},
`source_row`, blank lines dropped): everything after it (column matching F2/F4, F3, parsing, the
raw layer) is the same code. The file is only handed to DuckDB when nothing in it could make
DuckDB's reading differ from ours; otherwise `read_with_duckdb` returns None with the reason, and
the caller reads it with csv_reader (the polars path). Why each quirk goes to the polars path:

- not UTF-8 (Windows-1252, UTF-16): DuckDB's `latin-1` refuses 0x80-0x9F (the euro sign), its
  windows-1252 needs an extension that cannot be installed here, and UTF-16 big-endian reads as
  0 rows without an error. Transcoding in Python and then reading the bytes is csv_reader's job.
- a NUL byte: csv_reader rejects the file (F1, naming the line); also, `nullstr` below is a NUL so
  that no field can ever match it (empty fields stay '').
- a carriage return that does not end a line: polars rejects the file, DuckDB reads it as a line end.
- a quote that is not part of a well-formed quoted field (`2"x`, `12"`): polars rejects the file or
  reads it otherwise, DuckDB keeps it as text.
- any difference in the number of rows: DuckDB skips blank lines silently, which would shift
  `source_row`, and a quoted value spanning lines makes a record of two lines. So DuckDB's row
  count must be exactly the file's line count minus the header; if not, the polars path reads it.
- a DuckDB error (a long or short line, an unclosed quote, a line over 2 MB, ...): the polars path
  reads the file as today (F1 with today's message; a short line's missing fields as '').
- a path with glob characters (`*?[]{}`): DuckDB would read the files that pattern matches.
- the file changed on disk since its bytes were read and hashed (DuckDB reads the path, not the
  bytes): its size differs from the bytes', or size or modification time change while DuckDB
  reads; then the bytes that were hashed are read by polars. (A rewrite to the same size between
  the hashing and this check would go unnoticed.)
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import duckdb
import polars as pl

from pipelines.ingest.csv_reader import UTF8_BOM, CsvTable, finish_frame, header_of

# a well-formed quoted field: from a field start to a field end, quotes inside doubled; a file in
# which a quote is left over once these are taken out has a quote polars and DuckDB read differently
_QUOTED_FIELD = {
    sep: re.compile(rb'(?:(?<=[' + re.escape(sep.encode()) + rb'\n])|\A)"(?:[^"]|"")*+"(?=[' + re.escape(sep.encode()) + rb'\r\n]|\Z)')
    for sep in (";", ",", "\t")
}

# read_csv takes its path as a glob pattern: `L0002 [1].csv` could name other files, or none
_GLOB = re.compile(r"[*?\[\]{}]")

_local = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    """One in-memory connection per thread: the raw database's connection is busy writing."""
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
    return con


def not_readable_reason(data: bytes) -> str | None:
    """Why DuckDB cannot read these bytes as they are (see module doc), or None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in data:
        return "nul byte"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "windows-1252"
    if data.count(b"\r") != data.count(b"\r\n"):
        return "carriage return inside a line"
    return None


def read_with_duckdb(path: Path, data: bytes, rel: str) -> tuple[CsvTable | None, str | None]:
    """(the table, None) when DuckDB read the file as csv_reader would; else (None, the reason)."""
    reason = not_readable_reason(data)
    if reason is not None:
        return None, reason
    text = data[len(UTF8_BOM):] if data.startswith(UTF8_BOM) else data
    if not text.strip():
        return None, "empty"  # csv_reader rejects it (F1)
    header, separator = header_of(text)
    if b'"' in text and b'"' in _QUOTED_FIELD[separator].sub(b"", text):
        return None, "quote inside a field"
    if _GLOB.search(str(path)):
        return None, "glob characters in the path"
    try:
        before = os.stat(path)
    except OSError:
        return None, "file gone"
    if before.st_size != len(data):
        return None, "file changed"
    names = [f"c{i}" for i in range(len(header))]
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    try:
        # a relation, not execute(): DuckDB copies a DB-API result once more to make it Arrow
        table = _connection().sql(
            "select * from read_csv(?, delim = ?, quote = '\"', escape = '\"', header = true, "
            f"columns = {columns}, auto_detect = false, strict_mode = true, null_padding = false, "
            "nullstr = ?, encoding = 'utf-8')",
            params=[str(path), separator, "\x00"],
        ).to_arrow_table()
    except duckdb.Error as exc:
        return None, f"duckdb: {type(exc).__name__}"
    after = os.stat(path)
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        return None, "file changed"
    lines = text.count(b"\n") + (0 if text.endswith(b"\n") else 1)
    if table.num_rows != lines - 1:
        return None, "blank lines or a value over several lines"
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    encoding = "utf-8-sig" if data.startswith(UTF8_BOM) else "utf-8"
    return CsvTable(header=header, frame=finish_frame(frame, names), encoding=encoding, separator=separator), None
