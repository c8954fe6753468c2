"""Generate the built-in data set: `generate(scale, seed, raw_dir, defects=False)`.

Reads the real reference data (municipalities, mergers, COROP regions) from `<raw_dir>/reference/`
(or `reference_dir`, or `$NPA_REFERENCE_DIR`), writes `<raw_dir>/reference/corporaties.csv` and
`woningmarktregios.csv`,
`<raw_dir>/register/<peildatum>/<corporatie>.csv|.parquet`, `<raw_dir>/agreements/*.xlsx`,
`<raw_dir>/targets/*.csv`, and with defects `<raw_dir>/defects.json`. The same scale and seed give
byte-identical files.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import polars as pl

from .agreements import build_agreements
from .corporations import Layout, build_layout
from .defects import plant_defects
from .dwellings import LABEL_E, evolve_2022, generate_2021
from .housing_market import write_housing_market_regions
from .reference import SNAPSHOT_DATES, Geography, find_reference_dir, load_geography
from .register_writer import file_plan, register_frame, write_snapshot
from .scales import get_scale
from .targets import NPA_2022_TARGETS, write_targets
from .workbook_writer import write_workbooks

GENERATED_DIRS = ("register", "agreements", "targets")


def _lagging_holding(geo: Geography, layout: Layout) -> set[tuple[int, int]]:
    """One corporation still writes the pre-merger municipality code in its 2022 file."""
    roles = set(layout.roles.values())
    best = None
    for c, l, n in zip(layout.hold_corp.tolist(), layout.hold_loc.tolist(), layout.hold_n.tolist()):
        loc = geo.locations[l]
        if c in roles or n < 5 or geo.code_on(loc, SNAPSHOT_DATES[1]) == loc:
            continue
        key = (n, c, l)
        if best is None or key < best:
            best = key
    return {(best[1], best[2])} if best else set()


def write_corporations(raw_dir: Path, layout: Layout, geo: Geography) -> str:
    rows = []
    for c in sorted(layout.corporations, key=lambda c: c.code):
        rows.append({
            "corporatie": c.code, "naam": c.name, "vestigingsgemeente": geo.current[c.seat],
            "opgeheven_per": c.dissolved_on.isoformat() if c.dissolved_on else None,
            "opgegaan_in": layout.corporations[c.merged_into].code if c.merged_into is not None else None,
        })
    folder = raw_dir / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows, schema={k: pl.String for k in rows[0]}).write_csv(
        folder / "corporaties.csv", separator=";", quote_style="necessary")
    return "reference/corporaties.csv"


GENERATED_MARKER = ".generated"


def generate(scale: str, seed: int, raw_dir: str | Path, defects: bool = False,
             reference_dir: str | Path | None = None) -> dict:
    """Write the data set of `scale` for `seed` into `raw_dir`; returns a summary.

    Earlier *generated* output in `raw_dir` (register/, agreements/, targets/, defects.json) is
    replaced; a folder holding inputs the generator did not write (no `.generated` marker) is
    refused, so real deliveries are never deleted. `raw_dir/reference/` is only written to for
    `corporaties.csv` and `woningmarktregios.csv`.
    """
    started = time.perf_counter()
    sc = get_scale(scale)
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    ref_dir = find_reference_dir(raw_dir, Path(reference_dir) if reference_dir else None)
    geo = load_geography(ref_dir)
    marker = raw_dir / GENERATED_MARKER
    existing = [p for name in GENERATED_DIRS if (raw_dir / name).exists()
                for p in (raw_dir / name).rglob("*") if p.is_file()]
    if existing and not marker.exists():
        raise FileExistsError(
            f"{raw_dir} already holds input files the generator did not write "
            f"(e.g. {existing[0].relative_to(raw_dir)}); refusing to replace them. "
            "Generate into an empty folder.")
    for name in GENERATED_DIRS:
        if (raw_dir / name).exists():
            shutil.rmtree(raw_dir / name)
    (raw_dir / "defects.json").unlink(missing_ok=True)
    marker.write_text(json.dumps({"scale": scale, "seed": seed, "defects": defects}, sort_keys=True) + "\n")

    phases: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        phases[name] = round(now - mark, 1)
        mark = now

    layout = build_layout(geo, sc, seed)
    d21, factory = generate_2021(geo, layout, sc, seed)
    d22, evo = evolve_2022(d21, factory, layout, sc, seed)
    lap("dwellings")
    agreements = build_agreements(geo, layout, d21, d22, evo, sc, seed)
    lap("agreements")

    plans = {snap: {c.idx: file_plan(seed, snap, c.idx) for c in layout.corporations} for snap in (0, 1)}
    lagging = _lagging_holding(geo, layout)
    plan_defects = None
    if defects:
        plan_defects = plant_defects(geo, layout, d21, d22, evo, factory, agreements, plans, sc, seed)
        d22 = plan_defects.d22
    files: dict[str, dict[str, int]] = {}
    register_files = []
    for snap, date in enumerate(SNAPSHOT_DATES):
        frame = register_frame(d21, geo, layout) if snap == 0 else register_frame(d22, geo, layout, lagging)
        if plan_defects is not None:
            frame = plan_defects.edit_frames({snap: frame})[snap]
        skip = plan_defects.skip_files.get(snap, set()) if plan_defects else set()
        written = write_snapshot(frame, date, raw_dir, layout, seed, snap, plans[snap], skip)
        del frame
        register_files += written
        for w in written:
            files[w.path] = w.tagged_rows
    lap("register_files")
    workbook_tags = write_workbooks(agreements.workbooks + (plan_defects.extra_workbooks if plan_defects else []),
                                    raw_dir, seed)
    files.update(workbook_tags)
    lap("workbooks")
    write_corporations(raw_dir, layout, geo)
    write_housing_market_regions(raw_dir, geo)
    write_targets(raw_dir, "npa_juni_2022.csv", NPA_2022_TARGETS)
    manifest = None
    if plan_defects is not None:
        files.update(plan_defects.write_extra_files(raw_dir))
        manifest = plan_defects.manifest(files)
        (raw_dir / "defects.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                              encoding="utf-8")

    status_counts: dict[str, int] = {}
    for wb in agreements.workbooks:
        status_counts[wb.status] = status_counts.get(wb.status, 0) + 1
    loc_current = np.array([geo.current[l] for l in geo.locations])
    covered_mask = np.isin(loc_current[d22["loc"]], sorted(agreements.covered))
    stock22_covered = int(covered_mask.sum())
    sizes = layout.corp_sizes()
    summary = {
        "scale": sc.name, "seed": seed, "raw_dir": str(raw_dir), "defects": bool(defects),
        "reference_dir": str(ref_dir),
        "corporations": len(layout.corporations),
        "corporations_active_2023": sum(1 for c in layout.corporations if c.dissolved_on is None),
        "largest_corporation_homes": int(sizes.max()), "corporations_below_2000_homes_national":
            int((sizes / sc.factor < 2000).sum()),
        "dwellings_2021": len(d21), "dwellings_2022": len(d22),
        "efg_2021": int((d21["label"] >= LABEL_E).sum()), "efg_2022": int((d22["label"] >= LABEL_E).sum()),
        "condition_5_2021": int((d21["cond"] == 5).sum()), "condition_6_2021": int((d21["cond"] == 6).sum()),
        "condition_unknown_2021": int((d21["cond"] == 0).sum()),
        "events_2022": evo.counts,
        "register_files": len(register_files),
        "workbooks": status_counts,
        "signed_coverage_share": round(stock22_covered / len(d22), 4),
        "defects_planted": len(manifest) if manifest else 0,
        "seconds": round(time.perf_counter() - started, 1),
        "phase_seconds": phases,
    }
    return summary
