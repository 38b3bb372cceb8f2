"""Cleaning on this process and helper processes that keep their drafts.

Cleaning is two per-document steps around one corpus-wide one (:mod:`newsdedup.clean`):
draft every record, find the templates from every draft's :class:`~newsdedup.clean.KeySummary`,
finish every draft. This process drafts chunks of records itself and keeps a few chunks
queued for each helper; a helper drafts the chunks it takes and keeps the drafts, and
only the small summaries travel to this process. Once the templates are known every
process finishes the drafts it holds, and only the helpers' clean results travel back.
A draft (paragraph objects) costs several times more to pickle than the record it came
from, so it never crosses a process boundary; and this process, already running, works
from the start while a helper is still starting (imports, numba's cache).
"""

from __future__ import annotations

import array
import dataclasses
import fcntl
import gc
import multiprocessing
import operator
import os
import queue
import termios
import threading
from collections.abc import Callable, Iterable
from multiprocessing.reduction import ForkingPickler
from pathlib import Path

from .. import clean as clean_stage
from ..config import Config
from ..compression import compression_of
from ..records import Record
from .fork import children_allowed, fork_is_safe, stop_with_parent
from .packed import PackedSummaries, evidence_of, holding_ids
from .spill import as_row, from_row

CHUNK = clean_stage.CHUNK  # records per task at most: enough to amortise a queue round trip
AHEAD = 8  # chunks queued per helper, so that a helper never waits for this process
_POLL_S = 1.0  # how often a waiting parent checks that its workers are alive
COMPRESSED_CHARS = 4  # characters a byte of a compressed file holds, roughly (scraped text and HTML gzip 3-6x)


class Helpers:
    """``count`` helper processes, started now: where they are forked, each loads the
    cleaning kernels at once (numba's start, 0.6-0.9 s) while this process goes on, so a
    pool started before the input is read is ready sooner. :func:`clean_on_workers` uses
    and closes them; :meth:`close` them if they are not used."""

    def __init__(self, config: Config, count: int) -> None:
        ctx = _context()
        self.config = config
        # a pipe of chunks per pass: the parent takes back chunks no helper has taken yet, and
        # in one pipe it could take a helper's end-of-pass mark (a helper that started late)
        self.tasks = {"first": _Tasks(ctx), "again": _Tasks(ctx)}
        self.results = _Results(ctx)
        self.orders = [ctx.Queue() for _ in range(count)]
        parent = os.getpid() if ctx.get_start_method() == "fork" else None  # else: the fork server
        self.procs = [ctx.Process(target=_work, args=(self.tasks, self.orders[w], self.results, config, parent),
                                  daemon=True) for w in range(count)]
        # forked helpers start at once; from a fork server, the first start waits for it to
        # import the cleaning code: started from a thread, while this process goes on
        self._closed = False
        self._starter = threading.Thread(target=lambda: [p.start() for p in self.procs], daemon=True)
        if ctx.get_start_method() == "fork":
            self._starter.run()
        else:
            self._starter.start()

    def join(self) -> None:
        """Wait for helpers that were told there is no more work."""
        if self._starter.ident is not None:
            self._starter.join()
        for p in self.procs:
            p.join()

    def close(self, finished: bool = False) -> None:
        """Stop the helpers still running (``finished``: they took every message sent);
        closing twice does nothing more."""
        if self._closed:
            return
        self._closed = True
        if self._starter.ident is not None:
            self._starter.join()
        for p in self.procs:
            if p.is_alive():
                p.terminate()
                p.join()  # reaped: a stopped helper leaves no process behind
        for tasks in self.tasks.values():
            tasks.close(finished)
        for q in self.orders:
            _close_queue(q, finished)


_prestarted: Helpers | None = None


def prestart(config: Config, inputs: Iterable[object]) -> None:
    """Fork the cleaning helpers of a run of ``inputs`` with ``config`` now, if forking is
    safe and the files on disk are large enough for them. The CLI calls this before it
    imports the rest of the pipeline (pandas and the later stages, about 0.4 s), so that
    the other cores start loading the cleaning kernels that much sooner;
    :func:`helpers_for` hands them to the run."""
    global _prestarted
    if _prestarted is None:
        _prestarted = _forked_helpers(config, inputs)


def helpers_for(config: Config, inputs: Iterable[object]) -> Helpers | None:
    """Helpers for a run of ``inputs`` with ``config``, forked before they are read: the
    pre-started ones if they were started with this config, else new ones if the files
    look large enough; None where forking is not safe or no child may be started
    (cleaning then decides, once the input is read)."""
    global _prestarted
    pool, _prestarted = _prestarted, None
    if pool is not None and pool.config == config:
        return pool
    if pool is not None:
        pool.close()
    return _forked_helpers(config, inputs)


def _forked_helpers(config: Config, inputs: Iterable[object]) -> Helpers | None:
    if config.n_workers < 2 or not fork_is_safe() or not children_allowed():
        return None
    if not files_reach(inputs, config.workers_min_mb * 1e6):
        return None
    # the kernels loaded here first (0.27-0.30 CPU-s), which this process needs for its
    # own share of cleaning anyway: forked helpers inherit them instead of loading them
    # each, and start drafting as soon as they would have after loading them
    _warm_up()
    return Helpers(config, config.n_workers - 1)


def _warm_up() -> None:
    """numba's start and the cleaning kernels loaded in this process: a draft, its summary and its finish."""
    draft = clean_stage.draft(_WARM_UP)
    clean_stage.finish(draft)
    clean_stage.key_summary(draft)


def files_reach(inputs: Iterable[object], chars: float) -> bool:
    """Whether the files and directories among ``inputs`` hold at least ``chars`` characters,
    judged from their sizes on disk (a ``.gz`` file's times ``COMPRESSED_CHARS``) and
    walked only until they do: cheap enough to decide before reading whether cleaning
    will want helpers. Anything else (a DataFrame) counts nothing."""
    total = 0.0
    for item in inputs:
        if isinstance(item, (str, os.PathLike)):
            for size in _file_sizes(Path(item)):
                total += size
                if total >= chars:
                    return True
    return total >= chars


def _file_sizes(path: Path):
    """Estimated characters of each file under ``path`` (unreadable ones count nothing)."""
    try:
        if not path.is_dir():
            yield path.stat().st_size * (COMPRESSED_CHARS if compression_of(path.name) else 1)
            return
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    yield from _file_sizes(Path(entry.path))
                elif entry.is_file():
                    yield entry.stat().st_size * (COMPRESSED_CHARS if compression_of(entry.name) else 1)
    except OSError:
        return


@clean_stage.gc_paused()  # this process holds drafts as clean_in_process does (helpers: see _work)
def clean_on_workers(records: Iterable[Record], config: Config, workers: int,
                     progress: Callable[[int, int], None] | None = None, pool: Helpers | None = None,
                     prior: Callable | None = None, again: Callable[[], Iterable[Record]] | None = None,
                     total: int | None = None, keep: clean_stage.Keep = clean_stage.in_memory
                     ) -> tuple[list[clean_stage.Cleaned], clean_stage.Evidence]:
    """Clean ``records`` on this process and ``workers - 1`` helper processes (``pool``:
    helpers already started), in two passes (:class:`~newsdedup.clean.Cleaner`); results
    in the order of ``records``. ``again``, ``progress``, ``total``, ``prior`` and ``keep``: as for
    :func:`~newsdedup.clean.clean_in_process`."""
    records, again, total = clean_stage.replayable(records, again, total)
    pool = pool or Helpers(config, max(1, workers - 1))
    finished = False
    try:
        run = _TwoPasses(pool, config, progress, total, keep)
        run.first(records)
        evidence, needing = run.templates(prior)
        run.again(again, evidence, needing)
        pool.join()
        finished = True
    finally:
        pool.close(finished)
    return [c for chunk in run.chunks for c in chunk], evidence


class _TwoPasses:
    """The parent's side of :func:`clean_on_workers`: it hands chunks out to the helpers
    (a few queued for each), cleans chunks itself in between, and collects the results."""

    def __init__(self, pool: Helpers, config: Config, progress, total: int | None,
                 keep: clean_stage.Keep = clean_stage.in_memory) -> None:
        self.pool, self.config, self.progress, self.total, self.keep = pool, config, progress, total, keep
        # rows go to a spill in this process: the helpers send their parts pickled, written
        # to the file as they come (this process no longer unpickles them and pickles them again)
        self.pickled = bool(getattr(keep, "pickled_parts", False))
        self.own = clean_stage.Cleaner(config, clean_stage.hold_chars(config))
        self.chunks: list[list[clean_stage.Cleaned]] = []
        self.held: set[int] = set()  # chunks whose drafts a process kept
        self.ids: list[str] = []  # of the readable records, as their summaries came
        self.summaries: list[PackedSummaries] = []  # a chunk's each
        self.sizes: dict[int, int] = {}
        self.done = 0

    def first(self, records: Iterable[Record]) -> None:
        """Pass 1: every chunk drafted and summarised; a chunk whose drafts a process keeps
        answers pending rows, any other is finished without corpus evidence."""
        def clean_here(number: int, chunk: list[Record]) -> None:
            summaries, cleaned = self.own.first(number, chunk)
            self._took(number, *_packed(summaries), self.keep(cleaned), number in self.own.held)

        def register(number: int, chunk: list[Record]) -> None:
            self.chunks.append([])
            self.sizes[number] = sum(r.raw_chars for r in chunk)

        self._spread("first", enumerate(clean_stage.chunked(records)), register, clean_here)

    def templates(self, prior: Callable | None) -> tuple[clean_stage.Evidence, set[str]]:
        """The corpus evidence from every chunk's summaries (and ``prior``'s: see
        :func:`clean_on_workers`), and the ids of the documents holding a template."""
        summaries = PackedSummaries.joined(self.summaries)
        self.summaries = []
        if prior is None:
            evidence = evidence_of(self.ids, summaries, self.config)
            return evidence, holding_ids(self.ids, summaries, evidence)
        pairs = list(zip(self.ids, summaries))
        evidence = clean_stage.templates_from(pairs + prior(pairs), self.config)
        return evidence, clean_stage.needing_templates(pairs, evidence)

    def again(self, again: Callable[[], Iterable[Record]], evidence: clean_stage.Evidence, needing: set[str]) -> None:
        """Pass 2: the kept drafts finished where they are, the other documents that hold a
        template read, drafted and finished again. This process reads them and keeps the
        helpers' queues full (they first finish their own kept drafts); while they are
        full it finishes its own kept drafts a chunk at a time (all at once, the helpers
        would run out of records meanwhile), then drafts the records it reads."""
        missing = needing - {c.doc_id for n in self.held for c in self.chunks[n]}
        for order in self.pool.orders:
            order.put((evidence, self.pickled))
        place = clean_stage.positions(self.chunks, missing)  # a kept chunk's placeholders have the same ids
        helpers_kept = len(self.held) - len(self.own.held)

        def refinish_here(number: int) -> Callable[[], None]:
            return lambda: clean_stage.apply_refinished(
                self.chunks, {number: self.own.refinish_chunk(number, evidence)}, self.keep)

        def clean_here(number: int, chunk: list[Record]) -> None:
            clean_stage.apply_again(self.chunks, place, self.keep(self.own.again(chunk, evidence)))

        def take_again(rows: list[tuple]) -> None:
            clean_stage.apply_again(self.chunks, place, self.keep([from_row(row) for row in rows]))

        chunks = clean_stage.chunked(r for r in again() if r.doc_id in missing) if missing else iter(())
        self._spread("again", enumerate(chunks), lambda number, chunk: None, clean_here, take_again,
                     refinished=helpers_kept, own=[refinish_here(number) for number in list(self.own.held)])

    def _spread(self, kind: str, numbered, register, clean_here, take_again=None, refinished: int = 0,
                own: list[Callable[[], None]] | None = None) -> None:
        """Hand ``numbered`` chunks out to the helpers, keeping ``AHEAD`` queued for each;
        whenever their queues are full, do one piece of ``own`` work here, or once there
        is none left, clean the chunk here; then the ``own`` work left and what is still
        queued, here; then every result in (and ``refinished`` chunks of the helpers'
        kept drafts, finished)."""
        pool = self.pool
        limit = AHEAD * len(pool.procs)
        sent = received = 0
        own = list(own or [])

        def take(message) -> None:
            nonlocal received, refinished
            if message[0] == "refinished":
                refinished -= 1
                _, number, at, rows = message
                clean_stage.apply_refinished(self.chunks, {number: list(zip(at, map(from_row, rows)))}, self.keep)
                return
            received += 1
            if message[0] == "first":
                number, ids, summaries, rows, held = message[1:]
                self._took(number, ids, summaries, self.keep([from_row(row) for row in rows]), held)
            else:
                take_again(message[2])

        def take_waiting() -> None:
            # read as soon as this process is between chunks: a helper whose results fill
            # the pipe waits until they are read
            while (message := _poll(pool.results, pool.procs)) is not None:
                take(message)

        for number, chunk in numbered:
            register(number, chunk)
            while True:
                take_waiting()
                if sent - received < limit and \
                        pool.tasks[kind].put((kind, number, [_record_fields(r) for r in chunk], self.pickled)):
                    sent += 1
                    break
                if not own:
                    clean_here(number, chunk)
                    break
                own.pop()()
        for work in own:
            take_waiting()
            work()
        while (task := pool.tasks[kind].steal()) is not None:  # helpers slow to start, a small input
            clean_here(task[1], _records(task[2]))
            sent -= 1
        for _ in pool.procs:
            pool.tasks[kind].end()  # no more chunks in this pass
        while received < sent or refinished:
            take(_receive(pool.results, pool.procs))

    def _took(self, number: int, ids: list[str], summaries: PackedSummaries, cleaned: list[clean_stage.Cleaned],
              held: bool) -> None:
        """A chunk's results: its clean documents (already kept), and its readable records' ids and summaries."""
        self.chunks[number] = cleaned
        self.ids.extend(ids)
        self.summaries.append(summaries)
        if held:
            self.held.add(number)
        self.done += self.sizes.pop(number)
        if self.progress:
            total = self.total or self.done
            self.progress(min(self.done, total), total)


def _context(method: str | None = None):
    """Forked helpers where that is safe: on Linux, from a process running no other thread
    (a fork copies one thread, and any lock another thread held stays held); else a fork
    server's. A forked helper has the cleaning code imported and starts drafting once numba
    has loaded its kernels, as this process does; a fork server's helper first waits for
    that server to start and import the code (10k documents: its first chunk after 0.7-0.9 s
    instead of 2.0 s). ``method``: one of the two, chosen by the caller."""
    if method is None:
        method = "fork" if fork_is_safe() else "forkserver"
    if method == "fork":
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["newsdedup.clean"])
    return ctx


class _Tasks:
    """A pass's chunks for the helpers. On Linux, a pipe this process writes each task to
    itself, which the helpers read under a lock. (A ``multiprocessing.Queue`` writes from
    a feeder thread, which needs the GIL again after each write, a task's header and then
    its body: with this process drafting, up to the 5 ms switch interval each time; and
    its pipe of 64 KiB holds one task of 16 records, which a helper drafts in 7 ms.) The
    pipe is enlarged (``PIPE_BYTES``) and a task written only while it fits beside those
    no helper has read yet (else this process cleans the chunk itself), so a write never
    waits for a helper. Elsewhere, a ``multiprocessing.Queue``."""

    PIPE_BYTES = 1 << 20

    def __init__(self, ctx) -> None:
        self._reader, self._writer = ctx.Pipe(duplex=False)
        self._lock = ctx.Lock()
        self.capacity = _enlarged(self._writer.fileno(), self.PIPE_BYTES)
        self._queue = ctx.Queue() if self.capacity is None else None

    def put(self, task) -> bool:
        """Send ``task`` if it fits in the pipe now; whether it was sent."""
        if self._queue is not None:
            self._queue.put(task)
            return True
        blob = ForkingPickler.dumps(task)
        unread = _unread(self._writer.fileno())
        # a pipe holds whole pages: the page being read and the one being written are part-used
        if unread is None or unread + len(blob) + 3 * _PAGE > self.capacity:
            return False
        self._writer.send_bytes(blob)
        return True

    def end(self) -> None:
        """Tell a helper that the pass has no more chunks (a few bytes: they always fit)."""
        if self._queue is not None:
            self._queue.put(None)
        else:
            self._writer.send_bytes(ForkingPickler.dumps(None))

    def get(self):
        """The next task, or None at the end of the pass (a helper's call: it waits for one)."""
        if self._queue is not None:
            return self._queue.get()
        with self._lock:
            blob = self._reader.recv_bytes()
        return ForkingPickler.loads(blob)

    def steal(self):
        """A task no helper has taken yet, if any (this process's call)."""
        if self._queue is not None:
            try:
                return self._queue.get_nowait()
            except queue.Empty:
                return None
        if not self._lock.acquire(False):
            return None
        try:
            blob = self._reader.recv_bytes() if self._reader.poll() else None
        finally:
            self._lock.release()
        return None if blob is None else ForkingPickler.loads(blob)

    def close(self, finished: bool) -> None:
        self._reader.close()
        self._writer.close()
        if self._queue is not None:
            _close_queue(self._queue, finished)


_PAGE = 4096


class _Results:
    """What the helpers send back. On Linux, a pipe (enlarged as :class:`_Tasks`'s) each
    helper writes its messages to itself, under a lock; it waits only while the pipe is
    full, which this process empties between its own chunks. (A ``multiprocessing.Queue``'s
    feeder thread needs the helper's GIL after each write: with the helper drafting, its
    results come late, and this process, counting them, takes the helper's queue for full.)
    Elsewhere, a ``multiprocessing.Queue``. Read by this process only (``get`` and
    ``get_nowait`` raise ``queue.Empty`` as a queue's do)."""

    def __init__(self, ctx) -> None:
        self._reader, self._writer = ctx.Pipe(duplex=False)
        self._lock = ctx.Lock()
        self._queue = ctx.Queue() if _enlarged(self._writer.fileno(), _Tasks.PIPE_BYTES) is None else None

    def put(self, message) -> None:
        if self._queue is not None:
            self._queue.put(message)
            return
        blob = ForkingPickler.dumps(message)
        with self._lock:
            self._writer.send_bytes(blob)

    def get(self, timeout: float | None = None):
        if self._queue is not None:
            return self._queue.get(timeout=timeout)
        if not self._reader.poll(timeout):
            raise queue.Empty
        return ForkingPickler.loads(self._reader.recv_bytes())

    def get_nowait(self):
        return self.get(0)


def _close_queue(q, finished: bool) -> None:
    q.close()
    if finished:  # every message was taken: the queue's feeder thread ends at once
        q.join_thread()  # (a later fork needs this process to run no other thread)
    else:  # what a dead helper never took must not hold up this process's exit
        q.cancel_join_thread()


def _enlarged(fd: int, size: int) -> int | None:
    """The capacity of the pipe ``fd``, raised to ``size`` bytes where the system allows
    (Linux's ``F_SETPIPE_SZ``; if refused, as it is); None where it does not say."""
    try:
        return fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
    except (AttributeError, OSError):
        try:
            return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
        except (AttributeError, OSError):
            return None


def _unread(fd: int) -> int | None:
    """Bytes written to the pipe ``fd`` that no one has read yet (None if the system does not say)."""
    count = array.array("i", [0])
    try:
        fcntl.ioctl(fd, termios.FIONREAD, count)
    except OSError:
        return None
    return count[0]


def _poll(results, procs):
    """A worker's message if one is waiting, else None (a dead worker makes this raise)."""
    try:
        message = results.get_nowait()
    except queue.Empty:
        _check_alive(procs)
        return None
    if isinstance(message, BaseException):
        raise message
    return message


def _check_alive(procs) -> None:
    dead = [p for p in procs if p.exitcode not in (None, 0)]
    if dead:
        raise RuntimeError(f"a cleaning worker exited with code {dead[0].exitcode}")


def _receive(results, procs):
    """The next message from a worker; a worker that died makes this raise, not hang."""
    while True:
        try:
            message = results.get(timeout=_POLL_S)
        except queue.Empty:
            _check_alive(procs)
            continue
        if isinstance(message, BaseException):
            raise message
        return message


_WARM_UP = Record(doc_id="warm-up", source="warm-up",
                  text="Menu\nA sentence long enough to be read as a paragraph of the article, about nothing.")


_record_fields = operator.attrgetter(*(f.name for f in dataclasses.fields(Record)))


def _records(fields: list[tuple]) -> list[Record]:
    """Records as a helper gets them: a task sends each as a tuple of its fields (no
    Python call per record to pickle or unpickle it)."""
    return [Record(*values) for values in fields]


def _packed(summaries: list[tuple[str, clean_stage.KeySummary]]) -> tuple[list[str], PackedSummaries]:
    """A chunk's ``(doc_id, KeySummary)`` pairs as their ids and a few flat arrays: a
    helper sends six arrays a chunk instead of four a document, and this process keeps
    them so (the template search reads them flat)."""
    return [doc_id for doc_id, _ in summaries], PackedSummaries.of([s for _, s in summaries])


def _rows(cleaned: list[clean_stage.Cleaned], pickled: bool) -> list[tuple]:
    """Clean documents as a helper sends them (:func:`~.spill.as_row`)."""
    return [as_row(c, pickled) for c in cleaned]


def _work(tasks, order, results, config: Config, parent: int | None) -> None:  # pragma: no cover - in a helper
    stop_with_parent(parent)
    gc.disable()  # a helper only cleans (see clean.gc_paused)
    try:
        _warm_up()  # before the first chunk arrives (nothing left to load where this process was forked)
        cleaner = clean_stage.Cleaner(config, clean_stage.hold_chars(config))
        while (task := tasks["first"].get()) is not None:
            _, number, chunk, pickled = task
            summaries, cleaned = cleaner.first(number, _records(chunk))
            results.put(("first", number, *_packed(summaries), _rows(cleaned, pickled), number in cleaner.held))
        evidence, pickled = order.get()
        for number in list(cleaner.held):  # a message a chunk, so that this process takes them as they come
            pairs = cleaner.refinish_chunk(number, evidence)
            results.put(("refinished", number, [i for i, _ in pairs], _rows([c for _, c in pairs], pickled)))
        while (task := tasks["again"].get()) is not None:
            _, number, chunk, pickled = task
            results.put(("again", number, _rows(cleaner.again(_records(chunk), evidence), pickled)))
    except BaseException as exc:  # sent to the parent, which raises it
        results.put(exc)
