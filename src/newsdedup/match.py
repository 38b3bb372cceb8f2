"""Paragraph matches: aligned paragraphs inside clusters, shared passages across them.

A paragraph is a blank-line-separated block of a document's clean text; ``para_a``
and ``para_b`` are 0-based positions in that list (``text.split("\\n\\n")``).

* Inside a cluster, each member is aligned with the canonical member: paragraphs
  are paired greedily by rapidfuzz ``ratio`` (best first); a score below 100 shows
  an edit, an unpaired paragraph was added or removed.
* Across clusters, paragraphs of at least ``match_min_words`` words are indexed
  by their word shingles; two paragraphs of different clusters that share at least
  ``match_min_shared`` shingles are scored with rapidfuzz ``partial_ratio`` when one
  is more than 1.25 times longer (how well the shorter is found inside the longer: a
  quote, a syndicated passage) and with ``ratio`` otherwise;
  identical paragraphs score 100 without scoring. A paragraph printed in more than
  ``match_max_postings`` documents, or a shingle found in that many (wire credits,
  disclaimers), proposes no pairs, so frequent text cannot make matching quadratic.

Both report pairs scoring at least ``match_cutoff``.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from numba import njit
from rapidfuzz import fuzz, process

from ._arrays import pairs_in_groups
from .align import align
from .config import DEFAULT, Config
from .dedup.signatures import shingle_sets
from .normalize import compare_keys, word_counts

Match = tuple[str, int, str, int, float, bool]
UNEVEN = 1.25  # across clusters, paragraphs this much longer than the other are compared by partial_ratio


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
                    config: Config = DEFAULT, n_words: Sequence[list[int]] | None = None) -> list[Match]:
    """Shared passages between paragraphs of different clusters (``n_words``: the words
    of each key, as :func:`~newsdedup.normalize.word_counts` counts them, if at hand).

    Identical paragraphs are indexed once (a key); candidate key pairs come from shared
    shingles, are scored in one vectorised rapidfuzz call, and are expanded back to the
    documents' paragraphs at the end.
    """
    # every paragraph occurrence long enough to match: its document, position and key id
    n_paras = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    # distinct keys in order of first occurrence; words counted once per distinct key
    every_key, distinct = pd.factorize(np.array([k for paras in keys for k in paras], dtype=object))
    if n_words is None:
        words = word_counts(distinct.tolist())
    else:  # every occurrence of a key has its count
        words = np.empty(len(distinct), dtype=np.int64)
        words[every_key] = np.fromiter((n for counts in n_words for n in counts), dtype=np.int64,
                                       count=every_key.size)
    long_key = words >= config.match_min_words
    long_enough = np.flatnonzero(long_key[every_key])
    if long_enough.size == 0:
        return []
    first_of_doc = np.cumsum(n_paras) - n_paras
    occ_doc = np.repeat(np.arange(len(keys), dtype=np.int64), n_paras)[long_enough]
    occ_para = long_enough - first_of_doc[occ_doc]
    key_of = (np.cumsum(long_key) - 1)[every_key[long_enough]]  # ids of the long keys, same order
    texts = distinct[long_key].tolist()
    by_key = np.argsort(key_of, kind="stable")  # occurrences grouped by key, in document order
    occ_doc, occ_para = occ_doc[by_key], occ_para[by_key]
    n_occ = np.bincount(key_of, minlength=len(texts))
    first_occ = np.cumsum(n_occ) - n_occ
    cluster = np.unique(np.asarray(cluster_ids, dtype=object), return_inverse=True)[1][occ_doc]
    usable = n_occ <= config.match_max_postings  # a paragraph printed everywhere is furniture, not a passage
    # a key whose occurrences all lie in one cluster: paired with another such key of the
    # same cluster it can only give pairs inside that cluster, which are not reported
    # (edited copies in a cluster share most shingles: half the candidates on 10k documents)
    lowest = np.minimum.reduceat(cluster, first_occ)
    sole_cluster = np.where(lowest == np.maximum.reduceat(cluster, first_occ), lowest, -1)

    def report(i: np.ndarray, j: np.ndarray, score: np.ndarray) -> list[Match]:
        """Matches between occurrences i and j (positions in key order) of different clusters."""
        apart = cluster[i] != cluster[j]
        i, j = i[apart].tolist(), j[apart].tolist()
        return [_ordered(doc_ids[occ_doc[x]], int(occ_para[x]), doc_ids[occ_doc[y]], int(occ_para[y]), s, False)
                for x, y, s in zip(i, j, score[apart].tolist())]

    # 1. identical paragraphs in documents of different clusters
    repeated = np.flatnonzero((n_occ > 1) & usable)
    i, j = pairs_in_groups(first_occ[repeated], n_occ[repeated], config.match_max_postings)
    out = report(i, j, np.full(i.size, 100.0))

    # 2. similar paragraphs: candidates from shared shingles, scored at once
    flat_shingles, offsets = shingle_sets(texts, config.match_shingle_size)
    owner = np.repeat(np.arange(len(texts), dtype=np.uint64), np.diff(offsets))
    # (shingle, owner) packed in one integer: one sort instead of a lexsort
    packed = np.sort((flat_shingles.astype(np.uint64) << np.uint64(32)) | owner)
    packed, shared = np.unique(_sharing_pairs(packed, n_occ, usable, sole_cluster, config.match_max_postings),
                               return_counts=True)
    ka = (packed >> np.uint64(32)).astype(np.int64)
    kb = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
    n_shingles = np.diff(offsets)
    # a passage found (partial_ratio >= cutoff) inside another shares a good part of its shingles
    enough = (shared >= config.match_min_shared) & (
        shared >= config.match_min_containment * np.minimum(n_shingles[ka], n_shingles[kb]))
    ka, kb = ka[enough], kb[enough]
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    uneven = np.maximum(lengths[ka], lengths[kb]) > UNEVEN * np.minimum(lengths[ka], lengths[kb])
    for scorer, sel in ((fuzz.ratio, ~uneven), (fuzz.partial_ratio, uneven)):
        xs, ys = ka[sel], kb[sel]
        if not xs.size:
            continue
        scores = process.cpdist([texts[x] for x in xs.tolist()], [texts[y] for y in ys.tolist()], scorer=scorer,
                                score_cutoff=config.match_cutoff, workers=1)
        hit = np.flatnonzero(scores)
        rounded = np.array([round(float(v), 2) for v in scores[hit].tolist()], dtype=np.float64)
        i, j, which = _cross(first_occ[xs[hit]], n_occ[xs[hit]], first_occ[ys[hit]], n_occ[ys[hit]])
        out += report(i, j, rounded[which])
    return out


@njit(cache=True, nogil=True)
def _sharing_pairs(packed, n_occ, usable, sole_cluster, max_postings):  # pragma: no cover - compiled
    """Every pair of usable keys that share a shingle, once per shared shingle, as
    ``(key_a << 32) | key_b`` with ``key_a < key_b``. ``packed``: sorted ``(shingle << 32) |
    key`` of every key's shingle set; a shingle found in more than ``max_postings``
    paragraph occurrences (``n_occ`` per key) proposes no pairs, nor do two keys found
    only in one and the same cluster (``sole_cluster``: that cluster, or -1)."""
    low = np.uint64(0xFFFFFFFF)
    shift = np.uint64(32)
    starts = [np.int64(0)]  # the groups of one shingle whose pairs count, and how many pairs
    ends = [np.int64(0)]
    total = 0
    n = packed.size
    s = 0
    while s < n:
        shingle = packed[s] >> shift
        e = s + 1
        while e < n and packed[e] >> shift == shingle:
            e += 1
        if e - s >= 2:
            weight = usable_members = 0
            for t in range(s, e):
                weight += n_occ[packed[t] & low]
                usable_members += usable[packed[t] & low]
            if weight <= max_postings and usable_members >= 2:
                starts.append(s)
                ends.append(e)
                total += usable_members * (usable_members - 1) // 2
        s = e
    out = np.empty(total, dtype=np.uint64)
    k = 0
    for g in range(1, len(starts)):  # keys ascend inside a group: (a, b) with a < b
        for x in range(starts[g], ends[g]):
            a = packed[x] & low
            if usable[a]:
                for y in range(x + 1, ends[g]):
                    b = packed[y] & low
                    if usable[b] and (sole_cluster[a] < 0 or sole_cluster[a] != sole_cluster[b]):
                        out[k] = (a << shift) | b
                        k += 1
    return out[:k]


def _cross(start_a: np.ndarray, size_a: np.ndarray, start_b: np.ndarray, size_b: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (a, b) position pair of each pair of ranges [start_a, start_a + size_a) x
    [start_b, start_b + size_b), and the number of the range pair it comes from."""
    total = size_a * size_b
    which = np.repeat(np.arange(total.size, dtype=np.int64), total)
    within = np.arange(which.size, dtype=np.int64) - np.repeat(np.cumsum(total) - total, total)
    return start_a[which] + within // size_b[which], start_b[which] + within % size_b[which], which


def paragraph_matches(doc_ids: Sequence[str], paragraphs: Sequence[list[str]], cluster_ids: Sequence[str],
                      canonical_ids: Sequence[str], config: Config = DEFAULT,
                      keys: Sequence[list[str]] | None = None, n_words: Sequence[list[int]] | None = None
                      ) -> list[Match]:
    """All matches, sorted by ``(doc_a, para_a, doc_b, para_b)`` (``keys``: the paragraphs'
    compare keys, and ``n_words`` their word counts, if the caller has them)."""
    if keys is None:
        keys = [compare_keys(list(paras)) for paras in paragraphs]
        n_words = None
    # the two halves share nothing, and much of each runs without the GIL (rapidfuzz, numpy,
    # compiled kernels): with two workers, the cross-cluster half runs on a second thread
    with ThreadPoolExecutor(1) as pool:
        across = (pool.submit(across_clusters, doc_ids, keys, cluster_ids, config, n_words)
                  if config.n_workers > 1 else None)
        matches = within_clusters(doc_ids, keys, canonical_ids, config)
        matches += across.result() if across else across_clusters(doc_ids, keys, cluster_ids, config, n_words)
    return sorted(matches)
