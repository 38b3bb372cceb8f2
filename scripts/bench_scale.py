#!/usr/bin/env python
"""Throughput of the local and the Dask engine on synthetic news (issue 17).

``../shared/eval/make_corpus.py --n N`` documents, written as ``--shards`` JSONL files
(the Dask engine's partitions are files: one JSONL file is one partition), then one
fresh ``newsdedup run`` process per engine (start-up and, for Dask, the LocalCluster's
start included; kernels already compiled: one small warm-up run first), ``--workers``
each, timed end to end (wall and the CPU seconds of every process of the run: on a
shared machine the wall time says as much about the neighbours); the stage timings from each run's summary.json.
Memory: the proportional set size (PSS: a page shared by forked processes counted once
over them) of the run's whole process tree (helpers, forked children, Dask workers),
sampled every 0.1 s: the peak of the sum, the peak of the largest process, and the peak of the sum during each stage (stages told apart by the run's ``-v``
log lines: ``clean`` includes reading, ``write`` is everything after the tables).
Default: 100k documents (about 4 minutes here), the local engine also run with one worker
(``--no-one-worker``: not), which gives ``local_vs_one_worker`` (the local engine's docs/s
with ``--workers`` over its docs/s with one) beside ``dask_vs_local`` (``--no-dask``: the Dask engine not run). ``--million``: 1M documents on the local engine
too (about 25 minutes here).

Last line: ``docs_per_s_local=<x> docs_per_s_dask=<y> peak_gb_1m=<z>`` (``na`` without
``--million``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil  # a dependency of dask.distributed, in the [dev] extra

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def corpus(n: int, shards: int, folder: Path) -> Path:
    folder.mkdir(parents=True)
    whole = folder / "all.jsonl"
    subprocess.run([sys.executable, str(SHARED / "eval" / "make_corpus.py"), "--n", str(n), "--seed", "1",
                    "--out", str(whole)], check=True, stderr=subprocess.DEVNULL)
    docs = folder / "docs"
    docs.mkdir()
    size = -(-n // shards)  # contiguous runs of lines, streamed (1M documents are 3.4 GB)
    with open(whole, encoding="utf-8") as lines:
        for s in range(shards):
            with open(docs / f"part-{s:03d}.jsonl", "w", encoding="utf-8") as part:
                part.writelines(line for _, line in zip(range(size), lines))
    whole.unlink()
    return docs


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished descendants that were waited for
    return usage.ru_utime + usage.ru_stime


STAGE_LINE = re.compile(r"newsdedup\.runners\.\w+: (clean|dedup|match|tables): ")


def run(docs: Path, out: Path, engine: str, workers: int) -> tuple[float, float, dict, dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "newsdedup", "run", str(docs), "--out", str(out), "--quiet", "-v",
           "--engine", engine, "--workers", str(workers)]
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    ends: list[tuple[str, float]] = []  # each stage and when its log line came
    reader = threading.Thread(target=_stage_ends, args=(proc.stderr, ends), daemon=True)
    reader.start()
    samples = _sample(proc)
    reader.join()
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited with {proc.returncode}")
    timings = json.loads((out / "summary.json").read_text())["execution"]["timings_s"]
    return elapsed, _children_cpu() - cpu, timings, _memory(samples, ends)


def _stage_ends(stream, ends: list[tuple[str, float]]) -> None:
    for line in stream:
        found = STAGE_LINE.search(line)
        if found:
            ends.append((found.group(1), time.perf_counter()))


def _sample(proc: subprocess.Popen, every: float = 0.1) -> list[tuple[float, int, int]]:
    """(time, sum of RSS, largest RSS) of ``proc`` and its descendants until it exits."""
    root = psutil.Process(proc.pid)
    samples = []
    while proc.poll() is None:
        sizes = []
        try:
            for p in [root, *root.children(recursive=True)]:
                try:
                    sizes.append(_proportional(p))
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        if sizes:
            samples.append((time.perf_counter(), sum(sizes), max(sizes)))
        time.sleep(every)
    return samples


def _proportional(process: psutil.Process) -> int:
    """Its proportional set size: pages shared with forked children counted once over all
    of them (a sum of RSS would count them in every child), else its RSS."""
    try:
        return process.memory_full_info().pss
    except (AttributeError, psutil.AccessDenied):
        return process.memory_info().rss


def _memory(samples: list[tuple[float, int, int]], ends: list[tuple[str, float]]) -> dict:
    gb = 1e9
    stages: dict[str, float] = {}
    begin = 0.0
    for stage, end in [*ends, ("write", float("inf"))]:
        inside = [total for t, total, _ in samples if begin <= t < end]
        if inside:
            stages[stage] = round(max(inside) / gb, 2)
        begin = end
    return {"peak_gb": round(max((s[1] for s in samples), default=0) / gb, 2),
            "largest_process_gb": round(max((s[2] for s in samples), default=0) / gb, 2), "by_stage_gb": stages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[100_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shards", type=int, default=32)
    parser.add_argument("--million", action="store_true", help="also 1M documents on the local engine")
    parser.add_argument("--one-worker", action=argparse.BooleanOptionalAction, default=True,
                        help="also the local engine with one worker, for local_vs_one_worker (default: yes)")
    parser.add_argument("--dask", action=argparse.BooleanOptionalAction, default=True,
                        help="also the Dask engine, for dask_vs_local (default: yes)")
    args = parser.parse_args()
    rates: dict[str, float] = {}
    peak_1m = "na"
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        warm = corpus(200, 2, tmp_path / "warm")
        for engine in ("local", "dask") if args.dask else ("local",):
            run(warm, tmp_path / "warm-out", engine, args.workers)
        for n in args.n:
            docs = corpus(n, args.shards, tmp_path / f"n{n}")
            runs = [("local", args.workers)] + ([("dask", args.workers)] if args.dask else [])
            if args.one_worker and args.workers != 1:
                runs.append(("local", 1))
            for engine, workers in runs:
                elapsed, cpu, stages, memory = run(docs, tmp_path / f"out-{n}-{engine}-{workers}", engine, workers)
                rates[engine if workers == args.workers else f"{engine}-1"] = n / elapsed
                print(f"n={n} engine={engine} workers={workers} wall_s={elapsed:.1f} cpu_s={cpu:.1f} docs_per_s={n / elapsed:.0f} "
                      f"stages={json.dumps(stages)} memory={json.dumps(memory)}", flush=True)
            scaling = f" local_vs_one_worker={rates['local'] / rates['local-1']:.2f}x" if "local-1" in rates else ""
            versus = f"{rates['dask'] / rates['local']:.2f}x" if "dask" in rates else "na"
            print(f"n={n} dask_vs_local={versus}{scaling}", flush=True)
            shutil.rmtree(docs.parent)
        if args.million:
            docs = corpus(1_000_000, args.shards * 10, tmp_path / "n1m")
            elapsed, cpu, stages, memory = run(docs, tmp_path / "out-1m", "local", args.workers)
            peak_1m = f"{memory['peak_gb']:.2f}"
            print(f"n=1000000 engine=local workers={args.workers} wall_s={elapsed:.1f} cpu_s={cpu:.1f} "
                  f"docs_per_s={1e6 / elapsed:.0f} stages={json.dumps(stages)} memory={json.dumps(memory)}", flush=True)
    dask_rate = f"{rates['dask']:.0f}" if "dask" in rates else "na"
    print(f"docs_per_s_local={rates['local']:.0f} docs_per_s_dask={dask_rate} peak_gb_1m={peak_1m}")


if __name__ == "__main__":
    main()
