"""Cleaning on worker processes that keep their drafts.

Cleaning is two per-document steps around one corpus-wide one (:mod:`newsdedup.clean`):
draft every record, find the templates from every draft's :class:`~newsdedup.clean.KeySummary`,
finish every draft. A worker drafts the chunks of records it takes from a shared queue
and keeps the drafts; only the small summaries travel to this process. Once the
templates are known every worker finishes the drafts it holds, and only the clean
results travel back. A draft (paragraph objects) costs several times more to pickle
than the record it came from, so it never crosses a process boundary.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable

from .. import clean as clean_stage
from ..config import Config
from ..records import Record

CHUNK = 16  # records per task at most: enough to amortise a queue round trip...
CHUNK_CHARS = 200_000  # ...and fewer when they are large, so that slow HTML pages spread over the workers
_POLL_S = 1.0  # how often a waiting parent checks that its workers are alive


def clean_on_workers(records: list[Record], config: Config, workers: int,
                     progress: Callable[[int, int], None] | None = None
                     ) -> tuple[list[clean_stage.Cleaned], clean_stage.Evidence]:
    """Clean ``records`` on ``workers`` processes; results in the order of ``records``."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["newsdedup.clean"])
    tasks, results = ctx.Queue(), ctx.Queue()
    orders = [ctx.Queue() for _ in range(workers)]
    procs = [ctx.Process(target=_work, args=(tasks, orders[w], results, config), daemon=True)
             for w in range(workers)]
    for p in procs:
        p.start()
    try:
        chunks = _chunks(records)
        for number, chunk in enumerate(chunks):
            tasks.put((number, chunk))
        for _ in procs:
            tasks.put(None)  # no more records
        summaries: list[tuple[str, clean_stage.KeySummary]] = []
        done = 0
        for _ in chunks:
            drafted = _receive(results, procs)
            summaries += drafted[1]
            done += drafted[0]
            if progress:
                progress(done, len(records))
        evidence = clean_stage.templates_from(summaries, config)
        for order in orders:
            order.put(evidence)
        cleaned: list[list[clean_stage.Cleaned]] = [[] for _ in chunks]
        for _ in chunks:
            number, chunk_cleaned = _receive(results, procs)
            cleaned[number] = chunk_cleaned
        for p in procs:
            p.join()
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
    return [c for chunk in cleaned for c in chunk], evidence


def _chunks(records: list[Record]) -> list[list[Record]]:
    chunks: list[list[Record]] = []
    size = 0
    for r in records:
        if not chunks or len(chunks[-1]) >= CHUNK or size >= CHUNK_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(r)
        size += r.raw_chars
    return chunks


def _receive(results, procs):
    """The next message from a worker; a worker that died makes this raise, not hang."""
    while True:
        try:
            message = results.get(timeout=_POLL_S)
        except queue.Empty:
            dead = [p for p in procs if p.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"a cleaning worker exited with code {dead[0].exitcode}") from None
            continue
        if isinstance(message, BaseException):
            raise message
        return message


def _work(tasks, order, results, config: Config) -> None:  # pragma: no cover - runs in a worker process
    try:
        held: dict[int, list[clean_stage.Draft]] = {}
        while (task := tasks.get()) is not None:
            number, chunk = task
            drafts = held[number] = [clean_stage.draft(r) for r in chunk]
            results.put((len(drafts), [(d.doc_id, clean_stage.key_summary(d, config)) for d in drafts if d.error is None]))
        evidence = order.get()
        for number, drafts in held.items():
            results.put((number, [clean_stage.finish(d, evidence, config) for d in drafts]))
    except BaseException as exc:  # sent to the parent, which raises it
        results.put(exc)
