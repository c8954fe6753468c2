"""Reading a delimited text file as people deliver it, into a polars frame of text columns.

- Encoding: UTF-8 (with or without byte-order mark); UTF-16 when it has a byte-order mark;
  else Windows-1252. Bytes that are none of these reject the file (F1), and so does a NUL byte
  anywhere outside UTF-16 (F1, naming its line): no text export writes one.
- Separator: `;`, `,` or tab, whichever occurs most in the header line.
- Line ends: LF or CRLF.
- Every value is read as text, exactly as written (empty fields as `''`); parsing is done later,
  set-based, in DuckDB.
- `source_row` is the line number with the header on line 1. Blank lines count as lines and are
  dropped. Assumption: no quoted value spans lines (register exports do not do that); if one does,
  the rows after it are numbered one line too low per extra line, nothing else goes wrong.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import polars as pl

from pipelines.ingest.files import FileRejected, norm_header

UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class CsvTable:
    header: list[str]  # as written
    frame: pl.DataFrame  # text columns c0..c{n-1} + source_row (Int32), blank lines dropped
    encoding: str
    separator: str

    def index_of(self) -> dict[str, list[int]]:
        """Normalised header name -> column positions (a name may occur more than once)."""
        positions: dict[str, list[int]] = {}
        for i, name in enumerate(self.header):
            positions.setdefault(norm_header(name), []).append(i)
        return positions


def to_utf8(data: bytes, rel: str) -> tuple[bytes, str]:
    """The file's bytes as UTF-8 without BOM, and the encoding it was in. F1 when undecidable."""
    if not data.strip():
        raise FileRejected("F1", f"{rel}: the file is empty")
    if data.startswith(UTF8_BOM):
        data, encoding = data[len(UTF8_BOM) :], "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeDecodeError as exc:
            raise FileRejected("F1", f"{rel}: cannot be read: broken UTF-16 text ({exc.reason})") from exc
    else:
        encoding = "utf-8"
    nul = data.find(b"\x00")  # the whole file: a NUL further on would end up inside a value
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise FileRejected(
            "F1", f"{rel}: cannot be read: this is not a text (CSV) file (a NUL byte 0x00 on line {line})"
        )
    try:
        data.decode("utf-8")
        return data, encoding
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252").encode("utf-8"), "windows-1252"
    except UnicodeDecodeError as exc:
        raise FileRejected(
            "F1",
            f"{rel}: cannot be read: the text is neither UTF-8 nor Windows-1252 "
            f"(byte 0x{data[exc.start]:02X} at offset {exc.start})",
        ) from exc


def detect_separator(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda s: (counts[s], s == ";"))
    return best if counts[best] else ";"


def read_csv_table(data: bytes, rel: str) -> CsvTable:
    """Parse a delimited file (see module doc). Raises FileRejected F1 when it cannot be read."""
    data, encoding = to_utf8(data, rel)
    header, separator = header_of(data)
    names = [f"c{i}" for i in range(len(header))]
    try:
        frame = pl.read_csv(
            data,
            separator=separator,
            has_header=True,
            new_columns=names,
            infer_schema=False,
            empty_string_is_null=False,
            quote_char='"',
            raise_if_empty=False,
        )
    except pl.exceptions.NoDataError:
        frame = pl.DataFrame(schema={n: pl.String for n in names})
    except Exception as exc:  # polars: ragged line, broken quoting, ...
        reason = _explain(data, separator, len(header), exc)
        raise FileRejected("F1", f"{rel}: cannot be read as CSV: {reason}") from exc
    return CsvTable(header=header, frame=finish_frame(frame, names), encoding=encoding, separator=separator)


def header_of(data: bytes) -> tuple[list[str], str]:
    """(the header's names as written, the separator) from UTF-8 bytes without BOM."""
    first_line = data.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    separator = detect_separator(first_line)
    return next(csv.reader([first_line], delimiter=separator)), separator


def finish_frame(frame: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """The text columns `names` read from the file, numbered by line, blank lines dropped (also
    used for the files DuckDB reads, duckdb_csv.py)."""
    frame = frame.select(names)  # fewer names than fields never happens: the header fixes the width
    frame = frame.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int32))
    if names and frame.select(_blank(pl.col(names[0])).any()).item():
        # only a row whose first field is blank can be a blank line: the full test is rarely needed
        frame = frame.filter(~pl.all_horizontal([_blank(pl.col(n)) for n in names]))
    return frame


def _blank(column: pl.Expr) -> pl.Expr:
    return column.fill_null("").str.strip_chars() == ""


def _explain(data: bytes, separator: str, width: int, exc: Exception) -> str:
    """Find the first line whose field count differs from the header's, for a useful message."""
    text = data.decode("utf-8", errors="replace")
    reader = csv.reader(text.splitlines(), delimiter=separator)
    for line_no, fields in enumerate(reader, start=1):
        if len(fields) > width:
            return f"line {line_no} has {len(fields)} fields, the header has {width}"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return first


def pick_columns(
    table: CsvTable, rel: str, wanted: list[str], required: list[str]
) -> tuple[dict[str, int], list[str]]:
    """Match wanted column names in the header (any order, case/space-insensitive).

    Returns (name -> position, extra column names as written). A required column that is missing
    or a wanted column that occurs twice rejects the file (F2).
    """
    positions = table.index_of()
    missing = [c for c in required if c not in positions]
    if missing:
        raise FileRejected(
            "F2",
            f"{rel}: required column(s) missing: {', '.join(missing)} "
            f"(the header on line 1 has: {', '.join(h.strip() for h in table.header)})",
            rows_read=table.frame.height,
        )
    doubled = [c for c in wanted if len(positions.get(c, [])) > 1]
    if doubled:
        detail = "; ".join(f"{c} in columns {', '.join(str(i + 1) for i in positions[c])}" for c in doubled)
        raise FileRejected(
            "F2", f"{rel}: column(s) occur more than once in the header (line 1): {detail}", rows_read=table.frame.height
        )
    mapping = {c: positions[c][0] for c in wanted if c in positions}
    extra = [h.strip() for h in table.header if norm_header(h) not in wanted and h.strip()]
    return mapping, extra
