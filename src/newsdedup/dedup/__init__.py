"""Deduplication: clean texts → near-duplicate clusters with a canonical member.

1. exact duplicates: same compare key of the clean text;
2. MinHash signatures (:mod:`.signatures`) of the distinct texts, LSH banding
   (:mod:`.lsh`) at ``Config.candidate_threshold`` for candidate pairs;
3. every candidate verified (:mod:`.verify`): exact Jaccard of the shingle sets, or
   paragraph coverage of both documents; every decision is kept with its numbers
   (the ``pairs`` audit table); then union-find over the duplicates (:mod:`.cluster`);
4. per cluster, the canonical member (most complete clean text, ties by smallest
   ``doc_id``) and every member's Jaccard similarity to it.

The result does not depend on input order: documents are processed sorted by id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..clean.paragraphs import join, split_clean
from ..config import DEFAULT, Config
from ..normalize import compare_key, compare_keys
from .cluster import canonical_index, cluster_id, component_roots
from .._arrays import group_bounds, rounded
from .lsh import candidate_pairs, optimal_bands
from .signatures import MAX_HASH, containment_of, jaccard_of, shared_counts, shingle_sets, signatures
from .verify import DISTINCT, DUPLICATE, DUPLICATE_KINDS, IDENTICAL, coverages, decision_kinds, reason

__all__ = ["Clustering", "Examined", "deduplicate", "examine", "verify_candidates", "connect", "canonicals",
           "similarities"]

@dataclass
class Clustering:
    """Per document (in the order of ``doc_ids``), per cluster, and per examined pair."""

    doc_ids: list[str]
    cluster_ids: list[str]
    canonical_ids: list[str]
    similarity: np.ndarray
    clusters: dict[str, list[str]]  # cluster id → member ids, sorted
    canonical: dict[str, str]  # cluster id → canonical id
    pairs: PairTable  # the audit trail, one row per examined pair

    def is_duplicate(self, i: int) -> bool:
        return self.doc_ids[i] != self.canonical_ids[i]


class JoinedTexts(Sequence[str]):
    """Clean texts given as their paragraphs, joined when asked, one at a time: the corpus
    is not held a second time as whole texts (3.4 kB a document of synthetic news).

    >>> JoinedTexts([["a", "b"], ["c"]])[0]
    'a\\n\\nb'
    """

    def __init__(self, paragraphs: Sequence[list[str]]) -> None:
        self.paragraphs = paragraphs

    def __len__(self) -> int:
        return len(self.paragraphs)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [join(p) for p in self.paragraphs[i]]
        return join(self.paragraphs[i])

    def reordered(self, order: Sequence[int]) -> "JoinedTexts":
        return JoinedTexts([self.paragraphs[i] for i in order])


class _Subset(Sequence[str]):
    """``texts[rows[k]]`` as item ``k``, without a list of them."""

    def __init__(self, texts: Sequence[str], rows: np.ndarray) -> None:
        self.texts, self.rows = texts, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, k):  # type: ignore[override]
        return self.texts[int(self.rows[k])]


def _estimates(sigs: np.ndarray, rows_a: np.ndarray, rows_b: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """The signatures' estimate of the Jaccard similarity of each pair of rows (the share
    of equal minima), a chunk of pairs at a time (bounded memory on any corpus)."""
    out = np.empty(rows_a.size)
    for s in range(0, rows_a.size, chunk):
        out[s:s + chunk] = (sigs[rows_a[s:s + chunk]] == sigs[rows_b[s:s + chunk]]).mean(axis=1)
    return out


def _first_copies(keys: Iterable[str], n: int) -> np.ndarray:
    """For each of ``n`` texts, the index of the first text with the same compare key
    (``keys``, read once: 16-byte digests in one array and a sort, no per-document
    dictionary and no list of keys)."""
    digests = bytearray(16 * n)
    for i, key in enumerate(keys):
        digests[16 * i:16 * i + 16] = hashlib.blake2b(key.encode("utf-8"), digest_size=16).digest()
    key = np.frombuffer(bytes(digests), dtype="<u8").reshape(n, 2)
    index = np.arange(n)
    by_key = np.lexsort((index, key[:, 1], key[:, 0]))  # equal keys together, first index first
    k = key[by_key]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = (k[1:] != k[:-1]).any(axis=1)
    first = by_key[np.flatnonzero(new_group)]
    rep = np.empty(n, dtype=np.int64)
    rep[by_key] = np.repeat(first, np.diff(np.append(np.flatnonzero(new_group), n)))
    return rep


def deduplicate(doc_ids: Sequence[str], texts: Sequence[str], config: Config = DEFAULT,
                paragraph_keys: Sequence[list[str]] | None = None, sigs: np.ndarray | None = None) -> Clustering:
    """Cluster clean texts (``paragraph_keys``: the compare keys of each text's paragraphs,
    if the caller has them; computed here otherwise; ``sigs``: each text's signature, a
    row per text, if signed elsewhere): :func:`examine` (sign, band, candidates, verify),
    then :func:`connect` and :func:`canonicals`."""
    order = sorted(range(len(doc_ids)), key=doc_ids.__getitem__)
    ids = [doc_ids[i] for i in order]
    txt = _in_order(texts, order)
    para_keys = _in_order(paragraph_keys, order) if paragraph_keys is not None else None
    examined = examine(ids, txt, config, para_keys, None if sigs is None else sigs[order])
    root = connect(len(ids), examined.pairs)
    cluster_of, canonical_of, similarity, clusters, canonical = canonicals(ids, txt, examined.rep, root, config,
                                                                          known=examined.pairs)
    n = len(ids)
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)
    return Clustering(
        doc_ids=list(doc_ids),
        cluster_ids=[cluster_of[back[i]] for i in range(n)],
        canonical_ids=[canonical_of[back[i]] for i in range(n)],
        similarity=similarity[back],
        clusters=clusters,
        canonical=canonical,
        pairs=examined.pairs,
    )


def _in_order(items: Sequence, order: list[int]) -> Sequence:
    """``items`` in ``order``; a sequence that can reorder itself (joined texts, a
    runner's spilled keys read from a file) reordered without reading its items (held
    as lists, the keys of 100k documents take 0.3 GB)."""
    reordered = getattr(items, "reordered", None)
    return reordered(order) if reordered is not None else [items[i] for i in order]


@dataclass
class Examined:
    """What :func:`examine` found: each text's first exact copy (``rep``, an index), and
    every examined pair with its decision."""

    rep: np.ndarray
    pairs: PairTable


def examine(ids: list[str], txt: list[str], config: Config = DEFAULT,
            para_keys: list[list[str]] | None = None, sigs: np.ndarray | None = None) -> Examined:
    """Steps sign, band, candidates and verify over texts sorted by ``ids`` (``sigs``: their
    signatures, if signed elsewhere)."""
    n = len(ids)
    # 1. exact duplicates collapse onto their first (smallest id) copy; the compare key of a
    # text is its paragraphs' keys joined by a space (normalising never crosses a blank line)
    rep = _first_copies((compare_key(t) for t in txt) if para_keys is None else (" ".join(k) for k in para_keys), n)
    reps = np.flatnonzero(rep == np.arange(n))

    # 2. signatures and LSH candidates among distinct texts
    if sigs is None:
        sigs = signatures(_Subset(txt, reps) if isinstance(txt, JoinedTexts) else [txt[r] for r in reps],
                          config.num_perm, config.seed, config.shingle_size,
                          threads=config.n_workers)
    else:
        sigs = sigs[reps]
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[reps] = np.arange(reps.size)
    bands, rows = optimal_bands(config.candidate_threshold, config.num_perm)
    live = np.flatnonzero((sigs != MAX_HASH).any(axis=1))  # texts without words have no candidates
    a, b = candidate_pairs(sigs if live.size == len(sigs) else sigs[live], bands, rows, config.max_bucket_size)
    a, b = reps[live[a]], reps[live[b]]

    return Examined(rep, verify_candidates(ids, txt, config, para_keys, rep, a, b,
                                           _estimates(sigs, row_of[a], row_of[b])))


def verify_candidates(ids: list[str], txt: Sequence[str], config: Config, para_keys: list[list[str]] | None,
                      rep: np.ndarray, a: np.ndarray, b: np.ndarray, estimate: np.ndarray) -> PairTable:
    """Step verify: every candidate pair ``(a[k], b[k])`` (``estimate``: its signatures'
    Jaccard estimate) decided, and every exact copy paired with its first copy (``rep``).
    Texts are read only for the documents of candidate pairs (``txt`` may hold only those)."""
    n = len(ids)
    # shingle sets and paragraphs only of documents that need them, a chunk of pairs at a time
    paras = _ParagraphsOf(txt, para_keys)
    copies = np.flatnonzero(rep != np.arange(n))
    jac, contain, cov_a, cov_b = _decided_together(txt, paras, a, b, n, config)
    kind = decision_kinds(jac, cov_a, cov_b, config.threshold, config.coverage, config.partial_coverage)
    ones = np.ones(copies.size)
    return PairTable(ids, np.concatenate([rep[copies], a]), np.concatenate([copies, b]),
                     np.concatenate([ones, estimate]), np.concatenate([ones, jac]),
                     np.concatenate([ones, contain]), np.concatenate([ones, cov_a]), np.concatenate([ones, cov_b]),
                     np.concatenate([np.full(copies.size, IDENTICAL, dtype=np.int8), kind]),
                     config.threshold, config.coverage)


def _decided_together(txt: Sequence[str], paras: _ParagraphsOf, a: np.ndarray, b: np.ndarray, n: int,
                      config: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Exact Jaccard, containment and both coverages of each pair ``(a[k], b[k])``, in the
    pairs' order, computed with the pairs that share documents next to each other: a chunk
    reads, shingles and hashes the paragraphs of its documents once, and candidate pairs
    in id order spread a cluster's documents over many chunks (100k synthetic: 95k texts
    shingled for the 46k documents of 73k pairs)."""
    order = _by_component(n, a, b)
    a, b = a[order], b[order]
    jac, contain = _jaccards(txt, a, b, config.shingle_size)
    cov_a, cov_b = np.ones(a.size), np.ones(a.size)  # a pair decided by Jaccard is not aligned
    below = np.flatnonzero(jac < config.threshold)  # only these need their paragraphs aligned
    cov_a[below], cov_b[below] = coverages(paras, a[below], b[below], config.coverage_ratio)
    back = np.empty_like(order)
    back[order] = np.arange(order.size)
    return jac[back], contain[back], cov_a[back], cov_b[back]


def _by_component(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """An order of the pairs ``(a[k], b[k])`` that puts the pairs of each connected
    component of the candidate graph together (by its smallest document, then by pair)."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if a.size == 0:
        return np.zeros(0, dtype=np.int64)
    root = component_roots(n, a, b)
    return np.lexsort((b, a, root[a]))


def connect(n: int, pairs: PairTable) -> np.ndarray:
    """Step connect: union-find over the duplicate pairs (exact copies among them); each
    document's root is the smallest index of its component."""
    duplicate = np.isin(pairs.kind, DUPLICATE_KINDS)
    return component_roots(n, pairs.a[duplicate], pairs.b[duplicate])


def canonicals(ids: list[str], txt: list[str], rep: np.ndarray, root: np.ndarray, config: Config = DEFAULT,
               lengths: np.ndarray | None = None, known: PairTable | None = None):
    """Step canonicals: per component, its cluster id, canonical member and every member's
    similarity to it; ``(cluster_of, canonical_of, similarity, clusters, canonical)``
    (``lengths``: each text's length, if known: then ``txt`` is read only for the members
    whose text differs from their canonical's; ``known``: the verified pairs, whose exact
    Jaccard is taken as it is for a member verified against its canonical)."""
    n = len(ids)
    # members grouped by root with one sort (no per-document lists); roots are the
    # smallest member, so groups come out in order of their first member
    by_root = np.argsort(root, kind="stable")
    starts, sizes = group_bounds(root[by_root])
    if lengths is None:
        lengths = np.fromiter((len(t) for t in txt), dtype=np.int64, count=n)
    cluster_of = [""] * n
    canonical_of = [""] * n
    similarity = np.ones(n, dtype=np.float64)
    clusters: dict[str, list[str]] = {}
    canonical: dict[str, str] = {}
    member, of = [], []  # members whose text differs from their canonical's
    for start, size in zip(starts.tolist(), sizes.tolist()):
        ms = by_root[start:start + size].tolist()
        cid = cluster_id(ids[ms[0]])
        c = canonical_index(ms, lengths, ids) if size > 1 else ms[0]
        clusters[cid] = [ids[m] for m in ms]
        canonical[cid] = ids[c]
        for m in ms:
            cluster_of[m] = cid
            canonical_of[m] = ids[c]
            if rep[m] != rep[c]:
                member.append(m)
                of.append(c)
    if member:
        similarity[member] = _similarities_known(txt, rep[member], rep[of], config, known)
    return cluster_of, canonical_of, similarity, clusters, canonical


def _similarities_known(txt: list[str], a: np.ndarray, b: np.ndarray, config: Config, known: PairTable | None
                        ) -> np.ndarray:
    """:func:`similarities` of each pair, taken from ``known`` where it verified that pair
    (the same numbers: its Jaccard came from the same shingle sets) and computed for the
    rest. Most members of a cluster were a candidate pair with its canonical: on 100k
    synthetic documents this left 1.7 CPU-s of shingling the same texts again."""
    if known is None or not len(known):
        return similarities(txt, a, b, config)
    n = np.int64(len(known.ids))
    examined = known.kind != IDENTICAL
    keys = known.a[examined].astype(np.int64) * n + known.b[examined]
    by_key = np.argsort(keys, kind="stable")
    keys, jaccard = keys[by_key], known.jaccard[examined][by_key]
    wanted = np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)
    at = np.minimum(np.searchsorted(keys, wanted), max(keys.size - 1, 0))
    found = keys[at] == wanted if keys.size else np.zeros(wanted.size, dtype=bool)
    out = np.empty(wanted.size)
    out[found] = jaccard[at[found]]
    missing = np.flatnonzero(~found)
    if missing.size:
        out[missing] = similarities(txt, a[missing], b[missing], config)
    return out


def similarities(txt: list[str], a: np.ndarray, b: np.ndarray, config: Config = DEFAULT) -> np.ndarray:
    """Exact Jaccard similarity of the shingle sets of ``txt[a[k]]`` and ``txt[b[k]]``."""
    return _jaccards(txt, np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64), config.shingle_size)[0]


class _ParagraphsOf:
    """The paragraphs' compare keys of each text, as ``paragraphs[i]`` (given, or computed
    when asked: verification asks once per document and chunk, nothing is kept)."""

    def __init__(self, texts: list[str], keys: list[list[str]] | None):
        self.texts, self.keys = texts, keys

    def __getitem__(self, i: int) -> list[str]:
        return self.keys[i] if self.keys is not None else compare_keys(split_clean(self.texts[i]))


PAIRS_AT_ONCE = 2048  # pairs whose documents are read and shingled at once: up to 4,096 documents, ~10 kB each meanwhile


def _jaccards(texts: list[str], a: np.ndarray, b: np.ndarray, shingle_size: int, chunk: int = PAIRS_AT_ONCE
              ) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard similarity and containment of the shingle sets of ``texts[a[k]]`` and
    ``texts[b[k]]`` for every ``k``, a chunk of pairs at a time (the shingle sets of one
    chunk's documents in one flat array: a view per document would cost more than its
    shingles, and all of them at once more than a kilobyte a document on 1M documents;
    while a chunk is shingled, its texts are held two or three times over: 65536 pairs
    took 0.9 GB on 300k documents)."""
    jac, contain = np.empty(a.size), np.empty(a.size)
    for s in range(0, a.size, chunk):
        ca, cb = a[s:s + chunk], b[s:s + chunk]
        docs, local = np.unique(np.concatenate([ca, cb]), return_inverse=True)
        flat, offsets = shingle_sets([texts[i] for i in docs.tolist()], shingle_size)
        ka, kb = local[:ca.size], local[ca.size:]
        shared = shared_counts(flat, offsets, ka, kb)
        size_a, size_b = offsets[ka + 1] - offsets[ka], offsets[kb + 1] - offsets[kb]
        jac[s:s + chunk] = jaccard_of(size_a, size_b, shared)
        contain[s:s + chunk] = containment_of(size_a, size_b, shared)
    return jac, contain


class PairRow(NamedTuple):
    """One examined pair (a row of the ``pairs`` table; a tuple, not a dict: there is one
    per candidate pair, hundreds of thousands in a large run)."""

    doc_a: str
    doc_b: str
    estimated_jaccard: float
    jaccard: float
    containment: float
    coverage_a: float
    coverage_b: float
    decision: str
    reason: str


class PairTable:
    """The audit trail in columns: every examined pair (documents ``a[k]``, ``b[k]`` by
    position in ``ids``), its estimated and exact Jaccard, containment, coverage of each
    side, and the rule that decided it (``verify`` kinds). About 60 bytes a pair; the rows
    of the ``pairs`` table, with the decision and its reason in words, are made when asked
    for (:meth:`columns`, iteration)."""

    def __init__(self, ids: list[str], a: np.ndarray, b: np.ndarray, estimate: np.ndarray, jaccard: np.ndarray,
                 containment: np.ndarray, cov_a: np.ndarray, cov_b: np.ndarray, kind: np.ndarray,
                 threshold: float, min_coverage: float):
        swap = a > b  # doc_a is the smaller id (ids are sorted)
        self.ids = ids
        self.a, self.b = np.where(swap, b, a), np.where(swap, a, b)
        self.cov_a, self.cov_b = np.where(swap, cov_b, cov_a), np.where(swap, cov_a, cov_b)
        self.estimate, self.jaccard, self.containment, self.kind = estimate, jaccard, containment, kind
        self.settings = (threshold, min_coverage)

    def __len__(self) -> int:
        return int(self.a.size)

    def select(self, mask: np.ndarray) -> "PairTable":
        """The rows where ``mask`` is true (same ``ids``)."""
        out = object.__new__(PairTable)
        out.ids, out.settings = self.ids, self.settings
        for name in ("a", "b", "cov_a", "cov_b", "estimate", "jaccard", "containment", "kind"):
            setattr(out, name, getattr(self, name)[mask])
        return out

    def columns(self) -> dict[str, list]:
        """The columns of the ``pairs`` table (``schema.PAIRS``), numbers rounded to 4 decimals."""
        ids, kinds = self.ids, self.kind.tolist()
        return {
            "doc_a": [ids[i] for i in self.a.tolist()],
            "doc_b": [ids[i] for i in self.b.tolist()],
            "estimated_jaccard": rounded(self.estimate, 4),
            "jaccard": rounded(self.jaccard, 4),
            "containment": rounded(self.containment, 4),
            "coverage_a": rounded(self.cov_a, 4),
            "coverage_b": rounded(self.cov_b, 4),
            "decision": [DUPLICATE if k in DUPLICATE_KINDS else DISTINCT for k in kinds],
            "reason": [reason(k, j, ca, cb, *self.settings)
                       for k, j, ca, cb in zip(kinds, self.jaccard.tolist(), self.cov_a.tolist(), self.cov_b.tolist())],
        }

    def __iter__(self):
        columns = [c.tolist() if isinstance(c, np.ndarray) else c for c in self.columns().values()]
        return (PairRow(*row) for row in zip(*columns))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PairTable) and list(self) == list(other)
