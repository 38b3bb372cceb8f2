"""The local runner: every stage in this machine, per-document work on a process pool."""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, nullcontext

from .. import clean as clean_stage
from ..config import DEFAULT, Config
from ..dedup import deduplicate
from ..match import paragraph_matches
from ..read import Input, read_inputs
from ..records import Record
from ..result import Result
from ..tables import build_tables

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
POOL_MIN_RECORDS = 64  # below this a pool costs more than it saves
CHUNK = 16


@contextmanager
def _timed(timings: dict[str, float], stage: str):
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def _pool(workers: int, n_items: int):
    """A process pool for per-document work, or None where one would cost more than it saves."""
    if workers <= 1 or n_items < POOL_MIN_RECORDS:
        return nullcontext(None)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["newsdedup.clean"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx)


def _map(pool: ProcessPoolExecutor | None, fn: Callable, items: list, progress: Progress | None = None) -> list:
    """fn over items, in order, on the pool if there is one."""
    total = len(items)
    results = pool.map(fn, items, chunksize=CHUNK) if pool is not None else map(fn, items)
    out = []
    for item in results:
        out.append(item)
        if progress and (len(out) % CHUNK == 0 or len(out) == total):
            progress("clean", len(out), total)
    return out


def clean_records(records: list[Record], config: Config = DEFAULT, progress: Progress | None = None
                  ) -> tuple[list[clean_stage.Cleaned], clean_stage.Evidence]:
    """Draft every record on the pool, gather the corpus evidence, finish every draft
    here; sorted by doc id. Finishing applies the rules to scored paragraphs, which
    costs less than pickling a draft to a worker and back."""
    with _pool(config.n_workers, len(records)) as pool:
        drafts = _map(pool, clean_stage.draft, records, progress)
    evidence = clean_stage.corpus_templates(drafts, config)
    cleaned = [clean_stage.finish(d, evidence, config) for d in drafts]
    return sorted(cleaned, key=lambda c: c.doc_id), evidence


def run(inputs: Input | Iterable[Input], config: Config | None = None,
        progress: Progress | None = None) -> Result:
    """Read, clean, deduplicate and match ``inputs``; the tables come back as a :class:`Result`."""
    config = config or DEFAULT
    timings: dict[str, float] = {}
    with _timed(timings, "read"):
        records = list(read_inputs(inputs, config))
    log.info("read %d records", len(records))
    with _timed(timings, "clean"):
        cleaned, evidence = clean_records(records, config, progress)
    good = [c for c in cleaned if c.error is None]
    log.info("cleaned %d records, %d rejected, %d template paragraphs", len(cleaned),
             len(cleaned) - len(good), len(evidence.templates))
    with _timed(timings, "dedup"):
        clustering = deduplicate([c.doc_id for c in good], [c.text for c in good], config, [c.keys for c in good])
    with _timed(timings, "match"):
        by_id = {c.doc_id: c for c in good}
        matches = paragraph_matches(clustering.doc_ids, [by_id[d].paragraphs for d in clustering.doc_ids],
                                    clustering.cluster_ids, clustering.canonical_ids, config,
                                    [by_id[d].keys for d in clustering.doc_ids])
    with _timed(timings, "tables"):
        tables = build_tables(cleaned, clustering, matches)
    return Result(**tables, config=config, timings=timings)

