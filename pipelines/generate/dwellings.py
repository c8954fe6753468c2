"""Dwellings of the two register snapshots (2021-12-31 and 2022-12-31) as numpy arrays.

Every dwelling has an internal identity `uid` that survives between snapshots; what the register
files show of it (bag_vbo_id, corporation, vhe_nummer) follows the rules of raw-inputs.md: a
transfer keeps the BAG id and gets the new corporation's unit number, a merged corporation's units
keep their numbers under the successor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from .corporations import Layout
from .reference import SNAPSHOT_DATES, Geography
from .sampling import categorical, categorical_rows, weighted_choice_exact
from .scales import (
    TARGET_ACQUISITIONS_2022, TARGET_CONDITION_5, TARGET_CONDITION_6, TARGET_CONDITION_UNKNOWN,
    TARGET_EFG_2021, TARGET_EFG_2022, TARGET_NEW_BUILDS_2022, TARGET_OUTFLOW_2022,
    TARGET_TRANSFERS_2022, Scale,
)

LABELS = ("", "A++++", "A+++", "A++", "A+", "A", "B", "C", "D", "E", "F", "G")  # 0 = none
LABEL_E, LABEL_D = 9, 8
HEATING = ("gasketel", "warmtepomp", "hybride", "warmtenet", "elektrisch", "overig")
SEGMENTS = ("sociaal", "midden", "vrij")
SOCIAL_RENT_CEILING_CENTS = 76_347  # 2022

# Construction-year bands: (first, last, share of the corporation stock).
BANDS = ((1870, 1944, 0.12), (1945, 1964, 0.18), (1965, 1974, 0.20), (1975, 1984, 0.17),
         (1985, 1994, 0.12), (1995, 2004, 0.09), (2005, 2014, 0.08), (2015, 2021, 0.04))
# Relative chance of an E/F/G label per band, and the province multipliers (older, colder stock
# in the north and south-east; young stock in Flevoland).
EFG_BAND_WEIGHT = np.array([0.30, 0.20, 0.14, 0.06, 0.02, 0.005, 0.0, 0.0])
PROVINCE_EFG = {"PV20": 1.45, "PV21": 1.2, "PV22": 1.1, "PV23": 1.0, "PV24": 0.35, "PV25": 0.95,
                "PV26": 0.85, "PV27": 0.9, "PV28": 0.95, "PV29": 1.2, "PV30": 1.0, "PV31": 1.35}
PROVINCE_GROWTH = {"PV20": 0.7, "PV21": 0.7, "PV22": 0.6, "PV23": 0.9, "PV24": 2.0, "PV25": 1.0,
                   "PV26": 1.5, "PV27": 1.3, "PV28": 1.2, "PV29": 0.6, "PV30": 1.1, "PV31": 0.4}
# Labels that are not E/F/G, per band (columns: index 1..8 of LABELS = A++++ .. D).
GOOD_LABELS_BY_BAND = np.array([
    [0, 0, 0, 0, 0.02, 0.18, 0.45, 0.35],
    [0, 0, 0, 0, 0.03, 0.20, 0.45, 0.32],
    [0, 0, 0, 0, 0.04, 0.22, 0.44, 0.30],
    [0, 0, 0, 0.01, 0.10, 0.35, 0.40, 0.14],
    [0, 0, 0, 0.02, 0.20, 0.45, 0.29, 0.04],
    [0, 0, 0.01, 0.05, 0.35, 0.45, 0.14, 0],
    [0, 0.02, 0.08, 0.20, 0.50, 0.20, 0, 0],
    [0.10, 0.30, 0.35, 0.25, 0, 0, 0, 0],
])
EFG_SPLIT_BY_BAND = np.array([[0.40, 0.33, 0.27], [0.50, 0.30, 0.20], [0.50, 0.30, 0.20],
                              [0.60, 0.28, 0.12], [0.60, 0.28, 0.12], [0.7, 0.2, 0.1],
                              [0.7, 0.2, 0.1], [0.7, 0.2, 0.1]])
CONDITION_BY_BAND = np.array([[0.03, 0.27, 0.50, 0.20], [0.04, 0.30, 0.48, 0.18],
                              [0.06, 0.34, 0.45, 0.15], [0.08, 0.40, 0.42, 0.10],
                              [0.12, 0.45, 0.36, 0.07], [0.25, 0.50, 0.22, 0.03],
                              [0.45, 0.40, 0.13, 0.02], [0.70, 0.27, 0.03, 0.0]])
HEATING_BY_BAND = np.array([[0.80, 0.02, 0.04, 0.10, 0.02, 0.02]] * 6
                           + [[0.55, 0.15, 0.05, 0.20, 0.03, 0.02],
                              [0.05, 0.55, 0.05, 0.25, 0.10, 0.0]])
FIELDS = ("uid", "corp", "loc", "vhe_corp", "vhe_seq", "bag_code", "bag_serial", "has_bag", "pc4",
          "pc_a", "pc_b", "egw", "bouwjaar", "label", "cond", "heating", "solar", "elderly", "flex",
          "segment", "rent")


@dataclass
class Dwellings:
    """Column arrays of one snapshot (one element per dwelling)."""

    date: dt.date
    cols: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.cols["uid"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name]

    def take(self, idx: np.ndarray) -> "Dwellings":
        return Dwellings(self.date, {k: v[idx] for k, v in self.cols.items()})

    def concat(self, other: "Dwellings") -> "Dwellings":
        return Dwellings(self.date, {k: np.concatenate([v, other.cols[k]]) for k, v in self.cols.items()})


@dataclass
class Evolution:
    """What happened between the snapshots (for the summary and for plausible commitments)."""

    outflow_uid: np.ndarray
    transfer_uid: np.ndarray
    new_uid: np.ndarray
    acquired_uid: np.ndarray
    improved_efg_uid: np.ndarray
    restored_56_uid: np.ndarray
    counts: dict[str, int] = field(default_factory=dict)


def scaled(target: float, scale: Scale, minimum: int = 0) -> int:
    return max(minimum, int(round(target * scale.factor)))


class DwellingFactory:
    """Draws dwelling attributes for a set of (corporation, location) pairs."""

    def __init__(self, geo: Geography, layout: Layout, rng: np.random.Generator):
        self.geo, self.layout, self.rng = geo, layout, rng
        n_loc = len(geo.locations)
        self.loc_code_num = np.array([int(loc[2:]) for loc in geo.locations], dtype=np.int32)
        self.loc_code_2022 = np.array([int(geo.code_on(loc, SNAPSHOT_DATES[1])[2:])
                                       for loc in geo.locations], dtype=np.int32)
        w = layout.location_weight
        self.p_egw = np.where(w > 30_000, 0.2, np.where(w > 10_000, 0.35, 0.5))
        # four-digit postcode areas roughly where the province has them
        pc_range = {"PV20": (9350, 9990), "PV21": (8400, 9299), "PV22": (7700, 7999), "PV23": (7400, 8299),
                    "PV24": (8200, 8399), "PV25": (6500, 7399), "PV26": (3400, 3999), "PV27": (1000, 2199),
                    "PV28": (2200, 3399), "PV29": (4300, 4699), "PV30": (4700, 5899), "PV31": (5900, 6499)}
        lo_hi = np.array([pc_range.get(geo.province[loc], (1000, 9899)) for loc in geo.locations])
        self.pc4_base = (lo_hi[:, 0] + rng.random(n_loc) * (lo_hi[:, 1] - lo_hi[:, 0] - 60)).astype(np.int64)
        self.pc4_span = np.clip(w / 2_000, 1, 60).astype(np.int64)
        # BAG serial counters per municipality code (the code in a BAG id is the one of the
        # municipality at the time the object was registered)
        self.bag_next = rng.integers(10**5, 4 * 10**9, 10_000).astype(np.int64)
        prov = [geo.province[geo.current[loc]] for loc in geo.locations]
        self.loc_efg = np.array([PROVINCE_EFG.get(p, 1.0) for p in prov])
        self.loc_growth = np.array([PROVINCE_GROWTH.get(p, 1.0) for p in prov])
        n_corp = len(layout.corporations)
        self.corp_efg = rng.lognormal(0, 0.4, n_corp)
        self.corp_unmeasured = rng.lognormal(0, 1.0, n_corp)
        self.corp_ambition = rng.lognormal(0, 0.5, n_corp)
        self.corp_no_bag = np.where(rng.random(n_corp) < 0.15, rng.uniform(0.01, 0.08, n_corp), 0.0)
        self.corp_no_label = np.clip(0.025 * rng.lognormal(0, 0.6, n_corp), 0, 0.15)
        self.vhe_next = np.array([c.vhe_start for c in layout.corporations], dtype=np.int64)
        self.elderly_corp = layout.roles["elderly"]

    # -- identifiers -------------------------------------------------------------------------
    def _bag(self, code_num: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        code_num = code_num.astype(np.int32)
        gaps = self.rng.integers(1, 30, len(code_num)).astype(np.int64)
        rank_cum = np.zeros(len(code_num), dtype=np.int64)
        order = np.argsort(code_num, kind="stable")
        g = gaps[order]
        cs = np.cumsum(g)
        sl = code_num[order]
        start = np.r_[True, sl[1:] != sl[:-1]]
        base = np.maximum.accumulate(np.where(start, cs - g, 0))
        rank_cum[order] = cs - base
        serial = self.bag_next[code_num] + rank_cum
        np.maximum.at(self.bag_next, code_num, serial + 1)
        return code_num, serial

    def _vhe(self, corp: np.ndarray) -> np.ndarray:
        gaps = self.rng.integers(1, 4, len(corp)).astype(np.int64)
        order = np.argsort(corp, kind="stable")
        g = gaps[order]
        cs = np.cumsum(g)
        sc = corp[order]
        start = np.r_[True, sc[1:] != sc[:-1]]
        base = np.maximum.accumulate(np.where(start, cs - g, 0))
        seq = np.empty(len(corp), dtype=np.int64)
        seq[order] = self.vhe_next[sc] + (cs - base)
        np.maximum.at(self.vhe_next, corp, seq + 1)
        return seq

    # -- attributes --------------------------------------------------------------------------
    def make(self, corp: np.ndarray, loc: np.ndarray, uid: np.ndarray, date: dt.date,
             band: np.ndarray | None = None, bag_code: np.ndarray | None = None) -> Dwellings:
        rng = self.rng
        n = len(corp)
        if band is None:
            band = categorical(rng, np.array([b[2] for b in BANDS]), n)
        lo = np.array([b[0] for b in BANDS])[band]
        hi = np.array([b[1] for b in BANDS])[band]
        bouwjaar = (lo + np.floor(rng.random(n) * (hi - lo + 1))).astype(np.int16)
        egw = rng.random(n) < self.p_egw[loc]
        label = (1 + categorical_rows(rng, GOOD_LABELS_BY_BAND, band)).astype(np.int8)
        label[rng.random(n) < self.corp_no_label[corp]] = 0
        cond = (1 + categorical_rows(rng, CONDITION_BY_BAND, band)).astype(np.int8)
        heating = categorical_rows(rng, HEATING_BY_BAND, band)
        solar = rng.random(n) < np.where(band == 7, 0.6, np.where(egw, 0.30, 0.10))
        is_elderly_corp = corp == self.elderly_corp
        elderly = rng.random(n) < np.where(is_elderly_corp, 0.85, np.where(egw, 0.01, 0.06))
        flex = (rng.random(n) < np.where(band == 7, 0.03, 0.001)) & ~is_elderly_corp
        segment = categorical(rng, np.array([0.91, 0.06, 0.03]), n)
        rent = self._rents(segment)
        code_num = self.loc_code_num[loc] if bag_code is None else bag_code
        bag_code, bag_serial = self._bag(code_num)
        has_bag = rng.random(n) >= self.corp_no_bag[corp]
        pc4 = (self.pc4_base[loc] + rng.integers(0, 10**6, n) % self.pc4_span[loc]).astype(np.int16)
        cols = dict(
            uid=uid.astype(np.int64), corp=corp.astype(np.int32), loc=loc.astype(np.int32),
            vhe_corp=corp.astype(np.int32), vhe_seq=self._vhe(corp), bag_code=bag_code,
            bag_serial=bag_serial, has_bag=has_bag, pc4=pc4,
            pc_a=rng.integers(0, 20, n).astype(np.int8), pc_b=rng.integers(0, 21, n).astype(np.int8),
            egw=egw, bouwjaar=bouwjaar, label=label, cond=cond, heating=heating, solar=solar,
            elderly=elderly, flex=flex, segment=segment, rent=rent,
        )
        d = Dwellings(date, cols)
        d.cols["_band"] = band.astype(np.int8)
        return d

    def _rents(self, segment: np.ndarray) -> np.ndarray:
        rng = self.rng
        n = len(segment)
        social = np.clip(rng.normal(585, 85, n), 320, SOCIAL_RENT_CEILING_CENTS / 100)
        middle = rng.uniform(763.48, 1050, n)
        free = rng.uniform(1050, 1650, n)
        euro = np.where(segment == 0, social, np.where(segment == 1, middle, free))
        return np.round(euro * 100).astype(np.int32)


def _efg_split(rng: np.random.Generator, band: np.ndarray) -> np.ndarray:
    return (LABEL_E + categorical_rows(rng, EFG_SPLIT_BY_BAND, band)).astype(np.int8)


def generate_2021(geo: Geography, layout: Layout, scale: Scale, seed: int) -> tuple[Dwellings, DwellingFactory]:
    rng = np.random.default_rng([seed, 202])
    factory = DwellingFactory(geo, layout, rng)
    corp = np.repeat(layout.hold_corp, layout.hold_n)
    loc = np.repeat(layout.hold_loc, layout.hold_n)
    n = len(corp)
    d = factory.make(corp, loc, np.arange(n), SNAPSHOT_DATES[0])
    band = d.cols["_band"]

    # E/F/G: exactly the published count (times the scale), older homes and some provinces first.
    labelled = d["label"] > 0
    w = EFG_BAND_WEIGHT[band] * factory.loc_efg[loc] * factory.corp_efg[corp] * labelled
    efg = weighted_choice_exact(rng, w, scaled(TARGET_EFG_2021, scale))
    d["label"][efg] = _efg_split(rng, band[efg])

    # Condition: not measured, 6 and 5, each exactly the published count.
    cond = d["cond"]
    unknown = weighted_choice_exact(rng, factory.corp_unmeasured[corp] * np.where(band >= 6, 1.4, 1.0),
                                    scaled(TARGET_CONDITION_UNKNOWN, scale))
    cond[unknown] = 0
    age_w = np.array([6, 4, 3, 1.5, 0.6, 0.2, 0.02, 0.0])[band] * (cond > 0)
    six = weighted_choice_exact(rng, age_w, scaled(TARGET_CONDITION_6, scale, minimum=1))
    cond[six] = 6
    age_w[six] = 0
    five = weighted_choice_exact(rng, age_w, scaled(TARGET_CONDITION_5, scale, minimum=1))
    cond[five] = 5
    return d, factory


def _slots(rng: np.random.Generator, hold_corp: np.ndarray, hold_loc: np.ndarray,
           hold_n: np.ndarray, frac: float, weight: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw `k` (corporation, location) slots; each holding offers floor(frac * homes) slots."""
    cap = np.floor(hold_n * frac).astype(np.int64)
    if cap.sum() < k:
        cap = np.maximum(cap, 1)
    slot_hold = np.repeat(np.arange(len(hold_n)), cap)
    pick = weighted_choice_exact(rng, weight[slot_hold], k)
    h = slot_hold[pick]
    return hold_corp[h], hold_loc[h]


def evolve_2022(d21: Dwellings, factory: DwellingFactory, layout: Layout, scale: Scale,
                seed: int) -> tuple[Dwellings, Evolution]:
    rng = np.random.default_rng([seed, 303])
    roles = layout.roles
    corps = layout.corporations
    n_corp = len(corps)
    d = d21.take(np.arange(len(d21)))  # a copy
    d.date = SNAPSHOT_DATES[1]
    band = d.cols["_band"]
    bouwjaar = d["bouwjaar"]
    efg_mask = d["label"] >= LABEL_E
    regular_active = np.ones(n_corp, dtype=bool)
    for key in ("elderly", "merged_1", "merged_2", "non_participant"):
        regular_active[roles[key]] = False

    # 1. Demolition and sales: older and poorer homes first.
    w_out = np.where(bouwjaar < 1965, 3.0, np.where(bouwjaar < 1975, 2.0, 0.5)) * np.where(efg_mask, 2.0, 1.0)
    w_out[d["corp"] == roles["elderly"]] *= 0.3
    out = weighted_choice_exact(rng, w_out, scaled(TARGET_OUTFLOW_2022, scale, minimum=2))
    keep = np.ones(len(d), dtype=bool)
    keep[out] = False
    outflow_uid = d["uid"][out]
    d = d.take(np.flatnonzero(keep))

    # 2. Transfers to another corporation in the same municipality (BAG id kept, new unit number).
    corp, loc = d["corp"], d["loc"]
    holders: dict[int, list[tuple[int, int]]] = {}
    for c, l, n in zip(layout.hold_corp.tolist(), layout.hold_loc.tolist(), layout.hold_n.tolist()):
        if regular_active[c]:
            holders.setdefault(l, []).append((c, n))
    n_loc = len(factory.geo.locations)
    multi = np.zeros(n_loc, dtype=bool)
    for l, lst in holders.items():
        multi[l] = len(lst) >= 2
    eligible = d["has_bag"] & regular_active[corp] & multi[loc]
    tr = weighted_choice_exact(rng, eligible.astype(np.float64), scaled(TARGET_TRANSFERS_2022, scale, minimum=2))
    receivers = np.empty(len(tr), dtype=np.int32)
    for j, i in enumerate(tr.tolist()):
        options = [(c, n) for c, n in holders[int(loc[i])] if c != corp[i]]
        w = np.array([n for _, n in options], dtype=np.float64)
        receivers[j] = options[int(rng.choice(len(options), p=w / w.sum()))][0]
    d["corp"][tr] = receivers
    d["vhe_corp"][tr] = receivers
    d["vhe_seq"][tr] = factory._vhe(receivers)
    transfer_uid = d["uid"][tr]

    # 3. The corporation that merged on 2022-07-01 is gone: its homes are the successor's now.
    d["corp"][d["corp"] == roles["merged_1"]] = roles["successor_1"]

    # 4. New builds and acquisitions, in holdings of the corporations that are still there.
    hc = layout.hold_corp.copy()
    hc[hc == roles["merged_1"]] = roles["successor_1"]
    hl, hn = layout.hold_loc, layout.hold_n
    growth = factory.loc_growth[hl] * factory.corp_ambition[hc]
    next_uid = int(d21["uid"].max()) + 1
    k_new = scaled(TARGET_NEW_BUILDS_2022, scale, minimum=2)
    nc, nl = _slots(rng, hc, hl, hn, 0.07, growth, k_new)
    new = factory.make(nc, nl, np.arange(next_uid, next_uid + k_new), d.date,
                       band=np.full(k_new, 7, dtype=np.int8), bag_code=factory.loc_code_2022[nl])
    new["bouwjaar"][:] = 2022
    new["label"][:] = 1 + categorical(rng, np.array([0.15, 0.35, 0.30, 0.20]), k_new)
    new["cond"][:] = np.where(rng.random(k_new) < 0.85, 1, 0)
    new["heating"][:] = np.array([1, 3, 4], dtype=np.int8)[categorical(rng, np.array([0.6, 0.3, 0.1]), k_new)]
    new["solar"][:] = rng.random(k_new) < np.where(new["egw"], 0.9, 0.6)
    is_e = nc == roles["elderly"]
    new["elderly"][:] = is_e | (rng.random(k_new) < 0.08)
    new["flex"][:] = (rng.random(k_new) < 0.06) & ~is_e
    new["segment"][:] = categorical(rng, np.array([0.80, 0.17, 0.03]), k_new)
    new["rent"][:] = factory._rents(new["segment"])
    new["has_bag"][:] = True
    next_uid += k_new

    k_acq = scaled(TARGET_ACQUISITIONS_2022, scale, minimum=1)
    ac, al = _slots(rng, hc, hl, hn, 0.03, np.ones(len(hc)), k_acq)
    acq = factory.make(ac, al, np.arange(next_uid, next_uid + k_acq), d.date)
    acq["has_bag"][:] = True
    # bought homes: some with a poor label
    acq_band = acq.cols["_band"]
    poor = (rng.random(k_acq) < EFG_BAND_WEIGHT[acq_band] * 0.5) & (acq["label"] > 0)
    acq["label"][poor] = _efg_split(rng, acq_band[poor])

    # 5. Labels: E/F/G improvements so that the stock at the end of 2022 is the published one.
    label = d["label"]
    band = d.cols["_band"]
    efg_now = np.flatnonzero(label >= LABEL_E)
    n_efg_after = len(efg_now) + int((acq["label"] >= LABEL_E).sum())
    k_imp = max(0, n_efg_after - scaled(TARGET_EFG_2022, scale))
    w_imp = factory.corp_ambition[d["corp"][efg_now]] * np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1.5, 1.0, 0.8])[label[efg_now]]
    imp = efg_now[weighted_choice_exact(rng, w_imp, k_imp)]
    label[imp] = np.array([5, 6, 7, 8], dtype=np.int8)[categorical(rng, np.array([0.10, 0.20, 0.35, 0.35]), len(imp))]
    improved_efg_uid = d["uid"][imp]
    untouched = np.ones(len(d), dtype=bool)
    untouched[imp] = False
    # newly registered labels (never E/F/G, so the published count holds) and small steps up
    missing = np.flatnonzero((label == 0) & (rng.random(len(d)) < 0.2))
    label[missing] = (1 + categorical_rows(rng, GOOD_LABELS_BY_BAND, band[missing])).astype(np.int8)
    step = np.flatnonzero(untouched & (label >= 6) & (label <= LABEL_D) & (rng.random(len(d)) < 0.01))
    label[step] -= 1

    # 6. Condition: repairs of 5/6, new inspections, slow ageing (never 3 or more steps worse).
    cond = d["cond"]
    bad = np.flatnonzero((cond >= 5) & (rng.random(len(d)) < 0.3))
    cond[bad] = np.where(rng.random(len(bad)) < 0.6, 3, 4)
    restored_uid = d["uid"][bad]
    measured_now = np.flatnonzero((cond == 0) & (rng.random(len(d)) < 0.08))
    cond[measured_now] = (1 + categorical_rows(rng, CONDITION_BY_BAND, band[measured_now])).astype(np.int8)
    r = rng.random(len(d))
    worse4 = (cond == 4) & (r < 0.001)
    worse3 = (cond == 3) & (r < 0.01)
    cond[worse4] = 5
    cond[worse3] = 4

    # 7. Heating, solar panels, clustered elderly housing, rents.
    heating = d["heating"]
    gas = np.flatnonzero((heating == 0) & (rng.random(len(d)) < 0.012))
    heating[gas] = np.where(rng.random(len(gas)) < 0.4, 1, 2)
    solar = d["solar"]
    solar[(~solar) & (rng.random(len(d)) < 0.03)] = True
    d["elderly"][(~d["elderly"]) & (rng.random(len(d)) < 0.0005)] = True
    seg = d["segment"]
    rent = d["rent"].astype(np.float64) * np.where(seg == 2, 1.025, 1.033)
    rent = np.where(seg == 0, np.minimum(rent, SOCIAL_RENT_CEILING_CENTS), rent)
    d.cols["rent"] = np.round(rent).astype(np.int32)

    d = d.concat(new).concat(acq)
    evo = Evolution(
        outflow_uid=outflow_uid, transfer_uid=transfer_uid, new_uid=new["uid"],
        acquired_uid=acq["uid"], improved_efg_uid=improved_efg_uid, restored_56_uid=restored_uid,
        counts=dict(outflow=len(out), transfers=len(tr), new_builds=k_new, acquisitions=k_acq,
                    improved_efg=len(imp), restored_56=len(bad)),
    )
    return d, evo
