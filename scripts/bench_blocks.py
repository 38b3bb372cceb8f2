#!/usr/bin/env python
"""Measure a DOM block classifier against trafilatura's recall mode, leave one set out.

The page is cut into text blocks (the runs of visible text between block-element
boundaries, each owned by its innermost open block element). Each block gets features
read from the DOM (words, link density, punctuation, owner tag, depth, ancestor tags,
generic kind tokens of ancestors' class/id such as comment/nav/footer/related, position,
the words and link density of its containers, its neighbours') and from other
extractors (the share of its word 4-grams that trafilatura's recall and precision modes
and readability-lxml return; the same share over its containers; whether it lies inside
each extractor's span). A gradient-boosted tree model (scikit-learn) fit on two sets
scores the third, all three ways; each use of it is scored on the held-out set:

* ``blocks``: the blocks the model keeps (p >= keep), alone;
* ``drop``: trafilatura's recall-mode lines (in its order), minus those whose block the
  model scores below ``keep``;
* ``both``: as ``drop``, plus blocks outside trafilatura's output scored at least ``add``;
* ``switch``: the model's blocks (p >= 0.5) instead of trafilatura's output on the pages
  where the two share fewer than ``agree`` of their word 4-grams (trafilatura took
  another part of the page);
* ``oracle``: the same three with the labels in place of the model (the ceiling).

Beside them: trafilatura's recall mode and ``include_comments=False`` on the same pages,
and the recall mode's blocks re-joined (what cutting the page into blocks costs).
Labels: a block is article text when most of its word 4-grams are in the answer
(``aeb.line_labels``). Thresholds are a grid, all printed: none is chosen on the held-out
set. Extractor outputs are cached in ``/tmp/newsdedup-blocks``. Training on dragnet is for
measurement only (AGPL data): nothing here is shipped.

    python scripts/bench_blocks.py                 # ~10 minutes the first time (extractors), then ~4
    python scripts/bench_blocks.py --model small   # shallower trees (depth 3, 80 iterations)
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import gzip
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aeb  # noqa: E402

CACHE = Path("/tmp/newsdedup-blocks")
WORD = re.compile(r"\w+")
BLOCKS = frozenset(
    "address article aside blockquote body br dd details dialog div dl dt fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol option p pre section summary table tbody td tfoot th thead "
    "tr ul".split())
HIDDEN = frozenset("script style noscript template head title svg math iframe object select textarea".split())
OWNER_TAGS = ["p", "div", "li", "td", "h1", "h2", "h3", "h4", "blockquote", "figcaption", "dd", "section", "article",
              "span-like"]
ANCESTOR_TAGS = ["nav", "footer", "header", "aside", "article", "main", "form", "ul", "ol", "table", "figure",
                 "section", "blockquote"]
# generic kinds of page parts, as class/id tokens name them (no site names)
KINDS = {
    "comment": ("comment", "disqus", "reply", "discussion"),
    "nav": ("nav", "menu", "breadcrumb", "topbar", "masthead"),
    "footer": ("footer", "copyright", "bottom"),
    "header": ("header",),
    "related": ("related", "recommend", "more", "popular", "trending", "teaser", "promo", "outbrain", "taboola"),
    "share": ("share", "social", "follow", "tweet", "facebook"),
    "side": ("sidebar", "side", "widget", "rail", "aside"),
    "ad": ("ad", "ads", "advert", "sponsor", "banner", "dfp"),
    "content": ("article", "content", "story", "post", "entry", "body", "text", "main"),
    "caption": ("caption", "credit", "figure", "photo", "image", "media"),
    "meta": ("byline", "author", "date", "time", "meta", "dateline", "published"),
    "tags": ("tag", "tags", "topic", "category", "keyword"),
    "signup": ("newsletter", "subscribe", "signup", "login", "register", "paywall", "cookie", "consent"),
}
TOKEN = re.compile(r"[a-z]+")


@dataclass
class Block:
    text: str
    owner: object
    chars: int = 0
    link_chars: int = 0


def kind_tokens(el) -> set[str]:
    toks: set[str] = set()
    for attr in ("class", "id", "role", "itemprop"):
        v = el.get(attr)
        if v:
            toks.update(TOKEN.findall(v.lower()))
    return toks


def kinds_of(tokens: set[str]) -> set[str]:
    out = set()
    for kind, words in KINDS.items():
        for t in tokens:
            if t in words or (len(t) > 4 and any(w in t for w in words if len(w) > 3)):
                out.add(kind)
                break
    return out


def segment(tree) -> list[Block]:
    """Runs of visible text between block boundaries, each with its innermost block owner."""
    from lxml import etree

    blocks: list[Block] = []
    owners = [tree]
    links = 0
    current: list[tuple[str, bool]] = []

    def flush() -> None:
        text = " ".join("".join(t for t, _ in current).split())
        if WORD.search(text):
            b = Block(text, owners[-1])
            b.chars = len(text)
            b.link_chars = min(len(" ".join("".join(t for t, a in current if a).split())), b.chars)
            blocks.append(b)
        current.clear()

    walk = etree.iterwalk(tree, events=("start", "end"))
    for event, el in walk:
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if event == "start":
            if tag is None or tag in HIDDEN or is_hidden(el):
                walk.skip_subtree()
                continue
            if tag in BLOCKS:
                flush()
                owners.append(el)
            if tag == "a":
                links += 1
            if el.text:
                current.append((el.text, links > 0))
        else:
            if tag is not None and tag not in HIDDEN and not is_hidden(el):
                if tag in BLOCKS:
                    flush()
                    owners.pop()
                if tag == "a":
                    links -= 1
            if el.tail and el is not tree:
                current.append((el.tail, links > 0))
    flush()
    return blocks


HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden")


def is_hidden(el) -> bool:
    """Markup a browser does not show (the hidden attribute, an inline display:none)."""
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style and HIDDEN_STYLE.search(style.lower()))


def grams(text: str) -> list[tuple[str, ...]]:
    return aeb._grams(WORD.findall(text.casefold()))


def share_in(block_grams: list, pool: set) -> float:
    if not block_grams:
        return 0.0
    return sum(g in pool for g in block_grams) / len(block_grams)


def block_features(blocks: list[Block], outputs: dict[str, str]) -> tuple[np.ndarray, list[str]]:
    """One row of features per block, and the features' names."""
    pools = {name: set(grams(text)) for name, text in outputs.items()}
    line_keys = {name: {" ".join(WORD.findall(line.casefold())) for line in text.split("\n")}
                 for name, text in outputs.items()}
    seen_keys: set[str] = set()
    names_out = list(outputs)
    found = np.zeros((len(blocks), len(names_out)))
    for i, b in enumerate(blocks):
        words = WORD.findall(b.text.casefold())
        for j, name in enumerate(names_out):
            found[i, j] = share_in(grams(b.text), pools[name]) if len(words) >= 4 else float(
                " ".join(words) in line_keys[name])
    # container aggregates: chars, link chars, blocks, and chars each extractor kept, of
    # every element up to 4 levels above a block
    agg: dict[int, np.ndarray] = {}
    alive = []  # lxml makes a new proxy for a node whose proxy was freed: keep them, so that id() names the node
    for i, b in enumerate(blocks):
        el = b.owner
        hops = 0
        while el is not None and hops < 4:
            alive.append(el)
            a = agg.setdefault(id(el), np.zeros(3 + len(names_out)))
            a[0] += b.chars
            a[1] += b.link_chars
            a[2] += 1
            a[3:] += found[i] * b.chars
            el = el.getparent()
            hops += 1
    # each extractor's span: its first and last kept block, and the distance to the nearest
    kept_idx = {name: np.flatnonzero(found[:, j] >= 0.5) for j, name in enumerate(names_out)}
    total_chars = sum(b.chars for b in blocks) or 1
    rows = []
    seen = 0
    for i, b in enumerate(blocks):
        words = WORD.findall(b.text)
        f: dict[str, float] = {
            "log_chars": np.log1p(b.chars), "words": min(len(words), 400),
            "link_density": b.link_chars / max(b.chars, 1),
            "stops": b.text.count(".") + b.text.count("!") + b.text.count("?"),
            "commas": b.text.count(","), "ends_stop": float(b.text.rstrip()[-1:] in ".!?\"'”"),
            "upper_start": float(b.text[:1].isupper()), "digits": sum(c.isdigit() for c in b.text) / max(b.chars, 1),
            "pipes": float("|" in b.text or "»" in b.text or "›" in b.text),
            "pos_block": i / len(blocks), "pos_chars": seen / total_chars,
        }
        seen += b.chars
        key = " ".join(w.casefold() for w in words)
        for j, name in enumerate(names_out):
            f[f"in_{name}"] = found[i, j]
            k = kept_idx[name]
            f[f"inside_{name}"] = float(len(k) > 0 and k[0] <= i <= k[-1])
            f[f"near_{name}"] = float(np.log1p(np.abs(k - i).min())) if len(k) else 9.0
        f["repeat"] = float(key in seen_keys)
        seen_keys.add(key)
        owner = b.owner
        otag = owner.tag.lower() if isinstance(owner.tag, str) else ""
        for t in OWNER_TAGS:
            f[f"owner_{t}"] = float(otag == t)
        depth, anc_tags, anc_kinds, near_kind = 0, set(), set(), {}
        el = owner
        while el is not None:
            tag = el.tag.lower() if isinstance(el.tag, str) else ""
            anc_tags.add(tag)
            for k in kinds_of(kind_tokens(el)):
                anc_kinds.add(k)
                near_kind.setdefault(k, depth)
            if el.getparent() is not None:
                depth += 1
            el = el.getparent()
        f["depth"] = depth
        for t in ANCESTOR_TAGS:
            f[f"anc_{t}"] = float(t in anc_tags)
        for k in KINDS:
            f[f"kind_{k}"] = float(k in anc_kinds)
            f[f"kind_{k}_hops"] = min(near_kind.get(k, 30), 30)
        el, hops = owner, 0
        while hops < 4:
            a = agg[id(el)] if el is not None and id(el) in agg else np.zeros(3 + len(names_out))
            f[f"up{hops}_log_chars"] = np.log1p(a[0])
            f[f"up{hops}_link"] = a[1] / max(a[0], 1)
            f[f"up{hops}_blocks"] = a[2]
            for j, name in enumerate(names_out):
                f[f"up{hops}_in_{name}"] = a[3 + j] / max(a[0], 1)
            el = el.getparent() if el is not None else None
            hops += 1
        rows.append(f)
    if not rows:
        return np.zeros((0, 0), dtype=np.float32), []
    names = list(rows[0])
    X = np.array([[r[n] for n in names] for r in rows], dtype=np.float32)
    # neighbours: the same few features of the blocks around
    ctx_names = ["log_chars", "link_density"] + [f"in_{n}" for n in outputs]
    ctx = X[:, [names.index(n) for n in ctx_names]]
    extra, extra_names = [], []
    for off in (-2, -1, 1, 2):
        shifted = np.zeros_like(ctx) - 1
        if off < 0:
            shifted[-off:] = ctx[:off]
        else:
            shifted[:-off] = ctx[off:]
        extra.append(shifted)
        extra_names += [f"{n}@{off:+d}" for n in ctx_names]
    for w in (5, 15):
        extra.append(window_mean(ctx, w))
        extra_names += [f"{n}~{w}" for n in ctx_names]
    return np.hstack([X] + extra).astype(np.float32), names + extra_names


def window_mean(a: np.ndarray, w: int) -> np.ndarray:
    """Mean of each column over the rows within ``w`` of each row (fewer at the ends)."""
    c = np.vstack([np.zeros((1, a.shape[1])), np.cumsum(a, axis=0)])
    idx = np.arange(len(a))
    lo, hi = np.maximum(idx - w, 0), np.minimum(idx + w + 1, len(a))
    return (c[hi] - c[lo]) / (hi - lo)[:, None]


# ----------------------------------------------------------------------------- extractors (cached)


def extractor_outputs(page: aeb.Page, set_name: str) -> dict[str, str]:
    path = CACHE / set_name / (page.id.replace("/", "_") + ".json.gz")
    if path.exists():
        return json.loads(gzip.open(path, "rt").read())
    import trafilatura

    def traf(**kw) -> str:
        try:
            return trafilatura.extract(page.html, include_tables=True, deduplicate=False, **kw) or ""
        except Exception:
            return ""

    out = {"recall": traf(include_comments=False, favor_recall=True),
           "nocomments": traf(include_comments=False),
           "precision": traf(include_comments=False, favor_precision=True),
           "readability": readability_text(page.html)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as fh:
        fh.write(json.dumps(out))
    return out


def readability_text(html: str) -> str:
    import lxml.html
    from readability import Document

    try:
        summary = Document(html).summary(html_partial=True)
        return "\n".join(t.strip() for t in lxml.html.fromstring(summary).itertext() if t.strip())
    except Exception:
        return ""


@dataclass
class PageBlocks:
    id: str
    texts: list[str]
    X: np.ndarray
    y: np.ndarray
    weight: np.ndarray
    outputs: dict[str, str]
    truth: str


def page_blocks(page: aeb.Page, set_name: str, signals: tuple[str, ...]) -> PageBlocks:
    from trafilatura.utils import load_html

    outputs = extractor_outputs(page, set_name)
    tree = load_html(page.html)
    blocks = segment(tree) if tree is not None else []
    X, names = block_features(blocks, {s: outputs[s] for s in signals})
    texts = [b.text for b in blocks]
    y = aeb.line_labels(texts, page.truth) if texts else np.zeros(0, np.int8)
    weight = np.array([max(len(WORD.findall(t)), 1) for t in texts], dtype=np.float64)
    pb = PageBlocks(page.id, texts, X, y, weight, outputs, page.truth)
    pb.names = names  # type: ignore[attr-defined]
    return pb


# ----------------------------------------------------------------------------- experiment


MODELS = {
    "default": dict(max_iter=200, learning_rate=0.08, max_depth=6, max_leaf_nodes=31, min_samples_leaf=40),
    "small": dict(max_iter=80, learning_rate=0.08, max_depth=3, max_leaf_nodes=8, min_samples_leaf=200),
}


def fit(train: list[PageBlocks], weighting: str, size: str = "default"):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X = np.vstack([p.X for p in train if len(p.texts)])
    y = np.concatenate([p.y for p in train if len(p.texts)])
    w = np.concatenate([page_weights(p, weighting) for p in train if len(p.texts)])
    model = HistGradientBoostingClassifier(**MODELS[size], l2_regularization=1.0, early_stopping=False,
                                           random_state=0)
    model.fit(X, y, sample_weight=w)
    return model


def page_weights(p: PageBlocks, weighting: str) -> np.ndarray:
    if weighting == "words":
        return p.weight
    if weighting == "page":  # each page weighs the same (the score averages pages)
        return p.weight / p.weight.sum() * 1000
    return np.ones(len(p.texts))


def line_blocks(p: PageBlocks, lines: list[str]) -> list[int]:
    """For each line of an extractor's output, the block it comes from (most shared word
    4-grams; a short line: a block of the same words), or -1."""
    index: dict[tuple, int] = {}
    keys: dict[str, int] = {}
    for i, t in enumerate(p.texts):
        for g in grams(t):
            index.setdefault(g, i)
        keys.setdefault(" ".join(WORD.findall(t.casefold())), i)
    out = []
    for line in lines:
        words = WORD.findall(line.casefold())
        if len(words) < 4:
            out.append(keys.get(" ".join(words), -1))
            continue
        votes: dict[int, int] = {}
        for g in grams(line):
            b = index.get(g)
            if b is not None:
                votes[b] = votes.get(b, 0) + 1
        out.append(max(votes, key=lambda b: (votes[b], -b)) if votes else -1)
    return out


def predict_texts(pages: list[PageBlocks], probs: list[np.ndarray], how: str, keep: float, add: float,
                  base: str = "recall") -> dict[str, str]:
    """``blocks``: the blocks kept; ``drop``: the extractor's own lines minus those whose
    block the model rejects; ``both``: plus blocks outside its output the model is sure of."""
    out = {}
    for p, pr in zip(pages, probs):
        base_text = p.outputs[base]
        if not len(p.texts):
            out[p.id] = base_text
            continue
        if how == "blocks":
            sel = pr >= keep
            out[p.id] = "\n".join(t for t, s in zip(p.texts, sel) if s) if sel.any() else base_text
            continue
        if how == "switch":  # the model's blocks only where the extractor took another part of the page
            chosen = "\n".join(t for t, s in zip(p.texts, pr >= 0.5) if s)
            base_grams, chosen_grams = set(grams(base_text)), set(grams(chosen))
            agree = len(base_grams & chosen_grams) / max(min(len(base_grams), len(chosen_grams)), 1)
            out[p.id] = chosen if chosen_grams and agree < keep else base_text
            continue
        lines = [line for line in base_text.split("\n") if line.strip()]
        owners = line_blocks(p, lines)
        kept = [(b, line) for line, b in zip(lines, owners) if b < 0 or pr[b] >= keep]
        if how == "both":  # a sure block outside the output goes after the last kept line before it
            covered = set(owners)
            in_base = p.X[:, p.names.index(f"in_{base}")] >= 0.5  # type: ignore[attr-defined]
            for i in np.flatnonzero((pr >= add) & ~in_base):
                if i in covered:
                    continue
                at = max((n + 1 for n, (b, _) in enumerate(kept) if 0 <= b < i), default=0)
                kept.insert(at, (int(i), p.texts[i]))
        out[p.id] = "\n".join(t for _, t in kept) if kept else base_text
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--signals", default="recall,precision,readability",
                    help="extractor outputs used as block features (of recall,nocomments,precision,readability)")
    ap.add_argument("--weighting", default="page", choices=["words", "page", "block"])
    ap.add_argument("--model", default="default", choices=sorted(MODELS), help="tree ensemble size")
    args = ap.parse_args()
    signals = tuple(s for s in args.signals.split(",") if s)
    if "recall" not in signals:
        signals = ("recall",) + signals
    loaded = {name: aeb.load_set(name, prefixed=True) for name in aeb.SETS}
    for name, pages in loaded.items():
        for p in pages:
            extractor_outputs(p, name)  # cached once, so that the timing below is the block features only
    start = time.perf_counter()
    sets = {name: [page_blocks(p, name, signals) for p in pages] for name, pages in loaded.items()}
    n_pages = sum(map(len, sets.values()))
    print(f"{n_pages} pages segmented and featured in {time.perf_counter() - start:.0f} s "
          f"({n_pages / (time.perf_counter() - start):.1f} pages/s, extractors cached); signals {signals}; "
          f"weighting {args.weighting}; model {args.model}", flush=True)
    grid = [("blocks", t, 1.0) for t in (0.3, 0.4, 0.5, 0.6)] + [("drop", t, 1.0) for t in (0.1, 0.2, 0.3, 0.4)] + [
        ("both", t, a) for t in (0.2, 0.3) for a in (0.7, 0.8, 0.9)] + [("switch", t, 1.0) for t in (0.1, 0.2, 0.4)]
    results: dict[str, dict[str, float]] = {}
    for held, pages in sets.items():
        train = [p for name, ps in sets.items() if name != held for p in ps]
        model = fit(train, args.weighting, args.model)
        # threshold chosen on the training sets (out-of-fold would be better; in-sample here, stated)
        probs = [model.predict_proba(p.X)[:, 1] if len(p.texts) else np.zeros(0) for p in pages]
        truths = {p.id: p.truth for p in pages}
        results.setdefault("trafilatura include_comments=False", {})[held] = aeb.score(
            {p.id: p.outputs["nocomments"] for p in pages}, truths)["f1"]
        results.setdefault("trafilatura recall", {})[held] = aeb.score(
            {p.id: p.outputs["recall"] for p in pages}, truths)["f1"]
        results.setdefault("recall blocks re-joined", {})[held] = aeb.score(
            {p.id: "\n".join(t for t, x in zip(p.texts, p.X[:, p.names.index("in_recall")]) if x >= 0.5)
             for p in pages}, truths)["f1"]
        oracle = [p.y.astype(float) for p in pages]  # the labels as probabilities: what blocks allow at best
        for how in ("blocks", "drop", "both"):
            results.setdefault(f"oracle {how}", {})[held] = aeb.score(
                predict_texts(pages, oracle, how, 0.5, 0.5), truths)["f1"]
        for how, keep, add in grid:
            name = f"switch agree<{keep}" if how == "switch" else (
                f"{how} keep>={keep}" + (f" add>={add}" if how == "both" else ""))
            results.setdefault(name, {})[held] = aeb.score(predict_texts(pages, probs, how, keep, add), truths)["f1"]
    print(f"\n{'system (held-out F1)':36s} " + " ".join(f"{n:>12s}" for n in sets) + f" {'mean':>7s} {'min gain':>8s}")
    ref = results["trafilatura include_comments=False"]
    for name, by_set in results.items():
        vals = [by_set[n] for n in sets]
        gain = min(by_set[n] - ref[n] for n in sets)
        print(f"{name:36s} " + " ".join(f"{v:12.3f}" for v in vals) + f" {np.mean(vals):7.3f} {gain:+8.3f}")


if __name__ == "__main__":
    main()
