"""Greedy one-to-one paragraph alignment: what near-duplicate verification and the
paragraph matches of a cluster share.

Two paragraph lists are aligned greedily: identical paragraphs first (each paragraph of
the first list, in order, with the first free identical one of the second), then the
other pairs scoring at least the cutoff by rapidfuzz ``ratio``, best first, ties by
position. Many pairs of lists are aligned at once (:func:`align_pairs`), and no score is
computed that cannot change the result: a pair whose character histograms are too far
apart cannot reach the cutoff, the same distance bounds every other pair's score, so a
scored pair is aligned as soon as it beats the bound of every pair not yet scored, and a
pair whose paragraph is already aligned is never scored.

Scoring one pair of long paragraphs is bounded (:func:`scores`): rapidfuzz's ``ratio``
costs the product of the two lengths and ``partial_ratio`` the square of the shorter times
the longer (minutes for a 50,000-character paragraph), so past a budget both are estimated
piece by piece (:func:`found_chars`), at a cost linear in the lengths.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from ._arrays import rounded
from ._jit import njit
from .normalize import code_points

__all__ = ["align", "align_pairs", "scores"]

BINS = 64  # character histogram bins (code point mod 64)
# Past these costs (character products), a pair is scored piece by piece: rapidfuzz's
# ratio of two 100,000-character paragraphs takes about 0.1 s, its partial_ratio of a
# 2,000-character paragraph inside a 4,000-character one up to 0.07 s. Needles of at most
# 64 characters are always scored exactly (one machine word: linear in the haystack).
RATIO_BUDGET = 100_000 * 100_000
PARTIAL_BUDGET = 2_000 * 2_000 * 4_000
PIECE = 500  # characters of a piece of the shorter paragraph
SLACK = PIECE // 2  # characters either side of a piece's anchored place searched for it
_WORD = re.compile(r"\S+")


def scores(xs: Sequence[str], ys: Sequence[str], scorer: Callable, cutoff: float,
           dtype=np.float32) -> np.ndarray:
    """``rapidfuzz.process.cpdist(xs, ys, scorer, score_cutoff=cutoff)`` (``scorer``:
    ``fuzz.ratio`` or ``fuzz.partial_ratio``), with the cost of each pair bounded: a pair
    past the scorer's budget is estimated from :func:`found_chars` instead (scores below
    ``cutoff`` are 0, as rapidfuzz gives them)."""
    nx = np.fromiter(map(len, xs), dtype=np.float64, count=len(xs))
    ny = np.fromiter(map(len, ys), dtype=np.float64, count=len(ys))
    costly = _costly(np.minimum(nx, ny), np.maximum(nx, ny), scorer is fuzz.partial_ratio)
    if not costly.any():
        return process.cpdist(xs, ys, scorer=scorer, score_cutoff=cutoff, dtype=dtype, workers=1)
    out = np.zeros(len(xs), dtype=dtype)
    cheap = np.flatnonzero(~costly).tolist()
    if cheap:
        out[cheap] = process.cpdist([xs[k] for k in cheap], [ys[k] for k in cheap], scorer=scorer,
                                    score_cutoff=cutoff, dtype=dtype, workers=1)
    for k in np.flatnonzero(costly).tolist():
        out[k] = _estimate(xs[k], ys[k], scorer is fuzz.partial_ratio, cutoff)
    return out


def score_one(x: str, y: str, scorer: Callable, cutoff: float) -> float:
    """:func:`scores` of one pair, as float64: the same number, without ``cpdist``'s cost
    per call (ten times the score of a title-sized pair).

    >>> a, b = "same text", "same texts"
    >>> score_one(a, b, fuzz.ratio, 90), float(scores([a], [b], fuzz.ratio, 90, np.float64)[0])
    (94.73684210526316, 94.73684210526316)
    """
    short, long = sorted((len(x), len(y)))
    if _costly(short, long, scorer is fuzz.partial_ratio):
        return _estimate(x, y, scorer is fuzz.partial_ratio, cutoff)
    return scorer(x, y, score_cutoff=cutoff)


def _costly(short, long, partial: bool):
    """Whether pairs of these lengths (numbers or arrays of them) are past the scorer's
    budget, to be estimated instead of scored."""
    if partial:
        return (short > 64) & (short * short * long > PARTIAL_BUDGET)
    return short * long > RATIO_BUDGET


def _estimate(x: str, y: str, partial: bool, cutoff: float) -> float:
    short, long = (x, y) if len(x) <= len(y) else (y, x)
    found = found_chars(short, long)
    score = 100.0 * found / len(short) if partial else 200.0 * found / (len(x) + len(y))
    return score if score >= cutoff else 0.0


def found_chars(short: str, long: str) -> float:
    """An estimate of how many characters of ``short`` are found, in order, in ``long``
    (the longest common subsequence that ``ratio`` and ``partial_ratio`` measure), at a
    cost linear in the lengths: ``short`` is cut into pieces of :data:`PIECE` characters,
    each is placed in ``long`` by a vote of the word trigrams it shares with it (their
    first place in ``long``), and scored by ``partial_ratio`` there (:data:`SLACK`
    characters either side); a piece that shares no trigram counts nothing.

    >>> text = " ".join(f"word{i}" for i in range(300))
    >>> round(found_chars(text, "a preamble. " + text + " a coda.") / len(text), 2)
    1.0
    """
    places = _trigram_places(long)
    found = 0.0
    for start in range(0, len(short), PIECE):
        piece = short[start:start + PIECE]
        votes = Counter(places[t] - at for t, at in _trigrams(piece) if t in places)
        if votes:
            offset = votes.most_common(1)[0][0]
            window = long[max(0, offset - SLACK):max(0, offset + len(piece) + SLACK)]
            found += len(piece) * fuzz.partial_ratio(piece, window) / 100.0
    return found


def _trigrams(text: str) -> Iterator[tuple[str, int]]:
    """Every run of three words of ``text`` and where it starts."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    for (start, _), _, (_, end) in zip(words, words[1:], words[2:]):
        yield text[start:end], start


def _trigram_places(text: str) -> dict[str, int]:
    places: dict[str, int] = {}
    for trigram, at in _trigrams(text):
        places.setdefault(trigram, at)
    return places


def align(a: Sequence[str], b: Sequence[str], cutoff: float) -> list[tuple[int, int, float]]:
    """Greedy one-to-one alignment of two paragraph lists (compare keys) by ``ratio``:
    ``(i, j, score)`` of every aligned pair, sorted.

    >>> align(["same text", "an edited line"], ["an edited lines", "same text"], 80)
    [(0, 1, 100.0), (1, 0, 96.55)]
    """
    _, i, j, score = align_pairs([a, b], np.array([0]), np.array([1]), cutoff)
    return list(zip(i.tolist(), j.tolist(), score.tolist()))


def align_pairs(paras: Sequence[Sequence[str]], a: np.ndarray, b: np.ndarray, cutoff: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`align` of ``paras[a[k]]`` with ``paras[b[k]]`` for every ``k``: the arrays
    ``(k, i, j, score)`` of every aligned pair, sorted, scores rounded to 2 decimals
    (``paras[a[k]]`` and ``paras[b[k]]`` must be different lists of the corpus)."""
    parts = []
    for offset, found in aligned(paras, a, b, cutoff):
        parts.append((found.pair + offset, found.pa - found.first[found.xa[found.pair]],
                      found.pb - found.first[found.xb[found.pair]], found.score))
    pair, i, j, score = (np.concatenate(column) for column in zip(*parts)) if parts else [np.zeros(0, np.int64)] * 4
    order = np.lexsort((j, i, pair))
    return pair[order], i[order], j[order], rounded(np.asarray(score, dtype=np.float64)[order])


@dataclass(frozen=True)
class Aligned:
    """Aligned paragraph pairs of many document pairs, in flat paragraph numbers."""

    xa: np.ndarray  # per document pair, its two documents (numbers among the aligned ones)
    xb: np.ndarray
    first: np.ndarray  # per document, the flat number of its first paragraph
    n_paras: np.ndarray
    lengths: np.ndarray  # per flat paragraph, its characters
    pair: np.ndarray  # per aligned pair: its document pair, its two paragraphs, its score
    pa: np.ndarray
    pb: np.ndarray
    score: np.ndarray

    def doc_chars(self, docs: np.ndarray) -> np.ndarray:
        ends = np.concatenate(([0], np.cumsum(self.lengths)))
        return ends[self.first[docs] + self.n_paras[docs]] - ends[self.first[docs]]


CHUNK = 1024  # document pairs aligned together: bounds the code points and paragraph histograms held at once


def aligned(paras: Sequence[Sequence[str]], a: np.ndarray, b: np.ndarray, cutoff: float
            ) -> Iterator[tuple[int, Aligned]]:
    """The alignments of :func:`align_pairs`, before sorting and rounding: ``(offset,
    Aligned)`` for each chunk of :data:`CHUNK` document pairs (``offset``: the chunk's first)."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    for offset in range(0, a.size, CHUNK):
        yield offset, _aligned_chunk(paras, a[offset:offset + CHUNK], b[offset:offset + CHUNK], cutoff)


def _aligned_chunk(paras: Sequence[Sequence[str]], a: np.ndarray, b: np.ndarray, cutoff: float) -> Aligned:
    docs, local = np.unique(np.concatenate([a, b]), return_inverse=True)
    each = [list(paras[d]) for d in docs.tolist()]  # read once (a document's keys may come from a file)
    texts = [p for doc in each for p in doc]
    n_paras = np.fromiter(map(len, each), dtype=np.int64, count=docs.size)
    del each
    first = np.cumsum(n_paras) - n_paras
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    key_ids: dict[str, int] = {}
    keys = np.fromiter((key_ids.setdefault(t, len(key_ids)) for t in texts), dtype=np.int64, count=len(texts))
    xa, xb = local[:a.size], local[a.size:]
    hist = _histograms(code_points(texts), lengths)
    args = (xa, xb, first, n_paras, keys, lengths, hist, float(cutoff))
    empty = np.zeros(0, dtype=np.int64)
    n_same, n_reach = _pairs_to_align(*args, np.zeros((3, 0), dtype=np.int64), empty, empty, empty,
                                      np.zeros(0), False)
    same = np.empty((3, n_same), dtype=np.int64)
    pair, pa, pb = (np.empty(n_reach, dtype=np.int64) for _ in range(3))
    bound = np.empty(n_reach)
    _pairs_to_align(*args, same, pair, pa, pb, bound, True)
    accepted, score = _align_lazily(texts, xa, xb, first, n_paras, pair, pa, pb, bound, float(cutoff))
    return Aligned(xa, xb, first, n_paras, lengths,
                   np.concatenate([same[0], pair[accepted]]), np.concatenate([same[1], pa[accepted]]),
                   np.concatenate([same[2], pb[accepted]]),
                   np.concatenate([np.full(same[0].size, 100.0), score[accepted].astype(np.float64)]))


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
def _identical(x, y, first, n_paras, keys, used, partner):  # pragma: no cover - compiled
    """Pairs the identical paragraphs of documents x and y (each of x's in order with the
    first free identical one of y's): marks them used, sets ``partner``; how many pairs."""
    n = 0
    for i in range(first[x], first[x] + n_paras[x]):
        for j in range(first[y], first[y] + n_paras[y]):
            if not used[j] and keys[i] == keys[j]:
                used[i] = True
                used[j] = True
                partner[i] = j
                n += 1
                break
    return n


@njit(cache=True, nogil=True)
def _l1(i, j, hist):  # pragma: no cover - compiled
    """L1 distance of the character histograms of paragraphs i and j: a lower bound of their
    insert/delete distance (each insertion or deletion changes one count by one; binning
    only lowers it), so ``ratio`` = ``100 * (1 - d / (len_i + len_j))`` is at most
    ``100 * (1 - l1 / (len_i + len_j))``."""
    l1 = 0
    for c in range(hist.shape[1]):
        d = hist[i, c] - hist[j, c]
        l1 += d if d >= 0 else -d
    return l1


@njit(cache=True, nogil=True)
def _pairs_to_align(xa, xb, first, n_paras, keys, lengths, hist, cutoff, same, pair, pa, pb, bound, fill
                    ):  # pragma: no cover - compiled
    """Per document pair ``k``, its identical paragraph pairs ``(k, i, j)`` into ``same``, and
    every other paragraph pair whose ``ratio`` can reach cutoff (row order) into ``pair``,
    ``pa``, ``pb``, with the upper bound of its ``ratio`` (a margin above the float32
    rounding of the score) into ``bound``; only counted unless ``fill`` (a first pass sizes
    the arrays). How many of each."""
    used = np.zeros(lengths.size, dtype=np.bool_)
    partner = np.empty(lengths.size, dtype=np.int64)
    s = m = 0
    for k in range(xa.size):
        x, y = xa[k], xb[k]
        s0 = s
        s += _identical(x, y, first, n_paras, keys, used, partner)
        if fill:
            t = s0
            for i in range(first[x], first[x] + n_paras[x]):
                if used[i]:
                    same[0, t], same[1, t], same[2, t] = k, i, partner[i]
                    t += 1
        for i in range(first[x], first[x] + n_paras[x]):
            if not used[i]:
                for j in range(first[y], first[y] + n_paras[y]):
                    if not used[j]:
                        total = lengths[i] + lengths[j]
                        close = total - _l1(i, j, hist)  # the L1 distance bounds the indel distance
                        if 100.0 * close >= cutoff * total * (1.0 - 1e-12):  # margin: rounding of cutoff * total
                            if fill:
                                pair[m], pa[m], pb[m] = k, i, j
                                bound[m] = 100.0 * close / total + 1e-3
                            m += 1
        used[first[x]:first[x] + n_paras[x]] = False
        used[first[y]:first[y] + n_paras[y]] = False
    return s, m


def _align_lazily(texts, xa, xb, first, n_paras, pair, pa, pb, bound, cutoff):
    """Which of the paragraph pairs (``pair``, ``pa``, ``pb``: every pair of not identical
    paragraphs whose ``ratio`` can reach ``cutoff``) the greedy alignments take, and the
    scores (float32, as rapidfuzz gives them; -1 where a pair was not scored). Each pair's
    histogram distance bounds its score from above (``bound``), so a scored pair is taken as soon
    as it beats the bound of every pair not yet scored, and a pair whose paragraph is taken
    is never scored (on the 10k synthetic documents' candidates, 67k scores instead of
    154k). All document pairs advance together, compiled, and ask rapidfuzz for the scores
    they need in one ``cpdist`` call per round."""
    score = np.full(pa.size, -1.0, dtype=np.float32)
    accepted = np.zeros(pa.size, dtype=np.bool_)
    if not pa.size:
        return accepted, score
    order = np.lexsort((pb, pa, -bound, pair))  # per document pair, best bound first
    pair, pa, pb, bound = pair[order], pa[order], pb[order], bound[order]
    starts = np.searchsorted(pair, np.arange(xa.size + 1))
    side_a = n_paras[xa]
    used_start = np.concatenate(([0], np.cumsum(side_a + n_paras[xb])))
    taken = np.zeros(pa.size, dtype=np.bool_)
    score_sorted = score.copy()
    next_unscored, heap_size, heap = starts[:-1].copy(), np.zeros(xa.size, dtype=np.int64), np.empty(pa.size, np.int64)
    state = (xa, xb, first, side_a, pa, pb, bound, starts, used_start, taken, score_sorted, next_unscored, heap_size,
             heap, np.zeros(used_start[-1], dtype=np.bool_))
    waiting = np.flatnonzero(np.diff(starts))  # document pairs with paragraph pairs to align
    while waiting.size:
        request, waiting = _advance(waiting, *state)
        if request.size:
            score_sorted[request] = scores([texts[i] for i in pa[request].tolist()],
                                           [texts[j] for j in pb[request].tolist()], fuzz.ratio, cutoff)
    accepted[order] = taken
    score[order] = score_sorted
    return accepted, score


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
def _advance(waiting, xa, xb, first, side_a, pa, pb, bound, starts, used_start, taken, score, next_unscored,
             heap_size, heap, used):  # pragma: no cover - compiled
    """Runs the greedy alignment of each waiting document pair until it needs a score it
    does not have: the paragraph pairs to score next, and the document pairs waiting for
    them. Per document pair: its pairs in order of bound (``next_unscored``: the first not
    looked at), a heap of its scored pairs above the cutoff, best first (ties by position),
    and which of its paragraphs are taken (``used``, from ``used_start``)."""
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
            if heap_size[k] and (t == end or score[heap[base]] > bound[t]):  # beats every bound left
                top = heap[base]
                used[u0 + pa[top] - row0] = True
                used[u0 + pb[top] - col0] = True
                taken[top] = True
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
