"""Many texts in few bytes, for the report page: word-coded, then deflated.

Each text is split at its spaces; the tokens are numbered by frequency (1 the most
frequent; 0 ends a text), the numbers written as LEB128 varints, and the varints and the
JSON list of tokens deflated (zlib), each as base64. The page inflates them with the
browser's DecompressionStream and joins each text's tokens with spaces. Copies of a story
sit next to each other (documents are in cluster order), so deflate's window finds them:
on 10k synthetic documents (32 MB of text) this gives 8.8 MB, against 12 MB for the
characters deflated. The splitting, the numbering and the varints are compiled passes over
the texts' UTF-8 bytes (a space is byte 32 and no part of another character), without a
Python string per token.

>>> unpack_texts(pack_texts(["a b, c", "", "b  b", " x "]))
['a b, c', '', 'b  b', ' x ']
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
import numpy as np
import pyarrow as pa

from .._jit import njit

END = 0
LEVEL = 6  # zlib level: 9 takes twice as long for 1% less


def pack_texts(texts: Sequence[str] | pa.Array) -> dict[str, object]:
    """``texts`` (a list, or an Arrow array of strings without nulls) packed for the page."""
    array = pa.array(texts, type=pa.large_string()) if not isinstance(texts, pa.Array) else texts
    array = array.cast(pa.large_string())
    if not len(array):
        return {"count": 0, "vocab": _deflate64(b"[]"), "ids": _deflate64(b"")}
    numbers, per_text, starts, own, counts = _numbered_tokens(*_offsets_and_bytes(array))
    by_frequency = np.argsort(-counts, kind="stable")  # ties in order of first appearance
    rank = np.empty(len(counts), dtype=np.int32)
    rank[by_frequency] = np.arange(1, len(counts) + 1, dtype=np.int32)
    with ThreadPoolExecutor(1) as pool:  # zlib lets go of the GIL: the two streams deflate side by side
        packed_ids = pool.submit(lambda: _deflate64(_varint_stream(numbers, per_text, rank, counts)))
        uniques = pa.LargeStringArray.from_buffers(len(counts), pa.py_buffer(starts), pa.py_buffer(own))
        vocab = json.dumps(uniques.take(pa.array(by_frequency)).to_pylist(), ensure_ascii=False,
                           separators=(",", ":"))
        return {"count": len(array), "vocab": _deflate64(vocab.encode("utf-8")), "ids": packed_ids.result()}


def _offsets_and_bytes(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (from 0) and the UTF-8 bytes of a large_string array (or a slice of one)."""
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[array.offset: array.offset + len(array) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer else np.empty(0, np.uint8)
    return offsets - offsets[0], data[offsets[0]: offsets[-1]]


_EMPTY = 0  # a free slot of the token table (a used slot holds its token's number + 1)
_FNV_OFFSET = -3750763034362895579  # FNV-1a's 64-bit offset basis, as a signed integer
_FNV_PRIME = 1099511628211


@njit(cache=True, nogil=True)
def _numbered_tokens(offsets, data):  # pragma: no cover - compiled
    """The tokens of every text (split at its spaces, as ``str.split(" ")``), numbered in
    order of first appearance (as Arrow's ``dictionary_encode`` numbers them) in one pass
    over the bytes, without a string or an offset per token: every token's number, each
    text's token count (a text of k spaces has k + 1 tokens), and each distinct token's
    bytes (the offsets and data of a large_string array) and count. Distinct tokens are
    found by an open-addressing table whose slots hold a token's hash, its first eight
    bytes and its number and length, so a token of up to eight bytes is told apart
    without reading any other text; longer ones compare their other bytes with the copy
    kept of the distinct token's."""
    n_texts = len(offsets) - 1
    spaces = 0
    for b in data:
        spaces += b == 32
    numbers = np.empty(n_texts + spaces, np.int32)
    per_text = np.empty(n_texts, np.int64)
    size = 4096  # slots, a power of two, at most half of them used
    table = np.zeros(3 * size, np.int64)  # per slot: hash, first bytes, number + 1 | length << 32
    room = 4096
    starts = np.zeros(room + 1, np.int64)
    own = np.empty(16 * room, np.uint8)
    counts = np.empty(room, np.int64)
    n_unique = 0
    t = 0
    for i in range(n_texts):
        end = offsets[i + 1]
        j = offsets[i]
        per_text[i] = 0
        while True:
            h = np.int64(_FNV_OFFSET)
            head = np.int64(0)
            k = j
            while k < end and data[k] != 32:
                h = (h ^ np.int64(data[k])) * np.int64(_FNV_PRIME)
                if k - j < 8:
                    head |= np.int64(data[k]) << (8 * (k - j))
                k += 1
            length = k - j
            h ^= h >> 29
            slot = h & (size - 1)
            while True:
                entry = table[3 * slot + 2]
                if entry == _EMPTY:
                    if 2 * (n_unique + 1) > size:
                        size *= 2
                        table = _rehashed(table, size)
                        slot = _free_slot(table, h, size)
                    if n_unique == room:
                        room *= 2
                        starts = _grown(starts, room + 1)
                        counts = _grown(counts, room)
                    at = starts[n_unique]
                    if at + length > len(own):
                        own = _grown(own, 2 * (at + length))
                    own[at:at + length] = data[j:k]
                    u = n_unique
                    n_unique += 1
                    starts[n_unique] = at + length
                    counts[u] = 0
                    table[3 * slot] = h
                    table[3 * slot + 1] = head
                    table[3 * slot + 2] = (u + 1) | (length << 32)
                    break
                if table[3 * slot] == h and table[3 * slot + 1] == head and entry >> 32 == length:
                    u = (entry & 0xFFFFFFFF) - 1
                    if length <= 8 or _same_bytes(own, starts[u] + 8, data, j + 8, length - 8):
                        break
                slot = (slot + 1) & (size - 1)
            numbers[t] = u
            counts[u] += 1
            t += 1
            per_text[i] += 1
            if k >= end:
                break
            j = k + 1
    return numbers, per_text, starts[:n_unique + 1], own[:starts[n_unique]], counts[:n_unique]


@njit(cache=True, nogil=True)
def _same_bytes(a, i, b, j, n):  # pragma: no cover - compiled
    for m in range(n):
        if a[i + m] != b[j + m]:
            return False
    return True


@njit(cache=True, nogil=True)
def _free_slot(table, h, size):  # pragma: no cover - compiled
    slot = h & (size - 1)
    while table[3 * slot + 2] != _EMPTY:
        slot = (slot + 1) & (size - 1)
    return slot


@njit(cache=True, nogil=True)
def _rehashed(table, size):  # pragma: no cover - compiled
    """The used slots of ``table`` placed in a table of ``size`` slots."""
    out = np.zeros(3 * size, np.int64)
    for s in range(len(table) // 3):
        if table[3 * s + 2] != _EMPTY:
            slot = _free_slot(out, table[3 * s], size)
            out[3 * slot:3 * slot + 3] = table[3 * s:3 * s + 3]
    return out


@njit(cache=True, nogil=True)
def _grown(values, size):  # pragma: no cover - compiled
    out = np.empty(size, values.dtype)
    out[:len(values)] = values
    return out


@njit(cache=True, nogil=True)
def _varint_stream(numbers, per_text, rank, counts):  # pragma: no cover - compiled
    """Unsigned LEB128 varints of every token's rank, END after each text's tokens (its
    size counted first from the distinct tokens' counts, so it is made at its size)."""
    size = len(per_text)
    for u in range(len(counts)):
        value = rank[u]
        width = 1
        while value >= 128:
            value >>= 7
            width += 1
        size += width * counts[u]
    out = np.empty(size, np.uint8)
    n, t = 0, 0
    for i in range(len(per_text)):
        for _ in range(per_text[i]):
            value = rank[numbers[t]]
            t += 1
            while value >= 128:
                out[n] = (value & 127) | 128
                value >>= 7
                n += 1
            out[n] = value
            n += 1
        out[n] = END
        n += 1
    return out


def _deflate64(data: bytes | np.ndarray) -> str:
    return base64.b64encode(zlib.compress(data, LEVEL)).decode("ascii")


def unpack_texts(packed: dict[str, object]) -> list[str]:
    """The inverse of :func:`pack_texts` (what the page's script does)."""
    vocab = json.loads(zlib.decompress(base64.b64decode(packed["vocab"])).decode("utf-8"))
    data = zlib.decompress(base64.b64decode(packed["ids"]))
    texts, parts, value, shift = [], [], 0, 0
    for byte in data:
        value |= (byte & 127) << shift
        shift += 7
        if byte < 128:
            if value == END:
                texts.append(" ".join(parts))
                parts = []
            else:
                parts.append(vocab[value - 1])
            value, shift = 0, 0
    return texts
