"""Reading values the way a Dutch person writes them: numbers, integers, dates, codes.

One rule set, two implementations that are tested against the same cases: Python functions for
the few values read one at a time (workbook metadata), and polars expressions (`pl_*`, `PARSERS`)
for the set-based parsing of whole columns (register, workbook rows, targets, reference files).

Dutch number text (raw-inputs.md): `.` separates thousands, `,` separates decimals. A `.` is a
thousands separator only when exactly three digits follow it, and every group after the first
must have three digits: `1.250` is 1250, `1.250,5` is 1250.5, `€ 2.500.000,00` is 2500000,
`712,45` is 712.45. `2.5` and `712.45` cannot be interpreted (NULL: the checks raise R1/A4 on the
kept raw text); spaces (also non-breaking) and a euro sign anywhere are ignored, a leading sign is
allowed (`-12,50`, `€ -12,50`).

Integers are plain digit strings with an optional sign (`2023`, ` 7 `), at most 9 digits; dates are ISO
`YYYY-MM-DD` (register, targets); workbook dates also accept an ISO date-time, a Dutch
`DD-MM-YYYY` and an Excel serial number in the 1900 date system.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

_SPACES_AND_EURO = re.compile(r"[\s\u00a0\u202f€]")
_NL_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")
_INTEGER = re.compile(r"[+-]?\d{1,9}")  # fits an INTEGER column
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DUTCH_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_SERIAL = re.compile(r"\d+(?:\.\d+)?")

# Excel's 1900 date system: serial 1 is 1900-01-01, and Excel counts a 29 February 1900 that never
# existed (serial 60), so from serial 61 on the epoch is 1899-12-30.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31


def clean_text(value: object) -> str | None:
    """Trimmed text, None when absent or blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def norm_code(value: object, upper: bool = True) -> str | None:
    """A code compared after trimming and ignoring case (`l0123 ` -> `L0123`, `Ja` -> `ja`)."""
    text = clean_text(value)
    if text is None:
        return None
    return text.upper() if upper else text.lower()


def parse_nl_number(value: object) -> float | None:
    """A number written the Dutch way; None when empty or not interpretable (see module doc)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = _SPACES_AND_EURO.sub("", str(value))
    if not _NL_NUMBER.fullmatch(text):
        return None
    return float(text.replace(".", "").replace(",", "."))


def parse_int(value: object) -> int | None:
    """An integer written as digits (`2023`, ` 2 `); an integral float from a numeric cell too."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 1e9 else None
    text = str(value).strip()
    if not _INTEGER.fullmatch(text):
        return None
    return int(text)


def excel_serial_to_date(serial: float) -> dt.date | None:
    """Day number of Excel's 1900 date system (fraction = time of day, ignored)."""
    day = int(serial)
    if day < 1 or day > _EXCEL_MAX_SERIAL or day == 60:
        return None
    if day < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=day)
    return _EXCEL_EPOCH + dt.timedelta(days=day)


def parse_iso_date(value: object) -> dt.date | None:
    """`YYYY-MM-DD` only (the register and targets); None when empty or invalid."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(value).strip())
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_workbook_date(value: object) -> dt.date | None:
    """A date as a person reads it in a workbook cell.

    Accepts a date cell (rendered `YYYY-MM-DD hh:mm:ss` by the reader), ISO text `YYYY-MM-DD`,
    Dutch text `DD-MM-YYYY` (also with `/` or `.`), and an Excel serial number (1900 system).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        return excel_serial_to_date(float(value))
    text = str(value).strip()
    try:
        if match := _ISO_DATE.fullmatch(text):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DUTCH_DATE.fullmatch(text):
            return dt.date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    if _SERIAL.fullmatch(text):
        return excel_serial_to_date(float(text))
    return None


def split_codes(value: object) -> list[str]:
    """`l0123, L0456 ;L0789` -> ['L0123', 'L0456', 'L0789'] (commas or semicolons, empties dropped)."""
    if value is None:
        return []
    return [part.strip().upper() for part in re.split(r"[,;]", str(value)) if part.strip()]


# Polars versions of the same rules, for whole columns of text (`<column>_raw`). Measured on the
# national register they take about 40% of the CPU time the same rules take as DuckDB SQL.
_WS = " \t\r\n\u00a0\u202f"


def pl_text(column: str) -> pl.Expr:
    """Trimmed text; null when empty."""
    trimmed = pl.col(column).str.strip_chars(_WS)
    return pl.when(trimmed != "").then(trimmed)


def pl_upper(column: str) -> pl.Expr:
    return pl_text(column).str.to_uppercase()


def pl_lower(column: str) -> pl.Expr:
    return pl_text(column).str.to_lowercase()


def pl_int(column: str) -> pl.Expr:
    trimmed = pl.col(column).str.strip_chars(_WS)
    return pl.when(trimmed.str.contains(r"^[+-]?\d{1,9}$")).then(trimmed.cast(pl.Int32, strict=False))


def pl_date(column: str) -> pl.Expr:
    trimmed = pl.col(column).str.strip_chars(_WS)
    return pl.when(trimmed.str.contains(r"^\d{4}-\d{2}-\d{2}$")).then(trimmed.str.to_date("%Y-%m-%d", strict=False))


def pl_num(column: str) -> pl.Expr:
    """Dutch number text (see module doc) -> Float64."""
    cleaned = pl.col(column).str.replace_all(r"[\s\x{00A0}\x{202F}€]", "")
    plain = cleaned.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    return pl.when(cleaned.str.contains(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")).then(
        plain.cast(pl.Float64, strict=False)
    )


# Reference files are plain machine CSV (decimal point, `true`/`false`).
def pl_double(column: str) -> pl.Expr:
    return pl.col(column).str.strip_chars(_WS).cast(pl.Float64, strict=False)


def pl_bigint(column: str) -> pl.Expr:
    trimmed = pl.col(column).str.strip_chars(_WS)
    return pl.when(trimmed.str.contains(r"^[+-]?\d{1,18}$")).then(trimmed.cast(pl.Int64, strict=False))


def pl_bool(column: str) -> pl.Expr:
    value = pl.col(column).str.strip_chars(_WS).str.to_lowercase()
    return (
        pl.when(value.is_in(["true", "t", "1", "ja", "yes", "waar"]))
        .then(pl.lit(True))
        .when(value.is_in(["false", "f", "0", "nee", "no", "onwaar"]))
        .then(pl.lit(False))
    )


PARSERS = {
    "text": pl_text,
    "upper": pl_upper,
    "lower": pl_lower,
    "int": pl_int,
    "date": pl_date,
    "num": pl_num,
    "double": pl_double,
    "bigint": pl_bigint,
    "bool": pl_bool,
}
