"""Invented housing corporations and where they own homes.

The allocation is made once at national size (a matrix corporation x location of home counts) and
scaled: `demo` holds the same corporations in the same municipalities at a tenth of the size.
`tiny` uses a fixed handful of municipalities in Noord-Holland and Zuid-Holland chosen so that
every merger case of the reference data shows up (absorbed, newly created, merged a year later).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field

import numpy as np

from .reference import Geography
from .scales import NATIONAL_HOMES_2021, TARGET_ACTIVE_CORPORATIONS, Scale

# Approximate corporation stock of the larger municipalities (homes, end of 2021), so that the
# invented data set has its big-city weight where a reader expects it. Other municipalities get a
# size drawn from a log-normal distribution; merged-away municipalities one from their address count.
LARGE_MUNICIPALITY_STOCK = {
    "GM0363": 180_000, "GM0599": 145_000, "GM0518": 72_000, "GM0344": 47_000, "GM0014": 41_000,
    "GM0772": 37_000, "GM0268": 31_000, "GM0855": 30_000, "GM0202": 29_000, "GM0153": 27_000,
    "GM0034": 26_000, "GM0758": 25_000, "GM0392": 25_000, "GM0479": 23_000, "GM0796": 22_000,
    "GM0935": 22_000, "GM0193": 21_000, "GM0080": 21_000, "GM0307": 20_000, "GM0546": 20_000,
    "GM0505": 20_000, "GM0200": 19_000, "GM0637": 19_000, "GM0503": 17_000, "GM0150": 16_000,
    "GM0361": 16_000, "GM0394": 16_000, "GM0606": 15_000, "GM0622": 14_000, "GM0917": 14_000,
    "GM0983": 14_000, "GM0114": 13_000, "GM0164": 13_000, "GM1883": 13_000, "GM0794": 13_000,
    "GM0995": 12_000, "GM0362": 12_000, "GM1930": 12_000, "GM0228": 12_000, "GM0484": 11_000,
    "GM1783": 11_000, "GM0400": 11_000, "GM0453": 11_000, "GM0141": 11_000, "GM0402": 10_000,
    "GM0502": 10_000, "GM0513": 10_000, "GM0439": 9_000, "GM1674": 9_000, "GM0828": 9_000,
    "GM0405": 8_000, "GM0384": 5_000,
}

# tiny: location -> homes (sum 500). Amsterdam + Weesp (merged 2022-03-24), Purmerend + Beemster
# (absorbed 2022-01-01), Zaanstad, Heerhugowaard + Langedijk (new Dijk en Waard 2022-01-01),
# Brielle + Hellevoetsluis + Westvoorne (Voorne aan Zee 2023-01-01).
TINY_LOCATIONS = {
    "GM0363": 120, "GM0457": 30, "GM0439": 60, "GM0370": 25, "GM0479": 70,
    "GM0398": 45, "GM0416": 30, "GM0501": 35, "GM0530": 55, "GM0614": 30,
}

MERGER_DATES = (dt.date(2022, 7, 1), dt.date(2023, 1, 1))

NAME_PATTERNS = (
    "Woonstichting {p}", "Woningstichting {p}", "{p} Wonen", "Wonen {p}", "Woonbedrijf {p}",
    "Woningbouwvereniging {p}", "Woongoed {p}", "Stichting Volkshuisvesting {p}", "Thuis in {p}",
    "Woonconcept {p}", "Woonkracht {p}", "Woningcorporatie {p}", "Stichting Woonbelang {p}",
    "Woonpalet {p}", "Woonservice {p}",
)
ELDERLY_NAME = "Woonzorg Coöperatie Nederland"


@dataclass
class Corporation:
    idx: int
    code: str  # L-number
    name: str
    seat: str  # location code
    kind: str  # regular | elderly
    merged_into: int | None = None  # idx of the successor
    dissolved_on: dt.date | None = None
    participates: bool = True  # party to agreements at all
    vhe_style: int = 0
    vhe_start: int = 0


@dataclass
class Layout:
    corporations: list[Corporation]
    hold_corp: np.ndarray  # int32, one entry per (corporation, location) holding
    hold_loc: np.ndarray  # int32 index into geo.locations
    hold_n: np.ndarray  # int64 homes at end 2021 at this scale
    location_weight: np.ndarray  # float, national-size stock per location
    roles: dict[str, int] = field(default_factory=dict)  # elderly, merged_1, successor_1, ...

    def corp_sizes(self) -> np.ndarray:
        return np.bincount(self.hold_corp, weights=self.hold_n,
                           minlength=len(self.corporations)).astype(np.int64)


def _location_weights(geo: Geography, rng: np.random.Generator) -> np.ndarray:
    w = np.empty(len(geo.locations))
    draws = rng.lognormal(mean=math.log(2_300), sigma=0.75, size=len(geo.locations))
    for i, loc in enumerate(geo.locations):
        if loc in LARGE_MUNICIPALITY_STOCK:
            w[i] = LARGE_MUNICIPALITY_STOCK[loc]
        elif loc in geo.merger_addresses:
            w[i] = geo.merger_addresses[loc] * rng.uniform(0.15, 0.28)
        else:
            w[i] = min(draws[i], 9_000)
    return w * (NATIONAL_HOMES_2021 / w.sum())


def _lognormal_quantile_sizes(n: int, median: float, sigma: float) -> np.ndarray:
    nd = statistics.NormalDist()
    z = np.array([nd.inv_cdf((i + 0.5) / n) for i in range(n)])
    return median * np.exp(sigma * z)


def _weighted_pick(rng: np.random.Generator, weights: np.ndarray) -> int:
    p = weights / weights.sum()
    return int(rng.choice(len(p), p=p))


def _allocate(geo: Geography, rng: np.random.Generator, weight: np.ndarray, sizes: np.ndarray,
              cap: np.ndarray, holdings: dict[tuple[int, int], float], first_corp: int) -> None:
    """Greedy placement of regular corporations (sizes descending) over the remaining capacity."""
    n_loc = len(weight)
    remaining = weight.copy()
    count = np.zeros(n_loc, dtype=np.int64)
    for (c, l), n in holdings.items():
        remaining[l] -= n
        count[l] += 1
    corop = np.array([geo.corop[loc] for loc in geo.locations])
    prov = np.array([geo.province[geo.current[loc]] for loc in geo.locations])
    needs: list[tuple[int, int, float]] = []
    # Pass 1: every corporation gets its home town (largest first, where it fits).
    for k, size in enumerate(sizes):
        c = first_corp + k
        open_ = (count < cap) & (remaining > 1)
        if not open_.any():
            open_ = (count < 15) & (weight > 0)
        fits = open_ & (remaining >= 0.6 * size)
        if fits.any():
            per_slot = np.maximum(remaining, 0) / np.maximum(cap - count, 1)
            w = np.where(fits, per_slot ** 1.5, 0.0)
            seat = _weighted_pick(rng, w)
        else:
            seat = int(np.argmax(np.where(open_, remaining, -np.inf)))
        share = rng.uniform(0.5, 0.9) if size > 10_000 else rng.uniform(0.7, 1.0)
        take = max(1.0, min(remaining[seat], size * share))
        holdings[(c, seat)] = take
        remaining[seat] -= take
        count[seat] += 1
        needs.append((c, seat, size - take))
    # Pass 2: the rest of each corporation's stock in its COROP region, then its province.
    for c, seat, need in needs:
        size = need + holdings[(c, seat)]
        max_locs = 2 if size < 2_000 else (5 if size < 15_000 else 12)
        used = 1
        for scope in (corop == corop[seat], prov == prov[seat]):
            if need < 10 or used >= max_locs:
                break
            cand = np.flatnonzero(scope & (count < cap) & (remaining > 5))
            cand = cand[cand != seat]
            if len(cand) == 0:
                continue
            keys = rng.random(len(cand)) ** (1.0 / np.maximum(remaining[cand], 1))
            for l in cand[np.argsort(-keys)]:
                if need < 10 or used >= max_locs:
                    break
                if (c, int(l)) in holdings:
                    continue
                take = min(remaining[l], need * rng.uniform(0.3, 0.8) + 5)
                holdings[(c, int(l))] = take
                remaining[l] -= take
                count[l] += 1
                need -= take
                used += 1
    # Leftover capacity: to the corporations already there, else to the biggest one nearby.
    by_loc: dict[int, list[int]] = {}
    for (c, l) in holdings:
        by_loc.setdefault(l, []).append(c)
    for l in range(n_loc):
        if remaining[l] <= 0.5:
            continue
        owners = [c for c in sorted(by_loc.get(l, [])) if c >= first_corp]
        if owners:
            tot = sum(math.sqrt(holdings[(c, l)]) for c in owners)
            for c in owners:
                holdings[(c, l)] += remaining[l] * math.sqrt(holdings[(c, l)]) / tot
        else:
            same = np.flatnonzero(corop == corop[l])
            best, best_n = None, -1.0
            for (c, l2), n in sorted(holdings.items()):
                if c >= first_corp and l2 in set(same.tolist()) and n > best_n:
                    best, best_n = c, n
            if best is None:
                best = first_corp
            holdings[(best, l)] = remaining[l]
            by_loc.setdefault(l, []).append(best)
        remaining[l] = 0


def _names(geo: Geography, seats: list[str], rng: np.random.Generator) -> list[str]:
    used: set[str] = {ELDERLY_NAME}
    out = []
    for seat in seats:
        place = geo.names[seat].split(",")[0].split(" (")[0].strip()
        order = rng.permutation(len(NAME_PATTERNS))
        name = None
        for j in order:
            cand = NAME_PATTERNS[j].format(p=place)
            if cand not in used:
                name = cand
                break
        if name is None:
            k = 2
            while f"{NAME_PATTERNS[order[0]].format(p=place)} {k}" in used:
                k += 1
            name = f"{NAME_PATTERNS[order[0]].format(p=place)} {k}"
        used.add(name)
        out.append(name)
    return out


def build_layout(geo: Geography, scale: Scale, seed: int) -> Layout:
    """Corporations and their holdings per location at end 2021, at the size of `scale`."""
    rng = np.random.default_rng([seed, 101])
    if scale.national_layout:
        loc_index = {loc: i for i, loc in enumerate(geo.locations)}
        weight = _location_weights(geo, rng)
        cap = np.clip(np.round(2 + 2.5 * np.log(weight / 1_500)), 1, 15).astype(np.int64)
        n_regular = TARGET_ACTIVE_CORPORATIONS - 1  # plus the elderly corporation
        elderly_share = (0.008, 0.025)
        elderly_fraction = 0.5
        sizes_median, sizes_sigma = 4_300.0, 1.05
    else:
        loc_index = {loc: i for i, loc in enumerate(geo.locations)}
        weight = np.zeros(len(geo.locations))
        for loc, n in TINY_LOCATIONS.items():
            weight[loc_index[loc]] = n * NATIONAL_HOMES_2021 / 500
        cap = np.where(weight > 0, 4, 0).astype(np.int64)
        n_regular = 4
        elderly_share = (0.05, 0.08)
        elderly_fraction = 0.5
        sizes_median, sizes_sigma = None, None

    # The elderly-housing corporation: present in about half of the (current) municipalities.
    holdings: dict[tuple[int, int], float] = {}
    currents = sorted({geo.current[loc] for i, loc in enumerate(geo.locations) if weight[i] > 0})
    cur_weight = np.array([sum(weight[loc_index[l]] for l in geo.locations_of(m)) for m in currents])
    n_pick = max(1, int(round(elderly_fraction * len(currents))))
    keys = np.log(rng.random(len(currents))) / np.power(cur_weight, 0.6)
    picked = [currents[j] for j in np.argsort(-keys)[:n_pick]]
    for m in sorted(picked):
        locs = [l for l in geo.locations_of(m) if weight[loc_index[l]] > 0]
        main = max(locs, key=lambda l: (weight[loc_index[l]], l))
        l = loc_index[main]
        holdings[(0, l)] = max(15 * NATIONAL_HOMES_2021 / 2_300_000,
                               weight[l] * rng.uniform(*elderly_share))
    elderly_total = sum(holdings.values())

    if sizes_median is not None:
        sizes = _lognormal_quantile_sizes(n_regular, sizes_median, sizes_sigma)[::-1]
    else:
        sizes = np.array([190.0, 130.0, 80.0, 50.0]) * NATIONAL_HOMES_2021 / 500
    sizes = sizes * (weight.sum() - elderly_total) / sizes.sum()
    _allocate(geo, rng, weight, sizes, cap, holdings, first_corp=1)

    n_corp = 1 + n_regular
    # Two mergers: a corporation splits off part of a mid-sized one's home-town stock (it is the
    # corporation that later merges into it). merged_1 goes on 2022-07-01 (no 2022 register file),
    # merged_2 on 2023-01-01 (a file in both snapshots).
    corp_size = np.zeros(n_corp)
    for (c, l), n in holdings.items():
        corp_size[c] += n
    seat_of: dict[int, int] = {}
    for (c, l), n in sorted(holdings.items()):
        if c not in seat_of or n > holdings[(c, seat_of[c])]:
            seat_of[c] = l
    count = np.zeros(len(weight), dtype=np.int64)
    for (c, l) in holdings:
        count[l] += 1
    if scale.national_layout:
        lo, hi = 5_000, 30_000
    else:
        lo, hi = 0, math.inf
    roles: dict[str, int] = {"elderly": 0}
    taken: set[int] = set()
    for k, (role, share) in enumerate((("1", 0.25), ("2", 0.3))):
        cands = [c for c in range(1, n_corp) if lo <= corp_size[c] <= hi and c not in taken
                 and count[seat_of[c]] < max(cap[seat_of[c]], 2)]
        cands.sort(key=lambda c: (-corp_size[c], c))
        if not scale.national_layout:
            succ = cands[k]
        else:
            succ = cands[int(rng.integers(0, min(len(cands), 40)))]
        new = n_corp
        n_corp += 1
        l = seat_of[succ]
        part = holdings[(succ, l)] * share
        holdings[(succ, l)] -= part
        holdings[(new, l)] = part
        count[l] += 1
        roles[f"merged_{role}"] = new
        roles[f"successor_{role}"] = succ
        taken |= {succ, new}
        seat_of[new] = l
        corp_size = np.append(corp_size, part)
        corp_size[succ] -= part

    # One small corporation that never takes part in agreements (and never bids); it owns homes
    # only where other corporations do too, so every municipality can still have an agreement.
    owners_at: dict[int, int] = {}
    for (c, l) in holdings:
        owners_at[l] = owners_at.get(l, 0) + (1 if c != 0 else 0)
    small = [c for c in range(1, n_corp) if c not in taken
             and all(owners_at[l] >= 2 for (c2, l) in holdings if c2 == c)]
    if not small:  # tiny layouts: any small corporation outside the mergers
        small = [c for c in range(1, n_corp) if c not in taken]
    small.sort(key=lambda c: (corp_size[c], c))
    roles["non_participant"] = small[0] if not scale.national_layout else small[int(rng.integers(3, 20))]

    # Scale to the requested size; every holding keeps at least one home.
    keys_sorted = sorted(holdings)
    hc = np.array([k[0] for k in keys_sorted], dtype=np.int32)
    hl = np.array([k[1] for k in keys_sorted], dtype=np.int32)
    hn_nat = np.array([holdings[k] for k in keys_sorted])
    national = np.maximum(1, np.round(hn_nat)).astype(np.int64)
    if scale.national_layout:
        raw = national * scale.factor
        base = np.floor(raw)
        frac = raw - base
        hn = (base + (rng.random(len(raw)) < frac)).astype(np.int64)
    else:
        raw = hn_nat * scale.factor
        hn = np.round(raw).astype(np.int64)
    hn = np.maximum(hn, 1)

    # Corporation records.
    seats = [geo.locations[seat_of[c]] for c in range(n_corp)]
    numbers = rng.choice(np.arange(1, 3000), size=n_corp, replace=False)
    names = _names(geo, seats, rng)
    corps: list[Corporation] = []
    for c in range(n_corp):
        corps.append(Corporation(
            idx=c, code=f"L{int(numbers[c]):04d}", name=ELDERLY_NAME if c == 0 else names[c],
            seat=seats[c], kind="elderly" if c == 0 else "regular",
            vhe_style=int(rng.integers(0, 4)), vhe_start=int(rng.integers(1, 90)) * 1000,
        ))
    for k, date in zip(("1", "2"), MERGER_DATES):
        x, y = roles[f"merged_{k}"], roles[f"successor_{k}"]
        corps[x].merged_into = y
        corps[x].dissolved_on = date
        # Units keep the numbering of the corporation that issued them: make sure the two
        # corporations' numbers can never collide after the merger.
        corps[x].vhe_style = (corps[y].vhe_style + 1) % 4
    corps[roles["non_participant"]].participates = False
    return Layout(corporations=corps, hold_corp=hc, hold_loc=hl, hold_n=hn,
                  location_weight=weight, roles=roles)
