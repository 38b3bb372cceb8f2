"""Greedy one-to-one paragraph alignment: what near-duplicate verification and the
paragraph matches of a cluster share."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz, process

__all__ = ["align"]


def align(a: Sequence[str], b: Sequence[str], cutoff: float) -> list[tuple[int, int, float]]:
    """Greedy one-to-one alignment of two paragraph lists (compare keys) by ``ratio``.

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
        scores = process.cdist([a[i] for i in rest_a], [b[j] for j in rest_b],
                               scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float32)
        ii, jj = np.nonzero(scores)
        ranked = sorted(zip(-scores[ii, jj], ii.tolist(), jj.tolist()))
        for neg, i, j in ranked:
            ai, bj = rest_a[i], rest_b[j]
            if ai in used_a or bj in used_b:
                continue
            pairs.append((ai, bj, round(float(-neg), 2)))
            used_a.add(ai)
            used_b.add(bj)
    return sorted(pairs)
