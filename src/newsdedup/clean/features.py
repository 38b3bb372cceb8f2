"""Per-paragraph features for the learned boilerplate classifier.

A page text is a sequence of lines; what marks a line as article or furniture is
partly the line itself (length, stopwords, punctuation, cue words) and partly where
it stands (in a run of short links, between two prose paragraphs, far from the
densest text, repeated within the page). :func:`line_features` returns one row
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

from ..normalize import CJK, DIGIT, PUNCT, UPPER, WORD_CHAR, compare_keys, line_char_classes
from .paragraphs import Paragraph

# Languages whose stopword lists are tried; the one covering most of a page's words wins.
STOPLIST_LANGUAGES = ("English", "German", "French", "Spanish", "Portuguese", "Italian", "Dutch", "Russian",
                      "Polish", "Swedish", "Danish", "Norwegian_Bokmal", "Finnish", "Czech", "Turkish",
                      "Indonesian", "Romanian", "Hungarian", "Ukrainian", "Greek")

_SEPARATOR_CODES = np.array([ord(ch) for ch in "|»›•·►▶→←«‹"], dtype=np.uint32)
# a cheap necessary condition of _DATE, to run the expensive pattern on few lines
_DATE_HINT = re.compile(r"[:/-]|ago|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec")
_COUNT = re.compile(r"\(\d+\)$|^\d+$|^\d+[.)]\s")
_DATE = re.compile(
    r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?[^\S\n]*\d{1,2}\b|\b\d{1,2}:\d{2}\b|\b\d+\s*(?:[mhd]|min|mins|hrs?|"
    r"hours?|days?|minutes?)[^\S\n]+ago\b|\b(?:19|20)\d{2}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b", re.I)
_WORDS = re.compile(r"\w+")

CUE_KINDS = ("call_to_action", "social", "legal", "notice", "navigation")

FEATURES = (
    "log_chars", "log_words", "stop_ratio", "log_stops", "terminal", "ends_colon", "comma_per_word",
    "punct_ratio", "digit_ratio", "upper_ratio", "cjk_ratio", "separators", "count_pattern", "date_time",
    "mean_word_len", "cue_strong", "cue_weak", *(f"cue_{k}" for k in CUE_KINDS), "prose",
    "rel_pos", "rel_char_pos", "repeats_in_doc", "gap_before", "gap_after",
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
    """The stopword list that covers most of the page's words (English on a tie or no words).

    Stopwords are a large share of any prose in their language (a third or more of its
    tokens in English), so a page where English covers a quarter of the first words is
    English without trying the others."""
    lists = stoplists()
    sample = words[:400]
    english = lists["English"]
    if not sample or sum(map(english.__contains__, sample)) >= 0.25 * len(sample):
        return english
    vocabulary = set(sample)
    best, best_hits = english, -1
    for lang in STOPLIST_LANGUAGES:
        hits = len(lists[lang].intersection(vocabulary))
        if hits > best_hits:
            best, best_hits = lists[lang], hits
    return best


def _window_mean(values: np.ndarray, radius: int) -> np.ndarray:
    if values.size == 0:
        return values
    padded = np.concatenate(([0.0], np.cumsum(values)))
    idx = np.arange(values.size)
    lo = np.maximum(idx - radius, 0)
    hi = np.minimum(idx + radius + 1, values.size)
    return (padded[hi] - padded[lo]) / (hi - lo)


def _run_lengths(flags: np.ndarray) -> np.ndarray:
    """For each position, the length of the run of equal flags it belongs to."""
    if flags.size == 0:
        return np.zeros(0)
    change = np.flatnonzero(flags[1:] != flags[:-1]) + 1
    bounds = np.concatenate(([0], change, [flags.size]))
    return np.repeat(np.diff(bounds), np.diff(bounds)).astype(np.float64)


def _shift(values: np.ndarray, by: int) -> np.ndarray:
    """values moved ``by`` places (positive: the previous line's value), zero-filled."""
    out = np.zeros_like(values)
    if by > 0:
        out[by:] = values[:-by]
    else:
        out[:by] = values[-by:]
    return out


_TERMINALS = frozenset(".!?…。！？")
_CLOSERS = frozenset("\"'”’»)]」』")


def _terminal(text: str) -> bool:
    end = text[-1:]
    if end in _CLOSERS:
        end = text.rstrip("\"'”’»)]」』")[-1:]
    return end in _TERMINALS


def line_features(paragraphs: Sequence[Paragraph], keys: Sequence[str] | None = None,
                  long_words: int = 12) -> np.ndarray:
    """``(len(paragraphs), len(FEATURES))`` float32 features of a document's paragraphs.

    ``keys`` are the paragraphs' compare keys (computed if not given). Everything here
    comes from the document itself: evidence from the rest of the corpus (templates)
    is a rule of its own, because what recurs across documents depends on the corpus
    (a story quoted by mashups, a syndicated body) far more than on the page.
    """
    n = len(paragraphs)
    X = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return X
    texts = [p.text for p in paragraphs]
    keys = compare_keys(texts) if keys is None else keys
    n_words = np.array([p.n_words for p in paragraphs], dtype=np.float64)
    all_tokens = _WORDS.findall("\n".join(keys))
    ends = np.cumsum(n_words).astype(np.int64)
    starts = ends - n_words.astype(np.int64)
    stop = pick_stoplist(all_tokens)
    is_stop = np.fromiter(map(stop.__contains__, all_tokens), dtype=bool, count=len(all_tokens))
    stop_cum = np.concatenate(([0], np.cumsum(is_stop)))
    stops = (stop_cum[ends] - stop_cum[starts]).astype(np.float64)
    tok_len = np.fromiter(map(len, all_tokens), dtype=np.int64, count=len(all_tokens))
    len_cum = np.concatenate(([0], np.cumsum(tok_len)))
    letters = (len_cum[ends] - len_cum[starts]).astype(np.float64)

    classes, line_of, codes = line_char_classes(texts)
    chars = np.array([len(t) for t in texts], dtype=np.float64)
    per_line = lambda mask: np.bincount(line_of[mask], minlength=n).astype(np.float64)  # noqa: E731
    digits = per_line((classes & DIGIT) != 0)
    punct = per_line((classes & PUNCT) != 0)
    cjk = per_line((classes & CJK) != 0)
    word = (classes & WORD_CHAR) != 0
    word_start = word & ~np.concatenate(([False], word[:-1]))
    upper_starts = per_line(word_start & ((classes & UPPER) != 0))
    codes_comma = np.array([t.count(",") for t in texts], dtype=np.float64)

    safe_words = np.maximum(n_words, 1)
    terminal = np.fromiter(map(_terminal, texts), dtype=bool, count=n)
    prose = np.array([p.sentence and p.n_words >= long_words for p in paragraphs])
    eff_words = np.maximum(n_words, cjk / 2.0)  # CJK has no spaces: count its characters as words
    prose |= terminal & (cjk / np.maximum(chars, 1) > 0.3) & (cjk >= 2 * long_words)

    c = X.T  # column views
    c[INDEX["log_chars"]] = np.log1p(chars)
    c[INDEX["log_words"]] = np.log1p(eff_words)
    c[INDEX["stop_ratio"]] = stops / safe_words
    c[INDEX["log_stops"]] = np.log1p(stops)
    c[INDEX["terminal"]] = terminal
    c[INDEX["ends_colon"]] = [t.endswith(":") for t in texts]
    c[INDEX["comma_per_word"]] = codes_comma / safe_words
    c[INDEX["punct_ratio"]] = punct / np.maximum(chars, 1)
    c[INDEX["digit_ratio"]] = digits / np.maximum(chars, 1)
    c[INDEX["upper_ratio"]] = upper_starts / safe_words
    c[INDEX["cjk_ratio"]] = cjk / np.maximum(chars, 1)
    c[INDEX["separators"]] = per_line(np.isin(codes, _SEPARATOR_CODES)) + np.array(
        [t.count(" - ") + t.count(" / ") for t in texts], dtype=np.float64)
    with_digits = np.flatnonzero(digits).tolist()
    c[INDEX["count_pattern"]][with_digits] = [_COUNT.search(texts[i]) is not None for i in with_digits]
    maybe_date = [i for i in with_digits if _DATE_HINT.search(keys[i]) is not None]
    c[INDEX["date_time"]][maybe_date] = [_DATE.search(texts[i]) is not None for i in maybe_date]
    c[INDEX["mean_word_len"]] = letters / safe_words
    c[INDEX["cue_strong"]] = [p.cues.strong for p in paragraphs]
    c[INDEX["cue_weak"]] = [p.cues.weak for p in paragraphs]
    kinds = [p.cues.kind for p in paragraphs]
    scores = [p.cue_score for p in paragraphs]
    for kind in CUE_KINDS:
        c[INDEX[f"cue_{kind}"]] = [s if k == kind else 0 for k, s in zip(kinds, scores)]
    c[INDEX["prose"]] = prose

    idx = np.arange(n, dtype=np.float64)
    c[INDEX["rel_pos"]] = idx / max(n - 1, 1)
    before_chars = np.concatenate(([0.0], np.cumsum(chars)[:-1]))
    c[INDEX["rel_char_pos"]] = before_chars / max(chars.sum(), 1)
    counts: dict[int, int] = {}
    for p in paragraphs:
        counts[p.key] = counts.get(p.key, 0) + 1
    c[INDEX["repeats_in_doc"]] = [counts[p.key] - 1 for p in paragraphs]
    gaps_before = np.array([p.gap_before for p in paragraphs], dtype=np.float64)
    c[INDEX["gap_before"]] = np.minimum(gaps_before, 3)
    c[INDEX["gap_after"]] = np.minimum([p.gap_after for p in paragraphs], 3)

    # blocks: runs of lines with no blank line between them
    block_id = np.cumsum(gaps_before > 0)
    block_sizes = np.bincount(block_id)
    block_words = np.bincount(block_id, weights=eff_words)
    first_in_block = np.searchsorted(block_id, block_id)
    c[INDEX["log_block_lines"]] = np.log1p(block_sizes[block_id])
    c[INDEX["pos_in_block"]] = (idx - first_in_block) / np.maximum(block_sizes[block_id] - 1, 1)
    c[INDEX["log_block_words"]] = np.log1p(block_words[block_id])

    vocab = {t: i for i, t in enumerate(dict.fromkeys(all_tokens))}
    token_ids = np.fromiter(map(vocab.__getitem__, all_tokens), dtype=np.int64, count=len(all_tokens))
    token_line = np.repeat(np.arange(n, dtype=np.int64), n_words.astype(np.int64))
    c[INDEX["title_overlap"]] = _title_overlap(token_ids, token_line, n, len(vocab))

    log_words = np.log1p(eff_words)
    term = terminal.astype(np.float64)
    pr = prose.astype(np.float64)
    c[INDEX["prev_words"]] = _shift(log_words, 1)
    c[INDEX["next_words"]] = _shift(log_words, -1)
    c[INDEX["prev_terminal"]] = _shift(term, 1)
    c[INDEX["next_terminal"]] = _shift(term, -1)
    c[INDEX["prev_prose"]] = _shift(pr, 1)
    c[INDEX["next_prose"]] = _shift(pr, -1)
    c[INDEX["win2_prose"]] = _window_mean(pr, 2)
    c[INDEX["win5_prose"]] = _window_mean(pr, 5)
    c[INDEX["win10_prose"]] = _window_mean(pr, 10)
    c[INDEX["win2_words"]] = _window_mean(log_words, 2)
    c[INDEX["win5_words"]] = _window_mean(log_words, 5)
    c[INDEX["log_short_run"]] = np.where(pr > 0, 0.0, np.log1p(_run_lengths(pr > 0)))

    window_words = _window_mean(eff_words, 3)
    densest = int(np.argmax(window_words))
    c[INDEX["dist_to_densest"]] = (idx - densest) / n
    c[INDEX["density"]] = window_words / max(window_words.max(), 1)
    core = np.flatnonzero(pr > 0)
    if core.size:
        c[INDEX["in_core"]] = (idx >= core[0]) & (idx <= core[-1])
        c[INDEX["before_core"]] = idx < core[0]
        c[INDEX["after_core"]] = idx > core[-1]
    c[INDEX["doc_lines"]] = math.log1p(n)
    c[INDEX["doc_prose_share"]] = pr.mean()
    c[INDEX["vocab_overlap"]] = _vocab_overlap(all_tokens, token_ids, token_line, pr > 0, is_stop, tok_len)
    c[INDEX["block_prose_share"]] = (np.bincount(block_id, weights=pr) / block_sizes)[block_id]
    return X


def _title_overlap(token_ids: np.ndarray, token_line: np.ndarray, n: int, vocab_size: int) -> np.ndarray:
    """Share of each line's distinct words that the first line (the title, as a rule) also has."""
    out = np.zeros(n, dtype=np.float64)
    if n == 0:
        return out
    size = max(vocab_size, 1)
    pair = np.unique(token_line * size + token_ids)  # distinct (line, word)
    line, word = pair // size, pair % size
    in_title = np.zeros(size, dtype=bool)
    in_title[token_ids[token_line == 0]] = True
    distinct = np.bincount(line, minlength=n)
    out = np.bincount(line, weights=in_title[word].astype(np.float64), minlength=n) / np.maximum(distinct, 1)
    out[0] = 1.0
    return out


def _vocab_overlap(tokens: list[str], token_ids: np.ndarray, token_line: np.ndarray, prose: np.ndarray,
                   is_stop: np.ndarray, tok_len: np.ndarray) -> np.ndarray:
    """Share of a line's content words that *other* prose lines of the page also use
    (topic coherence), from token arrays: content words are longer than two letters,
    not stopwords and not numbers."""
    n = prose.size
    out = np.zeros(n, dtype=np.float64)
    if not tokens:
        return out
    content = (tok_len > 2) & ~is_stop & ~np.fromiter(map(str.isdigit, tokens), dtype=bool, count=len(tokens))
    if not content.any():
        return out
    ids = token_ids[content]
    cline = token_line[content]
    # distinct (word, line) occurrences; per word, the number of prose lines using it
    pair = np.unique(ids.astype(np.int64) * (n + 1) + cline)
    word, pline = pair // (n + 1), pair % (n + 1)
    prose_lines = np.bincount(word, weights=prose[pline].astype(np.float64), minlength=ids.max() + 1)
    shared = (prose_lines[ids] - prose[cline]) > 0  # used by a prose line other than its own
    totals = np.bincount(cline, minlength=n)
    out = np.bincount(cline, weights=shared.astype(np.float64), minlength=n) / np.maximum(totals, 1)
    return out
