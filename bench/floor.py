"""The floor: the same marts from the same raw files, in one script, with no orchestration.

    python -m bench.floor RAW_DIR OUT_DIR [--reference DIR] [--jobs 2] [--register-reader duckdb]

It is the yardstick the pipeline is measured against (bench/README.md), so it is written to be
fast and to be honest about the work: it reads every raw file the pipeline reads, handles the
variants shared/spec/raw-inputs.md allows (CSV with `;` or `,`, decimal comma, UTF-8 with or
without byte-order mark, Windows-1252, CRLF, columns in any order and extra columns; Parquet;
workbooks with Dutch number text, totals rows, Excel dates and serial numbers, sheet names in any
case, merged municipality and corporation codes) and computes the published marts with the same
rules (identity of a dwelling, what was realised, which agreement counts, merger mapping, area
levels) in one DuckDB SQL script. What it does not do is what makes the pipeline a system:
checks and the findings that gate rows, load bookkeeping, incremental loads, audit columns,
atomic publishing. On inputs without defects (the generated data set) its marts equal the
published ones.

How it reads:
- register CSVs: one cheap pass in Python over each file's bytes (separator from the header line,
  UTF-8 or Windows-1252; a Windows-1252 file is transcoded to UTF-8 in a temporary folder, since
  DuckDB's CSV reader only knows UTF-8/UTF-16/Latin-1 without an extension), then DuckDB
  `read_csv` in place, one call per (separator, number of columns) with positional columns and
  no sniffing; each file's header decides which position holds which column. `--register-reader
  polars` reads them with polars instead (for comparison; DuckDB is the default).
- register Parquet files: DuckDB `read_parquet` in place.
- workbooks: fastexcel (calamine), each sheet once as text; the `waarde` column a second time
  only in a workbook where a cell could be either a number or Dutch number text (`1.250`). With
  `--jobs N` (default 2) the workbooks are read by N worker processes while the main process
  reads the register.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "dbt_project" / "seeds"

REGISTER_COLUMNS = [  # what the marts need; kale_huur, postcode etc. are not read
    "peildatum", "corporatie", "vhe_nummer", "bag_vbo_id", "gemeentecode", "bouwjaar",
    "energielabel", "conditiescore", "verwarming", "zonnepanelen", "geclusterd_ouderen",
    "flexwoning",
]
REGISTER_REQUIRED = [
    "peildatum", "corporatie", "vhe_nummer", "bag_vbo_id", "gemeentecode", "woningtype",
    "bouwjaar", "energielabel", "conditiescore", "verwarming", "zonnepanelen",
    "geclusterd_ouderen", "flexwoning", "huursegment", "kale_huur",
]
REFERENCE_FILES = ("municipalities.csv", "municipal_mergers.csv", "corop_regions.csv",
                   "corporaties.csv", "woningmarktregios.csv")
_DATE_DIR = re.compile(r"\d{4}-\d{2}-\d{2}")


# --------------------------------------------------------------------------- workbooks

_SPACES_EURO = re.compile(r"[\s\u00a0\u202f€]")
_NL_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")
_INT = re.compile(r"[+-]?\d{1,9}(?:\.0+)?")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_SERIAL = re.compile(r"\d+(?:\.\d+)?")
_TOTAL = re.compile(r"\s*totaal\b", re.IGNORECASE)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _text(value):
    if value is None:
        return None
    value = value.strip()
    return value or None


def _nl_number(value):
    """Dutch number text (`1.250`, `€ 2.500.000,00`, `712,45`); None when not interpretable."""
    text = _SPACES_EURO.sub("", value)
    if not _NL_NUMBER.fullmatch(text):
        return None
    return float(text.replace(".", "").replace(",", "."))


def _int(value):
    value = _text(value)
    if value is None or not _INT.fullmatch(value):
        return None
    return int(float(value)) if "." in value else int(value)


def _date(value):
    value = _text(value)
    if value is None:
        return None
    try:
        if m := _ISO.fullmatch(value):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY.fullmatch(value):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None
    if _SERIAL.fullmatch(value):
        day = int(float(value))
        if day < 1 or day == 60 or day > 2_958_465:
            return None
        return dt.date(1899, 12, 31) + dt.timedelta(days=day) if day < 60 else _EXCEL_EPOCH + dt.timedelta(days=day)
    return None


def _norm(name):
    return re.sub(r"\s+", "", name or "").lower()


def read_workbook(path: str, rel: str):
    """One workbook -> (metadata tuple, list of row tuples), or None when it cannot be used."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
    except Exception:
        return None
    sheets = {}
    for name in reader.sheet_names:
        sheets.setdefault(_norm(name), name)
    if "afspraak" not in sheets or "prestaties" not in sheets:
        return None

    meta = reader.load_sheet(sheets["afspraak"], header_row=None, dtypes="string").to_arrow()
    columns = [c.to_pylist() for c in meta.columns]
    key_col, value_col = 0, 1
    for i in range(meta.num_rows):
        names = [_norm(c[i]) for c in columns]
        if "veld" in names and "waarde" in names:
            key_col, value_col = names.index("veld"), names.index("waarde")
            break
    if value_col >= len(columns):
        return None
    fields = {}
    for key, value in zip(columns[key_col], columns[value_col]):
        key = _norm(key)
        if key and key != "veld" and key not in fields:
            fields[key] = value
    code = _text(fields.get("gemeentecode"))
    status = (_text(fields.get("status")) or "").lower()
    signed_on = _date(fields.get("datum_ondertekening"))
    version = _int(fields.get("versie"))
    term_from, term_to = _int(fields.get("looptijd_van")), _int(fields.get("looptijd_tot"))
    parties = [p.strip().upper() for p in re.split(r"[,;]", fields.get("corporaties") or "") if p.strip()]
    if (code is None or status not in ("bod", "concept", "ondertekend") or signed_on is None
            or version is None or term_from is None or term_to is None or term_from > term_to
            or not parties):
        return None  # the pipeline rejects such a workbook (F2): it is never visible

    sheet = sheets["prestaties"]
    table = reader.load_sheet(sheet, header_row=None, dtypes="string").to_arrow()
    cols = [c.to_pylist() for c in table.columns]
    n = table.num_rows
    header_at = None
    for i in range(n):
        names = [_norm(c[i]) for c in cols]
        if "corporatie" in names and "indicator" in names:
            header_at = i
            break
    if header_at is None:
        return None
    names = [_norm(c[header_at]) for c in cols]
    if not all(x in names for x in ("corporatie", "jaar", "indicator", "waarde")):
        return None
    c_corp, c_year, c_ind, c_val = (cols[names.index(x)] for x in ("corporatie", "jaar", "indicator", "waarde"))
    first = cols[0]
    values = c_val[header_at + 1:]
    # A numeric cell comes back as text in machine notation (1.125), a text cell as typed (1.250):
    # where the two can be confused, ask the reader which cells hold text.
    text_rows = None
    if any(v is not None and "." in v and "," not in v for v in values):
        column_name = table.column_names[names.index("waarde")]
        loaded = reader.load_sheet(sheet, header_row=None, dtypes={column_name: "int"})
        _, errors = loaded.to_arrow_with_errors()
        text_rows = set() if errors is None else {e.position[0] for e in errors.errors}
    rows = []
    for i in range(header_at + 1, n):
        corp, year, ind, val = c_corp[i], c_year[i], c_ind[i], c_val[i]
        if corp is None and year is None and ind is None and val is None:
            continue
        if (corp is not None and _TOTAL.match(corp)) or (first[i] is not None and _TOTAL.match(first[i])):
            continue
        number = None
        if val is not None:
            if text_rows is not None and i not in text_rows:
                try:
                    number = float(val)
                except ValueError:
                    number = None
            else:
                number = _nl_number(val)
        corp = _text(corp)
        ind = _text(ind)
        rows.append((rel, corp.upper() if corp else None, _int(year), ind.lower() if ind else None, number))
    meta_row = (rel, code.upper(), status, signed_on, version, term_from, term_to, parties)
    return meta_row, rows


def read_workbooks(items: list[tuple[str, str]]):
    metas, rows = [], []
    for path, rel in items:
        parsed = read_workbook(path, rel)
        if parsed is None:
            continue
        metas.append(parsed[0])
        rows.extend(parsed[1])
    return metas, rows


# --------------------------------------------------------------------------- files


def find_reference(raw: Path, reference_dir: Path | None) -> dict[str, Path]:
    """raw/reference/<name> wins, else the team's reference folder."""
    found = {}
    for name in REFERENCE_FILES:
        for folder in (raw / "reference", reference_dir):
            if folder is not None and (folder / name).is_file():
                found[name] = folder / name
                break
    missing = [n for n in REFERENCE_FILES[:4] if n not in found]
    if missing:
        raise SystemExit(f"reference file(s) missing: {', '.join(missing)} (put them in {raw / 'reference'})")
    return found


def sniff_delimiter(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.readline()
    return ";" if head.count(b";") >= head.count(b",") else ","


def register_files(raw: Path):
    csvs, parquets = [], []
    folder = raw / "register"
    if folder.is_dir():
        for sub in sorted(folder.iterdir()):
            if not (sub.is_dir() and _DATE_DIR.fullmatch(sub.name)):
                continue
            for path in sorted(sub.iterdir()):
                suffix = path.suffix.lower()
                if suffix == ".csv":
                    csvs.append((path, sub.name))
                elif suffix == ".parquet":
                    parquets.append((path, sub.name))
    return csvs, parquets


def plan_csv(path: Path, tmp: Path):
    """(path to read, separator, header names) for one register CSV; transcodes Windows-1252."""
    data = path.read_bytes()
    end = data.find(b"\n")
    head = data[: end if end >= 0 else len(data)]
    delim = ";" if head.count(b";") >= head.count(b",") else ","
    source = path
    encoding = "utf-8"
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1252"
            source = tmp / f"{path.parent.name}_{path.name}"
            source.write_bytes(data.decode("cp1252").encode("utf-8"))
    header = head.decode(encoding, errors="replace").lstrip("\ufeff").rstrip("\r")
    names = [h.strip().strip('"').strip().lower() for h in header.split(delim)]
    return source, delim, names


# --------------------------------------------------------------------------- register


def create_table(con, name: str, rows: list, columns: dict[str, str]) -> None:
    """A table from Python rows, passed as one list parameter per column (no pyarrow, no pandas)."""
    values = [list(c) for c in zip(*rows)] if rows else [[] for _ in columns]
    selects = ", ".join(f"cast(unnest(${i + 1}) as {t}) as {c}" for i, (c, t) in enumerate(columns.items()))
    if rows:
        con.execute(f"create table {name} as select {selects}", values)
    else:
        con.execute(f"create table {name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")


REGISTER_VIEW_COLUMNS = ("snapshot_date, corporatie, vhe_nummer, bag_vbo_id, gemeentecode, bouwjaar, energielabel, "
                         "conditiescore, verwarming, zonnepanelen, geclusterd_ouderen, flexwoning, source_file")


def load_register_duckdb(con, raw: Path, tmp: Path) -> dict:
    """Defines the view `register_raw` over the register files, read in place (nothing copied yet)."""
    csvs, parquets = register_files(raw)
    groups: dict[tuple[str, int], list[str]] = {}
    filemap = []
    skipped = []
    for path, date in csvs:
        source, delim, names = plan_csv(path, tmp)
        if any(c not in names for c in REGISTER_REQUIRED):
            skipped.append(str(path.relative_to(raw)))  # the pipeline rejects such a file (F2)
            continue
        groups.setdefault((delim, len(names)), []).append(str(source))
        filemap.append([str(source), date, str(path.relative_to(raw))]
                       + [names.index(c) for c in REGISTER_COLUMNS])
    for path, date in parquets:
        filemap.append([str(path), date, str(path.relative_to(raw))]
                       + [None] * len(REGISTER_COLUMNS))
    create_table(con, "filemap", filemap, {"filename": "varchar", "folder_date": "date", "rel": "varchar",
                                           **{c: "integer" for c in REGISTER_COLUMNS}})
    parts = []
    for (delim, width), files in groups.items():
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
        whens = " ".join(f"when {i} then r.c{i}" for i in range(width))
        picks = [f"case m.{name} {whens} end" for name in REGISTER_COLUMNS[1:]]
        parts.append(
            f"select m.folder_date, {', '.join(picks)}, m.rel "
            f"from read_csv({files!r}, delim='{delim}', quote='\"', escape='\"', header=false, "
            f"skip=1, auto_detect=false, columns={columns}, filename=true) r "
            f"join filemap m on r.filename = m.filename"
        )
    if parquets:
        files = [str(p) for p, _ in parquets]
        parts.append(
            "select m.folder_date, " + ", ".join(f"cast(p.{c} as varchar)" for c in REGISTER_COLUMNS[1:])
            + f", m.rel from read_parquet({files!r}, union_by_name=true, filename=true) p "
            "join filemap m on p.filename = m.filename"
        )
    if not parts:
        parts.append("select " + ", ".join(["cast(null as date)"] + ["cast(null as varchar)"] * 12) + " where false")
    con.execute(f"create view register_raw ({REGISTER_VIEW_COLUMNS}) as " + " union all ".join(parts))
    return {"csv_files": len(filemap) - len(parquets), "parquet_files": len(parquets), "skipped": skipped}


def load_register_polars(con, raw: Path, tmp: Path) -> dict:
    """The same view, with polars reading the CSV files (for comparison)."""
    import polars as pl

    csvs, parquets = register_files(raw)
    frames = []
    skipped = []
    for path, date in csvs:
        source, delim, names = plan_csv(path, tmp)
        if any(c not in names for c in REGISTER_REQUIRED):
            skipped.append(str(path.relative_to(raw)))
            continue
        lf = pl.scan_csv(source, separator=delim, infer_schema=False, new_columns=names, quote_char='"')
        frames.append(lf.select(REGISTER_COLUMNS[1:]).with_columns(
            pl.lit(date).str.to_date().alias("snapshot_date"), pl.lit(str(path.relative_to(raw))).alias("source_file")))
    for path, date in parquets:
        lf = pl.scan_parquet(path).select([pl.col(c).cast(pl.String) for c in REGISTER_COLUMNS[1:]])
        frames.append(lf.with_columns(pl.lit(date).str.to_date().alias("snapshot_date"),
                                      pl.lit(str(path.relative_to(raw))).alias("source_file")))
    order = ["snapshot_date"] + REGISTER_COLUMNS[1:] + ["source_file"]
    frame = pl.concat([f.select(order) for f in frames]).collect() if frames else pl.DataFrame(
        schema={c: (pl.Date if c == "snapshot_date" else pl.String) for c in order})
    con.register("register_frame", frame.to_arrow())
    con.execute(f"create view register_raw ({REGISTER_VIEW_COLUMNS}) as select * from register_frame")
    return {"csv_files": len(csvs) - len(skipped), "parquet_files": len(parquets), "skipped": skipped}


# --------------------------------------------------------------------------- the SQL

SQL_REGISTER = r"""
-- reference data ------------------------------------------------------------------------------
create table muni_all as
select try_cast(trim(year) as integer) as year, upper(trim(gemeentecode)) as code,
    trim(gemeentenaam) as name, upper(trim(provinciecode)) as province_code,
    trim(provincienaam) as province_name,
    try_cast(nullif(trim(valid_from), '') as date) as valid_from,
    try_cast(nullif(trim(valid_to), '') as date) as valid_to
from ref_municipalities;

create table mergers as
select try_cast(nullif(trim(effective_date), '') as date) as effective_date,
    upper(trim(old_gemeentecode)) as old_code, upper(trim(new_gemeentecode)) as new_code,
    lower(trim(is_primary_successor)) in ('true', 't', '1', 'ja', 'yes') as is_primary
from ref_mergers;

create table dim_municipality as
with latest as (select max(year) as year from muni_all),
ref_date as (
    select greatest(make_date((select year from latest), 1, 1),
        (select max(valid_to) from muni_all where year = (select year from latest)),
        (select max(effective_date) from mergers)) as d
),
hmr as (select upper(trim(gemeentecode)) as code, min(trim(woningmarktregio)) as region
        from ref_woningmarktregios group by 1)
select m.code as municipality_code, m.name as municipality_name, m.province_code, m.province_name,
    c.corop_code, c.corop_name,
    case when (select count(*) from ref_woningmarktregios) > 0 then coalesce(hmr.region, 'Onbekend') end
        as housing_market_region,
    m.valid_from
from muni_all m
left join (select upper(trim(gemeentecode)) as code, min(upper(trim(corop_code))) as corop_code,
                  min(trim(corop_naam)) as corop_name
           from ref_corop group by 1) c on c.code = m.code
left join hmr on hmr.code = m.code
where m.year = (select year from latest)
  and (m.valid_to is null or m.valid_to > (select d from ref_date));

create table muni_map as
with recursive successors as (
    select old_code, min(new_code) as new_code from mergers
    where is_primary and old_code <> new_code group by old_code
),
known as (select code from muni_all union select old_code from mergers union select new_code from mergers),
chain(reported, current, n) as (
    select code, code, 0 from known
    union all
    select chain.reported, s.new_code, chain.n + 1
    from chain join successors s on chain.current = s.old_code
    where chain.n < 25
)
select c.reported, d.municipality_code
from (select reported, arg_max(current, n) as final from chain group by reported) c
left join dim_municipality d on d.municipality_code = c.final;

create table areas as
select municipality_code, 'municipality' as area_level, municipality_code as area_code, municipality_name as area_name
from dim_municipality
union all select municipality_code, 'corop_region', corop_code, corop_name from dim_municipality where corop_code is not null
union all select municipality_code, 'province', province_code, province_name from dim_municipality where province_code is not null
union all select municipality_code, 'housing_market_region', housing_market_region, housing_market_region
    from dim_municipality where housing_market_region is not null
union all select municipality_code, 'national', 'NL', 'Nederland' from dim_municipality;

create table corporations as
select upper(trim(corporatie)) as corporation_id, trim(naam) as corporation_name,
    upper(nullif(trim(vestigingsgemeente), '')) as seat_municipality_code,
    try_cast(nullif(trim(opgeheven_per), '') as date) as dissolved_on,
    upper(nullif(trim(opgegaan_in), '')) as merged_into
from ref_corporaties
qualify row_number() over (partition by upper(trim(corporatie)) order by rowid) = 1;

create table corp_map as
with recursive chain(corporation_id, current, n) as (
    select corporation_id, corporation_id, 0 from corporations
    union all
    select chain.corporation_id, c.merged_into, chain.n + 1
    from chain join corporations c on chain.current = c.corporation_id
    where c.merged_into is not null and c.merged_into <> c.corporation_id and chain.n < 25
)
select corporation_id, arg_max(current, n) as successor from chain group by corporation_id;

create table indicators as
select indicator_code, label_nl, unit, commitments,
    from_register::boolean as from_register, from_agreements::boolean as from_agreements,
    nullif(trim(derived_from), '') as derived_from, sort_order::integer as sort_order
from ref_indicators;

-- register ------------------------------------------------------------------------------------
create table units as
select
    r.snapshot_date,
    coalesce(cm.successor, upper(trim(r.corporatie))) as corporation_id,
    trim(r.vhe_nummer) as vhe_nummer,
    nullif(trim(r.bag_vbo_id), '') as bag_vbo_id,
    mm.municipality_code,
    try_cast(trim(r.bouwjaar) as integer) as bouwjaar,
    nullif(upper(trim(r.energielabel)), '') as label,
    try_cast(trim(r.conditiescore) as integer) as cond,
    nullif(lower(trim(r.verwarming)), '') as heating,
    case lower(trim(r.zonnepanelen)) when 'ja' then true when 'nee' then false end as solar,
    case lower(trim(r.geclusterd_ouderen)) when 'ja' then true when 'nee' then false end as elderly,
    case lower(trim(r.flexwoning)) when 'ja' then true when 'nee' then false end as flex
from register_raw r
left join muni_map mm on mm.reported = upper(trim(r.gemeentecode))
left join corp_map cm on cm.corporation_id = upper(trim(r.corporatie));

create table snapshots as
select snapshot_date, year(snapshot_date) as snapshot_year,
    lag(snapshot_date) over (order by snapshot_date) as previous_snapshot_date,
    snapshot_date = max(snapshot_date) over () as is_latest
from (select distinct snapshot_date from units);

create table stock as
select snapshot_date, municipality_code, corporation_id,
    count(*) as n_dwellings,
    count_if(label in ('E', 'F', 'G')) as n_label_efg,
    count_if(label is null) as n_label_missing,
    count_if(cond in (5, 6)) as n_condition_56,
    count_if(heating = 'gasketel') as n_gas_boiler,
    count_if(heating in ('warmtepomp', 'hybride')) as n_heat_pump,
    count_if(solar) as n_solar_panels,
    count_if(elderly) as n_clustered_elderly,
    count_if(flex) as n_flex
from units group by all;

create table stock_by_area as
select s.snapshot_date, a.area_level, a.area_code, a.area_name,
    sum(n_dwellings)::bigint as n_dwellings, sum(n_label_efg)::bigint as n_label_efg,
    sum(n_label_missing)::bigint as n_label_missing,
    sum(n_label_efg) / sum(n_dwellings) as share_label_efg,
    sum(n_condition_56)::bigint as n_condition_56, sum(n_gas_boiler)::bigint as n_gas_boiler,
    sum(n_heat_pump)::bigint as n_heat_pump, sum(n_solar_panels)::bigint as n_solar_panels,
    sum(n_clustered_elderly)::bigint as n_clustered_elderly, sum(n_flex)::bigint as n_flex
from stock s join areas a on a.municipality_code = s.municipality_code
group by all;

-- realisation: dwelling identity across consecutive snapshots -------------------------------
create table pairs as
select previous_snapshot_date as from_snapshot, snapshot_date as to_snapshot, snapshot_year as year,
    year(previous_snapshot_date) as from_year
from snapshots where previous_snapshot_date is not null;

-- a corporation (after merger mapping) is compared when it has a file in both snapshots
create table compared as
select p.to_snapshot, a.corporation_id
from pairs p
join (select distinct snapshot_date, corporation_id from units) a on a.snapshot_date = p.from_snapshot
join (select distinct snapshot_date, corporation_id from units) b
    on b.snapshot_date = p.to_snapshot and b.corporation_id = a.corporation_id;

-- identity 1: bag_vbo_id where both snapshots have one (duplicates, normally none, paired in order)
create table match_bag as
with ranked as (
    select rowid as uid, snapshot_date, bag_vbo_id,
        row_number() over (partition by snapshot_date, bag_vbo_id order by corporation_id, vhe_nummer, rowid) as rk
    from units where bag_vbo_id is not null
)
select p.to_snapshot, f.uid as from_uid, t.uid as to_uid
from pairs p
join ranked f on f.snapshot_date = p.from_snapshot
join ranked t on t.snapshot_date = p.to_snapshot and t.bag_vbo_id = f.bag_vbo_id and t.rk = f.rk;

-- identity 2: the rest on (corporation after mergers, vhe_nummer), where one of the two has no bag_vbo_id
create table match_unit as
with from_rest as (
    select p.to_snapshot, u.rowid as uid, u.corporation_id, u.vhe_nummer, u.bag_vbo_id
    from pairs p join units u on u.snapshot_date = p.from_snapshot
    anti join match_bag m on m.to_snapshot = p.to_snapshot and m.from_uid = u.rowid
),
to_rest as (
    select p.to_snapshot, u.rowid as uid, u.corporation_id, u.vhe_nummer, u.bag_vbo_id
    from pairs p join units u on u.snapshot_date = p.to_snapshot
    anti join match_bag m on m.to_snapshot = p.to_snapshot and m.to_uid = u.rowid
),
f as (select *, row_number() over (partition by to_snapshot, corporation_id, vhe_nummer order by uid) as rk
      from from_rest),
t as (select *, row_number() over (partition by to_snapshot, corporation_id, vhe_nummer order by uid) as rk
      from to_rest)
select f.to_snapshot, f.uid as from_uid, t.uid as to_uid
from f join t on f.to_snapshot = t.to_snapshot and f.corporation_id = t.corporation_id
    and f.vhe_nummer = t.vhe_nummer and f.rk = t.rk
where f.bag_vbo_id is null or t.bag_vbo_id is null;

create table matches as select * from match_bag union all select * from match_unit;

create table realised_municipality as
with kept as (
    select m.to_snapshot, t.municipality_code, t.corporation_id,
        count_if(f.label in ('E', 'F', 'G') and t.label in ('A++++', 'A+++', 'A++', 'A+', 'A', 'B', 'C', 'D')) as verbetering_efg,
        count_if(f.cond in (5, 6) and t.cond between 1 and 4) as herstel_conditie_56,
        count_if(f.heating = 'gasketel' and t.heating in ('warmtepomp', 'hybride')) as warmtepompen,
        count_if(f.solar = false and t.solar = true) as zonnepanelen,
        count_if(f.elderly = false and t.elderly = true) as ouderenwoningen_geclusterd,
        0 as nieuwbouw, 0 as toevoeging_bestaand, 0 as flexwoningen
    from matches m
    join units f on f.rowid = m.from_uid
    join units t on t.rowid = m.to_uid
    semi join compared cf on cf.to_snapshot = m.to_snapshot and cf.corporation_id = f.corporation_id
    semi join compared ct on ct.to_snapshot = m.to_snapshot and ct.corporation_id = t.corporation_id
    group by all
),
new as (
    select p.to_snapshot, u.municipality_code, u.corporation_id,
        0 as verbetering_efg, 0 as herstel_conditie_56, 0 as warmtepompen, 0 as zonnepanelen,
        count_if(u.elderly = true) as ouderenwoningen_geclusterd,
        count_if(u.bouwjaar > p.from_year) as nieuwbouw,
        count_if(u.bouwjaar <= p.from_year) as toevoeging_bestaand,
        count_if(u.flex = true) as flexwoningen
    from pairs p
    join units u on u.snapshot_date = p.to_snapshot
    semi join compared c on c.to_snapshot = p.to_snapshot and c.corporation_id = u.corporation_id
    anti join matches m on m.to_snapshot = p.to_snapshot and m.to_uid = u.rowid
    group by all
),
later as (
    unpivot (
        select to_snapshot, municipality_code, corporation_id,
            sum(nieuwbouw) as nieuwbouw, sum(toevoeging_bestaand) as toevoeging_bestaand,
            sum(verbetering_efg) as verbetering_efg, sum(herstel_conditie_56) as herstel_conditie_56,
            sum(warmtepompen) as warmtepompen, sum(zonnepanelen) as zonnepanelen,
            sum(ouderenwoningen_geclusterd) as ouderenwoningen_geclusterd, sum(flexwoningen) as flexwoningen
        from (select * from kept union all by name select * from new)
        group by all
    )
    on nieuwbouw, toevoeging_bestaand, verbetering_efg, herstel_conditie_56, warmtepompen,
        zonnepanelen, ouderenwoningen_geclusterd, flexwoningen
    into name indicator_code value realised_value
),
gone as (
    select p.to_snapshot, u.municipality_code, u.corporation_id, 'uitstroom' as indicator_code,
        count(*) as realised_value
    from pairs p
    join units u on u.snapshot_date = p.from_snapshot
    semi join compared c on c.to_snapshot = p.to_snapshot and c.corporation_id = u.corporation_id
    anti join matches m on m.to_snapshot = p.to_snapshot and m.from_uid = u.rowid
    group by all
)
select p.from_snapshot, p.to_snapshot, p.year, r.municipality_code, r.corporation_id, r.indicator_code,
    r.realised_value::bigint as realised_value
from (select * from later union all by name select * from gone) r
join pairs p on p.to_snapshot = r.to_snapshot
where r.realised_value > 0;

create table realisation_by_area as
with by_area as (
    select r.from_snapshot, r.to_snapshot, r.year, a.area_level, a.area_code, a.area_name,
        r.indicator_code, sum(r.realised_value) as realised_value
    from realised_municipality r join areas a on a.municipality_code = r.municipality_code
    group by all
),
national_always as (
    select p.from_snapshot, p.to_snapshot, p.year, 'national', 'NL', 'Nederland', i.indicator_code, 0
    from pairs p cross join indicators i where i.from_register
)
select from_snapshot, to_snapshot, year::integer as year, area_level, area_code, area_name,
    indicator_code, sum(realised_value)::bigint as realised_value
from (select * from by_area union all select * from national_always)
group by all;

"""

SQL_AGREEMENTS = r"""
-- agreements ----------------------------------------------------------------------------------
create table workbooks_mapped as
select w.*, mm.municipality_code
from workbooks w left join muni_map mm on mm.reported = w.gemeentecode;

create table counting as
select source_file, municipality_code, status, signed_on, versie, parties
from workbooks_mapped where status = 'ondertekend'
qualify row_number() over (partition by gemeentecode
                           order by versie desc nulls last, signed_on desc nulls last, source_file desc) = 1;

create table fct_commitments as
with summed as (
    select r.source_file, r.corporatie, r.jaar, r.indicator, sum(r.waarde::decimal(38, 6)) as value
    from workbook_rows r
    join indicators i on i.indicator_code = r.indicator and i.from_agreements
    where r.corporatie is not null and r.jaar is not null and r.waarde is not null
    group by all
)
select c.municipality_code, coalesce(cm.successor, s.corporatie) as corporation_id,
    s.jaar::integer as year, s.indicator as indicator_code, sum(s.value)::double as value,
    min(c.status) as status, max(c.signed_on) as signed_on, max(c.versie)::integer as agreement_version,
    string_agg(distinct c.source_file, ', ' order by c.source_file) as source_file
from summed s
join counting c on c.source_file = s.source_file
left join corp_map cm on cm.corporation_id = s.corporatie
group by c.municipality_code, coalesce(cm.successor, s.corporatie), s.jaar, s.indicator;

create table commitments_by_area as
with parts as (
    select indicator_code as derived, trim(unnest(string_split(derived_from, ','))) as part
    from indicators where derived_from is not null
),
derived as (
    select f.municipality_code, f.corporation_id, f.year, p.derived as indicator_code,
        sum(f.value::decimal(38, 6))::double as value
    from fct_commitments f join parts p on p.part = f.indicator_code
    group by all
),
all_rows as (
    select municipality_code, corporation_id, year, indicator_code, value from fct_commitments
    union all select * from derived
)
select a.area_level, a.area_code, a.area_name, c.year, c.indicator_code,
    sum(c.value::decimal(38, 6))::double as committed_value,
    count(distinct c.municipality_code) as n_municipalities,
    count(distinct c.corporation_id) as n_corporations
from all_rows c join areas a on a.municipality_code = c.municipality_code
group by all;

create table agreement_coverage as
with latest_stock as (
    select municipality_code, count(distinct corporation_id) filter (where n_dwellings > 0) as n_with_stock,
        sum(n_dwellings) as n_dwellings
    from stock where snapshot_date = (select snapshot_date from snapshots where is_latest)
    group by all
),
signed as (
    select c.municipality_code, count(distinct coalesce(cm.successor, p.party)) as n_signed
    from (select municipality_code, unnest(parties) as party from counting) p
    join (select distinct municipality_code from counting) c using (municipality_code)
    left join corp_map cm on cm.corporation_id = p.party
    group by all
),
counting_by_municipality as (
    select municipality_code, max(signed_on) as signed_on from counting group by all
),
latest_workbook as (
    select municipality_code, status from workbooks_mapped
    qualify row_number() over (partition by municipality_code
                               order by signed_on desc nulls last, versie desc nulls last, source_file desc) = 1
)
select d.municipality_code, d.municipality_name, d.corop_name, d.province_name,
    coalesce(ls.n_with_stock, 0)::bigint as n_corporations_with_stock,
    coalesce(s.n_signed, 0)::bigint as n_corporations_signed,
    cb.municipality_code is not null as has_signed_agreement,
    lw.status as latest_status,
    cb.signed_on
from dim_municipality d
left join latest_stock ls using (municipality_code)
left join signed s using (municipality_code)
left join counting_by_municipality cb using (municipality_code)
left join latest_workbook lw using (municipality_code);

create table dim_corporation as
select corporation_id, corporation_name, seat_municipality_code, dissolved_on, merged_into from corporations;

create table dim_indicator as
select indicator_code, label_nl, unit, commitments, from_register, from_agreements, derived_from, sort_order
from indicators;

-- targets and progress --------------------------------------------------------------------------
create table national_targets as
with extra as (
    select t.* from (
        select trim(target_code) as target_code, trim(description_nl) as description_nl,
            lower(trim(indicator_code)) as indicator_code, lower(trim(kind)) as kind,
            try_cast(trim(year_from) as integer) as year_from,
            try_cast(nullif(trim(year_to), '') as integer) as year_to,
            case when regexp_full_match(regexp_replace(target_value, '[\s\x{00A0}\x{202F}€]', '', 'g'),
                                        '[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?')
                then replace(replace(regexp_replace(target_value, '[\s\x{00A0}\x{202F}€]', '', 'g'), '.', ''), ',', '.')::double
            end as target_value,
            nullif(trim(unit), '') as unit, trim(source) as source, file_order
        from ref_targets
    ) t
    join indicators i on i.indicator_code = t.indicator_code
    where t.target_code is not null and t.kind in ('flow', 'stock') and t.year_from is not null
      and t.target_value is not null and (t.year_to is null or t.year_from <= t.year_to)
      and t.target_code not in (select target_code from ref_targets_shipped)
    qualify row_number() over (partition by t.target_code order by file_order) = 1
)
select target_code, description_nl, indicator_code, kind, year_from::integer as year_from,
    year_to::integer as year_to, target_value::double as target_value, unit, source
from ref_targets_shipped
union all
select e.target_code, e.description_nl, e.indicator_code, e.kind, e.year_from, e.year_to, e.target_value,
    coalesce(e.unit, i.unit), e.source
from extra e join indicators i using (indicator_code);

create table progress_national as
with commitments as (select year, indicator_code, committed_value from commitments_by_area where area_level = 'national'),
realisation as (
    select year, indicator_code, sum(realised_value) as realised_value
    from realisation_by_area where area_level = 'national' group by all
),
realisation_years as (select distinct year from realisation),
latest as (select snapshot_date, snapshot_year from snapshots where is_latest),
latest_stock as (
    select 'verbetering_efg' as indicator_code, n_label_efg as stock_value from stock_by_area
    where area_level = 'national' and snapshot_date = (select snapshot_date from latest)
    union all
    select 'herstel_conditie_56', n_condition_56 from stock_by_area
    where area_level = 'national' and snapshot_date = (select snapshot_date from latest)
),
windows as (
    select t.*,
        case when t.kind = 'stock' and l.snapshot_year is not null then l.snapshot_year + 1 else t.year_from end as first_year,
        coalesce(t.year_to, 9999) as last_year
    from national_targets t left join latest l on true
),
committed as (
    select w.target_code, coalesce(sum(c.committed_value::decimal(38, 6))::double, 0) as committed_value
    from windows w left join commitments c
        on c.indicator_code = w.indicator_code and c.year between w.first_year and w.last_year
    group by all
),
realised as (
    select w.target_code, count(ry.year) > 0 as has_year, coalesce(sum(r.realised_value), 0) as realised_value
    from windows w
    left join realisation_years ry on ry.year between w.year_from and w.last_year
    left join realisation r on r.year = ry.year and r.indicator_code = w.indicator_code
    group by all
),
joined as (
    select w.target_code, w.indicator_code, w.kind, w.year_from, w.year_to, w.target_value,
        c.committed_value,
        case when w.kind = 'flow' and i.from_register and r.has_year then r.realised_value end as realised_value,
        case when w.kind = 'stock' then ls.stock_value - c.committed_value end as projected_value
    from windows w
    join committed c using (target_code)
    join realised r using (target_code)
    left join indicators i on i.indicator_code = w.indicator_code
    left join latest_stock ls on ls.indicator_code = w.indicator_code
)
select target_code, kind, year_from, year_to, target_value, committed_value::double as committed_value,
    realised_value::double as realised_value, projected_value::double as projected_value,
    (case when kind = 'flow' then committed_value - target_value else projected_value - target_value end)::double as gap,
    case when kind = 'flow' then committed_value - target_value >= 0 else projected_value - target_value <= 0 end as on_track,
    indicator_code
from joined;

create table progress_by_area as
with realisation_years as (select distinct year from realisation_by_area),
realised as (
    select r.area_level, r.area_code, r.area_name, r.year, r.indicator_code, sum(r.realised_value) as realised_value
    from realisation_by_area r join indicators i using (indicator_code)
    where i.from_agreements group by all
),
keys as (
    select area_level, area_code, area_name, year, indicator_code from commitments_by_area
    union select area_level, area_code, area_name, year, indicator_code from realised
)
select k.area_level, k.area_code, k.area_name, k.year::integer as year, k.indicator_code,
    coalesce(c.committed_value, 0)::double as committed_value,
    (case when i.from_register and ry.year is not null then coalesce(r.realised_value, 0) end)::double as realised_value,
    case when coalesce(c.committed_value, 0) <> 0 and i.from_register and ry.year is not null
        then coalesce(r.realised_value, 0) / c.committed_value end as realisation_share
from keys k
join indicators i using (indicator_code)
left join commitments_by_area c using (area_level, area_code, year, indicator_code)
left join realised r using (area_level, area_code, year, indicator_code)
left join realisation_years ry on ry.year = k.year;

create table stock_trajectory as
with latest as (select snapshot_date, snapshot_year from snapshots where is_latest),
stock_values as (
    select area_level, area_code, area_name, 'verbetering_efg' as indicator_code, n_label_efg as stock_value
    from stock_by_area where snapshot_date = (select snapshot_date from latest)
    union all
    select area_level, area_code, area_name, 'herstel_conditie_56', n_condition_56
    from stock_by_area where snapshot_date = (select snapshot_date from latest)
),
targets as (select * from national_targets where kind = 'stock'),
years as (
    select t.target_code, t.indicator_code, l.snapshot_year + 1 as first_year,
        unnest(generate_series(l.snapshot_year + 1, t.year_to)) as year
    from targets t cross join latest l
    where t.indicator_code in ('verbetering_efg', 'herstel_conditie_56') and t.year_to is not null
),
target_areas as (
    select distinct t.target_code, s.area_level, s.area_code, s.area_name
    from targets t join stock_values s using (indicator_code)
    union
    select distinct t.target_code, c.area_level, c.area_code, c.area_name
    from targets t cross join latest l
    join commitments_by_area c on c.indicator_code = t.indicator_code
        and c.year > l.snapshot_year and c.year <= t.year_to
)
select ta.area_level, ta.area_code, ta.area_name, y.target_code, y.year::integer as year,
    (coalesce(max(s.stock_value), 0) - coalesce(sum(c.committed_value::decimal(38, 6))::double, 0))::double
        as projected_stock
from years y
join target_areas ta on ta.target_code = y.target_code
left join stock_values s on s.indicator_code = y.indicator_code and s.area_level = ta.area_level
    and s.area_code = ta.area_code
left join commitments_by_area c on c.indicator_code = y.indicator_code and c.area_level = ta.area_level
    and c.area_code = ta.area_code and c.year between y.first_year and y.year
group by all;
"""

SQL = SQL_REGISTER + SQL_AGREEMENTS

MARTS = ("dim_municipality", "dim_corporation", "dim_indicator", "national_targets", "fct_commitments", "commitments_by_area",
         "stock_by_area", "realisation_by_area", "progress_by_area", "progress_national",
         "stock_trajectory", "agreement_coverage")


def read_reference_csv(con, name: str, path: Path | None, columns: list[str]) -> None:
    if path is None:
        cols = ", ".join(f"cast(null as varchar) as {c}" for c in columns)
        con.execute(f"create table {name} as select {cols} where false")
        return
    delim = sniff_delimiter(path)
    con.execute(
        f"create table {name} as select * from read_csv('{path}', delim='{delim}', header=true, "
        f"all_varchar=true, quote='\"', escape='\"')"
    )


def execute_script(con, script: str, profile: bool = False) -> None:
    for statement in script.split(";\n"):
        if not statement.strip():
            continue
        started = time.perf_counter()
        con.execute(statement).fetchall()
        if profile:
            name = re.search(r"create (?:table|view) (\w+)", statement)
            print(f"  {name[1] if name else '?':28s} {time.perf_counter() - started:6.2f} s", file=sys.stderr)


def run(raw: Path, out: Path, reference_dir: Path | None, jobs: int = 2, register_reader: str = "duckdb",
        pool=None, profile: bool = False) -> dict:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    raw = raw.resolve()
    workbook_items = sorted(
        (str(p), str(p.relative_to(raw))) for p in (raw / "agreements").glob("*")
        if p.is_file() and p.suffix.lower() == ".xlsx"
    ) if (raw / "agreements").is_dir() else []

    futures = []
    if pool is not None and workbook_items:
        chunks = [workbook_items[i::jobs] for i in range(jobs)]
        futures = [pool.apply_async(read_workbooks, (chunk,)) for chunk in chunks if chunk]

    import duckdb

    refs = find_reference(raw, reference_dir)
    tmp = Path(tempfile.mkdtemp(prefix="npa-floor-"))
    try:
        con = duckdb.connect()
        # no automatic checkpoints: in an in-memory database they compress the big tables for nothing
        con.execute("set checkpoint_threshold = '1TB'")
        read_reference_csv(con, "ref_municipalities", refs.get("municipalities.csv"), [])
        read_reference_csv(con, "ref_mergers", refs.get("municipal_mergers.csv"), [])
        read_reference_csv(con, "ref_corop", refs.get("corop_regions.csv"), [])
        read_reference_csv(con, "ref_corporaties", refs.get("corporaties.csv"), [])
        read_reference_csv(con, "ref_woningmarktregios", refs.get("woningmarktregios.csv"),
                           ["gemeentecode", "woningmarktregio"])
        read_reference_csv(con, "ref_indicators", SEEDS / "indicators.csv", [])
        con.execute(
            "create table ref_targets_shipped as select target_code, description_nl, indicator_code, kind, "
            "try_cast(year_from as integer) as year_from, try_cast(nullif(year_to, '') as integer) as year_to, "
            "target_value::double as target_value, unit, source from read_csv("
            f"'{SEEDS / 'national_targets_shipped.csv'}', header=true, all_varchar=true)"
        )
        target_files = sorted((raw / "targets").glob("*.csv")) if (raw / "targets").is_dir() else []
        con.execute("create table ref_targets (target_code varchar, description_nl varchar, indicator_code varchar, "
                    "kind varchar, year_from varchar, year_to varchar, target_value varchar, unit varchar, "
                    "source varchar, file_order bigint)")
        for k, path in enumerate(target_files):
            delim = sniff_delimiter(path)
            con.execute(
                "insert into ref_targets by name select * exclude (source_row), "
                f"{k} * 1000000000 + source_row as file_order from (select *, row_number() over () as source_row "
                f"from read_csv('{path}', delim='{delim}', header=true, all_varchar=true, quote='\"', "
                "escape='\"', union_by_name=true))"
            )
        timings["reference"] = time.perf_counter() - started

        t = time.perf_counter()
        loader = load_register_polars if register_reader == "polars" else load_register_duckdb
        register_info = loader(con, raw, tmp)
        timings["register"] = time.perf_counter() - t

        t = time.perf_counter()
        execute_script(con, SQL_REGISTER, profile)
        timings["sql_register"] = time.perf_counter() - t
        t = time.perf_counter()
        if futures:
            metas, rows = [], []
            for future in futures:
                m, r = future.get()
                metas.extend(m)
                rows.extend(r)
        else:
            metas, rows = read_workbooks(workbook_items)
        timings["workbooks_wait" if futures else "workbooks"] = time.perf_counter() - t
        create_table(con, "workbooks", [m[:3] + (m[3].isoformat(),) + m[4:] for m in metas], {
            "source_file": "varchar", "gemeentecode": "varchar", "status": "varchar", "signed_on": "date",
            "versie": "bigint", "looptijd_van": "bigint", "looptijd_tot": "bigint", "parties": "varchar[]"})
        create_table(con, "workbook_rows", rows, {
            "source_file": "varchar", "corporatie": "varchar", "jaar": "bigint", "indicator": "varchar",
            "waarde": "double"})

        t = time.perf_counter()
        execute_script(con, SQL_AGREEMENTS, profile)
        timings["sql_agreements"] = time.perf_counter() - t

        t = time.perf_counter()
        out.mkdir(parents=True, exist_ok=True)
        target = out / "warehouse.duckdb"
        target.unlink(missing_ok=True)
        (out / "parquet").mkdir(exist_ok=True)
        con.execute(f"attach '{target}' as published; create schema published.marts")
        for name in MARTS:
            con.execute(f"create table published.marts.{name} as select * from {name}")
            con.execute(f"copy {name} to '{out / 'parquet' / (name + '.parquet')}' (format parquet)")
        con.execute("detach published")
        timings["publish"] = time.perf_counter() - t
        summary = national_summary(con)
        con.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    timings["total"] = time.perf_counter() - started
    return {"timings": {k: round(v, 3) for k, v in timings.items()}, "register": {
        k: v if not isinstance(v, list) else len(v) for k, v in register_info.items()},
        "workbooks": len(metas), "workbook_rows": len(rows), "national": summary}


def national_summary(con) -> dict:
    """The national figures the test compares across contenders."""
    stock = con.execute("select strftime(snapshot_date, '%Y-%m-%d'), n_dwellings, n_label_efg, n_condition_56 "
                        "from stock_by_area where area_level = 'national' order by 1").fetchall()
    commit = con.execute("select indicator_code, sum(committed_value) from commitments_by_area "
                         "where area_level = 'national' group by 1 order by 1").fetchall()
    real = con.execute("select indicator_code, sum(realised_value) from realisation_by_area "
                       "where area_level = 'national' group by 1 order by 1").fetchall()
    cov = con.execute("select count_if(has_signed_agreement), count(*) from agreement_coverage").fetchall()[0]
    return {
        "stock": {d: {"n_dwellings": n, "n_label_efg": e, "n_condition_56": c} for d, n, e, c in stock},
        "committed": {k: round(float(v), 2) for k, v in commit},
        "realised": {k: int(v) for k, v in real},
        "municipalities_signed": cov[0], "municipalities": cov[1],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("raw", type=Path, help="the raw folder (register/, agreements/, targets/, reference/)")
    parser.add_argument("out", type=Path, help="where to write warehouse.duckdb and parquet/")
    parser.add_argument("--reference", type=Path, default=None,
                        help="reference files not in RAW/reference (default: $NPA_REFERENCE_DIR)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the workbooks (0: none)")
    parser.add_argument("--register-reader", choices=["duckdb", "polars"], default="duckdb")
    parser.add_argument("--profile", action="store_true", help="time every SQL statement (stderr)")
    args = parser.parse_args(argv)
    reference = args.reference or (Path(os.environ["NPA_REFERENCE_DIR"]) if os.environ.get("NPA_REFERENCE_DIR") else None)
    pool = None
    if args.jobs > 0:
        import multiprocessing

        # forked before duckdb starts threads in this process
        pool = multiprocessing.get_context("fork").Pool(args.jobs)
    try:
        result = run(args.raw, args.out, reference, jobs=max(args.jobs, 1), register_reader=args.register_reader,
                     pool=pool, profile=args.profile)
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    print(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
