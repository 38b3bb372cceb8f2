"""LSH banding by sorting: candidate pairs of documents whose signatures agree on a band.

Each band of ``r`` rows is folded into one 64-bit key; sorting the keys of a band
puts colliding documents next to each other, and pairs come from the runs of equal
keys, with no Python loop over documents or pairs.

>>> import numpy as np
>>> sigs = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 3, 4]], dtype=np.uint32)
>>> a, b = candidate_pairs(sigs, bands=2, rows=2)
>>> sorted(zip(a.tolist(), b.tolist()))
[(0, 1), (0, 2)]
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._arrays import group_bounds, pairs_in_groups, unique_pairs

_K = np.uint64(0x9E3779B97F4A7C15)


@lru_cache(maxsize=64)
def optimal_bands(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """``(bands, rows)`` minimising the weighted false positive and negative areas.

    The same criterion as datasketch's ``MinHashLSH`` (integrated S-curve errors).
    """
    xs_fp = np.linspace(0.0, threshold, 201)
    xs_fn = np.linspace(threshold, 1.0, 201)
    best, best_err = (1, num_perm), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = np.trapezoid(1 - (1 - xs_fp ** r) ** b, xs_fp)
            fn = np.trapezoid((1 - xs_fn ** r) ** b, xs_fn)
            err = fp_weight * fp + fn_weight * fn
            if err < best_err - 1e-12:
                best, best_err = (b, r), err
    return best


def band_key(signatures: np.ndarray, band: int, rows: int) -> np.ndarray:
    """The uint64 key of one band of every signature (its ``rows`` values mixed in order);
    one column widened at a time, so memory stays at a few bytes per document."""
    h = np.full(signatures.shape[0], np.uint64(band + 1), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for c in range(band * rows, (band + 1) * rows):
            h ^= signatures[:, c].astype(np.uint64)
            h *= _K
            h ^= h >> np.uint64(29)
    return h


def candidate_pairs(signatures: np.ndarray, bands: int, rows: int,
                    max_bucket: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Distinct row pairs ``(i, j)``, ``i < j``, that share at least one band key."""
    left, right = [], []
    for band in range(bands):
        key = band_key(signatures, band, rows)
        order = np.argsort(key, kind="stable")
        starts, sizes = group_bounds(key[order])
        i, j = pairs_in_groups(starts, sizes, max_bucket)
        left.append(order[i])
        right.append(order[j])
    if not left:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return unique_pairs(np.concatenate(left), np.concatenate(right))
