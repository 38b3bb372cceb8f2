"""Stage outputs → the output tables, with the columns and order of :mod:`.schema`."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema
from .clean import Cleaned
from .dedup import Clustering
from .match import Match


def build_tables(cleaned: Sequence[Cleaned], clustering: Clustering, matches: Sequence[Match] | None = None
                 ) -> dict[str, pd.DataFrame]:
    """Every output table (``matches``: all of them, sorted; without them, every table but
    ``matches``, which :func:`matches_table` makes when they are known)."""
    rejects, boilerplate = [], []
    for c in cleaned:
        if c.error is not None:
            rejects.append((c.doc_id, c.source, c.error))
        boilerplate.extend((c.doc_id, idx, text, reason) for idx, text, reason in c.removed)
    clusters = [{"cluster_id": cid, "size": len(members), "canonical_id": clustering.canonical[cid],
                 "member_ids": list(members)} for cid, members in clustering.clusters.items()]
    return {
        "documents": schema.frame(documents_columns(cleaned, clustering), schema.DOCUMENTS,
                                  schema.SORT_KEYS["documents"]),
        "clusters": schema.frame(clusters, schema.CLUSTERS, schema.SORT_KEYS["clusters"]),
        **({} if matches is None else {"matches": matches_table(matches)}),
        "boilerplate": schema.frame(boilerplate, schema.BOILERPLATE, schema.SORT_KEYS["boilerplate"]),
        "pairs": schema.frame(clustering.pairs.columns(), schema.PAIRS, schema.SORT_KEYS["pairs"]),
        "rejects": schema.frame(rejects, schema.REJECTS, schema.SORT_KEYS["rejects"]),
    }


def documents_columns(cleaned: Sequence[Cleaned], clustering: Clustering) -> dict[str, object]:
    """The ``documents`` table as columns; each clean text joined and put straight into an
    Arrow array, so the corpus is never held as one Python string per document beside its
    paragraphs (350 MB on 100k synthetic documents)."""
    at = {d: i for i, d in enumerate(clustering.doc_ids)}
    rows = [at.get(c.doc_id) if c.error is None else None for c in cleaned]
    good = [i is not None for i in rows]

    def per_good(values, missing=None):
        return [values[i] if i is not None else missing for i in rows]

    text = pa.array((c.text if ok else None for c, ok in zip(cleaned, good)), type=pa.large_string(),
                    size=len(cleaned))
    lengths = pc.fill_null(pc.utf8_length(text), 0)
    return {
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
        "text": pd.array(text, dtype=schema.DOCUMENTS["text"]),
        "raw_chars": [c.raw_chars for c in cleaned],
        "clean_chars": lengths.to_numpy(zero_copy_only=False),
        "warning": [c.warning for c in cleaned],
        "flags": [",".join(c.flags) or None if ok else None for c, ok in zip(cleaned, good)],
    }


def matches_table(matches: Sequence[Match]) -> pd.DataFrame:
    """The ``paragraph_matches`` table (a Match is a row in the schema's column order)."""
    return schema.frame(list(matches), schema.MATCHES, schema.SORT_KEYS["paragraph_matches"])
