"""A drop deduplicated against itself and the index, with the steps of one run.

1. sign the drop's clean texts and look its LSH band keys up in the index: the earlier
   documents that share a band with a drop document are the only ones a single run over
   everything would have paired with it;
2. :func:`~newsdedup.dedup.examine` (candidates and verification) over the drop plus
   those earlier documents; pairs of two earlier documents were decided by their own
   drops and are dropped;
3. connect: union-find over the duplicate pairs, each stored cluster one node;
4. canonicals, with stable ids: a component of new documents only is a new cluster
   (its id and canonical as one run gives them); a component that reaches one stored
   cluster joins it (its id and its accepted canonical stay, even when the new copy is
   more complete); one that reaches several merges them: the id of the cluster with the
   smallest member doc id survives, the others are recorded in ``merges``, and the most
   complete of their canonicals becomes the canonical of all (the others turn
   ``duplicate``).

Paragraph matches are searched among the drop, the earlier candidates, the canonicals
of the clusters the drop joins and the earlier documents holding one of the drop's long
paragraphs (``paragraphs`` in the index holds those of kept documents; the members of
their clusters come with them: a passage shared with an unrelated earlier story); only
matches with a drop document are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..clean import Cleaned
from ..clean.paragraphs import split_clean
from ..config import Config
from ..dedup import Clustering, PairTable, examine, similarities
from ..dedup.cluster import canonical_index, cluster_id, connected_components
from ..dedup.lsh import band_key, optimal_bands
from ..dedup.signatures import MAX_HASH, signatures
from ..dedup.verify import DUPLICATE_KINDS
from ..match import Match, match_threads, paragraph_matches
from ..normalize import compare_keys, line_stats, word_counts
from ..schema import DUPLICATE, KEPT
from .store import Store, decompress


@dataclass
class _Doc:
    doc_id: str
    text: str
    keys: list[str]
    n_words: list[int]
    new: bool
    row: int = -1  # row id in the index (earlier documents)
    cluster_id: str | None = None  # stored (earlier documents)
    canonical_id: str | None = None


@dataclass
class DropDedup:
    """What a drop decides: its documents' clustering (``Clustering`` over the drop's
    readable documents; clusters with all their members), its matches, the merges, and
    the changes to earlier documents."""

    clustering: Clustering
    matches: list[Match]
    merges: list[tuple[str, str]]
    updates: list[tuple[int, str, str, str, float]]  # (row, status, cluster_id, canonical_id, similarity)
    signatures: np.ndarray  # of the drop's documents, in clustering.doc_ids order
    band_keys: np.ndarray  # (documents, bands) int32; rows of texts without words are not stored
    live: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    paragraph_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # of the kept documents: see paragraph_keys32
    paragraph_docs: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # their documents (positions)


def band_keys32(sigs: np.ndarray, config: Config) -> np.ndarray:
    """The low 32 bits of every band key of every signature, as int32 (the index's lookup key)."""
    bands, rows = optimal_bands(config.candidate_threshold, config.num_perm)
    keys = np.empty((sigs.shape[0], bands), dtype=np.int32)
    for band in range(bands):
        keys[:, band] = band_key(sigs, band, rows).astype(np.uint32).view(np.int32)
    return keys


def paragraph_keys32(docs: Sequence[Cleaned], config: Config) -> tuple[np.ndarray, np.ndarray]:
    """The distinct long paragraphs (``match_min_words`` words or more: those matched
    across clusters) of each document, as the low 32 bits of their compare key's hash
    (int32), and the position of their document in ``docs``."""
    keys, at = [], []
    for i, c in enumerate(docs):
        if not c.keys:
            continue
        long = np.asarray(c.n_words) >= config.match_min_words
        hashes = np.unique(line_stats(c.keys)[1][long].astype(np.uint32).view(np.int32))
        keys.append(hashes)
        at.append(np.full(hashes.size, i, dtype=np.int64))
    if not keys:
        return np.zeros(0, np.int32), np.zeros(0, np.int64)
    return np.concatenate(keys), np.concatenate(at)


def _earlier(store: Store, rows: Sequence[int]) -> list[_Doc]:
    docs = []
    for row, doc_id, _status, cid, canon, _sim, blob in store.rows(rows):
        text = decompress(blob)
        keys = compare_keys(split_clean(text))
        docs.append(_Doc(doc_id, text, keys, word_counts(keys).tolist(), False, row, cid, canon))
    return docs


def deduplicate_drop(store: Store, good: Sequence[Cleaned], config: Config) -> DropDedup:
    """Cluster the drop's readable documents ``good`` (sorted by doc id) with the index."""
    texts = [c.text for c in good]
    sigs = signatures(texts, config.num_perm, config.seed, config.shingle_size, threads=config.n_workers)
    live = (sigs != MAX_HASH).any(axis=1)
    keys32 = band_keys32(sigs, config)
    earlier = _earlier(store, store.sharing_bands(keys32[live].ravel()))
    new = [_Doc(c.doc_id, c.text, c.keys, c.n_words, True) for c in good]
    docs = sorted(new + earlier, key=lambda d: d.doc_id)
    ids = [d.doc_id for d in docs]
    examined = examine(ids, [d.text for d in docs], config, [d.keys for d in docs])
    is_new = np.array([d.new for d in docs], dtype=bool)
    pairs = examined.pairs.select(is_new[examined.pairs.a] | is_new[examined.pairs.b])
    root = _connect(docs, pairs)

    clusters, merges, assigned = _assign(store, docs, root)
    by_id = {d.doc_id: d for d in docs}
    # documents whose text the similarities and the matching need: canonicals, merged members
    wanted = {canon for _cid, canon, _members in assigned.values()}
    wanted |= {m for cid, canon, members in assigned.values() for m in members if cid in {n for _, n in merges}}
    missing = store.ids_of(sorted(wanted - by_id.keys()))
    for d in _earlier(store, missing):
        by_id[d.doc_id] = d
    status_of, cluster_of, canonical_of, similarity_of = _decisions(by_id, assigned, config)

    updates = [(by_id[m].row, status_of[m], cluster_of[m], canonical_of[m], similarity_of[m])
               for m in sorted(cluster_of) if not by_id[m].new
               and (cluster_of[m], canonical_of[m]) != (by_id[m].cluster_id, by_id[m].canonical_id)]
    drop_ids = [c.doc_id for c in good]
    clustering = Clustering(
        doc_ids=drop_ids,
        cluster_ids=[cluster_of[d] for d in drop_ids],
        canonical_ids=[canonical_of[d] for d in drop_ids],
        similarity=np.array([similarity_of[d] for d in drop_ids], dtype=np.float64),
        clusters={cid: members for cid, members in clusters.items()},
        canonical={cid: canon for cid, (_, canon, _) in assigned.items()},
        pairs=pairs,
    )
    para_keys, para_docs = paragraph_keys32(good, config)
    passages = _sharing_passages(store, para_keys, {d.row for d in by_id.values() if not d.new}, config)
    matches = _matches({**passages, **by_id}, cluster_of, canonical_of, config)
    kept = np.array([canonical_of[d] == d for d in drop_ids], dtype=bool)
    stored = kept[para_docs] if para_docs.size else np.zeros(0, bool)
    return DropDedup(clustering, matches, merges, updates, sigs, keys32, live, para_keys[stored], para_docs[stored])


def _sharing_passages(store: Store, para_keys: np.ndarray, at_hand: set[int], config: Config) -> dict[str, _Doc]:
    """The earlier documents not ``at_hand`` (row ids) holding a long paragraph of the
    drop held by at most ``match_max_postings`` kept documents (one printed in more
    proposes no pairs): the kept documents whose paragraphs the index holds (a
    duplicate's are left out: its canonical holds most of them) and the members of their
    clusters (at most ``match_max_postings`` + 1 of each)."""
    cap = config.match_max_postings + 1
    sharing = store.docs_with_paragraphs(para_keys, config.match_max_postings)
    found = _earlier(store, [r for r in sharing if r not in at_hand])
    rows = {d.row for d in found}
    members: list[int] = []
    for cid in sorted({d.cluster_id for d in found if d.cluster_id is not None}):
        members.extend(r for r in store.cluster_members([cid])[:cap] if r not in at_hand and r not in rows)
    return {d.doc_id: d for d in found + _earlier(store, sorted(set(members)))}


def _connect(docs: list[_Doc], pairs: PairTable) -> np.ndarray:
    """Union-find over the duplicate pairs and the stored clusters (earlier documents of
    one stored cluster are linked to its first one here)."""
    duplicate = np.isin(pairs.kind, DUPLICATE_KINDS)
    edges = list(zip(pairs.a[duplicate].tolist(), pairs.b[duplicate].tolist()))
    first_of: dict[str, int] = {}
    for i, d in enumerate(docs):
        if not d.new and d.cluster_id is not None:
            edges.append((first_of.setdefault(d.cluster_id, i), i))
    return connected_components(len(docs), edges)


def _assign(store: Store, docs: list[_Doc], root: np.ndarray):
    """Per cluster the drop touches: ``(cluster_id, canonical doc id, member doc ids)``,
    keyed by cluster id; the merges ``(old, new)``; and all members by cluster."""
    groups: dict[int, list[int]] = {}
    for i, r in enumerate(root.tolist()):
        groups.setdefault(r, []).append(i)
    touched = [ms for ms in groups.values() if any(docs[m].new for m in ms)]
    stored = {docs[m].cluster_id for ms in touched for m in ms if not docs[m].new}
    info = store.cluster_info(stored)
    lengths = [len(d.text) for d in docs]
    ids = [d.doc_id for d in docs]
    assigned: dict[str, tuple[str, str, list[str]]] = {}
    clusters: dict[str, list[str]] = {}
    merges: list[tuple[str, str]] = []
    for ms in touched:
        new = [m for m in ms if docs[m].new]
        olds = sorted({docs[m].cluster_id for m in ms if not docs[m].new})
        if not olds:
            cid = cluster_id(ids[new[0]])
            canon = ids[canonical_index(new, lengths, ids) if len(new) > 1 else new[0]]
            members = [ids[m] for m in new]
        else:
            cid = min(olds, key=lambda c: info[c][0])
            canon = min((info[c][1] for c in olds), key=lambda d: (-_length(info, d), d))
            merges.extend((c, cid) for c in olds if c != cid)
            earlier_members = [doc_id for _, doc_id in store.rows(store.cluster_members(olds), "id, doc_id")]
            members = sorted(set(earlier_members) | {ids[m] for m in new})
        assigned[cid] = (cid, canon, members)
        clusters[cid] = members
    return clusters, sorted(merges), assigned


def _length(info: dict[str, tuple[str, str, int]], doc_id: str) -> int:
    return next(length for _, canon, length in info.values() if canon == doc_id)


def _decisions(by_id: dict[str, _Doc], assigned, config: Config):
    """Status, cluster, canonical and similarity of every document whose values the drop
    sets: its own, and earlier members of merged clusters."""
    status_of, cluster_of, canonical_of, similarity_of = {}, {}, {}, {}
    pairs = []
    for cid, canon, members in assigned.values():
        for m in members:
            if m not in by_id:  # an earlier member of a cluster joined, not merged: unchanged
                continue
            d = by_id[m]
            if not d.new and d.cluster_id == cid and d.canonical_id == canon:
                continue
            cluster_of[m], canonical_of[m] = cid, canon
            status_of[m] = KEPT if m == canon else DUPLICATE
            pairs.append((m, canon))
    texts = {m: by_id[m].text for pair in pairs for m in pair}
    order = sorted(texts)
    at = {m: i for i, m in enumerate(order)}
    differ = [(x, c) for x, c in pairs if by_id[x].keys != by_id[c].keys]
    sims = similarities([texts[m] for m in order], np.array([at[x] for x, _ in differ], dtype=np.int64),
                        np.array([at[c] for _, c in differ], dtype=np.int64), config) if differ else []
    for m, _ in pairs:
        similarity_of[m] = 1.0
    for (x, _), s in zip(differ, np.asarray(sims).tolist()):
        similarity_of[x] = s
    return status_of, cluster_of, canonical_of, similarity_of


def _matches(by_id: dict[str, _Doc], cluster_of: dict[str, str], canonical_of: dict[str, str],
             config: Config) -> list[Match]:
    """Paragraph matches of the drop's documents with each other and with the earlier
    documents at hand; earlier documents are not aligned again with their canonicals."""
    docs = [by_id[k] for k in sorted(by_id)]
    ids = [d.doc_id for d in docs]
    clusters = [cluster_of.get(d.doc_id) or d.cluster_id or f"earlier:{d.doc_id}" for d in docs]
    canonicals = [canonical_of[d.doc_id] if d.new else d.doc_id for d in docs]
    found = paragraph_matches(ids, [split_clean(d.text) for d in docs], clusters, canonicals, config,
                              [d.keys for d in docs], [d.n_words for d in docs],
                              threads=match_threads(config))
    new = {d.doc_id for d in docs if d.new}
    return [m for m in found if m[0] in new or m[2] in new]
