"""A hand-built marts database for the report tests, independent of ingest, dbt and the checks.

Every table of marts.md (schema `marts`) with realistic rows for five real municipalities in two
COROP regions and two provinces (Groot-Amsterdam in Noord-Holland, Utrecht in Utrecht), three
housing-market regions, five corporations (one merged into another), two register snapshots and
four signed agreements, one of them signed after the summer 2022 reference date. The higher area
levels are rolled up from the municipalities with SQL, so they add up exactly, and the derived
tables follow the definitions of marts.md, as of the date asked for.

`build_marts(path, as_of, with_errors=...)` writes the DuckDB file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pytest

ZOMER = dt.date(2022, 7, 1)
APRIL = dt.date(2023, 4, 1)

# code, name, province code, province name, COROP code, COROP name, housing-market region
MUNICIPALITIES = [
    ("GM0363", "Amsterdam", "PV27", "Noord-Holland", "CR23", "Groot-Amsterdam", "Amsterdam"),
    ("GM0384", "Diemen", "PV27", "Noord-Holland", "CR23", "Groot-Amsterdam", "Amsterdam"),
    ("GM0362", "Amstelveen", "PV27", "Noord-Holland", "CR23", "Groot-Amsterdam", "Amsterdam"),
    ("GM0344", "Utrecht", "PV26", "Utrecht", "CR17", "Utrecht", "Utrecht"),
    ("GM0307", "Amersfoort", "PV26", "Utrecht", "CR17", "Utrecht", "Amersfoort"),
]

# corporation_id, name, seat, dissolved_on, merged_into
CORPORATIONS = [
    ("L0001", "Woonstichting Amstelland", "GM0363", None, None),
    ("L0002", "Stichting Domstad Wonen", "GM0344", None, None),
    ("L0003", "Woningstichting Eemland", "GM0307", None, None),
    ("L0004", "Stichting Ouderenhuisvesting Nederland", "GM0344", None, None),
    ("L0005", "Woonstichting Diemerpoort", "GM0384", dt.date(2022, 1, 1), "L0001"),
]

# indicator_code, label_nl, unit, commitments, from_register, from_agreements, derived_from
INDICATORS = [
    ("nieuwbouw", "Nieuwbouw", "woningen", "1, 2", True, True, None),
    ("transformatie", "Transformatie van bestaande gebouwen", "woningen", "3", False, True, None),
    ("flexwoningen", "Flexwoningen", "woningen", "4", True, True, None),
    ("ouderenwoningen_geclusterd", "Geclusterde woningen voor ouderen", "woningen", "5", True, True, None),
    ("verbetering_efg", "Verbetering van E/F/G-label naar D of beter", "woningen", "6, 7", True, True, None),
    ("investering_duurzame_energie", "Investering duurzame energie", "euro", "8", False, True, None),
    ("warmtepompen", "Warmtepompen in plaats van gasketels", "woningen", "8", True, True, None),
    ("zonnepanelen", "Zonnepanelen", "woningen", "8", True, True, None),
    ("herstel_conditie_56", "Herstel van conditie 5/6 naar 1-4", "woningen", "9", True, True, None),
    ("investering_schimmel", "Investering aanpak schimmel", "euro", "10", False, True, None),
    ("investering_brandveiligheid", "Investering brandveiligheid", "euro", "10", False, True, None),
    ("investering_loden_leidingen", "Investering vervanging loden leidingen", "euro", "10", False, True, None),
    ("investering_onderhoud", "Extra investering onderhoud en verbetering", "euro", "10", False, False,
     "investering_schimmel, investering_brandveiligheid, investering_loden_leidingen"),
    ("sloop", "Sloop", "woningen", "", False, True, None),
    ("verkoop", "Verkoop", "woningen", "", False, True, None),
    ("toevoeging_bestaand", "Toevoeging bestaande woningen (aankoop, transformatie)", "woningen", "3", True, False, None),
    ("uitstroom", "Uitstroom (sloop of verkoop)", "woningen", "", True, False, None),
]
ONDERHOUD_PARTS = ("investering_schimmel", "investering_brandveiligheid", "investering_loden_leidingen")

BRIEF = "Brief minister van BZK aan de Tweede Kamer, 16 december 2021 (afspraken met Aedes)"
# target_code, description_nl, indicator_code, kind, year_from, year_to, target_value, unit
TARGETS = [
    ("nieuwbouw_2026", "Nieuwbouw door corporaties in 2026", "nieuwbouw", "flow", 2026, 2026, 28000, "woningen"),
    ("nieuwbouw_2027", "Nieuwbouw door corporaties in 2027", "nieuwbouw", "flow", 2027, 2027, 28000, "woningen"),
    ("nieuwbouw_heffingskorting",
     "150.000 woningen met heffingskorting gerealiseerd t/m 2025 (benaderd met de toegezegde nieuwbouw vanaf 2022)",
     "nieuwbouw", "flow", 2022, 2025, 150000, "woningen"),
    ("ouderenwoningen_50000", "50.000 geclusterde woningen voor ouderen", "ouderenwoningen_geclusterd", "flow",
     2022, None, 50000, "woningen"),
    ("label_efg_2028", "Vrijwel geen woningen met label E, F of G eind 2028", "verbetering_efg", "stock",
     2022, 2028, 0, "woningen"),
    ("conditie_56_2026", "Geen woningen in slechte of zeer slechte staat (conditie 5/6) na 2026",
     "herstel_conditie_56", "stock", 2022, 2026, 0, "woningen"),
    ("duurzame_energie_2025", "EUR 500 miljoen extra voor duurzame energie t/m 2025",
     "investering_duurzame_energie", "flow", 2022, 2025, 500_000_000, "euro"),
] + [
    (f"onderhoud_{y}", f"EUR 100 miljoen extra voor onderhoud en verbetering in {y}", "investering_onderhoud",
     "flow", y, y, 100_000_000, "euro")
    for y in range(2022, 2027)
]
STOCK_INDICATOR = {"verbetering_efg": "n_label_efg", "herstel_conditie_56": "n_condition_56"}

# Register on 2021-12-31 per municipality:
# n_dwellings, n_label_efg, n_label_missing, n_condition_56, n_gas_boiler, n_heat_pump, n_solar, n_elderly, n_flex
STOCK_2021 = {
    "GM0363": (92_000, 11_500, 4_100, 900, 61_000, 5_200, 8_300, 2_100, 650),
    "GM0384": (6_100, 820, 260, 60, 4_300, 300, 700, 150, 40),
    "GM0362": (11_800, 1_450, 520, 110, 8_200, 700, 1_300, 380, 0),
    "GM0344": (41_000, 4_300, 1_800, 380, 25_000, 3_900, 5_200, 1_200, 300),
    "GM0307": (17_500, 1_900, 700, 150, 11_500, 1_500, 2_600, 520, 120),
}
STOCK_COLUMNS = ("n_dwellings", "n_label_efg", "n_label_missing", "n_condition_56", "n_gas_boiler",
                 "n_heat_pump", "n_solar_panels", "n_clustered_elderly", "n_flex")
# Realised between 2021-12-31 and 2022-12-31 (year 2022), per municipality
REALISED_2022 = {
    "GM0363": dict(nieuwbouw=1_240, toevoeging_bestaand=85, uitstroom=410, verbetering_efg=1_480,
                   herstel_conditie_56=160, warmtepompen=720, zonnepanelen=1_050,
                   ouderenwoningen_geclusterd=140, flexwoningen=95),
    "GM0384": dict(nieuwbouw=60, toevoeging_bestaand=0, uitstroom=12, verbetering_efg=95,
                   herstel_conditie_56=11, warmtepompen=40, zonnepanelen=70,
                   ouderenwoningen_geclusterd=0, flexwoningen=0),
    "GM0362": dict(nieuwbouw=110, toevoeging_bestaand=14, uitstroom=25, verbetering_efg=130,
                   herstel_conditie_56=15, warmtepompen=80, zonnepanelen=160,
                   ouderenwoningen_geclusterd=25, flexwoningen=0),
    "GM0344": dict(nieuwbouw=620, toevoeging_bestaand=40, uitstroom=150, verbetering_efg=690,
                   herstel_conditie_56=85, warmtepompen=510, zonnepanelen=640,
                   ouderenwoningen_geclusterd=60, flexwoningen=48),
    "GM0307": dict(nieuwbouw=260, toevoeging_bestaand=10, uitstroom=70, verbetering_efg=330,
                   herstel_conditie_56=30, warmtepompen=190, zonnepanelen=310,
                   ouderenwoningen_geclusterd=35, flexwoningen=20),
}
# Which corporations own homes where (after merger mapping)
OWNERS = {
    "GM0363": ("L0001", "L0004"),
    "GM0384": ("L0001",),
    "GM0362": ("L0001", "L0004"),
    "GM0344": ("L0002", "L0004"),
    "GM0307": ("L0003", "L0004"),
}
# Signed agreements that count: municipality, signed_on, version, file, parties, first year, last year
AGREEMENTS = [
    ("GM0363", dt.date(2022, 3, 15), 2, "agreements/Amsterdam prestatieafspraken 2022-2027 v2.xlsx",
     ("L0001", "L0004"), 2022, 2027),
    ("GM0384", dt.date(2022, 6, 1), 1, "agreements/Diemen 2022-2026.xlsx", ("L0001",), 2022, 2026),
    ("GM0344", dt.date(2022, 11, 20), 1, "agreements/Utrecht_2022_2027_getekend.xlsx", ("L0002", "L0004"), 2022, 2027),
    ("GM0307", dt.date(2022, 5, 10), 1, "agreements/Amersfoort_PA_2022.xlsx", ("L0003",), 2022, 2026),
]
BID_AMSTELVEEN = ("GM0362", dt.date(2022, 6, 20), "bod")
# Yearly commitment per municipality x corporation; the yearly value is base * (0.8 + 0.1 * (year - 2022))
COMMITMENT_BASE = {
    ("GM0363", "L0001"): dict(nieuwbouw=1_500, transformatie=120, flexwoningen=150, verbetering_efg=1_300,
                              herstel_conditie_56=140, warmtepompen=900, zonnepanelen=1_200,
                              investering_duurzame_energie=4_000_000, investering_schimmel=1_500_000,
                              investering_brandveiligheid=900_000, investering_loden_leidingen=250_000,
                              sloop=300, verkoop=150),
    ("GM0363", "L0004"): dict(nieuwbouw=60, ouderenwoningen_geclusterd=220, verbetering_efg=40,
                              herstel_conditie_56=10, investering_schimmel=120_000),
    ("GM0384", "L0001"): dict(nieuwbouw=70, verbetering_efg=150, herstel_conditie_56=15, zonnepanelen=80,
                              investering_duurzame_energie=300_000, investering_brandveiligheid=80_000),
    ("GM0344", "L0002"): dict(nieuwbouw=650, transformatie=40, flexwoningen=60, verbetering_efg=860,
                              herstel_conditie_56=110, warmtepompen=500, zonnepanelen=700,
                              investering_duurzame_energie=2_500_000, investering_schimmel=700_000,
                              investering_brandveiligheid=400_000, investering_loden_leidingen=150_000,
                              sloop=90, verkoop=40),
    ("GM0344", "L0004"): dict(ouderenwoningen_geclusterd=120, verbetering_efg=25),
    ("GM0307", "L0003"): dict(nieuwbouw=280, flexwoningen=25, ouderenwoningen_geclusterd=40,
                              verbetering_efg=400, herstel_conditie_56=45, warmtepompen=200,
                              zonnepanelen=320, investering_duurzame_energie=1_100_000,
                              investering_schimmel=300_000, investering_loden_leidingen=60_000),
}

LEVELS = {
    # area_level: (code expression, name expression) over dim_municipality
    "municipality": ("municipality_code", "municipality_name"),
    "corop_region": ("corop_code", "corop_name"),
    "province": ("province_code", "province_name"),
    "housing_market_region": ("housing_market_region", "housing_market_region"),
    "national": ("'NL'", "'Nederland'"),
}

HOSTILE_ENTITY = '=HYPERLINK("http://example.invalid/x","klik hier")'
HOSTILE_DETAIL = "+31 20 extra kolom 'opmerking'; @SUM(A1:A9)"
HOSTILE_FILE = "-register/2021-12-31/L0003.csv"


def yearly(base: int, year: int) -> int:
    return round(base * (0.8 + 0.1 * (year - 2022)))


def snapshots(as_of: dt.date) -> list[dt.date]:
    return [d for d in (dt.date(2021, 12, 31), dt.date(2022, 12, 31)) if d <= as_of]


def stock_at(snapshot: dt.date) -> dict[str, tuple[int, ...]]:
    if snapshot.year == 2021:
        return dict(STOCK_2021)
    out = {}
    for code, (n, efg, missing, c56, gas, hp, solar, elderly, flex) in STOCK_2021.items():
        r = REALISED_2022[code]
        out[code] = (
            n + r["nieuwbouw"] + r["toevoeging_bestaand"] - r["uitstroom"],
            efg - r["verbetering_efg"] + 25,  # a few homes got a worse label (R11)
            round(missing * 0.85),
            c56 - r["herstel_conditie_56"] + 8,
            gas - r["warmtepompen"] - 30,
            hp + r["warmtepompen"] + 45,
            solar + r["zonnepanelen"],
            elderly + r["ouderenwoningen_geclusterd"],
            flex + r["flexwoningen"],
        )
    return out


def findings(with_errors: bool, run_id: str) -> list[tuple]:
    checked_at = dt.datetime(2023, 4, 1, 2, 0, 0)
    rows = [
        ("register", "R6", "warning", "register/2021-12-31/L0001.csv",
         "412 woningen zonder geregistreerd energielabel, bijvoorbeeld VHE 100231, 100232, 100240",
         "register/2021-12-31/L0001.csv"),
        ("register", "R6", "warning", "register/2021-12-31/L0002.csv",
         "180 woningen zonder gemeten conditiescore, bijvoorbeeld VHE 2-0012, 2-0013",
         "register/2021-12-31/L0002.csv"),
        ("register", "R6", "warning", "register/2021-12-31/L0003.csv",
         "64 woningen zonder geregistreerd energielabel, bijvoorbeeld VHE E-7781",
         "register/2021-12-31/L0003.csv"),
        ("agreements", "A10", "warning", "GM0362 Amstelveen",
         "Amstelveen: corporaties bezitten er woningen, maar er is geen ondertekende prestatieafspraak (laatste: bod)",
         None),
        ("agreements", "A2", "warning", "GM0457 Weesp",
         "gemeentecode GM0457 (Weesp) is opgegaan in GM0363 Amsterdam; toegerekend aan Amsterdam",
         "agreements/Amsterdam prestatieafspraken 2022-2027 v2.xlsx"),
        ("agreements", "A12", "warning", "L0005 Woonstichting Diemerpoort",
         "toezeggingen van L0005 (opgegaan in L0001 per 1-1-2022) geteld bij L0001",
         "agreements/Diemen 2022-2026.xlsx"),
        ("national", "N1", "warning", "nieuwbouw_2026",
         "de lokale bijdragen tellen niet op tot het nationale doel van 28.000 woningen in 2026",
         None),
        ("files", "F4", "warning", HOSTILE_ENTITY, HOSTILE_DETAIL, HOSTILE_FILE),
    ]
    if with_errors:
        rows += [
            ("register", "R1", "error", "L0002 VHE 2-0443",
             "bouwjaar 'negentienzeventig' is geen jaartal (regel 443)", "register/2021-12-31/L0002.csv"),
            ("agreements", "A4", "error", "GM0307 Amersfoort, L0003, 2024, nieuwbouw",
             "waarde '2.5' is geen getal (regel 17)", "agreements/Amersfoort_PA_2022.xlsx"),
        ]
    return [(run_id, checked_at, *row) for row in rows]


def load_log(as_of: dt.date) -> list[tuple]:
    loaded_at = dt.datetime(2023, 4, 1, 1, 30, 0)
    files = []
    for snap in snapshots(as_of):
        for corp in ("L0001", "L0002", "L0003", "L0004"):
            files.append((f"register/{snap.isoformat()}/{corp}.csv", "register", 20_000, "loaded", None))
    for _, signed_on, _, path, *_ in AGREEMENTS:
        files.append((path, "agreements", 80, "loaded", None))
    files.append(("agreements/Amsterdam prestatieafspraken 2022-2027 v1.xlsx", "agreements", 76, "loaded", None))
    files.append(("agreements/Amstelveen bod L0001.xlsx", "agreements", 30, "loaded", None))
    files.append(("agreements/kopie van Diemen.xlsx", "agreements", 0, "rejected",
                  "F1: bestand is geen geldig Excel-bestand"))
    for name in ("municipalities.csv", "municipal_mergers.csv", "corop_regions.csv", "corporaties.csv",
                 "woningmarktregios.csv"):
        files.append((f"reference/{name}", "reference", 400, "unchanged", None))
    return [
        (path, hashlib.sha256(path.encode()).hexdigest(), kind, rows, status, error, loaded_at)
        for path, kind, rows, status, error in files
    ]


def build_marts(path: Path, as_of: dt.date, *, with_errors: bool = False, with_hmr: bool = True,
                run_id: str = "fixture-run") -> Path:
    """Write the marts (schema `marts`) as of `as_of` to a new DuckDB file at `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    con = duckdb.connect(":memory:")  # attached by alias: the file may be called marts.duckdb
    con.execute(f"ATTACH '{path}' AS fixture")
    con.execute("USE fixture")
    try:
        _build(con, as_of, with_errors=with_errors, with_hmr=with_hmr, run_id=run_id)
    finally:
        con.close()
    return path


def _build(con: duckdb.DuckDBPyConnection, as_of: dt.date, *, with_errors: bool, with_hmr: bool,
           run_id: str) -> None:
    con.execute("create schema marts")
    con.execute("""create table marts.dim_municipality (municipality_code varchar, municipality_name varchar,
        province_code varchar, province_name varchar, corop_code varchar, corop_name varchar,
        housing_market_region varchar, valid_from date)""")
    con.executemany("insert into marts.dim_municipality values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*m[:6], m[6] if with_hmr else None, dt.date(2023, 1, 1)) for m in MUNICIPALITIES])
    con.execute("""create table marts.dim_corporation (corporation_id varchar, corporation_name varchar,
        seat_municipality_code varchar, dissolved_on date, merged_into varchar)""")
    con.executemany("insert into marts.dim_corporation values (?, ?, ?, ?, ?)", CORPORATIONS)
    con.execute("""create table marts.dim_indicator (indicator_code varchar, label_nl varchar, unit varchar,
        commitments varchar, from_register boolean, from_agreements boolean, derived_from varchar)""")
    con.executemany("insert into marts.dim_indicator values (?, ?, ?, ?, ?, ?, ?)", INDICATORS)
    con.execute("""create table marts.national_targets (target_code varchar, description_nl varchar,
        indicator_code varchar, kind varchar, year_from integer, year_to integer, target_value double,
        unit varchar, source varchar)""")
    con.executemany("insert into marts.national_targets values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*t, BRIEF) for t in TARGETS])

    # fct_commitments: the signed agreements visible at as_of
    rows = []
    for municipality, signed_on, version, source_file, parties, first, last in AGREEMENTS:
        if signed_on > as_of:
            continue
        for (m, corp), bases in COMMITMENT_BASE.items():
            if m != municipality:
                continue
            for year in range(first, last + 1):
                for indicator, base in bases.items():
                    rows.append((municipality, corp, year, indicator, float(yearly(base, year)), "ondertekend",
                                 signed_on, version, source_file))
    con.execute("""create table marts.fct_commitments (municipality_code varchar, corporation_id varchar,
        year integer, indicator_code varchar, value double, status varchar, signed_on date,
        agreement_version integer, source_file varchar)""")
    if rows:
        con.executemany("insert into marts.fct_commitments values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    levels = {k: v for k, v in LEVELS.items() if with_hmr or k != "housing_market_region"}

    def rollup(select_measures: str, source: str, extra_keys: list[str]) -> str:
        keys = ", ".join(extra_keys)
        parts = []
        for level, (code, name) in levels.items():
            parts.append(f"""select '{level}' as area_level, {code} as area_code, {name} as area_name,
                {keys + ',' if keys else ''} {select_measures}
                from {source} s join marts.dim_municipality d using (municipality_code)
                group by all""")
        return " union all ".join(parts)

    con.execute(f"""create table marts.commitments_by_area as
        with c as (
            select municipality_code, corporation_id, year, indicator_code, value from marts.fct_commitments
            union all
            select municipality_code, corporation_id, year, 'investering_onderhoud', sum(value)
            from marts.fct_commitments where indicator_code in {ONDERHOUD_PARTS} group by all
        )
        select area_level, area_code, area_name, year, indicator_code, committed_value,
               n_municipalities, n_corporations
        from ({rollup('sum(value) as committed_value, count(distinct municipality_code) as n_municipalities, '
                      'count(distinct corporation_id) as n_corporations', 'c', ['year', 'indicator_code'])})
    """)

    # stock_by_area
    stock_rows = []
    for snap in snapshots(as_of):
        for code, values in stock_at(snap).items():
            stock_rows.append((snap, code, *values))
    con.execute(f"""create temp table stock_m (snapshot_date date, municipality_code varchar,
        {', '.join(c + ' integer' for c in STOCK_COLUMNS)})""")
    con.executemany(f"insert into stock_m values ({', '.join('?' * (2 + len(STOCK_COLUMNS)))})", stock_rows)
    measures = ", ".join(f"sum({c})::integer as {c}" for c in STOCK_COLUMNS)
    con.execute(f"""create table marts.stock_by_area as
        select snapshot_date, area_level, area_code, area_name, n_dwellings, n_label_efg, n_label_missing,
               n_label_efg / n_dwellings as share_label_efg, n_condition_56, n_gas_boiler, n_heat_pump,
               n_solar_panels, n_clustered_elderly, n_flex
        from ({rollup(measures, 'stock_m', ['snapshot_date'])})""")

    # realisation_by_area: one snapshot pair when both are visible
    real_rows = []
    if len(snapshots(as_of)) == 2:
        for code, values in REALISED_2022.items():
            for indicator, value in values.items():
                real_rows.append((code, indicator, value))
    con.execute("create temp table real_m (municipality_code varchar, indicator_code varchar, v integer)")
    if real_rows:
        con.executemany("insert into real_m values (?, ?, ?)", real_rows)
    con.execute(f"""create table marts.realisation_by_area as
        select date '2021-12-31' as from_snapshot, date '2022-12-31' as to_snapshot, 2022 as year,
               area_level, area_code, area_name, indicator_code, realised_value
        from ({rollup('sum(v) as realised_value', 'real_m', ['indicator_code'])})""")

    # progress_by_area: like-named indicators
    con.execute("""create table marts.progress_by_area as
        select coalesce(c.area_level, r.area_level) as area_level, coalesce(c.area_code, r.area_code) as area_code,
               coalesce(c.area_name, r.area_name) as area_name, coalesce(c.year, r.year) as year,
               coalesce(c.indicator_code, r.indicator_code) as indicator_code,
               c.committed_value, r.realised_value,
               case when c.committed_value > 0 then r.realised_value / c.committed_value end as realisation_share
        from marts.commitments_by_area c
        full outer join marts.realisation_by_area r
          on c.area_level = r.area_level and c.area_code = r.area_code and c.year = r.year
         and c.indicator_code = r.indicator_code""")

    # progress_national and stock_trajectory
    latest = max(snapshots(as_of))
    committed = {(i, y): v for i, y, v in con.execute(
        "select indicator_code, year, committed_value from marts.commitments_by_area where area_level='national'"
    ).fetchall()}
    realised = {(i, y): v for i, y, v in con.execute(
        "select indicator_code, year, realised_value from marts.realisation_by_area where area_level='national'"
    ).fetchall()}
    national_stock = dict(zip(STOCK_COLUMNS, con.execute(
        f"select {', '.join(STOCK_COLUMNS)} from marts.stock_by_area "
        "where area_level='national' and snapshot_date = ?", [latest]).fetchone()))
    progress = []
    for code, _, indicator, kind, year_from, year_to, target, _ in TARGETS:
        if kind == "flow":
            years = [y for (i, y) in committed if i == indicator and y >= year_from and (year_to is None or y <= year_to)]
            c_value = sum(committed[(indicator, y)] for y in years)
            r_years = [y for (i, y) in realised if i == indicator and y >= year_from and (year_to is None or y <= year_to)]
            r_value = sum(realised[(indicator, y)] for y in r_years) if r_years else None
            gap = c_value - target
            progress.append((code, kind, year_from, year_to, target, c_value, r_value, None, gap, gap >= 0))
        else:
            c_value = sum(v for (i, y), v in committed.items() if i == indicator and latest.year < y <= year_to)
            projected = national_stock[STOCK_INDICATOR[indicator]] - c_value
            gap = projected - target
            progress.append((code, kind, year_from, year_to, target, c_value, None, projected, gap, gap <= 0))
    con.execute("""create table marts.progress_national (target_code varchar, kind varchar, year_from integer,
        year_to integer, target_value double, committed_value double, realised_value double,
        projected_value double, gap double, on_track boolean)""")
    con.executemany("insert into marts.progress_national values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", progress)

    con.execute("""create table marts.stock_trajectory (area_level varchar, area_code varchar, area_name varchar,
        target_code varchar, year integer, projected_stock double)""")
    areas = con.execute("""select area_level, area_code, area_name, n_label_efg, n_condition_56
        from marts.stock_by_area where snapshot_date = ?""", [latest]).fetchall()
    area_commit = {}
    for level, code, indicator, year, value in con.execute(
            "select area_level, area_code, indicator_code, year, committed_value from marts.commitments_by_area"
    ).fetchall():
        area_commit[(level, code, indicator, year)] = value
    trajectory = []
    for level, code, name, efg, c56 in areas:
        for target_code, indicator, start, year_to in (("label_efg_2028", "verbetering_efg", efg, 2028),
                                                       ("conditie_56_2026", "herstel_conditie_56", c56, 2026)):
            stock = float(start)
            for year in range(latest.year + 1, year_to + 1):
                stock -= area_commit.get((level, code, indicator, year), 0.0)
                trajectory.append((level, code, name, target_code, year, stock))
    con.executemany("insert into marts.stock_trajectory values (?, ?, ?, ?, ?, ?)", trajectory)

    # agreement_coverage
    coverage = []
    signed = {a[0]: a for a in AGREEMENTS if a[1] <= as_of}
    for code, name, _, province, _, corop, _ in MUNICIPALITIES:
        owners = OWNERS[code]
        if code in signed:
            _, signed_on, _, _, parties, _, _ = signed[code]
            coverage.append((code, name, corop, province, len(owners), len(parties), True, "ondertekend", signed_on))
        elif code == BID_AMSTELVEEN[0] and BID_AMSTELVEEN[1] <= as_of:
            coverage.append((code, name, corop, province, len(owners), 0, False, BID_AMSTELVEEN[2], None))
        else:
            coverage.append((code, name, corop, province, len(owners), 0, False, None, None))
    con.execute("""create table marts.agreement_coverage (municipality_code varchar, municipality_name varchar,
        corop_name varchar, province_name varchar, n_corporations_with_stock integer,
        n_corporations_signed integer, has_signed_agreement boolean, latest_status varchar, signed_on date)""")
    con.executemany("insert into marts.agreement_coverage values (?, ?, ?, ?, ?, ?, ?, ?, ?)", coverage)

    con.execute("""create table marts.dq_findings (run_id varchar, checked_at timestamp, suite varchar,
        check_code varchar, severity varchar, entity varchar, detail varchar, source_file varchar)""")
    con.executemany("insert into marts.dq_findings values (?, ?, ?, ?, ?, ?, ?, ?)", findings(with_errors, run_id))

    con.execute("""create table marts.load_log (file_path varchar, sha256 varchar, kind varchar, rows_read integer,
        status varchar, error varchar, loaded_at timestamp)""")
    con.executemany("insert into marts.load_log values (?, ?, ?, ?, ?, ?, ?)", load_log(as_of))


# -- rendered reports, shared by the report test modules (one render per session) ----------------------
RUN_ID = "test-run-0001"
CODE_VERSION = "test-1.0"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def zomer(tmp_path_factory):
    """zomer-2022 on clean data (no error findings): (marts db, ReportResult)."""
    from pipelines.reports import render_report

    root = tmp_path_factory.mktemp("zomer")
    db = build_marts(root / "marts.duckdb", ZOMER, with_errors=False)
    before = _sha(db)
    result = render_report("zomer-2022", ZOMER, db, root / "out", RUN_ID, None, CODE_VERSION)
    assert _sha(db) == before, "the report must not change the marts database"
    return db, result


@pytest.fixture(scope="session")
def april(tmp_path_factory):
    """april-2023 with error findings (so a CONCEPT) and housing-market regions: (marts db, ReportResult)."""
    from pipelines.reports import render_report

    root = tmp_path_factory.mktemp("april")
    db = build_marts(root / "marts.duckdb", APRIL, with_errors=True)
    result = render_report("april-2023", APRIL, db, root / "out", RUN_ID, None, CODE_VERSION)
    return db, result
