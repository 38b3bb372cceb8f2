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

import numpy as np

from ..align import aligned

DUPLICATE, DISTINCT = "duplicate", "distinct"


def coverage(a: Sequence[str], b: Sequence[str], min_ratio: float) -> tuple[float, float]:
    """Share of the characters of ``a`` and of ``b`` in paragraphs aligned with the other."""
    cov_a, cov_b = coverages([a, b], np.array([0]), np.array([1]), min_ratio)
    return float(cov_a[0]), float(cov_b[0])


CONTAINED = 0.95  # one document's text is (all but) entirely inside the other


# The rules of a decision, in the order they are tried (IDENTICAL: the same clean text,
# before any signature).
IDENTICAL, JACCARD, COVERAGE, CONTAINED_IN, PART_OF, BELOW = range(6)
DUPLICATE_KINDS = (IDENTICAL, JACCARD, COVERAGE, CONTAINED_IN)


def decision_kinds(j: np.ndarray, cov_a: np.ndarray, cov_b: np.ndarray, threshold: float, min_coverage: float,
                   min_partial: float) -> np.ndarray:
    """The rule that decides each pair (see the module docstring): Jaccard, coverage of
    both, containment, and else why not (one contains part of the other, or nothing)."""
    low, high = np.minimum(cov_a, cov_b), np.maximum(cov_a, cov_b)
    kind = np.full(j.shape, BELOW, dtype=np.int8)  # the rules tried first are written last
    kind[high >= min_coverage] = PART_OF
    kind[(high >= CONTAINED) & (low >= min_partial)] = CONTAINED_IN
    kind[low >= min_coverage] = COVERAGE
    kind[j >= threshold] = JACCARD
    return kind


def reason(kind: int, j: float, cov_a: float, cov_b: float, threshold: float, min_coverage: float) -> str:
    """The words of a decision, with the numbers behind it."""
    if kind == IDENTICAL:
        return "identical clean text"
    if kind == JACCARD:
        return f"jaccard {j:.2f} >= {threshold:.2f}"
    if kind == COVERAGE:
        return f"paragraph coverage {cov_a:.2f}/{cov_b:.2f} >= {min_coverage:.2f}"
    if kind == CONTAINED_IN:
        return f"one contained in the other with {1 - min(cov_a, cov_b):.0%} extra: coverage {cov_a:.2f}/{cov_b:.2f}"
    if kind == PART_OF:
        return f"one contains part of the other: coverage {cov_a:.2f}/{cov_b:.2f}"
    return f"jaccard {j:.2f}, coverage {cov_a:.2f}/{cov_b:.2f} below thresholds"


def coverages(paras: Sequence[Sequence[str]], a: np.ndarray, b: np.ndarray, min_ratio: float
              ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`coverage` of many pairs at once: ``paras[a[k]]`` with ``paras[b[k]]`` for
    every ``k``, the same numbers, from the aligner of :mod:`newsdedup.align` (a chunk of
    pairs at a time)."""
    cov_a, cov_b = np.zeros(len(a)), np.zeros(len(a))
    for offset, found in aligned(paras, a, b, min_ratio):
        n = found.xa.size
        covered_a = np.bincount(found.pair, weights=found.lengths[found.pa], minlength=n)
        covered_b = np.bincount(found.pair, weights=found.lengths[found.pb], minlength=n)
        len_a, len_b = found.doc_chars(found.xa), found.doc_chars(found.xb)
        empty = (len_a == 0) | (len_b == 0)
        cov_a[offset:offset + n] = np.where(empty, 0.0, covered_a / np.maximum(len_a, 1))
        cov_b[offset:offset + n] = np.where(empty, 0.0, covered_b / np.maximum(len_b, 1))
    return cov_a, cov_b
