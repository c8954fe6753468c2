"""Small vectorised sampling helpers on numpy's Generator (never the global random state)."""

from __future__ import annotations

import numpy as np


def weighted_choice_exact(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of exactly `k` distinct items drawn with probability proportional to `weights`
    (Efraimidis-Spirakis keys), sorted ascending. Items with weight 0 are never drawn."""
    weights = np.asarray(weights, dtype=np.float64)
    n_pos = int((weights > 0).sum())
    k = int(min(max(k, 0), n_pos))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    u = rng.random(len(weights))
    with np.errstate(divide="ignore"):
        keys = np.where(weights > 0, np.log(u) / np.where(weights > 0, weights, 1.0), -np.inf)
    idx = np.argpartition(-keys, k - 1)[:k]
    return np.sort(idx)


def categorical(rng: np.random.Generator, probs: np.ndarray, n: int) -> np.ndarray:
    """`n` draws from a categorical distribution (returns int8 category indices)."""
    probs = np.asarray(probs, dtype=np.float64)
    cdf = np.cumsum(probs / probs.sum())
    return np.searchsorted(cdf, rng.random(n), side="right").clip(0, len(probs) - 1).astype(np.int8)


def categorical_rows(rng: np.random.Generator, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """One categorical draw per element, from the distribution `table[row[i]]`."""
    table = np.asarray(table, dtype=np.float64)
    cdf = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(row))
    c = cdf[row]
    return (u[:, None] >= c).sum(axis=1).clip(0, table.shape[1] - 1).astype(np.int8)


def group_rank(keys: np.ndarray) -> np.ndarray:
    """0-based rank of every element within its group of equal keys, in order of appearance."""
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    start = np.r_[True, sk[1:] != sk[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(len(sk)), 0))
    rank = np.empty(len(keys), dtype=np.int64)
    rank[order] = np.arange(len(sk)) - first
    return rank
