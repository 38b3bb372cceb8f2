"""Template summaries of many documents as a few flat arrays.

The Dask runner gathers every readable draft's :class:`~newsdedup.clean.KeySummary` on
the client for the corpus-wide template search. As Python objects each costs about
1 kB beside its hashes (four numpy arrays and their headers, a dataclass, a tuple); a
:class:`PackedSummaries` holds them as five arrays for the whole corpus (8 bytes a
paragraph key, 2 bytes of flags, 8 bytes a sketch, offsets), and reads as a sequence of
``KeySummary`` views for :func:`~newsdedup.clean.templates.corpus_evidence`.

>>> from newsdedup.clean import KeySummary
>>> one = KeySummary(np.array([7, 8], np.uint64), np.array([True, False]), np.array([False, True]),
...                  np.array([3], np.uint64))
>>> packed = PackedSummaries.of([one, one]).take(np.array([1]))
>>> len(packed), packed[0].keys.tolist(), packed.flat("shaped").tolist()
(1, [7, 8], [False, True])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..clean import Evidence, KeySummary, holding_templates
from ..clean.templates import corpus_evidence
from ..config import Config


@dataclass
class PackedSummaries(Sequence):
    """Documents' summaries: document ``i``'s keys, ``about`` and ``shaped`` flags are
    ``keys[key_start[i]:key_start[i + 1]]``, its sketches ``sketches[sketch_start[i]:...]``."""

    keys: np.ndarray
    about: np.ndarray
    shaped: np.ndarray
    key_start: np.ndarray
    sketches: np.ndarray
    sketch_start: np.ndarray

    @classmethod
    def of(cls, summaries: Sequence[KeySummary]) -> PackedSummaries:
        def flat(name: str, dtype) -> np.ndarray:
            parts = [getattr(s, name) for s in summaries]
            return np.concatenate(parts).astype(dtype, copy=False) if parts else np.empty(0, dtype)

        def starts(name: str) -> np.ndarray:
            return np.concatenate(([0], np.cumsum([getattr(s, name).size for s in summaries], dtype=np.int64)))

        return cls(flat("keys", np.uint64), flat("about", bool), flat("shaped", bool), starts("keys"),
                   flat("sketches", np.uint64), starts("sketches"))

    @classmethod
    def joined(cls, parts: Sequence[PackedSummaries]) -> PackedSummaries:
        """The documents of ``parts``, one after the other."""
        if not parts:
            return cls.of([])

        def starts(name: str, size: str) -> np.ndarray:
            ends = np.cumsum([getattr(p, size).size for p in parts])[:-1]
            return np.concatenate([[0]] + [getattr(p, name)[1:] + at for p, at in zip(parts, [0, *ends])])

        return cls(*(np.concatenate([getattr(p, name) for p in parts]) for name in ("keys", "about", "shaped")),
                   starts("key_start", "keys"), np.concatenate([p.sketches for p in parts]),
                   starts("sketch_start", "sketches"))

    def take(self, order: np.ndarray) -> PackedSummaries:
        """The documents at ``order`` (positions), in that order."""
        key_at, key_start = _runs(self.key_start, order)
        sketch_at, sketch_start = _runs(self.sketch_start, order)
        return PackedSummaries(self.keys[key_at], self.about[key_at], self.shaped[key_at], key_start,
                               self.sketches[sketch_at], sketch_start)

    def sizes(self) -> np.ndarray:
        """Paragraph keys of each document."""
        return np.diff(self.key_start)

    def key_docs(self) -> np.ndarray:
        """The document of each of ``keys``."""
        return np.repeat(np.arange(len(self)), self.sizes())

    def flat(self, name: str) -> np.ndarray:
        """``keys`` or ``shaped`` of every document, one after the other."""
        return getattr(self, name)

    def __len__(self) -> int:
        return self.key_start.size - 1

    def __getitem__(self, i):  # type: ignore[override]
        lo, hi = self.key_start[i], self.key_start[i + 1]
        return KeySummary(self.keys[lo:hi], self.about[lo:hi], self.shaped[lo:hi],
                          self.sketches[self.sketch_start[i]:self.sketch_start[i + 1]])


def evidence_of(ids: Sequence[str], summaries: PackedSummaries, config: Config) -> Evidence:
    """:func:`~newsdedup.clean.templates_from` of the documents ``ids`` whose summaries
    are ``summaries`` (in the same order): the same templates, from flat arrays."""
    by_id = np.argsort(np.array(ids, dtype=object), kind="stable")  # as templates_from orders them
    return corpus_evidence(_InOrder(summaries, by_id), min_docs=config.template_min_docs,
                           related_share=config.template_related_share)


class _InOrder(Sequence):
    """Packed summaries read in another order (item ``i`` is ``packed[order[i]]``, ``order``
    a permutation) without moving their arrays: the template search orders only the few
    keys found in several documents."""

    def __init__(self, packed: PackedSummaries, order: np.ndarray) -> None:
        self.packed, self.order = packed, order

    def __len__(self) -> int:
        return len(self.order)

    def __getitem__(self, i):  # type: ignore[override]
        return self.packed[int(self.order[i])]

    def flat(self, name: str) -> np.ndarray:
        return self.packed.flat(name)

    def key_docs(self) -> np.ndarray:
        rank = np.empty(len(self.order), dtype=np.int64)
        rank[self.order] = np.arange(len(self.order))
        return rank[self.packed.key_docs()]


def holding_ids(ids: Sequence[str], summaries: PackedSummaries, evidence: Evidence) -> set[str]:
    """:func:`~newsdedup.clean.needing_templates` of packed summaries: the ids of the
    documents holding a template paragraph."""
    return {ids[i] for i in holding_templates(summaries.flat("keys"), summaries.sizes(), evidence).tolist()}


def _runs(start: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The flat positions of the runs ``start[k]..start[k + 1]`` of each ``k`` in ``order``,
    one after the other, and their new starts."""
    order = np.asarray(order, dtype=np.int64)
    lo, size = start[order], start[order + 1] - start[order]
    new_start = np.concatenate(([0], np.cumsum(size, dtype=np.int64)))
    at = np.repeat(lo - new_start[:-1], size) + np.arange(new_start[-1], dtype=np.int64)
    return at, new_start
