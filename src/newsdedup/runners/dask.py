"""The Dask runner: the local runner's stages, per partition on Dask workers.

The input is planned here (directories walked, files grouped into partitions of about
``PARTITION_BYTES``, a big plain JSONL file split by byte ranges and a big Parquet file
by row groups (:class:`Piece`); a DataFrame is one partition). Then, on the workers:

1. per partition (pass 1): read its files, :func:`~newsdedup.clean.draft` every record
   and take its :class:`~newsdedup.clean.KeySummary`; the drafts stay on the worker
   (:class:`FirstPass`, held by a future) when the workers' memory limits leave room for
   them (:func:`holds_drafts`, as the local engine's :class:`~newsdedup.clean.Cleaner`
   holds its drafts within a budget); else each record is
   :func:`~newsdedup.clean.finish`-ed at once without corpus evidence and its draft
   dropped, and the clean documents stay there instead. Only each record's id and source
   and the partition's summaries packed into flat arrays (:class:`Heads`) come back;
2. here: doc-id clashes settled in input order (as :func:`~newsdedup.read.read_inputs`
   settles them), the templates found in the gathered summaries (as
   :func:`~newsdedup.clean.templates_from` finds them), and the documents holding one
   (as :func:`~newsdedup.clean.needing_templates` tells them): the documents whose clean
   text the templates change;
3. per partition (pass 2): the held drafts finished with the evidence; without them, only
   the records holding a template read again, drafted again and finished with the
   evidence, replacing their pass-1 documents; the clean texts signed
   (:func:`~newsdedup.dedup.signatures.signatures`); the clean documents and their
   signatures stay on the workers, held by futures (:class:`.dask_corpus.Finished`);
4. the corpus-wide steps (:mod:`.dask_corpus`): LSH banding as a shuffle of the
   partitions' band keys, verification here over the candidates' texts only (the passage
   index's long keys shingled on the workers meanwhile), matching here from the paragraph
   keys, and each partition's table rows made on its worker
   (with ``--partitioned``, the ``documents`` and ``boilerplate`` files written there).

This process holds every document's paragraph keys (matching reads them all; past
``spill_min_mb`` in a file here, :func:`.dask_corpus.keys_to_disk`), the template summaries
of every draft (packed, :class:`.packed.PackedSummaries`), the candidates' texts while they
are verified, and the small tables of the :class:`~newsdedup.result.Result`; its ``documents`` and
``boilerplate`` stay in each partition's sorted rows file beside the output
(:class:`~.dask_tables.DaskTables`), written a block at a time. A worker lost in the middle of a run
costs its tasks, which Dask runs again (a partition's documents, or its drafts, are made
again from its files).
"""

from __future__ import annotations

import logging
import shutil
import sys
import weakref
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import clean as clean_stage
from .. import write
from ..compression import compression_of
from ..config import Config
from ..outdir import scratch
from ..read import (Entry, Input, _read_frame, is_dask_frame, is_one_input, _read_jsonl, _read_parquet, _UniqueIds, id_base, path_entries,
                    read_file)
from ..records import Record
from ..result import Result, peak_memory
from .dask_corpus import (Corpus, Finished, Outline, SpilledAgain, cleaned_bytes, deduplicated, finished_bytes,
                          fits_on_workers, gather_each, keys_to_disk, matched, outline_bytes, outline_of,
                          rows_on_workers, tables_of)
from .local import Progress, _frozen, _timed
from .packed import PackedSummaries, evidence_of
from .spill import Spill, needed as spill_needed

log = logging.getLogger(__name__)

PARTITION_BYTES = 64 * 2**20  # input bytes of a partition at most (a .gz file counted at 4x its size)...
MIN_PARTITION_BYTES = 1 * 2**20  # ...and at least, unless the input is smaller
PARTITIONS_PER_WORKER = 8  # enough partitions that the workers finish together
SLACK_SHARE = 64  # a partition may pass its size by 1/64 rather than take a piece of a file that small
WORKER_TABLES = ("documents", "boilerplate")  # written by the workers with --partitioned
COMPRESSED = 4  # characters a byte of a compressed file holds, roughly (as runners.cleaning counts it)
DRAFT_SHARE = 0.25  # of a worker's memory limit its partitions' drafts may take from pass 1 to pass 2



@dataclass
class Piece:
    """Part of a big file, read by one task: ``kind`` "jsonl": the lines that start in
    bytes ``span[0]``..``span[1]``, the first numbered ``span[2]`` (0 until
    :func:`number_lines` counted them); "parquet": row groups ``span[0]``..``span[1]``,
    after ``span[2]`` rows. Its records have the ids and sources of the whole file's."""

    entry: Entry
    kind: str
    span: tuple[int, int, int]
    size: int


@dataclass
class FramePart:
    """Partition ``number`` of a Dask DataFrame given as input: its rows numbered from
    ``first_row`` (set by :func:`frame_parts`), as the rows of one pandas DataFrame are."""

    name: str
    number: int
    frame: Any = None  # the Dask DataFrame, on the client only
    first_row: int = 1


# a partition's sources: a rejected record, a file to read, a piece of one, a DataFrame with its name,
# or a Dask DataFrame's partition
Source = Record | Entry | Piece | tuple[str, pd.DataFrame] | FramePart


@dataclass
class Partition:
    number: int
    sources: list[Source] = field(default_factory=list)
    size: int = 0  # estimated input bytes


@dataclass
class FirstPass(SpilledAgain):
    """A partition's pass 1, held on the worker until pass 2: its records' drafts
    (``drafts``, when the workers hold them), or else its records cleaned without corpus
    evidence (``cleaned``: the answer already for every document holding no template
    paragraph). ``spill``: pass 2 keeps its clean documents in a spill file too."""

    cleaned: list[clean_stage.Cleaned]
    drafts: list[clean_stage.Draft] | None = None
    spill: bool = False


@dataclass
class Heads:
    """A partition's records in reading order: each one's id and source, which are
    readable, and the template summaries of those (packed: a few arrays, not an object
    a record, for the client to gather)."""

    ids: list[str]
    sources: list[str]
    readable: np.ndarray  # bool
    summaries: PackedSummaries  # of the readable records, in order


def first_pass_bytes(first: FirstPass) -> int:
    drafts = sum(d.raw_chars for d in first.drafts) * clean_stage.DRAFT_BYTES_PER_CHAR if first.drafts else 0
    return cleaned_bytes(first.cleaned) + drafts


def _register_sizes() -> None:
    """Dask told the memory of a partition's clean documents: it counts an
    object it does not know as a few bytes, and would move them to disk only once the
    worker's memory is over its limit's spill threshold as "unmanaged" memory. Done where
    Dask is loaded already (a worker): the local engine imports this module too, and must
    not pay for importing Dask."""
    if "dask" not in sys.modules:
        return
    from dask.sizeof import sizeof

    sizeof.register(FirstPass)(first_pass_bytes)
    sizeof.register(Outline)(outline_bytes)
    sizeof.register(Finished)(finished_bytes)


_register_sizes()


# --------------------------------------------------------------------------- planning (client)


def plan(inputs: Input | Iterable[Input], config: Config, workers: int) -> list[Partition]:
    """The input's sources in reading order, grouped into partitions of contiguous sources."""
    if is_one_input(inputs) or is_dask_frame(inputs):
        inputs = [inputs]
    inputs = list(inputs)
    base = id_base([item for item in inputs if not is_dask_frame(item)])
    sources: list[tuple[Source, int]] = []
    frames = 0
    for item in inputs:
        if isinstance(item, pd.DataFrame) or is_dask_frame(item):
            frames += 1
            name = "dataframe" if frames == 1 else f"dataframe-{frames}"
            if is_dask_frame(item):  # each of its partitions a partition of its own
                sources.extend((FramePart(name, k, item), PARTITION_BYTES) for k in range(item.npartitions))
            else:
                sources.append(((name, item), PARTITION_BYTES))  # a partition of its own
        else:
            sources.extend((entry, _size(entry)) for entry in path_entries(Path(item), base, config))
    total = sum(size for _, size in sources)
    wanted = PARTITIONS_PER_WORKER * max(1, workers)
    target = min(PARTITION_BYTES, max(MIN_PARTITION_BYTES, -(-total // wanted)))
    slack = target // SLACK_SHARE
    partitions: list[Partition] = []
    for whole, whole_size in sources:
        room = target - partitions[-1].size if partitions else 0
        for source, size in _split(whole, whole_size, target, config, room):
            if not partitions or (partitions[-1].size + size > target + slack and partitions[-1].sources):
                partitions.append(Partition(len(partitions)))
            partitions[-1].sources.append(source)
            partitions[-1].size += size
    return partitions


def _split(source: Source, size: int, target: int, config: Config, room: int = 0) -> list[tuple[Source, int]]:
    """A plain JSONL or Parquet file larger than ``target`` as pieces of about ``target``
    bytes (JSONL: byte ranges; Parquet: runs of row groups); any other source whole. A
    plain JSONL file that overflows the ``room`` left in the partition being filled is cut
    there first, so that the partitions come out even (each is a task of the stage, and
    the last one to finish holds the stage up)."""
    if not isinstance(source, Entry) or size > config.max_file_bytes:
        return [(source, size)]
    name = source.path.name.lower()
    if name.endswith((".jsonl", ".ndjson")):
        if size <= room + target // SLACK_SHARE:
            return [(source, size)]
        first = room if room >= target // SLACK_SHARE else 0
        if not first and size <= target:
            return [(source, size)]
        cuts = [0, *range(first or target, size, target), size]
        return [(Piece(source, "jsonl", (start, stop, 0), stop - start), stop - start)
                for start, stop in zip(cuts, cuts[1:])]
    if size <= target:
        return [(source, size)]
    if name.endswith(".parquet"):
        return [(p, p.size) for p in _row_group_pieces(source, target, config)] or [(source, size)]
    return [(source, size)]


def _row_group_pieces(entry: Entry, target: int, config: Config) -> list[Piece]:
    """Runs of row groups of about ``target`` compressed bytes; none (read the file whole)
    where the reader would reject the file as a whole or it has a single row group."""
    import pyarrow.parquet as pq

    from ..read import _as_fields

    try:
        meta = pq.ParquetFile(entry.path).metadata
        groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
        names = set(_as_fields(meta.schema.to_arrow_schema().names, config))
    except Exception:  # noqa: BLE001 - the reader reports what is wrong with the file
        return []
    if len(groups) < 2 or not {"text", "html"} & names or sum(g.total_byte_size for g in groups) > config.max_file_bytes:
        return []
    pieces: list[Piece] = []
    first, rows, size = 0, 0, 0
    for i, group in enumerate(groups):
        size += sum(group.column(c).total_compressed_size for c in range(group.num_columns))
        if size >= target or i == len(groups) - 1:
            pieces.append(Piece(entry, "parquet", (first, i + 1, rows), size))
            rows += sum(g.num_rows for g in groups[first:i + 1])
            first, size = i + 1, 0
    return pieces


def _size(entry: Entry | Record) -> int:
    if isinstance(entry, Record):
        return 0
    try:
        size = entry.path.stat().st_size
    except OSError:
        return 0
    return size * COMPRESSED if compression_of(entry.path.name) else size


# --------------------------------------------------------------------------- tasks (workers)


def read_partition(partition: Partition, config: Config, skipped: Counter,
                   frame: pd.DataFrame | None = None) -> Iterator[Record]:
    """The records of a partition, in reading order (ids not yet made unique); ``frame``:
    the rows of its Dask DataFrame partition."""
    for source in partition.sources:
        if isinstance(source, FramePart):
            yield from _read_frame(frame, source.name, source.name, config, first_row=source.first_row)
        elif isinstance(source, Record):
            yield source
        elif isinstance(source, Entry):
            yield from read_file(source.path, source.file_id, config, skipped)
        elif isinstance(source, Piece):
            yield from read_piece(source, config)
        else:
            name, frame = source
            yield from _read_frame(frame, name, name, config)


def read_piece(piece: Piece, config: Config) -> Iterator[Record]:
    entry = piece.entry
    if piece.kind == "jsonl":
        yield from _read_jsonl(entry.path, entry.file_id, config, span=piece.span)
    else:
        yield from _read_parquet(entry.path, entry.file_id, config, row_groups=piece.span)


def count_lines(path: Path, start: int, stop: int) -> tuple[int, int, int]:
    """Where the first line starting at or after byte ``start`` starts, and the newlines
    in bytes ``start``..that start and in ``start``..``stop``."""
    with open(path, "rb") as fh:
        first = start
        if start > 0:
            fh.seek(start - 1)
            if fh.read(1) != b"\n":
                fh.readline()
                first = fh.tell()
        fh.seek(start)
        newlines, left = 0, stop - start
        while left > 0:
            block = fh.read(min(left, 1 << 22))
            if not block:
                break
            newlines += block.count(b"\n")
            left -= len(block)
    return first, int(first > start), newlines


def clean_first(partition: Partition, config: Config, frame: pd.DataFrame | None = None, spill: bool = False,
                hold: bool = False) -> tuple[FirstPass, tuple[Heads, Counter]]:
    """Pass 1: every record drafted and summarised; its draft held for pass 2 (``hold``),
    or else finished at once without corpus evidence and dropped. The held drafts or clean
    documents, and the records' :class:`Heads` with what the files held besides records.
    ``spill``: the clean documents' paragraphs, keys and removed paragraphs kept in a
    temporary file on the worker (:class:`~.spill.Spill`, one a partition, gone with its
    documents)."""
    skipped: Counter = Counter()
    cleaned: list[clean_stage.Cleaned] = []
    drafts: list[clean_stage.Draft] = []
    ids: list[str] = []
    sources: list[str] = []
    readable: list[bool] = []
    summaries: list[clean_stage.KeySummary] = []
    store = Spill() if spill and not hold else None
    with clean_stage.gc_paused():
        for record in read_partition(partition, config, skipped, frame):
            d = clean_stage.draft(record)
            ids.append(d.doc_id)
            sources.append(d.source)
            readable.append(d.error is None)
            if d.error is None:
                summaries.append(clean_stage.key_summary(d, config))
            if hold:
                drafts.append(d)
                continue
            cleaned.append(clean_stage.finish(d, clean_stage.NO_EVIDENCE, config))
            if store is not None:
                store.put(cleaned[-1:])
    heads = Heads(ids, sources, np.array(readable, dtype=bool), PackedSummaries.of(summaries))
    return FirstPass(cleaned, drafts if hold else None, spill), (heads, skipped)


def held_documents(first: tuple[FirstPass, Any]) -> FirstPass:
    return first[0]


def template_heads(first: tuple[Any, tuple[Heads, Counter]]) -> tuple[Heads, Counter]:
    return first[1]


def finish_partition(first: FirstPass, partition: Partition, redo: list[int], clashes: dict[int, Record],
                     evidence: clean_stage.Evidence, config: Config, frame: pd.DataFrame | None = None) -> Finished:
    """Pass 2: the held drafts finished with the corpus evidence; without them, the records
    at positions ``redo`` (those holding a template paragraph) read again, drafted again
    and finished with it, in place of their pass-1 documents. ``clashes`` (the records
    that lost their id to an earlier one, by position) rejected; the readable documents
    signed."""
    from ..dedup.signatures import signatures

    with clean_stage.gc_paused():
        if first.drafts is not None:
            cleaned = [clean_stage.finish(d, evidence, config) if i not in clashes else None
                       for i, d in enumerate(first.drafts)]
        else:
            cleaned = list(first.cleaned)
            for i, record in read_again(partition, config, redo, frame):
                cleaned[i] = clean_stage.finish(clean_stage.draft(record), evidence, config)
        for i, record in clashes.items():
            cleaned[i] = clean_stage.finish(clean_stage.draft(record), evidence, config)
    texts = [c.text for c in cleaned if c.error is None]
    signed = signatures(texts, config.num_perm, config.seed, config.shingle_size, threads=1)
    del texts
    if first.spill:  # the documents pass 1 spilled stay so; the others join them in a file
        Spill().put(cleaned)
    return Finished(cleaned, signed)


def read_again(partition: Partition, config: Config, positions: list[int], frame: pd.DataFrame | None = None
               ) -> Iterator[tuple[int, Record]]:
    """The records of ``positions`` (ascending) of a partition, read again; nothing read
    when there are none, and nothing after the last."""
    wanted = set(positions)
    if not wanted:
        return
    last = max(wanted)
    for i, record in enumerate(read_partition(partition, config, Counter(), frame)):
        if i in wanted:
            yield i, record
        if i >= last:
            return


def dask_setup(worker=None) -> None:
    """``dask worker --preload newsdedup.runners.dask``: the kernels loaded from numba's
    cache (``NEWSDEDUP_CACHE_DIR``) when the worker starts, compiled into it if missing,
    before the first task arrives."""
    from ..dedup.signatures import signatures
    from .cleaning import _WARM_UP

    clean_stage.draft(_WARM_UP)
    signatures(["a few words to sign"], 16)


# --------------------------------------------------------------------------- the run (client)


@contextmanager
def _client(config: Config, client=None):
    """``client`` if given (left open); else a client of ``config.scheduler``, or of a
    LocalCluster of ``config.n_workers`` single-threaded worker processes (closed after),
    whose scheduler moves no queued task to an idle worker: a task's inputs are a
    partition's documents, which cost more to pickle over than to wait for, and the
    partitions' first tasks are handed out from the scheduler's queue as workers free up.
    Its workers do not sample their tasks' stacks for the dashboard's profile (every 10 ms:
    100k synthetic documents, 0.7-2.9 s of 42-45 s)."""
    if client is not None:
        yield client
        return
    import dask
    from distributed import Client, LocalCluster

    try:
        if config.scheduler:
            with Client(config.scheduler) as own:
                yield own
            return
        with dask.config.set({"distributed.scheduler.work-stealing": False,
                              "distributed.worker.profile.enabled": False}), \
                LocalCluster(n_workers=config.n_workers, threads_per_worker=1, processes=True,
                             dashboard_address=":0") as cluster, Client(cluster) as own:
            yield own
    finally:
        release_threads()


def release_threads() -> None:
    """Stop the thread distributed leaves running once a client is closed (its offload
    pool's, made again lazily the next time it is used): the local engine forks its
    helpers only from a process that runs no other thread (:func:`.fork.fork_is_safe`)."""
    from concurrent.futures import ThreadPoolExecutor

    from distributed import utils

    old = utils._offload_executor
    utils._offload_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="Dask-Offload")
    old.shutdown(wait=True)


def number_lines(client, partitions: list[Partition]) -> None:
    """Each JSONL piece's span set to the lines that start in it, numbered as in the whole
    file: every piece's newlines counted by a task, then added up here, in file order."""
    pieces = [s for p in partitions for s in p.sources if isinstance(s, Piece) and s.kind == "jsonl"]
    counted = client.gather(client.map(count_lines, [p.entry.path for p in pieces], [p.span[0] for p in pieces],
                                       [p.span[1] for p in pieces], pure=False))
    before: dict[Path, int] = {}  # newlines of a file before the piece's span
    for i, (piece, (first, to_first, newlines)) in enumerate(zip(pieces, counted)):
        last_of_file = i + 1 == len(pieces) or pieces[i + 1].entry != piece.entry
        stop = piece.span[1] if last_of_file else counted[i + 1][0]
        seen = before.get(piece.entry.path, 0)
        piece.span = (first, max(first, stop), 1 + seen + to_first)
        before[piece.entry.path] = seen + newlines


def frame_parts(client, partitions: list[Partition]) -> list[Any]:
    """For each partition, the future of its Dask DataFrame partition (None for the rest);
    every :class:`FramePart`'s rows numbered on from the partitions before it (their
    lengths counted on the workers) and its DataFrame dropped, so it is not sent along."""
    found = [(i, s) for i, p in enumerate(partitions) for s in p.sources if isinstance(s, FramePart)]
    delayed: dict[int, list] = {}
    for _, part in found:
        delayed.setdefault(id(part.frame), part.frame.to_delayed())
    futures = client.compute([delayed[id(part.frame)][part.number] for _, part in found])
    lengths = client.gather(client.map(len, futures, pure=False))
    by_partition: list[Any] = [None] * len(partitions)
    rows_before: Counter = Counter()
    for (i, part), future, length in zip(found, futures, lengths):
        part.first_row, part.frame = 1 + rows_before[part.name], None
        rows_before[part.name] += length
        by_partition[i] = future
    return by_partition


def run_dask(inputs: Input | Iterable[Input], config: Config, progress: Progress | None = None,
             client=None) -> Result:
    """:func:`newsdedup.run` on Dask: same stages, same tables as the local runner."""
    timings: dict[str, float] = {}
    with _client(config, client) as dask_client:
        log.info("dask: scheduler %s, dashboard %s", dask_client.scheduler.address, dask_client.dashboard_link)
        workers = max(1, len(dask_client.scheduler_info().get("workers", {})))
        with _timed(timings, "read"):
            partitions = plan(inputs, config, workers)
            number_lines(dask_client, partitions)
            frames = frame_parts(dask_client, partitions)
            log.info("plan: %d partitions on %d workers", len(partitions), workers)
        with _timed(timings, "clean"):
            finished, skipped = _clean(dask_client, partitions, frames, config, progress)
            del frames
            on_disk = spill_needed(sum(p.size for p in partitions), config.spill_min_mb)
            outlines = [dask_client.submit(outline_of, f, on_disk, pure=False) for f in finished]
            corpus = Corpus.of(gather_each(dask_client, outlines, keys_to_disk(Spill()) if on_disk else None))
        log.info("clean: %d readable records, %.2f s", len(corpus.ids), timings["clean"])
        with _frozen():
            with _timed(timings, "dedup"):
                shingling: list = []
                clustering = deduplicated(dask_client, finished, corpus, config, workers, shingling)
            log.info("dedup: %d documents in %d clusters, %.2f s", len(corpus.ids), len(clustering.clusters),
                     timings["dedup"])
            folder = scratch(config.out)  # the partitions' rows, beside the output
            try:
                rows = rows_on_workers(dask_client, finished, corpus, clustering, folder, config.partitioned)
                with _timed(timings, "match"):
                    matches = matched(dask_client, corpus, clustering, config, shingling[0] if shingling else None)
                    del shingling
                log.info("match: %d paragraph matches, %.2f s", len(matches), timings["match"])
                del corpus.keys
                with _timed(timings, "tables"):
                    tables = tables_of(dask_client, rows, corpus, clustering, folder, config.partitioned,
                                       write.PARTITION_ROWS)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            log.info("tables: %.2f s", timings["tables"])
        del finished  # the clean documents on the workers are released
    result = Result(**tables, matches=matches, config=config, timings=timings, skipped=dict(skipped),
                    memory=peak_memory(), written={name: folder / name for name in WORKER_TABLES}
                    if config.partitioned else {})
    if config.partitioned:  # once the result is gone (written, or not), so are the workers' files
        weakref.finalize(result, shutil.rmtree, folder, True)
    return result



def _clean(client, partitions: list[Partition], frames: list[Any], config: Config, progress: Progress | None
           ) -> tuple[list[Any], Counter]:
    """The futures of each partition's :class:`Finished` documents (held on the workers),
    and what the input files held besides records. The template evidence is an argument
    of each pass-2 task, not scattered data: Dask cannot make scattered data again, and a
    broadcast reaches only the workers of its time, so two workers lost one after the
    other lost it for good; a task made again after its worker is lost carries it."""
    from distributed import as_completed

    spill = spill_needed(sum(p.size for p in partitions), config.spill_min_mb)
    hold = holds_drafts(client, partitions)
    log.info("pass 1: drafts %s on the workers until pass 2", "held" if hold else "not held")
    firsts = [client.submit(clean_first, p, config, f, spill, hold, pure=False) for p, f in zip(partitions, frames)]
    # the halves split off as soon as a partition's pass 1 is done (before the worker's next
    # partition): waiting behind it, a split was handed to an idle worker, which then copied
    # the whole pass 1 over (seconds of pickling for a few milliseconds of work)
    held = [client.submit(held_documents, f, pure=False, priority=1) for f in firsts]
    heads = [client.submit(template_heads, f, pure=False, priority=1) for f in firsts]
    del firsts  # each pair released once split: the summaries leave the workers once gathered
    total_kb = max(1, sum(p.size for p in partitions) // 1024)
    done_kb = 0
    number = {h.key: i for i, h in enumerate(heads)}
    gathered: list = [None] * len(heads)  # fetched as each is done, not after the last
    finished = None
    for finished in as_completed(heads):
        i = number[finished.key]
        gathered[i] = finished.result()
        done_kb += partitions[i].size // 1024
        if progress:
            progress("clean", min(done_kb, total_kb), total_kb)
    del heads, finished
    clashes, kept, skipped = _settle_ids(gathered)
    evidence, needing = _templates(gathered, kept, config)
    redo = [positions.tolist() for positions in needing]
    del gathered, kept
    # the evidence (a set of template keys, small) travels in each task: a task placed
    # beside its partition's held documents then needs nothing from another worker (as
    # one task's result it drew tasks to that worker, and the held documents were pickled
    # over to it), and a task made again after a worker is lost still has it
    if hold:  # the held drafts are finished where they are: nothing is read again
        redo = [[] for _ in redo]
    finishing = [client.submit(finish_partition, h, p, r, c, evidence, config, f if r else None, pure=False)
                 for h, p, r, c, f in zip(held, partitions, redo, clashes, frames)]
    del held  # the pass-1 documents on the workers are released once replaced
    return finishing, skipped


def holds_drafts(client, partitions: list[Partition]) -> bool:
    """Whether the workers hold their partitions' drafts from pass 1 to pass 2: when the
    drafts of a worker's share of the input (``DRAFT_BYTES_PER_CHAR`` a byte of it) fit in
    ``DRAFT_SHARE`` of the smallest worker memory limit (or the workers have none). Else
    none is held, and pass 2 reads and drafts again the records holding a template (at 1M
    synthetic documents on two 3 GB workers: 8 GB of drafts a worker, held by none). A
    partition cleaned again after its worker is lost holds its drafts again: the decision
    is an argument of its task."""
    drafts = sum(p.size for p in partitions) * clean_stage.DRAFT_BYTES_PER_CHAR
    return fits_on_workers(client, drafts, DRAFT_SHARE)


def _settle_ids(gathered: list[tuple[Heads, Counter]]) -> tuple[list[dict[int, Record]], list[np.ndarray], Counter]:
    """Each id handed out once, in reading order: the clashes of each partition (by
    position), the positions of each partition's records that keep their id and are
    readable (the ones with a template summary), and the skipped counts of every partition."""
    ids = _UniqueIds()
    clashes: list[dict[int, Record]] = []
    kept: list[np.ndarray] = []
    skipped: Counter = Counter()
    for heads, counted in gathered:
        skipped.update(counted)
        lost: dict[int, Record] = {}
        for i, (doc_id, source) in enumerate(zip(heads.ids, heads.sources)):
            clash = ids.clash_of(doc_id, source)
            if clash is not None:
                lost[i] = clash
        clashes.append(lost)
        keeps = heads.readable.copy()
        keeps[list(lost)] = False
        kept.append(np.flatnonzero(keeps))
    return clashes, kept, skipped


def _templates(gathered: list[tuple[Heads, Counter]], kept: list[np.ndarray], config: Config
               ) -> tuple[clean_stage.Evidence, list[np.ndarray]]:
    """:func:`~newsdedup.clean.templates_from` over the summaries of the records at
    ``kept`` (positions in each partition), and, per partition, the positions of those
    holding a template paragraph (:func:`~newsdedup.clean.holding_templates`): the records
    pass 2 drafts again."""
    packed, part, position, ids = [], [], [], []
    for p, ((heads, _), keeps) in enumerate(zip(gathered, kept)):
        among_readable = np.cumsum(heads.readable) - 1  # a readable record's number among the summaries
        rows = among_readable[keeps]  # ascending: all of them when no readable record lost its id
        packed.append(heads.summaries if rows.size == len(heads.summaries) else heads.summaries.take(rows))
        part.append(np.full(keeps.size, p, dtype=np.int64))
        position.append(keeps)
        ids.extend(heads.ids[i] for i in keeps.tolist())
    summaries = PackedSummaries.joined(packed)
    del packed
    evidence = evidence_of(ids, summaries, config)
    del ids
    needing: list[np.ndarray] = [np.empty(0, np.int64) for _ in gathered]
    holding = clean_stage.holding_templates(summaries.flat("keys"), summaries.sizes(), evidence)
    if holding.size:
        part_of, position_of = np.concatenate(part)[holding], np.concatenate(position)[holding]
        for p in np.unique(part_of).tolist():
            needing[p] = np.sort(position_of[part_of == p])
    return evidence, needing
