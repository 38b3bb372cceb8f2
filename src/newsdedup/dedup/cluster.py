"""From verified pairs to clusters: union-find, canonical member, cluster ids."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import numpy as np

from .._jit import njit


def connected_components(n: int, pairs: Iterable[tuple[int, int]]) -> np.ndarray:
    """Component label of each of ``n`` items: the smallest item index in its component.

    >>> connected_components(5, [(0, 3), (3, 4)]).tolist()
    [0, 1, 2, 0, 0]
    """
    edges = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
    return component_roots(n, edges[:, 0], edges[:, 1])


def component_roots(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`connected_components` of the pairs ``(a[k], b[k])`` given as two arrays.

    >>> component_roots(5, np.array([0, 3]), np.array([3, 4])).tolist()
    [0, 1, 2, 0, 0]
    """
    return _union_find(n, np.array(a, dtype=np.int64), np.array(b, dtype=np.int64))


@njit(cache=True, nogil=True)
def _find(parent, x):  # pragma: no cover - compiled
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        parent[x], x = root, parent[x]
    return root


@njit(cache=True, nogil=True)
def _union_find(n, a, b):  # pragma: no cover - compiled
    parent = np.arange(n)
    for k in range(a.size):
        ra, rb = _find(parent, a[k]), _find(parent, b[k])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the smallest index is always the root
    for i in range(n):
        parent[i] = _find(parent, i)
    return parent


def cluster_id(first_member: str) -> str:
    """A cluster's id: a hash of its smallest member doc id (stable while that member stays)."""
    return "c" + hashlib.blake2b(first_member.encode("utf-8"), digest_size=8).hexdigest()


def canonical_index(members: Sequence[int], lengths: Sequence[int], ids: Sequence[str]) -> int:
    """The most complete member (longest clean text), ties broken by the smallest doc id."""
    return min(members, key=lambda m: (-lengths[m], ids[m]))
