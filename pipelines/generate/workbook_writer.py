"""Write agreement workbooks (`Afspraak` + `Prestaties`) the way people fill in the template.

Quirks (raw-inputs.md), each in a share of the workbooks: numbers typed as text in Dutch notation
(`1.250`, `€ 2.500.000,00`), years and `versie` as text, codes in other case or with trailing
spaces (`l0123 `), empty rows, a `Totaal` row at the bottom of Prestaties, dates as Excel dates or
bare serial numbers, extra sheets, sheet names in other capitalisation. Files are byte-for-byte
reproducible: fixed document properties, and xlsxwriter's fixed zip timestamps.
"""

from __future__ import annotations

import datetime as dt
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xlsxwriter

from .agreements import EURO, INDICATORS, Workbook

FIXED_CREATED = dt.datetime(2023, 4, 1, 9, 0, 0)
EXCEL_EPOCH = dt.date(1899, 12, 30)
AFSPRAAK_FIELDS = ("gemeentecode", "gemeentenaam", "status", "datum_ondertekening", "looptijd_van",
                   "looptijd_tot", "versie", "corporaties", "huurdersorganisaties")
PRESTATIES_HEADER = ("corporatie", "jaar", "indicator", "waarde", "toelichting")


def nl_number(value: float, decimals: int = 0) -> str:
    """Dutch notation: `.` groups thousands, `,` separates decimals (1.250; 2.500.000,00)."""
    negative = value < 0
    value = abs(value)
    whole = int(value)
    frac = value - whole
    groups = f"{whole:,}".replace(",", ".")
    text = groups
    if decimals:
        cents = int(round(frac * 10**decimals))
        if cents == 10**decimals:
            whole += 1
            groups = f"{whole:,}".replace(",", ".")
            cents = 0
        text = f"{groups},{cents:0{decimals}d}"
    return ("-" if negative else "") + text


def excel_serial(date: dt.date) -> int:
    return (date - EXCEL_EPOCH).days


@dataclass(frozen=True)
class Style:
    afspraak_sheet: str
    prestaties_sheet: str
    extra_sheet: str | None
    extra_first: bool
    date_as: str  # text | date | serial
    meta_as_text: bool
    noisy_codes: bool
    text_numbers: bool
    empty_rows: bool
    totals_row: bool
    blank_in_afspraak: bool
    party_separator: str


def style_for(seed: int, file: str) -> Style:
    rng = np.random.default_rng([seed, 707, zlib.crc32(file.encode())])
    u = rng.random(16)
    return Style(
        afspraak_sheet="Afspraak" if u[0] < 0.85 else ("afspraak" if u[0] < 0.95 else "AFSPRAAK"),
        prestaties_sheet="Prestaties" if u[1] < 0.9 else "prestaties",
        extra_sheet=None if u[2] >= 0.25 else ("Toelichting", "Blad1", "Berekening")[int(u[3] * 3)],
        extra_first=u[4] < 0.2,
        date_as="text" if u[5] < 0.4 else ("date" if u[5] < 0.85 else "serial"),
        meta_as_text=u[6] < 0.2,
        noisy_codes=u[7] < 0.2,
        text_numbers=u[8] < 0.25,
        empty_rows=u[9] < 0.3,
        totals_row=u[10] < 0.4,
        blank_in_afspraak=u[11] < 0.1,
        party_separator=", " if u[12] < 0.6 else (",", " , ")[int(u[13] * 2)],
    )


def _noisy(code: str, rng: np.random.Generator) -> str:
    r = rng.random()
    if r < 0.3:
        return code.lower()
    if r < 0.6:
        return code + " "
    if r < 0.75:
        return code.lower() + "  "
    return code


def _value_cell(value: float, indicator: str, rng: np.random.Generator, as_text: bool):
    if not as_text or rng.random() < 0.5:
        return value
    if INDICATORS.get(indicator) == EURO:
        r = rng.random()
        if r < 0.5:
            return "€ " + nl_number(value, 2)
        if r < 0.8:
            return "€ " + nl_number(value)
        return nl_number(value)
    return nl_number(value)


def render_workbook(wb: Workbook, seed: int) -> tuple[bytes, dict[str, int]]:
    """The workbook's bytes and, for every defect tag, the Excel row that carries it."""
    style = style_for(seed, wb.file)
    rng = np.random.default_rng([seed, 708, zlib.crc32(wb.file.encode())])
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False,
                                     "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": FIXED_CREATED, "author": "", "title": "Prestatieafspraken"})
    date_fmt = book.add_format({"num_format": "dd-mm-yyyy"})
    bold = book.add_format({"bold": True})
    tags: dict[str, int] = {}

    def extra(name: str) -> None:
        ws = book.add_worksheet(name)
        if name == "Toelichting":
            ws.write_string(0, 0, "Toelichting bij de prestatieafspraken", bold)
            ws.write_string(1, 0, f"Afspraken tussen gemeente {wb.name}, corporaties en huurders.")
            ws.write_string(2, 0, "Bedragen in euro's, aantallen in woningen.")
        elif name == "Berekening":
            ws.write_string(0, 0, "hulpberekening")
            ws.write_number(1, 0, float(len(wb.rows)))

    if style.extra_sheet and style.extra_first:
        extra(style.extra_sheet)

    # Afspraak
    ws = book.add_worksheet(style.afspraak_sheet)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 48)
    ws.write_string(0, 0, "veld", bold)
    ws.write_string(0, 1, "waarde", bold)
    r = 1
    for fld in AFSPRAAK_FIELDS:
        if fld == "huurdersorganisaties" and style.blank_in_afspraak:
            r += 1
        ws.write_string(r, 0, fld)
        if fld in wb.fields_override:
            value = wb.fields_override[fld]
        elif fld == "gemeentecode":
            value = _noisy(wb.code, rng) if style.noisy_codes and rng.random() < 0.5 else wb.code
        elif fld == "gemeentenaam":
            value = wb.name
        elif fld == "status":
            value = wb.status.capitalize() if style.noisy_codes and rng.random() < 0.3 else wb.status
        elif fld == "datum_ondertekening":
            value = wb.date
        elif fld == "looptijd_van":
            value = str(wb.van) if style.meta_as_text else wb.van
        elif fld == "looptijd_tot":
            value = str(wb.tot) if style.meta_as_text else wb.tot
        elif fld == "versie":
            value = str(wb.versie) if style.meta_as_text else wb.versie
        elif fld == "corporaties":
            parts = [_noisy(p, rng) if style.noisy_codes else p for p in wb.parties]
            value = style.party_separator.join(p.strip() if style.party_separator != ", " else p
                                               for p in parts).strip()
        else:
            value = wb.tenants
        if isinstance(value, dt.date):
            if style.date_as == "date":
                ws.write_datetime(r, 1, dt.datetime(value.year, value.month, value.day), date_fmt)
            elif style.date_as == "serial":
                ws.write_number(r, 1, excel_serial(value))
            else:
                ws.write_string(r, 1, value.isoformat())
        elif isinstance(value, (int, float)):
            ws.write_number(r, 1, value)
        elif value is not None:
            ws.write_string(r, 1, str(value))
        r += 1

    # Prestaties
    ws = book.add_worksheet(style.prestaties_sheet)
    ws.set_column(0, 0, 12)
    ws.set_column(2, 2, 30)
    ws.set_column(3, 3, 18)
    ws.set_column(4, 4, 40)
    for j, h in enumerate(PRESTATIES_HEADER):
        ws.write_string(0, j, h, bold)
    r = 1
    previous_corp = None
    total = 0.0
    for row in wb.rows:
        if style.empty_rows and previous_corp is not None and row.corp != previous_corp:
            r += 1
        previous_corp = row.corp
        corp = row.raw_corp if row.raw_corp is not None else (
            _noisy(row.corp, rng) if style.noisy_codes and rng.random() < 0.3 else row.corp)
        ws.write_string(r, 0, corp)
        if style.meta_as_text and rng.random() < 0.5:
            ws.write_string(r, 1, str(row.year))
        else:
            ws.write_number(r, 1, row.year)
        ind = row.indicator
        if style.noisy_codes and rng.random() < 0.15:
            ind = ind.capitalize() + " " if rng.random() < 0.5 else ind + " "
        ws.write_string(r, 2, ind)
        value = row.raw_value if row.raw_value is not None else _value_cell(
            row.value, row.indicator, rng, style.text_numbers)
        if isinstance(value, str):
            ws.write_string(r, 3, value)
        else:
            ws.write_number(r, 3, float(value))
            total += float(value)
        if row.note:
            ws.write_string(r, 4, row.note)
        if row.tag:
            for t in row.tag.split("|"):
                tags[t] = r + 1
        r += 1
    if style.totals_row and wb.rows:
        r += 1 if style.empty_rows else 0
        ws.write_string(r, 0, "Totaal", bold)
        ws.write_number(r, 3, total, bold)

    if style.extra_sheet and not style.extra_first:
        extra(style.extra_sheet)
    book.close()
    return buf.getvalue(), tags


def write_workbooks(workbooks: list[Workbook], raw_dir: Path, seed: int) -> dict[str, dict[str, int]]:
    """Write every workbook; returns file -> {defect tag: Excel row}."""
    folder = raw_dir / "agreements"
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, bytes] = {}
    tags: dict[str, dict[str, int]] = {}
    for wb in sorted(workbooks, key=lambda w: (w.copy_of is not None, w.file)):
        if wb.raw_bytes is not None:
            data, t = wb.raw_bytes, {}
        elif wb.copy_of is not None:
            data, t = written[wb.copy_of], {}
        else:
            data, t = render_workbook(wb, seed)
        (raw_dir / wb.file).write_bytes(data)
        written[wb.file] = data
        tags[wb.file] = t
    return tags
