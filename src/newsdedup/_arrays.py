"""Small numpy helpers shared by the banding and matching stages."""

from __future__ import annotations

import numpy as np


def group_bounds(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start index and size of every run of equal values in a sorted array."""
    if sorted_keys.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    change = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    starts = np.concatenate(([0], change)).astype(np.int64)
    sizes = np.diff(np.concatenate((starts, [sorted_keys.size]))).astype(np.int64)
    return starts, sizes


def pairs_in_groups(starts: np.ndarray, sizes: np.ndarray, max_group: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j), i < j, of every pair inside each group of consecutive positions.

    Groups larger than ``max_group`` are linked as a star (first member with each
    other) so a huge group costs linear, not quadratic, work.

    >>> i, j = pairs_in_groups(np.array([0, 3]), np.array([3, 2]), max_group=10)
    >>> sorted(zip(i.tolist(), j.tolist()))
    [(0, 1), (0, 2), (1, 2), (3, 4)]
    """
    left, right = [], []
    keep = sizes >= 2
    starts, sizes = starts[keep], sizes[keep]
    small = sizes <= max_group
    for size in np.unique(sizes[small]):
        s = starts[small & (sizes == size)]
        a, b = np.triu_indices(int(size), 1)
        left.append((s[:, None] + a[None, :]).ravel())
        right.append((s[:, None] + b[None, :]).ravel())
    for s, n in zip(starts[~small], sizes[~small]):
        left.append(np.full(n - 1, s, dtype=np.int64))
        right.append(np.arange(s + 1, s + n, dtype=np.int64))
    if not left:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(left).astype(np.int64), np.concatenate(right).astype(np.int64)


def unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct unordered pairs, as (min, max), sorted."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    packed = np.unique((lo[keep].astype(np.uint64) << np.uint64(32)) | hi[keep].astype(np.uint64))
    return (packed >> np.uint64(32)).astype(np.int64), (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)


def rounded(values: np.ndarray, digits: int = 2) -> np.ndarray:
    """``round(value, digits)`` of each value (Python's correctly rounded decimals, which
    numpy's rounding is not), computed once per distinct value."""
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.array([round(v, digits) for v in distinct.tolist()], dtype=np.float64)[inverse.reshape(-1)]
