"""Fetch the municipality and COROP reference tables from CBS open data (OData v3).

Used only when neither `data/raw/reference/` nor `$NPA_REFERENCE_DIR` has them. CBS publishes a
table "Gebieden in Nederland <year>" per year (state on 1 January); from it we derive
`municipalities.csv` (one row per municipality per year) and `corop_regions.csv` (latest year).
What CBS does not publish there is said, not invented: the exact dates a municipality began or
ended (we give 1 January of the first/last+1 year seen) and the merger table with address shares
(`municipal_mergers.csv` cannot be fetched and must be supplied).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

CATALOGUE_URL = (
    "https://opendata.cbs.nl/ODataCatalog/Tables?$format=json"
    "&$filter=substringof('Gebieden in Nederland',Title)"
)
API_URL = "https://opendata.cbs.nl/ODataApi/odata/{table}/{entity}?$format=json"
FIRST_YEAR = 2019

JsonGetter = Callable[[str], dict]


def _http_get_json(url: str) -> dict:
    import requests

    response = requests.get(url, timeout=30)
    response.raise_for_status()
    return response.json()


def _yearly_tables(get_json: JsonGetter) -> dict[int, str]:
    tables: dict[int, str] = {}
    for entry in get_json(CATALOGUE_URL).get("value", []):
        title = str(entry.get("Title", "")).strip()
        tail = title.removeprefix("Gebieden in Nederland").strip()
        if tail.isdigit() and int(tail) >= FIRST_YEAR:
            tables[int(tail)] = entry["Identifier"]
    return tables


def _column_keys(get_json: JsonGetter, table: str) -> dict[tuple[str, str], str]:
    """Map (group title, field title) -> column key, e.g. ('Provincies', 'Code') -> 'Code_28'."""
    props = get_json(API_URL.format(table=table, entity="DataProperties")).get("value", [])
    groups = {p["ID"]: p.get("Title", "") for p in props if p.get("Type") == "GroupTopic"}
    keys = {}
    for p in props:
        if p.get("Key") and p.get("ParentID") in groups:
            keys[(groups[p["ParentID"]].strip().lower(), p.get("Title", "").strip().lower())] = p["Key"]
    return keys


def _rows(get_json: JsonGetter, table: str) -> list[dict[str, str]]:
    keys = _column_keys(get_json, table)
    wanted = {
        "gemeentecode": ("gemeenten", "code"),
        "gemeentenaam": ("gemeenten", "naam"),
        "provinciecode": ("provincies", "code"),
        "provincienaam": ("provincies", "naam"),
        "corop_code": ("corop-gebieden", "code"),
        "corop_naam": ("corop-gebieden", "naam"),
    }
    absent = [name for name, key in wanted.items() if key not in keys]
    if absent:
        raise ValueError(f"CBS table {table} lacks the fields {absent}")
    data = get_json(API_URL.format(table=table, entity="TypedDataSet")).get("value", [])
    return [{name: str(rec.get(keys[key]) or "").strip() for name, key in wanted.items()} for rec in data]


def fetch_reference_from_cbs(
    names: list[str], target: Path, get_json: JsonGetter = _http_get_json
) -> tuple[list[str], list[str]]:
    """Write those of `names` CBS can provide into `target`; return (written, notes)."""
    notes: list[str] = []
    if "municipal_mergers.csv" in names:
        notes.append(
            "municipal_mergers.csv is not published by CBS in a fetchable table (the address "
            "shares of a split come from BAG address matrices); supply it by hand"
        )
    wanted = [n for n in names if n in ("municipalities.csv", "corop_regions.csv")]
    if not wanted:
        return [], notes
    tables = _yearly_tables(get_json)
    if not tables:
        return [], [*notes, "CBS catalogue lists no 'Gebieden in Nederland' tables"]
    per_year = {year: _rows(get_json, table) for year, table in sorted(tables.items())}
    years = sorted(per_year)
    written = []
    if "municipalities.csv" in wanted:
        _write_municipalities(per_year, years, target / "municipalities.csv")
        written.append("municipalities.csv")
        notes.append(
            "municipalities.csv from CBS: valid_from/valid_to are 1 January of the first year a "
            "code is seen / of the first year it is gone (CBS gives no exact dates)"
        )
    if "corop_regions.csv" in wanted:
        _write_corop(per_year[years[-1]], years[-1], target / "corop_regions.csv")
        written.append("corop_regions.csv")
    return written, notes


def _write_municipalities(per_year: dict[int, list[dict]], years: list[int], path: Path) -> None:
    first_seen: dict[str, int] = {}
    last_seen: dict[str, int] = {}
    for year in years:
        for row in per_year[year]:
            first_seen.setdefault(row["gemeentecode"], year)
            last_seen[row["gemeentecode"]] = year
    tmp = path.with_suffix(".partial")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["year", "gemeentecode", "gemeentecode_cbs", "gemeentenaam", "provinciecode",
                      "provincienaam", "valid_from", "valid_to"])
        for year in years:
            for row in sorted(per_year[year], key=lambda r: r["gemeentecode"]):
                code = row["gemeentecode"]
                ended = last_seen[code] < years[-1]
                out.writerow([
                    year, code, code.removeprefix("GM"), row["gemeentenaam"], row["provinciecode"],
                    row["provincienaam"], dt.date(first_seen[code], 1, 1).isoformat(),
                    dt.date(last_seen[code] + 1, 1, 1).isoformat() if ended else "",
                ])
    tmp.replace(path)


def _write_corop(rows: list[dict], year: int, path: Path) -> None:
    tmp = path.with_suffix(".partial")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["gemeentecode", "gemeentenaam", "provinciecode", "provincienaam", "corop_code",
                      "corop_naam", "municipality_set"])
        for row in sorted(rows, key=lambda r: r["gemeentecode"]):
            out.writerow([row["gemeentecode"], row["gemeentenaam"], row["provinciecode"],
                          row["provincienaam"], row["corop_code"], row["corop_naam"],
                          f"CBS Gebieden in Nederland {year}"])
    tmp.replace(path)
