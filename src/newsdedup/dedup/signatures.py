"""MinHash signatures of word shingles: one compiled pass, compatible with datasketch.

Text → NFKC and casefold → word tokens (runs of ``\\w`` characters, as ``re``'s ``\\w+``) → 64-bit FNV-1a hash of each token's code points → one 32-bit hash
per word ``k``-gram shingle (:func:`shingle_hashes`) → MinHash with datasketch's
``affine32`` scheme: MurmurHash3's finaliser, then ``a * h + b mod 2**32``, with ``a``
and ``b`` drawn from ``numpy.random.RandomState(seed)`` exactly as datasketch draws them.

Tokenising, hashing, shingling and permuting run in one numba kernel over the code
points of a batch of documents; batches are signed on several threads at once (the
kernel releases the GIL).

A newsdedup signature *is* a datasketch MinHash of the shingle hashes, so it can be
queried with datasketch's LSH indexes:

>>> from datasketch import MinHash
>>> text = "the quick brown fox jumps over the lazy dog"
>>> sig = signatures([text], num_perm=16)[0]
>>> m = MinHash(num_perm=16, hashfunc=int)
>>> m.update_batch(shingle_hashes(text).tolist())
>>> bool((m.hashvalues == sig).all())
True
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numba
import numpy as np

from .._jit import njit
from ..normalize import WORD_CHAR, char_classes, fold, mix64

MAX_HASH = np.uint32(0xFFFFFFFF)
_BATCH = 512  # documents per kernel call
_SIGN_BATCH = 256  # documents per signing task: enough tasks that threads finish together
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` of datasketch's ``affine32`` scheme for this seed."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


@lru_cache(maxsize=1)
def _word_table() -> np.ndarray:
    return ((char_classes() & WORD_CHAR) != 0).astype(np.uint8)


def _codes(keys: Sequence[str], ascii_only: bool = False,
           scratch: threading.local | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Code points of the keys joined by newlines, and each key's [start, end) offsets
    (one byte per character when all keys are ASCII). With ``scratch``, they are written
    into that thread's reusable buffer: a fresh megabyte buffer per batch pays a page
    fault per 4 kB, which cost more than the kernel spends hashing it."""
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    ends = np.cumsum(lengths + 1) - 1
    starts = ends - lengths
    dtype, encoding = (np.uint8, "ascii") if ascii_only else (np.uint32, "utf-32-le")
    width = np.dtype(dtype).itemsize
    size = int(ends[-1]) * width if len(keys) else 0
    buffer = getattr(scratch, "buffer", None)
    if buffer is None or buffer.size < size:
        buffer = np.empty(max(size, 1 << 21) if scratch is not None else size, dtype=np.uint8)
        if scratch is not None:
            scratch.buffer = buffer
    view = memoryview(buffer)
    for key, start, end in zip(keys, (starts * width).tolist(), (ends * width).tolist()):
        view[start:end] = key.encode(encoding)
    codes = buffer[:size].view(dtype)
    codes[ends[:-1]] = 10  # the newline between keys
    return codes, np.stack([starts, ends], axis=1) if len(keys) else np.zeros((0, 2), np.int64)


def _on_threads(fn, items: list, threads: int | None) -> list:
    """``[fn(item) for item in items]``, on ``threads`` threads (default numba's thread
    count) when there is more than one item: ``fn`` spends its time in nogil kernels."""
    threads = threads or numba.config.NUMBA_NUM_THREADS
    if threads <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(min(threads, len(items))) as pool:
        return list(pool.map(fn, items))


@njit(cache=True, nogil=True, inline="always")
def _is_word(code, table):  # pragma: no cover - compiled
    if code < 0x10000:
        return table[code] != 0
    return 0x20000 <= code <= 0x3134F  # CJK extension ideographs (the astral \w most text has)


@njit(cache=True, nogil=True, inline="always")
def _shingle_hash(tokens, first, width):  # pragma: no cover - compiled
    """32-bit hash of the ``width`` token hashes tokens[first], tokens[first + 1], ..."""
    h = np.uint64(width)
    for j in range(first, first + width):
        h = (h ^ tokens[j]) * np.uint64(0x9E3779B97F4A7C15)
    return np.uint32(mix64(h) >> np.uint64(32))


@njit(cache=True, nogil=True, inline="always")
def _fmix32(h):  # pragma: no cover - compiled
    # numba computes in 64 bits: mask after each multiply to keep the 32-bit wrap-around
    mask = np.uint64(0xFFFFFFFF)
    h = np.uint64(h)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & mask
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & mask
    h ^= h >> np.uint64(16)
    return h


@njit(cache=True, nogil=True)
def _doc_shingles(codes, start, end, table, k, out):  # pragma: no cover - compiled
    """Tokenise and shingle codes[start:end]: the 32-bit hash of every word k-gram goes
    to out (one shorter shingle for 1..k-1 tokens, none for 0); returns how many. ``out``
    needs ``(end - start) // 2 + 2`` slots (a text has at most that many tokens).

    Two passes: every token's hash first, then each shingle's from the token array (the
    shingles' multiply chains are independent, so the CPU overlaps them; one pass that
    hashed each shingle inside the character loop ran 35% slower, and branching on word
    ends another 20%)."""
    tokens = np.empty((end - start) // 2 + 2, dtype=np.uint64)
    n_tok = 0
    offset = np.uint64(0xCBF29CE484222325)
    h = offset
    inside = 0
    # without branches on the text: a word's end is data the CPU cannot predict
    for i in range(start, end):
        c = np.uint32(codes[i])
        c += np.uint32(32) * np.uint32(65 <= c <= 90)  # A-Z lowercased
        word = np.int64(_is_word(c, table))
        tokens[n_tok] = h  # the token so far: kept (n_tok moves on) when this character ends it
        n_tok += inside & (1 - word)
        extended = (h ^ np.uint64(c)) * np.uint64(0x100000001B3)
        h = extended if word else offset
        inside = word
    if inside:
        tokens[n_tok] = h
        n_tok += 1
    if n_tok == 0:
        return 0
    if n_tok < k:  # a short text: one shorter shingle
        out[0] = _shingle_hash(tokens, 0, n_tok)
        return 1
    n = n_tok - k + 1
    for j in range(n):
        out[j] = _shingle_hash(tokens, j, k)
    return n


@njit(cache=True, nogil=True)
def _sign_one(codes, start, end, table, k, a, b, row):  # pragma: no cover - compiled
    """One document's signature: its shingles first, then each permutation's minimum
    over them (a vectorised reduction held in registers, no store per shingle)."""
    hashes = np.empty((end - start) // 2 + 2, dtype=np.uint32)
    n = _doc_shingles(codes, start, end, table, k, hashes)
    for s in range(n):  # datasketch's affine32 mixes each hash before permuting it
        hashes[s] = np.uint32(_fmix32(hashes[s]))
    for p in range(a.size):
        ap, bp = a[p], b[p]
        m = np.uint32(0xFFFFFFFF)
        for s in range(n):
            m = min(m, np.uint32(ap * hashes[s] + bp))
        row[p] = m


@njit(cache=True, nogil=True)
def _sign_rows(codes, bounds, table, k, a, b, rows, out):  # pragma: no cover - compiled
    """Signatures of the batch's documents, written straight into their rows of ``out``."""
    for d in range(bounds.shape[0]):
        _sign_one(codes, bounds[d, 0], bounds[d, 1], table, k, a, b, out[rows[d]])


@njit(cache=True, nogil=True)
def _distinct_shingles(codes, start, end, table, k):  # pragma: no cover - compiled
    hashes = np.empty((end - start) // 2 + 2, dtype=np.uint32)
    m = _doc_shingles(codes, start, end, table, k, hashes)
    distinct = _sort_distinct(hashes, m, np.empty(m, dtype=np.uint32))
    out = np.empty(distinct, dtype=np.uint32)
    for j in range(distinct):
        out[j] = hashes[j]
    return out


@njit(cache=True, nogil=True)
def _sort_distinct(values, n, scratch):  # pragma: no cover - compiled
    """Sort values[:n] in place and move its distinct values to the front; returns how
    many. Insertion sort for up to 96 values (a paragraph's shingles: the radix sort's
    four passes over 256 buckets made the matcher's shingling 15% slower), else a
    byte-wise radix sort through ``scratch`` (n slots): plain loops, because numba's own
    sort takes seconds to compile on a fresh install and the result is the same."""
    if n <= 96:
        for i in range(1, n):
            v = values[i]
            j = i - 1
            while j >= 0 and values[j] > v:
                values[j + 1] = values[j]
                j -= 1
            values[j + 1] = v
    else:
        counts = np.empty(256, dtype=np.int64)
        for byte in range(4):
            shift = np.uint32(8 * byte)
            src, dst = (values, scratch) if byte % 2 == 0 else (scratch, values)
            for b in range(256):
                counts[b] = 0
            for i in range(n):
                counts[(src[i] >> shift) & np.uint32(255)] += 1
            total = 0
            for b in range(256):
                c = counts[b]
                counts[b] = total
                total += c
            for i in range(n):
                v = src[i]
                b = (v >> shift) & np.uint32(255)
                dst[counts[b]] = v
                counts[b] += 1
    distinct = 0
    for j in range(n):
        if j == 0 or values[j] != values[distinct - 1]:
            values[distinct] = values[j]
            distinct += 1
    return distinct


@njit(cache=True, nogil=True)
def _shingle_sets(codes, bounds, table, k):  # pragma: no cover - compiled
    """Distinct sorted shingle hashes of every text, concatenated, with offsets: each
    text shingled, sorted and deduplicated in place in its own stretch of one scratch
    array, then the stretches packed together."""
    n = bounds.shape[0]
    room = np.zeros(n + 1, dtype=np.int64)  # a text has at most (length // 2 + 2) shingles
    for d in range(n):
        room[d + 1] = room[d] + (bounds[d, 1] - bounds[d, 0]) // 2 + 2
    scratch = np.empty(room[n], dtype=np.uint32)
    sort_space = np.empty(room[n], dtype=np.uint32)
    offsets = np.zeros(n + 1, dtype=np.int64)
    for d in range(n):
        part = scratch[room[d]:room[d + 1]]
        m = _doc_shingles(codes, bounds[d, 0], bounds[d, 1], table, k, part)
        offsets[d + 1] = offsets[d] + _sort_distinct(part, m, sort_space[room[d]:room[d + 1]])
    flat = np.empty(offsets[n], dtype=np.uint32)
    for d in range(n):  # element loops, not slice assignment: much less to compile
        start = room[d]
        for j in range(offsets[d], offsets[d + 1]):
            flat[j] = scratch[start]
            start += 1
    return flat, offsets


def shingle_sets(texts: Sequence[str], k: int = 5, threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shingle_hashes` of many texts, a compiled pass per batch (batches on
    ``threads`` threads, default numba's thread count): the hashes of text ``i`` are
    ``flat[offsets[i]:offsets[i + 1]]``."""
    texts = list(texts)
    step = _BATCH  # bounded scratch memory (joined code points, per-text parts)
    chunks = [texts[s:s + step] for s in range(0, len(texts), step)]
    scratch = threading.local()
    parts = _on_threads(lambda chunk: _shingle_sets_batch(chunk, k, scratch), chunks, threads)
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.empty(0, np.uint32), np.zeros(1, np.int64)
    sizes = np.concatenate([np.diff(offsets) for _, offsets in parts])
    return np.concatenate([flat for flat, _ in parts]), np.concatenate(([0], np.cumsum(sizes)))


def _shingle_sets_batch(texts: Sequence[str], k: int, scratch: threading.local) -> tuple[np.ndarray, np.ndarray]:
    keys = [_prepared(t) for t in texts]
    flat_parts = []
    plain = np.fromiter((k_.isascii() for k_ in keys), dtype=bool, count=len(keys))
    order = np.concatenate([np.flatnonzero(plain), np.flatnonzero(~plain)])
    sizes = np.zeros(len(keys), dtype=np.int64)
    for mask, is_ascii in ((plain, True), (~plain, False)):
        idx = np.flatnonzero(mask)
        if idx.size:
            codes, bounds = _codes([keys[i] for i in idx], is_ascii, scratch)
            flat, offsets = _shingle_sets(codes, bounds, _word_table(), k)
            flat_parts.append(flat)
            sizes[idx] = np.diff(offsets)
    flat = np.concatenate(flat_parts) if flat_parts else np.empty(0, np.uint32)
    # flat is in (ascii..., other...) order; reorder to the texts' order
    starts_in_flat = np.concatenate(([0], np.cumsum(sizes[order])))[:-1]
    pos = np.empty(len(keys), dtype=np.int64)
    pos[order] = starts_in_flat
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    gather = np.repeat(pos - offsets[:-1], sizes) + np.arange(offsets[-1])
    return flat[gather], offsets


def _prepared(text: str) -> str:
    """ASCII text goes to the kernel as is (it lowercases A-Z); anything else NFKC-casefolded."""
    return text if text.isascii() else fold(text)


def shingle_hashes(text: str, k: int = 5) -> np.ndarray:
    """Distinct 32-bit hashes of the word ``k``-gram shingles of ``text``, sorted.

    A text of 1 to ``k - 1`` words gives one shorter shingle; an empty text none.
    """
    key = _prepared(text)
    codes, bounds = _codes([key], key.isascii())
    return _distinct_shingles(codes, bounds[0, 0], bounds[0, 1], _word_table(), k)


def signatures(texts: Sequence[str], num_perm: int = 128, seed: int = 1, k: int = 5,
               threads: int | None = None, keys: bool = False) -> np.ndarray:
    """``(len(texts), num_perm)`` uint32 MinHash signatures (all ``0xFFFFFFFF`` for a text
    without words). ``keys=True`` when the texts are already folded (:func:`~newsdedup.normalize.fold`).
    ``threads``: how many batches are signed at once (default: numba's thread count)."""
    a, b = permutations(num_perm, seed)
    texts = texts if isinstance(texts, Sequence) else list(texts)  # a lazy sequence stays one
    plain = np.fromiter((t.isascii() for t in texts), dtype=bool, count=len(texts))
    out = np.empty((len(texts), num_perm), dtype=np.uint32)
    batches = [(idx, is_ascii) for mask, is_ascii in ((plain, True), (~plain, False))
               for idx in np.array_split(np.flatnonzero(mask), max(1, int(mask.sum()) // _SIGN_BATCH)) if idx.size]
    scratch = threading.local()

    def sign(batch: tuple[np.ndarray, bool]) -> None:
        # a thread encodes its batch (holding the GIL) while the others sign theirs (released)
        idx, is_ascii = batch
        docs = [texts[i] if (keys or is_ascii) else fold(texts[i]) for i in idx]
        codes, bounds = _codes(docs, is_ascii, scratch)
        _sign_rows(codes, bounds, _word_table(), k, a, b, idx, out)

    _on_threads(sign, batches, threads)
    return out


def to_datasketch(signature: np.ndarray, seed: int = 1):
    """A datasketch ``LeanMinHash`` holding this signature (for datasketch's LSH indexes)."""
    from datasketch import LeanMinHash, MinHash

    return LeanMinHash(MinHash(seed=seed, hashvalues=signature, scheme="affine32"))


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Exact Jaccard similarity of two sorted, distinct shingle-hash arrays."""
    return float(jaccard_of(a.size, b.size, shared_count(a, b)))


def jaccard_of(size_a, size_b, shared):
    """Jaccard similarity of sets from their sizes and the size of their intersection (1.0
    for two empty sets); numbers or arrays of them."""
    union = np.asarray(size_a + size_b - shared)
    return np.where(union > 0, shared / np.maximum(union, 1), 1.0)


def containment_of(size_a, size_b, shared):
    """The share of the smaller set inside the other (0.0 if one is empty); numbers or arrays."""
    smaller = np.minimum(size_a, size_b)
    return np.where(smaller > 0, shared / np.maximum(smaller, 1), 0.0)


@njit(cache=True, nogil=True)
def shared_count(a, b):  # pragma: no cover - compiled
    """Size of the intersection of two sorted, distinct arrays (one merge, no allocation)."""
    i = j = count = 0
    while i < a.size and j < b.size:
        if a[i] < b[j]:
            i += 1
        elif a[i] > b[j]:
            j += 1
        else:
            count += 1
            i += 1
            j += 1
    return count


@njit(cache=True, nogil=True)
def shared_counts(flat, offsets, a, b):  # pragma: no cover - compiled
    """:func:`shared_count` of the shingle sets ``flat[offsets[a[k]]:offsets[a[k] + 1]]`` and
    the same of ``b[k]``, for every ``k``."""
    out = np.empty(a.size, dtype=np.int64)
    for k in range(a.size):
        out[k] = shared_count(flat[offsets[a[k]]:offsets[a[k] + 1]], flat[offsets[b[k]]:offsets[b[k] + 1]])
    return out
