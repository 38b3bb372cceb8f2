"""Stage outputs → the output tables, with the columns and order of :mod:`.schema`."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from . import schema
from .clean import Cleaned
from .dedup import Clustering
from .match import Match


def build_tables(cleaned: Sequence[Cleaned], clustering: Clustering, matches: Sequence[Match]) -> dict[str, pd.DataFrame]:
    at = {d: i for i, d in enumerate(clustering.doc_ids)}
    documents, rejects, boilerplate = [], [], []
    for c in cleaned:
        row = {"doc_id": c.doc_id, "source": c.source, "url": c.url, "title": c.title, "date": c.date,
               "raw_chars": c.raw_chars}
        if c.error is not None:
            documents.append({**row, "status": schema.REJECTED, "cluster_id": None, "canonical_id": None,
                              "similarity": float("nan"), "text": None, "clean_chars": 0})
            rejects.append({"doc_id": c.doc_id, "source": c.source, "error": c.error})
        else:
            i = at[c.doc_id]
            text = c.text
            documents.append({**row, "status": schema.DUPLICATE if clustering.is_duplicate(i) else schema.KEPT,
                              "cluster_id": clustering.cluster_ids[i], "canonical_id": clustering.canonical_ids[i],
                              "similarity": float(clustering.similarity[i]), "text": text,
                              "clean_chars": len(text)})
        boilerplate.extend({"doc_id": c.doc_id, "para_index": idx, "text": text, "reason": reason}
                           for idx, text, reason in c.removed)
    clusters = [{"cluster_id": cid, "size": len(members), "canonical_id": clustering.canonical[cid],
                 "member_ids": list(members)} for cid, members in clustering.clusters.items()]
    match_rows = [dict(zip(schema.MATCHES, m)) for m in matches]
    return {
        "documents": schema.frame(documents, schema.DOCUMENTS, schema.SORT_KEYS["documents"]),
        "clusters": schema.frame(clusters, schema.CLUSTERS, schema.SORT_KEYS["clusters"]),
        "matches": schema.frame(match_rows, schema.MATCHES, schema.SORT_KEYS["paragraph_matches"]),
        "boilerplate": schema.frame(boilerplate, schema.BOILERPLATE, schema.SORT_KEYS["boilerplate"]),
        "pairs": schema.frame(clustering.pairs, schema.PAIRS, schema.SORT_KEYS["pairs"]),
        "rejects": schema.frame(rejects, schema.REJECTS, schema.SORT_KEYS["rejects"]),
    }
