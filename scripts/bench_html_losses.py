#!/usr/bin/env python
"""Where HTML mode loses F1 on each development set, and an arbiter tried to win it back.

For each set (aeb-dev, ext-dev/dragnet, ext-dev/readability), newsdedup HTML mode (the
shipped code, corpus evidence from the set) beside trafilatura ``include_comments=False``:

* ``--worst N``: the N worst pages (P, R, F1 of both);
* where the answer's word 4-grams went, averaged over pages as the AEB rule averages recall:
  kept; removed by the plain-text rules after extraction (the post-filter); left out by
  the extractor though visible; not in the page's visible text at all;
* each post-filter reason undone alone: the F1 change per set (a rule worth keeping on
  unseen sites lowers F1 when undone on the sets it was not written on);
* ``--arbiter``: readability-lxml's article (on the same parsed tree, read as visible
  lines) in place of trafilatura's on the pages where it agrees better (Dice of word
  4-gram sets) with the plain-text cleaner's reading of the visible text, readability
  asked only below an agreement threshold (its cost). Both candidates go through the
  post-filter. The plain-text reading of an aeb-dev page comes from a text model fit on
  dragnet and readability only (the shipped text model is fit on aeb-dev; on the other
  two sets it is already out-of-sample). A grid of (threshold, margin), each held-out set
  scored at the grid point the other two sets choose. Measurement only (dragnet is AGPL:
  the model fit on it is not kept).

    python scripts/bench_html_losses.py                 # about a minute
    python scripts/bench_html_losses.py --arbiter       # plus readability and a text model fit (minutes)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aeb  # noqa: E402
import bench_extraction  # noqa: E402
import newsdedup.clean as clean  # noqa: E402
from newsdedup.clean import html as html_mod  # noqa: E402
from newsdedup.records import Record  # noqa: E402

THRESHOLDS = (0.5, 0.7, 0.8, 0.9, 0.95, 1.01)  # 1.01: readability asked on every page
MARGINS = (0.0, 0.05, 0.1, 0.2)


def page_scores(pred: str, truth: str) -> tuple[float | None, float]:
    """One page's precision (None for an empty prediction) and recall, as aeb.score counts them."""
    t, p = aeb._shingles(truth), aeb._shingles(pred)
    tp = sum((t & p).values())
    fp, fn = sum(p.values()) - tp, sum(t.values()) - tp
    precision = (1.0 if fp == fn == 0 else tp / (tp + fp)) if sum(p.values()) else None
    return precision, (1.0 if fp == fn == 0 else (tp / (tp + fn) if tp + fn else 0.0))


def cleaned(pages: list[aeb.Page], extracted: dict[str, html_mod.Extracted] | None = None) -> dict[str, clean.Cleaned]:
    """HTML mode over a set (corpus evidence included); ``extracted``: the extractor's
    answer per page id to use instead of calling it."""
    records = [Record(doc_id=p.id, source=p.id, html=p.html) for p in pages]
    if extracted is None:
        return {c.doc_id: c for c in clean.clean_records(records)}
    by_html = {p.html: extracted[p.id] for p in pages}
    real = html_mod.extract
    html_mod.extract = lambda html, url=None: by_html[html]
    try:
        return {c.doc_id: c for c in clean.clean_records(records)}
    finally:
        html_mod.extract = real


def worst(name: str, pages, ours: dict[str, str], peer: dict[str, str], n: int) -> None:
    rows = []
    for p in pages:
        (p1, r1), (p2, r2) = page_scores(ours[p.id], p.truth), page_scores(peer[p.id], p.truth)
        rows.append((aeb.score({0: ours[p.id]}, {0: p.truth})["f1"], p.id, p1, r1, p2, r2))
    print(f"\n{name}: the {n} worst pages (newsdedup HTML | trafilatura include_comments=False)")
    fmt = lambda x: "  -  " if x is None else f"{x:.3f}"  # noqa: E731
    for f1, pid, p1, r1, p2, r2 in sorted(rows)[:n]:
        print(f"  {pid:44.44s} F1 {f1:.3f} P {fmt(p1)} R {r1:.3f} | P {fmt(p2)} R {r2:.3f}")


def recall_split(pages, done: dict[str, clean.Cleaned]) -> dict[str, float]:
    """Share of the answer's 4-grams (per page, averaged) kept, removed by the post-filter,
    left out by the extractor, not visible."""
    from trafilatura.utils import load_html

    split = dict.fromkeys(("kept", "post-filter", "extractor", "not visible"), 0.0)
    for p in pages:
        truth = aeb._shingles(p.truth)
        total = sum(truth.values())
        if not total:
            continue
        c = done[p.id]
        extracted = "\n".join([*c.paragraphs, *(text for i, text, _ in c.removed if i >= 0)])
        tree = load_html(p.html)
        visible = "\n".join(html_mod.visible_lines(tree)) if tree is not None else ""
        kept, ext, vis = (sum((truth & aeb._shingles(t)).values()) for t in (c.text, extracted, visible))
        split["kept"] += kept / total
        split["post-filter"] += max(ext - kept, 0) / total
        split["extractor"] += max(vis - max(ext, kept), 0) / total
        split["not visible"] += (total - max(vis, ext, kept)) / total
    return {k: v / len(pages) for k, v in split.items()}


def undone(pages, done: dict[str, clean.Cleaned]) -> dict[str, float]:
    """F1 change when the lines of one post-filter reason are put back (in their place)."""
    truths = {p.id: p.truth for p in pages}

    def text(c: clean.Cleaned, back: str | None) -> str:
        removed = {i: (t, r) for i, t, r in c.removed if i >= 0}
        kept = iter(c.paragraphs)
        lines = [removed[i] if i in removed else (next(kept), None) for i in range(len(c.paragraphs) + len(removed))]
        return "\n".join(t for t, r in lines if r is None or r == back)

    base = aeb.score({k: text(c, None) for k, c in done.items()}, truths)["f1"]
    reasons = sorted({r for c in done.values() for i, _, r in c.removed if i >= 0})
    return {r: aeb.score({k: text(c, r) for k, c in done.items()}, truths)["f1"] - base for r in reasons}


# ----------------------------------------------------------------------------- the arbiter


def candidates(pages) -> tuple[dict[str, html_mod.Extracted], dict[str, html_mod.Extracted]]:
    """Per page: trafilatura's extraction as shipped, and the same with readability-lxml's lines."""
    import lxml.html
    from readability import Document
    from trafilatura.utils import load_html

    ours, theirs = {}, {}
    for p in pages:
        ex = html_mod.extract(p.html)
        ours[p.id] = ex
        try:
            summary = Document(load_html(p.html)).summary(html_partial=True)
            lines = html_mod.visible_lines(lxml.html.fromstring(summary)) if summary.strip() else []
        except Exception:
            lines = []
        theirs[p.id] = html_mod.Extracted(lines or ex.lines, ex.title, ex.date, ex.url, ex.visible,
                                          html_mod.left_out(ex.visible, lines or ex.lines))
    return ours, theirs


def grams(text: str) -> set:
    return set(aeb._shingles(text.casefold()))


def dice(a: set, b: set) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def arbiter(sets: dict[str, list[aeb.Page]], done: dict[str, dict[str, clean.Cleaned]]) -> None:
    import train_text_model

    from newsdedup.clean import finish

    print("\nArbiter: fitting a text model on dragnet + readability for aeb-dev's plain-text reading...", flush=True)
    prep = train_text_model.prepare("text", [p for name in ("dragnet", "readability") for p in sets[name]])
    held_model = prep.fit(list(range(len(prep.pages))), "text")
    features = {}  # set -> page -> (trafilatura's raw, readability's raw, ours post-filtered, theirs post-filtered)
    outputs = {}
    for name, pages in sets.items():
        ours, theirs = candidates(pages)
        alt = cleaned(pages, theirs)
        model = held_model if name == "aeb-dev" else None
        features[name], outputs[name] = {}, {}
        for p in pages:
            reading = grams(finish(clean.draft(Record(doc_id="", source="", text="\n".join(ours[p.id].visible))),
                                   model=model).text)
            features[name][p.id] = (dice(grams("\n".join(ours[p.id].lines)), reading),
                                    dice(grams("\n".join(theirs[p.id].lines)), reading))
            outputs[name][p.id] = (done[name][p.id].text, alt[p.id].text)
        print(f"  {name}: readability alone (post-filtered) F1 "
              f"{aeb.score({k: v[1] for k, v in outputs[name].items()}, {p.id: p.truth for p in pages})['f1']:.4f}")

    def run(name: str, threshold: float, margin: float) -> tuple[float, float]:
        preds, asked = {}, 0
        for pid, (a, b) in features[name].items():
            asked += a < threshold
            preds[pid] = outputs[name][pid][1 if a < threshold and b > a + margin else 0]
        return aeb.score(preds, {p.id: p.truth for p in sets[name]})["f1"], asked / len(preds)

    grid = {(t, m): {name: run(name, t, m) for name in sets} for t in THRESHOLDS for m in MARGINS}
    print(f"  {'threshold':>9s} {'margin':>6s}  " + "  ".join(f"{n:>20s}" for n in sets) + "   (F1, share of pages asking readability)")
    for (t, m), by_set in grid.items():
        print(f"  {t:9.2f} {m:6.2f}  " + "  ".join(f"{f:10.4f} {s:9.2f}" for f, s in by_set.values()))
    held = []
    for name in sets:
        others = [n for n in sets if n != name]
        choice = max(grid, key=lambda k: (round(sum(grid[k][n][0] for n in others), 6), -k[0]))
        held.append(grid[choice][name][0])
        print(f"  held-out {name}: chosen {choice} on the others -> F1 {grid[choice][name][0]:.4f}")
    print(f"  mean over held-out sets {sum(held) / len(held):.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worst", type=int, default=10, help="pages to list per set, worst first")
    ap.add_argument("--arbiter", action="store_true", help="also measure the readability / plain-text arbiter")
    args = ap.parse_args()
    sets = {name: aeb.load_set(name, prefixed=True) for name in aeb.SETS}
    done = {}
    for name, pages in sets.items():
        done[name] = cleaned(pages)
        ours = {k: c.text for k, c in done[name].items()}
        peer = bench_extraction.per_page(bench_extraction.trafilatura_no_comments)(pages)
        truths = {p.id: p.truth for p in pages}
        s1, s2 = aeb.score(ours, truths), aeb.score(peer, truths)
        print(f"\n== {name} ({len(pages)} pages): newsdedup HTML P {s1['precision']:.3f} R {s1['recall']:.3f} "
              f"F1 {s1['f1']:.4f}; trafilatura include_comments=False P {s2['precision']:.3f} R {s2['recall']:.3f} "
              f"F1 {s2['f1']:.4f}")
        worst(name, pages, ours, peer, args.worst)
        split = recall_split(pages, done[name])
        print("  answer 4-grams: " + ", ".join(f"{k} {v:.3f}" for k, v in split.items()))
        print("  F1 change with one post-filter reason undone: "
              + ", ".join(f"{r} {d:+.4f}" for r, d in undone(pages, done[name]).items()))
    if args.arbiter:
        arbiter(sets, done)


if __name__ == "__main__":
    main()
