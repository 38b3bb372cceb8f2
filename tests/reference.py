"""Slow, obviously correct references the fast code is checked against."""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz, process


def greedy_alignment(a: list[str], b: list[str], cutoff: float) -> list[tuple[int, int, float]]:
    """Every pair of ``a`` x ``b`` scored by ``ratio``; pairs at or above ``cutoff`` taken
    greedily, best first, ties by position (identical paragraphs score 100, so they come
    first, in order)."""
    if not a or not b:
        return []
    scores = process.cdist(a, b, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float32)
    ii, jj = np.nonzero(scores)
    pairs, used_a, used_b = [], set(), set()
    for neg, i, j in sorted(zip((-scores[ii, jj]).tolist(), ii.tolist(), jj.tolist())):
        if i not in used_a and j not in used_b:
            pairs.append((i, j, round(-neg, 2)))
            used_a.add(i)
            used_b.add(j)
    return sorted(pairs)


def coverage(a: list[str], b: list[str], cutoff: float) -> tuple[float, float]:
    """Share of the characters of ``a`` and of ``b`` in the pairs of :func:`greedy_alignment`."""
    len_a, len_b = sum(map(len, a)), sum(map(len, b))
    if not len_a or not len_b:
        return 0.0, 0.0
    pairs = greedy_alignment(a, b, cutoff)
    return sum(len(a[i]) for i, _, _ in pairs) / len_a, sum(len(b[j]) for _, j, _ in pairs) / len_b
