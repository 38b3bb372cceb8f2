"""``newsdedup.Index``: what a corpus index holds, its export, and taking a drop back out."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from .. import schema
from ..clean import Cleaned, KeySummary
from ..clean.paragraphs import split_clean
from ..config import Config
from ..normalize import compare_keys, word_counts
from ..tables import build_tables
from .incremental import deduplicate_drop
from .run import _add, _blobs
from .store import LOCK_TIMEOUT_S, NotAnIndex, Store, decompress

EXPORT_DOCUMENTS = {**schema.DOCUMENTS, "drop": schema.STRING}


class Index:
    """A corpus index file (see :mod:`newsdedup.index.store`).

    >>> with Index.open("corpus.ndx") as index:        # doctest: +SKIP
    ...     index.info()["documents"]
    """

    def __init__(self, path: str | os.PathLike, timeout: float = LOCK_TIMEOUT_S):
        self.path, self.timeout = Path(path), timeout

    @classmethod
    def open(cls, path: str | os.PathLike, timeout: float = LOCK_TIMEOUT_S) -> "Index":
        """The index at ``path``; :class:`NotAnIndex` if it is missing, not an index or damaged."""
        index = cls(path, timeout)
        index._read().close()
        return index

    def __enter__(self) -> "Index":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def _read(self) -> Store:
        return Store(self.path, timeout=self.timeout)

    def config(self) -> Config:
        """The settings the index was built with (others at their defaults)."""
        store = self._read()
        try:
            return Config(**(store.settings() or {}))
        finally:
            store.close()

    def info(self) -> dict[str, Any]:
        """Drops (name, documents), documents by status, clusters, settings, size on disk."""
        store = self._read()
        try:
            db = store.db
            drops = [{"drop": name, "documents": n} for name, n in db.execute(
                "SELECT r.name, COUNT(d.id) FROM drops r LEFT JOIN documents d ON d.drop_seq = r.seq "
                "GROUP BY r.seq ORDER BY r.seq")]
            status = dict(db.execute("SELECT status, COUNT(*) FROM documents GROUP BY status ORDER BY status"))
            n_docs = sum(status.values())
            sig, text = db.execute("SELECT COALESCE(SUM(LENGTH(signature)), 0), COALESCE(SUM(LENGTH(text)), 0) "
                                   "FROM documents").fetchone()
            size = self.path.stat().st_size
            return {
                "path": str(self.path),
                "drops": drops,
                "documents": n_docs,
                "by_status": status,
                "clusters": db.execute("SELECT COUNT(DISTINCT cluster_id) FROM documents").fetchone()[0],
                "merges": db.execute("SELECT COUNT(*) FROM merges").fetchone()[0],
                "settings": store.settings() or {},
                "size_bytes": size,
                "bytes_per_document": {"signatures": _per(sig, n_docs), "text": _per(text, n_docs),
                                       "rest": _per(size - sig - text, n_docs)},
            }
        finally:
            store.close()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The corpus as it stands: ``documents`` (a run's columns and ``drop``) and ``clusters``."""
        store = self._read()
        try:
            rows = store.db.execute(
                "SELECT d.doc_id, d.source, d.url, d.title, d.date, d.status, d.cluster_id, d.canonical_id, "
                "d.similarity, d.text, d.raw_chars, d.clean_chars, d.warning, d.flags, r.name FROM documents d "
                "JOIN drops r ON r.seq = d.drop_seq ORDER BY d.doc_id").fetchall()
        finally:
            store.close()
        documents = schema.frame([r[:9] + (None if r[9] is None else decompress(r[9]),) + r[10:] for r in rows],
                                 EXPORT_DOCUMENTS, ["doc_id"])
        members: dict[str, list[str]] = {}
        canonical: dict[str, str] = {}
        for r in rows:
            if r[6] is not None:
                members.setdefault(r[6], []).append(r[0])
                canonical[r[6]] = r[7]
        clusters = schema.frame([{"cluster_id": c, "size": len(m), "canonical_id": canonical[c], "member_ids": m}
                                 for c, m in members.items()], schema.CLUSTERS, ["cluster_id"])
        return {"documents": documents, "clusters": clusters}

    def export(self, out: str | os.PathLike, format: str = "parquet") -> Path:
        """Write :meth:`tables` into the folder ``out`` (replaced whole, like a run's outputs)."""
        from ..outdir import check_replaceable, output_lock, staged_output
        from ..write import write_table

        tables = self.tables()
        out = Path(out)
        check_replaceable(out)
        with output_lock(out), staged_output(out) as stage:
            for name, df in tables.items():
                write_table(df, stage / f"{name}.{format}", format)
        return out

    def remove(self, drop: str) -> dict[str, Any]:
        """Take drop ``drop`` back out, in one transaction: the drops after it are undone
        too, then decided again from their stored clean texts (not cleaned again), so
        clusters joined only through the removed documents split again."""
        store = Store(self.path, write=True, timeout=self.timeout)
        try:
            seq = store.drop_seq(drop)
            if seq is None:
                raise KeyError(f"{self.path}: no drop named {drop!r} (see `newsdedup index info`)")
            config = Config(**(store.settings() or {}))
            later = [(s, name, _stored_drop(store, s)) for s, name in store.drops() if s > seq]
            removed = store.db.execute("SELECT COUNT(*) FROM documents WHERE drop_seq=?", (seq,)).fetchone()[0]
            for s in [s for s, _, _ in reversed(later)] + [seq]:
                _undo(store, s)
            for s, name, (cleaned, own) in later:
                good = [c for c in cleaned if c.error is None]
                decided = deduplicate_drop(store, good, config)
                documents = build_tables(cleaned, decided.clustering, [])["documents"]
                _add(store, s, name, cleaned, set(), documents, decided, own, *_blobs(cleaned, own))
            store.commit()
            return {"drop": drop, "documents_removed": removed, "drops_redecided": [n for _, n, _ in later]}
        finally:
            store.close()


def _per(total: int, n: int) -> float:
    return round(total / n, 1) if n else 0.0


def _stored_drop(store: Store, seq: int) -> tuple[list[Cleaned], list[tuple[str, KeySummary]]]:
    """A committed drop's records as ``Cleaned`` (from the stored clean texts) and their
    template summaries."""
    cleaned, ids = [], []
    for row, doc_id, source, url, title, date, raw, warning, flags, error, blob in store.db.execute(
            "SELECT id, doc_id, source, url, title, date, raw_chars, warning, flags, error, text FROM documents "
            "WHERE drop_seq=? ORDER BY doc_id", (seq,)):
        c = Cleaned(doc_id=doc_id, source=source, raw_chars=raw, url=url, title=title, date=date, warning=warning,
                    flags=flags.split(",") if flags else [], error=error)
        if blob is not None:
            c.paragraphs = split_clean(decompress(blob))
            c.keys = compare_keys(c.paragraphs)
            c.n_words = word_counts(c.keys).tolist()
        cleaned.append(c)
        ids.append(row)
    return cleaned, store.summaries(ids)


def _undo(store: Store, seq: int) -> None:
    """Drop ``seq`` out: its documents and what points at them, the earlier documents'
    values it changed restored."""
    db = store.db
    for doc, status, cid, canon, sim in db.execute(
            "SELECT doc, status, cluster_id, canonical_id, similarity FROM undo WHERE drop_seq=? ORDER BY rowid DESC",
            (seq,)).fetchall():
        db.execute("UPDATE documents SET status=?, cluster_id=?, canonical_id=?, similarity=? WHERE id=?",
                   (status, cid, canon, sim, doc))
    mine = "(SELECT id FROM documents WHERE drop_seq=?)"
    store.delete_keys(mine, (seq,))
    db.execute(f"DELETE FROM summaries WHERE doc IN {mine}", (seq,))
    for table in ("undo", "merges"):
        db.execute(f"DELETE FROM {table} WHERE drop_seq=?", (seq,))
    db.execute("DELETE FROM documents WHERE drop_seq=?", (seq,))
    db.execute("DELETE FROM drops WHERE seq=?", (seq,))


__all__ = ["Index", "NotAnIndex"]
