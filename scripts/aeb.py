"""Shared helpers of the extraction scripts: the AEB pages, line labels, scoring, folds.

Only scripts import this module; the package never depends on the evaluation data.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsdedup.clean import Draft, corpus_templates, draft
from newsdedup.records import Record

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSDEDUP_SHARED", ROOT.parent / "shared"))
AEB = SHARED / "data" / "aeb-dev"
EXT = SHARED / "data" / "ext-dev"
# every development set in the AEB layout, by name (the holdout sets are kept elsewhere)
SETS = {"aeb-dev": AEB, "dragnet": EXT / "dragnet", "readability": EXT / "readability"}
WORD = re.compile(r"\w+")


@dataclass
class Page:
    id: str
    text: str  # the page text as a naive scraper stores it
    html: str
    truth: str


def load_pages(aeb: Path = AEB, prefix: str = "") -> list[Page]:
    """The pages of one set in the AEB layout (``prefix`` before each id: pages of several
    sets pooled keep their ids apart, and :func:`set_of` tells their set)."""
    truth_file = aeb / "ground-truth.dev.json"
    truth = json.loads((truth_file if truth_file.exists() else aeb / "ground-truth.json").read_text())
    pages = []
    for pid in sorted(truth):
        plain = aeb / "text" / f"{pid}.txt"
        text = plain.read_text(encoding="utf-8") if plain.exists() else gzip.open(
            aeb / "text" / f"{pid}.txt.gz", "rt", encoding="utf-8").read()
        html = gzip.open(aeb / "html" / f"{pid}.html.gz", "rt", encoding="utf-8", errors="replace").read()
        pages.append(Page(prefix + pid, text, html, truth[pid]["articleBody"]))
    return pages


def load_set(name: str, prefixed: bool = False) -> list[Page]:
    """A development set by name (:data:`SETS`); ``prefixed``: ids as ``name/id``."""
    return load_pages(SETS[name], f"{name}/" if prefixed else "")


def set_of(page_id: str) -> str:
    """The set of a prefixed page id ("" for an id without a prefix)."""
    return page_id.partition("/")[0] if "/" in page_id else ""


def folds(ids: list[str], k: int) -> list[int]:
    """Fold of each id: a stable hash, so folds do not depend on order or on Python's hash seed."""
    import hashlib

    return [int(hashlib.sha1(i.encode()).hexdigest(), 16) % k for i in ids]


def text_drafts(pages: list[Page]) -> list[Draft]:
    return [draft(Record(doc_id=p.id, source=p.id, text=p.text)) for p in pages]


def evidence_for(drafts: list[Draft]):
    return corpus_templates(drafts)


# ----------------------------------------------------------------------------- labels


def _grams(tokens: list[str], n: int = 4) -> list[tuple[str, ...]]:
    if len(tokens) < n:
        return [tuple(tokens)] if tokens else []
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def line_labels(lines: list[str], truth: str) -> np.ndarray:
    """1 for a line whose text belongs to the article body, by shingle overlap with the truth.

    A line of 4+ words is article text when most of its word 4-grams occur in the truth;
    a shorter line when it equals a line of the truth.
    """
    truth_tokens = WORD.findall(truth.casefold())
    truth_grams = set(_grams(truth_tokens))
    truth_lines = {" ".join(WORD.findall(line.casefold())) for line in truth.split("\n")}
    out = np.zeros(len(lines), dtype=np.int8)
    for i, line in enumerate(lines):
        tokens = WORD.findall(line.casefold())
        if not tokens:
            continue
        if len(tokens) >= 4:
            grams = _grams(tokens)
            out[i] = sum(g in truth_grams for g in grams) >= 0.5 * len(grams)
        else:
            out[i] = " ".join(tokens) in truth_lines
    return out


# ----------------------------------------------------------------------------- scoring


def _shingles(text: str, n: int = 4) -> Counter:
    return Counter(_grams(WORD.findall(text or ""), n))


def score(preds: dict[str, str], truths: dict[str, str]) -> dict[str, float]:
    """The AEB rule: P averaged over non-empty predictions, R over all, F1 of the two averages."""
    ps, rs = [], []
    for pid, truth in truths.items():
        t, p = _shingles(truth), _shingles(preds.get(pid, ""))
        tp = sum((t & p).values())
        fp, fn = sum(p.values()) - tp, sum(t.values()) - tp
        if sum(p.values()):
            ps.append(1.0 if fp == fn == 0 else tp / (tp + fp))
        rs.append(1.0 if fp == fn == 0 else (tp / (tp + fn) if tp + fn else 0.0))
    P = float(np.mean(ps)) if ps else 0.0
    R = float(np.mean(rs)) if rs else 0.0
    return {"precision": P, "recall": R, "f1": 2 * P * R / (P + R) if P + R else 0.0}


def shared_scorer():
    """The reference scorer of ../shared/eval, to cross-check :func:`score` (None if absent)."""
    path = SHARED / "eval" / "score_extraction.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("score_extraction", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
