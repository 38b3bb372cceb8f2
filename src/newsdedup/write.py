"""Tables → files: fixed order, the same bytes for the same input.

These write plain files; :mod:`newsdedup.outdir` gives them a fresh staging directory
and swaps the complete run into ``--out``, so a reader never sees a half-written run.

CSV is meant for spreadsheets, so a text cell starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return (which a spreadsheet would run as a formula) is written with
a leading ``'`` (OWASP's advice on CSV injection). Numbers stay numbers; JSONL and
Parquet keep the exact text.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd


def write_table(df: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        _parquet(df, path)
    elif fmt == "jsonl":
        _jsonl(df, path)
    elif fmt == "csv":
        _csv(df, path)
    else:
        raise ValueError(f"unknown format {fmt!r}")


PARTITION_ROWS = 50_000  # rows of a partitioned table's file (documents: ~50 MB of zstd Parquet at 3 kB of text each)


def write_dataset(df: pd.DataFrame, folder: Path, rows_per_file: int | None = None) -> None:
    """``df`` as a Parquet dataset: ``folder/part-00000.parquet``, ... of ``rows_per_file``
    rows each in the frame's order (the schema's sort), so the same table gives the same
    files whatever made it; at least one file, so an empty table keeps its columns. One
    Arrow schema for every file: a slice must not guess another type (a list column whose
    rows are all empty)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = rows_per_file or PARTITION_ROWS
    table = pa.Table.from_pandas(df, preserve_index=False)
    folder.mkdir()
    for number, start in enumerate(range(0, max(1, len(table)), rows)):
        pq.write_table(table.slice(start, rows), folder / f"part-{number:05d}.parquet", compression="zstd")


def link_dataset(written: Path, folder: Path) -> None:
    """A partitioned table already written (by Dask workers) put at ``folder``: its files
    hard-linked (copied across file systems), so ``written`` can be linked again."""
    import shutil

    folder.mkdir()
    for part in sorted(written.iterdir()):
        try:
            os.link(part, folder / part.name)
        except OSError:
            shutil.copyfile(part, folder / part.name)


def _parquet(df: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression="zstd")


def _records(df: pd.DataFrame):
    for row in df.itertuples(index=False, name=None):
        yield {col: _plain(v) for col, v in zip(df.columns, row)}


def _plain(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        return [_plain(v) for v in value]
    return value


def _jsonl(df: pd.DataFrame, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for rec in _records(df):
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _csv(df: pd.DataFrame, path: Path) -> None:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = [json.dumps(_plain(v), ensure_ascii=False) if isinstance(v, (list, tuple)) or hasattr(v, "tolist")
                        else v for v in out[col]]
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(lambda v: spreadsheet_safe(v) if isinstance(v, str) else v)
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def write_jsonl(rows: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for rec in rows:
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")


def write_json(obj: dict, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
