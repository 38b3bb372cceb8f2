#!/usr/bin/env python
"""Incremental runs with a corpus index: a drop's cost against the index's size, index
bytes per document, and the agreement of 3 drops with one run.

1. an index of ``--corpus`` synthetic documents (``../shared/eval/make_corpus.py --seed 7``)
   built in ``--drops`` drops; then a new ``--drop-size`` drop (other ids, same
   generator, another seed) timed with the index (``--dry-run``: nothing added, so it
   can be repeated) and without, both warm (each run once before the timed runs), best
   of ``--repeat`` (interleaved): ``drop_ratio`` = with / without; then, on a copy of the
   index, that drop and ``--commits``-1 more (``--seed 9``, 10, ...) added for real, one after
   the other, each timed added and without an index, best of ``--repeat`` (each added run
   on a fresh copy of the index as it stood before that drop) (``committed``: the ratios of
   each drop, their median and largest, and the drops whose commit merged a key table's
   recent level into the main one, see ``newsdedup.index.store.Store.insert_keys``);
2. the index's bytes per document on disk, split into signatures, compressed clean
   text and the rest;
3. ``../shared/data/aeb-dupes-dev`` in 3 drops, three ways (round robin in two orders,
   contiguous thirds), against one run: the ARI of the partitions (``partition_ari``:
   the least of the three), the pairwise F1 against ``truth.csv`` and its difference
   from the one run's, how many documents' status differs, and how many of the one
   run's cross-cluster paragraph matches the drops' outputs hold (see :func:`aeb_orders`).

Last line: ``drop_ratio=<x> index_bytes_per_doc=<y> partition_ari=<z>``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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


def committed_series(index: Path, drops: list[pd.DataFrame], config: newsdedup.Config, copy: Path,
                     repeat: int) -> dict:
    """``drops`` added one after the other to a copy of ``index`` (which stays as built),
    each timed added and without an index, best of ``repeat`` (interleaved; each added
    run on a fresh copy of the index as it stood before that drop)."""
    state = copy.with_name(copy.name + ".before")
    shutil.copyfile(index, state)
    seconds, ratios = [], []
    for drop in drops:
        plain, added = [], []
        for _ in range(repeat):
            shutil.copyfile(state, copy)
            with open(copy, "rb+") as f:  # written out now, not by the commit's fsync
                os.fsync(f.fileno())
            plain.append(timed(lambda: newsdedup.run(drop, config)))
            added.append(timed(lambda: newsdedup.run(drop, config, index=copy)))
        copy.replace(state)
        seconds.append(round(min(added), 2))
        ratios.append(round(min(added) / min(plain), 2))
    state.unlink()
    return {"seconds": seconds, "ratios": ratios, "median_ratio": float(pd.Series(ratios).median()),
            "max_ratio": max(ratios)}


def aeb_orders(tmp: Path, config: newsdedup.Config) -> dict[str, dict]:
    """``aeb-dupes-dev`` as one run and in 3 drops, three ways (round robin in order 1-2-3
    and 3-2-1, contiguous thirds): per way, the ARI of its partition against the one
    run's, the pairwise F1 against the truth, how many documents' status (which copy is
    ``kept``) differs from the one run, and of the one run's cross-cluster paragraph
    matches, how many the drops' ``matches`` tables hold (each match involves a document
    of the later of its two drops), and how many they hold that the one run has not."""
    sys.path.insert(0, str(SHARED / "eval"))
    from score_clusters import score

    data = SHARED / "data" / "aeb-dupes-dev"
    truth = dict(pd.read_csv(data / "truth.csv", dtype=str)[["id", "cluster"]].values.tolist())
    files = sorted((data / "docs").iterdir())
    thirds = -(-len(files) // 3)
    ways = {"round_robin_123": [files[k::3] for k in range(3)],
            "round_robin_321": [files[k::3] for k in (2, 1, 0)],
            "contiguous_thirds": [files[k * thirds:(k + 1) * thirds] for k in range(3)]}
    one_run = newsdedup.run(data / "docs", config)
    one, across = one_run.documents.set_index("doc_id"), _across(one_run.matches)
    out = {"one_run": {"f1": score(truth, _labels(one))["f1"], "cross_cluster_matches": len(across)}}
    for way, parts in ways.items():
        found: set[tuple] = set()
        for k, part in enumerate(parts):
            folder = tmp / f"aeb_{way}_{k}"
            folder.mkdir()
            for f in part:
                (folder / f.name).symlink_to(f)
            drop = newsdedup.run(folder, config.replace(follow_symlinks=True), index=tmp / f"aeb_{way}.ndx")
            found |= _across(drop.matches)
        split = newsdedup.Index.open(tmp / f"aeb_{way}.ndx").tables()["documents"].set_index("doc_id")
        f1 = score(truth, _labels(split))["f1"]
        out[way] = {"ari_vs_one_run": score(_labels(one), _labels(split))["ari"], "f1": f1,
                    "f1_delta": f1 - out["one_run"]["f1"],
                    "status_differs": int((split["status"].reindex(one.index) != one["status"]).sum()),
                    "cross_cluster_matches_found": len(found & across), "cross_cluster_matches_other": len(found - across)}
    return out


def _across(matches: pd.DataFrame) -> set[tuple]:
    """The cross-cluster paragraph matches, as (doc_a, para_a, doc_b, para_b)."""
    rows = matches[~matches["same_cluster"].astype(bool)]
    return set(zip(rows["doc_a"], rows["para_a"], rows["doc_b"], rows["para_b"]))


def _labels(documents: pd.DataFrame) -> dict[str, str]:
    """doc id -> cluster id; a rejected document is its own singleton."""
    cluster = documents["cluster_id"].astype(object)
    return {d: (c if isinstance(c, str) else f"rejected:{d}") for d, c in zip(documents.index, cluster)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=int, default=30000, help="documents in the index")
    ap.add_argument("--drops", type=int, default=10)
    ap.add_argument("--drop-size", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--commits", type=int, default=16, help="drops added for real, one after the other "
                                                            "(enough for a merge of the recent level)")
    ap.add_argument("--keep", type=Path, help="build the index at this path and keep it; if it exists, "
                                              "time the drop against it (no build)")
    args = ap.parse_args()
    config = newsdedup.Config(workers=args.workers)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        corpus = synthetic(args.corpus, 7, tmp)
        drop = synthetic(args.drop_size, 8, tmp)
        index = args.keep or tmp / "corpus.ndx"
        start, build = time.perf_counter(), None
        if not index.exists():
            for k in range(args.drops):
                newsdedup.run(corpus.iloc[k::args.drops], config, index=index)
            build = round(time.perf_counter() - start, 1)
        newsdedup.run(drop, config)
        newsdedup.run(drop, config, index=index, dry_run=True)
        plain, indexed = [], []
        for _ in range(args.repeat):  # interleaved: a busy moment of the machine does not fall on one side only
            plain.append(timed(lambda: newsdedup.run(drop, config)))
            indexed.append(timed(lambda: newsdedup.run(drop, config, index=index, dry_run=True)))
        plain, indexed = min(plain), min(indexed)
        # each drop its own corpus (seeds 9, 10, ...): slices of one corpus would hold copies of
        # each other, and a later drop's work against the earlier ones would grow with them
        series = [drop] + [synthetic(args.drop_size, 9 + k, tmp) for k in range(args.commits - 1)]
        committed = committed_series(index, series, config, tmp / "commit.ndx", args.repeat)
        info = newsdedup.Index.open(index).info()
        per = info["bytes_per_document"]
        orders = aeb_orders(tmp, config) if (SHARED / "data" / "aeb-dupes-dev").is_dir() else {}
    partition = min((v["ari_vs_one_run"] for v in orders.values() if "ari_vs_one_run" in v), default=float("nan"))
    print(json.dumps({"corpus": args.corpus, "drops": args.drops, "build_s": build,
                      "drop_size": args.drop_size, "drop_plain_s": round(plain, 2), "drop_indexed_s": round(indexed, 2),
                      "drop_committed_s": committed["seconds"][0], "committed": committed,
                      "index_bytes": info["size_bytes"], "bytes_per_document": per, "aeb_dupes_dev": orders}, indent=1))
    print(f"drop_ratio={indexed / plain:.2f} index_bytes_per_doc={info['size_bytes'] / info['documents']:.0f} "
          f"partition_ari={partition:.4f}")


if __name__ == "__main__":
    main()
