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
* ``--kinds``: precision lost by kind of kept line (before, inside or after the span of the
  kept article lines; its size) and recall lost by where the answer's lines went (the
  post-filter, the extractor, not visible) and their size;
* ``--gaps``: visible lines trafilatura left out between two of its own consecutive lines
  (runs of at most ``max_gap`` lines) put back before the post-filter: all of them, only
  those of some DOM kinds (list items, table cells, code, subheadings; captions apart),
  or only those the plain-text cleaner keeps when run on the page's visible text (a text
  model fit on the other two sets for aeb-dev's reading); each held-out set scored at the
  grid point the other two choose;
* ``--choices``: page-level choices screened on the extractors' raw outputs (cached by
  ``bench_blocks.py``): readability-lxml where its text holds trafilatura's and more (a
  sliver taken), trafilatura's precision mode where the recall mode's text is much longer
  and holds it, and two removals on the shipped output (repeated lines, a trailing run of
  list items after the last prose line); held out the same way;
* ``--resiliparse``: resiliparse (``bench_extraction``'s options) through the post-filter, per-page
  oracles with it, and three uses held out (see :func:`resiliparse`);
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
    python scripts/bench_html_losses.py --kinds --gaps --choices   # about ten minutes
    python scripts/bench_html_losses.py --resiliparse   # about six minutes
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


# ----------------------------------------------------------------------------- kinds of loss


def size_of(line: str) -> str:
    n = len(aeb.WORD.findall(line))
    return "1-3 words" if n <= 3 else "4-10 words" if n <= 10 else "11+ words"


def loss_kinds(pages, done: dict[str, clean.Cleaned]) -> tuple[dict[str, float], dict[str, float]]:
    """Precision lost per kind of kept non-article line (its place against the kept article
    lines, its size; share of the page's 4-grams, averaged over pages as P is) and recall
    lost per kind of answer line (where it went, its size; averaged as R is)."""
    from collections import defaultdict

    from trafilatura.utils import load_html

    weight = lambda line: max(len(aeb.WORD.findall(line)) - 3, 1)  # noqa: E731  (its 4-grams)
    p_loss, r_loss, scored = defaultdict(float), defaultdict(float), 0
    for p in pages:
        c = done[p.id]
        kept = list(c.paragraphs)
        if kept:
            scored += 1
            labels = aeb.line_labels(kept, p.truth)
            article = [i for i, y in enumerate(labels) if y] or [len(kept)]
            total = sum(map(weight, kept))
            for i, (line, y) in enumerate(zip(kept, labels)):
                if not y:
                    place = "before" if i < article[0] else "after" if i > article[-1] else "inside"
                    p_loss[f"{place}, {size_of(line)}"] += weight(line) / total
        answer = [line for line in p.truth.split("\n") if line.strip()]
        total = sum(map(weight, answer))
        if not total:
            continue
        extracted = "\n".join([*c.paragraphs, *(text for i, text, _ in c.removed if i >= 0)])
        tree = load_html(p.html)
        visible = "\n".join(html_mod.visible_lines(tree)) if tree is not None else ""
        kept_y, ext_y, vis_y = (aeb.line_labels(answer, t) for t in (c.text, extracted, visible))
        for line, k, x, v in zip(answer, kept_y, ext_y, vis_y):
            if not k:
                where = "post-filter" if x else "extractor" if v else "not visible"
                r_loss[f"{where}, {size_of(line)}"] += weight(line) / total
    return ({k: v / max(scored, 1) for k, v in p_loss.items()}, {k: v / len(pages) for k, v in r_loss.items()})


def held_out(grid: dict, sets) -> list[float]:
    """Each set scored at the grid point (the first of equals) the other two sets choose; prints the choices."""
    held = []
    for name in sets:
        others = [n for n in sets if n != name]
        choice = max(grid, key=lambda k: round(sum(grid[k][n] for n in others), 6))
        held.append(grid[choice][name])
        print(f"  held-out {name}: {choice} chosen on the others -> F1 {grid[choice][name]:.4f}")
    print(f"  mean over held-out sets {sum(held) / len(held):.4f} (the first row: {sum(next(iter(grid.values())).values()) / len(sets):.4f})")
    return held


# ----------------------------------------------------------------------------- gaps filled

# the owner element of a visible line, as a kind
BLOCK_KINDS = {**dict.fromkeys(("li", "dd", "dt"), "list"), **dict.fromkeys(("td", "th"), "table"), "pre": "code",
               **dict.fromkeys(("h2", "h3", "h4", "h5", "h6"), "subheading"), "figcaption": "caption"}


def line_kinds(tree) -> dict[str, str]:
    """Kind of the block each visible line is first seen in (its owner element's tag; any
    line inside a ``figure`` a caption), as :func:`html_mod.visible_lines` cuts the page."""
    from lxml import etree

    from newsdedup.normalize import tidy

    kinds: dict[str, str] = {}
    pieces: list[str] = []
    owner, figures = "other", 0

    def flush() -> None:
        text = tidy(html_mod._SPACE.sub(" ", "".join(pieces)))
        for line in text.split("\n"):
            kinds.setdefault(line.strip(), "caption" if figures else BLOCK_KINDS.get(owner, "other"))
        pieces.clear()

    walk = etree.iterwalk(tree, events=("start", "end"))
    for event, el in walk:
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if event == "start":
            if tag is None or tag in html_mod._HIDDEN:
                walk.skip_subtree()
                continue
            if tag in html_mod._BLOCKS:
                flush()
                owner = tag
            figures += tag == "figure"
            if el.text:
                pieces.append(el.text)
        else:
            if tag is not None and tag in html_mod._BLOCKS:
                flush()
            figures -= tag == "figure"
            if el.tail and el is not tree:
                pieces.append(el.tail)
    flush()
    return kinds


def key(line: str) -> str:
    return " ".join(aeb.WORD.findall(line.casefold()))


def gap_runs(ex: html_mod.Extracted, max_gap: int):
    """(i, j): visible lines i..j-1 left out by trafilatura, at most ``max_gap`` of them, with
    kept lines on both sides that are consecutive (or the same) lines of trafilatura's text."""
    dropped = set(ex.dropped)
    keys, at, position = [key(line) for line in ex.lines], 0, []
    for line in ex.visible:  # trafilatura's line holding each kept visible line, in order
        if line in dropped:
            position.append(None)
            continue
        k, t = key(line), at
        while t < len(keys) and not (k and k in keys[t]):
            t += 1
        position.append(t if t < len(keys) else None)
        at = t if t < len(keys) else at
    i = 0
    while i < len(ex.visible):
        if position[i] is not None or ex.visible[i] not in dropped:
            i += 1
            continue
        j = i
        while j < len(ex.visible) and ex.visible[j] in dropped:
            j += 1
        before, after = (position[i - 1] if i else None), (position[j] if j < len(ex.visible) else None)
        if j - i <= max_gap and before is not None and after is not None and 0 <= after - before <= 1:
            yield i, j, before
        i = j


def filled(ex: html_mod.Extracted, max_gap: int, admit) -> html_mod.Extracted:
    """``ex`` with the admitted lines of its gaps put back after trafilatura's line before them."""
    inserts: dict[int, list[str]] = {}
    for i, j, after in gap_runs(ex, max_gap):
        inserts.setdefault(after, []).extend(line for line in ex.visible[i:j] if admit(line))
    if not any(inserts.values()):
        return ex
    lines = [x for t, line in enumerate(ex.lines) for x in (line, *inserts.get(t, ()))]
    return html_mod.Extracted(lines, ex.title, ex.date, ex.url, ex.visible, html_mod.left_out(ex.visible, lines))


def readings(sets, extracted: dict[str, dict[str, html_mod.Extracted]]) -> dict[str, set[str]]:
    """Per page, the keys of the lines the plain-text cleaner keeps of its visible text
    (aeb-dev's read by a text model fit on dragnet and readability, the others by the
    shipped model, fit on aeb-dev)."""
    import train_text_model

    from newsdedup.clean import finish

    prep = train_text_model.prepare("text", [p for name in ("dragnet", "readability") for p in sets[name]])
    held_model = prep.fit(list(range(len(prep.pages))), "text")
    out = {}
    for name, pages in sets.items():
        for p in pages:
            visible = extracted[name][p.id].visible
            text = finish(clean.draft(Record(doc_id="", source="", text="\n".join(visible))),
                          model=held_model if name == "aeb-dev" else None)
            out[p.id] = {key(line) for line in text.paragraphs}
    return out


def gaps(sets) -> None:
    from trafilatura.utils import load_html

    print("\nGaps filled: visible lines trafilatura left out between two of its consecutive lines, put back "
          "before the post-filter (F1 per set)", flush=True)
    extracted = {name: {p.id: html_mod.extract(p.html) for p in pages} for name, pages in sets.items()}
    kinds = {p.id: line_kinds(load_html(p.html)) for pages in sets.values() for p in pages}
    read = readings(sets, extracted)
    structural = {"list", "table", "code", "subheading"}
    rules = {
        "all": lambda pid: lambda line: True,
        "list/table/code/subheading": lambda pid: lambda line: kinds[pid].get(line) in structural,
        "captions": lambda pid: lambda line: kinds[pid].get(line) == "caption",
        "kept by the text cleaner": lambda pid: lambda line: key(line) in read[pid],
        "kept by the text cleaner, no captions": lambda pid: lambda line: (
            key(line) in read[pid] and kinds[pid].get(line) != "caption"),
        "structural and kept by the text cleaner": lambda pid: lambda line: (
            key(line) in read[pid] and kinds[pid].get(line) in structural),
    }
    grid = {("none", 0): {}}
    for name, pages in sets.items():
        grid[("none", 0)][name] = aeb.score({k: c.text for k, c in cleaned(pages).items()},
                                            {p.id: p.truth for p in pages})["f1"]
    for rule, admit in rules.items():
        for max_gap in (1, 3):
            row = grid.setdefault((rule, max_gap), {})
            for name, pages in sets.items():
                ex = {p.id: filled(extracted[name][p.id], max_gap, admit(p.id)) for p in pages}
                row[name] = aeb.score({k: c.text for k, c in cleaned(pages, ex).items()},
                                      {p.id: p.truth for p in pages})["f1"]
    for (rule, max_gap), row in grid.items():
        print(f"  {rule:40s} {max_gap:2d}  " + " ".join(f"{v:.4f}" for v in row.values())
              + f"  mean {sum(row.values()) / len(row):.4f}")
    held_out(grid, sets)


# ----------------------------------------------------------------------------- page-level choices


def choices(sets, done: dict[str, dict[str, clean.Cleaned]]) -> None:
    import bench_blocks

    print("\nPage-level choices on the extractors' raw outputs (F1 per set; the shipped output where no rule fires)")
    outputs = {name: {p.id: bench_blocks.extractor_outputs(p, name) for p in pages} for name, pages in sets.items()}
    words = lambda text: len(aeb.WORD.findall(text))  # noqa: E731

    def holds(inner: str, outer: str) -> float:
        a, b = grams(inner), grams(outer)
        return len(a & b) / len(a) if a else 0.0

    def superset(o: dict, ratio: float) -> str | None:  # readability holds trafilatura's text and more
        r, t = o["readability"], o["recall"]
        return r if t and holds(t, r) >= 0.9 and words(r) >= ratio * words(t) else None

    def shorter_mode(o: dict, ratio: float) -> str | None:  # the precision mode, held by a much longer recall text
        pr, t = o["precision"], o["recall"]
        return pr if words(pr) >= 100 and words(t) >= ratio * words(pr) and holds(pr, t) >= 0.9 else None

    def repeats(lines: list[str]) -> list[str]:
        seen: set[str] = set()
        return [x for x in lines if not (len(aeb.WORD.findall(x)) >= 8 and key(x) in seen or seen.add(key(x)))]

    def trailing_items(lines: list[str]) -> list[str]:
        last = max((i for i, x in enumerate(lines) if not x.startswith("- ") and len(aeb.WORD.findall(x)) >= 20),
                   default=-1)
        tail = lines[last + 1:]
        items = sum(x.startswith("- ") for x in tail)
        return lines[:last + 1] if items >= 3 and items >= 0.8 * len(tail) else lines

    rules = {"shipped": lambda name, pid: done[name][pid].text}
    for ratio in (1.1, 1.3, 2.0):
        rules[f"readability when it holds trafilatura's text, {ratio}x"] = (
            lambda name, pid, r=ratio: superset(outputs[name][pid], r) or done[name][pid].text)
    for ratio in (1.2, 1.5, 2.0):
        rules[f"precision mode when the recall text is {ratio}x"] = (
            lambda name, pid, r=ratio: shorter_mode(outputs[name][pid], r) or done[name][pid].text)
    rules["repeated lines of 8+ words dropped"] = lambda name, pid: "\n".join(repeats(list(done[name][pid].paragraphs)))
    rules["trailing list items dropped"] = lambda name, pid: "\n".join(trailing_items(list(done[name][pid].paragraphs)))
    grid = {rule: {name: aeb.score({p.id: fn(name, p.id) for p in pages}, {p.id: p.truth for p in pages})["f1"]
                   for name, pages in sets.items()} for rule, fn in rules.items()}
    for rule, row in grid.items():
        print(f"  {rule:52s} " + " ".join(f"{v:.4f}" for v in row.values()) + f"  mean {sum(row.values()) / len(row):.4f}")
    held_out(grid, sets)


# ----------------------------------------------------------------------------- resiliparse, a third extractor


def resiliparse_lines(page_html: str) -> list[str]:
    """resiliparse's main content of a page (``bench_extraction``'s options) as lines ([] on failure)."""
    from resiliparse.extract.html2text import extract_plain_text

    from newsdedup.normalize import tidy

    try:
        return [line for line in tidy(extract_plain_text(page_html, **bench_extraction.RESILIPARSE_OPTIONS)).split("\n")
                if line]
    except Exception:
        return []


def with_lines(ex: html_mod.Extracted, lines: list[str]) -> html_mod.Extracted:
    return html_mod.Extracted(lines, ex.title, ex.date, ex.url, ex.visible, html_mod.left_out(ex.visible, lines))


def shipped_extractions(pages) -> dict[str, tuple[html_mod.Extracted, list[str], bool]]:
    """Per page: the shipped extraction, trafilatura's lines before the title check, and
    whether the title check asked readability."""
    from newsdedup.clean import second_opinion as so

    real_arbitrate, real_readability = html_mod.arbitrate, so.readability_lines
    seen: dict[str, object] = {}

    def arbitrate(tree, lines, title, visible_lines):
        seen["raw"] = lines
        return real_arbitrate(tree, lines, title, visible_lines)

    def readability_lines(tree, visible_lines):
        seen["asked"] = True
        return real_readability(tree, visible_lines)

    html_mod.arbitrate, so.readability_lines = arbitrate, readability_lines
    out = {}
    try:
        for p in pages:
            seen.clear()
            ex = html_mod.extract(p.html)
            out[p.id] = (ex, list(seen.get("raw", ex.lines)), bool(seen.get("asked")))
    finally:
        html_mod.arbitrate, so.readability_lines = real_arbitrate, real_readability
    return out


def put_back(ex: html_mod.Extracted, admit) -> html_mod.Extracted:
    """``ex`` with the admitted visible lines it left out put back, each after the extracted
    line that holds the visible line before it (at the start when there is none)."""
    dropped, keys = set(ex.dropped), [key(line) for line in ex.lines]
    inserts: dict[int, list[str]] = {}
    at = -1
    for line in ex.visible:
        if line in dropped:
            if admit(line):
                inserts.setdefault(at, []).append(line)
            continue
        k, t = key(line), max(at, 0)
        while t < len(keys) and not (k and k in keys[t]):
            t += 1
        at = t if t < len(keys) else at
    if not inserts:
        return ex
    lines = [*inserts.get(-1, ()), *(x for t, line in enumerate(ex.lines) for x in (line, *inserts.get(t, ())))]
    return with_lines(ex, lines)


def resiliparse(sets) -> None:
    """resiliparse (main content, comments left out) beside the shipped HTML mode: alone
    through the post-filter, per-page oracles, and three ways to use it, each held out
    (the grid point the other two sets choose):

    * agreement: where the 4-gram Dice of trafilatura's (shipped) text and resiliparse's is
      below t (0: never), readability-lxml is asked too, and the text that agrees best with the other
      two (the medoid of the three) is taken, trafilatura's on ties;
    * the title check with resiliparse as a third opinion: below a share T (0: never) of the title's
      words in trafilatura's lines, the one of readability's and resiliparse's lines holding
      most of them, if more than trafilatura's;
    * extra recall: visible lines trafilatura left out that resiliparse keeps (and the
      plain-text cleaner keeps, or not), of at least n words, put back before the post-filter
      (the plain-text reading of an aeb-dev page by a text model fit on the other two sets).
    """
    from newsdedup.clean import second_opinion as so

    print("\nresiliparse as a third extractor (F1 per set; asked: share of pages that ask readability "
          "beyond the shipped title check)", flush=True)
    base, ships, outputs, agree, shares, extracted = {}, {}, {}, {}, {}, {}
    for name, pages in sets.items():
        ships[name] = shipped_extractions(pages)
        extracted[name] = {pid: ex for pid, (ex, _, _) in ships[name].items()}
        _, theirs = candidates(pages)
        res_lines = {p.id: resiliparse_lines(p.html) for p in pages}
        res = {pid: with_lines(ex, res_lines[pid] or ex.lines) for pid, ex in extracted[name].items()}
        texts = {"shipped": {k: c.text for k, c in cleaned(pages).items()},
                 "readability": {k: c.text for k, c in cleaned(pages, theirs).items()},
                 "resiliparse": {k: c.text for k, c in cleaned(pages, res).items()}}
        outputs[name] = {p.id: {kind: texts[kind][p.id] for kind in texts} for p in pages}
        for p in pages:
            g = {"shipped": grams("\n".join(extracted[name][p.id].lines)), "resiliparse": grams("\n".join(res_lines[p.id])),
                 "readability": grams("\n".join(theirs[p.id].lines))}
            agree[p.id] = {(a, b): dice(g[a], g[b]) for a in g for b in g if a < b}
            words = so.title_words(extracted[name][p.id].title)
            raw = ships[name][p.id][1]
            shares[p.id] = None if not words or not raw else {
                "shipped": so.title_share(words, raw), "readability": so.title_share(words, theirs[p.id].lines),
                "resiliparse": so.title_share(words, res_lines[p.id])}
        truths = {p.id: p.truth for p in pages}
        base[name] = truths
        print(f"  {name}: alone through the post-filter: " + ", ".join(
            f"{kind} {aeb.score(t, truths)['f1']:.4f}" for kind, t in texts.items()), flush=True)

    def oracle(name: str, kinds: tuple[str, ...]) -> float:
        preds = {}
        for pid, o in outputs[name].items():
            preds[pid] = max((o[k] for k in kinds), key=lambda t: page_f1(t, base[name][pid]))
        return aeb.score(preds, base[name])["f1"]

    for kinds in (("shipped", "readability"), ("shipped", "resiliparse"), ("shipped", "readability", "resiliparse")):
        row = [oracle(name, kinds) for name in sets]
        print(f"  oracle, the better per page of {' / '.join(kinds):38s} " + " ".join(f"{v:.4f}" for v in row)
              + f"  mean {sum(row) / len(row):.4f}")

    def run(name: str, choose) -> tuple[float, float]:
        picks = {pid: choose(pid, ships[name][pid][2]) for pid in outputs[name]}
        preds = {pid: outputs[name][pid][kind] for pid, (kind, _) in picks.items()}
        return aeb.score(preds, base[name])["f1"], sum(asked for _, asked in picks.values()) / len(picks)

    def medoid(t: float):
        def choose(pid: str, asked: bool) -> tuple[str, bool]:
            a = agree[pid]
            if a[("resiliparse", "shipped")] >= t:
                return "shipped", False
            total = {k: sum(v for pair, v in a.items() if k in pair) for k in ("shipped", "readability", "resiliparse")}
            return max(total, key=lambda k: (total[k], k == "shipped")), not asked
        return choose

    def title_third(share: float):
        def choose(pid: str, asked: bool) -> tuple[str, bool]:
            s = shares[pid]
            if s is None or s["shipped"] >= share:
                return "shipped", False
            best = max(("readability", "resiliparse"), key=lambda k: s[k])
            return (best if s[best] > s["shipped"] else "shipped"), not asked
        return choose

    for label, rule, grid_points in (("agreement, readability asked below t, the medoid taken", medoid,
                                      (0.0, 0.1, 0.3, 0.5, 0.7, 0.8, 0.9, 1.01)),
                                     ("title check, resiliparse a third opinion, below share T", title_third,
                                      (0.0, 0.2, 0.3, 0.5, 0.7, 1.01))):
        print(f"\n  {label}:")
        full = {point: {name: run(name, rule(point)) for name in sets} for point in grid_points}
        for point, row in full.items():
            print(f"    {point:5.2f} " + "  ".join(f"{f:.4f} (asked {a:.2f})" for f, a in row.values()))
        held_out({point: {name: f for name, (f, _) in row.items()} for point, row in full.items()}, sets)

    print("\n  extra recall: left-out visible lines resiliparse keeps, put back before the post-filter:")
    read = readings(sets, extracted)
    grid = {("nothing put back", 0): {name: aeb.score({pid: o["shipped"] for pid, o in outputs[name].items()},
                                                     base[name])["f1"] for name in sets}}
    for need_text in (True, False):
        for min_words in (1, 8, 20, 30):
            row = grid.setdefault((need_text, min_words), {})
            for name, pages in sets.items():
                ex = {}
                for p in pages:
                    e = extracted[name][p.id]
                    kept = set(e.visible) - set(html_mod.left_out(e.visible, resiliparse_lines(p.html)))
                    ex[p.id] = put_back(e, lambda line, pid=p.id, kept=kept: (
                        line in kept and len(aeb.WORD.findall(line)) >= min_words
                        and (not need_text or key(line) in read[pid])))
                row[name] = aeb.score({k: c.text for k, c in cleaned(pages, ex).items()}, base[name])["f1"]
            print(f"    kept by the text cleaner too: {need_text!s:5s}, {min_words:2d}+ words  "
                  + " ".join(f"{v:.4f}" for v in row.values()) + f"  mean {sum(row.values()) / len(row):.4f}", flush=True)
    held_out(grid, sets)


def page_f1(pred: str, truth: str) -> float:
    precision, recall = page_scores(pred, truth)
    return 2 * (precision or 0.0) * recall / ((precision or 0.0) + recall) if (precision or 0.0) + recall else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worst", type=int, default=10, help="pages to list per set, worst first")
    ap.add_argument("--arbiter", action="store_true", help="also measure the readability / plain-text arbiter")
    ap.add_argument("--kinds", action="store_true", help="also split P and R loss by kind of line")
    ap.add_argument("--gaps", action="store_true", help="also measure gaps in trafilatura's text filled")
    ap.add_argument("--choices", action="store_true", help="also screen page-level extractor choices and removals")
    ap.add_argument("--resiliparse", action="store_true", help="also measure resiliparse as a third extractor")
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
        if args.kinds:
            p_loss, r_loss = loss_kinds(pages, done[name])
            print("  precision lost, by kept line: " + ", ".join(
                f"{k} {v:.4f}" for k, v in sorted(p_loss.items(), key=lambda kv: -kv[1])[:8]))
            print("  recall lost, by answer line: " + ", ".join(
                f"{k} {v:.4f}" for k, v in sorted(r_loss.items(), key=lambda kv: -kv[1])[:8]))
    if args.arbiter:
        arbiter(sets, done)
    if args.gaps:
        gaps(sets)
    if args.choices:
        choices(sets, done)
    if args.resiliparse:
        resiliparse(sets)


if __name__ == "__main__":
    main()
