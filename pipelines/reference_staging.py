"""Put the reference data in place before a run: `data/raw/reference/` gets what it lacks.

Order of sources, per file: a file already in `data/raw/reference/` always wins and is never
overwritten; else a copy from `$NPA_REFERENCE_DIR` (the team keeps the real files outside the
project); else, for the files CBS publishes, a download from CBS open data; else the run stops
with a message saying exactly which file to put where.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.config import DataPaths, reference_source_dir

# Files a run cannot do without. `corporaties.csv` has no public source reachable from here; the
# generator writes one for its own data set.
CBS_FILES = ("municipalities.csv", "municipal_mergers.csv", "corop_regions.csv")
REQUIRED_FILES = (*CBS_FILES, "corporaties.csv")
OPTIONAL_FILES = ("woningmarktregios.csv",)


class ReferenceDataMissing(RuntimeError):
    """Raised when a required reference file can be had from nowhere."""


@dataclass
class StagingResult:
    already_present: list[str] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def stage_reference(
    paths: DataPaths,
    source_dir: Path | None = None,
    fetch_from_cbs=None,
    require_corporations: bool = True,
) -> StagingResult:
    """Copy or fetch missing reference files into `paths.reference`.

    `fetch_from_cbs(missing_names, target_dir) -> (fetched_names, notes)` is called for the CBS
    files that neither the data folder nor the source folder has (default: `pipelines.cbs_fetch`).
    """
    source_dir = source_dir if source_dir is not None else reference_source_dir()
    target = paths.reference
    target.mkdir(parents=True, exist_ok=True)
    result = StagingResult()

    for name in (*REQUIRED_FILES, *OPTIONAL_FILES):
        if (target / name).exists():
            result.already_present.append(name)
        elif source_dir is not None and (source_dir / name).is_file():
            # copy to a temporary name and rename, so a crash never leaves half a file
            tmp = target / f".{name}.partial"
            shutil.copyfile(source_dir / name, tmp)
            tmp.replace(target / name)
            result.copied.append(name)

    want_from_cbs = [n for n in CBS_FILES if not (target / n).exists()]
    if want_from_cbs:
        if fetch_from_cbs is None:
            from pipelines.cbs_fetch import fetch_reference_from_cbs as fetch_from_cbs
        try:
            fetched, notes = fetch_from_cbs(want_from_cbs, target)
        except Exception as exc:  # network down, CBS changed: say so and fall through
            fetched, notes = [], [f"CBS open data could not be reached: {exc}"]
        result.fetched.extend(fetched)
        result.notes.extend(notes)

    required = REQUIRED_FILES if require_corporations else CBS_FILES
    result.missing = [n for n in required if not (target / n).exists()]
    if result.missing:
        raise ReferenceDataMissing(missing_message(result.missing, target, source_dir, result.notes))
    return result


def missing_message(missing: list[str], target: Path, source_dir: Path | None, notes: list[str]) -> str:
    lines = [f"Reference data missing: {', '.join(missing)}.", f"Put these files in {target}/:"]
    for name in missing:
        if name == "corporaties.csv":
            lines.append(
                "  - corporaties.csv: corporatie;naam;vestigingsgemeente;opgeheven_per;opgegaan_in "
                "(the regulator's dVi chapter 1 list; the generator writes one for its own data)"
            )
        else:
            lines.append(f"  - {name}: columns as described in docs/reference-data.md")
    where = f"NPA_REFERENCE_DIR={source_dir}" if source_dir else "NPA_REFERENCE_DIR is not set"
    lines.append(f"({where}; it was searched first, then CBS open data.)")
    lines.extend(f"  note: {n}" for n in notes)
    return "\n".join(lines)
