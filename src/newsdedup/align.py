"""Greedy one-to-one paragraph alignment: what near-duplicate verification and the
paragraph matches of a cluster share."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit
from rapidfuzz import fuzz, process

from .normalize import code_points

__all__ = ["align"]

BINS = 64  # character histogram bins (code point mod 64)


def align(a: Sequence[str], b: Sequence[str], cutoff: float) -> list[tuple[int, int, float]]:
    """Greedy one-to-one alignment of two paragraph lists (compare keys) by ``ratio``:
    identical paragraphs first, then the other pairs scoring at least ``cutoff``, best
    first (ties by position).

    >>> align(["same text", "an edited line"], ["an edited lines", "same text"], 80)
    [(0, 1, 100.0), (1, 0, 96.55)]
    """
    pairs: list[tuple[int, int, float]] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    position = {}
    for j, p in enumerate(b):
        position.setdefault(p, []).append(j)
    for i, p in enumerate(a):  # identical paragraphs first: the common case for copies
        for j in position.get(p, ()):
            if j not in used_b:
                pairs.append((i, j, 100.0))
                used_a.add(i)
                used_b.add(j)
                break
    rest_a = [i for i in range(len(a)) if i not in used_a]
    rest_b = [j for j in range(len(b)) if j not in used_b]
    if rest_a and rest_b:
        texts_a, texts_b = [a[i] for i in rest_a], [b[j] for j in rest_b]
        ii, jj = _within_reach(texts_a, texts_b, cutoff)
        scores = process.cpdist([texts_a[i] for i in ii.tolist()], [texts_b[j] for j in jj.tolist()],
                                scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float32)
        hit = np.flatnonzero(scores)
        ranked = sorted(zip((-scores[hit]).tolist(), ii[hit].tolist(), jj[hit].tolist()))
        for neg, i, j in ranked:
            ai, bj = rest_a[i], rest_b[j]
            if ai in used_a or bj in used_b:
                continue
            pairs.append((ai, bj, round(-neg, 2)))
            used_a.add(ai)
            used_b.add(bj)
    return sorted(pairs)


def _within_reach(texts_a: list[str], texts_b: list[str], cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (i, j) of ``texts_a`` x ``texts_b``, in row order, whose ``ratio`` can reach
    ``cutoff``. ``ratio`` is ``100 * (1 - d / (len_a + len_b))`` for the insert/delete
    distance ``d``, and ``d`` is at least the L1 distance of the two character histograms
    (each insertion or deletion changes one count by one; binning only lowers it), so
    a pair whose histograms are too far apart is not scored: exactly the pairs rapidfuzz
    would score below the cutoff. At rapidfuzz's 1.2 us per pair of 250-character
    paragraphs this skips 90% of the verification's pairs (coverage on 10k documents:
    0.47-0.57 -> 0.26-0.31 s)."""
    texts = texts_a + texts_b
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return _reachable_pairs(code_points(texts), lengths, len(texts_a), float(cutoff))


@njit(cache=True, nogil=True)
def _reachable_pairs(codes, lengths, n_a, cutoff):  # pragma: no cover - compiled
    n = lengths.size
    hist = np.zeros((n, BINS), dtype=np.int64)
    k = 0
    for p in range(n):
        for _ in range(lengths[p]):
            hist[p, codes[k] & (BINS - 1)] += 1
            k += 1
        k += 1  # the newline between two texts
    n_b = n - n_a
    out_i = np.empty(n_a * n_b, dtype=np.int64)
    out_j = np.empty(n_a * n_b, dtype=np.int64)
    m = 0
    for i in range(n_a):
        for j in range(n_b):
            l1 = 0
            for c in range(BINS):
                d = hist[i, c] - hist[n_a + j, c]
                l1 += d if d >= 0 else -d
            total = lengths[i] + lengths[n_a + j]
            # kept unless clearly below: the margin absorbs the rounding of cutoff * total
            if 100.0 * (total - l1) >= cutoff * total * (1.0 - 1e-12):
                out_i[m] = i
                out_j[m] = j
                m += 1
    return out_i[:m], out_j[:m]
