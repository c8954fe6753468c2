"""Injected defects (`--defects`): at least one instance of every check of checks.md that data can
trigger (all but N3 and N4), listed in `<raw_dir>/defects.json`.

Every planted defect is crisp: one instance (two rows where the rule involves two rows, R7/R8; two
files for R4, one per snapshot), placed so that it causes no other error. Row-level register
defects sit on ordinary dwellings (labelled, not E/F/G, condition 1-4, in a holding of at least ten
homes) of corporations that are not part of any merger, so that keeping the row out changes no
commitment bound (A7/A8/A9). Agreement defects sit in separate municipalities where possible.
Checks that the clean data set raises by nature (warnings F4, R3, R6, A2, A10, A12, A13, N1, N2)
are listed with one example and `"natural": true`.

Manifest entry: check_code, severity, file (relative to raw_dir, or null), entity, row (CSV line
with the header on line 1 / Excel row / Parquet record + 1, or null), note, natural.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from .agreements import AgreementSet, Row, Workbook
from .corporations import Layout
from .dwellings import LABEL_E, DwellingFactory, Dwellings, Evolution
from .reference import SNAPSHOT_DATES, Geography
from .register_writer import FilePlan, register_frame, render_file
from .scales import Scale
from .targets import render_targets
from .workbook_writer import render_workbook

SEVERITY = {
    **{c: "error" for c in ("F1", "F2", "F3", "R1", "R2", "R4", "R5", "R7", "R8", "A1", "A3", "A4",
                            "A5", "A8", "T1", "N3", "N4")},
    **{c: "warning" for c in ("F4", "F5", "R3", "R6", "R9", "R10", "R11", "R12", "R13", "A2", "A6",
                              "A7", "A9", "A10", "A11", "A12", "A13", "A14", "N1", "N2")},
}
ALL_DATA_CHECKS = sorted(set(SEVERITY) - {"N3", "N4"}, key=lambda c: (c[0], int(c[1:])))
UNKNOWN_CORPORATION = "L9876"
UNKNOWN_MUNICIPALITY_REGISTER = "GM9999"
UNKNOWN_MUNICIPALITY_AGREEMENT = "GM9998"
SIMPLE_CSV = FilePlan(fmt="csv", separator=";", encoding="utf-8")


@dataclass
class Entry:
    check_code: str
    file: str | None
    entity: str
    note: str
    tag: str | None = None  # resolved to a row number after writing
    row: int | None = None
    natural: bool = False
    extra: dict = field(default_factory=dict)


@dataclass
class DefectPlan:
    d22: Dwellings
    entries: list[Entry] = field(default_factory=list)
    frame_edits: dict[int, list[tuple[int, str, object, str]]] = field(default_factory=dict)
    frame_tags: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    skip_files: dict[int, set[int]] = field(default_factory=dict)
    extra_workbooks: list[Workbook] = field(default_factory=list)
    extra_register: list[tuple[str, pl.DataFrame, FilePlan, str | None]] = field(default_factory=list)
    extra_targets: list[tuple[str, list[dict], int | None, str]] = field(default_factory=list)
    seed: int = 0

    # -- register frames ------------------------------------------------------------------------
    def edit_frames(self, frames: dict[int, pl.DataFrame]) -> dict[int, pl.DataFrame]:
        out = dict(frames)
        for snap in sorted((set(self.frame_edits) | set(self.frame_tags)) & set(out)):
            f = out[snap]
            for uid, col, value, _ in self.frame_edits.get(snap, []):
                dtype = f.schema[col]
                f = f.with_columns(
                    pl.when(pl.col("_uid") == uid).then(pl.lit(value, dtype=dtype))
                    .otherwise(pl.col(col)).alias(col))
            for uid, tag in self.frame_tags.get(snap, []):
                f = f.with_columns(
                    pl.when(pl.col("_uid") == uid)
                    .then(pl.when(pl.col("_tag").is_null()).then(pl.lit(tag))
                          .otherwise(pl.col("_tag") + "|" + tag))
                    .otherwise(pl.col("_tag")).alias("_tag"))
            out[snap] = f
        return out

    def write_extra_files(self, raw_dir: Path) -> dict[str, dict[str, int]]:
        tags: dict[str, dict[str, int]] = {}
        for rel, df, plan, tag in self.extra_register:
            (raw_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (raw_dir / rel).write_bytes(render_file(df, plan, (self.seed, 99)))
            tags[rel] = {tag: 2} if tag else {}
        for rel, rows, bad_line, tag in self.extra_targets:
            (raw_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (raw_dir / rel).write_bytes(render_targets(rows))
            tags[rel] = {tag: bad_line} if bad_line else {}
        return tags

    def manifest(self, files: dict[str, dict[str, int]]) -> list[dict]:
        out = []
        for e in self.entries:
            row = e.row
            if e.tag is not None:
                row = files.get(e.file, {}).get(e.tag)
                if row is None:
                    raise RuntimeError(f"defect {e.check_code}: tag {e.tag} not found in {e.file}")
            item = {"check_code": e.check_code, "severity": SEVERITY[e.check_code], "file": e.file,
                    "entity": e.entity, "row": row, "note": e.note, "natural": e.natural}
            item.update(e.extra)
            out.append(item)
        out.sort(key=lambda d: (d["check_code"][0], int(d["check_code"][1:]), d["file"] or "", d["row"] or 0))
        return out


class Planter:
    def __init__(self, geo: Geography, layout: Layout, d21: Dwellings, d22: Dwellings, evo: Evolution,
                 factory: DwellingFactory, agreements: AgreementSet, plans: dict[int, dict[int, FilePlan]],
                 scale: Scale, seed: int):
        self.geo, self.layout, self.d21, self.evo = geo, layout, d21, evo
        self.factory, self.ag, self.plans, self.scale, self.seed = factory, agreements, plans, scale, seed
        self.rng = np.random.default_rng([seed, 909])
        self.corps = layout.corporations
        self.roles = layout.roles
        self.plan = DefectPlan(d22=d22, seed=seed)
        self.used_uids: set[int] = set()
        self.used_units: set[str] = set()

    # -- helpers ---------------------------------------------------------------------------------
    def reg_path(self, snap: int, corp: int) -> str:
        date = SNAPSHOT_DATES[snap].isoformat()
        return f"register/{date}/{self.corps[corp].code}{self.plans[snap][corp].suffix}"

    def add(self, code: str, file: str | None, entity: str, note: str, tag: str | None = None,
            row: int | None = None, natural: bool = False, **extra) -> None:
        self.plan.entries.append(Entry(code, file, entity, note, tag, row, natural, extra))

    def edit(self, snap: int, uid: int, col: str, value, tag: str) -> None:
        self.plan.frame_edits.setdefault(snap, []).append((uid, col, value, tag))

    def tag(self, snap: int, uid: int, tag: str) -> None:
        self.plan.frame_tags.setdefault(snap, []).append((uid, tag))

    def ordinary_dwellings(self) -> np.ndarray:
        """Indices into d22 of dwellings safe to carry a row-level defect."""
        d21, d22 = self.d21, self.plan.d22
        excluded = {self.roles[k] for k in ("elderly", "merged_1", "merged_2", "non_participant")}
        pos21 = np.full(int(max(d21["uid"].max(), d22["uid"].max())) + 1, -1, dtype=np.int64)
        pos21[d21["uid"]] = np.arange(len(d21))
        p = pos21[d22["uid"]]
        ok = p >= 0
        pp = np.where(ok, p, 0)
        ok &= d21["corp"][pp] == d22["corp"]
        ok &= d21["vhe_corp"][pp] == d22["vhe_corp"]
        ok &= (d21["label"][pp] > 0) & (d21["label"][pp] < LABEL_E)
        ok &= (d22["label"] > 0) & (d22["label"] < LABEL_E)
        ok &= (d21["cond"][pp] >= 1) & (d21["cond"][pp] <= 4) & (d22["cond"] >= 1) & (d22["cond"] <= 4)
        ok &= d22["has_bag"]
        ok &= ~np.isin(d22["corp"], sorted(excluded))
        key = d22["corp"].astype(np.int64) * 10_000 + d22["loc"]
        uniq, inv, counts = np.unique(key, return_inverse=True, return_counts=True)
        ok &= counts[inv] >= 10
        return np.flatnonzero(ok)

    def pick_row(self, cands: np.ndarray, corp: int | None = None, not_corp: int | None = None) -> int:
        d22 = self.plan.d22
        mask = ~np.isin(d22["uid"][cands], sorted(self.used_uids))
        if corp is not None:
            mask &= d22["corp"][cands] == corp
        if not_corp is not None:
            mask &= d22["corp"][cands] != not_corp
        pool = cands[mask]
        if len(pool) == 0:
            raise RuntimeError("no dwelling left to carry a defect")
        i = int(pool[int(self.rng.integers(0, len(pool)))])
        self.used_uids.add(int(d22["uid"][i]))
        return i

    def ensure_csv(self, snap: int, corp: int) -> None:
        if self.plans[snap][corp].fmt != "csv":
            self.plans[snap][corp] = SIMPLE_CSV

    def vhe_of(self, i: int) -> str:
        d22 = self.plan.d22
        f = register_frame(d22.take(np.array([i])), self.geo, self.layout)
        return f["vhe_nummer"][0]

    def bag_of(self, i: int) -> str:
        d22 = self.plan.d22
        f = register_frame(d22.take(np.array([i])), self.geo, self.layout)
        return f["bag_vbo_id"][0]

    # -- register --------------------------------------------------------------------------------
    def register_defects(self) -> None:
        d22 = self.plan.d22
        cands = self.ordinary_dwellings()
        corp_counts = np.bincount(d22["corp"][cands], minlength=len(self.corps))
        # corporations with the most candidate rows first; prefer files that are already CSV
        ranked = sorted(np.flatnonzero(corp_counts >= 4).tolist(),
                        key=lambda c: (self.plans[1][c].fmt != "csv", -corp_counts[c], c))
        main, other = ranked[0], ranked[1] if len(ranked) > 1 else None
        if other is None:
            raise RuntimeError("need two corporations for the register defects")
        self.ensure_csv(1, main)
        self.ensure_csv(1, other)
        snap = 1

        def single(code: str, col: str, value, note: str, corp: int) -> None:
            i = self.pick_row(cands, corp=corp)
            uid = int(d22["uid"][i])
            vhe = self.vhe_of(i)
            tag = f"{code}-{uid}"
            self.edit(snap, uid, col, value, tag)
            self.tag(snap, uid, tag)
            self.add(code, self.reg_path(snap, corp), vhe, note, tag=tag)

        single("R1", "kale_huur_text", "zeshonderd", "kale_huur 'zeshonderd' is not a number", main)
        single("R2", "gemeentecode", UNKNOWN_MUNICIPALITY_REGISTER,
               f"gemeentecode {UNKNOWN_MUNICIPALITY_REGISTER} is unknown to the reference data", other)
        single("R5", "energielabel", "H", "energielabel 'H' is outside A++++..G", main)
        single("R9", "bouwjaar", 2031, "bouwjaar 2031 is after the snapshot year (typo for 2013?)", other)
        single("R10", "kale_huur_text", "71245,00", "kale_huur 71245,00: above 5,000 (decimal separator lost)", main)
        # R11: a label that went from D-or-better to F
        i = self.pick_row(cands, corp=other)
        uid = int(d22["uid"][i])
        tag = f"R11-{uid}"
        self.edit(snap, uid, "energielabel", "F", tag)
        self.tag(snap, uid, tag)
        old = self.d21["label"][np.flatnonzero(self.d21["uid"] == uid)[0]]
        from .dwellings import LABELS
        self.add("R11", self.reg_path(snap, other), self.vhe_of(i),
                 f"energielabel {LABELS[old]} at 2021-12-31, F at 2022-12-31", tag=tag,
                 bag_vbo_id=self.bag_of(i))
        # R7: two rows with one vhe_nummer in one file
        a = self.pick_row(cands, corp=main)
        b = self.pick_row(cands, corp=main)
        vhe = self.vhe_of(a)
        ua, ub = int(d22["uid"][a]), int(d22["uid"][b])
        self.edit(snap, ub, "vhe_nummer", vhe, f"R7b-{ub}")
        self.tag(snap, ua, f"R7a-{ua}")
        self.tag(snap, ub, f"R7b-{ub}")
        for u, t in ((ua, f"R7a-{ua}"), (ub, f"R7b-{ub}")):
            self.add("R7", self.reg_path(snap, main), vhe,
                     f"vhe_nummer {vhe} occurs twice in this file (both rows are involved)", tag=t)
        # R8: one BAG id reported by two corporations
        a = self.pick_row(cands, corp=main)
        b = self.pick_row(cands, corp=other)
        bag = self.bag_of(b)
        ua, ub = int(d22["uid"][a]), int(d22["uid"][b])
        self.edit(snap, ua, "bag_vbo_id", bag, f"R8a-{ua}")
        self.tag(snap, ua, f"R8a-{ua}")
        self.tag(snap, ub, f"R8b-{ub}")
        self.add("R8", self.reg_path(snap, main), bag,
                 f"bag_vbo_id {bag} is also reported by {self.corps[other].code}", tag=f"R8a-{ua}")
        self.add("R8", self.reg_path(snap, other), bag,
                 f"bag_vbo_id {bag} is also reported by {self.corps[main].code}", tag=f"R8b-{ub}")
        self.register_main = (main, other)

    def register_file_defects(self) -> None:
        roles = self.roles
        excluded = {roles[k] for k in roles} | set(self.register_main)
        # R13: the non-participating corporation's 2021 file is missing.
        z = roles["non_participant"]
        self.plan.skip_files.setdefault(0, set()).add(z)
        self.add("R13", self.reg_path(0, z), self.corps[z].code,
                 "no register file for 2021-12-31 (file missing): left out of the 2022 realisation")
        # R12: a corporation acquires about a quarter of its stock again in 2022 (sizes after
        # merger mapping, as the check compares them).
        succ = np.array([c.merged_into if c.merged_into is not None else c.idx for c in self.corps])
        n21 = np.bincount(succ[self.d21["corp"]], minlength=len(self.corps))
        n22 = np.bincount(succ[self.plan.d22["corp"]], minlength=len(self.corps))
        weak = {roles[k] for k in ("elderly", "merged_1", "merged_2", "non_participant")}
        pool = [c for c in range(len(self.corps)) if c not in weak and c not in self.register_main
                and self.corps[c].participates and n21[c] >= 8]
        pool.sort(key=lambda c: (c in excluded, n21[c], c))
        p = pool[0] if not self.scale.national_layout else pool[len(pool) // 3]
        k = int(np.ceil(0.26 * n21[p] - (n22[p] - n21[p]))) + 1
        holdings = [(l, n) for c, l, n in zip(self.layout.hold_corp.tolist(), self.layout.hold_loc.tolist(),
                                              self.layout.hold_n.tolist()) if c == p]
        w = np.array([n for _, n in holdings], dtype=np.float64)
        locs = np.array([holdings[j][0] for j in self.rng.choice(len(holdings), size=k, p=w / w.sum())],
                        dtype=np.int32)
        next_uid = int(self.plan.d22["uid"].max()) + 1
        extra = self.factory.make(np.full(k, p, dtype=np.int32), locs, np.arange(next_uid, next_uid + k),
                                  SNAPSHOT_DATES[1])
        extra["label"][extra["label"] >= LABEL_E] = 7
        extra["cond"][extra["cond"] >= 5] = 4
        extra["has_bag"][:] = True
        self.plan.d22 = self.plan.d22.concat(extra)
        self.add("R12", self.reg_path(1, p), self.corps[p].code,
                 f"stock grows from {n21[p]} (2021, after merger mapping) to {n22[p] + k} homes "
                 f"(+{k} acquired existing homes)")
        # R4: a corporation unknown to corporaties.csv delivers one dwelling in both snapshots.
        z = roles["non_participant"]
        first = int(np.flatnonzero(self.d21["corp"] != z)[0])
        base = register_frame(self.d21.take(np.array([first])), self.geo, self.layout)
        bag = base["bag_vbo_id"][0]
        loc = self.geo.locations[int(self.d21["loc"][first])]
        for snap in (0, 1):
            row = base.with_columns(
                peildatum=pl.lit(SNAPSHOT_DATES[snap].isoformat()),
                gemeentecode=pl.lit(self.geo.code_on(loc, SNAPSHOT_DATES[snap])),
                corporatie=pl.lit(UNKNOWN_CORPORATION), vhe_nummer=pl.lit("1001"),
                bag_vbo_id=pl.lit(bag[:6] + "9900000001" if bag else None, dtype=pl.String),
                _tag=pl.lit("R4"))
            rel = f"register/{SNAPSHOT_DATES[snap].isoformat()}/{UNKNOWN_CORPORATION}.csv"
            self.plan.extra_register.append((rel, row, SIMPLE_CSV, "R4"))
            self.add("R4", rel, UNKNOWN_CORPORATION,
                     f"corporatie {UNKNOWN_CORPORATION} is not in corporaties.csv", tag="R4")
        # F3: the corporation that merged on 2022-07-01 still sends a file for 2022-12-31, dated
        # 2022-06-30 inside.
        x1 = roles["merged_1"]
        rows = register_frame(self.d21.take(np.flatnonzero(self.d21["corp"] == x1)), self.geo, self.layout)
        rows = rows.with_columns(peildatum=pl.lit("2022-06-30"))
        rel = f"register/{SNAPSHOT_DATES[1].isoformat()}/{self.corps[x1].code}.csv"
        self.plan.extra_register.append((rel, rows, SIMPLE_CSV, None))
        self.add("F3", rel, self.corps[x1].code,
                 "folder 2022-12-31 but peildatum 2022-06-30 in every row (a late file of a "
                 "corporation that merged on 2022-07-01)")

    def natural_register(self, frames_preview: dict[int, pl.DataFrame] | None = None) -> None:
        d21 = self.d21
        # R3: a 2021 row with the code of a municipality that has merged since.
        merged = np.array([self.geo.current[l] != l for l in self.geo.locations])
        idx = np.flatnonzero(merged[d21["loc"]] & (d21["corp"] != self.roles["non_participant"]))
        if len(idx):
            i = int(idx[0])
            c = int(d21["corp"][i])
            uid = int(d21["uid"][i])
            self.tag(0, uid, f"R3-{uid}")
            code = self.geo.locations[int(d21["loc"][i])]
            self.add("R3", self.reg_path(0, c), code,
                     f"{code} ({self.geo.names[code]}) merged into {self.geo.current[code]}",
                     tag=f"R3-{uid}", natural=True)
        # R6: a 2022 row without an energy label.
        d22 = self.plan.d22
        skip = {self.roles["non_participant"]}
        idx = np.flatnonzero((d22["label"] == 0) & ~np.isin(d22["corp"], sorted(skip))
                             & ~np.isin(d22["uid"], sorted(self.used_uids)))
        i = int(idx[0])
        uid = int(d22["uid"][i])
        self.tag(1, uid, f"R6-{uid}")
        self.add("R6", self.reg_path(1, int(d22["corp"][i])), self.vhe_of(i),
                 "no energy label registered", tag=f"R6-{uid}", natural=True)
        # F4: a register file with extra columns.
        for snap in (0, 1):
            for c in sorted(self.plans[snap]):
                plan = self.plans[snap][c]
                if plan.fmt != "csv" or not plan.extra_columns or c in self.plan.skip_files.get(snap, set()):
                    continue
                if snap == 1 and self.corps[c].dissolved_on is not None and self.corps[c].dissolved_on <= SNAPSHOT_DATES[1]:
                    continue
                self.add("F4", self.reg_path(snap, c), self.reg_path(snap, c),
                         "extra column(s) ignored: " + ", ".join(plan.extra_columns), natural=True)
                return

    # -- agreements ------------------------------------------------------------------------------
    def bids_by(self, unit: str) -> set[str]:
        return {wb.parties[0] for wb in self.ag.workbooks if wb.status == "bod" and wb.unit == unit}

    def take_unit(self, accept=None, need_years_from: int | None = None) -> Workbook:
        """A counting signed workbook not used by another defect yet (reused on small data sets,
        never the one superseded by the A6 duplicate)."""
        def ok(code: str) -> bool:
            wb = self.ag.counting[code]
            if need_years_from is not None and wb.tot < need_years_from:
                return False
            return accept is None or accept(wb)
        fresh = [c for c in sorted(self.ag.counting) if c not in self.used_units and ok(c)]
        pool = fresh or [c for c in sorted(self.ag.counting) if c not in self.reserved and ok(c)]
        if not pool:
            raise RuntimeError("no agreement fit to carry a defect")
        code = pool[int(self.rng.integers(0, len(pool)))]
        self.used_units.add(code)
        return self.ag.counting[code]

    def current_locs(self, wb: Workbook) -> list[int]:
        unit = self.unit_of[wb.unit]
        return [self.geo.locations.index(l) for l in self.geo.locations_of(unit.current)]

    def committing(self, wb: Workbook, avoid_bidders: bool) -> list[str]:
        locs = self.unit_of[wb.unit].locs_on(wb.date)
        bidders = self.bids_by(wb.unit) if avoid_bidders else set()
        return [p for p in wb.parties if p not in bidders and self.by_code[p].merged_into is None
                and self.ag.stats.of("n22", self.by_code[p].idx, locs) > 0]

    def agreement_defects(self) -> None:
        rng = self.rng
        corps, roles, st = self.corps, self.roles, self.ag.stats
        self.unit_of = {u.code: u for u in self.ag.units}
        self.by_code = by_code = {c.code: c for c in corps}
        all_files = {wb.file for wb in self.ag.workbooks}
        self.reserved: set[str] = set()

        # A6 first: a second signed workbook with the same versie (a later signature, one row +1).
        wb = self.take_unit(accept=lambda w: any(r.indicator == "nieuwbouw" for r in w.rows)
                            and not any(self.by_code[r.corp].merged_into is not None for r in w.rows))
        self.reserved.add(wb.code)
        self.a6_duplicate = (wb.code, None)
        dup = copy.deepcopy(wb)
        for r in dup.rows:
            r.tag = None
        dup.date = wb.date + dt.timedelta(days=7)
        dup.file = wb.file.replace("_getekend.xlsx", "_getekend_definitief.xlsx")
        next(r for r in dup.rows if r.indicator == "nieuwbouw").value += 1
        self.plan.extra_workbooks.append(dup)
        self.a6_duplicate = (wb.code, dup)
        self.add("A6", dup.file, wb.code,
                 f"signed versie {wb.versie} twice for {wb.code}: {wb.file} and this file (signed a week "
                 "later, so this one counts)")

        # A8 / A9: improvements beyond the E/F/G (condition 5/6) homes a corporation owns in the
        # municipality at the last snapshot.
        for code, indicator, stat, last in (("A8", "verbetering_efg", "efg22", 2028),
                                            ("A9", "herstel_conditie_56", "c56_22", 2026)):
            wb = self.take_unit(accept=lambda w: bool(self.committing(w, True)) and max(2023, w.van) <= min(w.tot, last),
                                need_years_from=2023)
            parties = self.committing(wb, True)
            p = parties[int(rng.integers(0, len(parties)))]
            locs = self.current_locs(wb)
            owned = st.of(stat, by_code[p].idx, locs)
            year = max(2023, wb.van)
            bump = owned + (3 if code == "A8" else 2)
            rows = [r for r in wb.rows if r.corp == p and r.indicator == indicator and r.year == year]
            if rows:
                rows[0].value += bump
                rows[0].tag = code
            else:
                wb.rows.append(Row(p, year, indicator, float(bump), "", tag=code))
            what = "E/F/G" if code == "A8" else "condition 5/6"
            self.add(code, wb.file, p, f"{wb.code}: {indicator} committed for {year} onwards exceeds the "
                     f"{owned} {what} homes {p} owns in {self.unit_of[wb.unit].current} at 2022-12-31",
                     tag=code, municipality=wb.code)

        # A3: a row for a corporation that is not a party (the one that never takes part).
        wb = self.take_unit()
        z = corps[roles["non_participant"]].code
        wb.rows.append(Row(z, wb.van, "nieuwbouw", 3.0, "", tag="A3"))
        self.add("A3", wb.file, z, f"{wb.code}: Prestaties row for {z}, which is not a party in Afspraak",
                 tag="A3", municipality=wb.code)

        # A4: a value that cannot be read (`2.5`: a dot not followed by three digits).
        wb = self.take_unit(accept=lambda w: bool(self.committing(w, False)))
        p = self.committing(wb, False)[0]
        year = next((y for y in range(wb.van, wb.tot + 1)
                     if not any(r.corp == p and r.year == y and r.indicator == "transformatie" for r in wb.rows)),
                    None)
        if year is None:
            raise RuntimeError("A4: no free row key")
        wb.rows.append(Row(p, year, "transformatie", 2.5, "", tag="A4", raw_value="2.5"))
        self.add("A4", wb.file, p, f"{wb.code}: waarde '2.5' cannot be interpreted", tag="A4",
                 municipality=wb.code)

        # A5: a year outside looptijd_van..looptijd_tot.
        wb = self.take_unit(accept=lambda w: bool(self.committing(w, False)))
        p = self.committing(wb, False)[0]
        wb.rows.append(Row(p, wb.tot + 2, "sloop", 4.0, "", tag="A5"))
        self.add("A5", wb.file, p, f"{wb.code}: jaar {wb.tot + 2} outside looptijd {wb.van}-{wb.tot}",
                 tag="A5", municipality=wb.code)

        # A7: a party that owns no homes in the municipality commits to new building there.
        def outsiders(w: Workbook) -> list[str]:
            locs = self.current_locs(w)
            return [c.code for c in corps if c.participates and c.merged_into is None and c.kind == "regular"
                    and c.code not in w.parties and st.n21[c.idx, locs].sum() == 0 and st.n22[c.idx, locs].sum() == 0]
        wb = self.take_unit(accept=lambda w: bool(outsiders(w)))
        cands = outsiders(wb)
        k = cands[int(rng.integers(0, len(cands)))]
        wb.parties = wb.parties + [k]
        wb.rows.append(Row(k, wb.tot, "nieuwbouw", 12.0, "eerste project in deze gemeente", tag="A7"))
        self.add("A7", wb.file, k, f"{wb.code}: {k} commits to new building but owns no homes in "
                 f"{self.unit_of[wb.unit].current}", tag="A7", municipality=wb.code)

        # A14: the name does not match the code.
        wb = self.take_unit()
        wb.fields_override["gemeentenaam"] = f"Gemeente {wb.name}"
        self.add("A14", wb.file, wb.code, f"gemeentenaam 'Gemeente {wb.name}' is not the name of {wb.code} "
                 f"({wb.name}) in the reference data")

        # A11: the latest bid asks more than the counting agreement commits.
        self.a11()

        # F2: an unknown status (`getekend`) in a higher version of a counting agreement.
        wb = self.take_unit()
        f2 = copy.deepcopy(wb)
        for r in f2.rows:
            r.tag = None
        f2.versie = wb.versie + 1
        f2.date = wb.date + dt.timedelta(days=20)
        f2.fields_override = {"status": "getekend"}
        f2.file = wb.file.replace(f"_v{wb.versie}_getekend.xlsx", f"_v{wb.versie + 1}_getekend.xlsx")
        assert f2.file not in all_files
        self.plan.extra_workbooks.append(f2)
        self.add("F2", f2.file, wb.code, "status 'getekend' is not one of bod, concept, ondertekend")

        # F5, A1: copies of a draft (one exact, one with an unknown municipality code).
        concepts = sorted((w for w in self.ag.workbooks if w.status == "concept"), key=lambda w: w.file)
        if not concepts:
            raise RuntimeError("no draft agreement to copy")
        src = concepts[int(rng.integers(0, len(concepts)))]
        f5 = copy.deepcopy(src)
        f5.file = src.file.replace("agreements/", "agreements/kopie_van_")
        f5.copy_of = src.file
        self.plan.extra_workbooks.append(f5)
        self.add("F5", f5.file, src.code, f"byte-for-byte the same as {src.file}")
        a1 = copy.deepcopy(src)
        for r in a1.rows:
            r.tag = None
        a1.file = f"agreements/concept_prestatieafspraken_{UNKNOWN_MUNICIPALITY_AGREEMENT}_v1.xlsx"
        a1.fields_override = {"gemeentecode": UNKNOWN_MUNICIPALITY_AGREEMENT}
        self.plan.extra_workbooks.append(a1)
        self.add("A1", a1.file, UNKNOWN_MUNICIPALITY_AGREEMENT,
                 f"gemeentecode {UNKNOWN_MUNICIPALITY_AGREEMENT} is unknown (typo for {src.code})")

        # F1: a workbook that is not a workbook (a broken download: the first bytes only).
        donor = src
        data, _ = render_workbook(donor, self.seed)
        broken = copy.deepcopy(donor)
        broken.file = donor.file.replace(".xlsx", "_beschadigd.xlsx")
        broken.raw_bytes = data[: max(200, len(data) // 3)]
        self.plan.extra_workbooks.append(broken)
        self.add("F1", broken.file, donor.code, "truncated xlsx download (not a readable zip file)")

    def a11(self) -> None:
        bids = [wb for wb in self.ag.workbooks if wb.status == "bod" and wb.unit in self.ag.counting]
        latest: dict[tuple[str, str], Workbook] = {}
        for wb in sorted(bids, key=lambda w: (w.date, w.versie, w.file)):
            latest[(wb.unit, wb.parties[0])] = wb
        for key in sorted(latest):
            wb = latest[key]
            if wb.unit in self.used_units:
                continue
            agreement = self.ag.counting[wb.unit]
            for r in wb.rows:
                if r.indicator in ("verbetering_efg", "herstel_conditie_56"):
                    continue
                committed = sum(a.value for a in agreement.rows
                                if (a.corp, a.year, a.indicator) == (r.corp, r.year, r.indicator))
                r.value = committed + max(2.0, round(0.2 * committed))
                r.tag = "A11"
                self.used_units.add(wb.unit)
                self.add("A11", wb.file, r.corp,
                         f"{wb.code}: bid {r.indicator} {r.year} = {r.value:g} > {committed:g} in the counting "
                         f"agreement {agreement.file}", tag="A11", municipality=wb.code)
                return
        # no usable bid: a corporation bids (on 30 June, the latest bid) more than it then signs for
        agreement = self.take_unit(accept=lambda w: any(
            r.indicator not in ("verbetering_efg", "herstel_conditie_56") and self.by_code[r.corp].merged_into is None
            for r in w.rows))
        r0 = next(r for r in agreement.rows if r.indicator not in ("verbetering_efg", "herstel_conditie_56")
                  and self.by_code[r.corp].merged_into is None)
        committed = sum(a.value for a in agreement.rows
                        if (a.corp, a.year, a.indicator) == (r0.corp, r0.year, r0.indicator))
        bid = Workbook(
            file=f"agreements/bod_{r0.corp}_{agreement.code}_20220630_v9.xlsx", code=agreement.code,
            name=agreement.name, status="bod", date=dt.date(2022, 6, 30), van=agreement.van,
            tot=agreement.tot, versie=9, parties=[r0.corp], tenants=agreement.tenants,
            rows=[Row(r0.corp, r0.year, r0.indicator, committed + max(2.0, round(0.2 * committed)), "", tag="A11")],
            unit=agreement.unit)
        self.plan.extra_workbooks.append(bid)
        self.add("A11", bid.file, r0.corp, f"{agreement.code}: bid {r0.indicator} {r0.year} above the counting "
                 f"agreement {agreement.file}", tag="A11", municipality=agreement.code)

    def natural_agreements(self) -> None:
        # A2: a counting agreement written with the code of a municipality that has merged since.
        for code in sorted(self.ag.counting):
            if self.geo.current.get(code, code) != code:
                wb = self.ag.counting[code]
                self.add("A2", wb.file, code, f"{code} ({wb.name}) merged into {self.geo.current[code]}",
                         natural=True)
                break
        # A10: a municipality with corporation homes and no signed agreement.
        with_homes = {self.geo.current[self.geo.locations[l]] for l in np.unique(self.plan.d22["loc"]).tolist()}
        uncovered = sorted(with_homes - self.ag.covered)
        if uncovered:
            m = uncovered[0]
            self.add("A10", None, m, f"{m} ({self.geo.names[m]}) has no signed agreement", natural=True)
        # A12: commitments of a merged corporation in a counting agreement.
        merged = {c.code for c in self.corps if c.merged_into is not None}
        effective = dict(self.ag.counting)
        effective[self.a6_duplicate[0]] = self.a6_duplicate[1]
        for code in sorted(effective):
            wb = effective[code]
            hits = [r for r in wb.rows if r.corp in merged]
            if hits:
                x = hits[0].corp
                succ = self.corps[{c.code: c for c in self.corps}[x].merged_into].code
                self.add("A12", wb.file, x, f"{x} merged into {succ}; its commitments count for {succ}",
                         natural=True, municipality=code)
                break
        # A13: two rows with one key in a counting agreement.
        for code in sorted(self.ag.counting):
            wb = self.ag.counting[code]
            seen = set()
            for r in wb.rows:
                key = (r.corp, r.year, r.indicator)
                if key in seen:
                    r.tag = (r.tag + "|A13") if r.tag else "A13"
                    self.add("A13", wb.file, r.corp, f"two rows {r.corp} {r.year} {r.indicator} (two projects), "
                             "summed", tag="A13", natural=True, municipality=code)
                    break
                seen.add(key)
            else:
                continue
            break
        # N1, N2: national picture.
        self.add("N1", None, "nieuwbouw_2026", "the counting agreements commit fewer new homes in 2026 than "
                 "the 28,000 of the national agreement (other targets are short or above too)", natural=True)
        self.add("N2", None, "label_efg_2028", "E/F/G homes remain after the committed improvements up to 2028 "
                 "(nationally and in most areas)", natural=True, area="NL")

    def targets_defect(self) -> None:
        rows = [
            dict(target_code="regio_flex_2024", description_nl="Regionale afspraak: 1.000 flexwoningen "
                 "in 2022 tot en met 2024", indicator_code="flexwoningen", kind="flow", year_from="2022",
                 year_to="2024", target_value="1000", unit="woningen", source="regionale woondeal"),
            dict(target_code="ouderen_2030_fout", description_nl="Geclusterde ouderenwoningen tot 2030 "
                 "(jaren verwisseld)", indicator_code="ouderenwoningen_geclusterd", kind="flow",
                 year_from="2030", year_to="2025", target_value="20000", unit="woningen",
                 source="regionale woondeal"),
        ]
        rel = "targets/extra_doelen_regio.csv"
        self.plan.extra_targets.append((rel, rows, 3, "T1"))
        self.add("T1", rel, "ouderen_2030_fout", "year_from 2030 after year_to 2025", tag="T1")


def plant_defects(geo: Geography, layout: Layout, d21: Dwellings, d22: Dwellings, evo: Evolution,
                  factory: DwellingFactory, agreements: AgreementSet, plans: dict[int, dict[int, FilePlan]],
                  scale: Scale, seed: int) -> DefectPlan:
    p = Planter(geo, layout, d21, d22, evo, factory, agreements, plans, scale, seed)
    p.register_defects()
    p.register_file_defects()
    p.natural_register()
    p.agreement_defects()
    p.natural_agreements()
    p.targets_defect()
    codes = {e.check_code for e in p.plan.entries}
    missing = [c for c in ALL_DATA_CHECKS if c not in codes]
    if missing:
        raise RuntimeError(f"defects not planted: {missing}")
    return p.plan
