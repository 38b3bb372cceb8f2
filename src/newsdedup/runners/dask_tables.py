"""The Dask run's ``documents`` and ``boilerplate`` tables, never whole on the client.

Each partition's rows of the two tables, sorted by the table's sort keys, are an Arrow
file in a folder beside the output (:func:`~.dask_corpus.rows_path`): written by the
client as each partition's rows arrive from its worker, or, with ``--partitioned``, by
the workers themselves. :class:`DaskTables` merges them in the tables' order a block of
rows at a time (the partition of every row in sort order is known from the corpus's
placement), so :meth:`~newsdedup.result.Result.write` writes the single files as the
local engine's :class:`~newsdedup.tables.LazyTables` does, the same bytes.
"""

from __future__ import annotations

import shutil
import weakref
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema
from ..tables import Lazy
from .dask_corpus import merged_rows, row_runs, rows_path

TABLES = {"documents": schema.DOCUMENTS, "boilerplate": schema.BOILERPLATE}


class DaskTables(Lazy):
    """``documents`` and ``boilerplate`` from the partitions' sorted row files in ``rows``:
    ``parts``: for each table, the partition of each of its rows in sort order;
    ``removed``: boilerplate's rows, characters and rows by reason. The files go when this
    object does (``owned``: the folder to remove, by default ``rows``)."""

    BLOCK = 16_384  # rows

    def __init__(self, rows: Path, parts: dict[str, np.ndarray], removed: tuple[int, int, Counter],
                 files: Path | None = None, owned: Path | None = None) -> None:
        self.rows, self.parts, self._removed = rows, parts, removed
        self.files = files
        self.spilled = True  # the report is built after the tables: a block of them is the client's largest
        self._meta: pd.DataFrame | None = None
        weakref.finalize(self, shutil.rmtree, str(owned or rows), True)

    def blocks(self, name: str, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        part = self.parts[name]
        columns = columns or list(TABLES[name])
        if not part.size:
            yield schema.frame([], {c: TABLES[name][c] for c in columns})
            return
        for block, slices in row_runs(part, self.rows, name, self.BLOCK):
            yield merged_rows(slices, block, columns)

    def frame(self, name: str, doc_ids: set[str] | None = None) -> pd.DataFrame:
        if doc_ids is None:
            return pd.concat(list(self.blocks(name)), ignore_index=True)
        return self._rows_of(name, doc_ids)

    def _rows_of(self, name: str, doc_ids: set[str]) -> pd.DataFrame:
        import pyarrow as pa
        import pyarrow.compute as pc

        wanted = pa.array(sorted(doc_ids), type=pa.large_string())
        pieces = []
        for p in np.unique(self.parts[name]).tolist():
            with pa.memory_map(rows_path(self.rows, name, p)) as source:
                table = pa.ipc.open_file(source).read_all()
                pieces.append(table.filter(pc.is_in(table["doc_id"], value_set=wanted)).combine_chunks())
        if not pieces:
            return schema.frame([], TABLES[name])
        found = pa.concat_tables(pieces).to_pandas()
        return found.sort_values(schema.SORT_KEYS[name], kind="stable", ignore_index=True)

    def documents_without_text(self) -> pd.DataFrame:
        if self._meta is None:
            columns = [c for c in schema.DOCUMENTS if c != "text"]
            self._meta = pd.concat(list(self.blocks("documents", columns)), ignore_index=True)
        return self._meta

    def removed(self) -> tuple[int, int, Counter]:
        return self._removed

