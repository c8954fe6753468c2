"""The catalogue of checks (spec: checks.md): one entry per code, the single source for the asset
check names, the severities, where each check runs and the user documentation (docs/checks.md).

`runs_in`:
- `load`: raised by ingest while reading a file (raw.load_findings);
- `gx`: a Great Expectations suite over a raw table, part of `run_raw_checks`;
- `sql`: DuckDB SQL over the raw layer (cross-file and cross-source rules), part of `run_raw_checks`;
- `dbt`: a model in dbt_project/models/checks/ (as-of dependent and cross-snapshot checks).
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class CheckDef:
    code: str
    name: str  # short snake_case name; the Dagster asset check is `<code>_<name>`
    severity: str
    runs_in: tuple[str, ...]
    rule: str

    @property
    def check_name(self) -> str:
        return f"{self.code}_{self.name}"


_CHECKS = [
    # files (on load)
    CheckDef("F1", "file_unreadable", ERROR, ("load",), "file cannot be read"),
    CheckDef("F2", "required_missing_or_invalid", ERROR, ("load",),
             "required columns, sheets or metadata fields missing or invalid"),
    CheckDef("F3", "name_content_mismatch", ERROR, ("load",), "file name and content disagree"),
    CheckDef("F4", "extra_columns_ignored", WARNING, ("load",), "extra columns or sheets ignored"),
    CheckDef("F5", "duplicate_content", WARNING, ("load",), "same content delivered twice under another name"),
    # register
    CheckDef("R1", "value_not_parseable", ERROR, ("gx",), "value not parseable for its column type (or a required value missing)"),
    CheckDef("R2", "municipality_unknown", ERROR, ("sql",), "gemeentecode unknown"),
    CheckDef("R3", "municipality_merged", WARNING, ("dbt",), "gemeentecode of a merged municipality, mapped to its successor"),
    CheckDef("R4", "corporation_unknown", ERROR, ("sql",), "corporatie unknown"),
    CheckDef("R5", "code_outside_set", ERROR, ("gx",), "a coded value outside its set"),
    CheckDef("R6", "label_or_score_missing", WARNING, ("gx",), "no energy label registered, or no condition score measured"),
    CheckDef("R7", "unit_number_not_unique", ERROR, ("sql",), "vhe_nummer not unique within a corporation's snapshot"),
    CheckDef("R8", "dwelling_reported_twice", ERROR, ("sql",), "the same bag_vbo_id reported by two corporations on the same peildatum"),
    CheckDef("R9", "construction_year_implausible", WARNING, ("gx",), "bouwjaar before 1800 or after the snapshot year"),
    CheckDef("R10", "rent_implausible", WARNING, ("gx",), "kale_huur negative or above 5,000"),
    CheckDef("R11", "label_or_condition_worsened", WARNING, ("dbt",), "a label went from D-or-better to E/F/G, or a condition score got worse by 3 or more"),
    CheckDef("R12", "stock_jump", WARNING, ("dbt",), "a corporation's stock changed by more than 20% between snapshots"),
    CheckDef("R13", "register_file_missing", WARNING, ("dbt",), "a corporation has no accepted register file for one of two consecutive snapshots"),
    # agreements
    CheckDef("A1", "agreement_municipality_unknown", ERROR, ("gx",), "gemeentecode of a workbook unknown"),
    CheckDef("A2", "agreement_municipality_merged", WARNING, ("dbt",), "gemeentecode of a merged municipality, mapped to its successor"),
    CheckDef("A3", "agreement_corporation_invalid", ERROR, ("sql",), "a corporatie in Prestaties is unknown, or not a party in Afspraak"),
    CheckDef("A4", "agreement_value_invalid", ERROR, ("gx",), "indicator not in the list, or waarde negative or not a number"),
    CheckDef("A5", "year_outside_term", ERROR, ("gx",), "jaar outside looptijd_van..looptijd_tot"),
    CheckDef("A6", "same_version_signed_twice", WARNING, ("dbt",), "two signed workbooks with the same municipality and versie"),
    CheckDef("A7", "commitment_without_stock", WARNING, ("dbt",), "a corporation commits in a municipality where it owns no homes"),
    CheckDef("A8", "efg_overcommitted", ERROR, ("dbt",), "committed verbetering_efg exceeds the E/F/G homes owned"),
    CheckDef("A9", "condition_overcommitted", WARNING, ("dbt",), "committed herstel_conditie_56 exceeds the condition 5/6 homes owned"),
    CheckDef("A10", "no_signed_agreement", WARNING, ("dbt",), "a municipality with corporation homes has no signed agreement"),
    CheckDef("A11", "agreement_below_bid", WARNING, ("dbt",), "the signed agreement commits less than the corporation's latest bid"),
    CheckDef("A12", "merged_corporation_commitments", WARNING, ("dbt",), "commitments of a merged corporation counted for its successor"),
    CheckDef("A13", "duplicate_rows_summed", WARNING, ("load", "sql"), "two rows with the same corporation, year and indicator in one workbook, summed"),
    CheckDef("A14", "municipality_name_mismatch", WARNING, ("sql",), "gemeentenaam does not match the reference name of gemeentecode"),
    # national picture
    CheckDef("N1", "national_target_gap", WARNING, ("dbt",), "local contributions do not add up to a national target"),
    CheckDef("N2", "stock_target_off_track", WARNING, ("dbt",), "a stock target is not on track in an area"),
    CheckDef("N3", "rollup_inconsistent", ERROR, ("dbt",), "an area level does not add up to the level above it"),
    CheckDef("N4", "dwelling_area_mapping", ERROR, ("dbt",), "a register dwelling maps to no area, or to more than one"),
    # targets
    CheckDef("T1", "target_row_invalid", ERROR, ("gx", "sql"), "a targets row is invalid or redefines a shipped target_code"),
]

CHECKS: dict[str, CheckDef] = {c.code: c for c in _CHECKS}

#: the codes `run_raw_checks` decides (GX suites and SQL over the raw layer)
RAW_CHECK_CODES: tuple[str, ...] = tuple(
    c.code for c in _CHECKS if {"gx", "sql"} & set(c.runs_in)
)
#: the codes decided by the dbt models in dbt_project/models/checks/
DBT_CHECK_CODES: tuple[str, ...] = tuple(c.code for c in _CHECKS if "dbt" in c.runs_in)
