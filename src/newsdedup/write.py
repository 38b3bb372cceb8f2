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
from collections.abc import Iterable
from pathlib import Path
from typing import Union

import pandas as pd


ROW_GROUP_ROWS = 16_384  # a Parquet file's row groups: the same whether the table is written whole or in blocks

Table = Union[pd.DataFrame, Iterable[pd.DataFrame]]  # a table, or its rows in order as consecutive blocks


def write_table(df: Table, path: Path, fmt: str) -> None:
    """``df`` (a DataFrame, or its blocks: the same bytes, one block in memory at a time) to ``path``."""
    blocks = [df] if isinstance(df, pd.DataFrame) else df
    if fmt == "parquet":
        _parquet(blocks, path)
    elif fmt == "jsonl":
        _jsonl(blocks, path)
    elif fmt == "csv":
        _csv(blocks, path)
    else:
        raise ValueError(f"unknown format {fmt!r}")


def _arrow_slices(blocks: Iterable[pd.DataFrame], rows: int):
    """The Arrow tables of ``blocks`` cut into slices of exactly ``rows`` rows (the last one
    shorter; at least one), every one with the first block's schema."""
    import pyarrow as pa

    schema, held, count, any_yielded = None, [], 0, False
    for block in blocks:
        table = pa.Table.from_pandas(block, preserve_index=False)
        if schema is None:
            schema = table.schema
        held.append(table.cast(schema) if table.schema != schema else table)
        count += len(table)
        while count >= rows:
            whole = pa.concat_tables(held)
            yield whole.slice(0, rows)
            any_yielded = True
            held, count = [whole.slice(rows)], count - rows
    if schema is None:
        raise ValueError("a table needs at least one block")
    if count or not any_yielded:
        yield pa.concat_tables(held)


PARTITION_ROWS = 50_000  # rows of a partitioned table's file (documents: ~50 MB of zstd Parquet at 3 kB of text each)


def write_dataset(df: Table, folder: Path, rows_per_file: int | None = None) -> None:
    """``df`` (a DataFrame or its blocks) as a Parquet dataset: ``folder/part-00000.parquet``,
    ... of ``rows_per_file`` rows each in the frame's order (the schema's sort), so the same
    table gives the same files whatever made it; at least one file, so an empty table keeps
    its columns. One Arrow schema for every file: a slice must not guess another type (a
    list column whose rows are all empty)."""
    import pyarrow.parquet as pq

    blocks = [df] if isinstance(df, pd.DataFrame) else df
    folder.mkdir()
    for number, piece in enumerate(_arrow_slices(blocks, rows_per_file or PARTITION_ROWS)):
        pq.write_table(piece.combine_chunks(), folder / f"part-{number:05d}.parquet", compression="zstd")


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


def _parquet(blocks: Iterable[pd.DataFrame], path: Path) -> None:
    """Row groups of ROW_GROUP_ROWS rows, each made contiguous first: the bytes depend on
    the table only, not on the blocks it came in."""
    import pyarrow.parquet as pq

    writer = None
    try:
        for piece in _arrow_slices(blocks, ROW_GROUP_ROWS):
            if writer is None:
                writer = pq.ParquetWriter(path, piece.schema, compression="zstd")
            writer.write_table(piece.combine_chunks(), row_group_size=ROW_GROUP_ROWS)
    finally:
        if writer is not None:
            writer.close()


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


def _jsonl(blocks: Iterable[pd.DataFrame], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for df in blocks:
            for rec in _records(df):
                fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """``cell`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _csv(blocks: Iterable[pd.DataFrame], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for number, df in enumerate(blocks):
            _spreadsheet_frame(df).to_csv(fh, index=False, header=number == 0, lineterminator="\n")


def _spreadsheet_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = [json.dumps(_plain(v), ensure_ascii=False) if isinstance(v, (list, tuple)) or hasattr(v, "tolist")
                        else v for v in out[col]]
        if out[col].dtype == object or isinstance(out[col].dtype, pd.StringDtype):
            out[col] = out[col].map(lambda v: spreadsheet_safe(v) if isinstance(v, str) else v)
    return out


def write_jsonl(rows: list[dict], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for rec in rows:
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")


def write_json(obj: dict, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        json.dump(obj, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
