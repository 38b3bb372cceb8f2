"""The result of a run: the output tables as DataFrames, and the summary."""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .config import Config
from .outdir import LOCK_TIMEOUT_S, check_replaceable, output_lock, staged_output
from .write import write_json, write_jsonl, write_table

MAIN_DEPENDENCIES = ("trafilatura", "datasketch", "rapidfuzz", "pandas", "pyarrow", "numpy", "click")
EXECUTION_SETTINGS = ("workers", "workers_min_mb", "out")


def versions() -> dict[str, str]:
    found = {"newsdedup": __version__, "python": platform.python_version()}
    for name in MAIN_DEPENDENCIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


@dataclass
class Result:
    """Tables of a run (see :mod:`newsdedup.schema` for their columns)."""

    documents: pd.DataFrame
    clusters: pd.DataFrame
    matches: pd.DataFrame
    boilerplate: pd.DataFrame
    pairs: pd.DataFrame
    rejects: pd.DataFrame
    config: Config
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        status = self.documents["status"].value_counts()
        return {
            "inputs": int(len(self.documents)),
            "kept": int(status.get("kept", 0)),
            "duplicates": int(status.get("duplicate", 0)),
            "rejected": int(status.get("rejected", 0)),
            "clusters": int(len(self.clusters)),
            "clusters_with_duplicates": int((self.clusters["size"] > 1).sum()),
            "matches": int(len(self.matches)),
            "matches_across_clusters": int((~self.matches["same_cluster"]).sum()),
            "boilerplate_paragraphs": int(len(self.boilerplate)),
            "boilerplate_chars_removed": int(self.boilerplate["text"].str.len().sum()),
            "pairs_examined": int(len(self.pairs)),
            "pairs_duplicate": int((self.pairs["decision"] == "duplicate").sum()),
            "raw_chars": int(self.documents["raw_chars"].sum()),
            "clean_chars": int(self.documents["clean_chars"].sum()),
            "read_with_warnings": int(self.documents["warning"].notna().sum()),
        }

    @property
    def summary(self) -> dict[str, Any]:
        settings = {k: v for k, v in self.config.as_dict().items() if k not in EXECUTION_SETTINGS}
        return {
            "counts": self.counts,
            "settings": settings,
            "versions": versions(),
            # Everything below depends on the machine, not on the input.
            "execution": {"workers": self.config.n_workers,
                          "timings_s": {k: round(v, 3) for k, v in self.timings.items()}},
        }

    def write(self, out: str | Path | None = None, format: str | None = None, *,
              lock_timeout: float = LOCK_TIMEOUT_S, report: bool = True) -> Path:
        """Write every output file into ``out`` (default ``config.out``); returns the directory.
        ``report=False`` leaves out ``report.html`` (see :mod:`newsdedup.report`).

        The run is written beside ``out`` and swapped in whole (see :mod:`newsdedup.outdir`),
        under a lock that another run into ``out`` waits for at most ``lock_timeout`` seconds.
        Raises :class:`~newsdedup.outdir.OutputError` (an ``OSError``) when ``out`` is busy
        or is a directory newsdedup did not write; ``out`` is then left as it was.
        """
        out = Path(out or self.config.out)
        fmt = format or self.config.format
        tables = {"documents": self.documents, "clusters": self.clusters,
                  "paragraph_matches": self.matches, "boilerplate": self.boilerplate, "pairs": self.pairs}
        check_replaceable(out)  # before the lock file is made beside a folder that is refused
        with output_lock(out, lock_timeout), staged_output(out) as stage:
            for name, df in tables.items():
                write_table(df, stage / f"{name}.{fmt}", fmt)
            write_jsonl(self.rejects.to_dict("records"), stage / "rejects.jsonl")
            write_json(self.summary, stage / "summary.json")
            if report:
                from .report import REPORT_NAME, write_report

                write_report(self, stage / REPORT_NAME)
        return out
