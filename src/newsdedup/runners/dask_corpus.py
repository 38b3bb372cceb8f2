"""The Dask runner's corpus-wide steps, with the clean corpus left on the workers.

Each partition's clean documents and signatures (:class:`Finished`) stay on the worker
that made them, held by their future. The client gathers an :class:`Outline` of each
partition (ids, a digest of each text's compare key, text lengths and paragraph keys:
what exact-copy detection, canonical choice and paragraph matching read; past
``spill_min_mb`` the keys go to a file here as each outline arrives, :func:`keys_to_disk`), then:

1. **banding as a shuffle**: every partition computes the LSH band keys of its distinct
   texts (:func:`band_shards`), split by key into ``shards`` pieces; a task per shard
   takes that shard's piece of every partition and makes the candidate pairs of its
   buckets (:func:`bucket_pairs`), so a bucket is whole in one task and its members are
   ordered by their position in the id-sorted corpus, as
   :func:`~newsdedup.dedup.lsh.candidate_pairs` orders them (``max_bucket_size``: the same
   star). Only candidate pairs come back;
2. the texts and signatures of the documents of candidate pairs only (:func:`fetch`) for
   :func:`~newsdedup.dedup.verify_candidates`; connect and canonicals here;
3. paragraph matching here, from the paragraph keys (read back from the file when there),
   with the passage index's long keys shingled on the workers during step 2
   (:func:`shingling_on_workers`) from the keys' stats sent with the outlines;
4. per partition, its rows of the ``documents``, ``boilerplate`` and ``rejects`` tables
   (:func:`table_rows`), given its documents' clusters, the first two sorted into a file
   each beside the output (:func:`tables_of`, :mod:`.dask_tables`).
"""

from __future__ import annotations

import hashlib
import operator
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import schema
from ..clean import Cleaned
from ..config import Config
from ..dedup import Clustering, _estimates, _first_copies, canonicals, connect, verify_candidates
from ..dedup.lsh import band_key, optimal_bands
from ..dedup.signatures import MAX_HASH
from .._arrays import group_bounds, pairs_in_groups, unique_pairs
from ..match import (KeyStats, LongKeys, Shingled, across_columns, carried_key_stats, key_stats, long_keys,
                     merged_columns, passage_index, shingled_texts, within_columns)
from ..tables import build_tables, documents_columns, matches_table
from ..write import write_dataset
from .spill import Spill, Spilled, SpilledColumn, text_chars, with_pickled

SHARDS_PER_WORKER = 2  # band-key shards per worker


class SpilledAgain:
    """Held clean documents that stay spilled when Dask pickles them. A pickled
    :class:`~.spill.Spilled` part carries its list (a spill file stays in its process), so a
    partition that Dask moves to its own disk under memory pressure, or to another worker,
    would come back holding every paragraph, key and removed paragraph in memory: 9.7 kB a
    synthetic document instead of 1.6 kB (at 1M documents on two 3 GB workers, workers
    went over their limit and were restarted). Unpickled, such rows go to a new spill of
    the process that loads them."""

    cleaned: list[Cleaned]

    def __getstate__(self) -> dict:
        spilled = any(isinstance(c.paragraphs, Spilled) for c in self.cleaned)
        return {**self.__dict__, "_spilled": spilled}

    def __setstate__(self, state: dict) -> None:
        spilled = state.pop("_spilled", False)
        self.__dict__.update(state)
        if spilled:
            Spill().put(self.cleaned)


@dataclass
class Finished(SpilledAgain):
    """A partition's clean documents, and the MinHash signatures of the readable ones."""

    cleaned: list[Cleaned]
    signatures: np.ndarray


def finished_bytes(finished: Finished) -> int:
    """A partition's clean documents' and signatures' memory (:func:`cleaned_bytes`)."""
    return cleaned_bytes(finished.cleaned) + int(finished.signatures.nbytes)


def cleaned_bytes(cleaned: list[Cleaned]) -> int:
    """Clean documents' memory, roughly (each paragraph held as text and as its compare
    key, removed paragraphs, a Python string's overhead each), so that a worker's memory
    limit moves them to disk in time (Dask would count the object only)."""
    chars = strings = 0
    for c in cleaned:
        if isinstance(c.paragraphs, Spilled):  # in a worker's spill file: the row and its positions only
            strings += 12
            continue
        chars += 2 * sum(map(len, c.paragraphs)) + sum(len(text) for _, text, _ in c.removed)
        strings += 2 * len(c.paragraphs) + 2 * len(c.removed) + 8
    return chars + STRING_OVERHEAD * strings


STRING_OVERHEAD = 64  # bytes of a Python string and its list slot beside its characters


@dataclass
class Outline:
    """What the client reads of a partition's readable documents (in partition order)."""

    doc_ids: list[str]
    digests: np.ndarray  # uint8, 16 a text: a digest of its compare key (equal keys, equal digests)
    lengths: np.ndarray  # characters of each clean text
    # the paragraphs' compare keys: lists, or each document's list pickled (sent so to a client
    # that writes them to its spill as they are); on the client past keys_to_disk, their items in its Spill
    keys: list[list[str]] | list[bytes] | np.ndarray
    every_id: list[str]  # every document of the partition (rejected ones too)...
    n_removed: np.ndarray  # ...and its rows of the boilerplate table
    stats: KeyStats | None = None  # the keys' words and hashes, for the passage index
    keys_spill: Spill | None = None  # on the client, the spill holding ``keys`` (:func:`keys_to_disk`)


def keys_bytes(keys: list[list[str]] | list[bytes]) -> int:
    """Documents' paragraph keys' memory, roughly: their characters and a string each (pickled: their bytes)."""
    if keys and isinstance(keys[0], bytes):
        return sum(map(len, keys)) + STRING_OVERHEAD * len(keys)
    return sum(len(k) for doc in keys for k in doc) + STRING_OVERHEAD * sum(map(len, keys))


def outline_bytes(outline: Outline) -> int:
    """An outline's memory, roughly: its paragraph keys (a partition's documents' keys
    held a second time once the documents were moved to disk and read back)."""
    stats = outline.stats
    return keys_bytes(outline.keys) + 2 * STRING_OVERHEAD * len(outline.every_id) + \
        (stats.n_paras.nbytes + stats.words.nbytes + stats.hashes.nbytes if stats is not None else 0)


# --------------------------------------------------------------------------- tasks (workers)


def outline_of(finished: Finished, pickled: bool = False) -> Outline:
    """The partition's :class:`Outline`, each spilled part read once (a text's length is
    known without reading it, :func:`~.spill.text_chars`); ``pickled``: the keys sent
    pickled, as they are in this worker's spill file (read once, for their digests too),
    for a client that writes them to its own: neither pickled again here nor unpickled
    there (100k documents, 330 MB of keys)."""
    good = [c for c in finished.cleaned if c.error is None]
    if pickled:
        both = [with_pickled(c.keys) for c in good]
        keys, sent = [k for k, _ in both], [blob for _, blob in both]
    else:
        keys = sent = [list(c.keys) for c in good]
    digests = b"".join(hashlib.blake2b(" ".join(k).encode("utf-8"), digest_size=16).digest() for k in keys)
    stats = carried_key_stats([c.n_words for c in good], [c.key_hashes for c in good]) or key_stats(keys)
    for c in good:  # the hashes' only reader (0.14 GB on 1M documents); run again, it reads the keys
        c.key_hashes = b""
    stats = KeyStats(stats.n_paras.astype(np.int32), stats.words.astype(np.int32), stats.hashes)
    return Outline([c.doc_id for c in good], np.frombuffer(digests, dtype=np.uint8).reshape(len(good), 16),
                   np.fromiter((text_chars(c.paragraphs) for c in good), dtype=np.int64, count=len(good)),
                   sent, [c.doc_id for c in finished.cleaned],
                   np.fromiter((len(c.removed) for c in finished.cleaned), dtype=np.int64,
                               count=len(finished.cleaned)), stats)


def band_shards(finished: Finished, positions: np.ndarray, distinct: np.ndarray, config: Config,
                shards: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The band keys of the partition's distinct texts (``distinct``: a mask over its
    readable documents; ``positions``: their places in the id-sorted corpus) that have
    words, as ``(band, key, position)`` arrays split by ``key % shards``."""
    sigs, pos = finished.signatures[distinct], positions[distinct]
    live = (sigs != MAX_HASH).any(axis=1)  # texts without words have no candidates
    sigs, pos = sigs[live], pos[live]
    bands, rows = optimal_bands(config.candidate_threshold, config.num_perm)
    keys = np.concatenate([band_key(sigs, band, rows) for band in range(bands)]) if bands else np.empty(0, np.uint64)
    band = np.repeat(np.arange(bands, dtype=np.int32), pos.size)
    position = np.tile(pos, bands)
    shard = keys % np.uint64(shards)
    return [(band[shard == s], keys[shard == s], position[shard == s]) for s in range(shards)]


def bucket_pairs(max_bucket: int, *pieces: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs (positions, distinct, ``a < b``) of every bucket (documents of
    one band key in one band) among ``pieces``: per band, the keys sorted with ties in
    position order, and pairs from each run of equal keys, as in ``candidate_pairs``."""
    band = np.concatenate([p[0] for p in pieces])
    key = np.concatenate([p[1] for p in pieces])
    pos = np.concatenate([p[2] for p in pieces])
    left, right = [], []
    for b in np.unique(band).tolist():
        k, p = key[band == b], pos[band == b]
        order = np.lexsort((p, k))
        starts, sizes = group_bounds(k[order])
        i, j = pairs_in_groups(starts, sizes, max_bucket)
        left.append(p[order][i])
        right.append(p[order][j])
    if not left:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return unique_pairs(np.concatenate(left), np.concatenate(right))


def fetch(finished: Finished, wanted: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The clean texts and signatures of the partition's readable documents ``wanted``
    (indices among them)."""
    good = [c for c in finished.cleaned if c.error is None]
    return [good[i].text for i in wanted.tolist()], finished.signatures[wanted]


def shingled_keys_of(finished: Finished, docs: np.ndarray, paras: np.ndarray, k: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`~newsdedup.match.shingled_texts` of the keys of paragraphs ``paras`` of the
    partition's readable documents ``docs`` (indices among them), each document read once."""
    good = [c for c in finished.cleaned if c.error is None]
    texts: list[str] = [""] * docs.size
    last, keys = -1, []
    for i in np.argsort(docs, kind="stable").tolist():
        if docs[i] != last:
            last = int(docs[i])
            keys = list(good[last].keys)
        texts[i] = keys[paras[i]]
    return shingled_texts(texts, k, threads=1)


def table_rows(finished: Finished, cluster_ids: list[str], canonical_ids: list[str], similarity: np.ndarray
               ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The partition's rows of ``documents``, ``boilerplate`` and ``rejects`` (unsorted),
    given its readable documents' clusters."""
    good = [c.doc_id for c in finished.cleaned if c.error is None]
    clustering = Clustering(good, cluster_ids, canonical_ids, similarity, {}, {}, None)
    documents = schema.frame(documents_columns(finished.cleaned, clustering), schema.DOCUMENTS)
    boilerplate = schema.frame([(c.doc_id, idx, text, reason) for c in finished.cleaned
                                for idx, text, reason in c.removed], schema.BOILERPLATE)
    rejects = schema.frame([(c.doc_id, c.source, c.error) for c in finished.cleaned if c.error is not None],
                           schema.REJECTS)
    return documents, boilerplate, rejects


def write_rows(finished: Finished, cluster_ids: list[str], canonical_ids: list[str], similarity: np.ndarray,
               folder: str, partition: int) -> Rows:
    """The partition's rows of ``documents`` and ``boilerplate``, each sorted by the
    table's sort keys, written as Arrow files in ``folder`` (:func:`rows_path`), read back
    a slice at a time by :func:`merged_rows`; its ``rejects`` rows and removed counts
    returned."""
    return _kept_on_disk(table_rows_sorted(finished, cluster_ids, canonical_ids, similarity), folder, partition)


@dataclass
class Rows:
    """A partition's rows of ``documents`` and ``boilerplate`` (Arrow IPC files, sorted by
    the table's sort keys), of ``rejects``, and its removed paragraphs' rows, characters
    and rows by reason."""

    documents: bytes
    boilerplate: bytes
    rejects: pd.DataFrame
    removed: tuple[int, int, Counter]


def table_rows_sorted(finished: Finished, cluster_ids: list[str], canonical_ids: list[str], similarity: np.ndarray
                      ) -> Rows:
    """:func:`table_rows` sorted and packed as Arrow files, to be written as they are."""
    documents, boilerplate, rejects = table_rows(finished, cluster_ids, canonical_ids, similarity)
    packed = {name: _arrow_bytes(frame.sort_values(schema.SORT_KEYS[name], kind="stable", ignore_index=True))
              for name, frame in (("documents", documents), ("boilerplate", boilerplate))}
    return Rows(packed["documents"], packed["boilerplate"], rejects, _removed_of(boilerplate))


def _removed_of(boilerplate: pd.DataFrame) -> tuple[int, int, Counter]:
    """A partition's boilerplate rows, their characters and rows by reason."""
    return (len(boilerplate), int(boilerplate["text"].str.len().sum()),
            Counter(boilerplate["reason"].value_counts().to_dict()))


def rows_path(folder: str | Path, name: str, partition: int) -> str:
    return str(Path(folder) / f"{name}-{partition:05d}.arrow")


def _arrow_bytes(frame: pd.DataFrame) -> bytes:
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def merged_rows(slices: list[tuple[str, int, int]], parts: np.ndarray, columns: list[str] | None = None
                ) -> pd.DataFrame:
    """Rows of a table in its sort order, from the partitions' sorted row files:
    ``slices``: for each partition holding some, in ascending partition order, its file
    and the run of its rows (``lo``..``hi``); ``parts``: the partition of each row, in
    sort order (a partition's rows come in its file's order); ``columns``: these only.
    Only the slices are read (the files are mapped, and let go after)."""
    import pyarrow as pa

    pieces = []
    for path, lo, hi in slices:
        with pa.memory_map(path) as source:
            table = pa.ipc.open_file(source).read_all().slice(lo, hi - lo)
            pieces.append((table.select(columns) if columns else table).combine_chunks())
    table = pa.concat_tables(pieces)
    at = np.empty(parts.size, dtype=np.int64)  # row k of the result is row at[k] of the concatenation
    at[np.argsort(parts, kind="stable")] = np.arange(parts.size)
    return table.take(pa.array(at)).to_pandas()


def row_runs(part: np.ndarray, folder: str | Path, name: str, rows: int
             ) -> Iterator[tuple[np.ndarray, list[tuple[str, int, int]]]]:
    """The table ``name`` in blocks of ``rows`` rows of its sort order (``part``: the
    partition of each row, in that order, not empty): each block's partitions and the
    :func:`merged_rows` slices of the partitions' row files in ``folder`` that hold it."""
    seen = np.zeros(int(part.max()) + 1, dtype=np.int64)  # each partition's rows before the block
    for start in range(0, part.size, rows):
        block = part[start:start + rows]
        holding, counts = np.unique(block, return_counts=True)
        yield block, [(rows_path(folder, name, p), int(seen[p]), int(seen[p] + c))
                      for p, c in zip(holding.tolist(), counts.tolist())]
        seen[holding] += counts


def write_part(path: str, slices: list[tuple[str, int, int]], parts: np.ndarray) -> str:
    """One file of a partitioned table, from its rows in the partitions' row files
    (:func:`merged_rows`), as :func:`~newsdedup.write.write_dataset` writes it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = _one_chunk(merged_rows(slices, parts))
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, compression="zstd")
    return path


# --------------------------------------------------------------------------- the steps (client)


class _Known:
    """``texts[i]`` for the documents fetched (by position), of ``n`` documents."""

    def __init__(self, n: int, texts: dict[int, str]) -> None:
        self.n, self.texts = n, texts

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> str:
        return self.texts[int(i)]


@dataclass
class Placement:
    """Documents held by partitions, in id order: document ``k`` is number ``index[k]`` of
    partition ``part[k]``."""

    ids: list[str]
    part: np.ndarray
    index: np.ndarray
    order: np.ndarray  # positions in the partitions' concatenation, in id order

    @classmethod
    def of(cls, per_partition: list[list[str]]) -> "Placement":
        part = np.repeat(np.arange(len(per_partition)), [len(ids) for ids in per_partition]).astype(np.int64)
        index = np.concatenate([np.arange(len(ids)) for ids in per_partition]).astype(np.int64) \
            if per_partition else np.empty(0, np.int64)
        ids = [d for one in per_partition for d in one]
        order = np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)
        return cls([ids[i] for i in order], part[order], index[order], order)

    def sort(self, values: list) -> list:
        return [values[i] for i in self.order.tolist()]

    def per_partition(self, values: np.ndarray, partition: int) -> np.ndarray:
        """``values`` (one per document, in id order) of the partition's documents, in
        partition order."""
        mine = np.flatnonzero(self.part == partition)
        out = np.empty(mine.size, dtype=values.dtype)
        out[self.index[mine]] = values[mine]
        return out


@dataclass
class Corpus:
    """The readable documents of every partition (``place``), in id order, and what the
    client reads of them; ``every``: every document, rejected ones too, and its rows of
    the boilerplate table."""

    place: Placement
    digests: np.ndarray  # as in Outline
    lengths: np.ndarray
    keys: Sequence[list[str]]  # in memory, or a SpilledColumn (:func:`keys_to_disk`)
    every: Placement
    n_removed: np.ndarray
    stats: KeyStats | None  # of the keys, for the passage index (until its plan is made)

    @property
    def ids(self) -> list[str]:
        return self.place.ids

    @classmethod
    def of(cls, outlines: list[Outline]) -> "Corpus":
        place = Placement.of([o.doc_ids for o in outlines])
        every = Placement.of([o.every_id for o in outlines])

        def flat(name):
            return [x for o in outlines for x in getattr(o, name)]

        def array(name):
            return np.concatenate([getattr(o, name) for o in outlines]) if outlines else np.empty(0, np.int64)

        if outlines and isinstance(outlines[0].keys, np.ndarray):  # written to a spill by keys_to_disk
            keys = SpilledColumn(outlines[0].keys_spill, array("keys")[place.order])
        else:
            keys = place.sort(flat("keys"))
        digests = np.concatenate([o.digests for o in outlines]) if outlines else np.empty((0, 16), np.uint8)
        return cls(place, digests[place.order], array("lengths")[place.order], keys, every,
                   array("n_removed")[every.order], KeyStats.joined([o.stats for o in outlines], place.order))


def keys_to_disk(spill: Spill):
    """A :func:`gather_each` step that moves an outline's paragraph keys, as it arrives,
    into ``spill`` (a file on the client), leaving their items there: the client then holds
    8 bytes a document of them, and matching reads them back (:class:`~.spill.SpilledColumn`)."""
    def each(_: int, outline: Outline) -> Outline:
        outline.keys = spill.put_pickled(outline.keys) if outline.keys and isinstance(outline.keys[0], bytes) \
            else spill.put_lists(outline.keys)
        outline.keys_spill = spill
        return outline
    return each


def candidates(client, finished: list, corpus: Corpus, rep: np.ndarray, config: Config, workers: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """The LSH candidate pairs of the distinct texts (positions in ``corpus``), by a
    shuffle of the partitions' band keys on the workers."""
    shards = max(1, SHARDS_PER_WORKER * workers)
    n = len(corpus.ids)
    if not n:  # no readable document (an empty input: no partition at all)
        return np.empty(0, np.int64), np.empty(0, np.int64)
    positions = np.arange(n, dtype=np.int64)
    distinct = rep == positions
    banded = [client.submit(band_shards, f, corpus.place.per_partition(positions, p), corpus.place.per_partition(distinct, p),
                            config, shards, pure=False) for p, f in enumerate(finished)]
    pairs = [client.submit(bucket_pairs, config.max_bucket_size,
                           *[client.submit(operator.getitem, b, s) for b in banded], pure=False)
             for s in range(shards)]
    found = client.gather(pairs)
    del banded, pairs
    if not found:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return unique_pairs(np.concatenate([a for a, _ in found]), np.concatenate([b for _, b in found]))


def fetched(client, finished: list, corpus: Corpus, wanted: np.ndarray, num_perm: int
            ) -> tuple[dict[int, str], np.ndarray]:
    """The texts (by position) and signatures (a row per ``wanted`` position, in order) of
    the documents at ``wanted`` (sorted positions), from the partitions holding them."""
    tasks = {}
    for p in np.unique(corpus.place.part[wanted]).tolist():
        mine = wanted[corpus.place.part[wanted] == p]
        tasks[p] = (mine, client.submit(fetch, finished[p], corpus.place.index[mine], pure=False))
    texts: dict[int, str] = {}
    sigs = np.empty((wanted.size, num_perm), dtype=np.uint32)
    for mine, future in tasks.values():
        got_texts, got_sigs = future.result()
        texts.update(zip(mine.tolist(), got_texts))
        sigs[np.searchsorted(wanted, mine)] = got_sigs
    return texts, sigs


def deduplicated(client, finished: list, corpus: Corpus, config: Config, workers: int, shingling: list | None = None
                 ) -> Clustering:
    """:func:`~newsdedup.dedup.deduplicate` over the partitions' clean documents, with
    candidates from the workers and only the candidates' texts read here. ``shingling``:
    the passage index's :class:`Shingling` put there (:func:`shingling_on_workers`) once
    the workers' dedup tasks are done, so that it does not hold them up."""
    ids, n = corpus.ids, len(corpus.ids)
    rep = _first_copies((digest.tobytes().hex() for digest in corpus.digests), n)
    a, b = candidates(client, finished, corpus, rep, config, workers)
    wanted = np.unique(np.concatenate([a, b]))
    texts, sigs = fetched(client, finished, corpus, wanted, config.num_perm)
    if shingling is not None:
        shingling.append(shingling_on_workers(client, finished, corpus, config))
    estimate = _estimates(sigs, np.searchsorted(wanted, a), np.searchsorted(wanted, b))
    txt = _Known(n, texts)
    pairs = verify_candidates(ids, txt, config, corpus.keys, rep, a, b, estimate)
    root = connect(n, pairs)
    cluster_of, canonical_of, similarity, clusters, canonical = canonicals(ids, txt, rep, root, config,
                                                                          lengths=corpus.lengths, known=pairs)
    return Clustering(ids, cluster_of, canonical_of, similarity, clusters, canonical, pairs)


@dataclass
class Shingling:
    """The passage index's plan (:func:`~newsdedup.match.long_keys`) and its long keys being
    shingled on the workers: a task per partition holding some, and the long keys it was
    given (``tasks`` None: shingled here while matching)."""

    long: LongKeys
    tasks: list | None  # futures of shingled_keys_of
    ids: list[np.ndarray]  # the long keys of each task

    def shingled(self, client) -> Shingled | None:
        """The tasks' :class:`~newsdedup.match.Shingled`, each result added as it arrives."""
        if self.tasks is None:
            return None
        shingled = Shingled(self.long)

        def added(i: int, got: tuple) -> None:
            shingled.add(self.ids[i], *got)

        gather_each(client, self.tasks, added)
        return shingled.sealed()


SHINGLE_SHARE = 0.15  # of a worker's memory limit its partitions' shingles may take until matching


def fits_on_workers(client, total: float, share: float) -> bool:
    """Whether ``total`` bytes spread evenly over the workers take at most ``share`` of the
    smallest worker memory limit (always, when the workers have none)."""
    limits = [info.get("memory_limit") or 0 for info in client.scheduler_info().get("workers", {}).values()]
    if not limits or not min(limits):
        return True
    return total / len(limits) <= share * min(limits)


def shingling_on_workers(client, finished: list, corpus: Corpus, config: Config) -> Shingling:
    """The passage index's plan, made from the keys' stats sent with the outlines (then
    let go), and its long keys shingled on the workers that hold them (the workers are
    idle while this process verifies candidates), each read where it is first found in
    id order: this process reads again only the texts of the pairs it scores. Not on the
    workers when the shingles (4 bytes each, waiting there until matching) would take more
    than ``SHINGLE_SHARE`` of a worker's memory limit: this process then shingles the long
    keys of the plan while matching (1M synthetic documents on two 3 GB workers: about 1 GB
    a worker, which had one restarted for memory)."""
    long = long_keys(corpus.stats, config)
    shingles = np.maximum(corpus.stats.words[long.first_pos] - config.match_shingle_size + 1, 1).sum()
    corpus.stats = None
    if not fits_on_workers(client, 4 * int(shingles), SHINGLE_SHARE):
        return Shingling(long, None, [])
    doc, para = long.doc_and_para()
    part, index = corpus.place.part[doc], corpus.place.index[doc]
    tasks, ids = [], []
    for p in np.unique(part).tolist():
        mine = np.flatnonzero(part == p)
        tasks.append(client.submit(shingled_keys_of, finished[p], index[mine], para[mine], config.match_shingle_size,
                                   pure=False))
        ids.append(mine)
    return Shingling(long, tasks, ids)


def matched(client, corpus: Corpus, clustering: Clustering, config: Config, shingling: Shingling | None = None
            ) -> pd.DataFrame:
    """The ``paragraph_matches`` table, from the paragraph keys (``shingling``: their long
    keys shingled on the workers, if put there), made from the matches' columns (not a
    tuple a match: 464k of them at 100k documents). The duplicates are aligned with their
    canonicals on a second thread while the workers' shingles arrive and the passage index
    is built and read (as :func:`~newsdedup.match.paragraph_match_columns` runs its halves:
    they share nothing, and much of each runs without the GIL)."""
    ids, keys = corpus.ids, corpus.keys
    with ThreadPoolExecutor(1) as pool:
        within = pool.submit(within_columns, ids, keys, clustering.canonical_ids, config)
        index = None
        if shingling is not None:
            index = passage_index(keys, config, clustering.cluster_ids, shingling.long, shingling.shingled(client))
        across = across_columns(ids, keys, clustering.cluster_ids, config, None, index)
        return matches_table(merged_columns(ids, within.result(), across))


def rows_on_workers(client, finished: list, corpus: Corpus, clustering: Clustering, folder: Path,
                    partitioned: bool = False) -> list:
    """The futures of each partition's sorted rows of ``documents`` and ``boilerplate``
    (:class:`Rows`), made on the workers once the clusters are known, while this process
    matches paragraphs: returned to it, or written to ``folder/rows`` there with
    ``partitioned``. ``finished`` emptied: each partition's clean documents are let go once
    its rows are made."""
    cluster_ids = np.array(clustering.cluster_ids, dtype=object)
    canonical_ids = np.array(clustering.canonical_ids, dtype=object)
    place = corpus.place
    rows_folder = folder / ROWS
    rows_folder.mkdir()
    rows = [client.submit(table_rows_sorted, f, *_clusters_of(place, p, cluster_ids, canonical_ids, clustering),
                          pure=False) if not partitioned else
            client.submit(write_rows, f, *_clusters_of(place, p, cluster_ids, canonical_ids, clustering),
                          str(rows_folder), p, pure=False)
            for p, f in enumerate(finished)]
    finished.clear()
    return rows


def tables_of(client, rows: list, corpus: Corpus, clustering: Clustering, folder: Path,
              partitioned: bool = False, rows_per_file: int = 0) -> dict[str, Any]:
    """Every table but ``paragraph_matches``: ``clusters`` and ``pairs`` made here,
    ``rejects`` from the partitions' ``rows`` (:func:`rows_on_workers`), ``documents`` and
    ``boilerplate`` as one :class:`~.dask_tables.DaskTables` over each partition's sorted
    rows in ``folder/rows``: written here as each partition's rows arrive (``rows``
    emptied), or written there by the workers with ``partitioned``, which then also write
    the partitioned Parquet files of ``rows_per_file`` rows
    (``folder/documents/part-00000.parquet``, ...)."""
    from .dask_tables import DaskTables

    rows_folder = folder / ROWS
    made = gather_each(client, rows, lambda p, got: _kept_on_disk(got, rows_folder, p))
    tables: dict[str, Any] = build_tables([], clustering)  # clusters and pairs (and empty per-document tables)
    if made:
        tables["rejects"] = _one_chunk(pd.concat([m.rejects for m in made], ignore_index=True).sort_values(
            schema.SORT_KEYS["rejects"], kind="stable", ignore_index=True))
    removed = (sum(m.removed[0] for m in made), sum(m.removed[1] for m in made),
               sum((m.removed[2] for m in made), Counter()))
    del made
    every = corpus.every
    parts = {"documents": every.part, "boilerplate": np.repeat(every.part, corpus.n_removed)}
    if partitioned:
        _write_partitioned(client, parts, rows_folder, folder, rows_per_file, tables)
    tables["documents"] = tables["boilerplate"] = DaskTables(rows_folder, parts, removed, files=folder,
                                                             owned=None if partitioned else folder)
    return tables


def _kept_on_disk(rows: Rows, folder: Path, partition: int) -> Rows:
    """A partition's rows of ``documents`` and ``boilerplate`` written to its files in
    ``folder`` (if they came here), and let go."""
    for name in ("documents", "boilerplate"):
        packed = getattr(rows, name)
        if packed:
            with open(rows_path(folder, name, partition), "wb") as fh:
                fh.write(packed)
    return Rows(b"", b"", rows.rejects, rows.removed)


ROWS = "rows"  # the folder of each partition's sorted rows, in the workers' folder


def _clusters_of(place: Placement, p: int, cluster_ids: np.ndarray, canonical_ids: np.ndarray,
                 clustering: Clustering) -> tuple[list[str], list[str], np.ndarray]:
    return (place.per_partition(cluster_ids, p).tolist(), place.per_partition(canonical_ids, p).tolist(),
            place.per_partition(clustering.similarity, p))


def gather_each(client, futures: list, each=None) -> list:
    """The futures' results in their order, each fetched as soon as it is ready and its
    future released (``futures`` emptied), so the workers do not hold every result until
    the last one is done; ``each(i, result)``: what is kept of result ``i`` instead."""
    from distributed import as_completed

    place = {future.key: i for i, future in enumerate(futures)}
    results: list = [None] * len(futures)
    done = as_completed(futures)
    futures.clear()
    for future in done:
        i = place[future.key]
        results[i] = future.result() if each is None else each(i, future.result())
        future = None  # noqa: F841 - the result released on its worker
    return results


def _write_partitioned(client, parts: dict[str, np.ndarray], rows_folder: Path, folder: Path, rows_per_file: int,
                       empty: dict[str, pd.DataFrame]) -> None:
    """``documents`` and ``boilerplate`` written by the workers into ``folder``, a file of
    the table's sort order a task, made from the runs of rows of the partitions that hold
    some of its rows (``parts``: the partition of every row of each table, in sort order)."""
    writing = []
    for name, part in parts.items():
        if not part.size:  # an empty table: one file, with its columns
            write_dataset(empty[name], folder / name, rows_per_file)
            continue
        (folder / name).mkdir()
        for f, (block, slices) in enumerate(row_runs(part, rows_folder, name, rows_per_file)):
            writing.append(client.submit(write_part, str(folder / name / f"part-{f:05d}.parquet"), slices, block,
                                         pure=False))
    client.gather(writing)


def _one_chunk(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with each Arrow-backed column in one chunk, as a table built in one piece
    has it (Parquet's dictionary encoding falls back at other rows across chunks: the
    same rows would give other bytes)."""
    import pyarrow as pa

    for name in df.columns:
        array = df[name].array
        if isinstance(df[name].dtype, pd.StringDtype) and hasattr(array, "__arrow_array__"):
            df[name] = pd.array(pa.chunked_array(array.__arrow_array__()).combine_chunks(), dtype=df[name].dtype)
    return df
