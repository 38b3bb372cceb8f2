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

from ..align import align, aligned
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
    every ``k``, the same numbers, from one :func:`~newsdedup.align.align_pairs` call."""
    if not len(a):
        return np.zeros(0), np.zeros(0)
    found = aligned(paras, a, b, min_ratio)
    covered_a = np.bincount(found.pair, weights=found.lengths[found.pa], minlength=len(a))
    covered_b = np.bincount(found.pair, weights=found.lengths[found.pb], minlength=len(a))
    len_a, len_b = found.doc_chars(found.xa), found.doc_chars(found.xb)
    empty = (len_a == 0) | (len_b == 0)
    cov_a = np.where(empty, 0.0, covered_a / np.maximum(len_a, 1))
    cov_b = np.where(empty, 0.0, covered_b / np.maximum(len_b, 1))
    return cov_a, cov_b
