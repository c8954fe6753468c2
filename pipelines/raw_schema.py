"""The raw layer: the contract between ingest (writes), checks (read + write `checks`) and dbt (reads).

Lives in `DataPaths.raw_db`. Every row keeps `source_file` (path relative to the raw folder, with
forward slashes, e.g. `register/2022-12-31/L0123.csv`) and `source_row` (the row as a person finds
it: the line number in a CSV with the header on line 1, the row number Excel shows in a workbook,
the 1-based record number plus one in a Parquet file, so the first data row is 2 everywhere).

Each raw value is kept as written (`<column>_raw`, text, NULL only when the cell/field is absent)
beside its parsed value (`<column>`): NULL when empty *or* unparseable, so
`<column>_raw is not null and trim(<column>_raw) <> '' and <column> is null` is a parse failure.
The register is the exception, for its size (4.6 million rows nationally, each value twice): there
`<column>_raw` is NULL also where the text as written is exactly the value's own text
(`cast(<column> as varchar)`: `L0002` beside `L0002`, `1965` beside 1965), which is most of it.
Nothing is lost: `register_as_written()` gives the text back, and the checks read it that way.
Codes are parsed by trimming and normalising case (corporation, municipality, label, woningtype in
upper case; verwarming, yes/no, huursegment, status, indicator in lower case); whether a parsed code
is in its allowed set is decided by the checks, not by ingest.

Merged municipality and corporation codes are *not* mapped here; that happens in dbt.
"""

from __future__ import annotations

import duckdb


REGISTER_COLUMNS: dict[str, str] = {
    "peildatum": "DATE",
    "corporatie": "VARCHAR",
    "vhe_nummer": "VARCHAR",
    "bag_vbo_id": "VARCHAR",
    "gemeentecode": "VARCHAR",
    "postcode": "VARCHAR",
    "woningtype": "VARCHAR",
    "bouwjaar": "INTEGER",
    "energielabel": "VARCHAR",
    "conditiescore": "INTEGER",
    "verwarming": "VARCHAR",
    "zonnepanelen": "VARCHAR",
    "geclusterd_ouderen": "VARCHAR",
    "flexwoning": "VARCHAR",
    "huursegment": "VARCHAR",
    "kale_huur": "DOUBLE",
}
REGISTER_REQUIRED = [c for c in REGISTER_COLUMNS if c != "postcode"]

AGREEMENT_FIELDS: dict[str, str] = {
    "gemeentecode": "VARCHAR",
    "gemeentenaam": "VARCHAR",
    "status": "VARCHAR",
    "datum_ondertekening": "DATE",
    "looptijd_van": "INTEGER",
    "looptijd_tot": "INTEGER",
    "versie": "INTEGER",
    "corporaties": "VARCHAR[]",
    "huurdersorganisaties": "VARCHAR",
}

AGREEMENT_ROW_COLUMNS: dict[str, str] = {
    "corporatie": "VARCHAR",
    "jaar": "INTEGER",
    "indicator": "VARCHAR",
    "waarde": "DOUBLE",
    "toelichting": "VARCHAR",
}


# Register columns whose text as written is left out where it equals the value's text. Not kale_huur:
# its Dutch decimal comma (712,45) never equals the text of the number (712.45).
REGISTER_TEXT_IF_DIFFERENT = [c for c in REGISTER_COLUMNS if c != "kale_huur"]


def register_as_written(alias: str) -> str:
    """SQL for `select {alias}.* {register_as_written(alias)} from raw.register_units {alias}`: every
    `<column>_raw` as written, also where the raw layer leaves it out for being the value's text."""
    return "replace (" + ", ".join(
        f"coalesce({alias}.{c}_raw, cast({alias}.{c} as varchar)) as {c}_raw" for c in REGISTER_TEXT_IF_DIFFERENT
    ) + ")"


def _with_raw(columns: dict[str, str]) -> str:
    return ",\n    ".join(f"{c}_raw VARCHAR, {c} {t}" for c, t in columns.items())


DDL = f"""
create schema if not exists raw;
create schema if not exists checks;

-- One row per file ever seen; the state of the incremental load.
create table if not exists raw.load_log (
    file_path VARCHAR primary key,   -- relative to the raw folder
    sha256 VARCHAR,
    kind VARCHAR,                    -- register | agreement | target | reference
    rows_read BIGINT,
    status VARCHAR,                  -- loaded | rejected | unchanged | removed
    error VARCHAR,
    loaded_at TIMESTAMP              -- when this file's rows were last (re)loaded or rejected
);

-- Findings raised while reading files (F1-F5; A13 when summing duplicate rows is done at load).
-- Replaced per file when the file is parsed again, kept while it is unchanged, dropped when removed.
create table if not exists raw.load_findings (
    check_code VARCHAR, severity VARCHAR, entity VARCHAR, detail VARCHAR,
    source_file VARCHAR, source_row INTEGER
);

create table if not exists raw.register_units (
    source_file VARCHAR, source_row INTEGER,
    file_date DATE,                  -- from the folder name register/<peildatum>/
    file_corporation VARCHAR,        -- from the file name <corporatie>.csv, upper case
    {_with_raw(REGISTER_COLUMNS)}
);

-- One row per accepted workbook (a workbook whose metadata fails F2 is not here).
create table if not exists raw.agreement_workbooks (
    source_file VARCHAR, sha256 VARCHAR,
    {_with_raw(AGREEMENT_FIELDS)}
);

-- The Prestaties rows of accepted workbooks, totals rows and empty rows left out.
create table if not exists raw.agreement_rows (
    source_file VARCHAR, source_row INTEGER,
    {_with_raw(AGREEMENT_ROW_COLUMNS)}
);

create table if not exists raw.targets (
    source_file VARCHAR, source_row INTEGER,
    target_code VARCHAR, description_nl VARCHAR, indicator_code VARCHAR, kind VARCHAR,
    year_from_raw VARCHAR, year_from INTEGER, year_to_raw VARCHAR, year_to INTEGER,
    target_value_raw VARCHAR, target_value DOUBLE, unit VARCHAR, source VARCHAR
);

create table if not exists raw.ref_municipalities (
    source_file VARCHAR, source_row INTEGER,
    year INTEGER, gemeentecode VARCHAR, gemeentecode_cbs VARCHAR, gemeentenaam VARCHAR,
    provinciecode VARCHAR, provincienaam VARCHAR, valid_from DATE, valid_to DATE
);

create table if not exists raw.ref_municipal_mergers (
    source_file VARCHAR, source_row INTEGER,
    effective_date DATE, old_gemeentecode VARCHAR, old_gemeentenaam VARCHAR,
    old_provinciecode VARCHAR, new_gemeentecode VARCHAR, new_gemeentenaam VARCHAR,
    new_provinciecode VARCHAR, new_code_is_new_municipality BOOLEAN, addresses_moved BIGINT,
    old_addresses_total BIGINT, share_of_old_addresses DOUBLE, is_primary_successor BOOLEAN
);

create table if not exists raw.ref_corop_regions (
    source_file VARCHAR, source_row INTEGER,
    gemeentecode VARCHAR, gemeentenaam VARCHAR, provinciecode VARCHAR, provincienaam VARCHAR,
    corop_code VARCHAR, corop_naam VARCHAR, municipality_set VARCHAR
);

-- Optional file; empty table when not supplied.
create table if not exists raw.ref_woningmarktregios (
    source_file VARCHAR, source_row INTEGER,
    gemeentecode VARCHAR, woningmarktregio VARCHAR
);

create table if not exists raw.ref_corporaties (
    source_file VARCHAR, source_row INTEGER,
    corporatie VARCHAR, naam VARCHAR, vestigingsgemeente VARCHAR,
    opgeheven_per DATE, opgegaan_in VARCHAR
);

-- Results of the row- and file-level checks run over the raw layer before dbt (GX suites and SQL).
-- An `error` with source_row set keeps that row out of the marts; an `error` with source_row NULL
-- keeps the whole file out. dbt staging models filter on this table.
create table if not exists checks.findings (
    suite VARCHAR, check_code VARCHAR, severity VARCHAR, entity VARCHAR, detail VARCHAR,
    source_file VARCHAR, source_row INTEGER
);
"""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every raw-layer table that does not exist yet (idempotent)."""
    con.execute(DDL)
