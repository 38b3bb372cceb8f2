"""Stage outputs → the output tables, with the columns and order of :mod:`.schema`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema
from .clean import Cleaned
from .dedup import Clustering
from .match import Match, MatchColumns
from .runners.spill import Spilled, text_chars


def build_tables(cleaned: Sequence[Cleaned], clustering: Clustering, matches: Sequence[Match] | None = None,
                 lazy: bool = False) -> dict[str, pd.DataFrame | LazyTables]:
    """Every output table (``matches``: all of them, sorted; without them, every table but
    ``matches``, which :func:`matches_table` makes when they are known). ``lazy``:
    ``documents`` and ``boilerplate`` as one :class:`LazyTables` (``cleaned`` sorted by doc id)."""
    rejects = [(c.doc_id, c.source, c.error) for c in cleaned if c.error is not None]
    if lazy:
        documents = boilerplate = LazyTables(cleaned, clustering)
    else:
        documents, boilerplate = documents_frame(cleaned, clustering), boilerplate_frame(cleaned)
    return {
        "documents": documents,
        "clusters": _clusters(clustering),
        **({} if matches is None else {"matches": matches_table(matches)}),
        "boilerplate": boilerplate,
        "pairs": schema.frame(clustering.pairs.columns(), schema.PAIRS, schema.SORT_KEYS["pairs"]),
        "rejects": schema.frame(rejects, schema.REJECTS, schema.SORT_KEYS["rejects"]),
    }


def documents_frame(cleaned: Sequence[Cleaned], clustering: Clustering, at: dict[str, int] | None = None
                    ) -> pd.DataFrame:
    """The ``documents`` rows of ``cleaned``, sorted."""
    return schema.frame(documents_columns(cleaned, clustering, at), schema.DOCUMENTS, schema.SORT_KEYS["documents"])


def boilerplate_frame(cleaned: Sequence[Cleaned]) -> pd.DataFrame:
    """The ``boilerplate`` rows of ``cleaned``, sorted."""
    return schema.frame(boilerplate_rows(cleaned), schema.BOILERPLATE, schema.SORT_KEYS["boilerplate"])


def _clusters(clustering: Clustering) -> pd.DataFrame:
    clusters = [{"cluster_id": cid, "size": len(members), "canonical_id": clustering.canonical[cid],
                 "member_ids": list(members)} for cid, members in clustering.clusters.items()]
    return schema.frame(clusters, schema.CLUSTERS, schema.SORT_KEYS["clusters"])


def documents_columns(cleaned: Sequence[Cleaned], clustering: Clustering, at: dict[str, int] | None = None,
                      text: bool = True) -> dict[str, object]:
    """The ``documents`` table as columns; each clean text joined and put straight into an
    Arrow array, so the corpus is never held as one Python string per document beside its
    paragraphs (350 MB on 100k synthetic documents). ``at``: each clustered doc id's
    position in ``clustering`` (made here if not given); ``text=False``: every column but
    ``text`` (no clean text read)."""
    at = at if at is not None else {d: i for i, d in enumerate(clustering.doc_ids)}
    rows = [at.get(c.doc_id) if c.error is None else None for c in cleaned]
    good = [i is not None for i in rows]

    def per_good(values, missing=None):
        return [values[i] if i is not None else missing for i in rows]

    if text:
        texts = pa.array((c.text if ok else None for c, ok in zip(cleaned, good)), type=pa.large_string(),
                         size=len(cleaned))
        lengths = pc.fill_null(pc.utf8_length(texts), 0).to_numpy(zero_copy_only=False)
    else:
        lengths = np.array([text_chars(c.paragraphs) if ok else 0 for c, ok in zip(cleaned, good)], dtype=np.int64)
    columns = {
        "doc_id": [c.doc_id for c in cleaned],
        "source": [c.source for c in cleaned],
        "url": [c.url for c in cleaned],
        "title": [c.title for c in cleaned],
        "date": [c.date for c in cleaned],
        "status": [schema.REJECTED if i is None else schema.DUPLICATE if clustering.is_duplicate(i) else schema.KEPT
                   for i in rows],
        "cluster_id": per_good(clustering.cluster_ids),
        "canonical_id": per_good(clustering.canonical_ids),
        "similarity": [float(clustering.similarity[i]) if i is not None else float("nan") for i in rows],
        "text": pd.array(texts, dtype=schema.DOCUMENTS["text"]) if text else None,
        "raw_chars": [c.raw_chars for c in cleaned],
        "clean_chars": lengths,
        "warning": [c.warning for c in cleaned],
        "flags": [",".join(c.flags) or None if ok else None for c, ok in zip(cleaned, good)],
    }
    if not text:
        del columns["text"]
    return columns


def boilerplate_rows(cleaned: Sequence[Cleaned]) -> list[tuple]:
    return [(c.doc_id, idx, text, reason) for c in cleaned for idx, text, reason in c.removed]


class Lazy:
    """What :class:`~newsdedup.result.Result` asks of ``documents`` and ``boilerplate``
    tables it does not hold: the local run's :class:`LazyTables`, the Dask run's
    (:class:`~newsdedup.runners.dask_tables.DaskTables`). ``spilled``: the run is large,
    so the report is built after the tables, not beside a block of them; ``files``: a
    folder beside the output that the tables are read from (kept while a run is written)."""

    spilled: bool = False
    files: Path | None = None

    def frame(self, name: str, doc_ids: set[str] | None = None) -> pd.DataFrame:
        """The whole table ``name`` (``documents`` or ``boilerplate``), or its rows of ``doc_ids``."""
        raise NotImplementedError

    def blocks(self, name: str) -> Iterator[pd.DataFrame]:
        """The table ``name`` in its order, a block of rows at a time (at least one block)."""
        raise NotImplementedError

    def documents_without_text(self) -> pd.DataFrame:
        """Every column of ``documents`` but ``text``."""
        raise NotImplementedError

    def removed(self) -> tuple[int, int, Counter]:
        """``boilerplate``'s rows, characters and rows by reason."""
        raise NotImplementedError

    def make_shared(self, name: str) -> None:
        """Make now, and keep, what both a table's writer and the report page would make of
        table ``name`` (nothing by default): a forked child then inherits it."""

    def forget(self) -> None:
        """Drop the tables kept while a run is written (none by default)."""


class LazyTables(Lazy):
    """The ``documents`` and ``boilerplate`` tables of a local run, made from its clean
    rows (their texts spilled, on a large input) only when asked: written to a file a
    block of ``BLOCK`` documents at a time, so the corpus's text is never in memory at
    once (0.4 GB of tables on 100k synthetic documents); a whole table made only for a
    caller that asks for it (:class:`~newsdedup.result.Result`'s ``documents``). The rows
    of ``cleaned`` are sorted by doc id, so consecutive blocks are the tables' sort."""

    BLOCK = 16_384  # documents

    def __init__(self, cleaned: Sequence[Cleaned], clustering: Clustering) -> None:
        self.cleaned, self.clustering = cleaned, clustering
        self._at = {d: i for i, d in enumerate(clustering.doc_ids)}
        self._meta: pd.DataFrame | None = None
        self._removed: tuple[int, int, Counter] | None = None
        self._whole: dict[str, pd.DataFrame] = {}  # a table of one block: made once (see _one_block)
        self._making = threading.Lock()
        # texts in a spill file: a large input, where memory comes before a few seconds
        self.spilled = any(isinstance(c.paragraphs, Spilled) for c in cleaned[:64])

    def frame(self, name: str, doc_ids: set[str] | None = None) -> pd.DataFrame:
        """The whole table ``name`` (``documents`` or ``boilerplate``), or its rows of ``doc_ids``."""
        if doc_ids is None and len(self.cleaned) <= self.BLOCK:
            return self._one_block(name)
        cleaned = self.cleaned if doc_ids is None else [c for c in self.cleaned if c.doc_id in doc_ids]
        return self._frame(name, cleaned)

    def blocks(self, name: str) -> Iterator[pd.DataFrame]:
        """The table ``name`` in its order, a block of documents' rows at a time (at least one block)."""
        if len(self.cleaned) <= self.BLOCK:
            yield self._one_block(name)
            return
        for start in range(0, max(1, len(self.cleaned)), self.BLOCK):
            yield self._frame(name, self.cleaned[start:start + self.BLOCK])

    def _one_block(self, name: str) -> pd.DataFrame:
        """The whole table ``name`` when it is one block: made once for its writer and the
        report, which ask for it at the same time from two threads (0.2 s of Python each
        for 10k documents), and kept until :meth:`forget`."""
        with self._making:
            if name not in self._whole:
                self._whole[name] = self._frame(name, self.cleaned)
            return self._whole[name]

    def make_shared(self, name: str) -> None:
        """A table of one block made now (:meth:`_one_block`), for its writer and a forked
        report child alike; nothing for a larger one (written a block at a time)."""
        if len(self.cleaned) <= self.BLOCK:
            self._one_block(name)

    def forget(self) -> None:
        """Drop the tables kept by :meth:`_one_block` (once they are written)."""
        self._whole.clear()

    def __getstate__(self) -> dict:
        """Pickled without the lock and the kept tables (a Result goes to another process)."""
        state = dict(self.__dict__)
        del state["_making"]
        state["_whole"] = {}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._making = threading.Lock()

    def _frame(self, name: str, cleaned: Sequence[Cleaned]) -> pd.DataFrame:
        if name == "documents":
            return documents_frame(cleaned, self.clustering, self._at)
        if name == "boilerplate":
            return boilerplate_frame(cleaned)
        raise KeyError(name)

    def documents_without_text(self) -> pd.DataFrame:
        """Every column of ``documents`` but ``text`` (kept: it holds no text); taken from
        the whole table when it is made already (:meth:`make_shared`), not made again."""
        if self._meta is None and "documents" in self._whole:
            self._meta = self._whole["documents"].drop(columns="text")
        if self._meta is None:
            columns = {n: t for n, t in schema.DOCUMENTS.items() if n != "text"}
            self._meta = schema.frame(documents_columns(self.cleaned, self.clustering, self._at, text=False), columns,
                                      schema.SORT_KEYS["documents"])
        return self._meta

    def removed(self) -> tuple[int, int, Counter]:
        """``boilerplate``'s rows, characters and rows by reason (one pass over the removed paragraphs)."""
        if self._removed is None:
            rows, chars, reasons = 0, 0, Counter()
            for c in self.cleaned:
                for _, text, reason in c.removed:
                    rows += 1
                    chars += len(text)
                    reasons[reason] += 1
            self._removed = rows, chars, reasons
        return self._removed


def matches_table(matches: Sequence[Match]) -> pd.DataFrame:
    """The ``paragraph_matches`` table (a Match is a row in the schema's column order;
    :class:`~newsdedup.match.MatchColumns` make it from their columns)."""
    if isinstance(matches, MatchColumns):
        return matches.frame()
    return schema.frame(list(matches), schema.MATCHES, schema.SORT_KEYS["paragraph_matches"])
