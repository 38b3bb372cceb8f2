"""Many texts in few bytes, for the report page: word-coded, then deflated.

Each text is split at its spaces; the tokens are numbered by frequency (1 the most
frequent; 0 ends a text), the numbers written as LEB128 varints, and the varints and the
JSON list of tokens deflated (zlib), each as base64. The page inflates them with the
browser's DecompressionStream and joins each text's tokens with spaces. Copies of a story
sit next to each other (documents are in cluster order), so deflate's window finds them:
on 10k synthetic documents (32 MB of text) this gives 8.8 MB, against 12 MB for the
characters deflated. The splitting and numbering run on the texts' UTF-8 bytes in Arrow
and numpy arrays, not on a Python string per token.

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
import pyarrow.compute as pc

END = 0
LEVEL = 6  # zlib level: 9 takes twice as long for 1% less


CHUNK_BYTES = 64_000_000  # texts tokenised a chunk at a time, to bound the token arrays of a big run


def pack_texts(texts: Sequence[str] | pa.Array) -> dict[str, object]:
    """``texts`` (a list, or an Arrow array of strings without nulls) packed for the page."""
    array = pa.array(texts, type=pa.large_string()) if not isinstance(texts, pa.Array) else texts
    array = array.cast(pa.large_string())
    codes, uniques, lengths = [], [], []
    for start, stop in _chunks(array):  # each chunk's tokens numbered, then all chunks' numbers joined
        tokens, per_text = split_at_spaces(array[start:stop])
        encoded = pc.dictionary_encode(tokens)  # numbered in order of first appearance
        codes.append(encoded.indices.to_numpy())
        uniques.append(encoded.dictionary)
        lengths.append(per_text)
    if not codes:
        return {"count": 0, "vocab": _deflate64(b"[]"), "ids": _deflate64(b"")}
    joined = pc.dictionary_encode(pa.concat_arrays(uniques))  # in order of first appearance
    global_codes, tokens = joined.indices.to_numpy(), joined.dictionary
    offsets = np.cumsum([0] + [len(u) for u in uniques])
    numbers = np.concatenate([global_codes[offsets[i]:offsets[i + 1]][c] for i, c in enumerate(codes)])
    counts = np.bincount(numbers, minlength=len(tokens))
    by_frequency = np.argsort(-counts, kind="stable")  # ties in order of first appearance
    rank = np.empty(len(tokens), dtype=np.int32)
    rank[by_frequency] = np.arange(1, len(tokens) + 1, dtype=np.int32)
    ids = np.insert(rank[numbers], np.cumsum(np.concatenate(lengths), dtype=np.int64), END)
    with ThreadPoolExecutor(1) as pool:  # zlib lets go of the GIL: the two streams deflate side by side
        packed_ids = pool.submit(_deflate64, varints(ids))
        vocab = json.dumps(tokens.take(pa.array(by_frequency)).to_pylist(), ensure_ascii=False,
                           separators=(",", ":"))
        return {"count": len(array), "vocab": _deflate64(vocab.encode("utf-8")), "ids": packed_ids.result()}


def _offsets_and_bytes(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (from 0) and the UTF-8 bytes of a large_string array (or a slice of one)."""
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[array.offset: array.offset + len(array) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer else np.empty(0, np.uint8)
    return offsets - offsets[0], data[offsets[0]: offsets[-1]]


def split_at_spaces(array: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Every token of the texts of a large_string ``array`` (each text split at its
    spaces, as ``str.split(" ")``) in one Arrow array, and the number of tokens of each
    text. Done on the UTF-8 bytes, where a space is byte 32 and no part of another character.

    >>> tokens, counts = split_at_spaces(pa.array(["a b", "", " é "], type=pa.large_string()))
    >>> tokens.to_pylist(), counts.tolist()
    (['a', 'b', '', '', 'é', ''], [2, 1, 3])
    """
    offsets, data = _offsets_and_bytes(array)
    spaced = np.insert(data, offsets[1:], np.uint8(32))  # a space after every text: each token ends at one
    is_space = spaced == 32
    breaks = np.flatnonzero(is_space)
    token_offsets = np.zeros(len(breaks) + 1, dtype=np.int64)
    np.subtract(breaks, np.arange(len(breaks)), out=token_offsets[1:])  # the spaces left out
    tokens = pa.LargeStringArray.from_buffers(len(breaks), pa.py_buffer(token_offsets),
                                              pa.py_buffer(spaced[~is_space]))
    tokens_to_end = np.searchsorted(breaks, offsets[1:] + np.arange(len(array))) + 1
    return tokens, np.diff(tokens_to_end, prepend=0)


def _chunks(array: pa.Array):
    """(start, stop) of consecutive texts of about CHUNK_BYTES together."""
    offsets, _ = _offsets_and_bytes(array) if len(array) else (np.zeros(1, np.int64), None)
    start = 0
    while start < len(array):
        stop = max(start + 1, int(np.searchsorted(offsets, offsets[start] + CHUNK_BYTES, side="right")) - 1)
        yield start, min(stop, len(array))
        start = stop


def varints(values: np.ndarray) -> bytes:
    """Unsigned LEB128 of every value (below 2**31), vectorised.

    >>> varints(np.array([0, 127, 128, 300])).hex()
    '007f8001ac02'
    """
    values = np.asarray(values, dtype=np.int32)
    if not len(values):
        return b""
    widths = np.ones(len(values), dtype=np.int8)
    for bits in (7, 14, 21, 28):
        widths += values >= (1 << bits)
    columns = np.empty((len(values), int(widths.max())), dtype=np.uint8)
    for k in range(columns.shape[1]):
        columns[:, k] = ((values >> (7 * k)) & 127).astype(np.uint8) | ((widths > k + 1).astype(np.uint8) << 7)
    return columns[np.arange(columns.shape[1]) < widths[:, None]].tobytes()


def _deflate64(data: bytes) -> str:
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
