#!/usr/bin/env python
"""report.html's size and load times, measured in headless Chromium.

For each corpus: `newsdedup run` (the CLI, in a subprocess) into a temporary folder, the
size of report.html, then the page opened --repeat times in a fresh headless Chromium:
seconds from navigation to `<html data-ready>` (the overview drawn), to the cluster list,
and to the largest cluster shown side by side (tables and texts unpacked). Corpora: the
bundled corpus, ../shared/data/aeb-dupes-dev and the 10k synthetic corpus
(../shared/eval/make_corpus.py --n 10000 --seed 7); those absent are skipped.

    python scripts/report_check.py [--n 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSDEDUP_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "src"))

from newsdedup.report.browser import Chromium  # noqa: E402


def corpora(work: Path, n: int) -> list[tuple[str, Path]]:
    found = [("bundled corpus", ROOT / "corpus")]
    dupes = SHARED / "data" / "aeb-dupes-dev" / "docs"
    if dupes.is_dir():
        found.append(("aeb-dupes-dev", dupes))
    generator = SHARED / "eval" / "make_corpus.py"
    if generator.exists():
        synthetic = work / f"synthetic-{n}.jsonl"
        subprocess.run([sys.executable, str(generator), "--n", str(n), "--seed", "7", "--out", str(synthetic)],
                       check=True, capture_output=True)
        found.append((f"synthetic {n:,} (seed 7)", synthetic))
    return found


def run(inputs: Path, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newsdedup", "run", str(inputs), "--out", str(out), "--quiet"],
                   check=True, env=env)
    return time.perf_counter() - start


def measure(page: Path, repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {"overview": [], "cluster list": [], "largest cluster": []}
    for _ in range(repeat):
        with Chromium() as browser:
            times["overview"].append(browser.open(page.as_uri()))
            start = time.monotonic()
            browser.go("#clusters")
            times["cluster list"].append(time.monotonic() - start)
            start = time.monotonic()
            browser.click("#cluster-list tbody a.cluster")
            browser.wait_for("!!document.querySelector('#cluster-view')")
            times["largest cluster"].append(time.monotonic() - start)
            if browser.exceptions():
                raise SystemExit(f"{page}: JavaScript errors {browser.exceptions()}")
    return {k: statistics.median(v) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10000, help="documents of the synthetic corpus")
    ap.add_argument("--repeat", type=int, default=3, help="page loads per corpus (the median is shown)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print("| corpus | documents | run | report.html | overview ready | cluster list | largest cluster |")
        print("|---|---|---|---|---|---|---|")
        for name, inputs in corpora(work, args.n):
            out = work / name.replace(" ", "-")
            seconds = run(inputs, out)
            import json

            docs = json.loads((out / "summary.json").read_text())["counts"]["inputs"]
            size = (out / "report.html").stat().st_size
            t = measure(out / "report.html", args.repeat)
            print(f"| {name} | {docs:,} | {seconds:.1f} s | {size / 1e6:.2f} MB | {t['overview']:.2f} s "
                  f"| {t['cluster list']:.2f} s | {t['largest cluster']:.2f} s |", flush=True)


if __name__ == "__main__":
    main()
