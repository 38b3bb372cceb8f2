"""Per-paragraph features for the learned boilerplate classifier.

A page text is a sequence of lines; what marks a line as article or furniture is
partly the line itself (length, stopwords, punctuation, cue words) and partly where
it stands (in a run of short links, between two prose paragraphs, far from the
densest text, in a block repeated elsewhere). :func:`line_features` returns one row
per paragraph with both kinds, as a float32 matrix whose columns are
:data:`FEATURES`.

Nothing here names a site or a phrase: the inputs are shapes, positions, a generic
stopword list per language (jusText's) and the cue kinds of :mod:`.rules`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from .paragraphs import Paragraph

# Languages whose stopword lists are tried; the one covering most of a page's words wins.
STOPLIST_LANGUAGES = ("English", "German", "French", "Spanish", "Portuguese", "Italian", "Dutch", "Russian",
                      "Polish", "Swedish", "Danish", "Norwegian_Bokmal", "Finnish", "Czech", "Turkish",
                      "Indonesian", "Romanian", "Hungarian", "Ukrainian", "Greek")

_TERMINAL = re.compile(r"[.!?…。！？][\"'”’»)\]」』]*$")
_SEPARATORS = re.compile(r"[|»›•·►▶→←«‹]|\s[-/]\s")
_COUNT = re.compile(r"\(\d+\)\s*$|^\d+\s*$|^\d+[.)]\s")
_DATE = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?\s*\d{1,2}\b|\b\d{1,2}:\d{2}\b|\b\d+\s*(?:[mhd]|min|mins|hrs?|"
    r"hours?|days?|minutes?)\s+ago\b|\b(?:19|20)\d{2}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b", re.I)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_UPPER_WORD = re.compile(r"\b[A-ZÀ-ÖØ-ÞА-ЯЁ]\w*")
_PUNCT = re.compile(r"[^\w\s]")
_DIGIT = re.compile(r"\d")
_WORDS = re.compile(r"\w+")

CUE_KINDS = ("call_to_action", "social", "legal", "notice", "navigation")

FEATURES = (
    "log_chars", "log_words", "stop_ratio", "log_stops", "terminal", "ends_colon", "comma_per_word",
    "punct_ratio", "digit_ratio", "upper_ratio", "cjk_ratio", "separators", "count_pattern", "date_time",
    "mean_word_len", "cue_strong", "cue_weak", *(f"cue_{k}" for k in CUE_KINDS), "prose",
    "rel_pos", "rel_char_pos", "repeats_in_doc", "template_docs", "gap_before", "gap_after",
    "log_block_lines", "pos_in_block", "log_block_words", "title_overlap",
    "prev_words", "next_words", "prev_terminal", "next_terminal", "prev_prose", "next_prose",
    "win2_prose", "win5_prose", "win2_words", "win5_words", "win10_prose",
    "log_short_run", "dist_to_densest", "density", "in_core", "before_core", "after_core",
    "doc_lines", "doc_prose_share", "vocab_overlap", "block_prose_share",
)
INDEX = {name: i for i, name in enumerate(FEATURES)}


@lru_cache(maxsize=1)
def stoplists() -> dict[str, frozenset[str]]:
    import justext

    return {lang: frozenset(w.casefold() for w in justext.get_stoplist(lang)) for lang in STOPLIST_LANGUAGES}


def pick_stoplist(words: Sequence[str]) -> frozenset[str]:
    """The stopword list that covers most of these words (English on a tie or no words)."""
    lists = stoplists()
    sample = words[:2000]
    best, best_hits = lists["English"], -1
    for lang in STOPLIST_LANGUAGES:
        stop = lists[lang]
        hits = sum(1 for w in sample if w in stop)
        if hits > best_hits:
            best, best_hits = stop, hits
    return best


def _window_mean(values: np.ndarray, radius: int) -> np.ndarray:
    if values.size == 0:
        return values
    padded = np.concatenate(([0.0], np.cumsum(values)))
    idx = np.arange(values.size)
    lo = np.maximum(idx - radius, 0)
    hi = np.minimum(idx + radius + 1, values.size)
    return (padded[hi] - padded[lo]) / (hi - lo)


def _runs(flags: np.ndarray) -> np.ndarray:
    """For each position, the length of the run of equal flags it belongs to."""
    n = flags.size
    out = np.zeros(n, dtype=np.float64)
    start = 0
    for i in range(1, n + 1):
        if i == n or flags[i] != flags[start]:
            out[start:i] = i - start
            start = i
    return out


def line_features(paragraphs: Sequence[Paragraph], gaps_before: Sequence[int], gaps_after: Sequence[int],
                  template_docs: Sequence[int] | None = None, long_words: int = 12) -> np.ndarray:
    """``(len(paragraphs), len(FEATURES))`` float32 features of a document's paragraphs."""
    n = len(paragraphs)
    X = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return X
    texts = [p.text for p in paragraphs]
    lowered = [t.casefold() for t in texts]
    tokens = [_WORDS.findall(t) for t in lowered]
    stop = pick_stoplist([w for ws in tokens for w in ws])
    chars = np.array([len(t) for t in texts], dtype=np.float64)
    n_words = np.array([len(ws) for ws in tokens], dtype=np.float64)
    safe_words = np.maximum(n_words, 1)
    stops = np.array([sum(1 for w in ws if w in stop) for ws in tokens], dtype=np.float64)
    terminal = np.array([bool(_TERMINAL.search(t)) for t in texts])
    prose = np.array([p.sentence and p.n_words >= long_words for p in paragraphs])
    cjk = np.array([len(_CJK.findall(t)) for t in texts], dtype=np.float64)
    # CJK text has no spaces: count its characters as words for length purposes
    eff_words = np.maximum(n_words, cjk / 2.0)
    prose |= terminal & (cjk / np.maximum(chars, 1) > 0.3) & (cjk >= 2 * long_words)

    c = X.T  # column views
    c[INDEX["log_chars"]] = np.log1p(chars)
    c[INDEX["log_words"]] = np.log1p(eff_words)
    c[INDEX["stop_ratio"]] = stops / safe_words
    c[INDEX["log_stops"]] = np.log1p(stops)
    c[INDEX["terminal"]] = terminal
    c[INDEX["ends_colon"]] = [t.rstrip().endswith(":") for t in texts]
    c[INDEX["comma_per_word"]] = [t.count(",") / w for t, w in zip(texts, safe_words)]
    c[INDEX["punct_ratio"]] = [len(_PUNCT.findall(t)) / max(len(t), 1) for t in texts]
    c[INDEX["digit_ratio"]] = [len(_DIGIT.findall(t)) / max(len(t), 1) for t in texts]
    c[INDEX["upper_ratio"]] = [len(_UPPER_WORD.findall(t)) / w for t, w in zip(texts, safe_words)]
    c[INDEX["cjk_ratio"]] = cjk / np.maximum(chars, 1)
    c[INDEX["separators"]] = [len(_SEPARATORS.findall(t)) for t in texts]
    c[INDEX["count_pattern"]] = [bool(_COUNT.search(t)) for t in texts]
    c[INDEX["date_time"]] = [bool(_DATE.search(t)) for t in texts]
    c[INDEX["mean_word_len"]] = [sum(map(len, ws)) / max(len(ws), 1) for ws in tokens]
    c[INDEX["cue_strong"]] = [p.cues.strong for p in paragraphs]
    c[INDEX["cue_weak"]] = [p.cues.weak for p in paragraphs]
    for kind in CUE_KINDS:
        c[INDEX[f"cue_{kind}"]] = [p.cue_score if p.cues.kind == kind else 0 for p in paragraphs]
    c[INDEX["prose"]] = prose

    idx = np.arange(n, dtype=np.float64)
    c[INDEX["rel_pos"]] = idx / max(n - 1, 1)
    before_chars = np.concatenate(([0.0], np.cumsum(chars)[:-1]))
    c[INDEX["rel_char_pos"]] = before_chars / max(chars.sum(), 1)
    counts: dict[int, int] = {}
    for p in paragraphs:
        counts[p.key] = counts.get(p.key, 0) + 1
    c[INDEX["repeats_in_doc"]] = [counts[p.key] - 1 for p in paragraphs]
    if template_docs is not None:
        c[INDEX["template_docs"]] = np.minimum(np.asarray(template_docs, dtype=np.float64), 10)
    gb = np.minimum(np.asarray(gaps_before, dtype=np.float64), 3)
    ga = np.minimum(np.asarray(gaps_after, dtype=np.float64), 3)
    c[INDEX["gap_before"]] = gb
    c[INDEX["gap_after"]] = ga

    # blocks: runs of lines with no blank line between them
    block_id = np.cumsum(np.asarray(gaps_before) > 0) if n else np.zeros(0)
    block_sizes = np.bincount(block_id)
    block_words = np.bincount(block_id, weights=eff_words)
    first_in_block = np.searchsorted(block_id, block_id)
    c[INDEX["log_block_lines"]] = np.log1p(block_sizes[block_id])
    c[INDEX["pos_in_block"]] = (idx - first_in_block) / np.maximum(block_sizes[block_id] - 1, 1)
    c[INDEX["log_block_words"]] = np.log1p(block_words[block_id])

    title_words = set(tokens[0]) if tokens else set()
    c[INDEX["title_overlap"]] = [len(title_words.intersection(ws)) / max(len(set(ws)), 1) if i else 1.0
                                 for i, ws in enumerate(tokens)]

    log_words = np.log1p(eff_words)
    prev = np.concatenate(([0.0], log_words[:-1]))
    nxt = np.concatenate((log_words[1:], [0.0]))
    c[INDEX["prev_words"]] = prev
    c[INDEX["next_words"]] = nxt
    term = terminal.astype(np.float64)
    c[INDEX["prev_terminal"]] = np.concatenate(([0.0], term[:-1]))
    c[INDEX["next_terminal"]] = np.concatenate((term[1:], [0.0]))
    pr = prose.astype(np.float64)
    c[INDEX["prev_prose"]] = np.concatenate(([0.0], pr[:-1]))
    c[INDEX["next_prose"]] = np.concatenate((pr[1:], [0.0]))
    c[INDEX["win2_prose"]] = _window_mean(pr, 2)
    c[INDEX["win5_prose"]] = _window_mean(pr, 5)
    c[INDEX["win10_prose"]] = _window_mean(pr, 10)
    c[INDEX["win2_words"]] = _window_mean(log_words, 2)
    c[INDEX["win5_words"]] = _window_mean(log_words, 5)
    c[INDEX["log_short_run"]] = np.where(pr > 0, 0.0, np.log1p(_runs(pr > 0)))

    window_words = _window_mean(eff_words, 3)
    densest = int(np.argmax(window_words))
    c[INDEX["dist_to_densest"]] = (idx - densest) / max(n, 1)
    c[INDEX["density"]] = window_words / max(window_words.max(), 1)
    core = np.flatnonzero(pr > 0)
    if core.size:
        c[INDEX["in_core"]] = (idx >= core[0]) & (idx <= core[-1])
        c[INDEX["before_core"]] = idx < core[0]
        c[INDEX["after_core"]] = idx > core[-1]
    c[INDEX["doc_lines"]] = math.log1p(n)
    c[INDEX["doc_prose_share"]] = pr.mean()
    c[INDEX["vocab_overlap"]] = _vocab_overlap(tokens, pr > 0, stop)
    c[INDEX["block_prose_share"]] = (np.bincount(block_id, weights=pr) / block_sizes)[block_id]
    return X


def _vocab_overlap(tokens: list[list[str]], prose: np.ndarray, stop: frozenset[str]) -> np.ndarray:
    """Share of a line's content words that other prose lines of the page also use (topic coherence)."""
    content = [[w for w in ws if len(w) > 2 and w not in stop and not w.isdigit()] for ws in tokens]
    counts: dict[str, int] = {}
    for ws, is_prose in zip(content, prose):
        if is_prose:
            for w in set(ws):
                counts[w] = counts.get(w, 0) + 1
    out = np.zeros(len(tokens), dtype=np.float64)
    for i, (ws, is_prose) in enumerate(zip(content, prose)):
        if not ws:
            continue
        own = 1 if is_prose else 0
        out[i] = sum(1 for w in ws if counts.get(w, 0) - own > 0) / len(ws)
    return out
