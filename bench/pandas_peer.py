"""The pandas peer: the main roll-ups from the same raw files, as an analyst without this system
would write them in pandas.

    python -m bench.pandas_peer RAW_DIR OUT_DIR [--reference DIR]

Reads every register file (`pd.read_csv` with the separator read from the header line, UTF-8 with
or without byte-order mark, else Windows-1252, only the columns the roll-ups need, all as text;
`pd.read_parquet` for Parquet files), every agreement workbook (calamine: `pd.read_excel(engine=
"calamine")` when python-calamine is installed, else the same reader through fastexcel, which is
what this environment has), the reference files, and computes with merges and groupbys:
stock_by_area, realisation_by_area (dwelling identity on bag_vbo_id, then corporation and
vhe_nummer; the literal realisation rules), fct_commitments and commitments_by_area ("which
agreement counts", merger mapping of municipalities and corporations, the derived
investering_onderhoud) and agreement_coverage, at the levels municipality, COROP region, province
and national. It writes them as Parquet files into OUT_DIR and prints the national figures as
JSON. No checks, no gating, no bookkeeping: a careful analyst's notebook, made into a script.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "dbt_project" / "seeds"

NEEDED = ["corporatie", "vhe_nummer", "bag_vbo_id", "gemeentecode", "bouwjaar", "energielabel",
          "conditiescore", "verwarming", "zonnepanelen", "geclusterd_ouderen", "flexwoning"]
YES_NO = {"ja": True, "nee": False}
EFG = ["E", "F", "G"]
A_TO_D = ["A++++", "A+++", "A++", "A+", "A", "B", "C", "D"]
AGREEMENT_INDICATORS = None  # read from the seed


# ------------------------------------------------------------------------------------ helpers

def sep_of(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.readline()
    return ";" if head.count(b";") >= head.count(b",") else ","


def read_text_csv(path: Path, **kwargs) -> pd.DataFrame:
    """A CSV as text columns: UTF-8 (with or without BOM), else Windows-1252."""
    sep = sep_of(path)
    try:
        df = pd.read_csv(path, sep=sep, dtype=str, encoding="utf-8-sig", keep_default_na=False, **kwargs)
    except UnicodeDecodeError:
        df = pd.read_csv(path, sep=sep, dtype=str, encoding="cp1252", keep_default_na=False, **kwargs)
    return df


def clean(series: pd.Series, case: str | None = None) -> pd.Series:
    s = (series if series.dtype != object else series.astype(str)).str.strip()
    if case == "upper":
        s = s.str.upper()
    elif case == "lower":
        s = s.str.lower()
    return s.mask(s == "")


def reference_path(raw: Path, ref: Path | None, name: str) -> Path | None:
    for folder in (raw / "reference", ref):
        if folder is not None and (folder / name).is_file():
            return folder / name
    return None


NL_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")


def dutch_number(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = re.sub(r"[\s\u00a0\u202f€]", "", str(value))
    if not NL_NUMBER.fullmatch(text):
        return np.nan
    return float(text.replace(".", "").replace(",", "."))


def excel_date(value):
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return pd.NaT
    if isinstance(value, (pd.Timestamp,)) or hasattr(value, "year"):
        return pd.Timestamp(value).normalize()
    if isinstance(value, (int, float)):
        return pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(value))
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(float(text)))
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text)
    if m:
        return pd.Timestamp(int(m[3]), int(m[2]), int(m[1]))
    return pd.to_datetime(text[:10], format="%Y-%m-%d", errors="coerce")


def whole(value):
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


# ------------------------------------------------------------------------------------ reading

def read_register(raw: Path) -> pd.DataFrame:
    frames = []
    for folder in sorted((raw / "register").glob("*")):
        if not (folder.is_dir() and re.fullmatch(r"\d{4}-\d{2}-\d{2}", folder.name)):
            continue
        snapshot = pd.Timestamp(folder.name)
        for path in sorted(folder.iterdir()):
            suffix = path.suffix.lower()
            if suffix == ".csv":
                df = read_text_csv(path, usecols=lambda c: c.strip().lower() in NEEDED)
                df.columns = [c.strip().lower() for c in df.columns]
            elif suffix == ".parquet":
                df = pd.read_parquet(path, columns=NEEDED).astype("string")
            else:
                continue
            df["snapshot_date"] = snapshot
            frames.append(df[["snapshot_date"] + NEEDED])
    units = pd.concat(frames, ignore_index=True)
    out = pd.DataFrame({"snapshot_date": units["snapshot_date"]})
    out["corporatie"] = clean(units["corporatie"], "upper")
    out["vhe_nummer"] = clean(units["vhe_nummer"])
    out["bag_vbo_id"] = clean(units["bag_vbo_id"])
    out["gemeentecode"] = clean(units["gemeentecode"], "upper")
    out["bouwjaar"] = pd.to_numeric(clean(units["bouwjaar"]), errors="coerce")
    out["label"] = clean(units["energielabel"], "upper")
    out["cond"] = pd.to_numeric(clean(units["conditiescore"]), errors="coerce")
    out["heating"] = clean(units["verwarming"], "lower")
    for col, name in (("zonnepanelen", "solar"), ("geclusterd_ouderen", "elderly"), ("flexwoning", "flex")):
        out[name] = clean(units[col], "lower").map(YES_NO).astype("boolean")
    return out


def _read_sheet_cells(path: Path):
    """Both sheets as lists of rows with typed cells (numbers as float, text as str)."""
    try:
        import python_calamine  # noqa: F401

        book = pd.ExcelFile(path, engine="calamine")
        names = {re.sub(r"\s+", "", n).lower(): n for n in book.sheet_names}
        if "afspraak" not in names or "prestaties" not in names:
            return None
        return (book.parse(names["afspraak"], header=None).values.tolist(),
                book.parse(names["prestaties"], header=None).values.tolist())
    except ImportError:
        pass
    import fastexcel

    book = fastexcel.read_excel(str(path))
    names = {}
    for n in book.sheet_names:
        names.setdefault(re.sub(r"\s+", "", n).lower(), n)
    if "afspraak" not in names or "prestaties" not in names:
        return None
    meta = book.load_sheet(names["afspraak"], header_row=None, dtypes="string").to_pandas()
    perf = book.load_sheet(names["prestaties"], header_row=None, dtypes="string").to_pandas()
    meta_rows = meta.to_numpy(dtype=object, na_value=None).tolist()
    perf_rows = perf.to_numpy(dtype=object, na_value=None).tolist()
    # numeric versus text cells of the value column: read as integers, the text cells fail
    header = next((i for i, row in enumerate(perf_rows)
                   if "waarde" in [str(c).strip().lower() for c in row]), None)
    if header is not None:
        col = [str(c).strip().lower() for c in perf_rows[header]].index("waarde")
        values = [r[col] for r in perf_rows[header + 1:]]
        if any(isinstance(v, str) and "." in v and "," not in v for v in values):
            loaded = book.load_sheet(names["prestaties"], header_row=None, dtypes={perf.columns[col]: "int"})
            _, errors = loaded.to_arrow_with_errors()
            text = set() if errors is None else {e.position[0] for e in errors.errors}
            for i in range(header + 1, len(perf_rows)):
                v = perf_rows[i][col]
                if v is not None and i not in text:
                    perf_rows[i][col] = float(v)
    return meta_rows, perf_rows


def read_agreements(raw: Path):
    workbooks, rows = [], []
    folder = raw / "agreements"
    for path in sorted(folder.glob("*")) if folder.is_dir() else []:
        if path.suffix.lower() != ".xlsx":
            continue
        cells = _read_sheet_cells(path)
        if cells is None:
            continue
        meta, perf = cells
        rel = str(path.relative_to(raw))
        fields = {}
        for row in meta:
            if len(row) < 2 or row[0] is None:
                continue
            key = str(row[0]).strip().lower()
            if key and key != "veld" and key not in fields:
                fields[key] = row[1]
        status = str(fields.get("status") or "").strip().lower()
        signed = excel_date(fields.get("datum_ondertekening"))
        version = whole(fields.get("versie"))
        parties = [p.strip().upper() for p in re.split(r"[,;]", str(fields.get("corporaties") or "")) if p.strip()]
        code = str(fields.get("gemeentecode") or "").strip().upper()
        if not code or status not in ("bod", "concept", "ondertekend") or pd.isna(signed) or version is None \
                or not parties:
            continue
        workbooks.append({"source_file": rel, "gemeentecode": code, "status": status, "signed_on": signed,
                          "versie": version, "parties": parties})
        header = next((i for i, r in enumerate(perf)
                       if {"corporatie", "indicator"} <= {str(c).strip().lower() for c in r}), None)
        if header is None:
            continue
        names = [str(c).strip().lower() for c in perf[header]]
        ci, yi, ii, vi = (names.index(n) for n in ("corporatie", "jaar", "indicator", "waarde"))
        for r in perf[header + 1:]:
            corp = r[ci]
            if all(c is None or (isinstance(c, float) and np.isnan(c)) or str(c).strip() == "" for c in r):
                continue
            if (isinstance(corp, str) and corp.strip().lower().startswith("totaal")) or \
                    (isinstance(r[0], str) and r[0].strip().lower().startswith("totaal")):
                continue
            rows.append({"source_file": rel,
                         "corporatie": str(corp).strip().upper() if corp is not None else None,
                         "jaar": whole(r[yi]),
                         "indicator": str(r[ii]).strip().lower() if r[ii] is not None else None,
                         "waarde": dutch_number(r[vi])})
    return pd.DataFrame(workbooks), pd.DataFrame(rows, columns=["source_file", "corporatie", "jaar", "indicator", "waarde"])


# ------------------------------------------------------------------------------------ geography

def geography(raw: Path, ref: Path | None):
    muni = read_text_csv(reference_path(raw, ref, "municipalities.csv"))
    muni["year"] = muni["year"].astype(int)
    muni["gemeentecode"] = muni["gemeentecode"].str.strip().str.upper()
    muni["valid_to"] = pd.to_datetime(muni["valid_to"].replace("", None), errors="coerce")
    mergers = read_text_csv(reference_path(raw, ref, "municipal_mergers.csv"))
    mergers["effective_date"] = pd.to_datetime(mergers["effective_date"], errors="coerce")
    mergers["old"] = mergers["old_gemeentecode"].str.strip().str.upper()
    mergers["new"] = mergers["new_gemeentecode"].str.strip().str.upper()
    mergers["primary"] = mergers["is_primary_successor"].str.strip().str.lower().isin(["true", "t", "1", "ja"])
    corop = read_text_csv(reference_path(raw, ref, "corop_regions.csv"))
    corop["gemeentecode"] = corop["gemeentecode"].str.strip().str.upper()

    latest = muni["year"].max()
    current = muni[muni["year"] == latest]
    cut = max(d for d in [pd.Timestamp(latest, 1, 1), current["valid_to"].max(), mergers["effective_date"].max()]
              if pd.notna(d))
    current = current[current["valid_to"].isna() | (current["valid_to"] > cut)]
    dim = current[["gemeentecode", "gemeentenaam", "provinciecode", "provincienaam"]].merge(
        corop[["gemeentecode", "corop_code", "corop_naam"]].drop_duplicates("gemeentecode"), on="gemeentecode",
        how="left")
    dim.columns = ["municipality_code", "municipality_name", "province_code", "province_name", "corop_code",
                   "corop_name"]

    successor = (mergers[mergers["primary"] & (mergers["old"] != mergers["new"])]
                 .groupby("old")["new"].min().to_dict())
    known = set(muni["gemeentecode"]) | set(mergers["old"]) | set(mergers["new"])
    in_set = set(dim["municipality_code"])
    mapping = {}
    for code in known:
        final, steps = code, 0
        while final in successor and steps < 25:
            final, steps = successor[final], steps + 1
        if final in in_set:
            mapping[code] = final

    areas = pd.concat([
        dim.assign(area_level="municipality", area_code=dim["municipality_code"], area_name=dim["municipality_name"]),
        dim.dropna(subset=["corop_code"]).assign(area_level="corop_region", area_code=lambda d: d["corop_code"],
                                                 area_name=lambda d: d["corop_name"]),
        dim.assign(area_level="province", area_code=dim["province_code"], area_name=dim["province_name"]),
        dim.assign(area_level="national", area_code="NL", area_name="Nederland"),
    ])[["municipality_code", "area_level", "area_code", "area_name"]]
    return dim, mapping, areas


def corporation_successors(raw: Path, ref: Path | None) -> dict:
    corps = read_text_csv(reference_path(raw, ref, "corporaties.csv"))
    corps["corporatie"] = corps["corporatie"].str.strip().str.upper()
    corps["opgegaan_in"] = corps["opgegaan_in"].str.strip().str.upper()
    merged = {c: m for c, m in zip(corps["corporatie"], corps["opgegaan_in"]) if m and m != c}
    out = {}
    for c in corps["corporatie"]:
        final, steps = c, 0
        while final in merged and steps < 25:
            final, steps = merged[final], steps + 1
        out[c] = final
    return out


# ------------------------------------------------------------------------------------ marts

def roll_up(frame: pd.DataFrame, areas: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    joined = frame.merge(areas, on="municipality_code", how="inner")
    return joined.groupby(keys[:1] + ["area_level", "area_code", "area_name"] + keys[1:],
                          as_index=False, sort=False)[values].sum()


def boolean_frame(municipality: pd.Series, flags: dict[str, pd.Series]) -> pd.DataFrame:
    frame = pd.DataFrame({k: v.fillna(False).astype(bool) for k, v in flags.items()})
    frame.insert(0, "municipality_code", municipality)
    return frame


def realisation(units: pd.DataFrame, areas: pd.DataFrame, register_indicators: list[str]) -> pd.DataFrame:
    snapshots = sorted(units["snapshot_date"].unique())
    results = []
    for s0, s1 in zip(snapshots, snapshots[1:]):
        a = units[units["snapshot_date"] == s0].reset_index(drop=True)
        b = units[units["snapshot_date"] == s1].reset_index(drop=True)
        a["uid"], b["uid"] = np.arange(len(a)), np.arange(len(b))
        compared = set(a["corporation_id"]) & set(b["corporation_id"])
        # identity 1: bag_vbo_id where both have one (duplicates paired in order)
        ka = a[a["bag_vbo_id"].notna()].sort_values(["corporation_id", "vhe_nummer", "uid"])
        kb = b[b["bag_vbo_id"].notna()].sort_values(["corporation_id", "vhe_nummer", "uid"])
        ka = ka.assign(rk=ka.groupby("bag_vbo_id").cumcount())[["bag_vbo_id", "rk", "uid"]]
        kb = kb.assign(rk=kb.groupby("bag_vbo_id").cumcount())[["bag_vbo_id", "rk", "uid"]]
        m1 = ka.merge(kb, on=["bag_vbo_id", "rk"], suffixes=("_a", "_b"))[["uid_a", "uid_b"]]
        # identity 2: the rest on (corporation after mergers, vhe_nummer), one of the two without bag
        ra = a[~a["uid"].isin(m1["uid_a"])]
        rb = b[~b["uid"].isin(m1["uid_b"])]
        ra = ra.assign(rk=ra.groupby(["corporation_id", "vhe_nummer"]).cumcount())
        rb = rb.assign(rk=rb.groupby(["corporation_id", "vhe_nummer"]).cumcount())
        m2 = ra[["corporation_id", "vhe_nummer", "rk", "uid", "bag_vbo_id"]].merge(
            rb[["corporation_id", "vhe_nummer", "rk", "uid", "bag_vbo_id"]],
            on=["corporation_id", "vhe_nummer", "rk"], suffixes=("_a", "_b"))
        m2 = m2[m2["bag_vbo_id_a"].isna() | m2["bag_vbo_id_b"].isna()][["uid_a", "uid_b"]]
        matches = pd.concat([m1, m2], ignore_index=True)

        kept = a.iloc[matches["uid_a"].to_numpy()].reset_index(drop=True).add_prefix("f_").join(
            b.iloc[matches["uid_b"].to_numpy()].reset_index(drop=True))
        kept = kept[kept["f_corporation_id"].isin(compared) & kept["corporation_id"].isin(compared)]
        new = b[~b["uid"].isin(matches["uid_b"]) & b["corporation_id"].isin(compared)]
        gone = a[~a["uid"].isin(matches["uid_a"]) & a["corporation_id"].isin(compared)]
        y0 = pd.Timestamp(s0).year

        flags = boolean_frame(kept["municipality_code"], {
            "verbetering_efg": kept["f_label"].isin(EFG) & kept["label"].isin(A_TO_D),
            "herstel_conditie_56": kept["f_cond"].isin([5, 6]) & kept["cond"].between(1, 4),
            "warmtepompen": (kept["f_heating"] == "gasketel") & kept["heating"].isin(["warmtepomp", "hybride"]),
            "zonnepanelen": (kept["f_solar"] == False) & (kept["solar"] == True),  # noqa: E712
            "ouderenwoningen_geclusterd": (kept["f_elderly"] == False) & (kept["elderly"] == True),  # noqa: E712
        })
        new_flags = boolean_frame(new["municipality_code"], {
            "nieuwbouw": new["bouwjaar"] > y0,
            "toevoeging_bestaand": new["bouwjaar"] <= y0,
            "ouderenwoningen_geclusterd": new["elderly"] == True,  # noqa: E712
            "flexwoningen": new["flex"] == True,  # noqa: E712
        })
        gone_flags = pd.DataFrame({"municipality_code": gone["municipality_code"], "uitstroom": True})
        per_municipality = pd.concat([
            flags.groupby("municipality_code").sum(),
            new_flags.groupby("municipality_code").sum(),
            gone_flags.groupby("municipality_code").sum(),
        ]).groupby(level=0).sum().reset_index()
        long = per_municipality.melt(id_vars="municipality_code", var_name="indicator_code",
                                     value_name="realised_value")
        long = long[long["realised_value"] > 0]
        by_area = long.merge(areas, on="municipality_code").groupby(
            ["area_level", "area_code", "area_name", "indicator_code"], as_index=False)["realised_value"].sum()
        national = pd.DataFrame({"area_level": "national", "area_code": "NL", "area_name": "Nederland",
                                 "indicator_code": register_indicators, "realised_value": 0})
        by_area = pd.concat([by_area, national]).groupby(
            ["area_level", "area_code", "area_name", "indicator_code"], as_index=False)["realised_value"].sum()
        by_area.insert(0, "year", pd.Timestamp(s1).year)
        by_area.insert(0, "to_snapshot", pd.Timestamp(s1))
        by_area.insert(0, "from_snapshot", pd.Timestamp(s0))
        results.append(by_area)
    return pd.concat(results, ignore_index=True)


def run(raw: Path, out: Path, ref: Path | None) -> dict:
    t0 = time.perf_counter()
    timings = {}
    raw = raw.resolve()
    indicators = pd.read_csv(SEEDS / "indicators.csv", dtype={"derived_from": str})
    dim, muni_map, areas = geography(raw, ref)
    corp_map = corporation_successors(raw, ref)

    units = read_register(raw)
    timings["read_register"] = time.perf_counter() - t0
    t = time.perf_counter()
    units["municipality_code"] = units["gemeentecode"].map(muni_map)
    units["corporation_id"] = units["corporatie"].map(corp_map).fillna(units["corporatie"])
    units = units.drop(columns=["gemeentecode", "corporatie"])

    # stock_by_area
    stock = pd.DataFrame({
        "snapshot_date": units["snapshot_date"],
        "municipality_code": units["municipality_code"],
        "corporation_id": units["corporation_id"],
        "n_dwellings": 1,
        "n_label_efg": units["label"].isin(EFG),
        "n_label_missing": units["label"].isna(),
        "n_condition_56": units["cond"].isin([5, 6]),
        "n_gas_boiler": units["heating"] == "gasketel",
        "n_heat_pump": units["heating"].isin(["warmtepomp", "hybride"]),
        "n_solar_panels": units["solar"].fillna(False),
        "n_clustered_elderly": units["elderly"].fillna(False),
        "n_flex": units["flex"].fillna(False),
    })
    counts = [c for c in stock.columns if c.startswith("n_")]
    stock = stock.groupby(["snapshot_date", "municipality_code", "corporation_id"], as_index=False)[counts].sum()
    stock_by_area = roll_up(stock, areas, ["snapshot_date"], counts)
    stock_by_area["share_label_efg"] = stock_by_area["n_label_efg"] / stock_by_area["n_dwellings"]
    timings["stock"] = time.perf_counter() - t

    t = time.perf_counter()
    register_indicators = indicators.loc[indicators["from_register"], "indicator_code"].tolist()
    realisation_by_area = realisation(units, areas, register_indicators)
    timings["realisation"] = time.perf_counter() - t

    t = time.perf_counter()
    workbooks, rows = read_agreements(raw)
    timings["read_workbooks"] = time.perf_counter() - t
    t = time.perf_counter()
    workbooks["municipality_code"] = workbooks["gemeentecode"].map(muni_map)
    signed = workbooks[workbooks["status"] == "ondertekend"].sort_values(
        ["gemeentecode", "versie", "signed_on", "source_file"], ascending=[True, False, False, False])
    counting = signed.drop_duplicates("gemeentecode")
    agreement_codes = indicators.loc[indicators["from_agreements"], "indicator_code"]
    r = rows[rows["indicator"].isin(agreement_codes) & rows["corporatie"].notna() & rows["jaar"].notna()
             & rows["waarde"].notna()]
    r = r.groupby(["source_file", "corporatie", "jaar", "indicator"], as_index=False)["waarde"].sum()
    r = r.merge(counting[["source_file", "municipality_code", "status", "signed_on", "versie"]], on="source_file")
    r["corporation_id"] = r["corporatie"].map(corp_map).fillna(r["corporatie"])
    fct = r.groupby(["municipality_code", "corporation_id", "jaar", "indicator"], as_index=False).agg(
        value=("waarde", "sum"), status=("status", "min"), signed_on=("signed_on", "max"),
        agreement_version=("versie", "max"),
        source_file=("source_file", lambda s: ", ".join(sorted(set(s)))))
    fct = fct.rename(columns={"jaar": "year", "indicator": "indicator_code"})
    fct["year"] = fct["year"].astype(int)
    derived_rows = []
    for _, ind in indicators[indicators["derived_from"].notna()].iterrows():
        parts = [p.strip() for p in ind["derived_from"].split(",")]
        d = fct[fct["indicator_code"].isin(parts)].groupby(
            ["municipality_code", "corporation_id", "year"], as_index=False)["value"].sum()
        derived_rows.append(d.assign(indicator_code=ind["indicator_code"]))
    all_rows = pd.concat([fct[["municipality_code", "corporation_id", "year", "indicator_code", "value"]]]
                         + derived_rows, ignore_index=True)
    joined = all_rows.merge(areas, on="municipality_code")
    commitments_by_area = joined.groupby(["area_level", "area_code", "area_name", "year", "indicator_code"],
                                         as_index=False).agg(
        committed_value=("value", "sum"), n_municipalities=("municipality_code", "nunique"),
        n_corporations=("corporation_id", "nunique"))

    # agreement_coverage
    latest = stock[stock["snapshot_date"] == stock["snapshot_date"].max()]
    with_stock = latest[latest["n_dwellings"] > 0].groupby("municipality_code")["corporation_id"].nunique()
    parties = counting[["municipality_code", "parties"]].explode("parties")
    parties["party"] = parties["parties"].map(corp_map).fillna(parties["parties"])
    n_signed = parties.groupby("municipality_code")["party"].nunique()
    signed_on = counting.groupby("municipality_code")["signed_on"].max()
    latest_status = workbooks.sort_values(["municipality_code", "signed_on", "versie", "source_file"],
                                          ascending=[True, False, False, False]).drop_duplicates(
        "municipality_code").set_index("municipality_code")["status"]
    coverage = dim[["municipality_code", "municipality_name", "corop_name", "province_name"]].copy()
    coverage["n_corporations_with_stock"] = coverage["municipality_code"].map(with_stock).fillna(0).astype(int)
    coverage["n_corporations_signed"] = coverage["municipality_code"].map(n_signed).fillna(0).astype(int)
    coverage["has_signed_agreement"] = coverage["municipality_code"].isin(signed_on.index)
    coverage["latest_status"] = coverage["municipality_code"].map(latest_status)
    coverage["signed_on"] = coverage["municipality_code"].map(signed_on)
    timings["commitments_coverage"] = time.perf_counter() - t

    out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("stock_by_area", stock_by_area), ("realisation_by_area", realisation_by_area),
                        ("fct_commitments", fct), ("commitments_by_area", commitments_by_area),
                        ("agreement_coverage", coverage)):
        frame.to_parquet(out / f"{name}.parquet", index=False)
    timings["total"] = time.perf_counter() - t0

    nat = stock_by_area[stock_by_area["area_level"] == "national"].sort_values("snapshot_date")
    nat_c = commitments_by_area[commitments_by_area["area_level"] == "national"].groupby("indicator_code")[
        "committed_value"].sum()
    nat_r = realisation_by_area[realisation_by_area["area_level"] == "national"].groupby("indicator_code")[
        "realised_value"].sum()
    summary = {
        "stock": {d.strftime("%Y-%m-%d"): {"n_dwellings": int(n), "n_label_efg": int(e), "n_condition_56": int(c)}
                  for d, n, e, c in zip(nat["snapshot_date"], nat["n_dwellings"], nat["n_label_efg"],
                                        nat["n_condition_56"])},
        "committed": {k: round(float(v), 2) for k, v in sorted(nat_c.items())},
        "realised": {k: int(v) for k, v in sorted(nat_r.items())},
        "municipalities_signed": int(coverage["has_signed_agreement"].sum()),
        "municipalities": int(len(coverage)),
    }
    return {"timings": {k: round(v, 3) for k, v in timings.items()}, "rows": int(len(units)),
            "workbooks": int(len(workbooks)), "national": summary}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pandas_peer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("raw", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--reference", type=Path, default=None)
    args = parser.parse_args(argv)
    ref = args.reference or (Path(os.environ["NPA_REFERENCE_DIR"]) if os.environ.get("NPA_REFERENCE_DIR") else None)
    print(json.dumps(run(args.raw, args.out, ref), indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
