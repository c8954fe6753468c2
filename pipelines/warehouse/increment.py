"""Whether a nightly dbt build may be incremental, and which register files it must redo.

The register models (int_register_units_mapped per file, int_dwellings_matched per corporation:
macros/register_increment.sql) are dbt incremental models. A build redoes only the register files
whose state differs from what the last complete build saw. A file's state is what decides its
rows in the marts: its content (sha256), its load status, and the rows and whole file its `error`
findings keep out (the gate of the staging models). Everything else that the register models read
is the basis: the checking and transforming code, the engines' versions, the reference data
(municipal and corporation mergers map every unit) and as_of. Any change of the basis, an as-of
build, or a last build that did not complete means a full rebuild (`dbt build --full-refresh`).

What the last complete build saw is kept beside the build database (`build.duckdb.increment.json`),
written just before its stamp (build_inputs.mark_built), and used only when the stamp is there: a
build that stopped half way never vouches for its tables, the next one starts from scratch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from pathlib import Path

from pipelines.warehouse.build_inputs import built_from, code_fingerprint

# Beyond this share of the register files changed, a full rebuild costs no more than replacing rows.
FULL_REBUILD_SHARE = 0.5


@dataclasses.dataclass
class BuildPlan:
    full: bool
    reason: str
    changed_files: list[str]
    basis: str
    files: dict[str, str]  # register file -> state, what this build sees

    def summary(self) -> str:
        if self.full:
            return f"full rebuild ({self.reason})"
        return f"incremental: {len(self.changed_files)} of {len(self.files)} register file(s) to redo"


# `loaded` (this run) and `unchanged` (an earlier run) both mean: accepted, these bytes
_ACCEPTED = "case when log.status in ('loaded', 'unchanged') then 'accepted' else log.status end"


def _state_path(build_db: Path) -> Path:
    return build_db.with_name(build_db.name + ".increment.json")


def register_file_states(raw_con) -> dict[str, str]:
    """register file -> digest of (sha256, status, the rows its error findings keep out)."""
    rows = raw_con.execute(
        """
        with errors as (
            select source_file, coalesce(source_row, -1) as source_row
            from checks.findings where lower(trim(severity)) = 'error'
            union
            select source_file, coalesce(source_row, -1)
            from raw.load_findings where lower(trim(severity)) = 'error'
        ),
        kept_out as (
            select source_file, md5(string_agg(cast(source_row as varchar), ',' order by source_row)) as rows_out
            from errors
            where source_file is not null
            group by source_file
        )
        select log.file_path, coalesce(log.sha256, '') || '|' || {ACCEPTED} || '|' || coalesce(kept_out.rows_out, '')
        from raw.load_log as log
        left join kept_out on kept_out.source_file = log.file_path
        where log.kind = 'register' and log.status <> 'removed'
        """.replace("{ACCEPTED}", _ACCEPTED)
    ).fetchall()
    return dict(rows)


def basis_fingerprint(raw_con, as_of: dt.date | None) -> str:
    """Everything besides the register files that the register models depend on: the code, as_of,
    the municipal reference files as a whole, and of corporaties.csv only what maps a corporation
    to its successor (int_corporations_mapped). A corporation added to corporaties.csv with its
    first register file is then an incremental build, as it changes no other corporation's units;
    any change to a merger is a full one."""
    reference = raw_con.execute(
        """
        select log.file_path, coalesce(log.sha256, ''), {ACCEPTED}
        from raw.load_log as log
        where log.kind = 'reference' and log.status <> 'removed'
          and lower(log.file_path) not like '%/corporaties.csv'
        order by log.file_path
        """.replace("{ACCEPTED}", _ACCEPTED)
    ).fetchall()
    reference_errors = raw_con.execute(
        """
        select source_file, source_row, check_code
        from checks.findings
        where lower(trim(severity)) = 'error' and source_file like 'reference/%'
        union
        select source_file, source_row, check_code
        from raw.load_findings
        where lower(trim(severity)) = 'error' and source_file like 'reference/%'
        order by all
        """
    ).fetchall()
    # the rows that decide a successor: a merger, or a corporation listed twice (the first row wins)
    mergers = raw_con.execute(
        """
        select source_file, source_row, upper(trim(corporatie)), upper(trim(coalesce(opgegaan_in, '')))
        from raw.ref_corporaties
        qualify nullif(trim(opgegaan_in), '') is not null
             or count(*) over (partition by upper(trim(corporatie))) > 1
        order by all
        """
    ).fetchall()
    parts = {"code": code_fingerprint(), "as_of": as_of.isoformat() if as_of else "", "reference": reference,
             "reference_errors": reference_errors, "mergers": mergers}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def plan_build(raw_db: Path, build_db: Path, as_of: dt.date | None) -> BuildPlan:
    import duckdb

    con = duckdb.connect(str(raw_db), read_only=True)
    try:
        files = register_file_states(con)
        basis = basis_fingerprint(con, as_of)
    finally:
        con.close()

    def full(reason: str) -> BuildPlan:
        return BuildPlan(True, reason, sorted(files), basis, files)

    if as_of is not None:
        return full("as-of build")
    try:
        seen = json.loads(_state_path(build_db).read_text())
    except (OSError, ValueError):
        return full("no record of a previous build")
    if built_from(build_db) is None:
        return full("the previous build did not complete")
    if seen.get("basis") != basis:
        return full("code, engines or reference data changed")
    before: dict[str, str] = seen.get("files", {})
    changed = sorted(path for path in files.keys() | before.keys() if files.get(path) != before.get(path))
    if len(changed) > FULL_REBUILD_SHARE * max(len(files), 1):
        return full(f"{len(changed)} of {len(files)} register files changed")
    return BuildPlan(False, "", changed, basis, files)


def write_changed_files(build_db: Path, plan: BuildPlan) -> None:
    """The files to redo, as the table the incremental models read (`increment.register_files_changed`)."""
    import duckdb

    con = duckdb.connect(str(build_db))
    try:
        con.execute("create schema if not exists increment")
        con.execute("create or replace table increment.register_files_changed (source_file varchar primary key)")
        if plan.changed_files and not plan.full:
            con.executemany("insert into increment.register_files_changed values (?)",
                            [[path] for path in plan.changed_files])
    finally:
        con.close()


def record_build(build_db: Path, plan: BuildPlan) -> None:
    """What a complete build saw; call once the build has succeeded, before its stamp is written
    (a record without a stamp makes the next build a full one)."""
    _state_path(build_db).write_text(json.dumps({"basis": plan.basis, "files": plan.files}, sort_keys=True))
