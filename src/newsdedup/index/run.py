"""A run with an index: one drop read, cleaned (with the index's template evidence),
deduplicated and matched against the index, and added to it in one transaction."""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from .. import schema
from ..clean import Cleaned, KeySummary
from ..config import Config
from ..read import Input
from ..records import Record
from ..result import Result, peak_memory
from ..runners.local import Progress, _frozen, _timed, read_and_clean
from ..tables import build_tables
from .incremental import DropDedup, deduplicate_drop
from .store import LOCK_TIMEOUT_S, IncompatibleIndex, Store, compress, pack_summary, refused_if_damaged

TEMPLATE_DOCS_PER_KEY = 64  # earlier documents read per furniture-shaped key of the drop


def resubmitted_reason(drop: str) -> str:
    return f"already in the index (drop {drop})"


def run_drop(inputs: Input | Iterable[Input], config: Config, index: str | os.PathLike, *, drop: str | None = None,
             dry_run: bool = False, progress: Progress | None = None,
             before_commit: Callable[[Result], None] | None = None, timeout: float = LOCK_TIMEOUT_S) -> Result:
    """The drop ``inputs`` against ``index`` (created if missing, unless ``dry_run``).
    ``before_commit(result)`` runs before the drop is added (the CLI writes the outputs
    there); the drop is added only when every gate passes and not ``dry_run``."""
    path = os.fspath(index)
    store = Store(None if dry_run and not os.path.exists(path) else path, write=not dry_run, create=not dry_run,
                  timeout=timeout, full_check=False)
    try:
        return _run_drop(store, path, inputs, config, drop, dry_run, progress, before_commit)
    except sqlite3.DatabaseError as exc:
        raise refused_if_damaged(path, exc) from None
    finally:
        store.close()


def _run_drop(store: Store, path: str, inputs: Input | Iterable[Input], config: Config, drop: str | None,
              dry_run: bool, progress: Progress | None, before_commit: Callable[[Result], None] | None) -> Result:
    store.check_settings(config)
    seq, name = store.next_drop()
    if drop is not None:
        if store.drop_seq(drop) is not None:
            raise IncompatibleIndex(f"{path}: a drop named {drop!r} is already in the index", "drop")
        name = drop
    timings: dict[str, float] = {}
    known: dict[str, str] = {}
    own: list[tuple[str, KeySummary]] = []

    def screen(records: list[Record]) -> tuple[list[Record], list[Cleaned]]:
        known.update(store.known(r.doc_id for r in records))
        return ([r for r in records if r.doc_id not in known],
                [Cleaned(doc_id=r.doc_id, source=r.source, raw_chars=r.raw_chars, url=r.url, title=r.title,
                         date=r.date, error=resubmitted_reason(known[r.doc_id]), warning=r.warning)
                 for r in records if r.doc_id in known])

    def prior(summaries: list[tuple[str, KeySummary]]) -> list[tuple[str, KeySummary]]:
        own.extend(summaries)
        return earlier_summaries(store, summaries, config)

    skipped: Counter = Counter()
    cleaned, _evidence = read_and_clean(inputs, config, progress, timings, screen, prior, skipped)
    good = [c for c in cleaned if c.error is None]
    with _frozen():
        with _timed(timings, "dedup"):
            decided = deduplicate_drop(store, good, config)
        with _timed(timings, "tables"):
            tables = build_tables(cleaned, decided.clustering, decided.matches)
    merges = schema.frame([(name, old, new) for old, new in decided.merges], schema.MERGES,
                          schema.SORT_KEYS["merges"])
    result = Result(**tables, config=config, timings=timings, skipped=dict(skipped), memory=peak_memory(),
                    merges=merges, index={"path": path, "drop": name, "dry_run": dry_run, "added": False,
                           "resubmitted": len(known)})
    result.index["added"] = not dry_run and not result.gate_failures  # what is about to happen
    if before_commit is not None:
        before_commit(result)
    if not result.index["added"]:
        return result
    with _timed(timings, "commit"):
        _add(store, seq, name, cleaned, set(known), result.documents, decided, own, *_blobs(cleaned, own))
        store.commit()
    return result


def _blobs(cleaned: list[Cleaned], own: list[tuple[str, KeySummary]]) -> tuple[dict[str, bytes], list[bytes]]:
    """What the commit stores that takes time to make: the compressed clean text of each
    readable document, and the packed template summaries of ``own`` (in its order)."""
    text = {c.doc_id: c.text for c in cleaned if c.error is None}
    return {d: compress(t) for d, t in text.items()}, [pack_summary(s, text.get(d)) for d, s in own]


def earlier_summaries(store: Store, summaries: list[tuple[str, KeySummary]], config: Config
                      ) -> list[tuple[str, KeySummary]]:
    """The stored summaries of earlier documents that share a furniture-shaped paragraph
    with the drop (what the template search over drop and index together reads)."""
    if not summaries:
        return []
    shaped = np.concatenate([s.keys[s.shaped] for _, s in summaries])
    rows = store.docs_with_shaped_keys(shaped.view(np.int64), TEMPLATE_DOCS_PER_KEY)
    return store.summaries(rows)


def _add(store: Store, seq: int, name: str, cleaned: list[Cleaned], skipped: set[str], documents: pd.DataFrame,
         decided: DropDedup, own: list[tuple[str, KeySummary]], texts: dict[str, bytes], summaries: list[bytes]
         ) -> None:
    """The drop's records (all but re-submitted ones), band keys, template summaries, and
    its changes to earlier documents, into the open transaction (``texts``, ``summaries``:
    see :func:`_blobs`)."""
    store.add_drop(seq, name)
    error = {c.doc_id: c.error for c in cleaned}
    at = {d: i for i, d in enumerate(decided.clustering.doc_ids)}
    rows = []
    for r in documents.itertuples(index=False):
        if r.doc_id in skipped:
            continue
        i = at.get(r.doc_id)
        rows.append((r.doc_id, seq, _value(r.source), _value(r.url), _value(r.title), _value(r.date), r.status,
                     _value(r.cluster_id), _value(r.canonical_id), None if pd.isna(r.similarity) else float(r.similarity),
                     int(r.raw_chars), int(r.clean_chars), _value(r.warning), _value(r.flags), error.get(r.doc_id),
                     None if i is None else texts[r.doc_id],
                     None if i is None else decided.signatures[i].tobytes()))
    store.insert_documents(rows)
    row_of = dict(store.rows(store.ids_of(decided.clustering.doc_ids + [d for d, _ in own]), "doc_id, id"))
    live = decided.live
    rows_of_drop = np.array([row_of[d] for d in decided.clustering.doc_ids], dtype=np.int64)[live]
    keys = decided.band_keys[live]
    store.insert_bands(keys.ravel(), np.repeat(rows_of_drop, keys.shape[1]))
    every_row = np.array([row_of[d] for d in decided.clustering.doc_ids], dtype=np.int64)
    store.insert_paragraphs(decided.paragraph_keys, every_row[decided.paragraph_docs])
    store.insert_summaries(
        ((row_of[d], blob) for (d, _), blob in zip(own, summaries)),
        ((int(k), row_of[d]) for d, s in own for k in s.keys[s.shaped].view(np.int64).tolist()))
    store.update_documents(seq, decided.updates)
    store.insert_merges(seq, decided.merges)


def _value(v):
    return None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v


__all__ = ["run_drop", "resubmitted_reason"]
