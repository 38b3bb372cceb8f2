#!/usr/bin/env python
"""Memory of the Dask engine on workers with a memory limit (issue 17: 1M documents on two
workers of 3 GB each, no worker killed for memory).

``../shared/eval/make_corpus.py --n N --seed 1`` written as ``--shards`` JSONL files (as
``bench_scale.py`` writes them; ``--corpus DIR`` reuses such a folder), then in this process
``LocalCluster(n_workers=--workers, threads_per_worker=1, memory_limit=--memory-limit)``,
``newsdedup.run(docs, client=client)`` and ``Result.write()`` (single Parquet files and
``report.html``). Every 0.2 s the proportional set size (PSS) of each process is sampled:
the workers' peaks, and this process's (the client, with the scheduler in it). A worker
restarted by its nanny (for memory, or lost) shows as a worker process id that was not
there at the start. The default 100k takes about 10 minutes here; 1M about 25-30.

Last line: ``dask_restarts=<k> worker_peak_gb=<x> client_peak_gb=<y> seconds=<s>``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import corpus  # noqa: E402  (same corpus, same shards)


def _pss(process: psutil.Process) -> int:
    try:
        return process.memory_full_info().pss
    except (AttributeError, psutil.AccessDenied):
        return process.memory_info().rss


class Sampler(threading.Thread):
    """The peak PSS of this process and of each Dask worker process, every ``every`` s."""

    def __init__(self, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.every, self.stop = every, threading.Event()
        self.client_peak = 0
        self.worker_peaks: dict[int, int] = {}

    def run(self) -> None:
        me = psutil.Process()
        while not self.stop.is_set():
            try:
                self.client_peak = max(self.client_peak, _pss(me))
                for child in me.children(recursive=True):
                    try:
                        if "spawn_main" in " ".join(child.cmdline()):  # a nanny's worker process
                            self.worker_peaks[child.pid] = max(self.worker_peaks.get(child.pid, 0), _pss(child))
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self.stop.wait(self.every)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="3GB")
    parser.add_argument("--corpus", type=Path, help="a folder of JSONL shards made before (skips generating)")
    args = parser.parse_args()

    import distributed

    import newsdedup

    with tempfile.TemporaryDirectory(prefix="bench-dask-memory-") as tmp:
        docs = args.corpus or corpus(args.n, args.shards, Path(tmp) / "corpus")
        sampler = Sampler()
        sampler.start()
        start = time.perf_counter()
        with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                      memory_limit=args.memory_limit, dashboard_address=":0") as cluster, \
                distributed.Client(cluster) as client:
            first = set(client.run(os.getpid).values())
            result = newsdedup.run(docs, newsdedup.Config(workers=args.workers), client=client)
            result.write(Path(tmp) / "out")
            last = set(client.run(os.getpid).values())
            rows = len(result.documents)
        seconds = time.perf_counter() - start
        sampler.stop.set()
        sampler.join()
    seen = set(sampler.worker_peaks) | last
    restarts = len(seen - first)
    peaks = sorted((v / 1e9 for v in sampler.worker_peaks.values()), reverse=True)
    print(f"{rows:,} documents on {args.workers} Dask workers of {args.memory_limit}: {seconds:.0f} s "
          f"(load {os.getloadavg()[0]:.1f}); stages {', '.join(f'{k} {v:.0f} s' for k, v in result.timings.items())}")
    print(f"worker peaks (PSS) {' / '.join(f'{p:.2f}' for p in peaks)} GB; client with the scheduler "
          f"{sampler.client_peak / 1e9:.2f} GB; workers restarted: {restarts}")
    print(f"dask_restarts={restarts} worker_peak_gb={peaks[0] if peaks else 0:.2f} "
          f"client_peak_gb={sampler.client_peak / 1e9:.2f} seconds={seconds:.0f}")


if __name__ == "__main__":
    main()
