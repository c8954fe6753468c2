"""Local performance agreements, drafts and bids, as workbooks to be written (raw-inputs.md).

One *unit* is a municipality code as written in the workbooks: every municipality of 2021-12-31
(Beemster, Weesp, Heerhugowaard ... keep their own agreements, signed before their merger and
covering 2022 only; Brielle, Hellevoetsluis and Westvoorne, merged on 2023-01-01, keep theirs
throughout) plus the municipalities created on 2022-01-01 (Dijk en Waard, Land van Cuijk,
Maashorst), which sign their first agreement at the end of 2022 for 2023 onwards.

The clean data set is built so that no agreement check raises an error or one of the warnings
A6, A7, A9, A11, A14: commitments stay within the homes a corporation owns (A8/A9 bounds hold for
both snapshots), a bid never exceeds any signed version, every committing corporation owns homes in
the municipality in both snapshots. The warnings A2 (merged municipality codes), A10 (municipalities
without a signed agreement), A12 (commitments of a corporation that has merged) and A13 (two
projects on one row key) occur, as in reality.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .corporations import MERGER_DATES, Layout
from .dwellings import LABEL_E, Dwellings, Evolution
from .reference import Geography
from .scales import TARGET_SIGNED_COVERAGE, Scale

HOMES, EURO = "woningen", "euro"
INDICATORS: dict[str, str] = {
    "nieuwbouw": HOMES, "transformatie": HOMES, "flexwoningen": HOMES,
    "ouderenwoningen_geclusterd": HOMES, "verbetering_efg": HOMES,
    "investering_duurzame_energie": EURO, "warmtepompen": HOMES, "zonnepanelen": HOMES,
    "herstel_conditie_56": HOMES, "investering_schimmel": EURO, "investering_brandveiligheid": EURO,
    "investering_loden_leidingen": EURO, "sloop": HOMES, "verkoop": HOMES,
}
INDICATOR_ORDER = list(INDICATORS)
# Chance that a party commits on an indicator (regular corporation, elderly-housing corporation).
PARTICIPATION = {
    "nieuwbouw": (0.9, 0.5), "transformatie": (0.25, 0.05), "flexwoningen": (0.2, 0.0),
    "ouderenwoningen_geclusterd": (0.6, 1.0), "investering_duurzame_energie": (0.6, 0.5),
    "warmtepompen": (0.5, 0.4), "zonnepanelen": (0.5, 0.4), "investering_schimmel": (0.7, 0.6),
    "investering_brandveiligheid": (0.6, 0.8), "investering_loden_leidingen": (0.25, 0.1),
    "sloop": (0.35, 0.1), "verkoop": (0.4, 0.1),
}
NEW_BUILD_RATE = {2022: 0.0075, 2023: 0.0095, 2024: 0.011, 2025: 0.012, 2026: 0.0125,
                  2027: 0.013, 2028: 0.012}
# What the counting agreements add up to, relative to the national targets (mission.md,
# marts.md): some short, some above. Multiplied by the scale factor.
DESIRED_NEW_BUILD = {2022: 17_500, 2023: 22_000, 2024: 26_000, 2025: 27_500, 2026: 26_740,
                     2027: 28_980, 2028: 27_000}
DESIRED_ELDERLY_TOTAL = 46_500  # target 50,000
DESIRED_SUSTAINABLE_2022_2025 = 540_000_000  # target 500 million
DESIRED_MAINTENANCE = {2022: 92e6, 2023: 104e6, 2024: 98e6, 2025: 107e6, 2026: 95e6}  # 100M a year
MAINTENANCE_PARTS = ("investering_schimmel", "investering_brandveiligheid", "investering_loden_leidingen")

NOTES = {
    "nieuwbouw": ("", "", "nieuwbouw sociale huur", "incl. starterswoningen", "project in uitbreidingswijk",
                  "sloop-nieuwbouw", "appartementen voor jongeren"),
    "transformatie": ("", "transformatie kantoorpand", "café-ruimte omgebouwd tot woningen"),
    "flexwoningen": ("", "flexwoningen voor spoedzoekers", "tijdelijke woningen op braakliggend terrein"),
    "ouderenwoningen_geclusterd": ("", "hofje voor ouderen", "geclusterd wonen met ontmoetingsruimte",
                                   "woonzorgcomplex (coöperatief)"),
    "verbetering_efg": ("", "na-isolatie en HR++ glas", "naar label B of beter", "complexgewijze renovatie"),
    "investering_duurzame_energie": ("", "warmtepompen en zonnepanelen", "verduurzaming bij mutatie"),
    "warmtepompen": ("", "hybride warmtepomp bij vervanging cv-ketel", "all-electric"),
    "zonnepanelen": ("", "zonnepanelen op eengezinswoningen", "collectieve PV-installatie"),
    "herstel_conditie_56": ("", "achterstallig onderhoud wegwerken", "groot onderhoud"),
    "investering_schimmel": ("", "schimmelaanpak na meldingen huurders", "ventilatie verbeteren"),
    "investering_brandveiligheid": ("", "brandveiligheid galerijflats", "rookmelders en vluchtwegen"),
    "investering_loden_leidingen": ("", "vervanging loden leidingen in vooroorlogse woningen"),
    "sloop": ("", "sloop t.b.v. herstructurering"),
    "verkoop": ("", "verkoop aan zittende huurders", "verkoop bij mutatie"),
}
PROJECT_NAMES = ("Noord", "Zuid", "Oost", "West", "Centrum", "De Hoven", "Het Veld", "Brinkstraat",
                 "Molenweg", "Kerkplein")


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in ascii_text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


@dataclass
class Row:
    corp: str  # L-number, canonical
    year: int
    indicator: str
    value: float
    note: str = ""
    tag: str | None = None  # defect tag, reported with its Excel row when written
    raw_corp: str | None = None  # as written, when different from the canonical code
    raw_value: object = None  # as written (text), when forced


@dataclass
class Workbook:
    file: str  # relative to raw_dir, e.g. agreements/xyz.xlsx
    code: str  # gemeentecode as meant (canonical)
    name: str
    status: str  # bod | concept | ondertekend
    date: dt.date
    van: int
    tot: int
    versie: int
    parties: list[str]
    tenants: str
    rows: list[Row]
    unit: str = ""
    # overrides of what is written in Afspraak (defects and quirks): field -> raw value
    fields_override: dict[str, object] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)  # defect tag -> what to report (sheet/field)
    raw_bytes: bytes | None = None  # write these bytes instead of a workbook (defect F1)
    copy_of: str | None = None  # write the very same bytes as that workbook (defect F5)


@dataclass
class Unit:
    code: str
    name: str
    current: str
    kind: str  # normal | absorbing | old_part | new_code | late_part
    locs_before: list[int]
    locs_after: list[int]
    merge_date: dt.date | None

    def locs_on(self, date: dt.date) -> list[int]:
        if self.merge_date is not None and date >= self.merge_date:
            return self.locs_after
        return self.locs_before


@dataclass
class VersionPlan:
    status: str
    versie: int
    date: dt.date
    van: int
    tot: int


@dataclass
class AgreementSet:
    workbooks: list[Workbook]
    units: list[Unit]
    covered: set[str]  # current municipalities with a signed agreement (no as_of)
    counting: dict[str, Workbook]  # unit code -> counting signed workbook (no as_of)
    stats: "Stats"
    totals: dict[str, float] = field(default_factory=dict)


class Stats:
    """Homes per (corporation, location) in both snapshots, and a few counts of interest."""

    def __init__(self, geo: Geography, layout: Layout, d21: Dwellings, d22: Dwellings, evo: Evolution):
        self.n_loc = len(geo.locations)
        self.n_corp = len(layout.corporations)

        def count(d: Dwellings, mask: np.ndarray | None = None) -> np.ndarray:
            key = d["corp"].astype(np.int64) * self.n_loc + d["loc"]
            if mask is not None:
                key = key[mask]
            return np.bincount(key, minlength=self.n_corp * self.n_loc).reshape(self.n_corp, self.n_loc)

        self.n21 = count(d21)
        self.efg21 = count(d21, d21["label"] >= LABEL_E)
        self.c56_21 = count(d21, d21["cond"] >= 5)
        self.gas21 = count(d21, d21["heating"] == 0)
        self.n22 = count(d22)
        self.efg22 = count(d22, d22["label"] >= LABEL_E)
        self.c56_22 = count(d22, d22["cond"] >= 5)
        self.imp22 = count(d22, np.isin(d22["uid"], evo.improved_efg_uid))
        self.rest22 = count(d22, np.isin(d22["uid"], evo.restored_56_uid))

    def of(self, name: str, corp: int, locs: list[int]) -> int:
        return int(getattr(self, name)[corp, locs].sum())


def _random_date(rng: np.random.Generator, start: str, end: str) -> dt.date:
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return a + dt.timedelta(days=int(rng.integers(0, (b - a).days + 1)))


def build_units(geo: Geography) -> list[Unit]:
    loc_index = {loc: i for i, loc in enumerate(geo.locations)}
    merge_date: dict[str, dt.date] = {}
    for eff, old, _new in geo.mergers:
        merge_date.setdefault(old, eff)
    units: list[Unit] = []
    for m in geo.current_municipalities:
        locs = geo.locations_of(m)
        idx = [loc_index[l] for l in locs]
        if locs == [m]:
            units.append(Unit(m, geo.names[m], m, "normal", idx, idx, None))
            continue
        dates = sorted({merge_date[l] for l in locs if l != m and l in merge_date})
        first_merge = dates[0] if dates else None
        if first_merge is not None and first_merge.year >= 2023:
            for l in locs:  # merged after both snapshots: the parts keep their own agreements
                units.append(Unit(l, geo.names[l], m, "late_part", [loc_index[l]], [loc_index[l]], None))
            continue
        for l in locs:
            if l != m:
                units.append(Unit(l, geo.names[l], m, "old_part", [loc_index[l]], [loc_index[l]], None))
        if m in locs:
            units.append(Unit(m, geo.names[m], m, "absorbing", [loc_index[m]], idx, first_merge))
        else:
            units.append(Unit(m, geo.names[m], m, "new_code", idx, idx, None))
    units.sort(key=lambda u: u.code)
    return units


def _timeline(rng: np.random.Generator, unit: Unit, covered: bool, force_early: bool) -> list[VersionPlan]:
    plans: list[VersionPlan] = []
    tot = lambda options: int(rng.choice(options))  # noqa: E731
    if unit.kind == "old_part":
        if not covered:
            return []
        if rng.random() < 0.3:
            plans.append(VersionPlan("concept", 1, _random_date(rng, "2021-09-01", "2021-10-10"), 2022, 2022))
        plans.append(VersionPlan("ondertekend", len(plans) + 1,
                                 _random_date(rng, "2021-10-15", "2021-12-20"), 2022, 2022))
        return plans
    if not covered:
        r = rng.random()
        if r < 0.35:
            return []
        plans.append(VersionPlan("concept", 1, _random_date(rng, "2022-09-01", "2022-12-15"), 2023, tot([2027, 2028])))
        if r >= 0.7:
            p = plans[0]
            plans.append(VersionPlan("concept", 2, _random_date(rng, "2023-01-05", "2023-03-20"), p.van, p.tot))
        return plans
    if unit.kind == "new_code":
        t = tot([2027, 2028])
        plans.append(VersionPlan("concept", 1, _random_date(rng, "2022-06-01", "2022-09-30"), 2023, t))
        plans.append(VersionPlan("ondertekend", 2, _random_date(rng, "2022-10-15", "2023-03-20"), 2023, t))
        return plans
    r = rng.random()
    kind = "T1" if r < 0.45 else ("T2" if r < 0.58 else ("T3" if r < 0.80 else "T4"))
    if force_early and kind in ("T1", "T4"):
        kind = "T2" if rng.random() < 0.5 else "T3"
    if kind == "T1":
        t1 = tot([2025, 2026])
        plans.append(VersionPlan("concept", 1, _random_date(rng, "2021-09-15", "2021-10-31"), 2022, t1))
        plans.append(VersionPlan("ondertekend", 2, _random_date(rng, "2021-11-01", "2021-12-20"), 2022, t1))
        van2, t2 = (2022 if rng.random() < 0.5 else 2023), tot([2026, 2027, 2027, 2028])
        plans.append(VersionPlan("concept", 3, _random_date(rng, "2022-09-01", "2022-10-31"), van2, t2))
        plans.append(VersionPlan("ondertekend", 4, _random_date(rng, "2022-11-01", "2023-03-15"), van2, t2))
    elif kind == "T2":
        plans.append(VersionPlan("ondertekend", 1, _random_date(rng, "2021-11-01", "2021-12-20"),
                                 2022, tot([2026, 2027])))
    elif kind == "T3":
        t = tot([2026, 2027, 2027, 2028])
        plans.append(VersionPlan("concept", 1, _random_date(rng, "2022-01-15", "2022-03-31"), 2022, t))
        plans.append(VersionPlan("ondertekend", 2, _random_date(rng, "2022-04-01", "2022-06-28"), 2022, t))
        if rng.random() < 0.5:
            plans.append(VersionPlan("concept", 3, _random_date(rng, "2022-10-01", "2023-02-28"), 2023, t))
    else:
        t = tot([2027, 2028])
        plans.append(VersionPlan("concept", 1, _random_date(rng, "2022-09-01", "2022-10-31"), 2023, t))
        plans.append(VersionPlan("ondertekend", 2, _random_date(rng, "2022-11-01", "2023-03-20"), 2023, t))
    return plans


class AgreementBuilder:
    def __init__(self, geo: Geography, layout: Layout, d21: Dwellings, d22: Dwellings,
                 evo: Evolution, scale: Scale, seed: int):
        self.geo, self.layout, self.scale, self.seed = geo, layout, scale, seed
        self.rng = np.random.default_rng([seed, 606])
        self.stats = Stats(geo, layout, d21, d22, evo)
        self.corps = layout.corporations
        self.roles = layout.roles
        self.succ = np.arange(len(self.corps))
        for c in self.corps:
            if c.merged_into is not None:
                self.succ[c.idx] = c.merged_into
        self.hold_locs: dict[int, set[int]] = {}
        for c, l in zip(layout.hold_corp.tolist(), layout.hold_loc.tolist()):
            self.hold_locs.setdefault(l, set()).add(c)
        self.unit_rng_cache: dict[tuple[str, int], dict] = {}
        self.code_to_idx = {c.code: c.idx for c in self.corps}

    # -- who, what ---------------------------------------------------------------------------
    def parties(self, unit: Unit, date: dt.date, elderly_joins: bool) -> list[int]:
        out = set()
        for l in unit.locs_on(date):
            out |= self.hold_locs.get(l, set())
        result = []
        for c in sorted(out):
            corp = self.corps[c]
            if not corp.participates:
                continue
            if corp.dissolved_on is not None and date >= corp.dissolved_on:
                continue
            if corp.kind == "elderly" and not elderly_joins:
                continue
            result.append(c)
        return result

    def pair_profile(self, unit: Unit, c: int) -> dict:
        key = (unit.code, c)
        if key not in self.unit_rng_cache:
            rng = np.random.default_rng([self.seed, 607, int(unit.code[2:]), c])
            elderly = self.corps[c].kind == "elderly"
            inds = {"verbetering_efg", "herstel_conditie_56"}
            for ind, (p_reg, p_eld) in PARTICIPATION.items():
                if rng.random() < (p_eld if elderly else p_reg):
                    inds.add(ind)
            if self.corps[c].merged_into is not None:
                inds -= {"verbetering_efg", "herstel_conditie_56"}
                inds.add("nieuwbouw")
            self.unit_rng_cache[key] = dict(
                indicators=inds, ambition=float(rng.lognormal(0, 0.35)),
                phi_efg=1.0 if rng.random() < 0.45 else float(rng.uniform(0.5, 1.0)),
                phi_56=1.0 if rng.random() < 0.7 else float(rng.uniform(0.5, 1.0)),
                imp_factor=float(rng.uniform(0.8, 1.2)),
                noise=rng.uniform(0.9, 1.1, 64),
            )
        return self.unit_rng_cache[key]

    def base_rows(self, unit: Unit, plan: VersionPlan, parties: list[int]) -> list[list]:
        """[corp, year, indicator, value(float)] before national scaling and rounding."""
        s = self.stats
        locs = unit.locs_on(plan.date)
        years = list(range(plan.van, plan.tot + 1))
        rows: list[list] = []
        for c in parties:
            n21 = s.of("n21", c, locs)
            succ = int(self.succ[c])
            if n21 == 0 or s.of("n22", succ, locs) == 0:
                continue  # only corporations that own homes there in both snapshots commit
            prof = self.pair_profile(unit, c)
            amb = prof["ambition"]
            noise = prof["noise"]
            inds = prof["indicators"]
            elderly = self.corps[c].kind == "elderly"
            gas = s.of("gas21", c, locs)
            for ind in INDICATOR_ORDER:
                if ind not in inds:
                    continue
                # Improvements are bounded by the homes owned; a municipality that absorbed another
                # bounds them by its own homes, since the absorbed one has its own agreement for 2022.
                bl = unit.locs_before if unit.kind == "absorbing" else locs
                if ind == "verbetering_efg":
                    vals = self._bounded(years, s.of("efg21", c, bl), s.of("efg22", c, bl),
                                         s.of("imp22", c, bl) * prof["imp_factor"], prof["phi_efg"], 2028)
                elif ind == "herstel_conditie_56":
                    vals = self._bounded(years, s.of("c56_21", c, bl), s.of("c56_22", c, bl),
                                         s.of("rest22", c, bl) * prof["imp_factor"], prof["phi_56"], 2026)
                else:
                    vals = {}
                    for k, y in enumerate(years):
                        f = amb * noise[(k * 7 + INDICATOR_ORDER.index(ind)) % 64]
                        if ind == "nieuwbouw":
                            v = n21 * NEW_BUILD_RATE.get(y, 0.012) * f * (0.4 if elderly else 1.0)
                        elif ind == "transformatie":
                            v = n21 * 0.0008 * f
                        elif ind == "flexwoningen":
                            v = n21 * 0.0015 * f if y <= 2024 else 0
                        elif ind == "ouderenwoningen_geclusterd":
                            v = n21 * (0.03 if elderly else 0.004) * f
                        elif ind == "investering_duurzame_energie":
                            v = n21 * (60 if y <= 2025 else 30) * f
                        elif ind == "warmtepompen":
                            v = gas * 0.015 * f
                        elif ind == "zonnepanelen":
                            v = n21 * 0.025 * f
                        elif ind == "investering_schimmel":
                            v = n21 * 22 * f
                        elif ind == "investering_brandveiligheid":
                            v = n21 * 15 * f
                        elif ind == "investering_loden_leidingen":
                            v = n21 * 12 * f
                        elif ind == "sloop":
                            v = n21 * 0.0025 * f
                        else:  # verkoop
                            v = n21 * 0.003 * f
                        vals[y] = v
                for y, v in vals.items():
                    if v > 0:
                        rows.append([self.corps[c].code, y, ind, float(v)])
        return rows

    @staticmethod
    def _bounded(years: list[int], stock21: int, stock22: int, done22: float, phi: float,
                 last_year: int) -> dict[int, float]:
        """Improvements committed per year, never more than owned: the sum over the years after
        2022 stays within the end-2022 stock and the sum from 2022 within the end-2021 stock."""
        later = [y for y in years if 2023 <= y <= last_year]
        total_later = min(int(np.floor(phi * stock22)), stock21) if later else 0
        out: dict[int, float] = {}
        if later and total_later > 0:
            base, rem = divmod(total_later, len(later))
            for k, y in enumerate(later):
                out[y] = float(base + (1 if k < rem else 0))
        if 2022 in years:
            v22 = min(int(round(done22)), stock21 - total_later)
            if v22 > 0:
                out[2022] = float(v22)
        return out

    # -- the whole set -----------------------------------------------------------------------
    def choose_uncovered(self, units: list[Unit], stock22: dict[str, int]) -> set[str]:
        rng = np.random.default_rng([self.seed, 608])
        total = sum(stock22.values())
        protected = set()
        for key in ("merged_1", "merged_2"):
            seat = self.corps[self.roles[key]].seat
            protected.add(self.geo.current[seat])
        ranked = sorted(stock22, key=lambda m: (-stock22[m], m))
        protected |= set(ranked[: 20 if self.scale.national_layout else 1])
        cands = [m for m in sorted(stock22) if m not in protected and stock22[m] > 0]
        keys = np.log(rng.random(len(cands))) * np.array([stock22[m] for m in cands]) ** 0.3
        order = [cands[i] for i in np.argsort(-keys)]
        target = (1 - TARGET_SIGNED_COVERAGE) * total
        chosen, acc = set(), 0
        for m in order:
            if acc >= target:
                break
            if acc + stock22[m] > target * 1.05 and chosen:
                continue
            chosen.add(m)
            acc += stock22[m]
        return chosen

    def build(self, d22: Dwellings) -> AgreementSet:
        geo, rng = self.geo, self.rng
        units = build_units(geo)
        loc_current = np.array([geo.current[l] for l in geo.locations])
        stock = np.bincount(d22["loc"], minlength=len(geo.locations))
        stock22: dict[str, int] = {}
        for i, m in enumerate(loc_current.tolist()):
            stock22[m] = stock22.get(m, 0) + int(stock[i])
        uncovered = self.choose_uncovered(units, stock22)
        x1_seat = geo.locations.index(self.corps[self.roles["merged_1"]].seat)

        # Versions and base rows.
        versions: list[tuple[Unit, VersionPlan, list[int], list[list]]] = []
        for unit in units:
            covered = unit.current not in uncovered
            elderly_joins = rng.random() < 0.7
            plans = _timeline(rng, unit, covered, force_early=x1_seat in unit.locs_before)
            for plan in plans:
                parties = self.parties(unit, plan.date, elderly_joins)
                if not parties:
                    continue
                versions.append((unit, plan, parties, self.base_rows(unit, plan, parties)))

        # Which signed version counts (no as_of): highest versie per unit code.
        counting_idx: dict[str, int] = {}
        for i, (unit, plan, _p, _r) in enumerate(versions):
            if plan.status == "ondertekend":
                j = counting_idx.get(unit.code)
                if j is None or versions[j][1].versie < plan.versie:
                    counting_idx[unit.code] = i

        # National scaling: the counting agreements add up to believable totals.
        f = self.scale.factor
        tot: dict[tuple[str, int], float] = {}
        for i in counting_idx.values():
            for corp, y, ind, v in versions[i][3]:
                tot[(ind, y)] = tot.get((ind, y), 0.0) + v
        factor: dict[tuple[str, int], float] = {}
        for y, want in DESIRED_NEW_BUILD.items():
            if tot.get(("nieuwbouw", y)):
                factor[("nieuwbouw", y)] = want * f / tot[("nieuwbouw", y)]
        eld = sum(v for (ind, _y), v in tot.items() if ind == "ouderenwoningen_geclusterd")
        sus = sum(v for (ind, y), v in tot.items() if ind == "investering_duurzame_energie" and 2022 <= y <= 2025)
        for y in range(2022, 2029):
            if eld:
                factor[("ouderenwoningen_geclusterd", y)] = DESIRED_ELDERLY_TOTAL * f / eld
            if sus:
                factor[("investering_duurzame_energie", y)] = DESIRED_SUSTAINABLE_2022_2025 * f / sus
            ym = min(y, 2026)
            maint = sum(tot.get((p, ym), 0.0) for p in MAINTENANCE_PARTS)
            if maint:
                for p in MAINTENANCE_PARTS:
                    factor[(p, y)] = DESIRED_MAINTENANCE[ym] * f / maint

        workbooks: list[Workbook] = []
        counting: dict[str, Workbook] = {}
        signed_values: dict[tuple[str, str, int, str], list[float]] = {}  # unit,corp,year,ind
        signed_years: dict[str, list[set[int]]] = {}
        for i, (unit, plan, parties, rows) in enumerate(versions):
            final: list[Row] = []
            vrng = np.random.default_rng([self.seed, 609, i])
            for corp, y, ind, v in rows:
                v = v * factor.get((ind, y), 1.0)
                if plan.status == "concept" and ind not in ("verbetering_efg", "herstel_conditie_56"):
                    v *= vrng.uniform(0.85, 1.0)
                if INDICATORS[ind] == EURO:
                    v = float(round(v / 1000.0) * 1000)
                elif ind in ("verbetering_efg", "herstel_conditie_56"):
                    v = float(np.floor(v))
                else:  # whole homes; small commitments are 0 or 1 with the right expectation
                    v = float(np.floor(v) + (vrng.random() < v - np.floor(v)))
                if ind == "nieuwbouw" and self.corps[self.code_to_idx[corp]].merged_into is not None:
                    v = max(v, 1.0)  # the merged corporations always commit something (A12)
                if v <= 0:
                    continue
                note = NOTES[ind][int(vrng.integers(0, len(NOTES[ind])))]
                final.append(Row(corp, y, ind, v, note))
            final = self._maybe_split(final, vrng, plan.status)
            wb = self._workbook(unit, plan, parties, final)
            workbooks.append(wb)
            if plan.status == "ondertekend":
                signed_years.setdefault(unit.code, []).append(set(range(plan.van, plan.tot + 1)))
                summed: dict[tuple[str, int, str], float] = {}
                for r in final:
                    summed[(r.corp, r.year, r.indicator)] = summed.get((r.corp, r.year, r.indicator), 0) + r.value
                for (corp, y, ind), v in summed.items():
                    signed_values.setdefault((unit.code, corp, y, ind), []).append(v)
                if counting_idx.get(unit.code) == i:
                    counting[unit.code] = wb

        self._ensure_split(counting)
        workbooks += self._bids(units, uncovered, signed_values, signed_years)
        covered = {u.current for u in units if u.code in counting}
        totals: dict[str, float] = {}
        for wb in counting.values():
            for r in wb.rows:
                key = f"{r.indicator}:{r.year}"
                totals[key] = totals.get(key, 0.0) + r.value
        return AgreementSet(workbooks=workbooks, units=units, covered=covered, counting=counting,
                            stats=self.stats, totals=totals)

    @staticmethod
    def _maybe_split(rows: list[Row], rng: np.random.Generator, status: str) -> list[Row]:
        """Now and then one commitment is written as two projects (summed, warning A13)."""
        if status == "bod" or rng.random() >= 0.06:
            return rows
        cands = [i for i, r in enumerate(rows) if r.indicator == "nieuwbouw" and r.value >= 2]
        if not cands:
            return rows
        i = cands[int(rng.integers(0, len(cands)))]
        r = rows[i]
        a = float(np.floor(r.value * rng.uniform(0.3, 0.7)))
        a = min(max(a, 1.0), r.value - 1)
        names = rng.choice(len(PROJECT_NAMES), 2, replace=False)
        first = Row(r.corp, r.year, r.indicator, a, f"project {PROJECT_NAMES[names[0]]}")
        second = Row(r.corp, r.year, r.indicator, r.value - a, f"project {PROJECT_NAMES[names[1]]}")
        return rows[:i] + [first, second] + rows[i + 1:]

    def _ensure_split(self, counting: dict[str, Workbook]) -> None:
        """At least one counting agreement writes a commitment as two projects (A13)."""
        def has_split(wb: Workbook) -> bool:
            keys = [(r.corp, r.year, r.indicator) for r in wb.rows]
            return len(keys) != len(set(keys))
        if any(has_split(wb) for wb in counting.values()):
            return
        for code in sorted(counting):
            wb = counting[code]
            for i, r in enumerate(wb.rows):
                if INDICATORS[r.indicator] == HOMES and r.indicator not in ("verbetering_efg", "herstel_conditie_56") and r.value >= 2:
                    a = float(np.floor(r.value / 2))
                    wb.rows[i:i + 1] = [Row(r.corp, r.year, r.indicator, a, f"project {PROJECT_NAMES[0]}"),
                                        Row(r.corp, r.year, r.indicator, r.value - a, f"project {PROJECT_NAMES[1]}")]
                    return

    def _tenants(self, unit: Unit, parties: list[int]) -> str:
        rng = np.random.default_rng([self.seed, 610, int(unit.code[2:])])
        base = unit.name.split(",")[0].split(" (")[0]
        names = [f"Huurdersvereniging {base}"]
        if rng.random() < 0.5:
            names.append(f"Bewonersraad {base}-Zuid")
        if rng.random() < 0.3:
            names.append("Huurdersplatform 't Centrum")
        return "; ".join(names)

    def _workbook(self, unit: Unit, plan: VersionPlan, parties: list[int], rows: list[Row]) -> Workbook:
        s = slug(unit.name)
        if plan.status == "ondertekend":
            name = f"prestatieafspraken_{unit.code}_{s}_{plan.van}-{plan.tot}_v{plan.versie}_getekend.xlsx"
        else:
            name = f"concept_prestatieafspraken_{unit.code}_{s}_v{plan.versie}.xlsx"
        return Workbook(
            file=f"agreements/{name}", code=unit.code, name=unit.name, status=plan.status,
            date=plan.date, van=plan.van, tot=plan.tot, versie=plan.versie,
            parties=[self.corps[c].code for c in parties], tenants=self._tenants(unit, parties),
            rows=rows, unit=unit.code,
        )

    def _bids(self, units: list[Unit], uncovered: set[str],
              signed_values: dict[tuple[str, str, int, str], list[float]],
              signed_years: dict[str, list[set[int]]]) -> list[Workbook]:
        """A quarter of the corporations bid (before 1 July 2022) in a municipality; a bid never
        asks more than any signed version of that municipality commits (no A11 in clean data)."""
        out: list[Workbook] = []
        for unit in units:
            if unit.kind == "old_part":
                continue
            rng = np.random.default_rng([self.seed, 611, int(unit.code[2:])])
            date_ref = dt.date(2022, 6, 1)
            for c in self.parties(unit, date_ref, elderly_joins=True):
                corp = self.corps[c]
                if rng.random() >= (0.25 if self.scale.national_layout else 0.6) or corp.merged_into is not None:
                    continue
                years_sets = signed_years.get(unit.code)
                if years_sets:
                    years = sorted(set.intersection(*years_sets))
                else:
                    years = list(range(2023, 2028))
                if not years:
                    continue
                plan = VersionPlan("bod", 1, _random_date(rng, "2022-04-15", "2022-06-10"), years[0], years[-1])
                base = self.base_rows(unit, plan, [c])
                n_versions = 2 if rng.random() < 0.2 else 1
                for v in range(1, n_versions + 1):
                    date = plan.date if v == 1 else plan.date + dt.timedelta(days=int(rng.integers(5, 20)))
                    rows = []
                    for corp_code, y, ind, val in base:
                        if rng.random() < 0.4:
                            continue
                        if years_sets is not None:
                            vals = signed_values.get((unit.code, corp_code, y, ind))
                            if not vals or len(vals) < len(years_sets):
                                continue  # some signed version has no such row: never bid it
                            cap = min(vals)
                            val = cap * rng.uniform(0.75, 1.0)
                        else:
                            val = val * rng.uniform(0.8, 1.0)
                        val = float(np.floor(val / 1000) * 1000) if INDICATORS[ind] == EURO else float(np.floor(val))
                        if val > 0:
                            rows.append(Row(corp_code, y, ind, val, ""))
                    if not rows:
                        continue
                    name = f"bod_{corp.code}_{unit.code}_{slug(unit.name)}_{date:%Y%m%d}_v{v}.xlsx"
                    out.append(Workbook(
                        file=f"agreements/{name}", code=unit.code, name=unit.name, status="bod",
                        date=date, van=plan.van, tot=plan.tot, versie=v, parties=[corp.code],
                        tenants=self._tenants(unit, [c]), rows=rows, unit=unit.code,
                    ))
        return out


def build_agreements(geo: Geography, layout: Layout, d21: Dwellings, d22: Dwellings,
                     evo: Evolution, scale: Scale, seed: int) -> AgreementSet:
    return AgreementBuilder(geo, layout, d21, d22, evo, scale, seed).build(d22)


__all__ = ["AgreementSet", "Row", "Workbook", "build_agreements", "INDICATORS", "MERGER_DATES"]
