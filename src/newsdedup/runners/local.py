"""The local runner: every stage in this machine, per-document work on a process pool."""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

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


def map_drafts(records: list[Record], workers: int, progress: Progress | None = None) -> list[clean_stage.Draft]:
    """:func:`newsdedup.clean.draft` over records, in order, on ``workers`` processes."""
    total = len(records)
    if workers <= 1 or total < POOL_MIN_RECORDS:
        drafts = []
        for i, r in enumerate(records, 1):
            drafts.append(clean_stage.draft(r))
            if progress:
                progress("clean", i, total)
        return drafts
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["newsdedup.clean"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        drafts = []
        for d in pool.map(clean_stage.draft, records, chunksize=CHUNK):
            drafts.append(d)
            if progress and (len(drafts) % CHUNK == 0 or len(drafts) == total):
                progress("clean", len(drafts), total)
        return drafts


def run(inputs: Input | Iterable[Input], config: Config | None = None,
        progress: Progress | None = None) -> Result:
    """Read, clean, deduplicate and match ``inputs``; the tables come back as a :class:`Result`."""
    config = config or DEFAULT
    timings: dict[str, float] = {}
    with _timed(timings, "read"):
        records = list(read_inputs(inputs, config))
    log.info("read %d records", len(records))
    with _timed(timings, "clean"):
        drafts = map_drafts(records, config.n_workers, progress)
        evidence = clean_stage.corpus_templates(drafts, config)
        cleaned = sorted((clean_stage.finish(d, evidence, config) for d in drafts), key=lambda c: c.doc_id)
    good = [c for c in cleaned if c.error is None]
    log.info("cleaned %d records, %d rejected, %d template paragraphs", len(cleaned),
             len(cleaned) - len(good), len(evidence.templates))
    with _timed(timings, "dedup"):
        clustering = deduplicate([c.doc_id for c in good], [c.text for c in good], config)
    with _timed(timings, "match"):
        matches = paragraph_matches(clustering.doc_ids, [c.paragraphs for c in good],
                                    clustering.cluster_ids, clustering.canonical_ids, config)
    with _timed(timings, "tables"):
        tables = build_tables(cleaned, clustering, matches)
    return Result(**tables, config=config, timings=timings)

