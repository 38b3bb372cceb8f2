#!/usr/bin/env python
"""Incremental runs with a corpus index: a drop's cost against the index's size, index
bytes per document, and the agreement of 3 drops with one run.

1. an index of ``--corpus`` synthetic documents (``../shared/eval/make_corpus.py --seed 7``)
   built in ``--drops`` drops; then a new ``--drop-size`` drop (other ids, same
   generator, another seed) timed with the index (``--dry-run``: nothing added, so it
   can be repeated) and without, both warm (each run once before the timed runs), best
   of ``--repeat``: ``drop_ratio`` = with / without;
2. the index's bytes per document on disk, split into signatures, compressed clean
   text and the rest;
3. ``../shared/data/aeb-dupes-dev`` in 3 drops against one run: the ARI of the two
   partitions (``partition_ari``).

Last line: ``drop_ratio=<x> index_bytes_per_doc=<y> partition_ari=<z>``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

import newsdedup  # noqa: E402


def synthetic(n: int, seed: int, tmp: Path) -> pd.DataFrame:
    out = tmp / f"corpus_{n}_{seed}.jsonl"
    subprocess.run([sys.executable, str(SHARED / "eval" / "make_corpus.py"), "--n", str(n), "--seed", str(seed),
                    "--out", str(out)], check=True)
    df = pd.read_json(out, lines=True, dtype={"id": str})
    df["id"] = f"s{seed}-" + df["id"].astype(str)
    return df[["id", "text"]]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def ari(a: pd.Series, b: pd.Series) -> float:
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(a, b.reindex(a.index)))


def aeb_in_drops(tmp: Path, config: newsdedup.Config) -> float:
    docs = SHARED / "data" / "aeb-dupes-dev" / "docs"
    files = sorted(docs.iterdir())
    for k in range(3):
        (tmp / f"aeb{k}").mkdir()
    for i, f in enumerate(files):
        (tmp / f"aeb{i % 3}" / f.name).symlink_to(f)
    for k in range(3):
        newsdedup.run(tmp / f"aeb{k}", config.replace(follow_symlinks=True), index=tmp / "aeb.ndx")
    one = newsdedup.run(docs, config).documents.set_index("doc_id")["cluster_id"].fillna("-")
    split = newsdedup.Index.open(tmp / "aeb.ndx").tables()["documents"].set_index("doc_id")["cluster_id"].fillna("-")
    return ari(one, split)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=int, default=30000, help="documents in the index")
    ap.add_argument("--drops", type=int, default=10)
    ap.add_argument("--drop-size", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=0)
    args = ap.parse_args()
    config = newsdedup.Config(workers=args.workers)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        corpus = synthetic(args.corpus, 7, tmp)
        drop = synthetic(args.drop_size, 8, tmp)
        index = tmp / "corpus.ndx"
        start = time.perf_counter()
        for k in range(args.drops):
            newsdedup.run(corpus.iloc[k::args.drops], config, index=index)
        build = time.perf_counter() - start
        newsdedup.run(drop, config)
        newsdedup.run(drop, config, index=index, dry_run=True)
        plain = min(timed(lambda: newsdedup.run(drop, config)) for _ in range(args.repeat))
        indexed = min(timed(lambda: newsdedup.run(drop, config, index=index, dry_run=True)) for _ in range(args.repeat))
        info = newsdedup.Index.open(index).info()
        per = info["bytes_per_document"]
        partition = aeb_in_drops(tmp, config) if (SHARED / "data" / "aeb-dupes-dev").is_dir() else float("nan")
    print(json.dumps({"corpus": args.corpus, "drops": args.drops, "build_s": round(build, 1),
                      "drop_size": args.drop_size, "drop_plain_s": round(plain, 2), "drop_indexed_s": round(indexed, 2),
                      "index_bytes": info["size_bytes"], "bytes_per_document": per}, indent=1))
    print(f"drop_ratio={indexed / plain:.2f} index_bytes_per_doc={info['size_bytes'] / info['documents']:.0f} "
          f"partition_ari={partition:.4f}")


if __name__ == "__main__":
    main()
