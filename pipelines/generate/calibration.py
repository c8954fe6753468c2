"""How realistic the data set is: each calibration figure measured beside the published one.

`calibration_table(con)` measures from the published marts (a DuckDB connection with schema
`marts`); `calibration_from_raw(raw_dir)` measures the same figures by reading the generated files
directly (per raw-inputs.md), for use before the marts exist. Published values come from
`../reference/figures.csv` (the values are also kept here, so the table works without that file)
and are scaled by the scale factor (0.1 for `demo`), except the number of corporations and the
coverage share, which do not scale.

Each row: figure, source_figure (name in figures.csv), measured, published, ratio, within_10pct.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import polars as pl

from .scales import SCALES

# figure -> (name in figures.csv, published value, scales with the data set)
FIGURES: dict[str, tuple[str, float, bool]] = {
    "homes_end_2021": ("corporation_owned_homes_end_2021", 2_300_000, True),
    "efg_end_2021": ("corporation_efg_label_homes_end_2021_derived", 234_919, True),
    "efg_end_2022": ("corporation_efg_label_homes_end_2022", 206_302, True),
    "efg_fall_2022": ("corporation_efg_label_homes_decrease_in_2022", 28_617, True),
    "condition_5_2021": ("corporation_homes_condition_5_2021", 11_000, True),
    "condition_6_2021": ("corporation_homes_condition_6_2021", 3_000, True),
    "condition_unknown_2021": ("corporation_homes_condition_unknown_2021", 450_000, True),
    "new_builds_2022": ("corporation_new_build_2022", 16_000, True),
    "corporations": ("active_housing_corporations_2023-01-01", 279, False),
    "signed_coverage_share": ("local_agreements_stock_coverage", 0.85, False),
}
EFG = ("E", "F", "G")
S0, S1 = "2021-12-31", "2022-12-31"


def _scale_factor(scale: str | float) -> float:
    if isinstance(scale, (int, float)):
        return float(scale)
    return SCALES[scale].factor


def published_values(scale: str | float = "demo", reference_dir: str | Path | None = None) -> dict[str, float]:
    """Published figure per calibration figure, scaled; read from figures.csv when available."""
    values = {k: v for k, (_, v, _) in FIGURES.items()}
    ref = Path(reference_dir) if reference_dir else (
        Path(os.environ["NPA_REFERENCE_DIR"]) if os.environ.get("NPA_REFERENCE_DIR") else None)
    if ref is not None and (ref / "figures.csv").is_file():
        fig = pl.read_csv(ref / "figures.csv", infer_schema=False)
        by_name = dict(zip(fig["figure"].to_list(), fig["value"].to_list()))
        for key, (name, _, _) in FIGURES.items():
            if name in by_name and by_name[name]:
                v = float(by_name[name])
                values[key] = v / 100 if key == "signed_coverage_share" else v
    f = _scale_factor(scale)
    return {k: v * f if FIGURES[k][2] else v for k, v in values.items()}


def _rows(measured: dict[str, float | None], scale: str | float, reference_dir) -> list[dict]:
    published = published_values(scale, reference_dir)
    out = []
    for key, (name, _, _) in FIGURES.items():
        m = measured.get(key)
        p = published[key]
        ratio = (m / p) if (m is not None and p) else None
        out.append({"figure": key, "source_figure": name, "measured": m, "published": p,
                    "ratio": None if ratio is None else round(ratio, 4),
                    "within_10pct": ratio is not None and abs(ratio - 1) <= 0.10})
    return out


# -- from the marts --------------------------------------------------------------------------------
def _columns(con, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
        [table]).fetchall()
    return {r[0] for r in rows}


def calibration_table(con, scale: str | float = "demo", reference_dir: str | Path | None = None) -> list[dict]:
    """The calibration figures measured from the published marts.

    Condition 5, 6 and unknown are read from `stock_by_area` columns `n_condition_5`,
    `n_condition_6` and `n_condition_missing` (or `n_condition_unknown`) when the mart has them;
    otherwise they are reported as not measured (None).
    """
    measured: dict[str, float | None] = {}
    cols = _columns(con, "stock_by_area")

    def national(col: str, snapshot: str) -> float | None:
        if col not in cols:
            return None
        r = con.execute(
            f"select sum({col}) from marts.stock_by_area where area_level = 'national' "
            "and cast(snapshot_date as date) = cast(? as date)", [snapshot]).fetchone()
        return None if r is None or r[0] is None else float(r[0])

    measured["homes_end_2021"] = national("n_dwellings", S0)
    measured["efg_end_2021"] = national("n_label_efg", S0)
    measured["efg_end_2022"] = national("n_label_efg", S1)
    if measured["efg_end_2021"] is not None and measured["efg_end_2022"] is not None:
        measured["efg_fall_2022"] = measured["efg_end_2021"] - measured["efg_end_2022"]
    measured["condition_5_2021"] = national("n_condition_5", S0)
    measured["condition_6_2021"] = national("n_condition_6", S0)
    unknown_col = next((c for c in ("n_condition_missing", "n_condition_unknown") if c in cols), None)
    measured["condition_unknown_2021"] = national(unknown_col, S0) if unknown_col else None
    r = con.execute(
        "select sum(realised_value) from marts.realisation_by_area where area_level = 'national' "
        "and indicator_code = 'nieuwbouw' and year = 2022").fetchone()
    measured["new_builds_2022"] = None if r is None or r[0] is None else float(r[0])
    r = con.execute(
        "select count(*) from marts.dim_corporation "
        "where dissolved_on is null or cast(dissolved_on as date) > date '2023-01-01'").fetchone()
    measured["corporations"] = float(r[0])
    r = con.execute(
        """
        with latest as (select max(snapshot_date) as d from marts.stock_by_area),
        stock as (
            select s.area_code, s.n_dwellings from marts.stock_by_area s, latest
            where s.area_level = 'municipality' and s.snapshot_date = latest.d)
        select sum(case when c.has_signed_agreement then s.n_dwellings else 0 end) * 1.0
               / nullif(sum(s.n_dwellings), 0)
        from stock s left join marts.agreement_coverage c on c.municipality_code = s.area_code
        """).fetchone()
    measured["signed_coverage_share"] = None if r is None or r[0] is None else float(r[0])
    return _rows(measured, scale, reference_dir)


# -- from the raw files ----------------------------------------------------------------------------
def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def read_csv_text(path: Path) -> pl.DataFrame:
    """A CSV input as raw-inputs.md describes it: encoding and separator detected, all text."""
    text = _decode(path.read_bytes())
    header = text.split("\n", 1)[0]
    sep = ";" if header.count(";") > header.count(",") else ","
    df = pl.read_csv(io.BytesIO(text.encode("utf-8")), separator=sep, infer_schema=False)
    return df.rename({c: c.strip().lower() for c in df.columns})


def read_register_file(path: Path) -> pl.DataFrame:
    if path.suffix.lower() == ".parquet":
        df = pl.read_parquet(path)
        df = df.select([pl.col(c).cast(pl.String) for c in df.columns])
    else:
        df = read_csv_text(path)
    need = ["corporatie", "vhe_nummer", "bag_vbo_id", "gemeentecode", "bouwjaar", "energielabel", "conditiescore"]
    return df.select([
        pl.col(c).str.strip_chars().alias(c) if c in df.columns else pl.lit(None, dtype=pl.String).alias(c)
        for c in need
    ]).with_columns(
        pl.col("corporatie").str.to_uppercase(),
        pl.col("gemeentecode").str.to_uppercase(),
        pl.col("energielabel").str.to_uppercase(),
        pl.col("conditiescore").cast(pl.Int32, strict=False),
        pl.col("bouwjaar").cast(pl.Int32, strict=False),
        pl.when(pl.col("bag_vbo_id") == "").then(None).otherwise(pl.col("bag_vbo_id")).alias("bag_vbo_id"),
    )


def read_snapshot(raw_dir: Path, snapshot: str) -> pl.DataFrame:
    folder = raw_dir / "register" / snapshot
    parts = [read_register_file(p) for p in sorted(folder.iterdir())
             if p.suffix.lower() in (".csv", ".parquet")]
    return pl.concat(parts) if parts else pl.DataFrame()


def _successors(raw_dir: Path) -> dict[str, str]:
    corps = read_csv_text(raw_dir / "reference" / "corporaties.csv")
    nxt = {}
    for row in corps.iter_rows(named=True):
        if row.get("opgegaan_in"):
            nxt[row["corporatie"].strip().upper()] = row["opgegaan_in"].strip().upper()
    out = {}
    for c in nxt:
        s, seen = c, set()
        while s in nxt and s not in seen:
            seen.add(s)
            s = nxt[s]
        out[c] = s
    return out


def _municipality_mapping(ref_dir: Path) -> dict[str, str]:
    mergers = read_csv_text(ref_dir / "municipal_mergers.csv")
    nxt = {}
    for row in mergers.iter_rows(named=True):
        if str(row["is_primary_successor"]).strip().lower() == "true":
            nxt[row["old_gemeentecode"].strip().upper()] = row["new_gemeentecode"].strip().upper()
    out = {}
    for c in nxt:
        s = c
        while s in nxt:
            s = nxt[s]
        out[c] = s
    return out


def _afspraak(path: Path) -> dict[str, str] | None:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
        name = next((n for n in reader.sheet_names if n.strip().lower() == "afspraak"), None)
        if name is None:
            return None
        df = reader.load_sheet(name, header_row=None).to_polars()
    except Exception:  # noqa: BLE001 - an unreadable workbook simply does not count
        return None
    out = {}
    for veld, waarde in df.select(df.columns[:2]).iter_rows():
        if veld is not None:
            out[str(veld).strip().lower()] = "" if waarde is None else str(waarde).strip()
    return out


def calibration_from_raw(raw_dir: str | Path, scale: str | float = "demo",
                         reference_dir: str | Path | None = None) -> list[dict]:
    """The calibration figures measured by reading the generated files (no pipeline needed)."""
    raw_dir = Path(raw_dir)
    ref_dir = Path(reference_dir) if reference_dir else raw_dir / "reference"
    succ = _successors(raw_dir)
    succ_expr = pl.col("corporatie").replace(succ)
    s0 = read_snapshot(raw_dir, S0).with_columns(succ_expr.alias("corp_s"))
    s1 = read_snapshot(raw_dir, S1).with_columns(succ_expr.alias("corp_s"))
    measured: dict[str, float | None] = {}
    measured["homes_end_2021"] = float(s0.height)
    measured["efg_end_2021"] = float(s0["energielabel"].is_in(EFG).sum())
    measured["efg_end_2022"] = float(s1["energielabel"].is_in(EFG).sum())
    measured["efg_fall_2022"] = measured["efg_end_2021"] - measured["efg_end_2022"]
    measured["condition_5_2021"] = float((s0["conditiescore"] == 5).sum())
    measured["condition_6_2021"] = float((s0["conditiescore"] == 6).sum())
    measured["condition_unknown_2021"] = float(s0["conditiescore"].is_null().sum())

    # New builds: present in 2022, absent in 2021 (BAG id first, then successor + vhe_nummer),
    # built after 2021, among corporations with a file in both snapshots.
    both = set(s0["corp_s"].unique().to_list()) & set(s1["corp_s"].unique().to_list())
    s0b = s0.filter(pl.col("corp_s").is_in(both))
    s1b = s1.filter(pl.col("corp_s").is_in(both))
    bags0 = s0b.filter(pl.col("bag_vbo_id").is_not_null())["bag_vbo_id"]
    bags1 = s1b.filter(pl.col("bag_vbo_id").is_not_null())["bag_vbo_id"]
    by_bag = pl.col("bag_vbo_id").is_not_null() & pl.col("bag_vbo_id").is_in(bags0.implode())
    rest0 = s0b.filter(~(pl.col("bag_vbo_id").is_not_null() & pl.col("bag_vbo_id").is_in(bags1.implode())))
    keys0 = rest0.select((pl.col("corp_s") + "|" + pl.col("vhe_nummer")).alias("k"))["k"]
    s1m = s1b.with_columns(
        matched=by_bag | (pl.col("corp_s") + "|" + pl.col("vhe_nummer")).is_in(keys0.implode()))
    measured["new_builds_2022"] = float(s1m.filter(~pl.col("matched") & (pl.col("bouwjaar") > 2021)).height)
    measured["corporations"] = float(s1["corp_s"].n_unique())

    # Coverage: stock (latest snapshot) in municipalities with a signed agreement.
    mapping = _municipality_mapping(ref_dir)
    signed = set()
    for path in sorted((raw_dir / "agreements").glob("*.xlsx")):
        meta = _afspraak(path)
        if not meta or meta.get("status", "").lower() != "ondertekend":
            continue
        code = meta.get("gemeentecode", "").upper()
        signed.add(mapping.get(code, code))
    current = s1.with_columns(pl.col("gemeentecode").replace(mapping).alias("m"))
    covered = current["m"].is_in(sorted(signed)).sum()
    measured["signed_coverage_share"] = float(covered) / current.height if current.height else None
    return _rows(measured, scale, ref_dir if (ref_dir / "figures.csv").is_file() else reference_dir)


def format_table(rows: list[dict]) -> str:
    lines = [f"{'figure':<24} {'measured':>12} {'published':>12} {'ratio':>7}  ok"]
    for r in rows:
        m = "-" if r["measured"] is None else f"{r['measured']:,.3f}".rstrip("0").rstrip(".")
        p = f"{r['published']:,.3f}".rstrip("0").rstrip(".")
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.3f}"
        lines.append(f"{r['figure']:<24} {m:>12} {p:>12} {ratio:>7}  {'yes' if r['within_10pct'] else 'NO'}")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m pipelines.generate.calibration RAW_DIR [scale]
    import sys

    print(format_table(calibration_from_raw(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "demo")))

