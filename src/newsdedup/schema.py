"""Column names and dtypes of every output table, in one place.

Each table is a pandas DataFrame with exactly these columns, in this order and with
these dtypes, whatever the engine or the output format.
"""

from __future__ import annotations

import pandas as pd

STRING = "string"

KEPT, DUPLICATE, REJECTED = "kept", "duplicate", "rejected"
STATUSES = (KEPT, DUPLICATE, REJECTED)

DOCUMENTS = {
    "doc_id": STRING,
    "source": STRING,
    "url": STRING,
    "title": STRING,
    "date": STRING,
    "status": STRING,
    "cluster_id": STRING,
    "canonical_id": STRING,
    "similarity": "float64",
    "text": STRING,
    "raw_chars": "int64",
    "clean_chars": "int64",
    "warning": STRING,
    "flags": STRING,  # what to check, comma-separated (clean.flags); null when none
}

CLUSTERS = {
    "cluster_id": STRING,
    "size": "int64",
    "canonical_id": STRING,
    "member_ids": "object",  # list[str]; a JSON list in CSV
}

MATCHES = {
    "doc_a": STRING,
    "para_a": "int64",
    "doc_b": STRING,
    "para_b": "int64",
    "score": "float64",
    "same_cluster": "bool",
}

BOILERPLATE = {
    "doc_id": STRING,
    "para_index": "int64",
    "text": STRING,
    "reason": STRING,
}

PAIRS = {
    "doc_a": STRING,
    "doc_b": STRING,
    "estimated_jaccard": "float64",
    "jaccard": "float64",
    "containment": "float64",
    "coverage_a": "float64",
    "coverage_b": "float64",
    "decision": STRING,
    "reason": STRING,
}

REJECTS = {
    "doc_id": STRING,
    "source": STRING,
    "error": STRING,
}

MERGES = {  # runs with an index: clusters of earlier drops joined by a new document
    "drop": STRING,
    "old_cluster_id": STRING,
    "new_cluster_id": STRING,
}

TABLES = {
    "documents": DOCUMENTS,
    "clusters": CLUSTERS,
    "paragraph_matches": MATCHES,
    "boilerplate": BOILERPLATE,
    "pairs": PAIRS,
}

SORT_KEYS = {
    "documents": ["doc_id"],
    "clusters": ["cluster_id"],
    "paragraph_matches": ["doc_a", "para_a", "doc_b", "para_b"],
    "boilerplate": ["doc_id", "para_index"],
    "pairs": ["doc_a", "doc_b"],
    "rejects": ["doc_id", "source"],
    "merges": ["old_cluster_id"],
}


def frame(rows: list[dict] | list[tuple] | dict[str, list], columns: dict[str, str], sort: list[str] | None = None) -> pd.DataFrame:
    """A DataFrame with exactly ``columns`` (in order, with their dtypes), sorted by ``sort``."""
    df = pd.DataFrame(rows, columns=list(columns))
    for name, dtype in columns.items():
        if dtype == "object":
            continue
        df[name] = df[name].astype(dtype)
    if sort and len(df):
        df = df.sort_values(sort, kind="stable", ignore_index=True)
    return df.reset_index(drop=True)
