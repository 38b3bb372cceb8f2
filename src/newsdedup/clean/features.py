"""Per-paragraph features for the learned boilerplate classifier.

A page text is a sequence of lines; what marks a line as article or furniture is
partly the line itself (length, stopwords, punctuation, cue words) and partly where
it stands (in a run of short links, between two prose paragraphs, far from the
densest text, repeated within the page). :func:`line_features` returns one row
per paragraph with both kinds, as a float32 matrix whose columns are
:data:`FEATURES`.

Every column is computed in one compiled pass over the document's code points (a
page has a few hundred lines, so a numpy call per column would cost more than the
arithmetic); only the two date and count patterns stay regular expressions, run on
the few lines with digits. Words are runs of word characters of the compare key,
identified by a 64-bit FNV-1a hash of their code points.

Nothing here names a site or a phrase: the inputs are shapes, positions, a generic
stopword list per language (jusText's) and the cue kinds of :mod:`.rules`.

>>> from .paragraphs import segment
>>> X = line_features(segment("Menu\\nThe council voted on Tuesday to close the old bridge for good."))
>>> X.shape == (2, len(FEATURES)), float(X[1, INDEX["terminal"]]), float(X[0, INDEX["terminal"]])
(True, 1.0, 0.0)
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain
from pathlib import Path

import numpy as np

from .._jit import njit
from ..normalize import CJK, DIGIT, NEWLINE, PUNCT, UPPER, WORD_CHAR, char_classes, code_class, code_points, compare_keys
from .paragraphs import Paragraph
from .rules import CUE_KINDS

# Languages whose stopword lists are tried; the one covering most of a page's words wins.
STOPLIST_LANGUAGES = ("English", "German", "French", "Spanish", "Portuguese", "Italian", "Dutch", "Russian",
                      "Polish", "Swedish", "Danish", "Norwegian_Bokmal", "Finnish", "Czech", "Turkish",
                      "Indonesian", "Romanian", "Hungarian", "Ukrainian", "Greek")
STOP_SAMPLE = 400  # the stoplist is picked on the page's first words
ENGLISH_SHARE = 0.25  # ... and is English without trying the others when it covers this share

# a count: "(12)" at the end, or a number alone or opening a numbered list item
_COUNT_END = re.compile(r"\(\d+\)$")
_COUNT_START = re.compile(r"\d+$|\d+[.)]\s")
# A date or time ("Jan. 5", "10:30", "5 hours ago", "2024-01-05", "1/5/24"): each kind of
# pattern with a literal its match must contain (in the text, or in the compare key where
# case matters), so that most lines are ruled out by a substring test.
# in the compare key (case folded, one space between words): a month's first letters, the
# rest of its word, and a digit after at most a dot and a space
_MONTH_HINT = re.compile(r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.? ?\d")
_DATES = (
    ("key", _MONTH_HINT, re.compile(
        r"\b(?=[adfjmnos])(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|"
        r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?[^\S\n]*\d{1,2}\b", re.I)),
    ("text", ":", re.compile(r"\b\d{1,2}:\d{2}\b")),
    ("key", "ago", re.compile(r"\b\d+\s*(?:[mhd]|min|mins|hrs?|hours?|days?|minutes?)[^\S\n]+ago\b", re.I)),
    ("text", "-", re.compile(r"\b(?:19|20)\d{2}-\d{2}-\d{2}\b")),
    ("text", "/", re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")),
)


# what _pattern_hints finds: the first character a digit, the last a ")"; a digit after a
# possible month name; a digit after ":", "-" or "/" after a digit
_DIGIT_FIRST, _BRACKET_LAST, _MONTH, _COLON, _DASH, _SLASH = 1, 2, 4, 8, 16, 32
_ANY_DATE = _MONTH | _COLON | _DASH | _SLASH
_DATE_BITS = (_MONTH, _COLON, 0, _DASH, _SLASH)  # per pattern of _DATES; 0: its own hint ("ago" in the key)
assert [hint for (_, hint, _), bit in zip(_DATES, _DATE_BITS) if not bit] == ["ago"]


def is_date(text: str, key: str, hints: int | None = None) -> bool:
    """The line has a date or a time (``key``: its compare key; ``hints``: the line's
    :func:`_pattern_hints` flags, which stand in for a pattern's own hint where they can)."""
    for (where, hint, pattern), bit in zip(_DATES, _DATE_BITS):
        if hints is not None and bit:
            possible = hints & bit
        else:
            place = key if where == "key" else text
            possible = hint in place if isinstance(hint, str) else hint.search(place) is not None
        if possible and pattern.search(text):
            return True
    return False


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
# Column numbers as plain module constants, which numba reads as compile-time integers
# (a namedtuple's attributes cost about a tenth of a second of compile time each, and a
# fresh install compiles the kernel on its first run); checked against FEATURES below.
(C_LOG_CHARS, C_LOG_WORDS, C_STOP_RATIO, C_LOG_STOPS, C_TERMINAL, C_ENDS_COLON, C_COMMA_PER_WORD,
 C_PUNCT_RATIO, C_DIGIT_RATIO, C_UPPER_RATIO, C_CJK_RATIO, C_SEPARATORS, C_COUNT_PATTERN, C_DATE_TIME,
 C_MEAN_WORD_LEN, C_CUE_STRONG, C_CUE_WEAK, C_CUE_CALL_TO_ACTION, C_CUE_SOCIAL, C_CUE_LEGAL, C_CUE_NOTICE,
 C_CUE_NAVIGATION, C_PROSE, C_REL_POS, C_REL_CHAR_POS, C_REPEATS_IN_DOC, C_GAP_BEFORE, C_GAP_AFTER,
 C_LOG_BLOCK_LINES, C_POS_IN_BLOCK, C_LOG_BLOCK_WORDS, C_TITLE_OVERLAP, C_PREV_WORDS, C_NEXT_WORDS,
 C_PREV_TERMINAL, C_NEXT_TERMINAL, C_PREV_PROSE, C_NEXT_PROSE, C_WIN2_PROSE, C_WIN5_PROSE, C_WIN2_WORDS,
 C_WIN5_WORDS, C_WIN10_PROSE, C_LOG_SHORT_RUN, C_DIST_TO_DENSEST, C_DENSITY, C_IN_CORE, C_BEFORE_CORE,
 C_AFTER_CORE, C_DOC_LINES, C_DOC_PROSE_SHARE, C_VOCAB_OVERLAP, C_BLOCK_PROSE_SHARE) = range(len(FEATURES))
assert all(globals()[f"C_{name.upper()}"] == i for i, name in enumerate(FEATURES))
_CUE_COLUMN = {kind: INDEX[f"cue_{kind}"] for kind in CUE_KINDS}

# per-paragraph inputs of the kernel, one row each (columns of an int64 matrix)
_SENTENCE, _STRONG, _WEAK, _CUE_COL, _GAP_BEFORE, _GAP_AFTER, _N_WORDS = range(7)

_SEPARATORS = "|»›•·►▶→←«‹"
_TERMINALS = ".!?…。！？"
_CLOSERS = "\"'”’»)]」』"
_FNV_OFFSET, _FNV_PRIME, _MASK64 = 0xCBF29CE484222325, 0x100000001B3, (1 << 64) - 1


@lru_cache(maxsize=1)
def stoplists() -> dict[str, frozenset[str]]:
    return {lang: frozenset(w.casefold() for w in _justext_stoplist(lang)) for lang in STOPLIST_LANGUAGES}


def _justext_stoplist(language: str) -> frozenset[str]:
    """``justext.get_stoplist(language)``, read from justext's package folder without
    importing justext (which imports lxml and an HTTP client: 0.1 s in every cleaning
    process of a run without HTML)."""
    spec = importlib.util.find_spec("justext")
    try:
        data = (Path(spec.submodule_search_locations[0]) / "stoplists" / f"{language}.txt").read_bytes()
    except (AttributeError, TypeError, IndexError, OSError):  # not a folder on disk: justext reads it
        import justext

        return justext.get_stoplist(language)
    return frozenset(w.decode("utf8").lower() for w in data.splitlines())


def word_hash(word: str) -> int:
    """64-bit FNV-1a of a word's code points: how the compiled code identifies words."""
    h = _FNV_OFFSET
    for ch in word:
        h = ((h ^ ord(ch)) * _FNV_PRIME) & _MASK64
    return h


@lru_cache(maxsize=1)
def _stop_tables() -> tuple[np.ndarray, np.ndarray]:
    """Every stoplist as an open-addressing hash set of word hashes (linear probing, at
    most a quarter full, 0 for an empty slot), concatenated in STOPLIST_LANGUAGES order,
    and each set's [start, end) (a power of two long)."""
    lists = stoplists()
    tables = []
    for lang in STOPLIST_LANGUAGES:
        hashes = sorted({word_hash(w) for w in lists[lang]})
        table = np.zeros(1 << max(4, (4 * len(hashes)).bit_length()), dtype=np.uint64)
        for h in hashes:
            slot = _slot(h, table.size)
            while table[slot]:
                slot = (slot + 1) & (table.size - 1)
            table[slot] = h
        tables.append(table)
    bounds = np.cumsum([0] + [t.size for t in tables]).astype(np.int64)
    return np.concatenate(tables), bounds


def _slot(h: int, size: int) -> int:
    return (h >> 40) & (size - 1)  # FNV's high bits are its best mixed


@njit(cache=True, nogil=True)
def _in_set(table, h):  # pragma: no cover - compiled
    """h in a hash set built by _stop_tables."""
    mask = np.uint64(table.size - 1)
    slot = (h >> np.uint64(40)) & mask
    while table[slot] != 0:
        if table[slot] == h:
            return True
        slot = (slot + np.uint64(1)) & mask
    return False


def _code_set(chars: str) -> np.ndarray:
    return np.array(sorted(map(ord, chars)), dtype=np.int64)


_SEPARATOR_CODES, _TERMINAL_CODES, _CLOSER_CODES = _code_set(_SEPARATORS), _code_set(_TERMINALS), _code_set(_CLOSERS)


def line_features(paragraphs: Sequence[Paragraph], keys: Sequence[str] | None = None,
                  long_words: int = 12) -> np.ndarray:
    """``(len(paragraphs), len(FEATURES))`` float32 features of a document's paragraphs.

    ``keys`` are the paragraphs' compare keys (computed if not given). Everything here
    comes from the document itself: evidence from the rest of the corpus (templates)
    is a rule of its own, because what recurs across documents depends on the corpus
    (a story quoted by mashups, a syndicated body) far more than on the page.
    """
    return features_and_words(paragraphs, keys, long_words)[0]


Words = tuple[np.ndarray, np.ndarray]  # a document's word tokens: hashes and lines (word_tokens of its keys)


def features_and_words(paragraphs: Sequence[Paragraph], keys: Sequence[str] | None = None, long_words: int = 12,
                       key_codes: np.ndarray | None = None) -> tuple[np.ndarray, Words]:
    """:func:`line_features`, and the word tokens of the keys it read (hashes and lines,
    as :func:`word_tokens` finds them: what :func:`~.templates.summarize` needs of the
    words too); ``key_codes``: the keys' :func:`~newsdedup.normalize.code_points`, if at hand."""
    n = len(paragraphs)
    X = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return X, (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64))
    texts = [p.text for p in paragraphs]
    keys = compare_keys(texts) if keys is None else keys
    rows = np.fromiter(chain.from_iterable([(p.sentence, p.cues.strong, p.cues.weak, _CUE_COLUMN.get(p.cues.kind, -1),
                                             p.gap_before, p.gap_after, p.n_words) for p in paragraphs]),
                       dtype=np.int64, count=7 * n).reshape(n, 7)  # flat: quicker than rows of tuples
    key_hashes = np.fromiter((p.key for p in paragraphs), dtype=np.uint64, count=n)
    stop_hashes, stop_bounds = _stop_tables()
    text_codes = code_points(texts)
    words = _fill(X, text_codes, code_points(keys) if key_codes is None else key_codes, char_classes(), rows,
                  key_hashes, long_words, stop_hashes, stop_bounds, _SEPARATOR_CODES, _TERMINAL_CODES, _CLOSER_CODES)
    _fill_patterns(X, texts, keys, _pattern_hints(text_codes, char_classes(), n, _MONTH_HASHES).tolist())
    return X, words


def _fill_patterns(X: np.ndarray, texts: list[str], keys: Sequence[str], hints: list[int]) -> None:
    """The count and date columns, by regular expression on the lines that have digits,
    each pattern only where its characters are (``hints``: :func:`_pattern_hints`)."""
    for i in np.flatnonzero(X[:, C_DIGIT_RATIO] > 0).tolist():
        text, hint = texts[i], hints[i]
        if (hint & _DIGIT_FIRST and _COUNT_START.match(text) is not None) or (
                hint & _BRACKET_LAST and _COUNT_END.search(text) is not None):
            X[i, C_COUNT_PATTERN] = 1
        if (hint & _ANY_DATE or "ago" in keys[i]) and is_date(text, keys[i], hint):
            X[i, C_DATE_TIME] = 1


# every spelling of a month the date pattern accepts (its case folded to ASCII lowercase)
_MONTH_WORDS = ("jan", "january", "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul",
                "july", "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november", "dec",
                "december")
_MONTH_HASHES = np.array(sorted(word_hash(w) for w in _MONTH_WORDS), dtype=np.uint64)


@njit(cache=True, nogil=True)
def _maybe_digit(table, c):  # pragma: no cover - compiled
    return c >= 0x10000 or (table[c] & DIGIT) != 0  # astral code points: \d may match some


@njit(cache=True, nogil=True)
def _month_before(codes, table, start, i, months):  # pragma: no cover - compiled
    """Whether the word ending at ``i`` (exclusive) could be a month name: one of
    ``months`` (word hashes) in ASCII lowercase, or a word with other characters,
    which case-insensitive matching may read as one (``ſept``)."""
    h = np.uint64(_FNV_OFFSET)
    j = i
    while j > start and (code_class(table, codes[j - 1]) & WORD_CHAR) != 0:
        j -= 1
    if j == i:
        return False
    for k in range(j, i):
        c = codes[k]
        if c > 127:
            return True
        if 65 <= c <= 90:
            c |= 32
        h = (h ^ np.uint64(c)) * np.uint64(_FNV_PRIME)
    return _member(months, h)


@njit(cache=True, nogil=True)
def _pattern_hints(codes, table, n, months):  # pragma: no cover - compiled
    """Per line of the texts, what the count and date patterns need (bit flags): a count
    starts with a digit or ends with ``)``; a date or time has a digit right after
    ``:``, ``-`` or ``/`` after a digit, or after a month name, a dot and spaces. A
    pattern cannot match a line without its flag, so it runs on the others only."""
    out = np.zeros(n, dtype=np.int64)
    start = 0
    for line in range(n):
        end = start
        while end < codes.size and codes[end] != 10:
            end += 1
        flags = 0
        if end > start and _maybe_digit(table, codes[start]):
            flags |= _DIGIT_FIRST
        if end > start and codes[end - 1] == 41:
            flags |= _BRACKET_LAST
        for i in range(start, end):
            if flags & _ANY_DATE == _ANY_DATE or not _maybe_digit(table, codes[i]):
                continue
            if i - 2 >= start and _maybe_digit(table, codes[i - 2]):
                c = codes[i - 1]
                flags |= _COLON if c == 58 else _DASH if c == 45 else _SLASH if c == 47 else 0
            if flags & _MONTH:
                continue
            j = i  # back over spaces and one dot to the word before the digit
            while j > start and (code_class(table, codes[j - 1]) & (WORD_CHAR | PUNCT | NEWLINE)) == 0:
                j -= 1
            if j > start and codes[j - 1] == 46:
                j -= 1
            if _month_before(codes, table, start, j, months):
                flags |= _MONTH
        out[line] = flags
        start = end + 1
    return out


@njit(cache=True, nogil=True)
def _member(codes, code):  # pragma: no cover - compiled
    """code in a small array (a handful of characters: a scan, and quick to compile)."""
    for c in codes:
        if c == code:
            return True
    return False


@njit(cache=True, nogil=True)
def _text_counts(codes, table, n, separators, terminals, closers):  # pragma: no cover - compiled
    """Per line of the texts: characters, digits, punctuation, CJK, capitalised words,
    commas, separators, and whether it ends a sentence or with a colon."""
    out = np.zeros((9, n), dtype=np.float64)
    start = 0
    for line in range(n):
        end = start
        while end < codes.size and codes[end] != 10:
            end += 1
        digits = punct = cjk = upper = commas = seps = 0
        prev_word = 0
        dash_from = slash_from = start  # " - " and " / " are counted as str.count does: without overlaps
        for i in range(start, end):
            c = codes[i]
            cl = code_class(table, c)
            word = np.int64((cl & WORD_CHAR) != 0)
            digits += (cl & DIGIT) != 0
            punct += (cl & PUNCT) != 0
            cjk += (cl & CJK) != 0
            upper += word & (1 - prev_word) & np.int64((cl & UPPER) != 0)
            commas += c == 44
            if c == 124 or (c >= 0xAB and _member(separators, c)):
                seps += 1
            prev_word = word
            if (c == 45 or c == 47) and start < i < end - 1 and codes[i - 1] == 32 and codes[i + 1] == 32:
                if c == 45 and i - 1 >= dash_from:
                    seps += 1
                    dash_from = i + 2
                elif c == 47 and i - 1 >= slash_from:
                    seps += 1
                    slash_from = i + 2
        last = end
        if last > start and _member(closers, codes[last - 1]):
            while last > start and _member(closers, codes[last - 1]):
                last -= 1
        out[0, line], out[1, line], out[2, line], out[3, line] = end - start, digits, punct, cjk
        out[4, line], out[5, line], out[6, line] = upper, commas, seps
        out[7, line] = last > start and _member(terminals, codes[last - 1])
        out[8, line] = end > start and codes[end - 1] == 58
        start = end + 1
    return out


@njit(cache=True, nogil=True)
def word_tokens(codes, table):  # pragma: no cover - compiled
    """Word tokens (``\\w`` runs) of keys joined by line breaks: hash (64-bit FNV-1a of
    the code points), length, line, all digits (a token's counters stay in registers
    until it ends)."""
    cap = (codes.size + 1) // 2  # at most: tokens are separated by a character at least
    hashes = np.empty(cap, dtype=np.uint64)
    lengths = np.empty(cap, dtype=np.int64)
    lines = np.empty(cap, dtype=np.int64)
    numeric = np.empty(cap, dtype=np.bool_)
    t, line, inside, length, digits = 0, 0, False, 0, True
    h = np.uint64(0)
    for i in range(codes.size + 1):
        c = codes[i] if i < codes.size else np.uint32(10)  # a line break closes the last token
        cl = code_class(table, c)
        if (cl & WORD_CHAR) != 0:
            if not inside:
                inside, length, digits = True, 0, True
                h = np.uint64(_FNV_OFFSET)
            h = (h ^ np.uint64(c)) * np.uint64(_FNV_PRIME)
            length += 1
            digits = digits and (cl & DIGIT) != 0
        elif inside:
            hashes[t], lengths[t], lines[t], numeric[t] = h, length, line, digits
            t += 1
            inside = False
        if c == 10:
            line += 1
    return hashes[:t], lengths[:t], lines[:t], numeric[:t]


@njit(cache=True, nogil=True)
def _pick_stoplist(hashes, stop_hashes, bounds):  # pragma: no cover - compiled
    """Index of the stoplist covering most distinct words of the page's first words
    (English, list 0, when it covers a quarter of them, or on a tie, or without words).

    Stopwords are a large share of any prose in their language (a third or more of its
    tokens in English), so a page where English covers a quarter of the first words is
    English without trying the others."""
    sample = hashes[:STOP_SAMPLE]
    if sample.size == 0:
        return 0
    english = stop_hashes[bounds[0]:bounds[1]]
    hits = 0
    for h in sample:
        hits += _in_set(english, h)
    if hits >= ENGLISH_SHARE * sample.size:
        return 0
    ids, n_ids = _word_ids(sample)
    vocabulary = np.empty(n_ids, dtype=np.uint64)  # the distinct words
    for t in range(sample.size):
        vocabulary[ids[t]] = sample[t]
    best, best_hits = 0, -1
    for lang in range(bounds.size - 1):
        words = stop_hashes[bounds[lang]:bounds[lang + 1]]
        hits = 0
        for h in vocabulary:
            hits += _in_set(words, h)
        if hits > best_hits:
            best, best_hits = lang, hits
    return best


@njit(cache=True, nogil=True)
def _window_mean(values, radius):  # pragma: no cover - compiled
    n = values.size
    padded = np.zeros(n + 1)
    for i in range(n):
        padded[i + 1] = padded[i] + values[i]
    out = np.empty(n)
    for i in range(n):
        lo, hi = max(i - radius, 0), min(i + radius + 1, n)
        out[i] = (padded[hi] - padded[lo]) / (hi - lo)
    return out


@njit(cache=True, nogil=True)
def _word_ids(hashes):  # pragma: no cover - compiled
    """Dense ids of the distinct words (in order of first occurrence), and how many there are."""
    size = 16
    while size < 2 * hashes.size:
        size *= 2
    mask = np.uint64(size - 1)
    table = np.zeros(size, dtype=np.uint64)
    table_ids = np.full(size, -1)
    ids = np.empty(hashes.size, dtype=np.int64)
    n_ids = 0
    for t in range(hashes.size):
        h = hashes[t]
        slot = (h >> np.uint64(40)) & mask
        while table_ids[slot] >= 0 and table[slot] != h:
            slot = (slot + np.uint64(1)) & mask
        if table_ids[slot] < 0:
            table[slot], table_ids[slot] = h, n_ids
            n_ids += 1
        ids[t] = table_ids[slot]
    return ids, n_ids


@njit(cache=True, nogil=True)
def _title_overlap(ids, n_ids, line_starts, n):  # pragma: no cover - compiled
    """Share of each line's distinct words that the first line (the title, as a rule) also has."""
    out = np.zeros(n)
    in_title = np.zeros(n_ids, dtype=np.bool_)
    for t in range(line_starts[0], line_starts[1]):
        in_title[ids[t]] = True
    last_line = np.full(n_ids, -1)  # a word's first occurrence in a line is when this is not the line
    for i in range(n):
        distinct = shared = 0
        for t in range(line_starts[i], line_starts[i + 1]):
            word = ids[t]
            if last_line[word] != i:
                last_line[word] = i
                distinct += 1
                shared += in_title[word]
        out[i] = shared / max(distinct, 1)
    out[0] = 1.0
    return out


@njit(cache=True, nogil=True)
def _vocab_overlap(ids, n_ids, lengths, lines, numeric, is_stop, prose, n):  # pragma: no cover - compiled
    """Share of a line's content words that *other* prose lines of the page also use
    (topic coherence): content words are longer than two letters, not stopwords and
    not numbers."""
    content = np.empty(ids.size, dtype=np.bool_)
    for t in range(ids.size):
        content[t] = lengths[t] > 2 and not is_stop[t] and not numeric[t]
    prose_lines = np.zeros(n_ids, dtype=np.int64)  # per word, the prose lines using it
    last_line = np.full(n_ids, -1)
    for t in range(ids.size):
        if content[t] and last_line[ids[t]] != lines[t]:
            last_line[ids[t]] = lines[t]
            prose_lines[ids[t]] += prose[lines[t]]
    shared = np.zeros(n)
    totals = np.zeros(n)
    for t in range(ids.size):
        if content[t]:
            line = lines[t]
            totals[line] += 1
            shared[line] += (prose_lines[ids[t]] - prose[line]) > 0  # used by a prose line other than its own
    out = np.zeros(n)
    for i in range(n):
        out[i] = shared[i] / max(totals[i], 1)
    return out


@njit(cache=True, nogil=True)
def _fill(X, text_codes, key_codes, table, rows, key_hashes, long_words,
          stop_hashes, stop_bounds, separators, terminals, closers):  # pragma: no cover - compiled
    """The columns of ``X`` but the two patterns'; returns the keys' word hashes and lines."""
    n = X.shape[0]
    chars, digits, punct, cjk, upper, commas, seps, terminal, colon = _text_counts(
        text_codes, table, n, separators, terminals, closers)
    hashes, lengths, lines, numeric = word_tokens(key_codes, table)
    lang = _pick_stoplist(hashes, stop_hashes, stop_bounds)
    stoplist = stop_hashes[stop_bounds[lang]:stop_bounds[lang + 1]]
    is_stop = np.zeros(hashes.size, dtype=np.bool_)
    stops, letters = np.zeros(n), np.zeros(n)
    for t in range(hashes.size):
        is_stop[t] = _in_set(stoplist, hashes[t])
        stops[lines[t]] += is_stop[t]
        letters[lines[t]] += lengths[t]
    line_starts = np.zeros(n + 1, dtype=np.int64)  # each line's first token (tokens are in line order)
    for t in range(lines.size):
        line_starts[lines[t] + 1] = t + 1
    for i in range(1, n + 1):
        line_starts[i] = max(line_starts[i], line_starts[i - 1])

    # explicit loops rather than array expressions throughout: numba compiles them in a
    # fraction of the time, and a fresh install compiles this kernel on its first run
    n_words, eff_words = np.empty(n), np.empty(n)  # CJK has no spaces: count its characters as words
    log_words, pr = np.empty(n), np.empty(n)
    prose = np.zeros(n, dtype=np.int64)
    total_chars = prose_lines = 0.0
    for i in range(n):
        n_words[i] = rows[i, _N_WORDS]
        eff_words[i] = max(n_words[i], cjk[i] / 2.0)
        log_words[i] = math.log1p(eff_words[i])
        prose[i] = (rows[i, _SENTENCE] != 0 and rows[i, _N_WORDS] >= long_words) or (
            terminal[i] > 0 and cjk[i] / max(chars[i], 1) > 0.3 and cjk[i] >= 2 * long_words)
        pr[i] = prose[i]
        prose_lines += pr[i]
        total_chars += chars[i]
    total_chars = max(total_chars, 1)
    ids, n_ids = _word_ids(hashes)
    title = _title_overlap(ids, n_ids, line_starts, n)
    vocab = _vocab_overlap(ids, n_ids, lengths, lines, numeric, is_stop, prose, n)

    # blocks: runs of lines with no blank line between them
    block = np.zeros(n, dtype=np.int64)
    for i in range(1, n):
        block[i] = block[i - 1] + (rows[i, _GAP_BEFORE] > 0)
    block_lines = np.zeros(n)
    block_words = np.zeros(n)
    block_prose = np.zeros(n)
    block_first = np.full(n, -1)
    for i in range(n):
        b = block[i]
        block_lines[b] += 1
        block_words[b] += eff_words[i]
        block_prose[b] += pr[i]
        if block_first[b] < 0:
            block_first[b] = i

    key_ids, n_keys = _word_ids(key_hashes)  # the same hashing as words: paragraphs by key
    copies = np.zeros(n_keys, dtype=np.int64)
    for i in range(n):
        copies[key_ids[i]] += 1

    # radii as int64, not literals: one compiled window function instead of one per radius
    two, three, five, ten = np.int64(2), np.int64(3), np.int64(5), np.int64(10)
    win2_prose, win5_prose, win10_prose = _window_mean(pr, two), _window_mean(pr, five), _window_mean(pr, ten)
    win2_words, win5_words = _window_mean(log_words, two), _window_mean(log_words, five)
    window_words = _window_mean(eff_words, three)
    densest = 0
    for i in range(n):
        if window_words[i] > window_words[densest]:
            densest = i
    densest_words = max(window_words[densest], 1)
    core_first, core_last = -1, -1
    for i in range(n):
        if prose[i]:
            core_last = i
            if core_first < 0:
                core_first = i

    before_chars = 0.0
    run_start = run_end = 0
    for i in range(n):
        x = X[i]
        safe_words = max(n_words[i], 1)
        safe_chars = max(chars[i], 1)
        x[C_LOG_CHARS] = math.log1p(chars[i])
        x[C_LOG_WORDS] = log_words[i]
        x[C_STOP_RATIO] = stops[i] / safe_words
        x[C_LOG_STOPS] = math.log1p(stops[i])
        x[C_TERMINAL] = terminal[i]
        x[C_ENDS_COLON] = colon[i]
        x[C_COMMA_PER_WORD] = commas[i] / safe_words
        x[C_PUNCT_RATIO] = punct[i] / safe_chars
        x[C_DIGIT_RATIO] = digits[i] / safe_chars
        x[C_UPPER_RATIO] = upper[i] / safe_words
        x[C_CJK_RATIO] = cjk[i] / safe_chars
        x[C_SEPARATORS] = seps[i]
        x[C_MEAN_WORD_LEN] = letters[i] / safe_words
        x[C_CUE_STRONG] = rows[i, _STRONG]
        x[C_CUE_WEAK] = rows[i, _WEAK]
        if rows[i, _CUE_COL] >= 0:
            x[rows[i, _CUE_COL]] = 2 * rows[i, _STRONG] + rows[i, _WEAK]
        x[C_PROSE] = pr[i]

        x[C_REL_POS] = i / max(n - 1, 1)
        x[C_REL_CHAR_POS] = before_chars / total_chars
        before_chars += chars[i]
        x[C_REPEATS_IN_DOC] = copies[key_ids[i]] - 1
        x[C_GAP_BEFORE] = min(rows[i, _GAP_BEFORE], 3)
        x[C_GAP_AFTER] = min(rows[i, _GAP_AFTER], 3)
        b = block[i]
        x[C_LOG_BLOCK_LINES] = math.log1p(block_lines[b])
        x[C_POS_IN_BLOCK] = (i - block_first[b]) / max(block_lines[b] - 1, 1)
        x[C_LOG_BLOCK_WORDS] = math.log1p(block_words[b])
        x[C_BLOCK_PROSE_SHARE] = block_prose[b] / block_lines[b]
        x[C_TITLE_OVERLAP] = title[i]

        if i > 0:
            x[C_PREV_WORDS], x[C_PREV_TERMINAL], x[C_PREV_PROSE] = log_words[i - 1], terminal[i - 1], pr[i - 1]
        if i + 1 < n:
            x[C_NEXT_WORDS], x[C_NEXT_TERMINAL], x[C_NEXT_PROSE] = log_words[i + 1], terminal[i + 1], pr[i + 1]
        x[C_WIN2_PROSE], x[C_WIN5_PROSE], x[C_WIN10_PROSE] = win2_prose[i], win5_prose[i], win10_prose[i]
        x[C_WIN2_WORDS], x[C_WIN5_WORDS] = win2_words[i], win5_words[i]
        if not prose[i]:  # the run of non-prose lines this one is in
            if run_end <= i:
                run_end = i
                while run_end < n and not prose[run_end]:
                    run_end += 1
                run_start = i
            x[C_LOG_SHORT_RUN] = math.log1p(run_end - run_start)

        x[C_DIST_TO_DENSEST] = (i - densest) / n
        x[C_DENSITY] = window_words[i] / densest_words
        if core_first >= 0:
            x[C_IN_CORE] = core_first <= i <= core_last
            x[C_BEFORE_CORE] = i < core_first
            x[C_AFTER_CORE] = i > core_last
        x[C_DOC_LINES] = math.log1p(n)
        x[C_DOC_PROSE_SHARE] = prose_lines / n
        x[C_VOCAB_OVERLAP] = vocab[i]
    return hashes, lines
