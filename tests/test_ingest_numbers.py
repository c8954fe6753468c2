"""Dutch number, integer and date reading: the Python functions and the polars expressions agree."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.ingest.numbers import (
    PARSERS,
    excel_serial_to_date,
    norm_code,
    parse_int,
    parse_iso_date,
    parse_nl_number,
    parse_workbook_date,
    split_codes,
)

NUMBER_CASES = [
    ("712,45", 712.45),
    ("1.250", 1250.0),
    ("1.250,5", 1250.5),
    ("€ 2.500.000,00", 2500000.0),
    ("€2.500.000", 2500000.0),
    ("  42 ", 42.0),
    ("-12,50", -12.5),
    ("€ -12,50", -12.5),
    ("1\u00a0250", 1250.0),
    ("0", 0.0),
    ("2.5", None),  # a '.' needs exactly three digits after it
    ("712.45", None),
    ("1.25", None),
    ("12.3456", None),
    ("1,250.00", None),
    ("abc", None),
    ("", None),
    ("   ", None),
    (",5", None),
    ("1e3", None),
]


@pytest.mark.parametrize(("text", "expected"), NUMBER_CASES)
def test_parse_nl_number(text, expected):
    assert parse_nl_number(text) == expected


def _column(parser: str, values: list[str | None]) -> list:
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(PARSERS[parser]("v").alias("v"))["v"].to_list()


def test_polars_parsers_agree_with_python():
    texts = [t for t, _ in NUMBER_CASES]
    assert _column("num", texts) == [expected for _, expected in NUMBER_CASES]
    ints = [("2023", 2023), (" 7 ", 7), ("-3", -3), ("2023.0", None), ("x", None), ("", None),
            ("12345678901", None), (None, None)]
    for text, expected in ints:
        assert parse_int(text) == expected, text
    assert _column("int", [t for t, _ in ints]) == [e for _, e in ints]
    dates = [("2022-12-31", dt.date(2022, 12, 31)), (" 2022-12-31 ", dt.date(2022, 12, 31)),
             ("2022-02-30", None), ("31-12-2022", None), ("2022-1-5", None), ("", None)]
    for text, expected in dates:
        assert parse_iso_date(text) == expected, text
    assert _column("date", [t for t, _ in dates]) == [e for _, e in dates]
    assert _column("upper", [" l0123 ", "  ", "\u00a0gm0363\t"]) == ["L0123", None, "GM0363"]
    assert _column("lower", [" Ja ", "NEE"]) == ["ja", "nee"]
    assert _column("text", [" a b ", ""]) == ["a b", None]
    assert _column("bool", ["true", "False", "x", None]) == [True, False, None, None]
    assert _column("double", ["0.25", "1,5"]) == [0.25, None]
    assert _column("bigint", ["4500", "4.500"]) == [4500, None]


def test_codes_and_lists():
    assert norm_code(" l0123 ") == "L0123"
    assert norm_code("Ja ", upper=False) == "ja"
    assert norm_code("   ") is None
    assert split_codes("l0123, L0456 ;L0789,") == ["L0123", "L0456", "L0789"]
    assert split_codes(None) == []


def test_numeric_cells_pass_through():
    assert parse_nl_number(2.5) == 2.5  # a number typed in a numeric cell is just that number
    assert parse_int(2023.0) == 2023
    assert parse_int(2023.5) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-11-30", dt.date(2022, 11, 30)),
        ("2022-11-30 00:00:00", dt.date(2022, 11, 30)),
        ("30-11-2022", dt.date(2022, 11, 30)),
        ("30/11/2022", dt.date(2022, 11, 30)),
        ("44895", dt.date(2022, 11, 30)),  # Excel serial number, 1900 date system
        (44895.5, dt.date(2022, 11, 30)),
        ("1", dt.date(1900, 1, 1)),
        ("61", dt.date(1900, 3, 1)),
        ("30-02-2022", None),
        ("november 2022", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_workbook_date(value, expected):
    assert parse_workbook_date(value) == expected


def test_excel_serial_bounds():
    assert excel_serial_to_date(0) is None
    assert excel_serial_to_date(60) is None  # 29 February 1900 never existed
    assert excel_serial_to_date(2958466) is None
