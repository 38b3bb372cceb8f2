"""A gradient-boosted tree ensemble, evaluated with numpy.

The model is trained by ``scripts/train_text_model.py`` (scikit-learn, a training-time
dependency only) and shipped as JSON inside the package. Evaluation is a compiled
(numba) walk of every tree for every row: a few nanoseconds per node.

>>> m = TreeModel.from_dict({"features": ["x"], "init": 0.0, "learning_rate": 1.0, "trees": [
...     {"feature": [0, -1, -1], "threshold": [0.5, 0, 0], "left": [1, -1, -1], "right": [2, -1, -1],
...      "value": [0, -2.0, 2.0]}]})
>>> m.predict_proba(np.array([[0.0], [1.0]], dtype=np.float32)).round(3).tolist()
[0.119, 0.881]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .._jit import njit


@dataclass
class TreeModel:
    features: list[str]
    init: float
    learning_rate: float
    feature: np.ndarray  # (trees, nodes) int32, -1 at leaves
    threshold: np.ndarray  # (trees, nodes) float32
    left: np.ndarray  # (trees, nodes) int32
    right: np.ndarray
    value: np.ndarray  # (trees, nodes) float32

    @classmethod
    def from_dict(cls, d: dict) -> "TreeModel":
        trees = d["trees"]
        width = max(len(t["feature"]) for t in trees)

        def stack(key: str, dtype, fill) -> np.ndarray:
            out = np.full((len(trees), width), fill, dtype=dtype)
            for i, t in enumerate(trees):
                out[i, : len(t[key])] = t[key]
            return out

        return cls(features=list(d["features"]), init=float(d["init"]), learning_rate=float(d["learning_rate"]),
                   feature=stack("feature", np.int32, -1), threshold=stack("threshold", np.float32, np.inf),
                   left=stack("left", np.int32, -1), right=stack("right", np.int32, -1),
                   value=stack("value", np.float32, 0.0))

    def decision(self, X: np.ndarray) -> np.ndarray:
        X = np.ascontiguousarray(X, dtype=np.float32)
        feature, threshold, leaves = self._complete_trees()
        return _decision(X, feature, threshold, leaves, self.init, self.learning_rate)

    def _complete_trees(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The trees as complete binary trees of the deepest tree's depth, in heap order
        (node ``i`` has children ``2i + 1`` and ``2i + 2``): a walk is arithmetic on the
        node number, with no child table to load. A leaf above the bottom becomes a
        split whose two subtrees both end in copies of it."""
        cached = getattr(self, "_complete", None)
        if cached is None:
            depth = _max_depth(self.left, self.right)
            n_trees, inner = self.feature.shape[0], (1 << depth) - 1
            feature = np.zeros((n_trees, max(inner, 1)), dtype=np.uint32)  # unsigned: see _decision
            threshold = np.full((n_trees, max(inner, 1)), np.inf, dtype=np.float32)
            leaves = np.zeros((n_trees, 1 << depth), dtype=np.float32)
            for t in range(n_trees):
                stack = [(0, 0, 0)]  # (node of the tree, position in the heap, level)
                while stack:
                    node, pos, level = stack.pop()
                    if level == depth:
                        leaves[t, pos - inner] = self.value[t, node]
                        continue
                    if self.feature[t, node] < 0:
                        stack += [(node, 2 * pos + 1, level + 1), (node, 2 * pos + 2, level + 1)]
                    else:
                        feature[t, pos], threshold[t, pos] = self.feature[t, node], self.threshold[t, node]
                        stack += [(self.left[t, node], 2 * pos + 1, level + 1),
                                  (self.right[t, node], 2 * pos + 2, level + 1)]
            cached = self._complete = (feature, threshold, leaves)
        return cached

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.decision(X)))


@njit(cache=True, nogil=True)
def _decision(X, feature, threshold, leaves, init, learning_rate):  # pragma: no cover - compiled
    # trees outer, eight rows walked side by side: one row's walk is a chain of dependent
    # loads, eight independent chains (in registers, not an array) keep the load units busy.
    # Node numbers and features are unsigned: numba then indexes without a check for a
    # negative index on every load (a third of the walk's time).
    n = X.shape[0]
    inner = np.uint64(leaves.shape[1] - 1)
    depth = 0
    while (1 << depth) <= inner:
        depth += 1
    two = np.uint64(2)
    total = np.zeros(n, dtype=np.float64)
    for t in range(feature.shape[0]):
        f, th, leaf = feature[t], threshold[t], leaves[t]
        i = 0
        while i + 8 <= n:
            x0, x1, x2, x3, x4, x5, x6, x7 = X[i], X[i + 1], X[i + 2], X[i + 3], X[i + 4], X[i + 5], X[i + 6], X[i + 7]
            a = b = c = d = e = g = h = k = np.uint64(0)
            for _ in range(depth):  # NaN compares False and goes right
                a = two * a + two - np.uint64(x0[f[a]] <= th[a])
                b = two * b + two - np.uint64(x1[f[b]] <= th[b])
                c = two * c + two - np.uint64(x2[f[c]] <= th[c])
                d = two * d + two - np.uint64(x3[f[d]] <= th[d])
                e = two * e + two - np.uint64(x4[f[e]] <= th[e])
                g = two * g + two - np.uint64(x5[f[g]] <= th[g])
                h = two * h + two - np.uint64(x6[f[h]] <= th[h])
                k = two * k + two - np.uint64(x7[f[k]] <= th[k])
            total[i] += leaf[a - inner]
            total[i + 1] += leaf[b - inner]
            total[i + 2] += leaf[c - inner]
            total[i + 3] += leaf[d - inner]
            total[i + 4] += leaf[e - inner]
            total[i + 5] += leaf[g - inner]
            total[i + 6] += leaf[h - inner]
            total[i + 7] += leaf[k - inner]
            i += 8
        for r in range(i, n):
            x = X[r]
            a = np.uint64(0)
            for _ in range(depth):
                a = two * a + two - np.uint64(x[f[a]] <= th[a])
            total[r] += leaf[a - inner]
    return init + learning_rate * total


def _max_depth(left: np.ndarray, right: np.ndarray) -> int:
    """Edges on the longest root-to-leaf path of any tree."""
    depth, frontier = 0, [(t, 0) for t in range(left.shape[0])]
    while True:
        frontier = [(t, c) for t, node in frontier for c in (left[t, node], right[t, node]) if c >= 0]
        if not frontier:
            return depth
        depth += 1


@dataclass
class TextModel:
    """Two stages: line features → p1; line features + neighbours' p1 → p2."""

    stage1: TreeModel
    stage2: TreeModel | None
    threshold: float
    switch_cost: float = 0.0  # above 0: the page's lines segmented as a whole (decode.keep_mask)

    @classmethod
    def from_dict(cls, d: dict) -> "TextModel":
        return cls(stage1=TreeModel.from_dict(d["stage1"]),
                   stage2=TreeModel.from_dict(d["stage2"]) if d.get("stage2") else None,
                   threshold=float(d["threshold"]), switch_cost=float(d.get("switch_cost", 0.0)))

    def predict(self, X: np.ndarray, blocks: np.ndarray | None = None) -> np.ndarray:
        p = self.stage1.predict_proba(X)
        if self.stage2 is not None:
            p = self.stage2.predict_proba(np.hstack([X, context_features(p, blocks)]))
        return p


SPAN_FLOOR = -0.2  # a line's most negative contribution to the article span

CONTEXT_FEATURES = ("p_self", "p_prev1", "p_next1", "p_prev2", "p_next2", "p_win3", "p_win8",
                    "p_before_max", "p_after_max", "p_span", "p_span_dist", "p_block_mean", "p_block_max")


def context_features(p: np.ndarray, blocks: np.ndarray | None = None) -> np.ndarray:
    """Stage-2 inputs from stage-1 probabilities: neighbours, windows, the best span, the block."""
    p = np.ascontiguousarray(p, dtype=np.float64)
    blocks = np.zeros(p.size, dtype=np.int64) if blocks is None else np.ascontiguousarray(blocks, dtype=np.int64)
    return _context_features(p, blocks, len(CONTEXT_FEATURES), SPAN_FLOOR)


@njit(cache=True, nogil=True)
def _window(cs, i, radius, n):  # pragma: no cover - compiled
    lo, hi = max(i - radius, 0), min(i + radius + 1, n)
    return (cs[hi] - cs[lo]) / (hi - lo)


@njit(cache=True, nogil=True)
def _context_features(p, blocks, width, span_floor):  # pragma: no cover - compiled
    n = p.size
    out = np.zeros((n, width), dtype=np.float32)
    if n == 0:
        return out
    cs = np.zeros(n + 1)
    for i in range(n):
        cs[i + 1] = cs[i] + p[i]
    n_blocks = 0
    for b in blocks:
        n_blocks = max(n_blocks, b + 1)
    block_sum, block_size, block_max = np.zeros(n_blocks), np.zeros(n_blocks), np.zeros(n_blocks)
    for i in range(n):
        b = blocks[i]
        block_sum[b] += p[i]
        block_size[b] += 1
        block_max[b] = max(block_max[b], p[i])
    lo, hi = _best_span(p, span_floor)
    three, eight = np.int64(3), np.int64(8)  # int64, not literals: one compiled _window
    before = 0.0
    after = np.zeros(n)
    for i in range(n - 2, -1, -1):
        after[i] = max(after[i + 1], p[i + 1])
    for i in range(n):
        o = out[i]
        o[0] = p[i]
        o[1] = p[i - 1] if i >= 1 else 0.0
        o[2] = p[i + 1] if i + 1 < n else 0.0
        o[3] = p[i - 2] if i >= 2 else 0.0
        o[4] = p[i + 2] if i + 2 < n else 0.0
        o[5] = _window(cs, i, three, n)
        o[6] = _window(cs, i, eight, n)
        o[7] = before
        before = max(before, p[i])
        o[8] = after[i]
        o[9] = lo <= i <= hi
        if hi >= lo:
            o[10] = ((i - lo) if i < lo else (i - hi) if i > hi else 0) / n
        b = blocks[i]
        o[11] = block_sum[b] / max(block_size[b], 1)
        o[12] = block_max[b]
    return out


def best_span(p: np.ndarray) -> tuple[int, int]:
    """[lo, hi] of the run of lines the model scores highest (empty when hi < lo)."""
    lo, hi = _best_span(np.ascontiguousarray(p, dtype=np.float64), SPAN_FLOOR)
    return int(lo), int(hi)


@njit(cache=True, nogil=True)
def _best_span(p, floor):  # pragma: no cover - compiled
    """[lo, hi] of the contiguous run with the largest total of max(p - 0.5, floor) (Kadane)."""
    best, best_lo, best_hi = -np.inf, 0, -1
    run, lo = 0.0, 0
    for i in range(p.size):
        s = max(p[i] - 0.5, floor)
        if run <= 0:
            run, lo = s, i
        else:
            run += s
        if run > best:
            best, best_lo, best_hi = run, lo, i
    return best_lo, best_hi


@lru_cache(maxsize=4)
def load_model(name: str) -> TextModel:
    """A model shipped inside the package (``text_model.json``)."""
    data = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return TextModel.from_dict(json.loads(data))


def text_model() -> TextModel:
    """The classifier of plain page text (trained on whole-page scraper text)."""
    return load_model("text_model.json")

