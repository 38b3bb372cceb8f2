"""Verifying LSH candidates: is this pair really one story?

A candidate pair is a duplicate when either

* the exact Jaccard similarity of the two shingle sets reaches ``Config.threshold``, or
* the paragraphs cover each other: aligning the two documents paragraph by paragraph
  (identical, or rapidfuzz ``ratio`` ≥ ``Config.coverage_ratio``), the aligned
  paragraphs hold at least ``Config.coverage`` of the characters of *both* documents,
  or all of one (≥ 95%) and at least ``Config.partial_coverage`` of the other (one copy
  carries leftover page text or an added section the other lacks).

Coverage is what catches edited copies (a few words changed in most paragraphs, a
paragraph added or removed: word-shingle Jaccard falls to 0.6 while nine tenths of
each text still aligns) without letting in documents that share only part of a story:
a mashup covers half of each story it borrows from and contains neither, a teaser is
contained in its story but covers a lede (a third at most), so their coverage stays low
on one side however similar the shared part is. A document contained in another must
cover two thirds of it: a mashup that borrows three fifths of one story and adds a line
of another is contained in that story too (at 0.6, such mashups joined their story in
two of five rebuilds of the evaluation corpus; from 0.62 to 0.69 none did and no copy
was lost).

>>> a = ["First paragraph of the story.", "Second paragraph, with details.", "Third one."]
>>> b = ["First paragraph of the story!", "Second paragraph, with details.", "Third one."]
>>> round(min(coverage(a, b, 90)), 2)
1.0
>>> [round(c, 2) for c in coverage(a, a[:1], 90)]  # share of a's characters, of b's
[0.41, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit
from rapidfuzz import fuzz, process

from ..align import BINS, align
from ..normalize import code_points
from .signatures import jaccard_of, shared_count

DUPLICATE, DISTINCT = "duplicate", "distinct"


@dataclass(frozen=True, slots=True)
class Verdict:
    jaccard: float
    containment: float
    coverage_a: float
    coverage_b: float
    duplicate: bool
    reason: str


def coverage(a: Sequence[str], b: Sequence[str], min_ratio: float) -> tuple[float, float]:
    """Share of the characters of ``a`` and of ``b`` in paragraphs aligned with the other."""
    len_a = sum(len(p) for p in a)
    len_b = sum(len(p) for p in b)
    if not len_a or not len_b:
        return 0.0, 0.0
    pairs = align(a, b, min_ratio)
    covered_a = sum(len(a[i]) for i, _, _ in pairs)
    covered_b = sum(len(b[j]) for _, j, _ in pairs)
    return covered_a / len_a, covered_b / len_b


CONTAINED = 0.95  # one document's text is (all but) entirely inside the other


def verify(shingles_a: np.ndarray, shingles_b: np.ndarray, paras_a: Sequence[str], paras_b: Sequence[str],
           threshold: float, min_coverage: float, min_ratio: float, min_partial: float = 0.65) -> Verdict:
    """The decision on one candidate pair, with the numbers behind it."""
    inter = shared_count(shingles_a, shingles_b)
    smaller = min(shingles_a.size, shingles_b.size)
    j = jaccard_of(shingles_a.size, shingles_b.size, inter)
    contain = inter / smaller if smaller else 0.0
    if j >= threshold:
        return decide(j, contain, 1.0, 1.0, threshold, min_coverage, min_partial)
    return decide(j, contain, *coverage(paras_a, paras_b, min_ratio), threshold, min_coverage, min_partial)


def decide(j: float, contain: float, cov_a: float, cov_b: float, threshold: float, min_coverage: float,
           min_partial: float) -> Verdict:
    """The decision from a pair's numbers (coverage is not looked at when ``j`` reaches
    ``threshold``)."""
    if j >= threshold:
        return Verdict(j, contain, 1.0, 1.0, True, f"jaccard {j:.2f} >= {threshold:.2f}")
    low = min(cov_a, cov_b)
    if low >= min_coverage:
        return Verdict(j, contain, cov_a, cov_b, True,
                       f"paragraph coverage {cov_a:.2f}/{cov_b:.2f} >= {min_coverage:.2f}")
    if max(cov_a, cov_b) >= CONTAINED and low >= min_partial:
        return Verdict(j, contain, cov_a, cov_b, True,
                       f"one contained in the other with {1 - low:.0%} extra: coverage {cov_a:.2f}/{cov_b:.2f}")
    if max(cov_a, cov_b) >= min_coverage:
        why = f"one contains part of the other: coverage {cov_a:.2f}/{cov_b:.2f}"
    else:
        why = f"jaccard {j:.2f}, coverage {cov_a:.2f}/{cov_b:.2f} below thresholds"
    return Verdict(j, contain, cov_a, cov_b, False, why)


def coverages(paras: Sequence[Sequence[str]], a: np.ndarray, b: np.ndarray, min_ratio: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`coverage` of many pairs at once: ``paras[a[k]]`` with ``paras[b[k]]`` for
    every ``k``, the same numbers. Identical paragraphs are paired first; the greedy
    alignment of the rest runs compiled for all document pairs at once, and asks rapidfuzz
    (one ``cpdist`` call per round, for every pair that needs a score) only for the scores
    it cannot do without (:func:`_align_lazily`)."""
    if not len(a):
        return np.zeros(0), np.zeros(0)
    docs, local = np.unique(np.concatenate([a, b]), return_inverse=True)
    texts = [p for d in docs.tolist() for p in paras[d]]
    n_paras = np.fromiter((len(paras[d]) for d in docs.tolist()), dtype=np.int64, count=docs.size)
    first = np.cumsum(n_paras) - n_paras
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    key_ids: dict[str, int] = {}
    keys = np.fromiter((key_ids.setdefault(t, len(key_ids)) for t in texts), dtype=np.int64, count=len(texts))
    xa, xb = local[:len(a)], local[len(a):]
    hist = _histograms(code_points(texts), lengths)
    args = (xa, xb, first, n_paras, keys, lengths, hist, float(min_ratio))
    covered_a, covered_b, pair, pa, pb = _identical_then_reachable(*args, _count_reachable(*args))
    if pa.size:
        _align_lazily(texts, xa, xb, first, n_paras, lengths, hist, pair, pa, pb, float(min_ratio),
                      covered_a, covered_b)
    ends = np.concatenate([[0], np.cumsum(lengths)])
    total = ends[first + n_paras] - ends[first]
    len_a, len_b = total[xa], total[xb]
    empty = (len_a == 0) | (len_b == 0)
    cov_a = np.where(empty, 0.0, covered_a / np.maximum(len_a, 1))
    cov_b = np.where(empty, 0.0, covered_b / np.maximum(len_b, 1))
    return cov_a, cov_b


@njit(cache=True, nogil=True)
def _histograms(codes, lengths):  # pragma: no cover - compiled
    """Character histograms (code point mod BINS) of texts joined by newlines."""
    hist = np.zeros((lengths.size, BINS), dtype=np.int32)
    k = 0
    for p in range(lengths.size):
        for _ in range(lengths[p]):
            hist[p, codes[k] & (BINS - 1)] += 1
            k += 1
        k += 1
    return hist


@njit(cache=True, nogil=True)
def _identical(x, y, first, n_paras, keys, used):  # pragma: no cover - compiled
    """Marks identical paragraphs of documents x and y as used, as :func:`align` pairs them
    (each of x's in order with the first unused identical one of y's)."""
    for i in range(first[x], first[x] + n_paras[x]):
        for j in range(first[y], first[y] + n_paras[y]):
            if not used[j] and keys[i] == keys[j]:
                used[i] = True
                used[j] = True
                break


@njit(cache=True, nogil=True)
def _reachable(i, j, lengths, hist, cutoff):  # pragma: no cover - compiled
    """Whether ``ratio`` of paragraphs i and j can reach cutoff (see align._within_reach)."""
    l1 = 0
    for c in range(hist.shape[1]):
        d = hist[i, c] - hist[j, c]
        l1 += d if d >= 0 else -d
    total = lengths[i] + lengths[j]
    return 100.0 * (total - l1) >= cutoff * total * (1.0 - 1e-12)


@njit(cache=True, nogil=True)
def _count_reachable(xa, xb, first, n_paras, keys, lengths, hist, cutoff):  # pragma: no cover - compiled
    used = np.zeros(lengths.size, dtype=np.bool_)
    count = 0
    for k in range(xa.size):
        x, y = xa[k], xb[k]
        _identical(x, y, first, n_paras, keys, used)
        for i in range(first[x], first[x] + n_paras[x]):
            if not used[i]:
                for j in range(first[y], first[y] + n_paras[y]):
                    if not used[j] and _reachable(i, j, lengths, hist, cutoff):
                        count += 1
        used[first[x]:first[x] + n_paras[x]] = False
        used[first[y]:first[y] + n_paras[y]] = False
    return count


@njit(cache=True, nogil=True)
def _identical_then_reachable(xa, xb, first, n_paras, keys, lengths, hist, cutoff, count):  # pragma: no cover
    """Per pair, the characters of its identical paragraphs, and every other paragraph pair
    (pair, i, j) in row order whose ``ratio`` can reach cutoff."""
    used = np.zeros(lengths.size, dtype=np.bool_)
    covered_a = np.zeros(xa.size, dtype=np.int64)
    covered_b = np.zeros(xa.size, dtype=np.int64)
    pair = np.empty(count, dtype=np.int64)
    pa = np.empty(count, dtype=np.int64)
    pb = np.empty(count, dtype=np.int64)
    m = 0
    for k in range(xa.size):
        x, y = xa[k], xb[k]
        _identical(x, y, first, n_paras, keys, used)
        for i in range(first[x], first[x] + n_paras[x]):
            if used[i]:
                covered_a[k] += lengths[i]
        for j in range(first[y], first[y] + n_paras[y]):
            if used[j]:
                covered_b[k] += lengths[j]
        for i in range(first[x], first[x] + n_paras[x]):
            if not used[i]:
                for j in range(first[y], first[y] + n_paras[y]):
                    if not used[j] and _reachable(i, j, lengths, hist, cutoff):
                        pair[m] = k
                        pa[m] = i
                        pb[m] = j
                        m += 1
        used[first[x]:first[x] + n_paras[x]] = False
        used[first[y]:first[y] + n_paras[y]] = False
    return covered_a, covered_b, pair, pa, pb


def _align_lazily(texts, xa, xb, first, n_paras, lengths, hist, pair, pa, pb, cutoff, covered_a, covered_b):
    """The greedy alignments (best score first, ties by position) of the paragraph pairs
    (``pair``, ``pa``, ``pb``: every pair of not identical paragraphs whose ``ratio`` can
    reach ``cutoff``), adding the characters of each aligned pair to its document pair's
    coverage. Each pair's character-histogram bound is an upper bound of its score, so a
    scored pair can be aligned as soon as it beats the bound of every pair not yet scored,
    and a pair whose paragraph is already aligned is never scored: on the 10k synthetic
    documents 67k scores instead of 154k. Pairs are scored in rounds, one rapidfuzz call per
    round for every document pair waiting for a score."""
    bound = _bounds(pa, pb, lengths, hist)
    order = np.lexsort((pb, pa, -bound, pair))  # per document pair, best bound first
    pair, pa, pb, bound = pair[order], pa[order], pb[order], bound[order]
    starts = np.searchsorted(pair, np.arange(xa.size + 1))
    side_a = n_paras[xa]
    used_start = np.concatenate(([0], np.cumsum(side_a + n_paras[xb])))
    state = (xa, xb, first, side_a, lengths, pair, pa, pb, bound, starts, used_start, covered_a, covered_b,
             np.full(pa.size, -1.0, dtype=np.float32), starts[:-1].copy(), np.zeros(xa.size, dtype=np.int64),
             np.empty(pa.size, dtype=np.int64), np.zeros(used_start[-1], dtype=np.bool_))
    score = state[13]
    waiting = np.flatnonzero(np.diff(starts))  # document pairs with paragraph pairs to align
    while waiting.size:
        request, waiting = _advance(waiting, *state)
        if request.size:
            score[request] = process.cpdist([texts[i] for i in pa[request].tolist()],
                                            [texts[j] for j in pb[request].tolist()], scorer=fuzz.ratio,
                                            score_cutoff=cutoff, dtype=np.float32, workers=1)


@njit(cache=True, nogil=True)
def _bounds(pa, pb, lengths, hist):  # pragma: no cover - compiled
    """An upper bound of each pair's ``ratio`` (see align._within_reach), with a margin
    above the float32 rounding of the score."""
    out = np.empty(pa.size)
    for t in range(pa.size):
        l1 = 0
        for c in range(hist.shape[1]):
            d = hist[pa[t], c] - hist[pb[t], c]
            l1 += d if d >= 0 else -d
        total = lengths[pa[t]] + lengths[pb[t]]
        out[t] = 100.0 * (total - l1) / total + 1e-3
    return out


@njit(cache=True, nogil=True)
def _better(u, v, score, pa, pb):  # pragma: no cover - compiled
    if score[u] != score[v]:
        return score[u] > score[v]
    if pa[u] != pa[v]:
        return pa[u] < pa[v]
    return pb[u] < pb[v]


@njit(cache=True, nogil=True)
def _push(heap, base, size, t, score, pa, pb):  # pragma: no cover - compiled
    c = size
    heap[base + c] = t
    while c > 0:
        parent = (c - 1) // 2
        if not _better(heap[base + c], heap[base + parent], score, pa, pb):
            break
        heap[base + c], heap[base + parent] = heap[base + parent], heap[base + c]
        c = parent


@njit(cache=True, nogil=True)
def _pop(heap, base, size, score, pa, pb):  # pragma: no cover - compiled
    size -= 1
    heap[base] = heap[base + size]
    c = 0
    while True:
        left, best = 2 * c + 1, c
        if left < size and _better(heap[base + left], heap[base + best], score, pa, pb):
            best = left
        if left + 1 < size and _better(heap[base + left + 1], heap[base + best], score, pa, pb):
            best = left + 1
        if best == c:
            return
        heap[base + c], heap[base + best] = heap[base + best], heap[base + c]
        c = best


@njit(cache=True, nogil=True)
def _advance(waiting, xa, xb, first, side_a, lengths, pair, pa, pb, bound, starts, used_start, covered_a,
             covered_b, score, next_unscored, heap_size, heap, used):  # pragma: no cover - compiled
    """Runs the greedy alignment of each waiting document pair until it needs a score it
    does not have: the paragraph pairs to score next, and the document pairs waiting for them."""
    request = np.empty(waiting.size, dtype=np.int64)
    still = np.empty(waiting.size, dtype=np.int64)
    m = 0
    for k in waiting:
        base, end, u0 = starts[k], starts[k + 1], used_start[k]
        row0, col0 = first[xa[k]], first[xb[k]] - side_a[k]
        while True:
            t = next_unscored[k]
            while t < end and (used[u0 + pa[t] - row0] or used[u0 + pb[t] - col0]):
                t += 1
            next_unscored[k] = t
            while heap_size[k] and (used[u0 + pa[heap[base]] - row0] or used[u0 + pb[heap[base]] - col0]):
                _pop(heap, base, heap_size[k], score, pa, pb)
                heap_size[k] -= 1
            if heap_size[k] and (t == end or score[heap[base]] > bound[t]):  # best scored beats every bound left
                top = heap[base]
                used[u0 + pa[top] - row0] = True
                used[u0 + pb[top] - col0] = True
                covered_a[k] += lengths[pa[top]]
                covered_b[k] += lengths[pb[top]]
                _pop(heap, base, heap_size[k], score, pa, pb)
                heap_size[k] -= 1
            elif t < end:
                if score[t] < 0:  # not scored yet: ask for it
                    request[m] = t
                    still[m] = k
                    m += 1
                    break
                if score[t] > 0:
                    _push(heap, base, heap_size[k], t, score, pa, pb)
                    heap_size[k] += 1
                next_unscored[k] = t + 1
            else:
                break
    return request[:m], still[:m]
