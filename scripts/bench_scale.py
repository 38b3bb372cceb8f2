#!/usr/bin/env python
"""Throughput of the local and the Dask engine on synthetic news (issue 17).

``../shared/eval/make_corpus.py --n N`` documents, written as ``--shards`` JSONL files
(the Dask engine's partitions are files: one JSONL file is one partition), then one
fresh ``newsdedup run`` process per engine (start-up and, for Dask, the LocalCluster's
start included; kernels already compiled: one small warm-up run first), ``--workers``
each, timed end to end (wall and the CPU seconds of every process of the run: on a
shared machine the wall time says as much about the neighbours); the stage timings from each run's summary.json.

Last line: ``docs_per_s_local=<x> docs_per_s_dask=<y> peak_gb_1m=na`` (peak memory at 1M
documents is not measured by this script yet).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def corpus(n: int, shards: int, folder: Path) -> Path:
    folder.mkdir(parents=True)
    whole = folder / "all.jsonl"
    subprocess.run([sys.executable, str(SHARED / "eval" / "make_corpus.py"), "--n", str(n), "--seed", "1",
                    "--out", str(whole)], check=True, stderr=subprocess.DEVNULL)
    lines = whole.read_text(encoding="utf-8").splitlines(keepends=True)
    docs = folder / "docs"
    docs.mkdir()
    size = -(-len(lines) // shards)
    for s in range(shards):
        (docs / f"part-{s:03d}.jsonl").write_text("".join(lines[s * size:(s + 1) * size]), encoding="utf-8")
    whole.unlink()
    return docs


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished descendants that were waited for
    return usage.ru_utime + usage.ru_stime


def run(docs: Path, out: Path, engine: str, workers: int) -> tuple[float, float, dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "newsdedup", "run", str(docs), "--out", str(out), "--quiet",
           "--engine", engine, "--workers", str(workers)]
    start, cpu = time.perf_counter(), _children_cpu()
    subprocess.run(cmd, env=env, check=True)
    elapsed = time.perf_counter() - start
    return elapsed, _children_cpu() - cpu, json.loads((out / "summary.json").read_text())["execution"]["timings_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 30_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shards", type=int, default=32)
    args = parser.parse_args()
    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        warm = corpus(200, 2, tmp_path / "warm")
        for engine in ("local", "dask"):
            run(warm, tmp_path / "warm-out", engine, args.workers)
        for n in args.n:
            docs = corpus(n, args.shards, tmp_path / f"n{n}")
            for engine in ("local", "dask"):
                elapsed, cpu, stages = run(docs, tmp_path / f"out-{n}-{engine}", engine, args.workers)
                rates[engine] = n / elapsed
                print(f"n={n} engine={engine} workers={args.workers} wall_s={elapsed:.1f} cpu_s={cpu:.1f} docs_per_s={n / elapsed:.0f} "
                      f"stages={json.dumps(stages)}", flush=True)
    print(f"docs_per_s_local={rates['local']:.0f} docs_per_s_dask={rates['dask']:.0f} peak_gb_1m=na")


if __name__ == "__main__":
    main()
