"""From line scores to kept lines: a per-line threshold, or one segmentation of the page.

With ``switch_cost`` 0 a line is kept when its score reaches the threshold. Above 0 the
page is segmented as a whole (a two-state Viterbi: article / furniture): keeping line
``i`` gains ``weight_i * (score_i - threshold)``, and every change of state between two
consecutive candidate lines costs ``switch_cost`` (the page starts and ends as furniture:
an article at its very top or bottom still pays for its edge there); the labelling with the largest total
wins. A lone low-scored line inside the article then stays, and a lone high-scored
teaser in a sidebar goes, when its gain does not pay for two switches. The weight of a
line is the square root of its words (:func:`line_weights`, as the model's training
weighs lines): a long paragraph's score counts for more than a label's.

>>> keep_mask(np.array([0.9, 0.45, 0.9, 0.1, 0.55, 0.1]), np.ones(6, bool), 0.5, 0.0).tolist()
[True, False, True, False, True, False]
>>> keep_mask(np.array([0.9, 0.45, 0.9, 0.1, 0.55, 0.1]), np.ones(6, bool), 0.5, 0.1).tolist()
[True, True, True, False, False, False]
"""

from __future__ import annotations

import numpy as np

from .._jit import njit


def line_weights(words: np.ndarray) -> np.ndarray:
    """Each line's weight in the segmentation, from its number of words: their square root
    (at least 1)."""
    return np.sqrt(np.maximum(words, 1.0))


def keep_mask(scores: np.ndarray, candidates: np.ndarray, threshold: float, switch_cost: float,
              weights: np.ndarray | None = None, protected: np.ndarray | None = None) -> np.ndarray:
    """Which lines the model keeps. ``candidates``: lines the rules left (the others are
    skipped: they neither gain nor break a segment); ``weights``: each line's weight
    (1 when not given); ``protected``: lines kept whenever they reach the threshold, in a
    segment or not."""
    scores = np.asarray(scores, dtype=np.float64)
    if switch_cost <= 0:
        return scores >= threshold
    w = np.ones(scores.size) if weights is None else np.asarray(weights, dtype=np.float64)
    keep = _viterbi(scores, np.asarray(candidates, dtype=np.bool_), w, threshold, switch_cost)
    if protected is not None:
        keep |= np.asarray(protected, dtype=np.bool_) & (scores >= threshold)
    return keep


@njit(cache=True, nogil=True)
def _viterbi(scores, candidates, weights, threshold, cost):  # pragma: no cover - compiled
    keep = scores >= threshold
    idx = np.flatnonzero(candidates)
    m = idx.size
    if m == 0:
        return keep
    # best totals ending in each state; back[k, s]: the previous state of state s at k
    back = np.zeros((m, 2), dtype=np.int8)
    # the page starts and ends outside the article: entering it costs a switch, and so does
    # leaving it, wherever it is (a lone short line at the page's top is no cheaper to keep)
    out_total, in_total = 0.0, weights[idx[0]] * (scores[idx[0]] - threshold) - cost
    for k in range(1, m):
        i = idx[k]
        gain = weights[i] * (scores[i] - threshold)
        stay_out, enter_out = out_total, in_total - cost
        stay_in, enter_in = in_total, out_total - cost
        new_out = stay_out if stay_out >= enter_out else enter_out
        back[k, 0] = 0 if stay_out >= enter_out else 1
        new_in = (stay_in if stay_in >= enter_in else enter_in) + gain
        back[k, 1] = 1 if stay_in >= enter_in else 0
        out_total, in_total = new_out, new_in
    state = 1 if in_total - cost > out_total else 0
    for k in range(m - 1, -1, -1):
        keep[idx[k]] = state == 1
        state = back[k, state]
    return keep
