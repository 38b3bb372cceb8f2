"""The result of a run: the output tables as DataFrames, and the summary."""

from __future__ import annotations

import dataclasses
import functools
import platform
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar
from collections.abc import Callable, Iterator

import pandas as pd

from . import __version__
from .config import Config
from .tables import Lazy
from .outdir import LOCK_TIMEOUT_S, check_replaceable, output_lock, staged_output
from .write import link_dataset, write_dataset, write_json, write_jsonl, write_table

MAIN_DEPENDENCIES = ("trafilatura", "datasketch", "rapidfuzz", "pandas", "pyarrow", "numpy", "click")
EXECUTION_SETTINGS = ("workers", "workers_min_mb", "hold_drafts_mb", "spill_min_mb", "out", "engine", "scheduler")


def versions() -> dict[str, str]:
    return dict(_versions())


@functools.lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    """Looked up once a process (each ``metadata.version`` walks the installed
    distributions; the summary is made for summary.json and again for the report)."""
    found = {"newsdedup": __version__, "python": platform.python_version()}
    for name in MAIN_DEPENDENCIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


class _MadeWhenAsked:
    """A table field given as a DataFrame or as a :class:`~newsdedup.tables.Lazy`:
    then the DataFrame is made on first use, and kept."""

    def __set_name__(self, owner, name: str) -> None:
        self.name, self.slot = name, "_" + name

    def __get__(self, obj, owner=None):
        if obj is None:
            raise AttributeError(self.name)  # no default (dataclasses asks the class)
        value = obj.__dict__[self.slot]
        if isinstance(value, Lazy):
            value = obj.__dict__[self.slot] = value.frame(self.name)
        return value

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.slot] = value


@dataclass(repr=False)
class Result:
    """Tables of a run (see :mod:`newsdedup.schema` for their columns). A run makes
    ``documents`` and ``boilerplate`` (the corpus's text) when first asked for, and
    :meth:`write` streams them to their files without making them whole."""

    documents: pd.DataFrame = _MadeWhenAsked()  # type: ignore[assignment]
    clusters: pd.DataFrame
    matches: pd.DataFrame
    boilerplate: pd.DataFrame = _MadeWhenAsked()  # type: ignore[assignment]
    pairs: pd.DataFrame
    rejects: pd.DataFrame
    config: Config
    timings: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)  # what input files held besides records, by kind
    memory: dict[str, int] = field(default_factory=dict)  # peak resident memory (MB) when the run ended, see peak_memory
    merges: pd.DataFrame | None = None  # runs with an index: clusters merged by this drop
    index: dict[str, Any] | None = None  # runs with an index: its path, the drop, whether it was added
    written: dict[str, Path] = field(default_factory=dict)  # tables the Dask workers wrote as partitioned Parquet
    # set by a runner that lets :meth:`write` pack the page's texts in a forked child while
    # this process writes the tables, and on a spilled run write the documents table in
    # another (``runners.fork.forked_if_safe``: a handle with ``result`` and ``stop``, or
    # None where no child can be started)
    report_beside: ClassVar[Callable[..., Any] | None] = None
    # set by a runner that has the page's texts packed already, in a forked child started
    # before the run ended (see texts_before_matches): taken by the next write
    texts_beside: ClassVar[Any] = None

    def __repr__(self) -> str:
        """What the run found, in one line: the tables themselves are a print away, and the
        dataclass's own repr would make ``documents`` (the corpus's text) to show it."""
        c = self.counts
        return (f"<Result: {c['inputs']} inputs, kept {c['kept']}, duplicates {c['duplicates']}, "
                f"rejected {c['rejected']}; {c['clusters']} clusters ({c['clusters_with_duplicates']} with "
                f"duplicates), {c['matches']} paragraph matches, {c['boilerplate_paragraphs']} boilerplate paragraphs>")

    def _lazy(self, name: str) -> Lazy | None:
        value = self.__dict__.get("_" + name)
        return value if isinstance(value, Lazy) else None

    def documents_without_text(self) -> pd.DataFrame:
        """Every column of ``documents`` but ``text``: cheap where ``documents`` is not made yet."""
        lazy = self._lazy("documents")
        return lazy.documents_without_text() if lazy is not None else self.documents.drop(columns="text")

    def boilerplate_by_reason(self) -> pd.Series:
        """The ``boilerplate`` rows' count by reason (``reason`` → rows)."""
        lazy = self._lazy("boilerplate")
        if lazy is None:
            return self.boilerplate["reason"].value_counts()
        return pd.Series(dict(lazy.removed()[2]), dtype="int64")

    def rows_of(self, name: str, doc_ids: set[str] | None = None) -> pd.DataFrame:
        """The rows of ``documents`` or ``boilerplate`` of the documents ``doc_ids`` (None:
        all), made for the caller and not kept here."""
        lazy = self._lazy(name)
        if lazy is not None:
            return lazy.frame(name, doc_ids)
        table = getattr(self, name)
        if doc_ids is None:
            return table
        from .report import isin

        return table[isin(table["doc_id"], doc_ids)].reset_index(drop=True)

    def with_tables_made(self) -> Result:
        """This result, or a copy whose ``documents`` and ``boilerplate`` are made for the
        caller (not kept here) when they are not made yet."""
        if self._lazy("documents") is None and self._lazy("boilerplate") is None:
            return self
        return dataclasses.replace(self, documents=self.rows_of("documents"), boilerplate=self.rows_of("boilerplate"))

    def _removed_rows_and_chars(self) -> tuple[int, int]:
        lazy = self._lazy("boilerplate")
        if lazy is not None:
            return lazy.removed()[:2]
        return len(self.boilerplate), int(self.boilerplate["text"].str.len().sum())

    @property
    def gates(self) -> dict[str, dict[str, Any]]:
        """Each CI gate: its limit, the run's value, and whether the run passed it."""
        documents = self.documents_without_text()
        n = max(1, len(documents))
        status = documents["status"].value_counts()
        values = {"max_duplicate_share": int(status.get("duplicate", 0)) / n,
                  "max_rejected_share": int(status.get("rejected", 0)) / n}
        return {name: {"limit": getattr(self.config, name), "value": round(value, 4),
                       "passed": value <= getattr(self.config, name)} for name, value in values.items()}

    @property
    def gate_failures(self) -> list[str]:
        """One line per gate the run failed."""
        return [f"{name.removeprefix('max_').replace('_', ' ')} {g['value']:.4f} is over the limit {g['limit']:g}"
                for name, g in self.gates.items() if not g["passed"]]

    @property
    def counts(self) -> dict[str, int]:
        documents = self.documents_without_text()
        status = documents["status"].value_counts()
        removed_rows, removed_chars = self._removed_rows_and_chars()
        return {
            "inputs": int(len(documents)),
            "kept": int(status.get("kept", 0)),
            "duplicates": int(status.get("duplicate", 0)),
            "rejected": int(status.get("rejected", 0)),
            "clusters": int(len(self.clusters)),
            "clusters_with_duplicates": int((self.clusters["size"] > 1).sum()),
            "matches": int(len(self.matches)),
            "matches_across_clusters": int((~self.matches["same_cluster"]).sum()),
            "boilerplate_paragraphs": int(removed_rows),
            "boilerplate_chars_removed": int(removed_chars),
            "pairs_examined": int(len(self.pairs)),
            "pairs_duplicate": int((self.pairs["decision"] == "duplicate").sum()),
            "raw_chars": int(documents["raw_chars"].sum()),
            "clean_chars": int(documents["clean_chars"].sum()),
            "read_with_warnings": int(documents["warning"].notna().sum()),
        }

    @property
    def summary(self) -> dict[str, Any]:
        settings = {k: v for k, v in self.config.as_dict().items() if k not in EXECUTION_SETTINGS}
        return {
            "counts": self.counts,
            "skipped_in_inputs": dict(sorted(self.skipped.items())),
            "gates": self.gates,
            **({"index": self.index} if self.index is not None else {}),
            "settings": settings,
            "versions": versions(),
            # Everything below depends on the machine, not on the input.
            "execution": {"workers": self.config.n_workers, "engine": self.config.engine,
                          "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
                          **({"peak_memory_mb": self.memory} if self.memory else {})},
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
        # documents and boilerplate not made yet: streamed to their files a block at a time
        tables = {"documents": self._table_or_blocks("documents"), "clusters": self.clusters,
                  "paragraph_matches": self.matches, "boilerplate": self._table_or_blocks("boilerplate"),
                  "pairs": self.pairs}
        check_replaceable(out)  # before the lock file is made beside a folder that is refused
        # the workers' files and the rows the tables are read from, not leftovers to sweep
        ours = {path.parent for path in self.written.values()} | {
            lazy.files for lazy in (self._lazy("documents"), self._lazy("boilerplate"))
            if lazy is not None and lazy.files is not None}
        early, self.texts_beside = self.texts_beside, None  # packed for one page: a later write packs again
        try:
            with output_lock(out, lock_timeout), staged_output(out, ours) as stage:
                texts = self._texts_in_child(early) if report else None
                documents = self._documents_in_child(stage, fmt)
                if documents is not None:
                    del tables["documents"]
                try:
                    self._write_files(stage, tables, fmt, report, texts)
                    if documents is not None:
                        documents.result()  # raises what failed there
                finally:
                    for child in (texts, documents):
                        if child is not None:
                            child.stop()  # a no-op once its result is in
        finally:
            if early is not None:
                early.stop()  # not asked for (no page), or the write failed before it was
        for lazy in (self._lazy("documents"), self._lazy("boilerplate")):
            if lazy is not None:
                lazy.forget()  # the one block both the tables and the page were made from
        return out

    def _texts_in_child(self, early=None):
        """The page's texts packed in a forked child (see ``report_beside``; the larger
        part of making the page, 1 CPU-s of 1.4 on 10k documents), or None; ``early``: a
        child packing them already (``texts_beside``). What both the page and the table
        writer make (a table of one block) is made first, so the child inherits it instead
        of making it again."""
        if early is None and self.report_beside is None:
            return None
        for name in ("documents", "boilerplate"):
            lazy = self._lazy(name)
            if lazy is not None:
                lazy.make_shared(name)
        self.summary  # noqa: B018 - its counts and versions, kept where they are made, for both processes
        if early is not None:
            return early
        from .report import packed_texts

        return self.report_beside(packed_texts, self)

    def _documents_in_child(self, stage: Path, fmt: str):
        """The ``documents`` file written in a forked child (see ``report_beside``) on a
        spilled run, or None. There the page comes after the tables, and this table is the
        larger part of them (its clean texts read back from the spill file and compressed):
        written beside the other tables and the page, not before them."""
        if self.report_beside is None or not self._memory_first() or self.config.partitioned:
            return None
        return self.report_beside(_write_documents, self, stage / f"documents.{fmt}", fmt)

    def _write_files(self, stage: Path, tables: dict, fmt: str, report: bool, texts) -> None:
        """Every file of the run into ``stage``; the page made beside the tables on a thread
        (its texts packed by ``texts``, a forked child, if given), after them on a spilled run."""
        with ThreadPoolExecutor(1) as pool:
            # the page is built beside the tables: both spend most of their time in
            # Arrow, numpy and zlib, which let go of the GIL; after them when the run's
            # texts are spilled (packing 10k documents' texts takes 0.25 GB beside a block)
            after = self._memory_first()
            page = pool.submit(self._write_report, stage, texts) if report and not after else None
            if self.merges is not None:
                tables["merges"] = self.merges
            for name, df in tables.items():
                if self.config.partitioned and name in self.written:
                    link_dataset(self.written[name], stage / name)
                elif self.config.partitioned:
                    write_dataset(df, stage / name)
                else:
                    write_table(df, stage / f"{name}.{fmt}", fmt)
            write_jsonl(self.rejects.to_dict("records"), stage / "rejects.jsonl")
            write_json(self.summary, stage / "summary.json")
            (stage / "summary.md").write_text(summary_markdown(self), encoding="utf-8")
            if page is not None:
                page.result()
            elif report and after:
                self._write_report(stage, texts)

    def _memory_first(self) -> bool:
        lazy = self._lazy("documents")
        return lazy is not None and lazy.spilled

    def _table_or_blocks(self, name: str) -> pd.DataFrame | Iterator[pd.DataFrame]:
        lazy = self._lazy(name)
        return getattr(self, name) if lazy is None else lazy.blocks(name)

    def _write_report(self, stage: Path, texts=None) -> None:
        from .report import REPORT_NAME, write_report

        write_report(self, stage / REPORT_NAME, texts=texts)


def texts_before_matches(tables: dict, config: Config, fork: Callable[..., Any]) -> Any:
    """The page's texts packed by ``fork`` (``runners.fork.forked_if_safe``) from the
    tables of a local run made before its matches (``tables.build_tables`` without them),
    or None: where the page shows the whole run and its ``documents`` and ``boilerplate``
    are one block in memory, the texts (every document's, in cluster order, then the
    removed paragraphs') do not depend on the matches, so a child packs them while the
    run's matching ends; the tables it reads are made first and kept for the writer."""
    from .report import packed_texts
    from .tables import LazyTables
    from . import schema

    lazy = tables["documents"]
    if not isinstance(lazy, LazyTables) or lazy.spilled or lazy is not tables["boilerplate"] \
            or len(lazy.cleaned) > min(config.report_max_docs, LazyTables.BLOCK):
        return None
    lazy.make_shared("documents")
    lazy.make_shared("boilerplate")
    # a local run's matches name only its own documents: none adds a row to the page
    before = Result(documents=lazy, clusters=tables["clusters"], matches=schema.frame([], schema.MATCHES),
                    boilerplate=lazy, pairs=tables["pairs"], rejects=tables["rejects"], config=config)
    return fork(packed_texts, before)


def _write_documents(result: Result, path: Path, fmt: str) -> None:
    write_table(result._table_or_blocks("documents"), path, fmt)


def peak_memory() -> dict[str, int]:
    """This process's peak resident memory so far (MB) and the largest of its children that
    have ended (cleaning helpers, forked children): for a run in a fresh process (the CLI),
    the run's peaks."""
    import resource

    def mb(who: int) -> int:
        return round(resource.getrusage(who).ru_maxrss / 1024)  # kilobytes on Linux

    return {"this_process": mb(resource.RUSAGE_SELF), "largest_child": mb(resource.RUSAGE_CHILDREN)}


def summary_markdown(result: Result, largest: int = 10, rejects: int = 10) -> str:
    """A short Markdown summary of the run (for a CI job's summary page)."""
    c = result.counts
    lines = ["# newsdedup run", ""]
    if result.index is not None:
        action = ("checked only (dry run)" if result.index.get("dry_run") else
                  "added to the index" if result.index.get("added") else "NOT added to the index")
        lines += [f"Drop `{result.index['drop']}`: {action}.", ""]
    lines += ["| records | kept | duplicates | rejected | clusters | clusters with duplicates |",
              "|---:|---:|---:|---:|---:|---:|",
              f"| {c['inputs']} | {c['kept']} | {c['duplicates']} | {c['rejected']} | {c['clusters']} | "
              f"{c['clusters_with_duplicates']} |", "", "## Gates", "", "| gate | limit | value | |", "|---|---:|---:|---|"]
    for name, g in result.gates.items():
        lines.append(f"| {name} | {g['limit']:g} | {g['value']:.4f} | {'pass' if g['passed'] else '**FAIL**'} |")
    if result.merges is not None and len(result.merges):
        lines += ["", "## Merged clusters", ""] + [f"- `{r.old_cluster_id}` -> `{r.new_cluster_id}`"
                                                    for r in result.merges.itertuples()]
    big = result.clusters[result.clusters["size"] > 1].sort_values(["size", "cluster_id"], ascending=[False, True])
    if len(big):
        lines += ["", "## Largest clusters", "", "| cluster | size | canonical |", "|---|---:|---|"]
        lines += [f"| `{r.cluster_id}` | {r.size} | `{r.canonical_id}` |" for r in big.head(largest).itertuples()]
    if len(result.rejects):
        lines += ["", "## Rejected", ""] + [f"- `{r.doc_id}`: {r.error}" for r in result.rejects.head(rejects).itertuples()]
        if len(result.rejects) > rejects:
            lines.append(f"- ... {len(result.rejects) - rejects} more in rejects.jsonl")
    return "\n".join(lines) + "\n"
