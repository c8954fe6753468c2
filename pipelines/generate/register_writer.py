"""Write the housing-stock register: one file per corporation per snapshot, as corporations
actually deliver them (raw-inputs.md): `;` separated mostly, sometimes `,` (then a decimal comma is
quoted), decimal comma, UTF-8 (some with BOM) or Windows-1252, LF or CRLF, columns in any order,
extra columns, without postcode, codes with stray case and spaces; some as Parquet with native types.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from .corporations import Layout
from .dwellings import HEATING, LABELS, SEGMENTS, Dwellings
from .reference import Geography

REGISTER_COLUMNS = ("peildatum", "corporatie", "vhe_nummer", "bag_vbo_id", "gemeentecode", "postcode",
                    "woningtype", "bouwjaar", "energielabel", "conditiescore", "verwarming",
                    "zonnepanelen", "geclusterd_ouderen", "flexwoning", "huursegment", "kale_huur")
CODED_COLUMNS = ("woningtype", "energielabel", "verwarming", "zonnepanelen", "geclusterd_ouderen",
                 "flexwoning", "huursegment")
EXTRA_COLUMNS = ("opmerking", "complexnummer", "oppervlakte_m2")
REMARKS = (None, None, None, None, None, "geïsoleerd in 2019", "dakrenovatie gepland", "privé-tuin",
           "café op de begane grond", "ingang via achterzijde", "rijksmonument",
           "€ 25 servicekosten", "na-isolatie gevel", "seniorengeschikt (rollator)")
POSTCODE_LETTERS_A = "ABCDEGHJKLMNPRTVWXZY"
POSTCODE_LETTERS_B = "ABCDEGHJKLMNPRSTVWXZY"


@dataclass(frozen=True)
class FilePlan:
    """How one register file is delivered."""

    fmt: str = "csv"  # csv | parquet
    separator: str = ";"
    encoding: str = "utf-8"  # utf-8 | cp1252
    bom: bool = False
    crlf: bool = False
    shuffle_columns: bool = False
    extra_columns: tuple[str, ...] = ()
    without_postcode: bool = False
    code_noise: float = 0.0  # share of rows whose codes carry stray case/spaces
    column_seed: int = 0

    @property
    def suffix(self) -> str:
        return ".parquet" if self.fmt == "parquet" else ".csv"


def file_plan(seed: int, snapshot_no: int, corp_idx: int) -> FilePlan:
    rng = np.random.default_rng([seed, 404, snapshot_no, corp_idx])
    u = rng.random(12)
    if u[0] < 0.10:
        return FilePlan(fmt="parquet", column_seed=int(rng.integers(0, 2**31)))
    encoding = "cp1252" if u[1] < 0.15 else "utf-8"
    extras: list[str] = []
    if encoding == "cp1252" or u[2] < 0.12:
        extras.append("opmerking")  # non-ASCII text, so the encoding matters
    if u[3] < 0.08:
        extras.append("complexnummer")
    if u[4] < 0.08:
        extras.append("oppervlakte_m2")
    return FilePlan(
        fmt="csv", separator="," if u[5] < 0.15 else ";", encoding=encoding,
        bom=encoding == "utf-8" and u[6] < 0.10, crlf=u[7] < 0.25, shuffle_columns=u[8] < 0.30,
        extra_columns=tuple(extras), without_postcode=u[9] < 0.15,
        code_noise=float(rng.uniform(0.02, 0.10)) if u[10] < 0.25 else 0.0,
        column_seed=int(rng.integers(0, 2**31)),
    )


def _vhe_expr() -> pl.Expr:
    seq = pl.col("_vhe_seq")
    style = pl.col("_vhe_style")
    return (
        pl.when(style == 0).then(seq.cast(pl.String))
        .when(style == 1).then(pl.lit("VHE") + seq.cast(pl.String).str.zfill(7))
        .when(style == 2).then((seq // 1000).cast(pl.String).str.zfill(4) + "-"
                               + (seq % 1000).cast(pl.String).str.zfill(3))
        .otherwise(seq.cast(pl.String).str.zfill(8))
    )


def register_frame(d: Dwellings, geo: Geography, layout: Layout,
                   old_code_holdings: set[tuple[int, int]] = frozenset()) -> pl.DataFrame:
    """The canonical register rows of one snapshot (codes clean, values as text where the CSV
    shows text), with internal columns `_corp`, `_uid`, `_loc`, `_vhe_corp`, `_vhe_seq`, `_tag`."""
    corps = layout.corporations
    codes = pl.Series([c.code for c in corps])
    styles = np.array([c.vhe_style for c in corps], dtype=np.int8)
    # municipality code per row: the code valid on the snapshot date, or (lagging systems) the
    # location's own older code; as an index into a small list of codes
    code_list = [geo.code_on(loc, d.date) for loc in geo.locations] + list(geo.locations)
    gm_idx = d["loc"].astype(np.int64)
    if old_code_holdings:
        mask = np.zeros(len(d), dtype=bool)
        for c, l in sorted(old_code_holdings):
            mask |= (d["corp"] == c) & (d["loc"] == l)
        gm_idx = np.where(mask, gm_idx + len(geo.locations), gm_idx)
    labels = pl.Series(list(LABELS))
    heating = pl.Series(list(HEATING))
    segments = pl.Series(list(SEGMENTS))
    yn = pl.Series(["nee", "ja"])
    frame = pl.DataFrame({
        "_corp": d["corp"], "_uid": d["uid"], "_loc": d["loc"],
        "_vhe_corp": d["vhe_corp"], "_vhe_seq": d["vhe_seq"], "_vhe_style": styles[d["vhe_corp"]],
        "_bag_code": d["bag_code"], "_bag_serial": d["bag_serial"], "_has_bag": d["has_bag"],
        "_pc4": d["pc4"], "_pc_a": d["pc_a"], "_pc_b": d["pc_b"],
        "_gm": gm_idx, "_egw": d["egw"].astype(np.int8),
        "bouwjaar": d["bouwjaar"].astype(np.int32),
        "_label": d["label"], "_cond": d["cond"], "_heating": d["heating"],
        "_solar": d["solar"].astype(np.int8), "_elderly": d["elderly"].astype(np.int8),
        "_flex": d["flex"].astype(np.int8), "_segment": d["segment"], "_rent": d["rent"],
    })
    frame = frame.lazy().with_columns(
        peildatum=pl.lit(d.date.isoformat()),
        gemeentecode=pl.lit(pl.Series(code_list)).gather(pl.col("_gm")),
        woningtype=pl.lit(pl.Series(["MGW", "EGW"])).gather(pl.col("_egw")),
        corporatie=pl.lit(codes).gather(pl.col("_corp")),
        vhe_nummer=_vhe_expr(),
        bag_vbo_id=pl.when(pl.col("_has_bag")).then(
            pl.col("_bag_code").cast(pl.String).str.zfill(4) + "01"
            + pl.col("_bag_serial").cast(pl.String).str.zfill(10)),
        postcode=pl.col("_pc4").cast(pl.String) + " "
        + pl.lit(pl.Series(list(POSTCODE_LETTERS_A))).gather(pl.col("_pc_a"))
        + pl.lit(pl.Series(list(POSTCODE_LETTERS_B))).gather(pl.col("_pc_b")),
        energielabel=pl.when(pl.col("_label") > 0).then(pl.lit(labels).gather(pl.col("_label"))),
        conditiescore=pl.when(pl.col("_cond") > 0).then(pl.col("_cond").cast(pl.Int32)),
        verwarming=pl.lit(heating).gather(pl.col("_heating")),
        zonnepanelen=pl.lit(yn).gather(pl.col("_solar")),
        geclusterd_ouderen=pl.lit(yn).gather(pl.col("_elderly")),
        flexwoning=pl.lit(yn).gather(pl.col("_flex")),
        huursegment=pl.lit(segments).gather(pl.col("_segment")),
        kale_huur=pl.col("_rent").cast(pl.Float64) / 100,
        kale_huur_text=(pl.col("_rent") // 100).cast(pl.String) + ","
        + (pl.col("_rent") % 100).cast(pl.String).str.zfill(2),
        _tag=pl.lit(None, dtype=pl.String),
    )
    keep = ["_corp", "_uid", "_loc", "_vhe_corp", "_vhe_seq", "_tag", *REGISTER_COLUMNS, "kale_huur_text"]
    return frame.select(keep).sort(["_corp", "_loc", "_vhe_corp", "_vhe_seq"]).collect()


def _noisy_codes(df: pl.DataFrame, share: float, rng: np.random.Generator) -> pl.DataFrame:
    n = df.height
    exprs = []
    for col in CODED_COLUMNS:
        variant = pl.Series(np.where(rng.random(n) < share, rng.integers(1, 4, n), 0).astype(np.int8))
        c = pl.col(col)
        exprs.append(
            pl.when(variant == 1).then(c.str.to_lowercase())
            .when(variant == 2).then(c.str.to_uppercase() + " ")
            .when(variant == 3).then(c.str.slice(0, 1).str.to_uppercase()
                                     + c.str.slice(1).str.to_lowercase())
            .otherwise(c).alias(col)
        )
    return df.with_columns(exprs)


def render_file(df: pl.DataFrame, plan: FilePlan, seed_parts: tuple[int, ...]) -> bytes:
    """The bytes of one register file for the canonical rows `df` (already in file order)."""
    rng = np.random.default_rng([*seed_parts, 505])
    if plan.fmt == "parquet":
        out = df.select(
            pl.col("peildatum").str.to_date(),
            *[pl.col(c) for c in REGISTER_COLUMNS[1:7]],
            pl.col("bouwjaar").cast(pl.Int32),
            pl.col("energielabel"),
            pl.col("conditiescore").cast(pl.Int32),
            *[pl.col(c) for c in REGISTER_COLUMNS[10:15]],
            pl.col("kale_huur").cast(pl.Float64),
        )
        buf = io.BytesIO()
        out.write_parquet(buf, compression="zstd", statistics=False)
        return buf.getvalue()

    columns = [c for c in REGISTER_COLUMNS if not (plan.without_postcode and c == "postcode")]
    if plan.code_noise > 0:
        df = _noisy_codes(df, plan.code_noise, rng)
    n = df.height
    extra = {}
    if "opmerking" in plan.extra_columns:
        picks = rng.integers(0, len(REMARKS), n)
        if plan.encoding == "cp1252" and n:
            picks[0] = REMARKS.index("geïsoleerd in 2019")  # so the encoding always matters
        extra["opmerking"] = pl.Series(list(REMARKS)).gather(picks)
    if "complexnummer" in plan.extra_columns:
        extra["complexnummer"] = pl.Series((df["_loc"].to_numpy() * 7 % 900 + 100).astype(str))
    if "oppervlakte_m2" in plan.extra_columns:
        area = np.round(rng.uniform(35, 130, n), 1)
        extra["oppervlakte_m2"] = pl.Series([f"{a:.1f}".replace(".", ",") for a in area])
    if extra:
        df = df.with_columns(**extra)
    columns += list(extra)
    if plan.shuffle_columns:
        order = np.random.default_rng(plan.column_seed).permutation(len(columns))
        columns = [columns[i] for i in order]
    out = df.select([pl.col("kale_huur_text").alias("kale_huur") if c == "kale_huur" else pl.col(c)
                     for c in columns])
    buf = io.BytesIO()
    out.write_csv(buf, separator=plan.separator, line_terminator="\r\n" if plan.crlf else "\n",
                  include_bom=plan.bom, quote_style="necessary")
    data = buf.getvalue()
    if plan.encoding == "cp1252":
        data = data.decode("utf-8").encode("cp1252")
    return data


@dataclass
class WrittenFile:
    path: str  # relative to raw_dir
    rows: int
    plan: FilePlan
    tagged_rows: dict[str, int] = field(default_factory=dict)  # tag -> row (header = line 1)


def write_snapshot(frame: pl.DataFrame, date: dt.date, raw_dir: Path, layout: Layout, seed: int,
                   snapshot_no: int, plans: dict[int, FilePlan], skip: set[int] = frozenset()
                   ) -> list[WrittenFile]:
    """One file per corporation present in `frame`, named after the corporation."""
    folder = raw_dir / "register" / date.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    corp_col = frame["_corp"].to_numpy()
    starts = np.flatnonzero(np.r_[True, corp_col[1:] != corp_col[:-1]])
    ends = np.r_[starts[1:], len(corp_col)]
    for start, end in zip(starts.tolist(), ends.tolist()):
        corp_idx = int(corp_col[start])
        if corp_idx in skip:
            continue
        part = frame.slice(start, end - start)
        plan = plans[corp_idx]
        code = layout.corporations[corp_idx].code
        data = render_file(part, plan, (seed, snapshot_no, corp_idx))
        rel = f"register/{date.isoformat()}/{code}{plan.suffix}"
        (raw_dir / rel).write_bytes(data)
        tags = {}
        if part["_tag"].null_count() < part.height:
            idx = part.with_row_index("_i").filter(pl.col("_tag").is_not_null())
            for i, tag in zip(idx["_i"].to_list(), idx["_tag"].to_list()):
                for t in tag.split("|"):
                    tags[t] = i + 2
        written.append(WrittenFile(rel, part.height, plan, tags))
    return written
