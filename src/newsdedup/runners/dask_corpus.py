"""The Dask runner's corpus-wide steps, with the clean corpus left on the workers.

Each partition's clean documents and signatures (:class:`Finished`) stay on the worker
that made them, held by their future. The client gathers an :class:`Outline` of each
partition (ids, a digest of each text's compare key, text lengths, paragraph keys and
their word counts: what exact-copy detection, canonical choice and paragraph matching
read), then:

1. **banding as a shuffle**: every partition computes the LSH band keys of its distinct
   texts (:func:`band_shards`), split by key into ``shards`` pieces; a task per shard
   takes that shard's piece of every partition and makes the candidate pairs of its
   buckets (:func:`bucket_pairs`), so a bucket is whole in one task and its members are
   ordered by their position in the id-sorted corpus, as
   :func:`~newsdedup.dedup.lsh.candidate_pairs` orders them (``max_bucket_size``: the same
   star). Only candidate pairs come back;
2. the texts and signatures of the documents of candidate pairs only (:func:`fetch`) for
   :func:`~newsdedup.dedup.verify_candidates`; connect and canonicals here;
3. paragraph matching here, from the paragraph keys;
4. per partition, its rows of the ``documents``, ``boilerplate`` and ``rejects`` tables
   (:func:`table_rows`), given its documents' clusters.
"""

from __future__ import annotations

import hashlib
import operator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import schema
from ..clean import Cleaned
from ..config import Config
from ..dedup import Clustering, _estimates, _first_copies, canonicals, connect, verify_candidates
from ..dedup.lsh import band_key, optimal_bands
from ..dedup.signatures import MAX_HASH
from .._arrays import group_bounds, pairs_in_groups, unique_pairs
from ..match import paragraph_matches
from ..tables import build_tables, documents_columns, matches_table

SHARDS_PER_WORKER = 2  # band-key shards per worker


@dataclass
class Finished:
    """A partition's clean documents, and the MinHash signatures of the readable ones."""

    cleaned: list[Cleaned]
    signatures: np.ndarray


@dataclass
class Outline:
    """What the client reads of a partition's readable documents (in partition order)."""

    doc_ids: list[str]
    digests: list[str]  # a digest of each text's compare key (equal keys, equal digests)
    lengths: np.ndarray  # characters of each clean text
    keys: list[list[str]]  # the paragraphs' compare keys...
    words: list[list[int]]  # ...and their word counts


# --------------------------------------------------------------------------- tasks (workers)


def outline_of(finished: Finished) -> Outline:
    good = [c for c in finished.cleaned if c.error is None]
    return Outline([c.doc_id for c in good],
                   [hashlib.blake2b(" ".join(c.keys).encode("utf-8"), digest_size=16).hexdigest() for c in good],
                   np.fromiter((len(c.text) for c in good), dtype=np.int64, count=len(good)),
                   [c.keys for c in good], [c.n_words for c in good])


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
class Corpus:
    """The readable documents of every partition in the id-sorted order: ``part[k]``,
    ``index[k]`` say where document ``k`` is held."""

    ids: list[str]
    part: np.ndarray
    index: np.ndarray
    digests: list[str]
    lengths: np.ndarray
    keys: list[list[str]]
    words: list[list[int]]

    @classmethod
    def of(cls, outlines: list[Outline]) -> "Corpus":
        part = np.repeat(np.arange(len(outlines)), [len(o.doc_ids) for o in outlines])
        index = np.concatenate([np.arange(len(o.doc_ids)) for o in outlines]) if outlines else np.empty(0, np.int64)
        ids = [d for o in outlines for d in o.doc_ids]
        order = sorted(range(len(ids)), key=ids.__getitem__)

        def flat(name):
            return [x for o in outlines for x in getattr(o, name)]

        def sort(values):
            return [values[i] for i in order]

        lengths = np.concatenate([o.lengths for o in outlines]) if outlines else np.empty(0, np.int64)
        return cls(sort(ids), part[order], index[order], sort(flat("digests")), lengths[order],
                   sort(flat("keys")), sort(flat("words")))

    def per_partition(self, values: np.ndarray, partition: int) -> np.ndarray:
        """``values`` (one per document, in sorted order) of the partition's documents, in
        partition order."""
        mine = np.flatnonzero(self.part == partition)
        out = np.empty(mine.size, dtype=values.dtype)
        out[self.index[mine]] = values[mine]
        return out


def candidates(client, finished: list, corpus: Corpus, rep: np.ndarray, config: Config, workers: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """The LSH candidate pairs of the distinct texts (positions in ``corpus``), by a
    shuffle of the partitions' band keys on the workers."""
    shards = max(1, SHARDS_PER_WORKER * workers)
    n = len(corpus.ids)
    positions = np.arange(n, dtype=np.int64)
    distinct = rep == positions
    banded = [client.submit(band_shards, f, corpus.per_partition(positions, p), corpus.per_partition(distinct, p),
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
    for p in np.unique(corpus.part[wanted]).tolist():
        mine = wanted[corpus.part[wanted] == p]
        tasks[p] = (mine, client.submit(fetch, finished[p], corpus.index[mine], pure=False))
    texts: dict[int, str] = {}
    sigs = np.empty((wanted.size, num_perm), dtype=np.uint32)
    for mine, future in tasks.values():
        got_texts, got_sigs = future.result()
        texts.update(zip(mine.tolist(), got_texts))
        sigs[np.searchsorted(wanted, mine)] = got_sigs
    return texts, sigs


def deduplicated(client, finished: list, corpus: Corpus, config: Config, workers: int) -> Clustering:
    """:func:`~newsdedup.dedup.deduplicate` over the partitions' clean documents, with
    candidates from the workers and only the candidates' texts read here."""
    ids, n = corpus.ids, len(corpus.ids)
    rep = _first_copies(corpus.digests, n)
    a, b = candidates(client, finished, corpus, rep, config, workers)
    wanted = np.unique(np.concatenate([a, b]))
    texts, sigs = fetched(client, finished, corpus, wanted, config.num_perm)
    estimate = _estimates(sigs, np.searchsorted(wanted, a), np.searchsorted(wanted, b))
    txt = _Known(n, texts)
    pairs = verify_candidates(ids, txt, config, corpus.keys, rep, a, b, estimate)
    root = connect(n, pairs)
    cluster_of, canonical_of, similarity, clusters, canonical = canonicals(ids, txt, rep, root, config,
                                                                          lengths=corpus.lengths)
    return Clustering(ids, cluster_of, canonical_of, similarity, clusters, canonical, pairs)


def matched(corpus: Corpus, clustering: Clustering, config: Config) -> pd.DataFrame:
    """The ``paragraph_matches`` table, from the paragraph keys."""
    return matches_table(paragraph_matches(corpus.ids, corpus.keys, clustering.cluster_ids,
                                           clustering.canonical_ids, config, corpus.keys, corpus.words))


def tables_of(client, finished: list, corpus: Corpus, clustering: Clustering) -> dict[str, pd.DataFrame]:
    """Every table but ``paragraph_matches``: the per-document ones from the partitions'
    rows, ``clusters`` and ``pairs`` here."""
    cluster_ids = np.array(clustering.cluster_ids, dtype=object)
    canonical_ids = np.array(clustering.canonical_ids, dtype=object)
    parts = client.gather([client.submit(table_rows, f, corpus.per_partition(cluster_ids, p).tolist(),
                                         corpus.per_partition(canonical_ids, p).tolist(),
                                         corpus.per_partition(clustering.similarity, p), pure=False)
                           for p, f in enumerate(finished)])
    tables = build_tables([], clustering)  # clusters and pairs (and empty per-document tables)
    for k, name in enumerate(("documents", "boilerplate", "rejects")):
        frames = [part[k] for part in parts]
        whole = pd.concat(frames, ignore_index=True) if frames else tables[name]
        tables[name] = whole.sort_values(schema.SORT_KEYS[name], kind="stable", ignore_index=True) if len(whole) \
            else tables[name]
    return tables
