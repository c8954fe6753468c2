"""The x2 data set: twice the dwellings of every corporation, from a generated raw folder.

Every register file gets each of its rows twice: the copy has `vhe_nummer` + `-2` and a new
`bag_vbo_id` (the BAG object-type digits `01` become `91`, so it stays a 16-digit id that no
generated dwelling has; an id of another form gets a `2` appended); the same dwelling gets the same
new ids in every snapshot, so identity, transfers and realisation double too. Each file keeps its
form: separator, encoding, byte-order mark, line ends, column order, extra columns, Parquet as
Parquet. Agreements, targets and reference files are hard-linked as they are.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import polars as pl


def _twin_ids(frame: pl.DataFrame) -> pl.DataFrame:
    bag = pl.col("bag_vbo_id")
    stripped = bag.str.strip_chars()
    new_bag = (
        pl.when(stripped.str.contains(r"^\d{4}01\d{10}$"))
        .then(stripped.str.slice(0, 4) + "91" + stripped.str.slice(6))
        .when(stripped.is_not_null() & (stripped != ""))
        .then(stripped + "2")
        .otherwise(bag)
    )
    vhe = pl.col("vhe_nummer")
    return frame.with_columns(new_bag.alias("bag_vbo_id"), (vhe.str.strip_chars() + "-2").alias("vhe_nummer"))


def _twice_csv(src: Path, dst: Path) -> int:
    data = src.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        text = body.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        text = body.decode("cp1252")
        encoding = "cp1252"
    first = text.split("\n", 1)[0]
    sep = ";" if first.count(";") >= first.count(",") else ","
    crlf = first.endswith("\r")
    frame = pl.read_csv(io.StringIO(text).read().encode("utf-8"), separator=sep, infer_schema=False,
                        quote_char='"')
    columns = frame.columns
    lowered = {c: c.strip().lower() for c in columns}
    renamed = frame.rename(lowered)
    doubled = pl.concat([renamed, _twin_ids(renamed)]).rename({v: k for k, v in lowered.items()})
    buffer = io.StringIO()
    doubled.select(columns).write_csv(buffer, separator=sep, quote_style="necessary",
                                      line_terminator="\r\n" if crlf else "\n", null_value="")
    out = buffer.getvalue().encode(encoding)
    dst.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out)
    return doubled.height


def _twice_parquet(src: Path, dst: Path) -> int:
    frame = pl.read_parquet(src)
    doubled = pl.concat([frame, _twin_ids(frame)])
    doubled.write_parquet(dst)
    return doubled.height


def make_twice(src_raw: Path, dst_raw: Path) -> dict:
    rows = files = 0
    for path in sorted(src_raw.rglob("*")):
        rel = path.relative_to(src_raw)
        target = dst_raw / rel
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        suffix = path.suffix.lower()
        if rel.parts[0] == "register" and suffix == ".csv":
            rows += _twice_csv(path, target)
            files += 1
        elif rel.parts[0] == "register" and suffix == ".parquet":
            rows += _twice_parquet(path, target)
            files += 1
        else:
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
    return {"register_files": files, "register_rows": rows}
