"""Paragraph matches: aligned paragraphs inside clusters, shared passages across them.

A paragraph is a blank-line-separated block of a document's clean text; ``para_a``
and ``para_b`` are 0-based positions in that list (``text.split("\\n\\n")``).

* Inside a cluster, each member is aligned with the canonical member: paragraphs
  are paired greedily by rapidfuzz ``ratio`` (best first); a score below 100 shows
  an edit, an unpaired paragraph was added or removed.
* Across clusters, paragraphs of at least ``match_min_words`` words are indexed
  by their word shingles; two paragraphs of different clusters that share at least
  ``match_min_shared`` shingles are scored with rapidfuzz ``partial_ratio`` (how
  well the shorter is found inside the longer: a quote, a syndicated passage).
  A shingle found in more than ``match_max_postings`` paragraphs (wire credits,
  disclaimers) proposes no pairs, so frequent text cannot make matching quadratic.

Both report pairs scoring at least ``match_cutoff``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz import fuzz, process

from ._arrays import group_bounds, pairs_in_groups
from .config import DEFAULT, Config
from .dedup.signatures import shingle_hashes
from .normalize import WORD, compare_key

Match = tuple[str, int, str, int, float, bool]


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


def _ordered(doc_a: str, pa: int, doc_b: str, pb: int, score: float, same: bool) -> Match:
    if doc_b < doc_a:
        doc_a, pa, doc_b, pb = doc_b, pb, doc_a, pa
    return (doc_a, pa, doc_b, pb, score, same)


def within_clusters(doc_ids: Sequence[str], keys: Sequence[list[str]], canonical_ids: Sequence[str],
                    config: Config = DEFAULT) -> list[Match]:
    """Alignment of every duplicate with its canonical member."""
    index = {d: i for i, d in enumerate(doc_ids)}
    out: list[Match] = []
    for i, doc in enumerate(doc_ids):
        canon = canonical_ids[i]
        if canon == doc:
            continue
        c = index[canon]
        for pa, pb, score in align(keys[i], keys[c], config.match_cutoff):
            out.append(_ordered(doc, pa, canon, pb, score, True))
    return out


def across_clusters(doc_ids: Sequence[str], keys: Sequence[list[str]], cluster_ids: Sequence[str],
                    config: Config = DEFAULT) -> list[Match]:
    """Shared passages between paragraphs of different clusters."""
    owners: list[tuple[int, int]] = []  # paragraph gid → (doc, paragraph)
    hashes: list[np.ndarray] = []
    for d, paras in enumerate(keys):
        for p, key in enumerate(paras):
            if len(WORD.findall(key)) < config.match_min_words:
                continue
            h = shingle_hashes(key, config.match_shingle_size)
            owners.append((d, p))
            hashes.append(h)
    if not owners:
        return []
    gid = np.repeat(np.arange(len(owners), dtype=np.int64), [h.size for h in hashes])
    flat = np.concatenate(hashes)
    order = np.lexsort((gid, flat))
    starts, sizes = group_bounds(flat[order])
    keep = sizes <= config.match_max_postings
    i, j = pairs_in_groups(starts[keep], sizes[keep], config.match_max_postings)
    ga, gb = gid[order[i]], gid[order[j]]
    doc_of = np.array([o[0] for o in owners], dtype=np.int64)
    cluster_codes = np.unique(np.asarray(cluster_ids, dtype=object), return_inverse=True)[1]
    other = cluster_codes[doc_of[ga]] != cluster_codes[doc_of[gb]]
    ga, gb = ga[other], gb[other]
    lo, hi = np.minimum(ga, gb), np.maximum(ga, gb)
    packed, shared = np.unique((lo.astype(np.uint64) << np.uint64(32)) | hi.astype(np.uint64), return_counts=True)
    packed = packed[shared >= config.match_min_shared]
    out: list[Match] = []
    for code in packed.tolist():
        a, b = owners[code >> 32], owners[code & 0xFFFFFFFF]
        ka, kb = keys[a[0]][a[1]], keys[b[0]][b[1]]
        score = fuzz.partial_ratio(ka, kb, score_cutoff=config.match_cutoff)
        if score:
            out.append(_ordered(doc_ids[a[0]], a[1], doc_ids[b[0]], b[1], round(score, 2), False))
    return out


def paragraph_matches(doc_ids: Sequence[str], paragraphs: Sequence[list[str]], cluster_ids: Sequence[str],
                      canonical_ids: Sequence[str], config: Config = DEFAULT) -> list[Match]:
    """All matches, sorted by ``(doc_a, para_a, doc_b, para_b)``."""
    keys = [[compare_key(p) for p in paras] for paras in paragraphs]
    matches = within_clusters(doc_ids, keys, canonical_ids, config)
    matches += across_clusters(doc_ids, keys, cluster_ids, config)
    return sorted(matches)
