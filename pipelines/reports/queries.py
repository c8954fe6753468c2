"""Reading the marts for a report. Only the columns of marts.md are used: they are the contract.

The marts database is opened read-only. All figures come from SQL over schema `marts`; Python only
arranges them. Every query has a deterministic order, so the same marts give the same report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

AREA_LEVEL_NL = {
    "municipality": "gemeente",
    "corop_region": "COROP-regio",
    "housing_market_region": "woningmarktregio",
    "province": "provincie",
    "national": "Nederland",
}
AREA_LEVEL_PLURAL_NL = {
    "municipality": "gemeenten",
    "corop_region": "COROP-regio's",
    "housing_market_region": "woningmarktregio's",
    "province": "provincies",
    "national": "Nederland",
}
# dim_municipality columns that define the area of each level
LEVEL_COLUMNS = {
    "municipality": ("municipality_code", "municipality_name"),
    "corop_region": ("corop_code", "corop_name"),
    "housing_market_region": ("housing_market_region", "housing_market_region"),
    "province": ("province_code", "province_name"),
    "national": ("'NL'", "'Nederland'"),
}
# The stock targets and the register column their stock is counted in (marts.md, "Stock targets")
STOCK_COLUMN_OF_INDICATOR = {"verbetering_efg": "n_label_efg", "herstel_conditie_56": "n_condition_56"}

REQUIRED_TABLES = (
    "dim_municipality", "dim_corporation", "dim_indicator", "national_targets", "fct_commitments",
    "commitments_by_area", "stock_by_area", "realisation_by_area", "progress_by_area",
    "progress_national", "stock_trajectory", "agreement_coverage", "dq_findings", "load_log",
)


CATALOG = "npa_report_marts"


def _sql_string(text: str) -> str:
    return text.replace("'", "''")


class MartsError(RuntimeError):
    """The marts database cannot make this report (missing tables, or not built as of the date)."""


@dataclass(frozen=True)
class Target:
    target_code: str
    description_nl: str
    indicator_code: str
    kind: str
    year_from: int | None
    year_to: int | None
    target_value: float
    unit: str
    source: str | None

    def covers(self, year: int) -> bool:
        return (self.year_from is None or year >= self.year_from) and (self.year_to is None or year <= self.year_to)


@contextlib.contextmanager
def open_marts(marts_db: Path) -> Iterator["Marts"]:
    path = Path(marts_db)
    if not path.is_file():
        raise MartsError(f"marts database not found: {path}")
    # Attached under a name of our own, read-only: a file called `marts.duckdb` would otherwise make
    # `marts.<table>` ambiguous (catalog or schema).
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{_sql_string(str(path))}' AS {CATALOG} (READ_ONLY)")
        con.execute(f"USE {CATALOG}")
    except Exception:
        con.close()
        raise
    try:
        yield Marts(con)
    finally:
        con.close()


class Marts:
    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        present = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            f"and table_catalog = '{CATALOG}'").fetchall()}
        missing = [t for t in REQUIRED_TABLES if t not in present]
        if missing:
            raise MartsError(f"schema marts lacks table(s): {', '.join(missing)}")

    # -- generic -------------------------------------------------------------------------------
    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        row = self.con.execute(sql, params or []).fetchone()
        return row[0] if row else None

    # -- dates -----------------------------------------------------------------------------------
    def assert_as_of(self, as_of: dt.date) -> None:
        """Refuse marts that hold data dated after `as_of`: the report would not be 'as of' it."""
        late_snapshot = self.scalar("select max(snapshot_date) from marts.stock_by_area")
        if late_snapshot is not None and late_snapshot > as_of:
            raise MartsError(f"marts hold a register snapshot of {late_snapshot}, after the reference date "
                             f"{as_of}: build the marts as of {as_of} first")
        late_signature = self.scalar("select max(signed_on) from marts.fct_commitments")
        if late_signature is not None and late_signature > as_of:
            raise MartsError(f"marts hold an agreement signed on {late_signature}, after the reference date "
                             f"{as_of}: build the marts as of {as_of} first")

    def latest_snapshot(self, as_of: dt.date) -> dt.date | None:
        return self.scalar("select max(snapshot_date) from marts.stock_by_area where snapshot_date <= ?", [as_of])

    def realisation_period(self, as_of: dt.date) -> tuple[int, dt.date, dt.date] | None:
        """The last year with realisation: (year, from_snapshot, to_snapshot)."""
        row = self.con.execute(
            """select year, from_snapshot, to_snapshot from marts.realisation_by_area
               where to_snapshot <= ? order by to_snapshot desc, year desc limit 1""", [as_of]).fetchone()
        return tuple(row) if row else None

    # -- dimensions ------------------------------------------------------------------------------
    def indicators(self) -> dict[str, dict[str, Any]]:
        return {r["indicator_code"]: r for r in self.rows(
            "select * from marts.dim_indicator order by indicator_code")}

    def targets(self) -> list[Target]:
        rows = self.rows(
            """select target_code, description_nl, indicator_code, kind, year_from, year_to, target_value,
                      unit, source
               from marts.national_targets
               order by indicator_code = 'nieuwbouw' desc, indicator_code, year_from, year_to nulls last,
                        target_code""")
        return [Target(**r) for r in rows]

    def has_level(self, level: str) -> bool:
        if level == "housing_market_region":
            return bool(self.scalar(
                "select count(*) from marts.dim_municipality where housing_market_region is not null"))
        return True

    def areas(self, level: str) -> list[tuple[str, str]]:
        """(area_code, area_name) of every area of a level in the reporting set, by name."""
        code, name = LEVEL_COLUMNS[level]
        return [tuple(r) for r in self.con.execute(
            f"""select distinct {code} as c, {name} as n from marts.dim_municipality
                where {code} is not null order by n, c""").fetchall()]

    # -- coverage --------------------------------------------------------------------------------
    def coverage_by_area(self, level: str, snapshot: dt.date | None) -> list[dict[str, Any]]:
        """Per area: municipalities, with corporation stock, with a signed agreement; dwellings of the
        corporations (latest snapshot) and those in municipalities with a signed agreement."""
        code, name = (_qualified(c, "d") for c in LEVEL_COLUMNS[level])
        return self.rows(
            f"""with m as (
                    select {code} as area_code, {name} as area_name, c.municipality_code,
                           c.has_signed_agreement, coalesce(c.n_corporations_with_stock, 0) as n_corp_stock,
                           coalesce(s.n_dwellings, 0) as n_dwellings
                    from marts.agreement_coverage c
                    join marts.dim_municipality d using (municipality_code)
                    left join marts.stock_by_area s
                      on s.area_level = 'municipality' and s.area_code = c.municipality_code
                     and s.snapshot_date = ?
                )
                select area_code, area_name,
                       count(*) as n_municipalities,
                       count(*) filter (where n_corp_stock > 0 or n_dwellings > 0) as n_with_stock,
                       count(*) filter (where has_signed_agreement) as n_signed,
                       sum(n_dwellings)::bigint as n_dwellings,
                       coalesce(sum(n_dwellings) filter (where has_signed_agreement), 0)::bigint as n_dwellings_signed
                from m group by area_code, area_name order by area_name, area_code""",
            [snapshot])

    # -- commitments -----------------------------------------------------------------------------
    def commitments(self, level: str) -> list[dict[str, Any]]:
        return self.rows(
            """select area_code, area_name, year, indicator_code, committed_value, n_municipalities, n_corporations
               from marts.commitments_by_area where area_level = ?
               order by area_name, area_code, indicator_code, year""", [level])

    def progress_national(self) -> dict[str, dict[str, Any]]:
        return {r["target_code"]: r for r in self.rows("select * from marts.progress_national")}

    def contributions_by_area(self, level: str, targets: list[Target], latest_year: int | None
                              ) -> dict[str, dict[str, float]]:
        """Per area code: per target the committed value over the target's years, by the rules of
        progress_national (flow: year_from..year_to; stock: after the latest snapshot up to year_to)."""
        out: dict[str, dict[str, float]] = {}
        for r in self.commitments(level):
            for t in targets:
                if r["indicator_code"] != t.indicator_code or not _counts_for(t, r["year"], latest_year):
                    continue
                area = out.setdefault(r["area_code"], {})
                area[t.target_code] = area.get(t.target_code, 0.0) + float(r["committed_value"] or 0)
        return out

    def contributions_by_corporation(self, targets: list[Target], latest_year: int | None
                                     ) -> list[dict[str, Any]]:
        """Per corporation: name, municipalities it commits in, per target its committed value.

        `investering_onderhoud` is derived: it is the sum of its parts in fct_commitments (any rows of
        its own there are ignored, so nothing is counted twice)."""
        derived = {code: [p.strip() for p in (row["derived_from"] or "").split(",") if p.strip()]
                   for code, row in self.indicators().items() if row.get("derived_from")}
        facts = self.rows(
            """select f.corporation_id, f.municipality_code, f.year, f.indicator_code, f.value
               from marts.fct_commitments f order by 1, 2, 3, 4""")
        corps = {r["corporation_id"]: r for r in self.rows("select * from marts.dim_corporation")}
        out: dict[str, dict[str, Any]] = {}
        for f in facts:
            entry = out.setdefault(f["corporation_id"], {"municipalities": set(), "values": {}})
            entry["municipalities"].add(f["municipality_code"])
            for t in targets:
                parts = derived.get(t.indicator_code)
                hit = f["indicator_code"] in parts if parts else f["indicator_code"] == t.indicator_code
                if hit and _counts_for(t, f["year"], latest_year):
                    entry["values"][t.target_code] = entry["values"].get(t.target_code, 0.0) + float(f["value"] or 0)
        result = []
        for corp_id, entry in out.items():
            dim = corps.get(corp_id, {})
            result.append({
                "corporation_id": corp_id,
                "corporation_name": dim.get("corporation_name") or corp_id,
                "dissolved_on": dim.get("dissolved_on"),
                "merged_into": dim.get("merged_into"),
                "n_municipalities": len(entry["municipalities"]),
                "values": entry["values"],
            })
        result.sort(key=lambda r: (str(r["corporation_name"]).lower(), r["corporation_id"]))
        return result

    # -- register --------------------------------------------------------------------------------
    def stock(self, level: str, snapshot: dt.date | None) -> list[dict[str, Any]]:
        return self.rows(
            """select area_code, area_name, n_dwellings, n_label_efg, n_label_missing, share_label_efg,
                      n_condition_56
               from marts.stock_by_area where area_level = ? and snapshot_date = ?
               order by area_name, area_code""", [level, snapshot])

    def trajectory(self, level: str, target_code: str) -> dict[str, list[tuple[int, float]]]:
        out: dict[str, list[tuple[int, float]]] = {}
        for r in self.rows(
                """select area_code, year, projected_stock from marts.stock_trajectory
                   where area_level = ? and target_code = ? order by area_code, year""", [level, target_code]):
            out.setdefault(r["area_code"], []).append((r["year"], float(r["projected_stock"])))
        return out

    def progress(self, level: str, year: int) -> list[dict[str, Any]]:
        return self.rows(
            """select area_code, area_name, indicator_code, committed_value, realised_value, realisation_share
               from marts.progress_by_area where area_level = ? and year = ?
               order by area_name, area_code, indicator_code""", [level, year])

    def realisation_long(self, year: int) -> list[dict[str, Any]]:
        return self.rows(
            """select area_level, area_code, area_name, indicator_code, committed_value, realised_value,
                      realisation_share
               from marts.progress_by_area where year = ?
               order by case area_level when 'national' then 0 when 'province' then 1 when 'corop_region' then 2
                        when 'housing_market_region' then 3 else 4 end, area_name, area_code, indicator_code""",
            [year])

    # -- findings and inputs ---------------------------------------------------------------------
    def findings(self) -> list[dict[str, Any]]:
        return self.rows(
            """select check_code, severity, entity, detail, source_file, suite, run_id, checked_at
               from marts.dq_findings
               order by severity = 'error' desc, check_code, source_file nulls first, entity, detail""")

    def input_files(self) -> list[tuple[str, str]]:
        """(path, sha256) of every raw file whose content the marts were built from."""
        return [tuple(r) for r in self.con.execute(
            """select file_path, sha256 from marts.load_log
               where status in ('loaded', 'unchanged') and sha256 is not null
               order by file_path""").fetchall()]


def _qualified(column: str, alias: str) -> str:
    return column if column.startswith("'") else f"{alias}.{column}"


def _counts_for(target: Target, year: int, latest_year: int | None) -> bool:
    """Whether a commitment of `year` counts towards `target` (marts.md, Definitions)."""
    if target.kind == "stock":
        after = latest_year if latest_year is not None else (target.year_from or year) - 1
        return after < year and (target.year_to is None or year <= target.year_to)
    return target.covers(year)
