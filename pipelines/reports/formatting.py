"""Dutch number and date formatting for the reports, with babel (never the machine's locale).

Every figure a reader sees goes through here, so `28.000`, `12,3%` and `EUR 8,6 miljard` are
written the same way in every table, chart and sentence.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "nl_NL"
MISSING = "–"  # en dash: no value (not zero)


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _round_half_up(value: float, digits: int = 0) -> Decimal:
    """Round as people do (2,5 -> 3), not banker's rounding, so a report matches a hand calculation."""
    quantum = Decimal(1).scaleb(-digits)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def fmt_int(value) -> str:
    """A count: `28.000`, `-1.250`."""
    if _is_missing(value):
        return MISSING
    return format_decimal(_round_half_up(value), format="#,##0", locale=LOCALE)


def fmt_dec(value, digits: int = 1) -> str:
    """A decimal number with a fixed number of decimals: `8,6`."""
    if _is_missing(value):
        return MISSING
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(_round_half_up(value, digits), format=pattern, locale=LOCALE)


def fmt_pct(share, digits: int = 1) -> str:
    """A share (0.123) as a percentage: `12,3%`."""
    if _is_missing(share):
        return MISSING
    return fmt_dec(float(share) * 100, digits) + "%"


def fmt_eur(value, short: bool = False) -> str:
    """A euro amount in words: `EUR 8,6 miljard`, `EUR 500 miljoen`, `EUR 12.500`; amounts of a million
    and more get one decimal at most. `short` (table cells): `EUR 8,6 mld`, `EUR 500 mln`."""
    if _is_missing(value):
        return MISSING
    value = float(value)
    size = abs(value)
    words = ((1e9, "mld"), (1e6, "mln")) if short else ((1e9, "miljard"), (1e6, "miljoen"))
    for threshold, word in words:
        if size >= threshold:
            number = format_decimal(_round_half_up(value / threshold, 1), format="#,##0.#", locale=LOCALE)
            return f"EUR {number} {word}"
    return f"EUR {fmt_int(value)}"


def fmt_mln(value) -> str:
    """A euro amount in millions with one decimal, for columns headed `(mln EUR)`: `4,2`."""
    if _is_missing(value):
        return MISSING
    return fmt_dec(float(value) / 1e6, 1)


def fmt_date(value: dt.date) -> str:
    """`1 juli 2022`."""
    return format_date(value, format="long", locale=LOCALE)


def fmt_bool(value) -> str:
    if _is_missing(value):
        return MISSING
    return "ja" if value else "nee"


def fmt_period(year_from: int | None, year_to: int | None) -> str:
    """`2026`, `2022–2025`, `vanaf 2022`."""
    if year_from is None and year_to is None:
        return MISSING
    if year_to is None:
        return f"vanaf {year_from}"
    if year_from is None or year_from == year_to:
        return str(year_to)
    return f"{year_from}–{year_to}"


def fmt_quantity(value, unit: str | None) -> str:
    """A value in the unit of its row: euro amounts in words, everything else as a count."""
    return fmt_eur(value, short=True) if unit == "euro" else fmt_int(value)


def fmt_value(value, kind: str, unit: str | None = None) -> str:
    """Format a cell by column kind (see `model.Column.kind`)."""
    if kind == "unit":
        return fmt_quantity(value, unit)
    if kind == "int":
        return fmt_int(value)
    if kind == "pct":
        return fmt_pct(value)
    if kind == "eur":
        return fmt_eur(value, short=True)
    if kind == "mln":
        return fmt_mln(value)
    if kind == "bool":
        return fmt_bool(value)
    if kind == "year":
        return MISSING if _is_missing(value) else str(int(value))
    if kind == "date":
        return MISSING if _is_missing(value) else fmt_date(value)
    return MISSING if _is_missing(value) else str(value)
