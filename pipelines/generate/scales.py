"""The three sizes of the built-in data set (shared/spec/generated-data.md).

`factor` is the size relative to the real sector (about 2.3 million corporation homes at the end of
2021): every count the generator aims at (homes, E/F/G labels, condition scores, new builds,
commitments) is the published national figure times `factor`. `demo` is the national data set at a
tenth of the size: the same corporations in the same municipalities.
"""

from __future__ import annotations

from dataclasses import dataclass

NATIONAL_HOMES_2021 = 2_300_000

# Published national figures the generator aims at (../reference/figures.csv).
TARGET_EFG_2021 = 234_919
TARGET_EFG_2022 = 206_302
TARGET_CONDITION_5 = 11_000
TARGET_CONDITION_6 = 3_000
TARGET_CONDITION_UNKNOWN = 450_000
TARGET_NEW_BUILDS_2022 = 16_400  # "about 16,000 to 17,000 new homes a year"
TARGET_OUTFLOW_2022 = 13_500  # demolition and sales
TARGET_TRANSFERS_2022 = 5_000  # dwellings moving between corporations
TARGET_ACQUISITIONS_2022 = 1_200  # existing homes bought or transformed
TARGET_ACTIVE_CORPORATIONS = 279  # active on 1 January 2023
TARGET_SIGNED_COVERAGE = 0.855  # "more than 85%" of the stock under a signed agreement


@dataclass(frozen=True)
class Scale:
    name: str
    factor: float
    # True: the national allocation of corporations over all municipalities, scaled by `factor`;
    # False: a hand-picked handful of municipalities (tiny).
    national_layout: bool
    description: str


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", 500 / NATIONAL_HOMES_2021, False,
                  "~5 corporations, ~500 dwellings per snapshot, a handful of municipalities"),
    "demo": Scale("demo", 0.1, True,
                  "~280 corporations, ~230,000 dwellings: the national set at a tenth of the size"),
    "national": Scale("national", 1.0, True,
                      "~280 corporations, ~2,300,000 dwellings: the real size of the sector"),
}


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None
