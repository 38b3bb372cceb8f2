"""From verified pairs to clusters: union-find, canonical member, cluster ids."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np


def connected_components(n: int, pairs: Iterable[tuple[int, int]]) -> np.ndarray:
    """Component label of each of ``n`` items: the smallest item index in its component.

    >>> connected_components(5, [(0, 3), (3, 4)]).tolist()
    [0, 1, 2, 0, 0]
    """
    parent = list(range(n))

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        ra, rb = find(int(a)), find(int(b))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the smallest index is always the root
    return np.array([find(i) for i in range(n)], dtype=np.int64)


def cluster_id(first_member: str) -> str:
    """A cluster's id: a hash of its smallest member doc id (stable while that member stays)."""
    return "c" + hashlib.blake2b(first_member.encode("utf-8"), digest_size=8).hexdigest()


def canonical_index(members: Sequence[int], lengths: Sequence[int], ids: Sequence[str]) -> int:
    """The most complete member (longest clean text), ties broken by the smallest doc id."""
    return min(members, key=lambda m: (-lengths[m], ids[m]))
