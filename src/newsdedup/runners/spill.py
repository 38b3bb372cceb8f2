"""Clean texts kept in a temporary file while the corpus-wide steps run.

After cleaning, dedup, matching and the tables read a document's clean paragraphs,
their compare keys and its removed paragraphs (nine tenths of a clean document's memory)
a few times each, in passes: signing and the exact-copy keys read every document once,
the passage index twice and the tables once more, verification and alignment only the
candidates and cluster members. A :class:`Spill` takes them out of the :class:`~newsdedup.clean.Cleaned`
rows as cleaning hands them over and writes them to an unlinked temporary file; each row
then holds a :class:`Spilled` sequence that reads its part back (one ``pread`` and one
unpickling) whenever it is used, so every consumer of ``Cleaned`` works unchanged.

>>> from newsdedup.clean import Cleaned
>>> spill = Spill()
>>> row = spill.put([Cleaned("a", "s", 10, paragraphs=["One.", "Two."])])[0]
>>> list(row.paragraphs), row.text
(['One.', 'Two.'], 'One.\\n\\nTwo.')
"""

from __future__ import annotations

import dataclasses
import operator
import os
import pickle
import tempfile
import threading
from array import array
from collections.abc import Iterator, Sequence

import numpy as np

from ..clean import Cleaned, gc_paused
from ..clean.paragraphs import PARAGRAPH_SEPARATOR

FLUSH_BYTES = 4 << 20  # written to the file in blocks of about this size


def needed(input_size: float, min_mb: float) -> bool:
    """Whether an input of ``input_size`` characters (bytes of its files, for a Dask run's
    partitions) is spilled: ``min_mb`` (``Config.spill_min_mb``) millions or more."""
    return input_size >= min_mb * 1e6


class Spill:
    """An append-only file of pickled parts of documents, read back by position (any
    thread: ``os.pread`` keeps no file position). The file is unlinked from the start,
    so it is gone when the spill is, or when the process dies."""

    def __init__(self, folder: str | None = None) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)
        self._fd = self._file.fileno()
        self._offsets = array("q")
        self._sizes = array("q")
        self._chars = array("q")  # of a part holding paragraphs: their joined text's characters
        self._pending = bytearray()
        self._written = 0  # bytes in the file
        self._lock = threading.Lock()

    def put(self, cleaned: list[Cleaned]) -> list[Cleaned]:
        """The same rows, their paragraphs, paragraph keys and removed paragraphs moved to
        the file (parts that come :class:`Pickled` are written as they are)."""
        for c in cleaned:
            if isinstance(c.paragraphs, Spilled):
                continue
            c.paragraphs = Spilled(self, self._add(c.paragraphs, chars=True))
            c.keys = Spilled(self, self._add(c.keys))
            c.removed = Spilled(self, self._add(c.removed))
        return cleaned

    put.pickled_parts = True  # type: ignore[attr-defined] # a cleaning helper may send it rows with pickled parts (as_row)

    def _add(self, part, chars: bool = False) -> int:
        if type(part) is Pickled:
            return self._append_blob(part.blob, part.chars)
        return self._append(part, text_chars(part) if chars else 0)

    def put_lists(self, lists: Sequence[list]) -> np.ndarray:
        """Each of ``lists`` written to the file: their items, for a :class:`SpilledColumn`."""
        return np.fromiter((self._append(part) for part in lists), dtype=np.int64, count=len(lists))

    def put_pickled(self, blobs: Sequence[bytes]) -> np.ndarray:
        """Lists pickled elsewhere (:meth:`pickled`) written as they are, for a :class:`SpilledColumn`."""
        return np.fromiter((self._append_blob(blob) for blob in blobs), dtype=np.int64, count=len(blobs))

    def _append(self, part: list, chars: int = 0) -> int:
        return self._append_blob(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL), chars)

    def _append_blob(self, blob: bytes, chars: int = 0) -> int:
        with self._lock:
            self._offsets.append(self._written + len(self._pending))
            self._sizes.append(len(blob))
            self._chars.append(chars)
            self._pending += blob
            if len(self._pending) >= FLUSH_BYTES:
                self._flush()
            return len(self._offsets) - 1

    def _flush(self) -> None:
        view = memoryview(self._pending)
        while view:
            view = view[os.write(self._fd, view):]
        self._written += len(self._pending)
        self._pending = bytearray()

    def seal(self) -> None:
        """Everything written to the file: from now on reading writes nothing, so a forked
        child may read it too."""
        with self._lock:
            self._flush()

    def pickled(self, item: int) -> bytes:
        """Item ``item`` as it is in the file (pickled)."""
        offset, size = self._offsets[item], self._sizes[item]
        if offset + size > self._written:
            with self._lock:
                if offset + size > self._written:
                    self._flush()
        return os.pread(self._fd, size, offset)

    def read(self, item: int) -> list:
        return pickle.loads(self.pickled(item))

    @property
    def bytes(self) -> int:
        return self._written + len(self._pending)

    def close(self) -> None:
        self._file.close()

    def compacted(self, rows: list[Cleaned]) -> list[Cleaned]:
        """``rows`` copied into fresh objects (their spilled parts still this spill's), the
        originals dropped: cleaning leaves its long-lived rows scattered one or two per
        memory page among the freed drafts, and Python's allocator hands an arena back
        only when every object in it is gone (20k documents: 254 arenas of 1 MiB held for
        30 MB of rows; 86 after; 10k rows 0.26-0.28 -> 0.07 CPU-s). The caller drops its own references to ``rows``.

        The rows are pickled as tuples of their fields, a spilled part as its position
        (an int), and made again from them: no Python call per pickled object (a
        ``persistent_id`` hook is one, 0.5 CPU-s on 20k rows)."""
        with gc_paused():  # rows hold no cycles; a collection would walk the whole clean corpus
            flat = pickle.dumps([self._positions(_fields_of(row)) for row in rows], protocol=pickle.HIGHEST_PROTOCOL)
            rows.clear()  # the last references to the old rows, if the caller holds none
            return [Cleaned(*self._parts(values)) for values in pickle.loads(flat)]

    def _positions(self, values: tuple) -> tuple:
        """A row's fields with its parts spilled here as their positions."""
        out = list(values)
        for i in _PART_AT:
            out[i] = self._position(out[i])
        return tuple(out)

    def _parts(self, values: tuple) -> list:
        """A row's fields with its positions in this spill as :class:`Spilled` parts again."""
        out = list(values)
        for i in _PART_AT:
            if type(out[i]) is int:
                out[i] = Spilled(self, out[i])
        return out

    def _position(self, part):
        """A spilled part of this spill as its position; anything else as it is."""
        return part._item if type(part) is Spilled and part._spill is self else part


_SPILLED_PARTS = ("paragraphs", "keys", "removed")  # the parts of a Cleaned row that Spill.put moves


class Pickled:
    """A part of a clean row pickled where the row was made (a cleaning helper, which sends
    it to the process holding the spill): :meth:`Spill.put` writes it as it is, so that
    process neither unpickles the part's list nor pickles it again. ``chars``: for
    paragraphs, their joined text's characters."""

    __slots__ = ("blob", "chars")

    def __init__(self, blob: bytes, chars: int = 0) -> None:
        self.blob, self.chars = blob, chars

    def __reduce__(self):
        return Pickled, (self.blob, self.chars)


def _dumps(part: list) -> bytes:
    return pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)


_FIELDS = [f.name for f in dataclasses.fields(Cleaned)]
_PART_AT = tuple(_FIELDS.index(name) for name in _SPILLED_PARTS)
_PARAGRAPHS_AT = _FIELDS.index("paragraphs")
_fields_of = operator.attrgetter(*_FIELDS)


def as_row(c: Cleaned, pickled: bool = False) -> tuple:
    """A clean document as a plain tuple of its fields, as a cleaning helper sends it: a
    tuple of strings, numbers and lists is pickled and unpickled with no Python call
    (a dataclass costs one each way, and a :class:`Pickled` part one more); ``pickled``
    (the receiving process spills its rows): its paragraphs, keys and removed paragraphs
    pickled, and their joined text's characters added last (see :func:`from_row`).

    >>> from_row(as_row(Cleaned("a", "s", 3, paragraphs=["One."]), pickled=True)).paragraphs.chars
    4
    """
    values = _fields_of(c)
    if not pickled:
        return values
    parts = list(values)
    for i in _PART_AT:
        parts[i] = _dumps(values[i])
    parts.append(text_chars(values[_PARAGRAPHS_AT]))
    return tuple(parts)


def from_row(values: tuple) -> Cleaned:
    """The clean document :func:`as_row` made ``values`` of; its parts :class:`Pickled`
    if they came pickled (which :meth:`Spill.put` writes as they are)."""
    if len(values) == len(_FIELDS):
        return Cleaned(*values)
    parts = list(values[:-1])
    for i in _PART_AT:
        parts[i] = Pickled(parts[i], values[-1] if i == _PARAGRAPHS_AT else 0)
    return Cleaned(*parts)


class Spilled(Sequence):
    """A list kept in a :class:`Spill`, read whenever it is used (nothing is cached: a
    document's text is asked for a few times in a run, and keeping it would keep it all)."""

    __slots__ = ("_spill", "_item")

    def __init__(self, spill: Spill, item: int) -> None:
        self._spill, self._item = spill, item

    def _list(self) -> list:
        return self._spill.read(self._item)

    def pickled(self) -> bytes:
        """The list as it is in the spill file: pickled."""
        return self._spill.pickled(self._item)

    def __getitem__(self, i):  # type: ignore[override]
        return self._list()[i]

    def __len__(self) -> int:
        return len(self._list())

    @property
    def chars(self) -> int:
        """The characters of these paragraphs joined into a clean text (known without reading them)."""
        return self._spill._chars[self._item]

    def __iter__(self) -> Iterator:
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and self._list() == list(other)

    def __repr__(self) -> str:
        return f"Spilled({self._list()!r})"

    def __reduce__(self):  # pickled as the list it holds (a spill stays in its process)
        return list, (self._list(),)


class SpilledColumn(Sequence):
    """Lists kept in one :class:`Spill`, as one object: their positions in an array. A
    forked child that reads it touches no Python object per document (touching one copies
    the memory page it sits in, and a list of a million :class:`Spilled` rows is spread
    over most of the parent's heap)."""

    def __init__(self, spill: Spill, items: np.ndarray) -> None:
        self._spill, self._items = spill, items

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return SpilledColumn(self._spill, self._items[i])
        return self._spill.read(int(self._items[i]))

    def reordered(self, order: Sequence[int]) -> SpilledColumn:
        """The same lists in ``order`` (positions in this column), none of them read."""
        return SpilledColumn(self._spill, self._items[np.asarray(order, dtype=np.int64)])


def text_chars(paragraphs: Sequence[str]) -> int:
    """The characters of ``paragraphs`` joined into a clean text (``Cleaned.text``), read
    from the spill's record when spilled.

    >>> text_chars(["One.", "Two."])
    10
    """
    if isinstance(paragraphs, Spilled):
        return paragraphs.chars
    return sum(map(len, paragraphs)) + len(PARAGRAPH_SEPARATOR) * max(0, len(paragraphs) - 1)


def with_pickled(part: Sequence) -> tuple[list, bytes]:
    """``part`` as a list and pickled: a spilled one read once, as it is in its file.

    >>> with_pickled(["a", "b"])[0]
    ['a', 'b']
    """
    if isinstance(part, Spilled):
        blob = part.pickled()
        return pickle.loads(blob), blob
    items = list(part)
    return items, pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)


def column(parts: Sequence) -> Sequence:
    """``parts`` as a :class:`SpilledColumn` when every one is :class:`Spilled` in one
    spill; else as given.

    >>> column([["a"], ["b"]])
    [['a'], ['b']]
    """
    if not parts or not all(isinstance(p, Spilled) for p in parts):
        return parts
    spill = parts[0]._spill
    if any(p._spill is not spill for p in parts):
        return parts
    return SpilledColumn(spill, np.fromiter((p._item for p in parts), dtype=np.int64, count=len(parts)))
