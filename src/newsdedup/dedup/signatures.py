"""MinHash signatures of word shingles, vectorised, compatible with datasketch.

Text → compare-key word tokens → word ``k``-gram shingles → one 32-bit hash per
shingle (:func:`shingle_hashes`) → MinHash with datasketch's ``affine32`` scheme
(MurmurHash3 finaliser, then ``a * h + b mod 2**32`` with ``a``, ``b`` drawn from
``numpy.random.RandomState(seed)`` exactly as datasketch draws them).

So a newsdedup signature *is* a datasketch MinHash of the shingle hashes, and can
be queried with datasketch's LSH:

>>> from datasketch import MinHash
>>> text = "the quick brown fox jumps over the lazy dog"
>>> sig = signatures([text], num_perm=16)[0]
>>> m = MinHash(num_perm=16, hashfunc=int)
>>> m.update_batch(shingle_hashes(text).tolist())
>>> bool((m.hashvalues == sig).all())
True
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from ..normalize import words

MAX_HASH = np.uint32(0xFFFFFFFF)
_K = np.uint64(0x9E3779B97F4A7C15)
_CHUNK_SHINGLES = 1 << 15


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` of datasketch's ``affine32`` scheme for this seed."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (as datasketch applies it before permuting)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _fmix64(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def token_hashes(tokens: Sequence[str]) -> np.ndarray:
    return np.fromiter((zlib.crc32(t.encode("utf-8")) for t in tokens), dtype=np.uint64, count=len(tokens))


def shingle_hashes(text: str, k: int = 5) -> np.ndarray:
    """Distinct 32-bit hashes of the word ``k``-gram shingles of ``text``, sorted.

    A text of 1 to ``k - 1`` words gives one shorter shingle; an empty text none.
    """
    t = token_hashes(words(text))
    if t.size == 0:
        return np.empty(0, np.uint32)
    n = max(t.size - k + 1, 1)
    k = min(k, t.size)
    h = np.full(n, np.uint64(k), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = (h ^ t[j:j + n]) * _K
        h = _fmix64(h)
    return np.unique((h >> np.uint64(32)).astype(np.uint32))


def signatures_of_shingles(shingle_sets: Sequence[np.ndarray], num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """``(n, num_perm)`` uint32 MinHash signatures; an empty set gives all ``0xFFFFFFFF``."""
    a, b = permutations(num_perm, seed)
    out = np.full((len(shingle_sets), num_perm), MAX_HASH, dtype=np.uint32)
    batch: list[int] = []
    size = 0
    for i, s in enumerate(shingle_sets):
        if s.size:
            batch.append(i)
            size += s.size
        if batch and (size >= _CHUNK_SHINGLES or i == len(shingle_sets) - 1):
            _sign_batch(shingle_sets, batch, a, b, out)
            batch, size = [], 0
    return out


def _sign_batch(sets: Sequence[np.ndarray], batch: list[int], a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    values = np.concatenate([sets[i] for i in batch])
    offsets = np.cumsum([0] + [sets[i].size for i in batch[:-1]])
    with np.errstate(over="ignore"):
        permuted = fmix32(values)[:, None] * a[None, :] + b[None, :]
    out[batch] = np.minimum.reduceat(permuted, offsets, axis=0)


def signatures(texts: Sequence[str], num_perm: int = 128, seed: int = 1, k: int = 5) -> np.ndarray:
    """MinHash signatures of ``texts`` (one row each)."""
    return signatures_of_shingles([shingle_hashes(t, k) for t in texts], num_perm, seed)


def to_datasketch(signature: np.ndarray, seed: int = 1):
    """A datasketch ``LeanMinHash`` holding this signature (for datasketch's LSH indexes)."""
    from datasketch import LeanMinHash, MinHash

    return LeanMinHash(MinHash(seed=seed, hashvalues=signature, scheme="affine32"))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted, distinct shingle-hash arrays."""
    if a.size == 0 and b.size == 0:
        return 1.0
    inter = np.intersect1d(a, b, assume_unique=True).size
    return inter / (a.size + b.size - inter)
