"""Reference files in `<raw>/reference/` -> raw.ref_* tables.

Copying them there (from `$NPA_REFERENCE_DIR` or CBS) is pipelines.reference_staging's job; this
module only reads what is there. Separator and encoding are detected as for every CSV input;
values are plain machine CSV (ISO dates, decimal point, `true`/`false`). A required file that is
absent stops the run before anything changes; a required file that is rejected (F1/F2) is logged
and then stops the run too: without it no figure can be placed. The optional
`woningmarktregios.csv` may be absent or rejected (its table is then empty).
"""

from __future__ import annotations

from pathlib import PurePosixPath

from pipelines.config import DataPaths
from pipelines.ingest.csv_tables import TableCsvLoader, TableSpec
from pipelines.ingest.files import KIND_REFERENCE, SourceFile, list_files
from pipelines.ingest.load_log import KindResult, sync_files

SPECS: dict[str, TableSpec] = {
    "municipalities.csv": TableSpec(
        "raw.ref_municipalities",
        {
            "year": "int",
            "gemeentecode": "upper",
            "gemeentecode_cbs": "text",
            "gemeentenaam": "text",
            "provinciecode": "upper",
            "provincienaam": "text",
            "valid_from": "date",
            "valid_to": "date",
        },
        required=("year", "gemeentecode", "gemeentenaam", "provinciecode", "provincienaam", "valid_from", "valid_to"),
    ),
    "municipal_mergers.csv": TableSpec(
        "raw.ref_municipal_mergers",
        {
            "effective_date": "date",
            "old_gemeentecode": "upper",
            "old_gemeentenaam": "text",
            "old_provinciecode": "upper",
            "new_gemeentecode": "upper",
            "new_gemeentenaam": "text",
            "new_provinciecode": "upper",
            "new_code_is_new_municipality": "bool",
            "addresses_moved": "bigint",
            "old_addresses_total": "bigint",
            "share_of_old_addresses": "double",
            "is_primary_successor": "bool",
        },
        required=("effective_date", "old_gemeentecode", "new_gemeentecode", "is_primary_successor"),
    ),
    "corop_regions.csv": TableSpec(
        "raw.ref_corop_regions",
        {
            "gemeentecode": "upper",
            "gemeentenaam": "text",
            "provinciecode": "upper",
            "provincienaam": "text",
            "corop_code": "upper",
            "corop_naam": "text",
            "municipality_set": "text",
        },
        required=("gemeentecode", "corop_code", "corop_naam"),
    ),
    "woningmarktregios.csv": TableSpec(
        "raw.ref_woningmarktregios",
        {"gemeentecode": "upper", "woningmarktregio": "text"},
        required=("gemeentecode", "woningmarktregio"),
    ),
    "corporaties.csv": TableSpec(
        "raw.ref_corporaties",
        {
            "corporatie": "upper",
            "naam": "text",
            "vestigingsgemeente": "upper",
            "opgeheven_per": "date",
            "opgegaan_in": "upper",
        },
        required=("corporatie", "naam", "vestigingsgemeente", "opgeheven_per", "opgegaan_in"),
    ),
}
REQUIRED = ("municipalities.csv", "municipal_mergers.csv", "corop_regions.csv", "corporaties.csv")
OPTIONAL = ("woningmarktregios.csv",)


class ReferenceFileRejected(RuntimeError):
    """A required reference file is there but cannot be used (its rejection is in raw.load_log)."""


def _spec_for(source: SourceFile) -> TableSpec:
    return SPECS[PurePosixPath(source.rel).name.lower()]


def reference_files(paths: DataPaths) -> list[SourceFile]:
    """The known reference files present (file names compared ignoring case); others are ignored."""
    chosen: dict[str, SourceFile] = {}
    for f in list_files(paths.reference, paths.raw, recursive=False):
        name = PurePosixPath(f.rel).name
        if name.lower() in SPECS and (name.lower() not in chosen or name == name.lower()):
            chosen[name.lower()] = f  # one file per table; the exact lower-case name wins
    return sorted(chosen.values(), key=lambda f: f.rel)


def _missing_error(names: list[str], paths: DataPaths) -> Exception:
    from pipelines.reference_staging import ReferenceDataMissing

    return ReferenceDataMissing(
        f"required reference file(s) missing: {', '.join(names)} in {paths.reference}. "
        "Put them there (municipalities, mergers and COROP regions as in the team's reference folder "
        "($NPA_REFERENCE_DIR), corporaties.csv with columns corporatie, naam, vestigingsgemeente, "
        "opgeheven_per, opgegaan_in) or run the reference staging first."
    )


def load_reference(con, paths: DataPaths, full_refresh: bool = False) -> KindResult:
    files = reference_files(paths)
    present = {PurePosixPath(f.rel).name.lower() for f in files}
    missing = [n for n in REQUIRED if n not in present]
    if missing:
        raise _missing_error(missing, paths)
    loader = TableCsvLoader(KIND_REFERENCE, SPECS, _spec_for)
    result = sync_files(con, loader, files, full_refresh=full_refresh)
    bad = [(p, e) for p, e in result.rejected() if PurePosixPath(p).name.lower() in REQUIRED]
    if bad:
        raise ReferenceFileRejected(
            "required reference file(s) rejected, the run cannot place any figure without them: "
            + " | ".join(error for _, error in bad)
        )
    return result

