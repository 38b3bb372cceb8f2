"""Stage outputs → the output tables, with the columns and order of :mod:`.schema`."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from . import schema
from .clean import Cleaned
from .dedup import Clustering
from .match import Match


def build_tables(cleaned: Sequence[Cleaned], clustering: Clustering, matches: Sequence[Match] | None = None
                 ) -> dict[str, pd.DataFrame]:
    """Every output table (``matches``: all of them, sorted; without them, every table but
    ``matches``, which :func:`matches_table` makes when they are known)."""
    at = {d: i for i, d in enumerate(clustering.doc_ids)}
    # rows as tuples in the schema's column order: they build a frame faster than dicts
    documents, rejects, boilerplate = [], [], []
    for c in cleaned:
        if c.error is not None:
            documents.append((c.doc_id, c.source, c.url, c.title, c.date, schema.REJECTED, None, None,
                              float("nan"), None, c.raw_chars, 0, c.warning, None))
            rejects.append((c.doc_id, c.source, c.error))
        else:
            i = at[c.doc_id]
            text = c.text
            documents.append((c.doc_id, c.source, c.url, c.title, c.date,
                              schema.DUPLICATE if clustering.is_duplicate(i) else schema.KEPT,
                              clustering.cluster_ids[i], clustering.canonical_ids[i], float(clustering.similarity[i]),
                              text, c.raw_chars, len(text), c.warning, ",".join(c.flags) or None))
        boilerplate.extend((c.doc_id, idx, text, reason) for idx, text, reason in c.removed)
    clusters = [{"cluster_id": cid, "size": len(members), "canonical_id": clustering.canonical[cid],
                 "member_ids": list(members)} for cid, members in clustering.clusters.items()]
    return {
        "documents": schema.frame(documents, schema.DOCUMENTS, schema.SORT_KEYS["documents"]),
        "clusters": schema.frame(clusters, schema.CLUSTERS, schema.SORT_KEYS["clusters"]),
        **({} if matches is None else {"matches": matches_table(matches)}),
        "boilerplate": schema.frame(boilerplate, schema.BOILERPLATE, schema.SORT_KEYS["boilerplate"]),
        "pairs": schema.frame(clustering.pairs.columns(), schema.PAIRS, schema.SORT_KEYS["pairs"]),
        "rejects": schema.frame(rejects, schema.REJECTS, schema.SORT_KEYS["rejects"]),
    }


def matches_table(matches: Sequence[Match]) -> pd.DataFrame:
    """The ``paragraph_matches`` table (a Match is a row in the schema's column order)."""
    return schema.frame(list(matches), schema.MATCHES, schema.SORT_KEYS["paragraph_matches"])
