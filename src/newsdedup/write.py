"""Tables → files: atomic writes, fixed order, the same bytes for the same input.

Each file is written to a temporary name in the output directory and renamed
into place when complete, so a reader never sees a half-written table.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .config import FORMATS

OUTPUT_TABLES = ("documents", "clusters", "paragraph_matches", "boilerplate", "pairs")
OTHER_OUTPUTS = ("rejects.jsonl", "summary.json")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` then rename ``tmp`` onto ``path``; no partial file is left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_table(df: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        atomic_write(path, lambda tmp: _parquet(df, tmp))
    elif fmt == "jsonl":
        atomic_write(path, lambda tmp: _jsonl(df, tmp))
    elif fmt == "csv":
        atomic_write(path, lambda tmp: _csv(df, tmp))
    else:
        raise ValueError(f"unknown format {fmt!r}")


def _parquet(df: pd.DataFrame, tmp: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, tmp, compression="zstd")


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


def _jsonl(df: pd.DataFrame, tmp: Path) -> None:
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for rec in _records(df):
            fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")


def _csv(df: pd.DataFrame, tmp: Path) -> None:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = [json.dumps(_plain(v), ensure_ascii=False) if isinstance(v, (list, tuple)) or hasattr(v, "tolist")
                        else v for v in out[col]]
    out.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")


def write_jsonl(rows: list[dict], path: Path) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            for rec in rows:
                fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")

    atomic_write(path, write)


def write_json(obj: dict, path: Path) -> None:
    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            json.dump(obj, fh, ensure_ascii=False, indent=2)
            fh.write("\n")

    atomic_write(path, write)


def remove_stale(out: Path, fmt: str) -> None:
    """Remove tables of the other formats left by an earlier run, so ``out`` holds one run."""
    for name in OUTPUT_TABLES:
        for other in FORMATS:
            if other != fmt:
                (out / f"{name}.{other}").unlink(missing_ok=True)
