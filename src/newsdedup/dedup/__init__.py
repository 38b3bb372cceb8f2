"""Deduplication: clean texts → near-duplicate clusters with a canonical member.

1. exact duplicates: same compare key of the clean text;
2. MinHash signatures (:mod:`.signatures`) of the distinct texts, LSH banding
   (:mod:`.lsh`) for candidate pairs;
3. every candidate verified by the exact Jaccard similarity of the shingle sets
   (``>= Config.threshold``), then union-find (:mod:`.cluster`);
4. per cluster, the canonical member (most complete clean text, ties by smallest
   ``doc_id``) and every member's Jaccard similarity to it.

The result does not depend on input order: documents are processed sorted by id.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..config import DEFAULT, Config
from ..normalize import compare_key
from .cluster import canonical_index, cluster_id, connected_components
from .lsh import candidate_pairs, optimal_bands
from .signatures import jaccard, shingle_hashes, signatures_of_shingles

__all__ = ["Clustering", "deduplicate"]


@dataclass
class Clustering:
    """Per document (in the order of ``doc_ids``) and per cluster."""

    doc_ids: list[str]
    cluster_ids: list[str]
    canonical_ids: list[str]
    similarity: np.ndarray
    clusters: dict[str, list[str]]  # cluster id → member ids, sorted
    canonical: dict[str, str]  # cluster id → canonical id
    candidates: int = 0
    verified: int = 0

    def is_duplicate(self, i: int) -> bool:
        return self.doc_ids[i] != self.canonical_ids[i]


def _text_key(text: str) -> bytes:
    return hashlib.blake2b(compare_key(text).encode("utf-8"), digest_size=16).digest()


def deduplicate(doc_ids: Sequence[str], texts: Sequence[str], config: Config = DEFAULT) -> Clustering:
    order = sorted(range(len(doc_ids)), key=lambda i: doc_ids[i])
    ids = [doc_ids[i] for i in order]
    txt = [texts[i] for i in order]
    n = len(ids)

    # 1. exact duplicates collapse onto their first (smallest id) copy
    first_of: dict[bytes, int] = {}
    rep = np.empty(n, dtype=np.int64)
    for i, t in enumerate(txt):
        rep[i] = first_of.setdefault(_text_key(t), i)
    reps = np.flatnonzero(rep == np.arange(n))

    # 2. signatures and LSH candidates among distinct texts
    shingles = {int(r): shingle_hashes(txt[r], config.shingle_size) for r in reps}
    sigs = signatures_of_shingles([shingles[int(r)] for r in reps], config.num_perm, config.seed)
    bands, rows = optimal_bands(config.threshold, config.num_perm)
    has_shingles = np.array([shingles[int(r)].size > 0 for r in reps], dtype=bool)
    live = np.flatnonzero(has_shingles)
    a, b = candidate_pairs(sigs[live], bands, rows, config.max_bucket_size)
    a, b = reps[live[a]], reps[live[b]]

    # 3. verify exactly, then union-find over verified and exact-duplicate links
    edges = [(int(x), int(y)) for x, y in zip(a, b)
             if jaccard(shingles[int(x)], shingles[int(y)]) >= config.threshold]
    edges += [(int(rep[i]), i) for i in range(n) if rep[i] != i]
    root = connected_components(n, edges)

    # 4. canonical member and similarity
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(n):
        members[int(root[i])].append(i)
    lengths = [len(t) for t in txt]
    cluster_of = [""] * n
    canonical_of = [""] * n
    similarity = np.ones(n, dtype=np.float64)
    clusters: dict[str, list[str]] = {}
    canonical: dict[str, str] = {}
    for r, ms in members.items():
        cid = cluster_id(ids[ms[0]])
        c = canonical_index(ms, lengths, ids)
        clusters[cid] = [ids[m] for m in ms]
        canonical[cid] = ids[c]
        for m in ms:
            cluster_of[m] = cid
            canonical_of[m] = ids[c]
            if rep[m] != rep[c]:
                similarity[m] = jaccard(shingles[int(rep[m])], shingles[int(rep[c])])
    # back to the caller's order
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)
    return Clustering(
        doc_ids=list(doc_ids),
        cluster_ids=[cluster_of[back[i]] for i in range(n)],
        canonical_ids=[canonical_of[back[i]] for i in range(n)],
        similarity=similarity[back],
        clusters=clusters,
        canonical=canonical,
        candidates=int(a.size),
        verified=len(edges),
    )
