"""Reading a run's tables back from its folder, whatever format it was written in."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..schema import REJECTS, SORT_KEYS
from ..write import FORMULA_STARTS

FORMATS = ("parquet", "jsonl", "csv")


def read_table(folder: Path, name: str, columns: dict[str, str] | None) -> pd.DataFrame:
    """Table ``name`` of the run in ``folder`` with the schema's ``columns`` (extra columns
    dropped, missing ones empty); an absent table is empty. ``columns=None``: rejects.jsonl."""
    if columns is None:
        return _conform(_read_jsonl(folder / "rejects.jsonl"), REJECTS, SORT_KEYS["rejects"])
    if (folder / name).is_dir():  # --partitioned: a Parquet dataset
        return _conform(pd.read_parquet(folder / name), columns, SORT_KEYS.get(name))
    for fmt in FORMATS:
        path = folder / f"{name}.{fmt}"
        if path.is_file():
            df = {"parquet": pd.read_parquet, "jsonl": _read_jsonl, "csv": _read_csv}[fmt](path)
            if fmt == "csv":
                df = _from_csv(df, columns)
            return _conform(df, columns, SORT_KEYS.get(name))
    return _conform(pd.DataFrame(), columns, None)


def _read_jsonl(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame()
    with open(path, encoding="utf-8") as fh:
        return pd.DataFrame([json.loads(line) for line in fh if line.strip()])


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")


def _from_csv(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Undo what the CSV writer did: JSON lists, the ``'`` before formula-like text."""
    for name, dtype in columns.items():
        if name not in df:
            continue
        if dtype == "object":
            df[name] = [json.loads(v) if isinstance(v, str) else [] for v in df[name]]
        elif dtype == "string":
            df[name] = [v[1:] if isinstance(v, str) and v[:1] == "'" and v[1:2] in FORMULA_STARTS and v[1:2] else v
                        for v in df[name]]
        elif dtype == "bool":
            df[name] = df[name].map({"True": True, "False": False, "true": True, "false": False})
    return df


def _conform(df: pd.DataFrame, columns: dict[str, str], sort: list[str] | None) -> pd.DataFrame:
    df = df.reset_index(drop=True)
    out = pd.DataFrame({name: (df[name] if name in df else pd.Series([None] * len(df), dtype=object))
                        for name in columns}, index=range(len(df)))
    for name, dtype in columns.items():
        if dtype == "object":
            out[name] = [list(v) if v is not None and not isinstance(v, float) else [] for v in out[name]]
        else:
            out[name] = out[name].astype(dtype)
    if sort and len(out):
        out = out.sort_values(sort, kind="stable", ignore_index=True)
    return out
