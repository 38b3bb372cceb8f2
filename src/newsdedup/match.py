"""Paragraph matches: aligned paragraphs inside clusters, shared passages across them.

A paragraph is a blank-line-separated block of a document's clean text; ``para_a``
and ``para_b`` are 0-based positions in that list (``text.split("\\n\\n")``).

* Inside a cluster, each member is aligned with the canonical member: paragraphs
  are paired greedily by rapidfuzz ``ratio`` (best first); a score below 100 shows
  an edit, an unpaired paragraph was added or removed.
* Across clusters, paragraphs of at least ``match_min_words`` words are indexed
  by their word shingles; two paragraphs of different clusters that share at least
  ``match_min_shared`` shingles are scored with rapidfuzz ``partial_ratio`` when one
  is more than 1.25 times longer (how well the shorter is found inside the longer: a
  quote, a syndicated passage) and with ``ratio`` otherwise (past a cost budget, long
  paragraphs are scored piece by piece: see :func:`newsdedup.align.scores`);
  identical paragraphs score 100 without scoring. A paragraph printed in more than
  ``match_max_postings`` documents, or a shingle found in that many (wire credits,
  disclaimers), proposes no pairs, so frequent text cannot make matching quadratic.
  Editorial notes about the article itself (a correction, a clarification, an
  editor's note, "this story has been updated") are aligned inside clusters but
  never matched across them: newsrooms word them from a template, so two stories
  carrying the same note share no passage.

Both report pairs scoring at least ``match_cutoff``.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from typing import Protocol

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from ._arrays import pairs_in_groups, rounded
from ._jit import njit
from .align import align_pairs, scores
from .config import DEFAULT, Config
from .dedup.signatures import shingle_sets
from .normalize import compare_keys, line_stats

Match = tuple[str, int, str, int, float, bool]
UNEVEN = 1.25  # across clusters, paragraphs this much longer than the other are compared by partial_ratio

# An editorial note on a compare key: a correction, clarification or editor's note label (maybe
# dated), an update label followed by words about the article itself, or a sentence saying the
# article was updated. A bare "Update:" that goes on with news ("Update: the toll rose to 12")
# is story text and still matches.
_SELF = r"(?:this (?:article|story|post|report|piece|column)|(?:an earlier|a previous|the original) version)\b"
_DATED = (r"(?:[ ,.()/-]+|\d+|added|appended|issued|posted|on|at|a\.m|p\.m|et|gmt|utc"
          r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*){0,12}")
_EDITORIAL_NOTE = re.compile(
    rf"\x00(?:(?:corrections?|clarifications?|editor'?s'? notes?){_DATED}:"
    rf"|updated?{_DATED}:[^\x00]*?{_SELF}"
    rf"|{_SELF} (?:has|had|was) (?:been )?(?:updated|corrected|amended|revised|changed)\b)")


def within_clusters(doc_ids: Sequence[str], keys: Sequence[list[str]], canonical_ids: Sequence[str],
                    config: Config = DEFAULT) -> list[Match]:
    """Alignment of every duplicate with its canonical member."""
    return list(MatchColumns(doc_ids, *within_columns(doc_ids, keys, canonical_ids, config)))


def within_columns(doc_ids: Sequence[str], keys: Sequence[list[str]], canonical_ids: Sequence[str],
                   config: Config = DEFAULT) -> tuple[np.ndarray, ...]:
    """:func:`within_clusters` as the columns of :class:`MatchColumns` (no ``doc_ids``: what a
    forked child sends back is a few arrays, not a Python object per match)."""
    index = {d: i for i, d in enumerate(doc_ids)}
    dup = np.array([i for i, doc in enumerate(doc_ids) if canonical_ids[i] != doc], dtype=np.int64)
    canon = np.array([index[canonical_ids[i]] for i in dup.tolist()], dtype=np.int64)
    del index
    if not dup.size:
        return _no_match_columns()
    k, pa, pb, score = align_pairs(keys, dup, canon, config.match_cutoff)
    return _ordered_columns(_ranks(doc_ids), dup[k], pa, canon[k], pb, score, True)


def _no_match_columns() -> tuple[np.ndarray, ...]:
    empty = np.zeros(0, np.int64)
    return empty, empty, empty, empty, np.zeros(0, np.float64), np.zeros(0, bool)


def _ranks(doc_ids: Sequence[str]) -> np.ndarray:
    """Each document's place in doc id order (a match names the smaller doc id first)."""
    rank = np.empty(len(doc_ids), dtype=np.int64)
    rank[np.argsort(np.asarray(doc_ids, dtype=object), kind="stable")] = np.arange(len(doc_ids))
    return rank


def _ordered_columns(rank: np.ndarray, doc_a: np.ndarray, pa: np.ndarray, doc_b: np.ndarray, pb: np.ndarray,
                     score: np.ndarray, same: bool) -> tuple[np.ndarray, ...]:
    """Matches ``(doc_a, pa, doc_b, pb, score, same)`` with the smaller doc id first."""
    swap = rank[doc_b] < rank[doc_a]
    return (np.where(swap, doc_b, doc_a), np.where(swap, pb, pa).astype(np.int64),
            np.where(swap, doc_a, doc_b), np.where(swap, pa, pb).astype(np.int64),
            np.asarray(score, dtype=np.float64), np.full(doc_a.size, same))


class MatchColumns(Sequence):
    """Matches as six columns (documents as positions in ``doc_ids``): 33 bytes a match,
    where a :data:`Match` tuple takes about 130 (1M synthetic documents have 3.8M matches).
    A sequence of :data:`Match` tuples, in its columns' order; :meth:`frame` is the
    ``paragraph_matches`` table."""

    def __init__(self, doc_ids: Sequence[str], doc_a: np.ndarray, para_a: np.ndarray, doc_b: np.ndarray,
                 para_b: np.ndarray, score: np.ndarray, same: np.ndarray) -> None:
        self.doc_ids = doc_ids
        self.columns = (doc_a, para_a, doc_b, para_b, score, same)

    def __len__(self) -> int:
        return int(self.columns[0].size)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return list(self)[i]
        a, pa, b, pb, score, same = (column[i] for column in self.columns)
        return (self.doc_ids[a], int(pa), self.doc_ids[b], int(pb), float(score), bool(same))

    def __iter__(self):
        a, pa, b, pb, score, same = (column.tolist() for column in self.columns)
        ids = self.doc_ids
        return ((ids[x], i, ids[y], j, s, t) for x, i, y, j, s, t in zip(a, pa, b, pb, score, same))

    def sorted(self) -> MatchColumns:
        """The matches sorted as their :data:`Match` tuples sort."""
        a, pa, b, pb, score, same = self.columns
        rank = _ranks(self.doc_ids)
        order = np.lexsort((same, score, pb, rank[b], pa, rank[a]))
        return MatchColumns(self.doc_ids, *(column[order] for column in self.columns))

    def frame(self) -> pd.DataFrame:
        """The ``paragraph_matches`` table."""
        from . import schema

        ids = np.asarray(self.doc_ids, dtype=object)
        a, pa, b, pb, score, same = self.columns
        return schema.frame({"doc_a": ids[a], "para_a": pa, "doc_b": ids[b], "para_b": pb, "score": score,
                             "same_cluster": same}, schema.MATCHES, schema.SORT_KEYS["paragraph_matches"])


def merged_columns(doc_ids: Sequence[str], *parts: tuple[np.ndarray, ...]) -> MatchColumns:
    """The matches of every part (columns of :class:`MatchColumns`), sorted."""
    return MatchColumns(doc_ids, *(np.concatenate(column) for column in zip(*parts))).sorted()


@dataclass(frozen=True)
class PassageIndex:
    """The paragraphs of a corpus long enough to match across clusters, grouped by key (a
    distinct compare key), and every pair of keys that share a passage, scored: what the
    cross-cluster search needs apart from the clusters, so that it can be built while
    deduplication runs. Occurrences are grouped by key, in document order inside a key."""

    n_docs: int
    settings: tuple  # the Config.match_* settings it was built with
    occ_doc: np.ndarray  # document (position in the corpus) of every occurrence of a long key
    occ_para: np.ndarray  # and its paragraph in that document
    n_occ: np.ndarray  # occurrences per key
    first_occ: np.ndarray  # position of each key's first occurrence
    key_a: np.ndarray  # pairs of keys that score at least Config.match_cutoff...
    key_b: np.ndarray
    score: np.ndarray  # ...and their score, rounded to 2 decimals


def _settings(config: Config) -> tuple:
    return (config.match_min_words, config.match_shingle_size, config.match_min_shared,
            config.match_min_containment, config.match_max_postings, config.match_cutoff)


@dataclass(frozen=True)
class KeyStats:
    """Paragraphs of each document, and the words and stable hash (:func:`~newsdedup.normalize.line_stats`)
    of each of their keys, documents in order: what the passage index reads of every key."""

    n_paras: np.ndarray  # per document
    words: np.ndarray  # per key, documents one after the other
    hashes: np.ndarray

    @classmethod
    def joined(cls, parts: Sequence[KeyStats], order: np.ndarray) -> KeyStats:
        """The stats of the documents of ``parts`` (concatenated) taken in ``order``."""
        if not parts:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.uint64))
        n_paras = np.concatenate([p.n_paras for p in parts]).astype(np.int64)
        start = np.cumsum(n_paras) - n_paras
        size = n_paras[order]
        at = np.repeat(start[order] - (np.cumsum(size) - size), size) + np.arange(int(size.sum()), dtype=np.int64)
        return cls(size, np.concatenate([p.words for p in parts])[at].astype(np.int64),
                   np.concatenate([p.hashes for p in parts])[at])


def key_stats(keys: Sequence[Sequence[str]]) -> KeyStats:
    """The :class:`KeyStats` of documents' keys, documents read a block at a time."""
    n_paras = np.empty(len(keys), dtype=np.int64)
    words, hashes = [], []
    for start in range(0, len(keys), DOCS_AT_ONCE):
        block = [list(keys[d]) for d in range(start, min(start + DOCS_AT_ONCE, len(keys)))]
        n_paras[start:start + len(block)] = [len(paras) for paras in block]
        lines = [k.replace("\n", " ") if "\n" in k else k for paras in block for k in paras]
        block_words, block_hashes = line_stats(lines)
        words.append(block_words)
        hashes.append(block_hashes)
    if not words:
        return KeyStats(n_paras, np.zeros(0, np.int64), np.zeros(0, np.uint64))
    return KeyStats(n_paras, np.concatenate(words), np.concatenate(hashes))


DOCS_AT_ONCE = 4096  # documents whose keys are hashed in one compiled pass


def carried_key_stats(n_words: Sequence[Sequence[int]], key_hashes: Sequence[bytes]) -> KeyStats | None:
    """The :class:`KeyStats` of documents whose keys' words and hashes came with them
    (cleaning computes both: a ``Cleaned`` row's ``n_words`` and ``key_hashes``), without
    reading the keys; None if a document has no hash for each of its words (a row made
    elsewhere: then :func:`key_stats` reads the keys)."""
    n_paras = np.fromiter(map(len, n_words), dtype=np.int64, count=len(n_words))
    sizes = np.fromiter(map(len, key_hashes), dtype=np.int64, count=len(key_hashes))
    if sizes.size != n_paras.size or not np.array_equal(sizes, 8 * n_paras):
        return None
    total = int(n_paras.sum())
    words = np.fromiter(chain.from_iterable(n_words), dtype=np.int64, count=total)
    return KeyStats(n_paras, words, np.frombuffer(b"".join(key_hashes), dtype="<u8").astype(np.uint64))


@dataclass
class LongKeys:
    """Which distinct keys of a corpus are long enough to match (:func:`long_keys`), and
    where each is first found: ``first_pos``, a flat position (document ``d``'s paragraph
    ``p`` is ``first_of_doc[d] + p``), ascending. The long keys' shingles are made from
    the texts there (:class:`Shingled`), then :func:`passage_index` spends the plan (it
    takes the per-occurrence arrays, so that they are not held longer than it needs them)."""

    n_docs: int
    first_of_doc: np.ndarray
    first_pos: np.ndarray
    shares: int  # of the shingle values (:class:`_ShingleShares`)
    n_paras: np.ndarray | None
    every_key: np.ndarray | None  # distinct key of every paragraph
    long_key: np.ndarray | None  # per distinct key

    def doc_and_para(self) -> tuple[np.ndarray, np.ndarray]:
        """The document and paragraph of each long key's first occurrence."""
        doc = np.searchsorted(self.first_of_doc, self.first_pos, side="right") - 1
        return doc, self.first_pos - self.first_of_doc[doc]


def long_keys(stats: KeyStats, config: Config = DEFAULT) -> LongKeys:
    """The :class:`LongKeys` of a corpus's :class:`KeyStats`."""
    every_key, distinct = pd.factorize(stats.hashes)  # distinct keys in order of first occurrence
    n_distinct = len(distinct)
    del distinct
    key_words = np.empty(n_distinct, dtype=np.int64)
    key_words[every_key] = stats.words
    first_pos = np.empty(n_distinct, dtype=np.int64)
    first_pos[every_key[::-1]] = np.arange(every_key.size - 1, -1, -1)  # each key's first occurrence
    first_of_doc = np.cumsum(stats.n_paras) - stats.n_paras
    long_key = key_words >= config.match_min_words
    long_ids = np.flatnonzero(long_key)
    return LongKeys(stats.n_paras.size, first_of_doc, first_pos[long_ids],
                    _shares_for(int(key_words[long_ids].sum())), stats.n_paras, every_key, long_key)


class Shingled:
    """The long keys' shingles (in :class:`_ShingleShares`), characters and shingle counts,
    and which are editorial notes (no shingles), filled a block of keys at a time
    (:meth:`add`), in any order: numbered as in :class:`LongKeys` (notes included) until
    :meth:`sealed` numbers the others in order."""

    def __init__(self, long: LongKeys) -> None:
        n = long.first_pos.size
        self.notes = np.zeros(n, dtype=bool)
        self.lengths = np.zeros(n, dtype=np.int64)
        self.n_shingles = np.zeros(n, dtype=np.int32)
        self.shares = _ShingleShares(long.shares)

    def add(self, ids: np.ndarray, notes: np.ndarray, lengths: np.ndarray, flat: np.ndarray, offsets: np.ndarray
            ) -> None:
        """:func:`shingled_texts` of the long keys ``ids``."""
        self.notes[ids] = notes
        kept = ids[~notes]
        self.lengths[kept] = lengths
        self.n_shingles[kept] = np.diff(offsets)
        self.shares.add(flat, offsets, kept)

    def sealed(self) -> Shingled:
        """Done adding: the notes dropped, the other keys numbered in order (``lengths``,
        ``n_shingles`` and the shares' words)."""
        keep = ~self.notes
        self.lengths, self.n_shingles = self.lengths[keep], self.n_shingles[keep]
        self.shares.seal(np.cumsum(keep) - 1 if not keep.all() else None)
        return self


def shingled_texts(texts: list[str], k: int, threads: int | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Of long keys' ``texts``: which are editorial notes, and the others' characters and
    shingle sets (``flat``, ``offsets`` of :func:`~newsdedup.dedup.signatures.shingle_sets`)."""
    notes = editorial_notes(texts)
    texts = [t for t, is_note in zip(texts, notes.tolist()) if not is_note]
    flat, offsets = shingle_sets(texts, k, threads)
    return notes, np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), flat, offsets


def shingled_keys(keys: Sequence[Sequence[str]], long: LongKeys, k: int, threads: int | None = None) -> Shingled:
    """The :class:`Shingled` of the long keys, their texts read from ``keys`` a block at a
    time (``threads``: see :func:`shingled_texts`)."""
    shingled = Shingled(long)
    for start in range(0, long.first_pos.size, KEYS_AT_ONCE):
        texts = _texts_at(keys, long.first_pos[start:start + KEYS_AT_ONCE], long.first_of_doc)
        shingled.add(np.arange(start, start + len(texts), dtype=np.int64), *shingled_texts(texts, k, threads))
        del texts
    return shingled.sealed()


def passage_index(keys: Sequence[Sequence[str]], config: Config = DEFAULT, cluster_ids: Sequence[str] | None = None,
                  long: LongKeys | None = None, shingled: Shingled | None = None, threads: int = 1,
                  clusters_later: ClustersLater | None = None, stats: KeyStats | None = None) -> PassageIndex:
    """The :class:`PassageIndex` of documents' paragraph keys.

    ``keys`` is read document by document, a few times, and never held whole: a
    document's keys may be a sequence that reads them from a file (a runner's spill).
    Distinct keys are told apart by their stable 64-bit hash (:func:`~newsdedup.normalize.line_stats`);
    only the long ones' shingle sets are kept, and the texts of the keys that share
    shingles with another are read again to score them. A runner that has the keys'
    :func:`long_keys` plan and their :class:`Shingled` (made where the keys are) gives
    them: ``keys`` is then read only for the texts scored (``long`` is spent); one that has
    the keys' :class:`KeyStats` (:func:`carried_key_stats`) gives ``stats``.

    Given the documents' ``cluster_ids``, two keys found only inside one and the same
    cluster are not scored: they can only match inside that cluster, which is not a
    cross-cluster match (edited copies in a cluster share most shingles: half the
    candidate pairs on 10k documents).

    ``clusters_later``: the clusters given once they are known (a forked child builds the
    index while its parent deduplicates): asked for when the shingles' pairs are made, or
    else waited for once they are made, and the pairs inside one cluster dropped then,
    before they are counted and scored; the same index as with ``cluster_ids``.

    ``threads``: the shares of the shingles' postings and the scoring spread over that many
    threads (compiled and rapidfuzz code that releases the GIL); the same index.
    """
    if long is None:
        long = long_keys(stats if stats is not None else key_stats(keys), config)
    if shingled is None:
        # one thread while the clusters are still being made: the deduplicating process
        # beside this one keeps a core to itself (three busy threads on two cores gave
        # each two thirds of one)
        shingled = shingled_keys(keys, long, config.match_shingle_size,
                                 1 if clusters_later is not None and not clusters_later.ready() else None)
    n_docs, first_of_doc, n_paras, every_key, long_key = long.n_docs, long.first_of_doc, long.n_paras, \
        long.every_key, long.long_key
    long.n_paras = long.every_key = long.long_key = None  # spent: freed as soon as this is done with them
    notes = shingled.notes
    long_key[np.flatnonzero(long_key)[notes]] = False
    first_pos = long.first_pos[~notes]
    n_long = first_pos.size
    del notes
    long_enough = np.flatnonzero(long_key[every_key])
    occ_doc = np.repeat(np.arange(n_docs, dtype=np.int64), n_paras)[long_enough]
    occ_para = long_enough - first_of_doc[occ_doc]
    key_of = (np.cumsum(long_key) - 1)[every_key[long_enough]]  # ids of the long keys, same order
    del every_key, long_enough, long_key, n_paras
    by_key = np.argsort(key_of, kind="stable")  # occurrences grouped by key, in document order
    occ_doc, occ_para = occ_doc[by_key], occ_para[by_key]
    del by_key
    n_occ = np.bincount(key_of, minlength=n_long)
    del key_of
    first_occ = np.cumsum(n_occ) - n_occ

    def sole_clusters(numbers: np.ndarray | None) -> np.ndarray:
        if numbers is None or not n_long:
            return np.full(n_long, -1, dtype=np.int64)
        cluster = numbers[occ_doc]
        lowest = np.minimum.reduceat(cluster, first_occ)
        return np.where(lowest == np.maximum.reduceat(cluster, first_occ), lowest, -1)

    def texts_of(ids: np.ndarray) -> list[str]:
        return _texts_at(keys, first_pos[ids], first_of_doc)

    if clusters_later is None:
        sole: np.ndarray | Callable[[bool], np.ndarray | None] = sole_clusters(
            None if cluster_ids is None else cluster_numbers(cluster_ids))
    else:
        def sole(wait: bool) -> np.ndarray | None:
            return sole_clusters(clusters_later.get()) if wait or clusters_later.ready() else None

    key_a, key_b, score = _scored_pairs(shingled.shares, shingled.n_shingles, shingled.lengths, texts_of, n_occ,
                                        sole, config, threads)
    return PassageIndex(n_docs, _settings(config), occ_doc, occ_para, n_occ, first_occ, key_a, key_b, score)


def _texts_at(keys: Sequence[Sequence[str]], positions: np.ndarray, first_of_doc: np.ndarray) -> list[str]:
    """The keys at flat ``positions`` (ascending), each document read once."""
    docs = np.searchsorted(first_of_doc, positions, side="right") - 1
    out, last, paras = [], -1, []
    for doc, pos in zip(docs.tolist(), (positions - first_of_doc[docs]).tolist()):
        if doc != last:
            paras, last = keys[doc], doc
            paras = paras if isinstance(paras, list) else list(paras)
        out.append(paras[pos])
    return out


NOTES_AT_ONCE = 4096  # keys joined for one regex pass


def editorial_notes(keys: list[str]) -> np.ndarray:
    """Which compare ``keys`` are editorial notes about the article (see the module docstring).

    >>> editorial_notes(["correction, may 2: an earlier version misspelled a name.",
    ...                  "update: the toll rose to 12 on sunday, officials said."]).tolist()
    [True, False]
    """
    notes = np.zeros(len(keys), dtype=bool)
    for first in range(0, len(keys), NOTES_AT_ONCE):  # a regex pass over many keys, each after a NUL (keys hold none)
        block = keys[first:first + NOTES_AT_ONCE]
        starts = np.cumsum([0] + [len(k) + 1 for k in block[:-1]])
        found = [m.start() for m in _EDITORIAL_NOTE.finditer("\x00" + "\x00".join(block))]
        notes[first + np.searchsorted(starts, np.asarray(found, dtype=np.int64), side="right") - 1] = True
    return notes


def cluster_numbers(cluster_ids: Sequence[str]) -> np.ndarray:
    """Each document's cluster as a number (clusters numbered in cluster id order)."""
    return np.unique(np.asarray(cluster_ids, dtype=object), return_inverse=True)[1]


SHINGLES_AT_ONCE = 1 << 22  # shingles sorted at once: the postings are built a share of the shingle values at a time
KEYS_AT_ONCE = 1 << 16  # keys shingled at once


def _shares_for(shingles_at_most: int) -> int:
    return max(1, -(-shingles_at_most // SHINGLES_AT_ONCE))


class _ShingleShares:
    """Every long key's shingles as ``(shingle << 32) | key`` words, put in share ``shingle %
    parts`` as the keys are shingled: one shingle's postings are all in one share, so a
    share read back and sorted gives them whole, while the corpus's shingles (half a
    billion on 1M documents) are never held at once. With more than one share they wait
    in an unlinked temporary file (in TMPDIR), each block's words grouped by share."""

    def __init__(self, parts: int) -> None:
        self.parts = parts
        self._file = tempfile.TemporaryFile() if parts > 1 else None
        self._pieces: list[list] = [[] for _ in range(parts)]  # per share: arrays, or (offset, count) in the file
        self._written = 0
        self._renumbered: np.ndarray | None = None
        self._last_id = -1  # the highest key added so far...
        self._ascending = True  # ...and whether every key was added after every lower one

    def add(self, flat: np.ndarray, offsets: np.ndarray, ids: np.ndarray) -> None:
        """The shingle sets ``flat[offsets[i]:offsets[i + 1]]`` of keys ``ids[i]``."""
        if ids.size:
            self._ascending = self._ascending and ids[0] > self._last_id and bool((ids[1:] > ids[:-1]).all())
            self._last_id = max(self._last_id, int(ids.max()))
        if self._file is None:
            self._pieces[0].append(_packed_words(flat, offsets, ids))
            return
        words, counts = _grouped_by_share(flat, offsets, ids, self.parts)
        self._file.write(memoryview(words))
        for part, (start, count) in enumerate(zip((np.cumsum(counts) - counts).tolist(), counts.tolist())):
            if count:
                self._pieces[part].append((self._written + 8 * start, count))
        self._written += words.nbytes

    def seal(self, renumbered: np.ndarray | None = None) -> None:
        """Done adding; ``renumbered``: the key number each key added has from now on (in
        the same order: a share's words stay sorted)."""
        self._renumbered = renumbered
        if self._file is not None:
            self._file.flush()

    def share(self, part: int) -> np.ndarray:
        """The words of share ``part``, sorted."""
        pieces = self._pieces[part]
        if self._file is None:
            words = np.concatenate(pieces) if pieces else np.zeros(0, np.uint64)
        else:
            words = np.empty(sum(count for _, count in pieces), dtype=np.uint64)
            done, fd = 0, self._file.fileno()
            for offset, count in pieces:
                words[done:done + count] = np.frombuffer(os.pread(fd, 8 * count, offset), dtype=np.uint64)
                done += count
        self._pieces[part] = []
        if self._ascending:  # the keys (low halves) already ascend: sorting the shingles is enough
            words = _sorted_by_high_half(words)
        else:
            words.sort()
        if self._renumbered is not None:
            _renumber(words, self._renumbered)
        return words

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _shared_shingle_pairs(shares: _ShingleShares, n_occ: np.ndarray, usable: np.ndarray,
                          sole_cluster: np.ndarray, max_postings: int, threads: int = 1) -> np.ndarray:
    """:func:`_sharing_pairs` over every key's shingles, a share of the shingle values at a
    time (see :class:`_ShingleShares`), on ``threads`` threads (results in share order)."""
    def pairs_of(part: int) -> np.ndarray:
        return _sharing_pairs(shares.share(part), n_occ, usable, sole_cluster, max_postings)

    try:
        found = _mapped(pairs_of, range(shares.parts), threads)
    finally:
        shares.close()
    return found[0] if len(found) == 1 else np.concatenate(found)


@njit(cache=True, nogil=True)
def _packed_words(flat, offsets, ids):  # pragma: no cover - compiled
    out = np.empty(flat.size, dtype=np.uint64)
    for key in range(offsets.size - 1):
        for i in range(offsets[key], offsets[key + 1]):
            out[i] = (np.uint64(flat[i]) << np.uint64(32)) | np.uint64(ids[key])
    return out


@njit(cache=True, nogil=True)
def _sorted_by_high_half(words):  # pragma: no cover - compiled
    """``words`` sorted, given that their low 32 bits ascend: a stable radix sort of the
    high 32 bits, 16 at a time (several times faster than a comparison sort of the words)."""
    src, dst = words, np.empty_like(words)
    mask = np.uint64(0xFFFF)
    for shift in (np.uint64(32), np.uint64(48)):
        at = np.zeros(mask + 1, dtype=np.int64)
        for i in range(src.size):
            at[(src[i] >> shift) & mask] += 1
        total = 0
        for digit in range(mask + 1):
            total, at[digit] = total + at[digit], total
        for i in range(src.size):
            digit = (src[i] >> shift) & mask
            dst[at[digit]] = src[i]
            at[digit] += 1
        src, dst = dst, src
    return src


@njit(cache=True, nogil=True)
def _renumber(words, number):  # pragma: no cover - compiled
    """``(shingle << 32) | key`` words with each key replaced by ``number[key]``, in place."""
    low = np.uint64(0xFFFFFFFF)
    for i in range(words.size):
        words[i] = (words[i] & ~low) | np.uint64(number[words[i] & low])


@njit(cache=True, nogil=True)
def _grouped_by_share(flat, offsets, ids, parts):  # pragma: no cover - compiled
    """``(shingle << 32) | key`` of every shingle (key ``i`` numbered ``ids[i]``), grouped
    by ``shingle % parts``, and the words per share."""
    counts = np.zeros(parts, dtype=np.int64)
    for i in range(flat.size):
        counts[flat[i] % parts] += 1
    at = np.empty(parts, dtype=np.int64)
    total = 0
    for p in range(parts):
        at[p] = total
        total += counts[p]
    out = np.empty(flat.size, dtype=np.uint64)
    for key in range(offsets.size - 1):
        for i in range(offsets[key], offsets[key + 1]):
            p = flat[i] % parts
            out[at[p]] = (np.uint64(flat[i]) << np.uint64(32)) | np.uint64(ids[key])
            at[p] += 1
    return out, counts


def _mapped(fn, items, threads: int) -> list:
    """``[fn(item) for item in items]``, on ``threads`` threads when more than one."""
    items = list(items)
    if threads < 2 or len(items) < 2:
        return [fn(item) for item in items]
    with ThreadPoolExecutor(min(threads, len(items))) as pool:
        return list(pool.map(fn, items))


def _scores_on_threads(xs: list[str], ys: list[str], scorer, cutoff: float, threads: int) -> np.ndarray:
    """:func:`~newsdedup.align.scores`, the pairs cut in ``threads`` runs scored side by side."""
    step = -(-len(xs) // max(threads, 1))
    return np.concatenate(_mapped(lambda at: scores(xs[at:at + step], ys[at:at + step], scorer, cutoff),
                                  range(0, len(xs), step), threads))


def _scored_pairs(shares: _ShingleShares, n_shingles: np.ndarray, lengths: np.ndarray, texts_of,
                  n_occ: np.ndarray, sole_cluster: np.ndarray | Callable[[bool], np.ndarray | None], config: Config,
                  threads: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of long keys that share shingles (``shares``: their shingles; ``n_shingles``
    and ``lengths``: their shingles and characters; ``texts_of(ids)``: the texts of keys
    ``ids``, ascending), scored at once; those reaching the cutoff. ``sole_cluster``: see
    :func:`_sharing_pairs`, or a function that gives it (``wait``: else None if not known
    yet; then the pairs are made without it and those it rules out dropped afterwards)."""
    usable = n_occ <= config.match_max_postings  # a paragraph printed everywhere is furniture, not a passage
    later = None
    if callable(sole_cluster):
        later, sole_cluster = sole_cluster, sole_cluster(False)
    found = _shared_shingle_pairs(shares, n_occ, usable, np.full(n_occ.size, -1, dtype=np.int64)
                                  if sole_cluster is None else sole_cluster, config.match_max_postings, threads)
    if sole_cluster is None:
        found = _apart(found, later(True))
    packed, shared = np.unique(found, return_counts=True)
    del found
    ka = (packed >> np.uint64(32)).astype(np.int64)
    kb = (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
    # a passage found (partial_ratio >= cutoff) inside another shares a good part of its shingles
    enough = (shared >= config.match_min_shared) & (
        shared >= config.match_min_containment * np.minimum(n_shingles[ka], n_shingles[kb]))
    ka, kb = ka[enough], kb[enough]
    uneven = np.maximum(lengths[ka], lengths[kb]) > UNEVEN * np.minimum(lengths[ka], lengths[kb])
    parts = []
    for scorer, sel in ((fuzz.ratio, ~uneven), (fuzz.partial_ratio, uneven)):
        xs, ys = ka[sel], kb[sel]
        if not xs.size:
            continue
        needed = np.unique(np.concatenate([xs, ys]))
        texts = dict(zip(needed.tolist(), texts_of(needed)))  # only these keys' texts are read again
        found = _scores_on_threads([texts[x] for x in xs.tolist()], [texts[y] for y in ys.tolist()], scorer,
                                   config.match_cutoff, threads)
        del texts
        hit = np.flatnonzero(found)
        parts.append((xs[hit], ys[hit], rounded(found[hit])))
    if not parts:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    return tuple(np.concatenate(column) for column in zip(*parts))


def across_clusters(doc_ids: Sequence[str], keys: Sequence[list[str]], cluster_ids: Sequence[str],
                    config: Config = DEFAULT, n_words: Sequence[list[int]] | None = None,
                    index: PassageIndex | None = None) -> list[Match]:
    """Shared passages between paragraphs of different clusters (``index``: the
    :func:`passage_index` of ``keys``, if already built; ``n_words`` to build it with).

    Identical paragraphs are indexed once (a key); candidate key pairs come from shared
    shingles, are scored in one vectorised rapidfuzz call, and are expanded back to the
    documents' paragraphs at the end.
    """
    return list(MatchColumns(doc_ids, *across_columns(doc_ids, keys, cluster_ids, config, n_words, index)))


def across_columns(doc_ids: Sequence[str], keys: Sequence[list[str]], cluster_ids: Sequence[str],
                   config: Config = DEFAULT, n_words: Sequence[list[int]] | None = None,
                   index: PassageIndex | None = None, stats: KeyStats | None = None) -> tuple[np.ndarray, ...]:
    """:func:`across_clusters` as the columns of :class:`MatchColumns` (``stats``: see
    :func:`passage_index`)."""
    if index is None:
        index = passage_index(keys, config, cluster_ids, stats=stats)
    elif (index.n_docs, index.settings) != (len(keys), _settings(config)):
        raise ValueError(f"this passage index was built for {index.n_docs} documents and other match settings")
    occ_doc, occ_para, n_occ, first_occ = index.occ_doc, index.occ_para, index.n_occ, index.first_occ
    if not n_occ.size:
        return _no_match_columns()
    cluster = cluster_numbers(cluster_ids)[occ_doc]
    rank = _ranks(doc_ids)

    def report(i: np.ndarray, j: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, ...]:
        """Matches between occurrences i and j (positions in key order) of different clusters."""
        apart = cluster[i] != cluster[j]
        i, j = i[apart], j[apart]
        return _ordered_columns(rank, occ_doc[i], occ_para[i], occ_doc[j], occ_para[j], score[apart], False)

    # 1. identical paragraphs in documents of different clusters (a paragraph printed
    # everywhere is furniture, not a passage)
    repeated = np.flatnonzero((n_occ > 1) & (n_occ <= config.match_max_postings))
    i, j = pairs_in_groups(first_occ[repeated], n_occ[repeated], config.match_max_postings)
    identical = report(i, j, np.full(i.size, 100.0))
    # 2. similar paragraphs: every occurrence pair of each scored pair of keys
    xs, ys = index.key_a, index.key_b
    i, j, which = _cross(first_occ[xs], n_occ[xs], first_occ[ys], n_occ[ys])
    similar = report(i, j, index.score[which])
    return tuple(np.concatenate(column) for column in zip(identical, similar))


@njit(cache=True, nogil=True, inline="always")
def _may_cross(sole_cluster, a, b):  # pragma: no cover - compiled
    """Whether keys ``a`` and ``b`` may match across clusters: not both found only in one
    and the same cluster (``sole_cluster``: that cluster, or -1)."""
    return sole_cluster[a] < 0 or sole_cluster[a] != sole_cluster[b]


@njit(cache=True, nogil=True)
def _sharing_pairs(packed, n_occ, usable, sole_cluster, max_postings):  # pragma: no cover - compiled
    """Every pair of usable keys that share a shingle, once per shared shingle, as
    ``(key_a << 32) | key_b`` with ``key_a < key_b``. ``packed``: sorted ``(shingle << 32) |
    key`` of every key's shingle set; a shingle found in more than ``max_postings``
    paragraph occurrences (``n_occ`` per key) proposes no pairs, nor do two keys found
    only in one and the same cluster (``sole_cluster``: that cluster, or -1)."""
    low = np.uint64(0xFFFFFFFF)
    shift = np.uint64(32)
    starts = [np.int64(0)]  # the groups of one shingle whose pairs count, and how many pairs
    ends = [np.int64(0)]
    total = 0
    n = packed.size
    s = 0
    while s < n:
        shingle = packed[s] >> shift
        e = s + 1
        while e < n and packed[e] >> shift == shingle:
            e += 1
        if e - s >= 2:
            weight = usable_members = 0
            for t in range(s, e):
                weight += n_occ[packed[t] & low]
                usable_members += usable[packed[t] & low]
            if weight <= max_postings and usable_members >= 2:
                starts.append(s)
                ends.append(e)
                total += usable_members * (usable_members - 1) // 2
        s = e
    out = np.empty(total, dtype=np.uint64)
    k = 0
    for g in range(1, len(starts)):  # keys ascend inside a group: (a, b) with a < b
        for x in range(starts[g], ends[g]):
            a = packed[x] & low
            if usable[a]:
                for y in range(x + 1, ends[g]):
                    b = packed[y] & low
                    if usable[b] and _may_cross(sole_cluster, a, b):
                        out[k] = (a << shift) | b
                        k += 1
    return out[:k].copy()  # ``total`` counted the pairs inside one cluster too: a view would keep them all


@njit(cache=True, nogil=True)
def _apart(pairs, sole_cluster):  # pragma: no cover - compiled
    """The ``(key_a << 32) | key_b`` ``pairs`` but those of two keys found only in one and
    the same cluster (as :func:`_sharing_pairs` leaves them out), in order."""
    low = np.uint64(0xFFFFFFFF)
    shift = np.uint64(32)
    out = np.empty_like(pairs)
    k = 0
    for i in range(pairs.size):
        if _may_cross(sole_cluster, pairs[i] >> shift, pairs[i] & low):
            out[k] = pairs[i]
            k += 1
    return out[:k].copy()


class ClustersLater(Protocol):
    """Each document's cluster (a number: the same for the documents of one cluster), given
    once known: :meth:`ready` says whether it is, :meth:`get` waits for it."""

    def ready(self) -> bool: ...

    def get(self) -> np.ndarray: ...


def _cross(start_a: np.ndarray, size_a: np.ndarray, start_b: np.ndarray, size_b: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (a, b) position pair of each pair of ranges [start_a, start_a + size_a) x
    [start_b, start_b + size_b), and the number of the range pair it comes from."""
    total = size_a * size_b
    which = np.repeat(np.arange(total.size, dtype=np.int64), total)
    within = np.arange(which.size, dtype=np.int64) - np.repeat(np.cumsum(total) - total, total)
    return start_a[which] + within // size_b[which], start_b[which] + within % size_b[which], which


def paragraph_matches(doc_ids: Sequence[str], paragraphs: Sequence[list[str]], cluster_ids: Sequence[str],
                      canonical_ids: Sequence[str], config: Config = DEFAULT,
                      keys: Sequence[list[str]] | None = None, n_words: Sequence[list[int]] | None = None,
                      index: PassageIndex | None = None, threads: int = 1) -> list[Match]:
    """All matches, sorted by ``(doc_a, para_a, doc_b, para_b)`` (``keys``: the paragraphs'
    compare keys, ``n_words`` their word counts, and ``index`` their :func:`passage_index`,
    if the caller has them; ``threads``: see :func:`paragraph_match_columns`)."""
    return list(paragraph_match_columns(doc_ids, paragraphs, cluster_ids, canonical_ids, config, keys, n_words,
                                        index, threads))


def paragraph_match_columns(doc_ids: Sequence[str], paragraphs: Sequence[list[str]], cluster_ids: Sequence[str],
                            canonical_ids: Sequence[str], config: Config = DEFAULT,
                            keys: Sequence[list[str]] | None = None, n_words: Sequence[list[int]] | None = None,
                            index: PassageIndex | None = None, threads: int = 1, stats: KeyStats | None = None
                            ) -> MatchColumns:
    """:func:`paragraph_matches` as :class:`MatchColumns`. ``threads=2`` runs the
    cross-cluster half on a second thread beside the within-cluster half (they share
    nothing, and much of each runs without the GIL: rapidfuzz, numpy, compiled kernels);
    the caller, which owns the machine's cores, chooses: the two halves' peaks then add up.
    ``stats``: the keys' :class:`KeyStats`, if the caller has them."""
    if keys is None:
        keys = [compare_keys(list(paras)) for paras in paragraphs]
        n_words = None
    if threads < 2:
        within = within_columns(doc_ids, keys, canonical_ids, config)
        return merged_columns(doc_ids, within, across_columns(doc_ids, keys, cluster_ids, config, n_words, index,
                                                              stats))
    with ThreadPoolExecutor(1) as pool:
        across = pool.submit(across_columns, doc_ids, keys, cluster_ids, config, n_words, index, stats)
        within = within_columns(doc_ids, keys, canonical_ids, config)
        return merged_columns(doc_ids, within, across.result())


def match_threads(config: Config) -> int:
    """The ``threads`` of :func:`paragraph_match_columns` for a caller that runs it in its own
    process: two when it was given more than one worker."""
    return 2 if config.n_workers > 1 else 1


def merged(within: list[Match], across: list[Match]) -> list[Match]:
    """The matches of both kinds, sorted by ``(doc_a, para_a, doc_b, para_b)``."""
    return sorted(within + across)
