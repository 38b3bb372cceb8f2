"""The local runner: every stage in this machine, cleaning on worker processes (``engine="dask"``:
the same stages on Dask, :mod:`.dask`)."""

from __future__ import annotations

import gc
import importlib
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from .. import clean as clean_stage
from ..config import DEFAULT, Config
from ..dedup import JoinedTexts, deduplicate
from ..read import Input, is_dask_frame, is_frame, is_one_input, read_inputs
from ..records import Record
from ..spool import Spooled
from .cleaning import Helpers, _file_sizes, clean_on_workers, helpers_for
from .fork import Forked, children_allowed, fork_is_safe, forked_if_safe
from .later import Later
from .spill import Spill, column as spilled_column, needed as spill_needed

if TYPE_CHECKING:
    from ..match import KeyStats
    from ..result import Result

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
FORK_MIN_DOCS = 1000  # below this, building the passage index costs less than forking a child
# Above this, the later stages run in this process: a forked child comes to own a copy of
# most of the parent's heap (its pages turn private as either process touches the objects on
# them), about 4.6 kB a document, 1 GB at 200k; at 1M two workers peaked at 12.0 GB against
# 5.87 GB for one and were no faster.
FORK_MAX_DOCS = 200_000


@contextmanager
def _frozen():
    """Everything alive now (the records and their clean texts) out of the cyclic garbage
    collector's sight while the later stages run: they hold no cycles, and every collection
    would walk them all again (8% of dedup, matching and tables on 10k documents). A caller
    that froze objects itself keeps them frozen: then nothing is done here."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    start = time.perf_counter()
    log.debug("%s: started", stage)
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``): what
    cleaning and dedup freed stays resident otherwise, counted in this process's memory
    and, worse, reused by a forked child for its own allocations, which copies each page
    it writes to. Nothing elsewhere."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _workers(config: Config) -> int:
    """Processes this run may use: one in a daemonic process (a ``multiprocessing.Pool``
    worker), which may start none."""
    return config.n_workers if children_allowed() else 1


def clean_records(records: Iterable[Record], config: Config = DEFAULT, progress: Progress | None = None,
                  pool: Helpers | None = None, prior: Callable | None = None,
                  again: Callable[[], Iterable[Record]] | None = None, total: int | None = None,
                  keep: clean_stage.Keep = clean_stage.in_memory) -> tuple[list[clean_stage.Cleaned], clean_stage.Evidence]:
    """Clean ``records`` (streamed when ``again`` reads them again, see
    :func:`~newsdedup.clean.clean_in_process`) on this process, and on worker processes
    when the input is large enough to pay for starting them (``pool``, if already started,
    else new ones); sorted by doc id. ``prior``: called with the records' ``(doc_id,
    KeySummary)`` list, returns the earlier documents' to add to the template evidence
    (an index's); ``total``: the input's characters, estimated (for ``progress``); ``keep``:
    applied to the clean documents as they come (a :class:`~.spill.Spill`'s ``put``)."""
    report = (lambda done, whole: progress("clean", done, whole)) if progress else None
    records, again, total = clean_stage.replayable(records, again, total)
    if _workers(config) > 1 and (pool is not None or (total or 0) >= max(config.workers_min_mb * 1e6, 1)):
        cleaned, evidence = clean_on_workers(records, config, config.n_workers, report, pool, prior, again, total,
                                             keep)
    else:
        if pool is not None:
            pool.close()
        cleaned, evidence = clean_stage.clean_in_process(records, config, report, prior, again, total, keep)
    return sorted(cleaned, key=lambda c: c.doc_id), evidence


def _no_dask_frames(inputs) -> None:
    """A Dask DataFrame iterates over its column names: refused here, not read as paths."""
    if is_dask_frame(inputs) or (isinstance(inputs, (list, tuple)) and any(map(is_dask_frame, inputs))):
        raise ValueError('a Dask DataFrame is read on the Dask engine: newsdedup.run(..., engine="dask")')


def run(inputs: Input | Iterable[Input], config: Config | None = None,
        progress: Progress | None = None, *, index: str | os.PathLike | None = None,
        drop: str | None = None, dry_run: bool = False, engine: str | None = None, client=None,
        report_soon: bool = False, **index_options) -> Result:
    """Read, clean, deduplicate and match ``inputs``; the tables come back as a :class:`Result`.

    ``index``: a corpus index file (see :mod:`newsdedup.index`): ``inputs`` are one drop,
    deduplicated against the index and added to it (``drop``: its name; ``dry_run``:
    nothing added). ``engine``: ``"local"`` or ``"dask"`` (default ``config.engine``);
    ``client``: a ``distributed.Client`` to run on (implies the Dask engine);
    ``report_soon``: the caller writes the result with its report page once it has it (the
    CLI does): a local run with two workers then has a forked child pack the page's texts
    while its matching ends (see :func:`~newsdedup.result.texts_before_matches`)."""
    config = (config or DEFAULT).replace(engine="dask" if client is not None else engine)
    if config.engine == "dask":
        if index is not None:
            raise ValueError("an index run (index=...) runs on the local engine only")
        if any(isinstance(item, Spooled) for item in (inputs if isinstance(inputs, (list, tuple)) else [inputs])):
            raise ValueError("standard input (a Spooled input) is read by the local engine only")
        from .dask import run_dask

        return run_dask(inputs, config, progress, client=client)
    _no_dask_frames(inputs)
    if index is not None:
        from ..index.run import run_drop

        return run_drop(inputs, config, index, drop=drop, dry_run=dry_run, progress=progress, **index_options)
    timings: dict[str, float] = {}
    skipped: Counter = Counter()
    cleaned, evidence = read_and_clean(inputs, config, progress, timings, skipped=skipped)
    good = [c for c in cleaned if c.error is None]
    with _frozen():
        tables, texts = _deduplicated_tables(cleaned, good, config, timings, report_soon=report_soon)
    from ..result import Result, peak_memory

    result = Result(**tables, config=config, timings=timings, skipped=dict(skipped), memory=peak_memory())
    result.texts_beside = texts
    if _beside_work(config, len(cleaned)):
        # the page is built in a forked child while this process writes the tables: in a
        # thread beside them it held the GIL for most of its time (its Python part), and on
        # a spilled run it came after them
        result.report_beside = forked_if_safe
    return result


def read_and_clean(inputs: Input | Iterable[Input], config: Config, progress: Progress | None,
                   timings: dict[str, float], screen: Callable | None = None,
                   prior: Callable | None = None, skipped: Counter | None = None
                   ) -> tuple[list[clean_stage.Cleaned], clean_stage.Evidence]:
    """Read and clean ``inputs``, streamed: records are read as cleaning takes them, and
    the few whose clean text depends on the corpus templates are read again (see
    :class:`~newsdedup.clean.Cleaner`); sorted by doc id. ``screen(records)``: the
    records to clean and the ``Cleaned`` rows of those it rejects before cleaning;
    ``prior``: see :func:`clean_records`; ``skipped``: see
    :func:`~newsdedup.read.read_inputs`."""
    # with two workers and input files large enough for them, the cleaning helpers are
    # forked before the input is read: they load the cleaning kernels while this process
    # reads (cleaning closes them, even unused)
    single = is_one_input(inputs)
    if not single:
        inputs = list(inputs)  # an iterator is walked more than once: sized, read, read again
    pool = helpers_for(config, [inputs] if single else inputs)
    later = _LaterStages() if pool is not None else None
    screened: list[clean_stage.Cleaned] = []
    reading = _Reading(read_inputs(inputs, config, skipped), screen, screened)
    start = time.perf_counter()
    log.debug("read and clean: started")
    total = input_chars(inputs)
    spill = Spill() if spill_needed(total, config.spill_min_mb) else None
    keep = spill.put if spill is not None else clean_stage.in_memory
    try:
        cleaned, evidence = clean_records(reading, config, progress, pool, prior,
                                          again=lambda: read_inputs(inputs, config), total=total, keep=keep)
    finally:
        if pool is not None:
            pool.close()  # a no-op once cleaning has closed it
        if later is not None:
            later.join()  # before the later stages fork their children
    if spill is not None:
        spill.seal()
        cleaned = spill.compacted(cleaned)
        release_free_memory()
    timings["read"] = timings.get("read", 0.0) + reading.seconds
    timings["clean"] = timings.get("clean", 0.0) + time.perf_counter() - start - reading.seconds
    log.info("read: %d records, %.2f s", reading.count, reading.seconds)
    log.info("clean: %d records, %d rejected, %d template paragraphs, %.2f s", len(cleaned),
             sum(c.error is not None for c in cleaned), len(evidence.templates), timings["clean"])
    if screened:
        cleaned = sorted(cleaned + screened, key=lambda c: c.doc_id)
    return cleaned, evidence


class _LaterStages(threading.Thread):
    """The later stages' modules (pandas among them, 0.3 s) imported on a thread while the
    helpers clean: this process hands the helpers their first chunks at once instead of
    after importing them (the helpers' kernels are loaded by then), and the imports take
    turns with its own cleaning. Joined once cleaning is done, before anything is forked
    again (a fork copies one thread). An import that fails here fails again where the
    module is used, and is reported there."""

    MODULES = ("pandas", "newsdedup.match", "newsdedup.tables", "newsdedup.result")

    def __init__(self) -> None:
        super().__init__(name="newsdedup-imports", daemon=True)
        self.start()

    def run(self) -> None:
        for name in self.MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - raised again where it is imported for use
                return


class _Reading:
    """The records of ``records`` as cleaning takes them (``screen``: see
    :func:`read_and_clean`, applied to batches; what it rejects goes to ``screened``),
    counted and timed."""

    BATCH = 256

    def __init__(self, records: Iterator[Record], screen: Callable | None, screened: list) -> None:
        self.records, self.screen, self.screened = records, screen, screened
        self.count, self.seconds = 0, 0.0

    def __iter__(self) -> Iterator[Record]:
        while True:
            start = time.perf_counter()
            batch = list(islice(self.records, self.BATCH))
            if not batch:
                self.seconds += time.perf_counter() - start
                return
            if self.screen is not None:
                batch, rejected = self.screen(batch)
                self.screened.extend(rejected)
            self.seconds += time.perf_counter() - start
            self.count += len(batch)
            yield from batch


def input_chars(inputs: Input | Iterable[Input]) -> int:
    """The input's characters, estimated from file sizes (as :func:`.cleaning.files_reach`
    counts them) and DataFrames' text and HTML columns: the length of the cleaning
    progress bar."""
    items = [inputs] if is_one_input(inputs) else inputs
    total = 0
    for item in items:
        if is_frame(item):
            for column in ("text", "html"):
                if column in item.columns:
                    total += sum(len(v) for v in item[column] if isinstance(v, str))
        else:
            total += int(sum(_file_sizes(Path(item))))
    return total


def _deduplicated_tables(cleaned: list[clean_stage.Cleaned], good: list[clean_stage.Cleaned], config: Config,
                         timings: dict[str, float], signatures=None, report_soon: bool = False) -> tuple[dict, object]:
    """Dedup, matching and the output tables, and a forked child packing the report page's
    texts (``report_soon``, where :func:`~newsdedup.result.texts_before_matches` can), or
    None. With two workers, a forked child builds the
    cross-cluster search's paragraph index (it does not depend on the clusters) while
    this process deduplicates, and another aligns cluster members while this one expands
    the cross-cluster pairs and builds the other tables (threads would gain little: each
    of these holds the GIL for much of its time); then the page's texts are packed in a
    third while this process waits for the other two and writes the tables."""
    from ..match import (across_columns, cluster_numbers, merged_columns, paragraph_match_columns, passage_index,
                         within_columns)
    from ..result import texts_before_matches
    from ..tables import build_tables, matches_table

    release_free_memory()  # before the children are forked
    keys = spilled_column([c.keys for c in good])  # one object when spilled: what a forked child reads
    words = [c.n_words for c in good]
    fork = FORK_MIN_DOCS <= len(good) and _beside_work(config, len(good))
    # the index child works on two threads: the longer of the two lanes, it takes the
    # core this process leaves free (its dedup holds the GIL much of its time); it gets
    # the clusters once dedup has them, so that it neither counts nor scores the pairs of
    # paragraphs found only inside one cluster (half of them, and a third of its CPU)
    clusters = Later(len(good), np.int64) if fork and fork_is_safe() else None
    stats = _key_stats(good) if clusters is not None else None
    index = Forked(partial(passage_index, threads=_match_threads(config, len(good)), clusters_later=clusters,
                           stats=stats), keys, config) if clusters is not None else None
    try:
        if clusters is not None:
            clusters.forked()
        with _timed(timings, "dedup"):
            clustering = deduplicate([c.doc_id for c in good], JoinedTexts([c.paragraphs for c in good]), config,
                                     keys, signatures)
        if clusters is not None:
            clusters.send(cluster_numbers(clustering.cluster_ids))
    except BaseException:
        if index is not None:
            index.stop()
        raise
    finally:
        if clusters is not None:
            clusters.close()
    log.info("dedup: %d documents in %d clusters, %.2f s", len(good), len(set(clustering.cluster_ids)),
             timings["dedup"])
    ids = clustering.doc_ids  # the order of ``good``: the index's documents
    release_free_memory()
    within = Forked(within_columns, ids, keys, clustering.canonical_ids, config) if index and fork_is_safe() else None
    if within is None:
        with _timed(timings, "match"):
            matches = paragraph_match_columns(ids, [c.paragraphs for c in good], clustering.cluster_ids,
                                              clustering.canonical_ids, config, keys, words,
                                              index.result() if index else None,
                                              threads=_match_threads(config, len(good)),
                                              stats=None if index else _key_stats(good))
        log.info("match: %d paragraph matches, %.2f s", len(matches), timings["match"])
        del keys
        _release_keys(good)
        release_free_memory()
        with _timed(timings, "tables"):
            tables = build_tables(cleaned, clustering, matches, lazy=True)
        log.info("tables: %.2f s", timings["tables"])
        return tables, None
    timings.setdefault("match", 0.0)  # reported in stage order, though timed in two parts
    with _timed(timings, "tables"):  # first: the index child usually finishes after dedup
        tables = build_tables(cleaned, clustering, lazy=True)
    # the page's texts need no matches: packed on the core the alignment child leaves
    texts = texts_before_matches(tables, config, forked_if_safe) if report_soon else None
    try:
        with _timed(timings, "match"):
            across = across_columns(ids, keys, clustering.cluster_ids, config, index=index.result())
            del keys
            matches = merged_columns(ids, within.result(), across)
    except BaseException:
        if texts is not None:
            texts.stop()
        raise
    if texts is None:
        # once the children have exited: a page a child still shares would be copied here
        # as its objects are freed (25k pages at 10k documents), none given back
        _release_keys(good)
    log.info("match: %d paragraph matches, %.2f s", len(matches), timings["match"])
    with _timed(timings, "tables"):
        tables["matches"] = matches_table(matches)
    log.info("tables: %.2f s", timings["tables"])
    return tables, texts


def _beside_work(config: Config, n_docs: int) -> bool:
    """Whether a second core takes work beside this process's after cleaning (a forked
    child, matching's second thread): with more than one worker, up to FORK_MAX_DOCS
    documents. Past it a forked child comes to own a copy of most of the heap, and the two
    halves of matching on two threads gain little (each holds the GIL much of its time)
    while their peaks add up (about 0.2 GB at 1M)."""
    return _workers(config) > 1 and n_docs <= FORK_MAX_DOCS


def _match_threads(config: Config, n_docs: int) -> int:
    return 2 if _beside_work(config, n_docs) else 1


def _key_stats(good: list[clean_stage.Cleaned]) -> KeyStats | None:
    """The passage index's :class:`~newsdedup.match.KeyStats`, from the words and hashes
    cleaning computed for each key (the keys are not read again: 2.3 CPU-s on 100k
    synthetic documents), which are let go then (0.14 GB on 1M documents)."""
    from ..match import carried_key_stats

    stats = carried_key_stats([c.n_words for c in good], [c.key_hashes for c in good])
    for c in good:
        c.key_hashes = b""
    return stats


def _release_keys(good: list[clean_stage.Cleaned]) -> None:
    """The paragraph keys are dedup's and matching's (a third of a clean document's memory):
    gone before the tables are written, unless a forked child packing the page's texts
    shares their pages then (see :func:`_deduplicated_tables`)."""
    for c in good:
        c.keys = []
