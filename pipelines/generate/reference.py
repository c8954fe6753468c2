"""Read the real reference data (municipalities, mergers, COROP regions) the generator builds on.

The files are read as any CSV input may arrive (`;` or `,` separated, UTF-8 with or without BOM);
all values are kept as text and interpreted here.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

REFERENCE_FILES = ("municipalities.csv", "municipal_mergers.csv", "corop_regions.csv")

SNAPSHOT_DATES = (dt.date(2021, 12, 31), dt.date(2022, 12, 31))


def read_reference_csv(path: Path) -> pl.DataFrame:
    """A reference CSV as text columns, separator detected from the header line."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")
    header = text.split("\n", 1)[0]
    separator = ";" if header.count(";") > header.count(",") else ","
    return pl.read_csv(text.encode("utf-8"), separator=separator, infer_schema=False)


def find_reference_dir(raw_dir: Path, reference_dir: Path | None) -> Path:
    """Where the municipality/merger/COROP files are: explicit, `<raw_dir>/reference`, or
    `$NPA_REFERENCE_DIR`."""
    candidates = []
    if reference_dir is not None:
        candidates.append(Path(reference_dir))
    candidates.append(Path(raw_dir) / "reference")
    env = os.environ.get("NPA_REFERENCE_DIR")
    if env:
        candidates.append(Path(env))
    for cand in candidates:
        if all((cand / name).is_file() for name in REFERENCE_FILES):
            return cand
    raise FileNotFoundError(
        "the generator needs the real reference files "
        + ", ".join(REFERENCE_FILES)
        + f" in {Path(raw_dir) / 'reference'} (or pass reference_dir / set NPA_REFERENCE_DIR); "
        "looked in: " + ", ".join(str(c) for c in candidates)
    )


def _date(value: str | None) -> dt.date | None:
    if value is None or not value.strip():
        return None
    return dt.date.fromisoformat(value.strip())


@dataclass
class Geography:
    """Municipalities as the generator needs them.

    A *location* is a municipality that existed on 2021-12-31 (the first snapshot): every dwelling
    lies in one location for good. Its code on a later date follows the mergers (primary successor).
    """

    locations: list[str]  # codes valid on 2021-12-31, sorted
    names: dict[str, str]  # code -> name (latest name the reference data has for it)
    province: dict[str, str]  # location code -> province code (of the location itself)
    corop: dict[str, str]  # location code -> COROP code of its current municipality
    current: dict[str, str]  # location code -> municipality in the most recent set
    mergers: list[tuple[dt.date, str, str]]  # (effective_date, old, new primary successor), sorted
    merger_addresses: dict[str, int] = field(default_factory=dict)  # old code -> addresses total
    all_codes: set[str] = field(default_factory=set)

    def code_on(self, code: str, date: dt.date) -> str:
        """The code of the municipality that holds `code`'s area on `date` (mergers followed)."""
        changed = True
        while changed:
            changed = False
            for eff, old, new in self.mergers:
                if old == code and eff <= date:
                    code, changed = new, True
                    break
        return code

    def current_code(self, code: str) -> str:
        return self.code_on(code, dt.date(9999, 12, 31))

    @property
    def current_municipalities(self) -> list[str]:
        return sorted(set(self.current.values()))

    def locations_of(self, current_code: str) -> list[str]:
        return [loc for loc in self.locations if self.current[loc] == current_code]


def load_geography(ref_dir: Path) -> Geography:
    muni = read_reference_csv(ref_dir / "municipalities.csv")
    mergers = read_reference_csv(ref_dir / "municipal_mergers.csv")
    corop = read_reference_csv(ref_dir / "corop_regions.csv")

    first = SNAPSHOT_DATES[0]
    names: dict[str, str] = {}
    province: dict[str, str] = {}
    locations: set[str] = set()
    all_codes: set[str] = set()
    for row in muni.sort("year").iter_rows(named=True):
        code = row["gemeentecode"].strip().upper()
        all_codes.add(code)
        names[code] = row["gemeentenaam"]
        province[code] = row["provinciecode"].strip().upper()
        valid_from = _date(row["valid_from"])
        valid_to = _date(row["valid_to"])
        if (valid_from is None or valid_from <= first) and (valid_to is None or valid_to > first):
            locations.add(code)

    merger_list: list[tuple[dt.date, str, str]] = []
    merger_addresses: dict[str, int] = {}
    for row in mergers.iter_rows(named=True):
        if str(row["is_primary_successor"]).strip().lower() != "true":
            continue
        old = row["old_gemeentecode"].strip().upper()
        merger_list.append((_date(row["effective_date"]), old, row["new_gemeentecode"].strip().upper()))
        try:
            merger_addresses[old] = int(row["old_addresses_total"])
        except (TypeError, ValueError):
            pass
    merger_list.sort()

    corop_of = {r["gemeentecode"].strip().upper(): r["corop_code"].strip().upper()
                for r in corop.iter_rows(named=True)}

    geo = Geography(
        locations=sorted(locations), names=names, province=province, corop={}, current={},
        mergers=merger_list, merger_addresses=merger_addresses, all_codes=all_codes,
    )
    for loc in geo.locations:
        cur = geo.current_code(loc)
        geo.current[loc] = cur
        geo.corop[loc] = corop_of.get(cur, "CR00")
    return geo
